use crate::api::auth::sign_in_choices;
use crate::api::users::{list_users, CreateUser};
use crate::domain::Role;
use crate::ui::components::error_view::ErrorView;
use crate::ui::components::field::{action_error, invalid, FieldError, FormAlert};
use crate::view::UserView;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Admins: every user, and a form to add one.
#[component]
pub fn UsersPage() -> impl IntoView {
    let query = use_query_map();
    let create = ServerAction::<CreateUser>::new();
    let users = Resource::new(
        move || (query.read().get("after"), create.version().get()),
        |(after, _)| list_users(after),
    );
    view! {
        <Title text="Users" />
        <h1>"Users"</h1>
        <Transition fallback=|| {
            view! { <p class="muted">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match users.await {
                    Ok(page) => {
                        view! {
                            <table class="table">
                                <caption class="visually-hidden">"Users"</caption>
                                <thead>
                                    <tr>
                                        <th scope="col">"Name"</th>
                                        <th scope="col">"E-mail"</th>
                                        <th scope="col">"Role"</th>
                                        <th scope="col">"Status"</th>
                                        <th scope="col">"Two-factor"</th>
                                        <th scope="col">"Created"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {page
                                        .items
                                        .into_iter()
                                        .map(|u| view! { <UserRow u /> })
                                        .collect_view()}
                                </tbody>
                            </table>
                            {page
                                .next_cursor
                                .map(|c| {
                                    view! {
                                        <p>
                                            <a href=format!(
                                                "/admin/users?after={c}",
                                            )>"Next page →"</a>
                                        </p>
                                    }
                                })}
                        }
                            .into_any()
                    }
                    Err(error) => view! { <ErrorView error /> }.into_any(),
                }
            })}
        </Transition>
        <NewUserForm create />
    }
}

#[component]
fn NewUserForm(create: ServerAction<CreateUser>) -> impl IntoView {
    let error = action_error(create);
    // With single sign-on, an account may have no password of its own.
    let choices = Resource::new_blocking(|| (), |_| sign_in_choices());
    view! {
        <section class="card" aria-labelledby="add-user">
            <h2 id="add-user">"Add a user"</h2>
            <ActionForm action=create>
                <FormAlert error />
                <div class="field">
                    <label for="new-email">"E-mail"</label>
                    <input
                        id="new-email"
                        name="email"
                        type="email"
                        required
                        maxlength="254"
                        autocomplete="off"
                        aria-invalid=invalid(error, "email")
                        aria-describedby="email-error"
                    />
                    <FieldError error name="email" />
                </div>
                <div class="field">
                    <label for="new-name">"Name"</label>
                    <input
                        id="new-name"
                        name="name"
                        type="text"
                        required
                        maxlength="100"
                        autocomplete="off"
                        aria-invalid=invalid(error, "name")
                        aria-describedby="name-error"
                    />
                    <FieldError error name="name" />
                </div>
                <div class="field">
                    <label for="new-role">"Role"</label>
                    <select
                        id="new-role"
                        name="role"
                        aria-invalid=invalid(error, "role")
                        aria-describedby="role-error"
                    >
                        {Role::ALL
                            .into_iter()
                            .map(|r| view! { <option value=r.as_str()>{r.label()}</option> })
                            .collect_view()}
                    </select>
                    <FieldError error name="role" />
                </div>
                <div class="field">
                    <label for="new-password">"Initial password"</label>
                    <input
                        id="new-password"
                        name="password"
                        type="password"
                        minlength="12"
                        maxlength="128"
                        autocomplete="new-password"
                        aria-invalid=invalid(error, "password")
                        aria-describedby="password-hint password-error"
                    />
                    <p class="hint" id="password-hint">
                        "At least 12 characters. Share it with the person privately."
                    </p>
                    <FieldError error name="password" />
                </div>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        choices
                            .await
                            .ok()
                            .and_then(|c| c.sso_name)
                            .map(|name| {
                                view! {
                                    <div class="field field-check">
                                        <label>
                                            <input type="checkbox" name="sso_only" value="true" />
                                            {format!(" No password: signs in with {name} only")}
                                        </label>
                                    </div>
                                }
                            })
                    })}
                </Suspense>
                <button
                    type="submit"
                    class="button-primary"
                    disabled=move || create.pending().get()
                >
                    "Add user"
                </button>
            </ActionForm>
        </section>
    }
}

#[component]
fn UserRow(u: UserView) -> impl IntoView {
    let status = if u.disabled {
        view! { <span class="badge badge-muted">"Disabled"</span> }.into_any()
    } else {
        view! { <span class="badge badge-ok">"Active"</span> }.into_any()
    };
    view! {
        <tr>
            <td>
                <a href=format!("/admin/users/{}", u.user_id)>{u.name}</a>
            </td>
            <td>{u.email}</td>
            <td>{u.role.label()}</td>
            <td>{status}</td>
            <td>{if u.second_factor { "On" } else { "—" }}</td>
            <td>{u.created_at}</td>
        </tr>
    }
}
