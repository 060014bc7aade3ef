use crate::api::audit::{audit_actors, audit_chain_status, list_audit_events, VerifyAuditChain};
use crate::domain::audit::AuditAction;
use crate::domain::query_value;
use crate::domain::Permission;
use crate::error::AppError;
use crate::ui::components::error_view::ErrorView;
use crate::ui::components::field::{action_error, FormAlert};
use crate::ui::components::shell::MeResource;
use crate::view::{AuditEventView, ChainStatusView};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

const FILTERS: [&str; 6] = ["actor", "action", "customer", "verification", "from", "to"];

/// Managers and admins: the audit trail, filtered, newest first.
#[component]
pub fn AuditPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |k: &str| query.read().get(k).filter(|s| !s.is_empty());
    let verify = ServerAction::<VerifyAuditChain>::new();
    let verify_error = action_error(verify);
    let events = Resource::new(
        move || (FILTERS.map(param), param("before")),
        |([actor, action, customer, verification, from, to], before)| {
            list_audit_events(actor, action, customer, verification, from, to, before)
        },
    );
    let status = Resource::new(move || verify.version().get(), |_| audit_chain_status());
    let actors = Resource::new(|| (), |_| audit_actors());
    let filter_query = move || {
        let q = query.read();
        FILTERS
            .iter()
            .filter_map(|k| {
                q.get(k)
                    .filter(|v| !v.is_empty())
                    .map(|v| format!("{k}={}", query_value(&v)))
            })
            .collect::<Vec<_>>()
            .join("&")
    };
    // Someone whose role does not read the audit trail sees only that, not its filters.
    let me = use_context::<MeResource>().map(|m| m.0);
    let body = move || {
        view! {
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match status.await {
                        Ok(s) => view! { <ChainStatus s verify verify_error /> }.into_any(),
                        Err(_) => ().into_any(),
                    }
                })}
            </Suspense>
            <Form method="GET" action="/audit" attr:class="filters" attr:role="search">
                <div class="field">
                    <label for="actor">"Actor"</label>
                    <select id="actor" name="actor" data-apply-on-change="">
                        <option value="">"Anyone"</option>
                        {[
                            "system:poller",
                            "system:auth",
                            "system:sessions",
                            "system:cli",
                            "system:demo",
                        ]
                            .map(|v| {
                                view! {
                                    <option
                                        value=v
                                        selected=move || param("actor").as_deref() == Some(v)
                                    >
                                        {v.replace(':', ": ")}
                                    </option>
                                }
                            })
                            .collect_view()}
                        <Suspense fallback=|| ()>
                            {move || Suspend::new(async move {
                                actors
                                    .await
                                    .unwrap_or_default()
                                    .into_iter()
                                    .map(|a| {
                                        let v = a.user_id.to_string();
                                        let selected = param("actor") == Some(v.clone());
                                        view! {
                                            <option value=v selected=selected>
                                                {a.label}
                                            </option>
                                        }
                                    })
                                    .collect_view()
                            })}
                        </Suspense>
                    </select>
                </div>
                <div class="field">
                    <label for="action">"Action"</label>
                    <select id="action" name="action" data-apply-on-change="">
                        <option value="">"Any"</option>
                        {AuditAction::ALL
                            .iter()
                            .map(|a| {
                                let v = a.as_str();
                                view! {
                                    <option
                                        value=v
                                        selected=move || param("action").as_deref() == Some(v)
                                    >
                                        {a.label()}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="customer">"Customer id"</label>
                    <input
                        id="customer"
                        name="customer"
                        inputmode="numeric"
                        size="8"
                        value=move || param("customer").unwrap_or_default()
                    />
                </div>
                <div class="field">
                    <label for="verification">"Verification id"</label>
                    <input
                        id="verification"
                        name="verification"
                        inputmode="numeric"
                        size="8"
                        value=move || param("verification").unwrap_or_default()
                    />
                </div>
                <div class="field">
                    <label for="from">"From (UTC)"</label>
                    <input
                        id="from"
                        name="from"
                        type="date"
                        value=move || param("from").unwrap_or_default()
                    />
                </div>
                <div class="field">
                    <label for="to">"To (UTC)"</label>
                    <input
                        id="to"
                        name="to"
                        type="date"
                        value=move || param("to").unwrap_or_default()
                    />
                </div>
                <button type="submit">"Filter"</button>
            </Form>
            <p class="export-links">
                "Export these events: "
                <a href=move || format!("/audit/export.csv?{}", filter_query()) download>
                    "CSV"
                </a> " · "
                <a href=move || format!("/audit/export.jsonl?{}", filter_query()) download>
                    "JSONL"
                </a>
                <span class="muted small">
                    " — streamed, ending with a signed checkpoint; check a file with "
                    <code>"kyc-desk audit verify-export FILE"</code>
                </span>
            </p>
            <Transition fallback=|| {
                view! { <p class="muted">"Loading…"</p> }
            }>
                {move || Suspend::new(async move {
                    match events.await {
                        Ok(page) if page.items.is_empty() => {
                            view! { <p class="muted">"No events match."</p> }.into_any()
                        }
                        Ok(page) => {
                            let next = page
                                .next_cursor
                                .map(|c| {
                                    let fq = filter_query();
                                    if fq.is_empty() {
                                        format!("/audit?before={c}")
                                    } else {
                                        format!("/audit?{fq}&before={c}")
                                    }
                                });
                            view! {
                                <table class="table audit">
                                    <caption class="visually-hidden">"Audit events"</caption>
                                    <thead>
                                        <tr>
                                            <th scope="col">"#"</th>
                                            <th scope="col">"When (UTC)"</th>
                                            <th scope="col">"Who"</th>
                                            <th scope="col">"What"</th>
                                            <th scope="col">"About"</th>
                                            <th scope="col">"Why"</th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {page
                                            .items
                                            .into_iter()
                                            .map(|e| view! { <EventRow e /> })
                                            .collect_view()}
                                    </tbody>
                                </table>
                                {next
                                    .map(|href| {
                                        view! {
                                            <p>
                                                <a href=href>"Older events →"</a>
                                            </p>
                                        }
                                    })}
                            }
                                .into_any()
                        }
                        Err(e) if e.is_validation() => {
                            view! {
                                <p class="alert alert-error" role="alert">
                                    {e.message()}
                                </p>
                            }
                                .into_any()
                        }
                        Err(error) => view! { <ErrorView error /> }.into_any(),
                    }
                })}
            </Transition>
        }
    };
    view! {
        <Title text="Audit log" />
        <h1>"Audit log"</h1>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let allowed = match me {
                    Some(me) => matches!(me.await, Ok(Some(m)) if m.role.can(Permission::ViewAudit)),
                    None => false,
                };
                if allowed {
                    body().into_any()
                } else {
                    view! { <ErrorView error=AppError::forbidden() /> }.into_any()
                }
            })}
        </Suspense>
    }
}

