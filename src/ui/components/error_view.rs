use crate::error::{AppError, ErrorKind};
use leptos::prelude::*;

/// A failed load, with its reference for support.
#[component]
pub fn ErrorView(error: AppError) -> impl IntoView {
    let sign_in = matches!(error.kind, ErrorKind::Unauthenticated);
    view! {
        <div class="alert alert-error" role="alert">
            <p>{error.message()}</p>
            {sign_in.then(|| view! { <p><a href="/login">"Sign in again"</a></p> })}
            {error.reference.map(|r| view! { <p class="muted small">"Reference: " <code>{r}</code></p> })}
        </div>
    }
}
