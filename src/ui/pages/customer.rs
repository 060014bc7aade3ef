use crate::api::customers::{get_customer, RefreshVerification, RevealPii};
use crate::view::{CustomerDetail, VerificationView};

use crate::error::AppError;
use crate::ui::components::badges::{ReviewBadge, UpstreamBadge};
use crate::ui::components::checks::CheckGroups;
use crate::ui::components::error_view::ErrorView;
use crate::ui::components::field::{action_error, FieldError, FormAlert};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// One customer: their provider references and every verification, with
/// each check's result.
#[component]
pub fn CustomerPage() -> impl IntoView {
    let params = use_params_map();
    let refresh = ServerAction::<RefreshVerification>::new();
    let reveal = ServerAction::<RevealPii>::new();
    let detail = Resource::new_blocking(
        move || {
            (
                params.read().get("id").and_then(|s| s.parse::<i64>().ok()),
                refresh.version().get(),
                reveal.version().get(),
            )
        },
        |(id, _, _)| async move {
            match id {
                Some(id) => get_customer(id.into()).await,
                None => Err(AppError::not_found("Customer")),
            }
        },
    );
    let refresh_error = action_error(refresh);
    view! {
        <Title text="Customer" />
        <p>
            <a href="/customers">"← Customers"</a>
        </p>
        <Suspense fallback=|| {
            view! { <p class="muted">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(d) => view! { <CustomerView d refresh refresh_error reveal /> }.into_any(),
                    Err(error) => view! { <ErrorView error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn CustomerView(
    d: CustomerDetail,
    refresh: ServerAction<RefreshVerification>,
    refresh_error: Signal<Option<AppError>>,
    reveal: ServerAction<RevealPii>,
) -> impl IntoView {
    let c = d.customer;
    let reveal_error = action_error(reveal);
    // Personal data: the e-mail and the provider's photos of this customer.
    let masked = !d.pii_revealed;
    let customer_id = c.id;
    view! {
        <h1>{c.display_name.clone()}</h1>
        <dl class="summary">
            <dt>"External id"</dt>
            <dd>
                <code>{c.external_id.clone()}</code>
            </dd>
            <dt>"E-mail"</dt>
            <dd>
                {c.email.clone().unwrap_or_else(|| "—".into())}
                {masked
                    .then(|| {
                        view! {
                            <details class="reveal" open=move || reveal_error.get().is_some()>
                                <summary>"Reveal"</summary>
                                <ActionForm action=reveal>
                                    <FormAlert error=reveal_error />
                                    <input type="hidden" name="customer_id" value=customer_id />
                                    <div class="field">
                                        <label for="reveal-reason">
                                            "Why do you need to see it?"
                                        </label>
                                        <input
                                            id="reveal-reason"
                                            name="reason"
                                            required
                                            minlength="10"
                                            maxlength="500"
                                            aria-describedby="reason-error"
                                        />
                                        <FieldError error=reveal_error name="reason" />
                                    </div>
                                    <p class="hint">
                                        "Shown for 10 minutes; your reason is recorded in the audit trail."
                                    </p>
                                    <button type="submit">"Reveal personal data"</button>
                                </ActionForm>
                            </details>
                        }
                    })}
                {d.pii_revealed.then(|| view! { <span class="badge badge-warn">"revealed"</span> })}
            </dd>
            <dt>"Country"</dt>
            <dd>{c.country.clone().unwrap_or_else(|| "—".into())}</dd>
            <dt>"Registered"</dt>
            <dd>{c.created_at.replace('T', " ").replace('Z', " UTC")}</dd>
        </dl>
        <section aria-labelledby="refs-title">
            <h2 id="refs-title">"Provider references"</h2>
            <ul class="refs">
                {c
                    .refs
                    .into_iter()
                    .map(|r| {
                        let polled = r
                            .last_polled_at
                            .clone()
                            .map(|t| format!("read {}", t.replace('T', " ").replace('Z', " UTC")))
                            .unwrap_or_else(|| "not read yet".into());
                        view! {
                            <li>
                                <strong>{r.r#ref.provider().label()}</strong>
                                " — "
                                {r.r#ref.describe()}
                                <span class="muted small">" (" {polled} ")"</span>
                                {r
                                    .last_error
                                    .map(|e| {
                                        view! {
                                            <div class="alert alert-error small">
                                                "Last read failed: " {e.message}
                                                {e
                                                    .code
                                                    .map(|c| {
                                                        view! {
                                                            " · code "
                                                            <code>{c}</code>
                                                        }
                                                    })}
                                                {e
                                                    .trace_id
                                                    .map(|t| {
                                                        view! {
                                                            " · trace "
                                                            <code>{t}</code>
                                                        }
                                                    })}
                                            </div>
                                        }
                                    })}
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </section>
        <section aria-labelledby="verifications-title">
            <h2 id="verifications-title">"Verifications"</h2>
            <FormAlert error=refresh_error />
            {if d.verifications.is_empty() {
                view! {
                    <p class="muted">
                        "No results from the providers yet. The poller reads new references within seconds; reload to see them."
                    </p>
                }
                    .into_any()
            } else {
                d.verifications
                    .into_iter()
                    .map(|v| view! { <VerificationCard v refresh /> })
                    .collect_view()
                    .into_any()
            }}
        </section>
    }
}

#[component]
fn VerificationCard(
    v: VerificationView,
    refresh: ServerAction<RefreshVerification>,
) -> impl IntoView {
    // Named by the case and when it came in; the provider's own id (with Eclipse's timestamp)
    // beside it in small type.
    let received = v.created_at.get(..10).unwrap_or(&v.created_at).to_string();
    let heading = format!(
        "{} · case #{} · received {received}",
        v.provider.label(),
        v.id
    );
    let label = heading.clone();
    view! {
        <article class="card verification" aria-label=label>
            <header class="verification-head">
                <h3>
                    <a href=format!("/cases/{}", v.id)>{heading}</a>
                    " "
                    <span class="code-note" title="the provider's id">
                        {v.upstream_ref.clone()}
                    </span>
                </h3>
                <UpstreamBadge status=v.upstream_status raw=v.upstream_status_raw.clone() />
                <ReviewBadge status=v.review_status />
                <span class="muted small">
                    "upstream: " <code>{v.upstream_status_raw.clone()}</code>
                </span>
                <ActionForm action=refresh attr:class="inline">
                    <input type="hidden" name="verification_id" value=v.id />
                    <button type="submit">"Refresh from provider"</button>
                </ActionForm>
            </header>
            {v
                .last_error
                .map(|e| {
                    view! {
                        <p class="alert alert-error small">
                            "Last read failed: " {e.message}
                            {e
                                .code
                                .map(|c| {
                                    view! {
                                        " · code "
                                        <code>{c}</code>
                                    }
                                })}
                            {e
                                .trace_id
                                .map(|t| {
                                    view! {
                                        " · trace "
                                        <code>{t}</code>
                                    }
                                })}
                        </p>
                    }
                })}
            <CheckGroups checks=v.checks />
        </article>
    }
}
