use crate::api::operations::provider_operations;
use crate::ui::components::error_view::ErrorView;
use crate::view::ProviderOpsView;
use leptos::prelude::*;
use leptos_meta::Title;

/// Admins: is each provider answering? What waits to be sent to it?
#[component]
pub fn OperationsPage() -> impl IntoView {
    let providers = Resource::new_blocking(|| (), |_| provider_operations());
    view! {
        <Title text="Operations" />
        <h1>"Operations"</h1>
        <p class="hint">
            "Each provider as this instance of KYC Desk sees it. Quote the trace id to the \
             provider's support."
        </p>
        <Suspense fallback=|| {
            view! { <p class="muted">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match providers.await {
                    Ok(list) => {
                        view! {
                            <table class="table" aria-label="Providers">
                                <thead>
                                    <tr>
                                        <th scope="col">"Provider"</th>
                                        <th scope="col">"Calls"</th>
                                        <th scope="col">"Waiting to send"</th>
                                        <th scope="col">"Failed sends"</th>
                                        <th scope="col">"Last good answer"</th>
                                        <th scope="col">"Last failure"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {list
                                        .into_iter()
                                        .map(|p| view! { <ProviderRow p /> })
                                        .collect_view()}
                                </tbody>
                            </table>
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
fn ProviderRow(p: ProviderOpsView) -> impl IntoView {
    let calls = match (p.configured, p.breaker_open) {
        (false, _) => view! { <span class="badge badge-muted">"Not configured"</span> }.into_any(),
        (true, true) => {
            view! { <span class="badge badge-danger">"Paused after repeated failures"</span> }
                .into_any()
        }
        (true, false) => view! { <span class="badge badge-ok">"Answering"</span> }.into_any(),
    };
    let waiting = match p.oldest_pending {
        Some(age) => format!("{} (oldest {age})", p.pending),
        None => p.pending.to_string(),
    };
    let failure = p.last_error.map(|e| {
        view! {
            <span>{p.last_error_at.unwrap_or_default()} " · " {e}</span>
            {p
                .last_error_trace_id
                .map(|t| view! { <span class="code-note">" trace id " <code>{t}</code></span> })}
        }
    });
    view! {
        <tr>
            <th scope="row">{p.provider}</th>
            <td>{calls}</td>
            <td>{waiting}</td>
            <td>{p.failed}</td>
            <td>{p.last_ok_at.unwrap_or_else(|| "—".into())}</td>
            <td>{failure}</td>
        </tr>
    }
}
