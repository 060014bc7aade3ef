#[cfg(feature = "ssr")]
use crate::domain::second_factor::MfaStep;
use crate::error::AppError;
use crate::view::{FormDraft, Me, SignInOptions, TwoFactorView};
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

/// Signs in; on success starts a fresh session and goes to the home page.
#[server(prefix = "/api", endpoint = "auth/login")]
pub async fn login(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use crate::server::{ctx, services, session};
    ctx::run(async move {
        // Public by nature: the only server function open to anonymous callers
        // besides `current_user`.
        let st = ctx::state()?;
        let password = secrecy::SecretString::from(password);
        let signed_in =
            services::auth::sign_in(&st, &email, &password, ctx::client_ip(), &ctx::origin()).await;
        // A refused sign-in comes back with the e-mail typed (never the password).
        let signed_in =
            ctx::keeping_draft("/login", "login", &[("email", &email)], signed_in).await?;
        let session: tower_sessions::Session = leptos_axum::extract()
            .await
            .map_err(|_| AppError::internal())?;
        session::start(
            &session,
            signed_in.user_id,
            signed_in.user_version,
            "password",
            st.clock.now_ms(),
        )
        .await?;
        // A person with a second factor gives it next; one the policy requires it of sets it up.
        let next = crate::domain::user::return_path(next.as_deref());
        let to = match services::second_factor::owed_after_password(&st, signed_in.user_id).await? {
            None => next.to_string(),
            Some(MfaStep::Code) if next != "/" => {
                format!(
                    "{}?next={}",
                    MfaStep::Code.path(),
                    crate::domain::query_value(next)
                )
            }
            Some(step) => step.path().to_string(),
        };
        leptos_axum::redirect(&to);
        Ok(())
    })
    .await
}

/// How one may sign in besides the password: the identity provider's name, when single
/// sign-on is configured. Open to anyone (the sign-in page asks).
#[server(prefix = "/api", endpoint = "auth/options", input = GetUrl)]
pub async fn sign_in_choices() -> Result<SignInOptions, AppError> {
    use crate::server::ctx;
    ctx::run(async move {
        let st = ctx::state()?;
        Ok(SignInOptions {
            sso_name: st.oidc.as_ref().map(|o| o.name.clone()),
        })
    })
    .await
}

/// Starts a single sign-on: to the identity provider, with this browser bound to the sign-in
/// by a cookie of its own. Open to anyone, like the password form.
#[server(prefix = "/api", endpoint = "auth/sso")]
pub async fn start_sso(next: Option<String>) -> Result<(), AppError> {
    use crate::server::{ctx, services, sso};
    ctx::run(async move {
        let st = ctx::state()?;
        let next = next.as_deref().unwrap_or("/");
        let started = services::sso::start(&st, next, ctx::client_ip()).await?;
        if let (Some(res), Ok(cookie)) = (
            use_context::<leptos_axum::ResponseOptions>(),
            axum::http::HeaderValue::from_str(&sso::binding_cookie(
                st.settings.cookie_secure,
                Some(&started.binding),
            )),
        ) {
            res.append_header(axum::http::header::SET_COOKIE, cookie);
        }
        leptos_axum::redirect(&started.url);
        Ok(())
    })
    .await
}

/// The second step of signing in: a code from the authenticator app, or a recovery code.
#[server(prefix = "/api", endpoint = "auth/second-factor")]
pub async fn give_second_factor(code: String, next: Option<String>) -> Result<(), AppError> {
    use crate::server::{ctx, services, session};
    ctx::run(async move {
        let (st, me) = ctx::own_account(Some(MfaStep::Code))?;
        let given =
            services::second_factor::give(&st, &me, &code, ctx::client_ip(), &ctx::origin())
                .await?;
        let session: tower_sessions::Session = leptos_axum::extract()
            .await
            .map_err(|_| AppError::internal())?;
        session::second_factor_given(&session, given.as_str()).await?;
        leptos_axum::redirect(crate::domain::user::return_path(next.as_deref()));
        Ok(())
    })
    .await
}

