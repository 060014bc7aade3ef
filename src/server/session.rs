//! Sessions: a tower-sessions store on our database, and the middleware that
//! turns a session into the signed-in user on every request.
//!
//! - The session id is a 128-bit random value (tower-sessions); we store only
//!   its SHA-256, so a database leak yields no live sessions.
//! - Idle timeout 15 min: each save pushes `expires_at` to now + 15 min; the
//!   middleware re-saves ("touches") at most once a minute.
//! - Absolute lifetime 8 h from sign-in, enforced by the middleware.
//! - The user is re-read on every request: a role change or a disabled
//!   account takes effect at once (and ends the user's sessions outright).
//! - A session keeps the account's version as it was when the password was
//!   checked; a session whose account changed since (a role, access or
//!   password change, even one made while the sign-in was in flight) ends.
//! - Saving never re-creates a session: a request in flight when its
//!   session was deleted cannot bring it back.

use super::clock::Clock;
use super::db::audit::{self as audit_log, Actor, NewEvent};
use super::db::{self, Db};
use super::state::AppState;
use crate::domain::audit::{AuditAction, AuditEntity};
use crate::domain::second_factor::{step_owed, MfaStep};
use crate::domain::Role;
use async_trait::async_trait;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use sha2::{Digest, Sha256};
use std::time::Duration;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};
use tower_sessions::Session;

pub const IDLE_TIMEOUT: Duration = Duration::from_secs(15 * 60);
pub const ABSOLUTE_LIFETIME: Duration = Duration::from_secs(8 * 60 * 60);
const TOUCH_EVERY: Duration = Duration::from_secs(60);

/// Keys of what we keep in a session.
pub const USER_ID: &str = "user_id";
pub const AUTHENTICATED_AT: &str = "authenticated_at";
/// The account's `version` when its password was checked.
const USER_VERSION: &str = "user_version";
const SEEN_AT: &str = "seen_at";
/// What was typed into the last form the server refused.
const DRAFT: &str = "draft";
/// How the person signed in: `password` or `sso`.
const SIGNED_IN_WITH: &str = "signed_in_with";
/// How this session gave its second factor (`totp`, `recovery_code`), once it has.
const SECOND_FACTOR: &str = "second_factor";

/// The system actor that ends sessions.
const SESSIONS: Actor = Actor::System("sessions");

/// The signed-in user of the current request, fresh from the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentUser {
    pub user_id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
}

impl CurrentUser {
    pub fn actor(&self) -> Actor {
        Actor::User {
            user_id: self.user_id,
            role: self.role,
        }
    }
}

/// A person who gave their password and still owes a second-factor step: in the request's
/// extensions instead of a [`CurrentUser`], so that everything else treats them as signed out.
/// Only the step's page, its server functions and signing out serve them.
#[derive(Debug, Clone)]
pub struct Halfway {
    pub user: CurrentUser,
    pub step: MfaStep,
}

#[derive(Debug, Clone)]
pub struct SqlSessionStore {
    db: Db,
    clock: Clock,
}

impl SqlSessionStore {
    pub fn new(db: Db, clock: Clock) -> Self {
        SqlSessionStore { db, clock }
    }

    fn expires_at(&self) -> i64 {
        self.clock.now_ms() + IDLE_TIMEOUT.as_millis() as i64
    }
}

fn hash_id(id: &Id) -> String {
    hex::encode(Sha256::digest(id.to_string().as_bytes()))
}

fn backend(e: sqlx::Error) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

fn encode(record: &Record) -> session_store::Result<(Option<i64>, String)> {
    let user_id = record.data.get(USER_ID).and_then(|v| v.as_i64());
    let data = serde_json::to_string(&record.data)
        .map_err(|e| session_store::Error::Encode(e.to_string()))?;
    Ok((user_id, data))
}

