//! Signing in with the company's identity provider (OpenID Connect, [`crate::server::oidc`]).
//! People are matched to accounts by e-mail; roles stay KYC Desk's own. An account the admins
//! did not create signs in only when `KYC_DESK_OIDC_NEW_ACCOUNT_ROLE` is set (then it is
//! created with that role and no usable password). A disabled account is refused whatever the
//! identity provider says. Every outcome is an audit event.

use crate::domain::audit::{AuditAction, AuditEntity};
use crate::domain::user::{Email, PersonName, SsoRefusal};
use crate::error::{AppError, ErrorKind};
use crate::server::db::audit::{self as audit_log, Actor, NewEvent, Origin};
use crate::server::db::{self, sso::FlowRow};
use crate::server::oidc::OidcError;
use crate::server::services::auth::SignedIn;
use crate::server::services::users::{self, Deps, NewUser};
use crate::server::state::AppState;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// How long a sign-in may stay at the identity provider.
pub const FLOW_TTL_MS: i64 = 10 * 60 * 1000;
const SSO: Actor = Actor::System("sso");

/// A started sign-in: where the browser goes, and the value of the cookie that binds the
/// sign-in to this browser.
pub struct Started {
    pub url: String,
    pub binding: String,
}

/// Who signed in through the identity provider, and where they go next.
pub struct Finished {
    pub signed_in: SignedIn,
    /// The ID token says the identity provider asked for more than one factor.
    pub mfa: bool,
    pub next: String,
}

