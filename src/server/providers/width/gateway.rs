//! Our one assumption about WIDTH's OpenAPI gateway, kept here and nowhere
//! else (WIDTH does not publish it; confirm with the vendor):
//!
//! - `POST {base}/gateway/{method}` with a JSON body, e.g. method
//!   `workflow.execution.status`;
//! - `apiKey` as a query parameter, the business unit in the `x-domain` header;
//! - `x-signature`: lower-case hex HMAC-SHA256 of the exact raw body, keyed
//!   with the api secret;
//! - success: 2xx with the bare JSON object; error: non-2xx with
//!   `{"code", "message"}`.

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

pub struct Credentials {
    pub api_key: SecretString,
    pub api_secret: SecretString,
    pub domain_id: String,
}

/// The signature of a raw body.
pub fn sign(secret: &SecretString, body: &[u8]) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.expose_secret().as_bytes()) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// A signed gateway request for `method` with `body`.
pub fn request(
    client: &reqwest::Client,
    base: &str,
    creds: &Credentials,
    method: &str,
    body: &[u8],
) -> reqwest::RequestBuilder {
    client
        .post(format!("{base}/gateway/{method}"))
        .query(&[("apiKey", creds.api_key.expose_secret())])
        .header("x-domain", &creds.domain_id)
        .header("x-signature", sign(&creds.api_secret, body))
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hex_hmac_sha256_of_the_raw_body() {
        // RFC 4231 test case 2.
        let secret = SecretString::from("Jefe".to_string());
        assert_eq!(
            sign(&secret, b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
