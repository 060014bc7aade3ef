//! Single sign-on with the company's identity provider: an OpenID Connect relying party on the
//! `openidconnect` crate (authorization code flow with PKCE, `state` and `nonce`). The issuer's
//! metadata and keys come from discovery (`<issuer>/.well-known/openid-configuration`), read when
//! first needed and again after an hour or after a refused token (keys rotate). The ID token's
//! signature (asymmetric algorithms only: never `none` nor a shared-secret HMAC), issuer,
//! audience, expiry and nonce are checked by the crate; the e-mail must be verified.

use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreJwsSigningAlgorithm, CoreProviderMetadata,
};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, HttpRequest, HttpResponse, IssuerUrl,
    Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use secrecy::ExposeSecret;
use std::time::{Duration, Instant};

/// How long discovered metadata (and its keys) is used before it is read again.
const METADATA_TTL: Duration = Duration::from_secs(60 * 60);

/// The identity provider KYC Desk signs people in with.
pub struct Oidc {
    issuer: IssuerUrl,
    client_id: ClientId,
    client_secret: ClientSecret,
    redirect: RedirectUrl,
    /// Its name on the sign-in page ("Sign in with …").
    pub name: String,
    http: reqwest::Client,
    metadata: tokio::sync::Mutex<Option<(Instant, CoreProviderMetadata)>>,
    /// The origin of the authorization endpoint, once discovered (the sign-in form's policy
    /// must allow going there).
    authorize_origin: std::sync::RwLock<Option<String>>,
}

/// Where to send the browser, and what the callback must match.
pub struct Authorization {
    pub url: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// Who the identity provider says signed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub email: String,
    /// The person's name, when the identity provider gives one.
    pub name: Option<String>,
    /// The ID token's `amr` names `mfa`: the provider asked for more than one factor.
    pub mfa: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("the identity provider could not be reached: {0}")]
    Unavailable(String),
    #[error("the identity provider's answer was refused: {0}")]
    Refused(String),
    #[error("the identity provider has not verified the e-mail")]
    EmailUnverified,
    #[error("the identity provider sent no e-mail")]
    NoEmail,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HttpError(String);

impl Oidc {
    /// From the settings, when single sign-on is configured (they were validated at start).
    pub fn from_settings(
        s: &super::config::Settings,
        http: reqwest::Client,
    ) -> Result<Option<Oidc>, String> {
        let (Some(issuer), Some(client_id), Some(secret)) =
            (&s.oidc_issuer, &s.oidc_client_id, &s.oidc_client_secret)
        else {
            if s.oidc_new_account_role.is_some() {
                tracing::warn!("KYC_DESK_OIDC_NEW_ACCOUNT_ROLE is set, but single sign-on is not");
            }
            return Ok(None);
        };
        let issuer = IssuerUrl::new(issuer.trim_end_matches('/').to_string())
            .map_err(|e| format!("KYC_DESK_OIDC_ISSUER: {e}"))?;
        let redirect = RedirectUrl::new(format!("{}/auth/sso/callback", s.public_base()))
            .map_err(|e| format!("KYC_DESK_PUBLIC_URL: {e}"))?;
        Ok(Some(Oidc {
            issuer,
            client_id: ClientId::new(client_id.clone()),
            client_secret: ClientSecret::new(secret.expose_secret().to_string()),
            redirect,
            name: s
                .oidc_name
                .clone()
                .unwrap_or_else(|| "your company account".to_string()),
            http,
            metadata: tokio::sync::Mutex::new(None),
            authorize_origin: std::sync::RwLock::new(None),
        }))
    }

    /// The crate's HTTP client: ours (timeouts, no redirects), each call owning its handle.
    fn http(&self) -> impl Fn(HttpRequest) -> SendFuture + '_ {
        move |req| Box::pin(send(self.http.clone(), req))
    }
}

type SendFuture =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<HttpResponse, HttpError>> + Send>>;

async fn send(http: reqwest::Client, req: HttpRequest) -> Result<HttpResponse, HttpError> {
    let (parts, body) = req.into_parts();
    let res = http
        .request(parts.method, parts.uri.to_string())
        .headers(parts.headers)
        .body(body)
        .send()
        .await
        .map_err(|e| HttpError(e.without_url().to_string()))?;
    let status = res.status();
    let headers = res.headers().clone();
    let body = res
        .bytes()
        .await
        .map_err(|e| HttpError(e.without_url().to_string()))?;
    let mut out = HttpResponse::new(body.to_vec());
    *out.status_mut() = status;
    *out.headers_mut() = headers;
    Ok(out)
}