#[component]
fn ChainStatus(
    s: Option<ChainStatusView>,
    verify: ServerAction<VerifyAuditChain>,
    verify_error: Signal<Option<crate::error::AppError>>,
) -> impl IntoView {
    let summary = match &s {
        None => view! {
            <p class="muted">
                "The chain has not been checked since the server started; it is checked in the background."
            </p>
        }.into_any(),
        Some(s) if s.ok => view! {
            <p class="alert alert-ok" role="status">
                "Chain verified through #"
                {s.verified_through}
                " at "
                {s.at.replace('T', " ").replace('Z', " UTC")}
                {if s.full { " (full check)" } else { " (checked incrementally)" }}
                {s.checkpoint_seq.map(|c| format!(" · newest signed checkpoint #{c}"))}
            </p>
        }.into_any(),
        Some(s) => view! {
            <div class="alert alert-error" role="alert">
                <p>
                    <strong>"The audit chain does not verify."</strong>
                    " Last good event #"
                    {s.verified_through}
                    "."
                </p>
                <ul>{s.problems.iter().map(|p| view! { <li>{p.clone()}</li> }).collect_view()}</ul>
            </div>
        }.into_any(),
    };
    view! {
        <section class="chain-status" aria-label="Chain status">
            {summary}
            <FormAlert error=verify_error />
            <ActionForm action=verify attr:class="inline">
                <button type="submit" disabled=move || verify.pending().get()>
                    "Verify the whole chain now"
                </button>
            </ActionForm>
        </section>
    }
}

/// One event of the log.
#[component]
fn EventRow(e: AuditEventView) -> impl IntoView {
    let when = e.occurred_at.replace('T', " ").replace('Z', "");
    view! {
        <tr>
            <td>
                <a href=format!("/audit/{}", e.seq)>{e.seq}</a>
            </td>
            <td>{when}</td>
            <td>{e.actor}</td>
            <td>{e.action_label} <span class="code-note">{e.action}</span></td>
            <td>
                {match e.entity_href {
                    Some(href) => view! { <a href=href>{e.entity}</a> }.into_any(),
                    None => e.entity.into_any(),
                }}
            </td>
            <td>{e.reason}</td>
        </tr>
    }
}
