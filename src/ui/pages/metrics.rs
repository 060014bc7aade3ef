use crate::api::metrics::metrics_summary;
use crate::domain::metrics::{duration_label, percent};
use crate::ui::components::charts::{BarChart, ColumnChart, Row, Series};
use crate::ui::components::error_view::ErrorView;
use crate::view::{MetricsView, WindowPreset};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

const DECISIONS: &[Series] = &[
    Series {
        name: "Approved",
        class: "s-approve",
    },
    Series {
        name: "Declined",
        class: "s-decline",
    },
];
const FLOW: &[Series] = &[
    Series {
        name: "Received",
        class: "s-received",
    },
    Series {
        name: "Decided",
        class: "s-decided",
    },
];
const OPEN: &[Series] = &[Series {
    name: "Open cases",
    class: "s-within",
}];
const REASONS: &[Series] = &[
    Series {
        name: "Approve reasons",
        class: "s-approve",
    },
    Series {
        name: "Decline reasons",
        class: "s-decline",
    },
];
const TIMES: &[Series] = &[
    Series {
        name: "p50 (half decided within)",
        class: "s-p50",
    },
    Series {
        name: "p90 (nine in ten decided within)",
        class: "s-p90",
    },
];
const AGING: &[Series] = &[
    Series {
        name: "Within the SLA",
        class: "s-within",
    },
    Series {
        name: "Past the SLA",
        class: "s-breach",
    },
];
const REVIEWERS: &[Series] = &[
    Series {
        name: "Approved",
        class: "s-approve",
    },
    Series {
        name: "Declined",
        class: "s-decline",
    },
    Series {
        name: "Confirmed as second officer",
        class: "s-confirm",
    },
];

fn minutes(ms: Option<i64>) -> i64 {
    ms.map_or(0, |m| m / 60_000)
}

fn minutes_label(m: i64) -> String {
    duration_label(m * 60_000)
}

fn maybe_duration(ms: Option<i64>) -> String {
    ms.map_or_else(|| "—".into(), duration_label)
}

fn maybe_percent(p: Option<i64>) -> String {
    p.map_or_else(|| "—".into(), |p| format!("{p} %"))
}

