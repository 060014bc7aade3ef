//! Showing a server function's error where it belongs: next to its field,
//! or at the top of the form when it is about the whole form.

use crate::error::AppError;
use leptos::prelude::*;

/// The message for field `name`, if the last submission failed on it.
#[component]
pub fn FieldError(
    #[prop(into)] error: Signal<Option<AppError>>,
    #[prop(into)] name: String,
) -> impl IntoView {
    move || {
        error.get().and_then(|e| e.field_message(&name)).map(|m| {
            view! {
                <p class="field-error" id=format!("{name}-error")>
                    {m}
                </p>
            }
        })
    }
}

/// `aria-invalid` for field `name`.
pub fn invalid(
    error: Signal<Option<AppError>>,
    name: &'static str,
) -> impl Fn() -> Option<&'static str> + Send + Sync + Copy {
    move || {
        error
            .get()
            .and_then(|e| e.field_message(name))
            .map(|_| "true")
    }
}

/// An error about the form as a whole (anything but a field's validation).
#[component]
pub fn FormAlert(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    move || {
        error.get().filter(|e| !e.is_validation()).map(|e| {
            view! {
                <div class="alert alert-error" role="alert">
                    <p>{e.message()}</p>
                    {e
                        .reference
                        .map(|r| {
                            view! { <p class="muted small">"Reference: " <code>{r}</code></p> }
                        })}
                </div>
            }
        })
    }
}

/// The error of a server action's last submission.
pub fn action_error<A, T>(action: ServerAction<A>) -> Signal<Option<AppError>>
where
    A: leptos::server_fn::ServerFn<Output = T, Error = AppError> + Clone + Send + Sync + 'static,
    A::Output: Send + Sync + 'static,
    T: Clone + Send + Sync + 'static,
{
    Signal::derive(move || action.value().get().and_then(Result::err))
}
