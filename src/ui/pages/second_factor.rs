use crate::api::auth::GiveSecondFactor;
use crate::ui::components::field::{action_error, invalid, FieldError, FormAlert};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The second step of signing in: a code from the authenticator app, or a recovery code.
#[component]
pub fn SecondFactorPage() -> impl IntoView {
    let give = ServerAction::<GiveSecondFactor>::new();
    let error = action_error(give);
    // The page that was asked for before signing in (checked again by the server).
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    view! {
        <Title text="Two-factor sign-in" />
        <section class="card login-card" aria-labelledby="second-factor-title">
            <h1 id="second-factor-title">"Two-factor sign-in"</h1>
            <p>"Type the code your authenticator app shows for KYC Desk."</p>
            <ActionForm action=give>
                <FormAlert error />
                <input type="hidden" name="next" value=next />
                <div class="field">
                    <label for="code">"Code"</label>
                    <input
                        id="code"
                        name="code"
                        type="text"
                        autocomplete="one-time-code"
                        autocapitalize="none"
                        spellcheck="false"
                        required
                        maxlength="40"
                        aria-invalid=invalid(error, "code")
                        aria-describedby="code-hint code-error"
                    />
                    <p class="hint" id="code-hint">
                        "Lost your phone? Type one of your recovery codes instead: each works once. "
                        "Then ask an admin to reset your two-factor sign-in."
                    </p>
                    <FieldError error name="code" />
                </div>
                <button type="submit" class="button-primary" disabled=move || give.pending().get()>
                    "Continue"
                </button>
            </ActionForm>
        </section>
    }
}
