use crate::error::AppError;
use crate::view::{FormDraft, Me};
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
            st.clock.now_ms(),
        )
        .await?;
        leptos_axum::redirect(crate::domain::user::return_path(next.as_deref()));
        Ok(())
    })
    .await
}

/// Signs out: the session is deleted on the server, and the browser is told
/// to drop its cookies.
#[server(prefix = "/api", endpoint = "auth/logout")]
pub async fn logout() -> Result<(), AppError> {
    use crate::domain::Permission;
    use crate::server::{ctx, services};
    ctx::run(async move {
        let (st, me) = ctx::require(Permission::ViewOwnAccount)?;
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
        Ok(ctx::current_user().map(|u| Me {
            user_id: u.user_id,
            email: u.email,
            name: u.name,
            role: u.role,
        }))
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
