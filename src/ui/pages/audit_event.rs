use crate::api::audit::get_audit_event;
use crate::error::AppError;
use crate::ui::components::error_view::ErrorView;
use crate::view::ChangeView;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// One audit event: who, what, when, about what, before/after, why, and its hashes.
#[component]
pub fn AuditEventPage() -> impl IntoView {
    let params = use_params_map();
    let event = Resource::new_blocking(
        move || params.read().get("seq").and_then(|s| s.parse::<i64>().ok()),
        |seq| async move {
            match seq {
                Some(seq) => get_audit_event(seq.into()).await,
                None => Err(AppError::not_found("Audit event")),
            }
        },
    );
    view! {
        <Title text="Audit event" />
        <p>
            <a href="/audit">"← Audit log"</a>
        </p>
        <Suspense fallback=|| {
            view! { <p class="muted">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match event.await {
                    Ok(e) => {
                        view! {
                            <h1>
                                "Event #" {e.seq} ": " {e.action_label.clone()} " "
                                <span class="code-note">{e.action.clone()}</span>
                            </h1>
                            <dl class="summary">
                                <dt>"When (UTC)"</dt>
                                <dd>{e.occurred_at.replace('T', " ").replace('Z', "")}</dd>
                                <dt>"Who"</dt>
                                <dd>{e.actor.clone()}</dd>
                                <dt>"About"</dt>
                                <dd>
                                    {match e.entity_href.clone() {
                                        Some(href) => {
                                            view! { <a href=href>{e.entity.clone()}</a> }.into_any()
                                        }
                                        None => e.entity.clone().into_any(),
                                    }}
                                </dd>
                                {e
                                    .customer_id
                                    .map(|c| {
                                        view! {
                                            <dt>"Customer"</dt>
                                            <dd>
                                                <a href=format!("/customers/{c}")>{c}</a>
                                            </dd>
                                        }
                                    })}
                                {e
                                    .verification_id
                                    .map(|v| {
                                        view! {
                                            <dt>"Case"</dt>
                                            <dd>
                                                <a href=format!("/cases/{v}")>{format!("#{v}")}</a>
                                            </dd>
                                        }
                                    })}
                                <dt>"Why"</dt>
                                <dd>{e.reason.clone().unwrap_or_else(|| "—".into())}</dd>
                                <dt>"Request"</dt>
                                <dd>
                                    <code>
                                        {e.request_id.clone().unwrap_or_else(|| "—".into())}
                                    </code>
                                </dd>
                                <dt>"Client (keyed hash)"</dt>
                                <dd>
                                    <code>
                                        {e.client_hash.clone().unwrap_or_else(|| "—".into())}
                                    </code>
                                </dd>
                            </dl>
                            <h2>"Changes"</h2>
                            {if e.changes.is_empty() {
                                view! { <p class="muted">"No field changes recorded."</p> }
                                    .into_any()
                            } else {
                                view! {
                                    <table class="table diff">
                                        <thead>
                                            <tr>
                                                <th scope="col">"Field"</th>
                                                <th scope="col">"Before"</th>
                                                <th scope="col">"After"</th>
                                            </tr>
                                        </thead>
                                        <tbody>
                                            {e
                                                .changes
                                                .iter()
                                                .cloned()
                                                .map(|c| view! { <ChangeRow c /> })
                                                .collect_view()}
                                        </tbody>
                                    </table>
                                }
                                    .into_any()
                            }}
                            <h2>"Chain"</h2>
                            <dl class="summary hashes">
                                <dt>"Previous hash"</dt>
                                <dd>
                                    <code>{e.prev_hash.clone()}</code>
                                </dd>
                                <dt>"Hash"</dt>
                                <dd>
                                    <code>{e.hash.clone()}</code>
                                </dd>
                            </dl>
                        }
                            .into_any()
                    }
                    Err(error) => view! { <ErrorView error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// One field's change: before and after (a dash for none).
#[component]
fn ChangeRow(c: ChangeView) -> impl IntoView {
    let dash = || "—".to_string();
    view! {
        <tr>
            <td>
                <code>{c.field}</code>
            </td>
            <td class="before">{c.before.unwrap_or_else(dash)}</td>
            <td class="after">{c.after.unwrap_or_else(dash)}</td>
        </tr>
    }
}
