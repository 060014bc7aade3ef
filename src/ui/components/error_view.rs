use crate::error::{AppError, ErrorKind};
use leptos::prelude::*;

/// A failed load, with its reference for support.
#[component]
pub fn ErrorView(error: AppError) -> impl IntoView {
    // A page that shows an error answers with its status (a case that does
    // not exist, or an id that is not one, is a 404).
    #[cfg(feature = "ssr")]
    if let (Some(opts), Ok(status)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        axum::http::StatusCode::from_u16(error.status()),
    ) {
        opts.set_status(status);
    }
    let sign_in = matches!(error.kind, ErrorKind::Unauthenticated);
    view! {
        <div class="alert alert-error" role="alert">
            <p>{error.message()}</p>
            {sign_in
                .then(|| {
                    view! {
                        <p>
                            <a href="/login">"Sign in again"</a>
                        </p>
                    }
                })}
            {error
                .reference
                .map(|r| view! { <p class="muted small">"Reference: " <code>{r}</code></p> })}
        </div>
    }
}