/// Managers: how the team decides, how fast, and what is waiting.
#[component]
pub fn MetricsPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |k: &str| query.read().get(k).filter(|s| !s.is_empty());
    let metrics = Resource::new(
        move || (param("from"), param("to")),
        |(from, to)| metrics_summary(from, to),
    );
    view! {
        <Title text="Metrics" />
        <h1>"Metrics"</h1>
        <Transition fallback=|| {
            view! { <p class="muted">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match metrics.await {
                    Ok(m) => {
                        view! {
                            <WindowForm
                                from=m.from.clone()
                                to=m.to.clone()
                                presets=m.presets.clone()
                            />
                            <Metrics m />
                        }
                            .into_any()
                    }
                    Err(e) if e.is_validation() => {
                        view! {
                            <WindowForm
                                from=param("from").unwrap_or_default()
                                to=param("to").unwrap_or_default()
                                presets=Vec::new()
                            />
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
}

/// The window's first and last day, showing the window in effect (the default one too), and
/// the last 7, 30 and 90 days in one click.
#[component]
fn WindowForm(from: String, to: String, presets: Vec<WindowPreset>) -> impl IntoView {
    let presets = presets
        .into_iter()
        .map(|p| {
            let current = (p.from == from && p.to == to).then_some("page");
            let href = format!("/metrics?from={}&to={}", p.from, p.to);
            view! {
                <a href=href aria-current=current>
                    {p.label}
                </a>
            }
        })
        .collect_view();
    view! {
        <Form method="GET" action="/metrics" attr:class="filters" attr:role="search">
            <div class="field">
                <label for="from">"From (UTC)"</label>
                <input id="from" name="from" type="date" value=from.clone() />
            </div>
            <div class="field">
                <label for="to">"To (UTC)"</label>
                <input id="to" name="to" type="date" value=to.clone() />
            </div>
            <button type="submit">"Show"</button>
        </Form>
        <nav class="presets" aria-label="Windows">
            {presets}
        </nav>
    }
}

#[component]
fn Metrics(m: MetricsView) -> impl IntoView {
    let approved: i64 = m.days.iter().map(|d| d.approved).sum();
    let declined: i64 = m.days.iter().map(|d| d.declined).sum();
    let overall = m.time_to_decision.first().cloned();
    let sla = m.sla_hours;
    let late = m.open_over_sla > 0;
    let pushes_failed = m.failed_pushes > 0;
    let window = format!("{} to {}", m.from, m.to);
    let day_rows: Vec<Row> = m
        .days
        .iter()
        .map(|d| Row {
            label: d.day.get(5..).unwrap_or(&d.day).to_string(),
            values: vec![d.approved, d.declined],
        })
        .collect();
    let flow_rows: Vec<Row> = m
        .days
        .iter()
        .map(|d| Row {
            label: d.day.get(5..).unwrap_or(&d.day).to_string(),
            values: vec![d.received, d.approved + d.declined],
        })
        .collect();
    let received: i64 = m.days.iter().map(|d| d.received).sum();
    let provider_rows: Vec<Row> = m
        .by_provider
        .iter()
        .map(|p| Row {
            label: p.label.clone(),
            values: vec![p.approved, p.declined],
        })
        .collect();
    let reason_rows: Vec<Row> = m
        .by_reason
        .iter()
        .filter(|r| r.count > 0)
        .map(|r| {
            let values = if r.kind == "approve" {
                vec![r.count, 0]
            } else {
                vec![0, r.count]
            };
            Row {
                label: r.label.clone(),
                values,
            }
        })
        .collect();
    let time_rows: Vec<Row> = m
        .time_to_decision
        .iter()
        .filter(|t| t.decisions > 0)
        .map(|t| Row {
            label: t.label.clone(),
            values: vec![minutes(t.p50_ms), minutes(t.p90_ms)],
        })
        .collect();
    let aging_rows: Vec<Row> = m
        .aging
        .iter()
        .map(|a| Row {
            label: a.label.clone(),
            values: if a.past_sla {
                vec![0, a.count]
            } else {
                vec![a.count, 0]
            },
        })
        .collect();
    let open_rows: Vec<Row> = m
        .open_by_provider
        .iter()
        .map(|p| Row {
            label: p.label.clone(),
            values: vec![p.count],
        })
        .collect();
    let reviewer_rows: Vec<Row> = m
        .reviewers
        .iter()
        .map(|r| Row {
            label: r.name.clone(),
            values: vec![r.approved, r.declined, r.confirmations],
        })
        .collect();
    view! {
        <p class="muted">
            {format!(
                "{window} (UTC, {} days) · SLA {sla} h from receipt to decision · computed at ",
                m.days.len(),
            )} {m.generated_at.replace('T', " ").replace('Z', " UTC")}
        </p>
        <h2 class="visually-hidden">"Now"</h2>
        <dl class="stats tiles" aria-label="Now">
            <div>
                <dt>"Open now"</dt>
                <dd>
                    <a href="/?view=all">{m.open_now}</a>
                </dd>
            </div>
            <div>
                <dt>"Escalated"</dt>
                <dd>
                    <a href="/?view=all&review=ESCALATED">{m.escalated}</a>
                </dd>
            </div>
            <div>
                <dt>"Awaiting second approval"</dt>
                <dd>
                    <a href="/?view=all&review=PENDING_SECOND_APPROVAL">{m.awaiting_second}</a>
                </dd>
            </div>
            <div>
                <dt>"Failed pushes"</dt>
                <dd class:warn=pushes_failed>{m.failed_pushes}</dd>
            </div>
        </dl>
        <dl class="stats">
            <div>
                <dt>"Received"</dt>
                <dd>{received}</dd>
            </div>
            <div>
                <dt>"Decisions"</dt>
                <dd>{approved + declined}</dd>
            </div>
            <div>
                <dt>"Approval rate"</dt>
                <dd>{maybe_percent(percent(approved, approved + declined))}</dd>
            </div>
            <div>
                <dt>"Time to decision, p50 / p90"</dt>
                <dd>
                    {maybe_duration(overall.as_ref().and_then(|o| o.p50_ms))} " / "
                    {maybe_duration(overall.as_ref().and_then(|o| o.p90_ms))}
                </dd>
            </div>
            <div>
                <dt>"Decided past the SLA"</dt>
                <dd>{overall.as_ref().map_or(0, |o| o.over_sla)}</dd>
            </div>
            <div>
                <dt>"Open cases past the SLA"</dt>
                <dd class:warn=late>{m.open_over_sla}</dd>
            </div>
        </dl>

        <section class="metric" aria-labelledby="m-flow">
            <h2 id="m-flow">"Received and decided per day"</h2>
            <ColumnChart
                label=format!(
                    "Chart of cases received and decided per day, {window}; the figures are in the table below.",
                )
                series=FLOW
                rows=flow_rows
            />
        </section>

        <section class="metric" aria-labelledby="m-open">
            <h2 id="m-open">"Open queue by provider"</h2>
            {if open_rows.is_empty() {
                view! { <p class="muted">"No open cases."</p> }.into_any()
            } else {
                view! {
                    <BarChart
                        label="Chart of open cases by provider; the figures are in the table below."
                            .to_string()
                        series=OPEN
                        rows=open_rows
                    />
                }
                    .into_any()
            }}
            <table class="table compact">
                <caption class="visually-hidden">"Open cases by provider"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Provider"</th>
                        <th scope="col" class="num">
                            "Open cases"
                        </th>
                    </tr>
                </thead>
                <tbody>
                    {m
                        .open_by_provider
                        .into_iter()
                        .map(|p| {
                            view! {
                                <tr>
                                    <th scope="row">
                                        <a href=p.queue_href>{p.label}</a>
                                    </th>
                                    <td class="num">{p.count}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </section>

        <section class="metric" aria-labelledby="m-days">
            <h2 id="m-days">"Decisions per day"</h2>
            <ColumnChart
                label=format!(
                    "Chart of approved and declined decisions per day, {window}; the figures are in the table below.",
                )
                series=DECISIONS
                rows=day_rows
            />
            <details>
                <summary>"Figures per day"</summary>
                <table class="table compact">
                    <caption class="visually-hidden">"Decisions per day"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Day (UTC)"</th>
                            <th scope="col" class="num">
                                "Received"
                            </th>
                            <th scope="col" class="num">
                                "Approved"
                            </th>
                            <th scope="col" class="num">
                                "Declined"
                            </th>
                            <th scope="col" class="num">
                                "Total"
                            </th>
                        </tr>
                    </thead>
                    <tbody>
                        {m
                            .days
                            .into_iter()
                            .map(|d| {
                                view! {
                                    <tr>
                                        <th scope="row">{d.day}</th>
                                        <td class="num">{d.received}</td>
                                        <td class="num">{d.approved}</td>
                                        <td class="num">{d.declined}</td>
                                        <td class="num">{d.approved + d.declined}</td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </details>
        </section>

        <section class="metric" aria-labelledby="m-providers">
            <h2 id="m-providers">"Approval and decline by provider"</h2>
            {if provider_rows.is_empty() {
                view! { <p class="muted">"No decisions in this window."</p> }.into_any()
            } else {
                view! {
                    <BarChart
                        label="Chart of approved and declined decisions by provider; the figures are in the table below."
                            .to_string()
                        series=DECISIONS
                        rows=provider_rows
                    />
                }
                    .into_any()
            }}
            <table class="table compact">
                <caption class="visually-hidden">"Decisions by provider"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Provider"</th>
                        <th scope="col" class="num">
                            "Approved"
                        </th>
                        <th scope="col" class="num">
                            "Declined"
                        </th>
                        <th scope="col" class="num">
                            "Approval rate"
                        </th>
                    </tr>
                </thead>
                <tbody>
                    {m
                        .by_provider
                        .into_iter()
                        .map(|p| {
                            view! {
                                <tr>
                                    <th scope="row">{p.label}</th>
                                    <td class="num">{p.approved}</td>
                                    <td class="num">{p.declined}</td>
                                    <td class="num">{maybe_percent(p.approval_rate)}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </section>

        <section class="metric" aria-labelledby="m-reasons">
            <h2 id="m-reasons">"Decisions by reason"</h2>
            {(!reason_rows.is_empty())
                .then(|| {
                    view! {
                        <BarChart
                            label="Chart of decisions by reason; the figures are in the table below."
                                .to_string()
                            series=REASONS
                            rows=reason_rows
                        />
                    }
                })}
            <table class="table compact">
                <caption class="visually-hidden">"Decisions by reason"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Reason"</th>
                        <th scope="col">"Decision"</th>
                        <th scope="col" class="num">
                            "Decisions"
                        </th>
                        <th scope="col" class="num">
                            "Share of its kind"
                        </th>
                    </tr>
                </thead>
                <tbody>
                    {m
                        .by_reason
                        .into_iter()
                        .map(|r| {
                            view! {
                                <tr>
                                    <th scope="row">{r.label}</th>
                                    <td>{r.kind}</td>
                                    <td class="num">{r.count}</td>
                                    <td class="num">{maybe_percent(r.share)}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </section>

        <section class="metric" aria-labelledby="m-time">
            <h2 id="m-time">"Time to decision"</h2>
            <p class="muted small">
                "From when KYC Desk received the case to when the decision took effect (for four-eyes cases, the second officer's confirmation)."
            </p>
            {(!time_rows.is_empty())
                .then(|| {
                    view! {
                        <BarChart
                            label="Chart of the median and 90th percentile time to decision by provider; the figures are in the table below."
                                .to_string()
                            series=TIMES
                            rows=time_rows
                            grouped=true
                            value_label=minutes_label
                        />
                    }
                })}
            <table class="table compact">
                <caption class="visually-hidden">"Time to decision"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Provider"</th>
                        <th scope="col" class="num">
                            "Decisions"
                        </th>
                        <th scope="col" class="num">
                            "p50"
                        </th>
                        <th scope="col" class="num">
                            "p90"
                        </th>
                        <th scope="col" class="num">
                            {format!("Over the {sla} h SLA")}
                        </th>
                    </tr>
                </thead>
                <tbody>
                    {m
                        .time_to_decision
                        .into_iter()
                        .map(|t| {
                            view! {
                                <tr>
                                    <th scope="row">{t.label}</th>
                                    <td class="num">{t.decisions}</td>
                                    <td class="num">{maybe_duration(t.p50_ms)}</td>
                                    <td class="num">{maybe_duration(t.p90_ms)}</td>
                                    <td class="num">{t.over_sla}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </section>

        <section class="metric" aria-labelledby="m-aging">
            <h2 id="m-aging">"Open queue by age"</h2>
            <p class="muted small">
                "Cases waiting for a decision now, by how long ago KYC Desk received them."
            </p>
            <BarChart
                label=format!(
                    "Chart of open cases by age; {} are past the SLA. The figures are in the table below.",
                    m.open_over_sla,
                )
                series=AGING
                rows=aging_rows
            />
            <table class="table compact">
                <caption class="visually-hidden">"Open cases by age"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Waiting"</th>
                        <th scope="col" class="num">
                            "Open cases"
                        </th>
                        <th scope="col">"SLA"</th>
                    </tr>
                </thead>
                <tbody>
                    {m
                        .aging
                        .into_iter()
                        .map(|a| {
                            view! {
                                <tr>
                                    <th scope="row">
                                        <a href=a.queue_href>{a.label}</a>
                                    </th>
                                    <td class="num">{a.count}</td>
                                    <td>{if a.past_sla { "past" } else { "" }}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
            {(!m.oldest_open.is_empty())
                .then(|| {
                    view! {
                        <h3>{format!("Oldest open cases past the {sla} h SLA")}</h3>
                        <table class="table compact">
                            <thead>
                                <tr>
                                    <th scope="col">"Case"</th>
                                    <th scope="col">"Provider"</th>
                                    <th scope="col">"Status"</th>
                                    <th scope="col">"Assignee"</th>
                                    <th scope="col" class="num">
                                        "Waiting"
                                    </th>
                                </tr>
                            </thead>
                            <tbody>
                                {m
                                    .oldest_open
                                    .into_iter()
                                    .map(|c| {
                                        let assignee = c
                                            .assignee
                                            .unwrap_or_else(|| "unassigned".into());
                                        view! {
                                            <tr>
                                                <td>
                                                    <a href=format!(
                                                        "/cases/{}",
                                                        c.id,
                                                    )>{format!("#{}", c.id)}</a>
                                                </td>
                                                <td>{c.provider}</td>
                                                <td>{c.review_status}</td>
                                                <td>{assignee}</td>
                                                <td class="num">{duration_label(c.age_ms)}</td>
                                            </tr>
                                        }
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                    }
                })}
        </section>

        <section class="metric" aria-labelledby="m-reviewers">
            <h2 id="m-reviewers">"Per reviewer"</h2>
            {(!reviewer_rows.is_empty())
                .then(|| {
                    view! {
                        <BarChart
                            label="Chart of decisions and second-officer confirmations by reviewer; the figures are in the table below."
                                .to_string()
                            series=REVIEWERS
                            rows=reviewer_rows
                        />
                    }
                })}
            <table class="table compact">
                <caption class="visually-hidden">"Per reviewer"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Reviewer"</th>
                        <th scope="col" class="num">
                            "Decisions"
                        </th>
                        <th scope="col" class="num">
                            "Approved"
                        </th>
                        <th scope="col" class="num">
                            "Declined"
                        </th>
                        <th scope="col" class="num">
                            "Per day"
                        </th>
                        <th scope="col" class="num">
                            "p50 time to decision"
                        </th>
                        <th scope="col" class="num">
                            "Confirmed as second officer"
                        </th>
                    </tr>
                </thead>
                <tbody>
                    {m
                        .reviewers
                        .into_iter()
                        .map(|r| {
                            view! {
                                <tr>
                                    <th scope="row">{r.name}</th>
                                    <td class="num">{r.decisions}</td>
                                    <td class="num">{r.approved}</td>
                                    <td class="num">{r.declined}</td>
                                    <td class="num">{r.per_day}</td>
                                    <td class="num">{maybe_duration(r.p50_ms)}</td>
                                    <td class="num">{r.confirmations}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </section>
    }
}