impl Oidc {
    async fn client(
        &self,
        fresh: bool,
    ) -> Result<
        CoreClient<
            openidconnect::EndpointSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointMaybeSet,
            openidconnect::EndpointMaybeSet,
        >,
        OidcError,
    > {
        let mut cached = self.metadata.lock().await;
        let metadata = match cached.as_ref() {
            Some((at, m)) if !fresh && at.elapsed() < METADATA_TTL => m.clone(),
            _ => {
                let m = CoreProviderMetadata::discover_async(self.issuer.clone(), &self.http())
                    .await
                    .map_err(|e| OidcError::Unavailable(error_chain(&e)))?;
                *cached = Some((Instant::now(), m.clone()));
                if let Ok(mut o) = self.authorize_origin.write() {
                    *o = Some(
                        m.authorization_endpoint()
                            .url()
                            .origin()
                            .ascii_serialization(),
                    );
                }
                m
            }
        };
        Ok(CoreClient::from_provider_metadata(
            metadata,
            self.client_id.clone(),
            Some(self.client_secret.clone()),
        )
        .set_redirect_uri(self.redirect.clone()))
    }

    /// Where the sign-in form may send the browser (the page's `form-action`): the issuer's
    /// origin, and the authorization endpoint's once discovered.
    pub fn form_action_origins(&self) -> String {
        let issuer = self.issuer.url().origin().ascii_serialization();
        match self.authorize_origin.read().ok().and_then(|o| o.clone()) {
            Some(a) if a != issuer => format!("{issuer} {a}"),
            _ => issuer,
        }
    }

    /// Starts a sign-in: the identity provider's address, with a fresh state, nonce and PKCE
    /// challenge.
    pub async fn authorize(&self) -> Result<Authorization, OidcError> {
        let client = self.client(false).await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("email".to_string()))
            .add_scope(Scope::new("profile".to_string()))
            .set_pkce_challenge(challenge)
            .url();
        Ok(Authorization {
            url: url.to_string(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    /// Redeems the code the browser brought back and checks the ID token.
    pub async fn identify(
        &self,
        code: &str,
        pkce_verifier: &str,
        nonce: &str,
    ) -> Result<Identity, OidcError> {
        let result = self.try_identify(code, pkce_verifier, nonce).await;
        if matches!(result, Err(OidcError::Refused(_))) {
            // Perhaps the keys rotated: the next sign-in reads them again.
            *self.metadata.lock().await = None;
        }
        result
    }

    async fn try_identify(
        &self,
        code: &str,
        pkce_verifier: &str,
        nonce: &str,
    ) -> Result<Identity, OidcError> {
        let client = self.client(false).await?;
        let token = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|e| OidcError::Unavailable(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_string()))
            .request_async(&self.http())
            .await
            .map_err(|e| OidcError::Refused(error_chain(&e)))?;
        let id_token = token
            .id_token()
            .ok_or_else(|| OidcError::Refused("no ID token in the answer".into()))?;
        type Alg = CoreJwsSigningAlgorithm;
        let verifier = client.id_token_verifier().set_allowed_algs([
            Alg::RsaSsaPkcs1V15Sha256,
            Alg::RsaSsaPkcs1V15Sha384,
            Alg::RsaSsaPkcs1V15Sha512,
            Alg::RsaSsaPssSha256,
            Alg::RsaSsaPssSha384,
            Alg::RsaSsaPssSha512,
            Alg::EcdsaP256Sha256,
            Alg::EcdsaP384Sha384,
            Alg::EdDsa,
        ]);
        let claims = id_token
            .claims(&verifier, &Nonce::new(nonce.to_string()))
            .map_err(|e| OidcError::Refused(error_chain(&e)))?;
        if claims.email_verified() != Some(true) {
            return Err(OidcError::EmailUnverified);
        }
        let email = claims.email().ok_or(OidcError::NoEmail)?;
        let mfa = claims
            .auth_method_refs()
            .is_some_and(|amr| amr.iter().any(|m| m.as_str() == "mfa"));
        Ok(Identity {
            email: email.as_str().to_string(),
            name: claims
                .name()
                .and_then(|n| n.get(None))
                .map(|n| n.as_str().to_string()),
            mfa,
        })
    }
}

/// An error and its causes, in one line (no secrets: these are protocol errors).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}
