use crate::api::auth::{typed_draft, Login};
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
    view! {
        <Title text="Sign in" />
        <main id="main" class="login">
            <h1 class="brand-large">"KYC Desk"</h1>
            <section class="card login-card" aria-labelledby="sign-in-title">
                <h2 id="sign-in-title">"Sign in"</h2>
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
            </section>
        </main>
    }
}
