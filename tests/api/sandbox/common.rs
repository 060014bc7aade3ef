use std::time::Duration;

use hmac::{Hmac, Mac};
use kyc_desk::server::sandbox::{RunningSandbox, Sandbox, SandboxConfig};
use reqwest::{Client, Response};
use serde_json::Value;
use sha2::Sha256;

pub const FLOW_KEY: &str = kyc_desk::server::sandbox::DEFAULT_BIOMETRIC_FLOW_API_KEY;
pub const ORG_KEY: &str = kyc_desk::server::sandbox::DEFAULT_BIOMETRIC_ORG_API_KEY;
pub const ECLIPSE: &str = "/eclipse-conductor/rest/v1";

pub struct Env {
    pub base: String,
    pub client: Client,
    /// Serves until the test ends.
    _sandbox: RunningSandbox,
}

pub async fn start() -> Env {
    start_with(SandboxConfig::default()).await
}

pub async fn start_with(config: SandboxConfig) -> Env {
    let sandbox = Sandbox::start(config, "127.0.0.1:0").await.unwrap();
    let client = Client::builder()
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    Env {
        base: sandbox.url(),
        client,
        _sandbox: sandbox,
    }
}

pub fn seed(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

pub async fn json(response: Response) -> Value {
    let text = response.text().await.unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

impl Env {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        let response = self.client.get(self.url(path)).send().await.unwrap();
        let status = response.status().as_u16();
        (status, json(response).await)
    }

    // ---------------------------------------------------------------- Eclipse

    pub async fn eclipse_login_as(&self, identity: &str) -> String {
        let response = self
            .client
            .post(self.url(&format!("{ECLIPSE}/authentication/login")))
            .json(&serde_json::json!({"identity": identity, "password": "sandbox-password"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let body = json(response).await;
        assert_eq!(body["headerName"], "Authorization");
        body["headerValue"].as_str().unwrap().to_string()
    }

    /// The `headerValue` ("Bearer <jwt>") of an admin login.
    pub async fn eclipse_login(&self) -> String {
        self.eclipse_login_as("sandbox-admin").await
    }

    pub async fn eclipse_get(&self, auth: &str, path: &str) -> (u16, Value) {
        let response = self
            .client
            .get(self.url(&format!("{ECLIPSE}{path}")))
            .header("Authorization", auth)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, json(response).await)
    }

    pub async fn eclipse_send(
        &self,
        method: reqwest::Method,
        auth: &str,
        path: &str,
        body: &Value,
    ) -> (u16, Value) {
        let response = self
            .client
            .request(method, self.url(&format!("{ECLIPSE}{path}")))
            .header("Authorization", auth)
            .json(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, json(response).await)
    }

    // ---------------------------------------------------------------- ident

    pub async fn ident(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Response {
        let mut request = self
            .client
            .request(method, self.url(&format!("/api/v1{path}")))
            .header("Authorization", "bearer sandbox-ident-app-token");
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.unwrap()
    }

    // ----------------------------------------------------------- biometric.kz

    pub async fn bio_light(&self, session_id: &str) -> (u16, Value) {
        self.get_json(&format!(
            "/api/v1/flows/session/result/light/?session_id={session_id}&flow_api_key={FLOW_KEY}"
        ))
        .await
    }

    // ---------------------------------------------------------------- WIDTH

    pub async fn width(&self, method: &str, body: &str) -> (u16, Value) {
        let response = self
            .client
            .post(self.url(&format!("/gateway/{method}?apiKey=ak_sandbox")))
            .header("content-type", "application/json")
            .header("x-domain", "dom_sandbox")
            .header("x-signature", width_signature("sk_sandbox", body))
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, json(response).await)
    }

    pub async fn requests(&self) -> Vec<Value> {
        let (status, log) = self.get_json("/__sandbox/requests").await;
        assert_eq!(status, 200);
        log.as_array().unwrap().clone()
    }
}

/// The documented assumption: lowercase hex HMAC-SHA256 of the raw body.
pub fn width_signature(secret: &str, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

pub fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.chars().all(|c| c.is_ascii_hexdigit())
}

/// Asserts the Eclipse error array shape and returns its single element.
pub fn eclipse_error(body: &Value, code: &str) -> Value {
    let items = body
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {body}"));
    assert_eq!(items.len(), 1, "{body}");
    let e = &items[0];
    assert_eq!(e["code"], code, "{body}");
    for key in [
        "type",
        "severity",
        "description",
        "traceId",
        "spanId",
        "environment",
    ] {
        assert!(e[key].is_string(), "missing {key}: {body}");
    }
    assert!(is_hex(e["traceId"].as_str().unwrap(), 32), "{body}");
    e.clone()
}
