use crate::api::auth::{sign_in_choices, typed_draft, Login, StartSso};
use crate::domain::user::SsoRefusal;
use crate::ui::components::field::{action_error, invalid, FieldError, FormAlert};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let error = action_error(login);
    // The page that was asked for before signing in (checked again by the server).
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    // After a refused sign-in, the e-mail that was typed.
    let draft = Resource::new_blocking(|| (), |_| typed_draft("/login".to_string()));
    let options = Resource::new_blocking(|| (), |_| sign_in_choices());
    let sso = ServerAction::<StartSso>::new();
    let sso_error = action_error(sso);
    // Why a single sign-on came back without signing anyone in.
    let refused = move || {
        query
            .read()
            .get("sso")
            .and_then(|c| SsoRefusal::parse(&c))
            .map(|r| {
                view! {
                    <div class="alert alert-error" role="alert">
                        <p>{r.message()}</p>
                    </div>
                }
            })
    };
    view! {
        <Title text="Sign in" />
        <main id="main" class="login">
            <h1 class="brand-large">"KYC Desk"</h1>
            <section class="card login-card" aria-labelledby="sign-in-title">
                <h2 id="sign-in-title">"Sign in"</h2>
                {refused}
                <ActionForm action=login>
                    <FormAlert error />
                    <input type="hidden" name="next" value=next />
                    <div class="field">
                        <label for="email">"E-mail"</label>
                        <Suspense fallback=|| ()>
                            {move || Suspend::new(async move {
                                let typed = draft
                                    .await
                                    .ok()
                                    .flatten()
                                    .and_then(|d| d.fields.get("email").cloned());
                                view! {
                                    <input
                                        id="email"
                                        name="email"
                                        type="email"
                                        autocomplete="username"
                                        required
                                        maxlength="254"
                                        value=typed
                                        aria-invalid=invalid(error, "email")
                                        aria-describedby="email-error"
                                    />
                                }
                            })}
                        </Suspense>
                        <FieldError error name="email" />
                    </div>
                    <div class="field">
                        <label for="password">"Password"</label>
                        <input
                            id="password"
                            name="password"
                            type="password"
                            autocomplete="current-password"
                            required
                            maxlength="1024"
                        />
                    </div>
                    <button
                        type="submit"
                        class="button-primary"
                        disabled=move || login.pending().get()
                    >
                        "Sign in"
                    </button>
                </ActionForm>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        options
                            .await
                            .ok()
                            .and_then(|o| o.sso_name)
                            .map(|name| {
                                view! {
                                    <ActionForm action=sso attr:class="sso">
                                        <FormAlert error=sso_error />
                                        <input type="hidden" name="next" value=next />
                                        <button type="submit">
                                            {format!("Sign in with {name}")}
                                        </button>
                                    </ActionForm>
                                }
                            })
                    })}
                </Suspense>
            </section>
        </main>
    }
}
