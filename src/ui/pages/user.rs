use crate::api::users::{get_user, ChangeRole, ResetPassword, ResetSecondFactor, SetUserDisabled};
use crate::domain::Role;
use crate::error::AppError;
use crate::ui::components::error_view::ErrorView;
use crate::ui::components::field::{action_error, invalid, FieldError, FormAlert};
use crate::ui::components::shell::MeResource;
use crate::view::UserView;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// Admins: one user, with role, access and password controls.
#[component]
pub fn UserPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let change_role = ServerAction::<ChangeRole>::new();
    let set_disabled = ServerAction::<SetUserDisabled>::new();
    let reset = ServerAction::<ResetPassword>::new();
    let reset_factor = ServerAction::<ResetSecondFactor>::new();
    let user = Resource::new_blocking(
        move || {
            (
                params.read().get("id").and_then(|s| s.parse::<i64>().ok()),
                change_role.version().get(),
                set_disabled.version().get(),
                reset.version().get(),
                reset_factor.version().get(),
            )
        },
        |(id, ..)| async move {
            match id {
                Some(id) => get_user(id.into()).await,
                None => Err(AppError::not_found("User")),
            }
        },
    );
    let me = use_context::<MeResource>().map(|m| m.0);
    let was_reset = move || {
        query.read().get("reset").is_some() || reset.value().get().is_some_and(|r| r.is_ok())
    };
    view! {
        <Title text="User" />
        <p>
            <a href="/admin/users">"← All users"</a>
        </p>
        <Suspense fallback=|| {
            view! { <p class="muted">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                let my_id = match me {
                    Some(me) => me.await.ok().flatten().map(|m| m.user_id),
                    None => None,
                };
                match user.await {
                    Ok(u) => {
                        let is_me = my_id == Some(u.user_id);
                        view! {
                            <UserSummary user=u.clone() />
                            {if is_me {
                                view! {
                                    <p class="alert">
                                        "This is your own account. Another admin changes its role, access or password."
                                    </p>
                                }
                                    .into_any()
                            } else {
                                view! {
                                    <RoleForm user=u.clone() action=change_role />
                                    <AccessForm user=u.clone() action=set_disabled />
                                    <PasswordForm user=u.clone() action=reset was_reset />
                                    <SecondFactorForm user=u action=reset_factor />
                                }
                                    .into_any()
                            }}
                        }
                            .into_any()
                    }
                    Err(error) => view! { <ErrorView error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn UserSummary(user: UserView) -> impl IntoView {
    view! {
        <h1>{user.name.clone()}</h1>
        <dl class="summary">
            <dt>"E-mail"</dt>
            <dd>{user.email}</dd>
            <dt>"Role"</dt>
            <dd>{user.role.label()}</dd>
            <dt>"Status"</dt>
            <dd>{if user.disabled { "Disabled" } else { "Active" }}</dd>
            <dt>"Two-factor sign-in"</dt>
            <dd>{if user.second_factor { "On" } else { "Not set up" }}</dd>
            <dt>"Created"</dt>
            <dd>{user.created_at}</dd>
            <dt>"Last changed"</dt>
            <dd>{user.updated_at}</dd>
        </dl>
    }
}

#[component]
fn RoleForm(user: UserView, action: ServerAction<ChangeRole>) -> impl IntoView {
    let error = action_error(action);
    view! {
        <section class="card" aria-labelledby="role-title">
            <h2 id="role-title">"Role"</h2>
            <ActionForm action>
                <FormAlert error />
                <input type="hidden" name="user_id" value=user.user_id />
                <div class="field">
                    <label for="role">"Role"</label>
                    <select
                        id="role"
                        name="role"
                        aria-invalid=invalid(error, "role")
                        aria-describedby="role-error"
                    >
                        {Role::ALL
                            .into_iter()
                            .map(|r| {
                                view! {
                                    <option value=r.as_str() selected=r == user.role>
                                        {r.label()}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                    <FieldError error name="role" />
                </div>
                <p class="hint">"Changing the role ends the person's sessions."</p>
                <button type="submit">"Change role"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn AccessForm(user: UserView, action: ServerAction<SetUserDisabled>) -> impl IntoView {
    let error = action_error(action);
    let (label, value, hint) = if user.disabled {
        ("Enable account", "false", "The person can sign in again.")
    } else {
        (
            "Disable account",
            "true",
            "The person is signed out everywhere and cannot sign in.",
        )
    };
    view! {
        <section class="card" aria-labelledby="access-title">
            <h2 id="access-title">"Access"</h2>
            <ActionForm action>
                <FormAlert error />
                <input type="hidden" name="user_id" value=user.user_id />
                <input type="hidden" name="disabled" value=value />
                <p class="hint">{hint}</p>
                <button type="submit" class=if user.disabled { "" } else { "button-danger" }>
                    {label}
                </button>
            </ActionForm>
        </section>
    }
}

#[component]
fn PasswordForm(
    user: UserView,
    action: ServerAction<ResetPassword>,
    was_reset: impl Fn() -> bool + Send + Sync + 'static,
) -> impl IntoView {
    let error = action_error(action);
    view! {
        <section class="card" aria-labelledby="password-title">
            <h2 id="password-title">"Password"</h2>
            {move || {
                was_reset()
                    .then(|| {
                        view! {
                            <p class="alert alert-ok" role="status">
                                "Password reset. The person's sessions have ended."
                            </p>
                        }
                    })
            }}
            <ActionForm action>
                <FormAlert error />
                <input type="hidden" name="user_id" value=user.user_id />
                <div class="field">
                    <label for="reset-password">"New password"</label>
                    <input
                        id="reset-password"
                        name="password"
                        type="password"
                        required
                        minlength="12"
                        maxlength="128"
                        autocomplete="new-password"
                        aria-invalid=invalid(error, "password")
                        aria-describedby="password-error"
                    />
                    <FieldError error name="password" />
                </div>
                <button type="submit">"Reset password"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn SecondFactorForm(user: UserView, action: ServerAction<ResetSecondFactor>) -> impl IntoView {
    let error = action_error(action);
    user.second_factor.then(|| {
        view! {
            <section class="card" aria-labelledby="second-factor-title">
                <h2 id="second-factor-title">"Two-factor sign-in"</h2>
                <ActionForm action>
                    <FormAlert error />
                    <input type="hidden" name="user_id" value=user.user_id />
                    <p class="hint">
                        "For a lost phone: the person's sessions end, and they set up an \
                         authenticator app again at their next sign-in."
                    </p>
                    <button type="submit" class="button-danger">
                        "Reset two-factor sign-in"
                    </button>
                </ActionForm>
            </section>
        }
    })
}