#[async_trait]
impl SessionStore for SqlSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let (user_id, data) = encode(record)?;
        while !db::sessions::create(
            self.db.writer(),
            &hash_id(&record.id),
            user_id,
            &data,
            self.expires_at(),
        )
        .await
        .map_err(backend)?
        {
            record.id = Id::default();
        }
        Ok(())
    }

    /// tower-sessions saves an existing session here (a new one goes to
    /// [`SessionStore::create`]): update-only, so a session deleted while a
    /// request held it stays deleted.
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let (user_id, data) = encode(record)?;
        let kept = db::sessions::update(
            self.db.writer(),
            &hash_id(&record.id),
            user_id,
            &data,
            self.expires_at(),
        )
        .await
        .map_err(backend)?;
        if !kept {
            tracing::info!("a session ended while a request held it; it stays ended");
        }
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let Some(data) = db::sessions::load(self.db.reader(), &hash_id(id), self.clock.now_ms())
            .await
            .map_err(backend)?
        else {
            return Ok(None);
        };
        let data =
            serde_json::from_str(&data).map_err(|e| session_store::Error::Decode(e.to_string()))?;
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date: self.clock.now() + IDLE_TIMEOUT,
        }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        db::sessions::delete(self.db.writer(), &hash_id(id))
            .await
            .map_err(backend)
    }
}

/// Starts a signed-in session: a fresh session id (the old one stops
/// working), the user and their account's version as the password check
/// (or single sign-on) saw it, how they signed in (`with`: `password`, `sso`), and the time.
pub async fn start(
    session: &Session,
    user_id: i64,
    user_version: i64,
    with: &str,
    now_ms: i64,
) -> Result<(), tower_sessions::session::Error> {
    session.cycle_id().await?;
    session.insert(SIGNED_IN_WITH, with).await?;
    session.insert(USER_ID, user_id).await?;
    session.insert(USER_VERSION, user_version).await?;
    session.insert(AUTHENTICATED_AT, now_ms).await?;
    session.insert(SEEN_AT, now_ms).await?;
    Ok(())
}

/// Records that this session gave its second factor (`how`): a fresh session id, as at
/// sign-in, since the session can now do more.
pub async fn second_factor_given(
    session: &Session,
    how: &str,
) -> Result<(), tower_sessions::session::Error> {
    session.cycle_id().await?;
    session.insert(SECOND_FACTOR, how).await
}

/// Keeps what a person typed into a form the server refused, for the page that shows the form
/// again: one draft at a time, read once, kept only in the session (never in a URL).
pub async fn keep_draft(
    session: &Session,
    draft: &crate::view::FormDraft,
) -> Result<(), tower_sessions::session::Error> {
    session.insert(DRAFT, draft).await
}

/// The draft kept for `page`, if any (it is gone once read).
pub async fn take_draft(
    session: &Session,
    page: &str,
) -> Result<Option<crate::view::FormDraft>, tower_sessions::session::Error> {
    let draft: Option<crate::view::FormDraft> = session.get(DRAFT).await?;
    match draft {
        Some(d) if d.page == page => {
            session.remove_value(DRAFT).await?;
            Ok(Some(d))
        }
        _ => Ok(None),
    }
}

/// Middleware: resolves the session into a [`CurrentUser`] request extension
/// (absent for anonymous callers) and the request's audit [`audit_log::Origin`].
pub async fn authenticate(
    State(st): State<AppState>,
    session: Session,
    mut req: Request,
    next: Next,
) -> Response {
    let origin = super::security::request_origin(&st, req.headers(), req.extensions());
    match resolve(&st, &session, &origin).await {
        Ok(Some((user, None))) => {
            if req.uri().path() == MfaStep::Code.path() {
                return Redirect::to("/").into_response();
            }
            req.extensions_mut().insert(user);
        }
        Ok(Some((user, Some(step)))) => {
            // Nothing else opens before the step is taken.
            if is_private_page(&req) && req.uri().path() != step.path() {
                return Redirect::to(&step_page(step, &req)).into_response();
            }
            req.extensions_mut().insert(Halfway { user, step });
        }
        Ok(None) if is_private_page(&req) => {
            // Back to the page that was asked for, once signed in.
            return Redirect::to(&with_next("/login", &req)).into_response();
        }
        Ok(None) => {}
        Err(e) => {
            tracing::error!(error = %e, "could not resolve the session");
            return super::error::error_response(crate::error::AppError::internal(), &origin);
        }
    }
    req.extensions_mut().insert(origin);
    next.run(req).await
}

