use crate::api::auth::{two_factor, BeginTwoFactor, ConfirmTwoFactor};
use crate::ui::components::error_view::ErrorView;
use crate::ui::components::field::{action_error, invalid, FieldError, FormAlert};
use crate::view::{PendingEnrolment, TwoFactorView};
use leptos::prelude::*;
use leptos_meta::Title;

/// A person's own two-factor sign-in: set up an authenticator app, or see that it is on.
#[component]
pub fn TwoFactorPage() -> impl IntoView {
    let begin = ServerAction::<BeginTwoFactor>::new();
    let confirm = ServerAction::<ConfirmTwoFactor>::new();
    let status = Resource::new_blocking(
        move || (begin.version().get(), confirm.version().get()),
        |_| two_factor(),
    );
    view! {
        <Title text="Two-factor sign-in" />
        <h1>"Two-factor sign-in"</h1>
        <Suspense fallback=|| {
            view! { <p class="muted">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match status.await {
                    Ok(v) => view! { <TwoFactorState v begin confirm /> }.into_any(),
                    Err(error) => view! { <ErrorView error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn TwoFactorState(
    v: TwoFactorView,
    begin: ServerAction<BeginTwoFactor>,
    confirm: ServerAction<ConfirmTwoFactor>,
) -> impl IntoView {
    match (v.enrolled_at, v.pending) {
        (Some(since), _) => view! {
            <section class="card" aria-labelledby="tf-on">
                <h2 id="tf-on">"On"</h2>
                <p role="status">
                    {format!(
                        "You sign in with a code from your authenticator app (set up {since}). \
                         {} of your recovery codes are left.",
                        v.recovery_codes_left,
                    )}
                </p>
                <p class="hint">
                    "Lost your phone? Sign in with a recovery code, then ask an admin to reset \
                     your two-factor sign-in."
                </p>
                <p>
                    <a href="/">"Go to your work"</a>
                </p>
            </section>
        }
        .into_any(),
        (None, Some(p)) => view! { <Pending p confirm /> }.into_any(),
        (None, None) => {
            let error = action_error(begin);
            let why = if v.required {
                "Your role needs a second factor: set up an authenticator app before you go on."
            } else {
                "Protect your account with a second factor: a code from an authenticator app \
                 on your phone, asked for after your password."
            };
            view! {
                <section class="card" aria-labelledby="tf-off">
                    <h2 id="tf-off">"Not set up"</h2>
                    <p>{why}</p>
                    <ActionForm action=begin>
                        <FormAlert error />
                        <button type="submit" class="button-primary">
                            "Set up an authenticator app"
                        </button>
                    </ActionForm>
                </section>
            }
            .into_any()
        }
    }
}

#[component]
fn Pending(p: PendingEnrolment, confirm: ServerAction<ConfirmTwoFactor>) -> impl IntoView {
    let error = action_error(confirm);
    view! {
        <section class="card" aria-labelledby="tf-scan">
            <h2 id="tf-scan">"1. Add KYC Desk to your authenticator app"</h2>
            <p>"Scan this QR code with the app, or type the key below into it."</p>
            <img
                class="qr-code"
                src=p.qr
                width="200"
                height="200"
                alt="QR code of the key for your authenticator app"
            />
            <p>
                "Key: " <code class="totp-secret" aria-label="Key for your authenticator app">
                    {p.secret}
                </code>
            </p>
        </section>
        <section class="card" aria-labelledby="tf-recovery">
            <h2 id="tf-recovery">"2. Keep your recovery codes"</h2>
            <p>
                "If you lose your phone, each of these codes signs you in once. Keep them \
                 somewhere safe now: they are not shown again once you confirm."
            </p>
            <ol class="recovery-codes" aria-label="Recovery codes">
                {p
                    .recovery_codes
                    .into_iter()
                    .map(|c| {
                        view! {
                            <li>
                                <code>{c}</code>
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
        </section>
        <section class="card" aria-labelledby="tf-confirm">
            <h2 id="tf-confirm">"3. Confirm"</h2>
            <ActionForm action=confirm>
                <FormAlert error />
                <div class="field">
                    <label for="code">"Code from the app"</label>
                    <input
                        id="code"
                        name="code"
                        type="text"
                        inputmode="numeric"
                        autocomplete="one-time-code"
                        required
                        maxlength="12"
                        aria-invalid=invalid(error, "code")
                        aria-describedby="code-error"
                    />
                    <FieldError error name="code" />
                </div>
                <button type="submit" class="button-primary">
                    "Turn on two-factor sign-in"
                </button>
            </ActionForm>
        </section>
    }
}