/// The caller's own second factor: set up or not, and a set-up awaiting its first code.
#[server(prefix = "/api", endpoint = "account/two-factor", input = GetUrl)]
pub async fn two_factor() -> Result<TwoFactorView, AppError> {
    use crate::server::{ctx, services};
    ctx::run(async move {
        let (st, me) = ctx::own_account(Some(MfaStep::Enrol))?;
        services::second_factor::status(&st, &me).await
    })
    .await
}

/// Starts setting up an authenticator app: a new secret and recovery codes, shown on the page.
#[server(prefix = "/api", endpoint = "account/two-factor/begin")]
pub async fn begin_two_factor() -> Result<(), AppError> {
    use crate::server::{ctx, services};
    ctx::run(async move {
        let (st, me) = ctx::own_account(Some(MfaStep::Enrol))?;
        services::second_factor::begin(&st, &me, &ctx::origin()).await
    })
    .await
}

/// Confirms the set-up with the app's first code; this session has then given it.
#[server(prefix = "/api", endpoint = "account/two-factor/confirm")]
pub async fn confirm_two_factor(code: String) -> Result<(), AppError> {
    use crate::server::{ctx, services, session};
    ctx::run(async move {
        let (st, me) = ctx::own_account(Some(MfaStep::Enrol))?;
        let given =
            services::second_factor::confirm(&st, &me, &code, ctx::client_ip(), &ctx::origin())
                .await?;
        let session: tower_sessions::Session = leptos_axum::extract()
            .await
            .map_err(|_| AppError::internal())?;
        session::second_factor_given(&session, given.as_str()).await?;
        Ok(())
    })
    .await
}

/// Signs out: the session is deleted on the server, and the browser is told
/// to drop its cookies.
#[server(prefix = "/api", endpoint = "auth/logout")]
pub async fn logout() -> Result<(), AppError> {
    use crate::server::{ctx, services};
    ctx::run(async move {
        // Also for a person who gave the password and not yet the second factor.
        let (st, me) = ctx::own_account(None)?;
        services::auth::signed_out(&st, &me, &ctx::origin()).await?;
        let session: tower_sessions::Session = leptos_axum::extract()
            .await
            .map_err(|_| AppError::internal())?;
        session.flush().await?;
        if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
            res.insert_header(
                axum::http::HeaderName::from_static("clear-site-data"),
                axum::http::HeaderValue::from_static("\"cookies\""),
            );
        }
        leptos_axum::redirect("/login");
        Ok(())
    })
    .await
}

/// Who is signed in (`None` for an anonymous caller).
#[server(prefix = "/api", endpoint = "auth/me", input = GetUrl)]
pub async fn current_user() -> Result<Option<Me>, AppError> {
    use crate::server::ctx;
    ctx::run(async move {
        let me = |u: crate::server::session::CurrentUser, due| Me {
            user_id: u.user_id,
            email: u.email,
            name: u.name,
            role: u.role,
            second_factor_due: due,
        };
        Ok(match (ctx::current_user(), ctx::halfway()) {
            (Some(u), _) => Some(me(u, None)),
            (None, Some(h)) => Some(me(h.user, Some(h.step))),
            (None, None) => None,
        })
    })
    .await
}

/// What this session typed into a form of `page` that the server refused (once; then it is
/// gone). Open to anyone: a draft lives in the session of whoever typed it, and nowhere else.
#[server(prefix = "/api", endpoint = "forms/draft", input = GetUrl)]
pub async fn typed_draft(page: String) -> Result<Option<FormDraft>, AppError> {
    use crate::server::ctx;
    ctx::run(async move {
        let session: tower_sessions::Session = leptos_axum::extract()
            .await
            .map_err(|_| AppError::internal())?;
        Ok(crate::server::session::take_draft(&session, &page).await?)
    })
    .await
}