/// `page`, with the page that was asked for as its `next` (where there is one to go back to).
fn with_next(page: &str, req: &Request) -> String {
    let asked = req.uri().path_and_query().map_or("/", |p| p.as_str());
    match crate::domain::user::return_path(Some(asked)) {
        "/" => page.to_string(),
        p => format!("{page}?next={}", crate::domain::query_value(p)),
    }
}

/// Where a person who owes `step` is sent instead of the page they asked for.
fn step_page(step: MfaStep, req: &Request) -> String {
    match step {
        MfaStep::Code => with_next(step.path(), req),
        MfaStep::Enrol => step.path().to_string(),
    }
}

/// A page (not a server function, not a file) that needs a signed-in user.
fn is_private_page(req: &Request) -> bool {
    let path = req.uri().path();
    req.method() == axum::http::Method::GET
        && !path.starts_with("/api/")
        && path != "/login"
        && !path.starts_with("/auth/")
        && !path.rsplit('/').next().unwrap_or_default().contains('.')
}

/// The session's user, and the second-factor step the session still owes, if any.
async fn resolve(
    st: &AppState,
    session: &Session,
    origin: &audit_log::Origin,
) -> Result<Option<(CurrentUser, Option<MfaStep>)>, Box<dyn std::error::Error + Send + Sync>> {
    let Some(user_id) = session.get::<i64>(USER_ID).await? else {
        return Ok(None);
    };
    let now = st.clock.now_ms();
    let Some(user) = db::users::find(st.db.reader(), user_id).await? else {
        session.flush().await?;
        return Ok(None);
    };
    if user.disabled || session.get::<i64>(USER_VERSION).await? != Some(user.version) {
        session.flush().await?;
        return Ok(None);
    }
    let authenticated_at = session.get::<i64>(AUTHENTICATED_AT).await?.unwrap_or(0);
    if now - authenticated_at >= ABSOLUTE_LIFETIME.as_millis() as i64 {
        session.flush().await?;
        let mut tx = st.db.begin_write().await?;
        audit_log::append(
            &mut tx,
            now,
            NewEvent::new(
                SESSIONS,
                AuditAction::SessionExpired,
                AuditEntity::User,
                origin,
            )
            .entity_id(user_id)
            .reason("absolute session lifetime (8 h) reached"),
        )
        .await?;
        tx.commit().await?;
        return Ok(None);
    }
    let seen_at = session.get::<i64>(SEEN_AT).await?.unwrap_or(0);
    if now - seen_at >= TOUCH_EVERY.as_millis() as i64 {
        session.insert(SEEN_AT, now).await?;
    }
    let owed = step_owed(
        st.settings.mfa_policy(),
        user.role(),
        user.second_factor,
        session.get::<String>(SECOND_FACTOR).await?.is_some(),
    );
    let user = CurrentUser {
        user_id,
        role: user.role(),
        email: user.email,
        name: user.name,
    };
    Ok(Some((user, owed)))
}

/// Deletes expired sessions and records each signed-in one that ended.
pub async fn reap_expired(db: &Db, clock: &Clock) -> Result<usize, sqlx::Error> {
    let now = clock.now_ms();
    let mut tx = db.begin_write().await?;
    let ended = db::sessions::delete_expired(&mut tx, now).await?;
    let mut n = 0;
    for user_id in ended.into_iter().flatten() {
        audit_log::append(
            &mut tx,
            now,
            NewEvent::new(
                SESSIONS,
                AuditAction::SessionExpired,
                AuditEntity::User,
                &audit_log::Origin::default(),
            )
            .entity_id(user_id)
            .reason("idle timeout (15 min)"),
        )
        .await?;
        n += 1;
    }
    tx.commit().await?;
    Ok(n)
}
