use super::arg::Arg;
use crate::error::AppError;
use crate::view::{Page, UserView};
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

#[server(prefix = "/api", endpoint = "users/list", input = GetUrl)]
pub async fn list_users(after: Option<String>) -> Result<Page<UserView>, AppError> {
    use crate::domain::Permission;
    use crate::server::ctx;
    use crate::server::services::users;
    ctx::run(async move {
        let (st, _me) = ctx::require(Permission::ManageUsers)?;
        users::page(&st.db, after.as_deref()).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "users/get", input = GetUrl)]
pub async fn get_user(user_id: Arg<i64>) -> Result<UserView, AppError> {
    use crate::domain::Permission;
    use crate::server::ctx;
    use crate::server::services::users;
    ctx::run(async move {
        let (st, _me) = ctx::require(Permission::ManageUsers)?;
        let user_id = user_id.read("user_id")?;
        users::get(&st.db, user_id).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "users/create")]
pub async fn create_user(
    email: String,
    name: String,
    role: String,
    password: String,
    sso_only: Option<String>,
) -> Result<(), AppError> {
    use crate::domain::Permission;
    use crate::server::ctx;
    use crate::server::services::users::{self, NewUser};
    ctx::run(async move {
        let (st, me) = ctx::require(Permission::ManageUsers)?;
        let password = match sso_only.as_deref() {
            Some("true") => users::sso_only_password(st.oidc.is_some())?,
            _ => secrecy::SecretString::from(password),
        };
        let new = NewUser::parse(&email, &name, &role, password)?;
        let id = users::create(&deps(&st), me.actor(), &ctx::origin(), new).await?;
        leptos_axum::redirect(&format!("/admin/users/{id}"));
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "users/change-role")]
pub async fn change_role(user_id: Arg<i64>, role: String) -> Result<(), AppError> {
    use crate::domain::Permission;
    use crate::server::ctx;
    use crate::server::services::users;
    ctx::run(async move {
        let (st, me) = ctx::require(Permission::ManageUsers)?;
        let user_id = user_id.read("user_id")?;
        let role = users::parse_role(&role)?;
        users::change_role(&deps(&st), me.actor(), &ctx::origin(), user_id, role).await?;
        leptos_axum::redirect(&format!("/admin/users/{user_id}"));
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "users/set-disabled")]
pub async fn set_user_disabled(user_id: Arg<i64>, disabled: Arg<bool>) -> Result<(), AppError> {
    use crate::domain::Permission;
    use crate::server::ctx;
    use crate::server::services::users;
    ctx::run(async move {
        let (st, me) = ctx::require(Permission::ManageUsers)?;
        let user_id = user_id.read("user_id")?;
        let disabled = disabled.read("disabled")?;
        users::set_disabled(&deps(&st), me.actor(), &ctx::origin(), user_id, disabled).await?;
        leptos_axum::redirect(&format!("/admin/users/{user_id}"));
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "users/reset-password")]
pub async fn reset_password(user_id: Arg<i64>, password: String) -> Result<(), AppError> {
    use crate::domain::Permission;
    use crate::server::ctx;
    use crate::server::services::users;
    ctx::run(async move {
        let (st, me) = ctx::require(Permission::ManageUsers)?;
        let user_id = user_id.read("user_id")?;
        let password = secrecy::SecretString::from(password);
        users::reset_password(&deps(&st), me.actor(), &ctx::origin(), user_id, password).await?;
        leptos_axum::redirect(&format!("/admin/users/{user_id}?reset=1"));
        Ok(())
    })
    .await
}

/// Removes a person's second factor: their sessions end and they set it up again.
#[server(prefix = "/api", endpoint = "users/reset-second-factor")]
pub async fn reset_second_factor(user_id: Arg<i64>) -> Result<(), AppError> {
    use crate::domain::Permission;
    use crate::server::ctx;
    use crate::server::services::second_factor;
    ctx::run(async move {
        let (st, me) = ctx::require(Permission::ManageUsers)?;
        let user_id = user_id.read("user_id")?;
        second_factor::reset(&deps(&st), me.actor(), &ctx::origin(), user_id).await?;
        leptos_axum::redirect(&format!("/admin/users/{user_id}"));
        Ok(())
    })
    .await
}

#[cfg(feature = "ssr")]
fn deps(st: &crate::server::state::AppState) -> crate::server::services::users::Deps<'_> {
    crate::server::services::users::Deps {
        db: &st.db,
        passwords: &st.passwords,
        clock: &st.clock,
    }
}