fn sha256(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// Starts a sign-in at the identity provider (`next`: the page to return to, checked again).
/// Each start is a row until its callback or ten minutes: limited per address like sign-ins.
pub async fn start(
    st: &AppState,
    next: &str,
    client_ip: Option<std::net::IpAddr>,
) -> Result<Started, AppError> {
    crate::server::services::auth::limit_address(st, client_ip)?;
    let oidc = st
        .oidc
        .as_ref()
        .ok_or_else(|| AppError::not_found("Single sign-on"))?;
    let auth = oidc.authorize().await.map_err(|e| {
        tracing::warn!(error = %e, "single sign-on cannot start");
        AppError::from(ErrorKind::Unavailable {
            message: "The identity provider cannot be reached right now. Try again, or sign \
                      in with your password."
                .into(),
        })
    })?;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let binding = hex::encode(bytes);
    let flow = FlowRow {
        binding_hash: sha256(&binding),
        nonce: auth.nonce,
        pkce_verifier: auth.pkce_verifier,
        next: crate::domain::user::return_path(Some(next)).to_string(),
        created_at: st.clock.now_ms(),
    };
    db::sso::insert(st.db.writer(), &sha256(&auth.state), &flow).await?;
    Ok(Started {
        url: auth.url,
        binding,
    })
}

/// The identity provider's answer: the sign-in it finishes, or why it signs no one in.
pub async fn finish(
    st: &AppState,
    state: &str,
    code: &str,
    binding: Option<&str>,
    origin: &Origin,
) -> Result<Result<Finished, SsoRefusal>, AppError> {
    let now = st.clock.now_ms();
    let Some(oidc) = st.oidc.as_ref() else {
        return Err(AppError::not_found("Single sign-on"));
    };
    let mut tx = st.db.begin_write().await?;
    let flow = db::sso::take(&mut tx, &sha256(state)).await?;
    tx.commit().await?;
    let Some(flow) = flow else {
        return refuse(
            st,
            None,
            SsoRefusal::Failed,
            "the state matches no sign-in",
            origin,
        )
        .await;
    };
    if binding.map(sha256).as_deref() != Some(flow.binding_hash.as_str()) {
        let why = "the browser that came back did not start this sign-in";
        return refuse(st, None, SsoRefusal::Expired, why, origin).await;
    }
    if now - flow.created_at > FLOW_TTL_MS {
        return refuse(
            st,
            None,
            SsoRefusal::Expired,
            "the sign-in took over 10 minutes",
            origin,
        )
        .await;
    }
    let identity = match oidc.identify(code, &flow.pkce_verifier, &flow.nonce).await {
        Ok(identity) => identity,
        Err(e) => {
            let refusal = match e {
                OidcError::EmailUnverified => SsoRefusal::Unverified,
                _ => SsoRefusal::Failed,
            };
            return refuse(st, None, refusal, &e.to_string(), origin).await;
        }
    };
    let Ok(email) = Email::parse(&identity.email) else {
        return refuse(
            st,
            None,
            SsoRefusal::Unknown,
            "not an e-mail address",
            origin,
        )
        .await;
    };
    let user = match db::users::find_by_email(st.db.reader(), email.as_str()).await? {
        Some(u) => u,
        None => match st.settings.oidc_new_account_role {
            Some(role) => {
                create_account(st, &email, identity.name.as_deref(), role, origin).await?;
                db::users::find_by_email(st.db.reader(), email.as_str())
                    .await?
                    .ok_or_else(AppError::internal)?
            }
            None => {
                let why = "no account has this e-mail";
                return refuse(st, None, SsoRefusal::Unknown, why, origin).await;
            }
        },
    };
    if user.disabled {
        let why = "account disabled";
        return refuse(st, Some(user.user_id), SsoRefusal::Disabled, why, origin).await;
    }
    let mut tx = st.db.begin_write().await?;
    let reason = if identity.mfa {
        "single sign-on, with the identity provider's second factor"
    } else {
        "single sign-on"
    };
    audit_log::append(
        &mut tx,
        now,
        NewEvent::new(
            Actor::User {
                user_id: user.user_id,
                role: user.role(),
            },
            AuditAction::SignInSucceeded,
            AuditEntity::User,
            origin,
        )
        .entity_id(user.user_id)
        .reason(reason),
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(Finished {
        signed_in: SignedIn {
            user_id: user.user_id,
            user_version: user.version,
        },
        mfa: identity.mfa,
        next: flow.next,
    }))
}

/// An account made at a person's first single sign-on: the configured role, no usable
/// password (a random one nobody sees).
async fn create_account(
    st: &AppState,
    email: &Email,
    name: Option<&str>,
    role: crate::domain::Role,
    origin: &Origin,
) -> Result<(), AppError> {
    let local = email.as_str().split('@').next().unwrap_or("new user");
    let name = name
        .and_then(|n| PersonName::parse(n).ok())
        .or_else(|| PersonName::parse(local).ok())
        .ok_or_else(AppError::internal)?;
    let new = NewUser {
        email: email.clone(),
        name,
        role,
        password: users::sso_only_password(true)?,
    };
    let deps = Deps {
        db: &st.db,
        passwords: &st.passwords,
        clock: &st.clock,
    };
    users::create(&deps, SSO, origin, new).await.map(|_| ())
}

/// Records a refused single sign-on, and says why to the sign-in page.
async fn refuse<T>(
    st: &AppState,
    user_id: Option<i64>,
    refusal: SsoRefusal,
    why: &str,
    origin: &Origin,
) -> Result<Result<T, SsoRefusal>, AppError> {
    tracing::info!(reason = why, "single sign-on refused");
    let mut event = NewEvent::new(SSO, AuditAction::SignInFailed, AuditEntity::User, origin)
        .reason(format!("single sign-on: {why}"));
    if let Some(id) = user_id {
        event = event.entity_id(id);
    }
    let mut tx = st.db.begin_write().await?;
    audit_log::append(&mut tx, st.clock.now_ms(), event).await?;
    tx.commit().await?;
    Ok(Err(refusal))
}

/// Forgets sign-ins abandoned at the identity provider.
pub async fn forget_abandoned(st: &AppState) -> Result<u64, AppError> {
    Ok(db::sso::purge(st.db.writer(), st.clock.now_ms() - FLOW_TTL_MS).await?)
}
