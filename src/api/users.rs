use super::arg::Arg;
use super::dto::{Page, UserView};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

#[cfg(feature = "ssr")]
mod convert {
    use super::UserView;
    use crate::server::db::{from_unix_ms, users::UserRow};

    pub fn format_time(ms: i64) -> String {
        let t = from_unix_ms(ms);
        let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
        t.format(&fmt).unwrap_or_default()
    }

    pub fn view(u: UserRow) -> UserView {
        UserView {
            role: u.role(),
            user_id: u.user_id,
            email: u.email,
            name: u.name,
            disabled: u.disabled,
            created_at: format_time(u.created_at),
            updated_at: format_time(u.updated_at),
        }
    }

    /// Opaque cursor for the `(name, user_id)` keyset.
    pub fn encode_cursor(name: &str, id: i64) -> String {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(serde_json::json!([name, id]).to_string())
    }

    pub fn decode_cursor(c: &str) -> Option<(String, i64)> {
        use base64::Engine as _;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(c)
            .ok()?;
        serde_json::from_slice(&bytes).ok()
    }
}

pub const USERS_PAGE_SIZE: i64 = 50;

#[server(prefix = "/api", endpoint = "users/list", input = GetUrl)]
pub async fn list_users(after: Option<String>) -> Result<Page<UserView>, AppError> {
    use crate::domain::Permission;
    use crate::server::{ctx, db};
    ctx::run(async move {
        let (st, _me) = ctx::require(Permission::ManageUsers)?;
        let after = match after.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(c) => Some(
                convert::decode_cursor(c)
                    .ok_or_else(|| AppError::validation("after", "Bad page cursor."))?,
            ),
        };
        let rows = db::users::page(
            st.db.reader(),
            after.as_ref().map(|(n, i)| (n.as_str(), *i)),
            USERS_PAGE_SIZE + 1,
        )
        .await?;
        let (rows, next_cursor) = crate::server::views::page_of(rows, USERS_PAGE_SIZE, |u| {
            convert::encode_cursor(&u.name, u.user_id)
        });
        let items: Vec<UserView> = rows.into_iter().map(convert::view).collect();
        Ok(Page { items, next_cursor })
    })
    .await
}

#[server(prefix = "/api", endpoint = "users/get", input = GetUrl)]
pub async fn get_user(user_id: Arg<i64>) -> Result<UserView, AppError> {
    use crate::domain::Permission;
    use crate::server::{ctx, db};
    ctx::run(async move {
        let (st, _me) = ctx::require(Permission::ManageUsers)?;
        let user_id = user_id.read("user_id")?;
        let user = db::users::find(st.db.reader(), user_id).await?;
        user.map(convert::view)
            .ok_or_else(|| AppError::not_found("User"))
    })
    .await
}

#[server(prefix = "/api", endpoint = "users/create")]
pub async fn create_user(
    email: String,
    name: String,
    role: String,
    password: String,
) -> Result<(), AppError> {
    use crate::domain::Permission;
    use crate::server::ctx;
    use crate::server::services::users::{self, NewUser};
    ctx::run(async move {
        let (st, me) = ctx::require(Permission::ManageUsers)?;
        let new = NewUser::parse(&email, &name, &role, secrecy::SecretString::from(password))?;
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

#[cfg(feature = "ssr")]
fn deps(st: &crate::server::state::AppState) -> crate::server::services::users::Deps<'_> {
    crate::server::services::users::Deps {
        db: &st.db,
        passwords: &st.passwords,
        clock: &st.clock,
    }
}
