use crate::api::cases::RetriggerCase;
use crate::api::cases::{
    get_case, AddCaseNote, AssignCase, ClaimCase, DecideCase, EscalateCase, ReleaseCase, RetryPush,
    SecondDecision,
};
use crate::api::customers::RevealPii;
use crate::domain::decision::{DecisionKind, REASONS};
use crate::error::AppError;
use crate::ui::components::badges::{human, ReviewBadge, UpstreamBadge};
use crate::ui::components::checks::{CheckGroups, ProviderWords, SanctionsHits};
use crate::ui::components::error_view::ErrorView;
use crate::ui::components::field::{action_error, invalid, FieldError, FormAlert};
use crate::view::{CaseView, DecisionView, PushView};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// Every action of the case page, so any of them refreshes the page.
#[derive(Clone, Copy)]
struct Actions {
    claim: ServerAction<ClaimCase>,
    release: ServerAction<ReleaseCase>,
    assign: ServerAction<AssignCase>,
    note: ServerAction<AddCaseNote>,
    decide: ServerAction<DecideCase>,
    escalate: ServerAction<EscalateCase>,
    second: ServerAction<SecondDecision>,
    retry: ServerAction<RetryPush>,
    reveal: ServerAction<RevealPii>,
    retrigger: ServerAction<RetriggerCase>,
}

impl Actions {
    fn new() -> Actions {
        Actions {
            claim: ServerAction::new(),
            release: ServerAction::new(),
            assign: ServerAction::new(),
            note: ServerAction::new(),
            decide: ServerAction::new(),
            escalate: ServerAction::new(),
            second: ServerAction::new(),
            retry: ServerAction::new(),
            reveal: ServerAction::new(),
            retrigger: ServerAction::new(),
        }
    }

    fn versions(&self) -> usize {
        self.claim.version().get()
            + self.release.version().get()
            + self.assign.version().get()
            + self.note.version().get()
            + self.decide.version().get()
            + self.escalate.version().get()
            + self.second.version().get()
            + self.retry.version().get()
            + self.reveal.version().get()
            + self.retrigger.version().get()
    }
}

/// One case: the upstream result and its checks, the customer, notes,
/// claim/assign, the decision (with four eyes), and what went upstream.
#[component]
pub fn CasePage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let actions = Actions::new();
    let case = Resource::new_blocking(
        move || {
            (
                params.read().get("id").and_then(|s| s.parse::<i64>().ok()),
                actions.versions(),
            )
        },
        |(id, _)| async move {
            match id {
                Some(id) => get_case(id.into()).await,
                None => Err(AppError::not_found("Case")),
            }
        },
    );
    let done = move || query.read().get("done");
    view! {
        <Title text="Case" />
        <Suspense fallback=|| {
            view! { <p class="muted">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match case.await {
                    Ok(c) => {
                        view! {
                            {done()
                                .map(|d| {
                                    view! {
                                        <p class="alert alert-ok" role="status">
                                            "Decision recorded on case #"
                                            {d}
                                            ". This is your next case."
                                        </p>
                                    }
                                })}
                            <Case c actions />
                        }
                            .into_any()
                    }
                    Err(error) => view! { <ErrorView error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The last note the page shows (0: none): a decision made from this page is refused if a
/// colleague adds one after it.
fn last_note(c: &CaseView) -> i64 {
    c.notes.iter().map(|n| n.id).max().unwrap_or(0)
}

/// The decision that closed the case: final, or confirmed by a second officer.
fn outcome(c: &CaseView) -> Option<DecisionView> {
    c.decisions
        .iter()
        .filter(|d| matches!(d.status.as_str(), "FINAL" | "CONFIRMED"))
        .max_by_key(|d| d.id)
        .cloned()
}

/// What this person typed into `form`'s `field` before the server refused it, if anything.
fn typed(c: &CaseView, form: &str, field: &str) -> Option<String> {
    c.draft
        .as_ref()
        .filter(|d| d.form == form)
        .and_then(|d| d.fields.get(field).cloned())
}

fn when(at: &str) -> String {
    at.replace('T', " ").replace('Z', " UTC")
}

/// Evidence first: why the case is here on top; the checks, photos and the customer's story on
/// the left; what this person can do now on the right (sticky at ≥ 1200 px; below, one column
/// in the same order).
#[component]
fn Case(c: CaseView, actions: Actions) -> impl IntoView {
    let v = &c.verification;
    let id = v.id;
    let title = format!("{} · {}", c.customer.display_name, v.provider.label());
    let closed = v.review_status.is_closed();
    let decided = outcome(&c);
    view! {
        <header class="case-head">
            <p>
                <a href="/">"← Queue"</a>
            </p>
            <h1>
                <a href=format!(
                    "/customers/{}",
                    c.customer.id,
                )>{c.customer.display_name.clone()}</a>
                <span class="muted">" · " {v.provider.label()} " · case #" {id}</span>
            </h1>
            <div class="status-line">
                <span>
                    "Upstream: "
                    <UpstreamBadge status=v.upstream_status raw=v.upstream_status_raw.clone() /> " "
                    <code title="as the provider sent it">{v.upstream_status_raw.clone()}</code>
                </span>
                <span>"Review: " <ReviewBadge status=v.review_status /></span>
                <span>
                    "Assignee: "
                    <strong>{c.assignee.clone().unwrap_or_else(|| "nobody".into())}</strong>
                </span>
                <span class="muted small">
                    "version " {v.version} " · read "
                    {when(&v.last_polled_at.clone().unwrap_or_default())}
                </span>
                {c
                    .console_url
                    .clone()
                    .map(|href| {
                        view! {
                            <a href=href target="_blank" rel="noopener noreferrer">
                                {format!("Open in {}'s console ↗", v.provider.label())}
                            </a>
                        }
                    })}
            </div>
            {match decided {
                Some(d) => view! { <Outcome d c=c.clone() /> }.into_any(),
                None if !closed => {
                    view! {
                        <p class="why" id="why">
                            <strong>"Why this case needs review: "</strong>
                            {c.why.join(" · ")}
                        </p>
                    }
                        .into_any()
                }
                None => ().into_any(),
            }}
        </header>
        {(c.sanctions_hit && !closed)
            .then(|| {
                view! {
                    <p class="alert alert-error" role="alert">
                        <strong>"Sanctions / PEP / AML hit."</strong>
                        " Deciding needs two compliance officers: one proposes, a different one confirms."
                    </p>
                }
            })}
        {(c.upstream_failed && !c.sanctions_hit && !closed)
            .then(|| {
                view! {
                    <p class="alert">
                        "The provider failed this verification: approving it overrides that and needs two compliance officers."
                    </p>
                }
            })}
        <div class="case-grid">
            <div class="case-evidence">
                <Evidence c=c.clone() actions />
                <Retriggers c=c.clone() actions />
                <EarlierResults c=c.clone() />
                <History c=c.clone() />
                <Pushes c=c.clone() actions />
                <CustomerCard c=c.clone() />
            </div>
            <aside class="case-panel" aria-label="What you can do">
                <ClaimBar c=c.clone() actions />
                {c
                    .proposal
                    .clone()
                    .map(|p| {
                        view! { <Proposal p can_second=c.can.second c=c.clone() actions /> }
                    })}
                {(c.can.decide || c.can.escalate)
                    .then(|| view! { <DecisionForm c=c.clone() actions /> })}
                {c
                    .can
                    .decide_blocked
                    .clone()
                    .filter(|_| !c.can.decide && !c.can.escalate && c.proposal.is_none())
                    .map(|why| view! { <p class="muted">{why}</p> })}
                <Notes c=c.clone() actions />
            </aside>
        </div>
        <p class="visually-hidden" aria-live="polite">
            {title}
        </p>
    }
}

/// A closed case says what happened: the decision, who proposed and who confirmed it (with
/// their notes and times), and where it stands upstream.
#[component]
fn Outcome(d: DecisionView, c: CaseView) -> impl IntoView {
    let push = c
        .pushes
        .iter()
        .filter(|p| p.kind == "decision")
        .max_by_key(|p| p.id)
        .map(|p| match p.state.as_str() {
            "DONE" => "sent to the provider".to_string(),
            "FAILED" => "sending to the provider failed (see Upstream)".to_string(),
            _ => "on its way to the provider".to_string(),
        })
        .unwrap_or_else(|| c.push_policy.clone());
    let who = match &d.second_by {
        Some(second) => format!("proposed by {}, confirmed by {second}", d.by),
        None => format!("by {}", d.by),
    };
    let verdict = match d.kind {
        DecisionKind::Approve => "Approved",
        DecisionKind::Decline => "Declined",
    };
    view! {
        <section class="card outcome" aria-labelledby="outcome-title">
            <h2 id="outcome-title">{format!("{verdict} — {} — {who}", d.reason)}</h2>
            <p class="muted small">"Upstream: " {push}</p>
            <dl class="summary">
                <dt>{d.by.clone()} " · " {when(&d.at)}</dt>
                <dd>
                    <blockquote class="note-body">{d.note.clone()}</blockquote>
                </dd>
                {d
                    .second_by
                    .clone()
                    .map(|s| {
                        view! {
                            <dt>{s} " · " {when(&d.second_at.clone().unwrap_or_default())}</dt>
                            <dd>
                                <blockquote class="note-body">
                                    {d.second_note.clone().unwrap_or_default()}
                                </blockquote>
                            </dd>
                        }
                    })}
            </dl>
        </section>
    }
}

/// The checks, the provider's reasons, the photos and the raw payload (masked until a reveal).
#[component]
fn Evidence(c: CaseView, actions: Actions) -> impl IntoView {
    view! {
        <section aria-labelledby="checks-title">
            <h2 id="checks-title">"Checks"</h2>
            {if c.pii_revealed {
                view! {
                    <p class="muted small">
                        <span class="badge badge-warn">"revealed"</span>
                        " Personal data is shown in full."
                    </p>
                }
                    .into_any()
            } else {
                view! { <Reveal c=c.clone() actions /> }.into_any()
            }}
            {(!c.verification.failure_reasons.is_empty())
                .then(|| {
                    view! {
                        <ul class="failure-reasons">
                            {c
                                .verification
                                .failure_reasons
                                .iter()
                                .map(|r| {
                                    view! {
                                        <li>
                                            <ProviderWords raw=r.clone() />
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    }
                })}
            <SanctionsHits checks=c.verification.checks.clone() />
            <CheckGroups checks=c.verification.checks.clone() />
            {(!c.media.is_empty()).then(|| view! { <Photos c=c.clone() /> })}
            <details class="snapshot">
                <summary>
                    {if c.pii_revealed {
                        "Raw upstream payload (redacted)"
                    } else {
                        "Raw upstream payload (redacted; personal values masked)"
                    }}
                </summary>
                <pre>{c.snapshot.clone()}</pre>
            </details>
        </section>
    }
}

/// This provider's earlier results for the same reference (Eclipse's ratify history), newest
/// first, as the provider sent them.
#[component]
fn EarlierResults(c: CaseView) -> impl IntoView {
    if c.earlier.is_empty() {
        return ().into_any();
    }
    let provider = c.verification.provider.label();
    view! {
        <section aria-labelledby="earlier-title">
            <h2 id="earlier-title">{format!("Earlier {provider} results")}</h2>
            <ol class="timeline">
                {c
                    .earlier
                    .into_iter()
                    .map(|e| {
                        let failed = if e.failed_checks.is_empty() {
                            String::new()
                        } else {
                            format!(" · failed: {}", e.failed_checks.join(", "))
                        };
                        view! {
                            <li>
                                <span class="muted small">
                                    {e.updated_at.as_deref().map(when).unwrap_or_default()}
                                </span>
                                " "
                                <UpstreamBadge status=e.status raw=e.status_raw />
                                {failed}
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
        </section>
    }
    .into_any()
}

/// The customer's other verifications, newest first, each linked.
#[component]
fn History(c: CaseView) -> impl IntoView {
    if c.others.is_empty() {
        return ().into_any();
    }
    let mut others = c.others.clone();
    others.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
    view! {
        <section aria-labelledby="history-title">
            <h2 id="history-title">"Other verifications of this customer"</h2>
            <ol class="timeline">
                {others
                    .into_iter()
                    .map(|o| {
                        view! {
                            <li>
                                <span class="muted small">{when(&o.created_at)}</span>
                                " "
                                <a href=format!(
                                    "/cases/{}",
                                    o.id,
                                )>{o.provider.label()} " · case #" {o.id}</a>
                                " "
                                <UpstreamBadge status=o.upstream_status />
                                " "
                                <ReviewBadge status=o.review_status />
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
        </section>
    }
    .into_any()
}

#[component]
fn CustomerCard(c: CaseView) -> impl IntoView {
    view! {
        <section aria-labelledby="customer-title">
            <h2 id="customer-title">"Customer"</h2>
            <dl class="summary">
                <dt>"External id"</dt>
                <dd>
                    <code>{c.customer.external_id.clone()}</code>
                </dd>
                <dt>"E-mail"</dt>
                <dd>
                    {c.customer.email.clone().unwrap_or_else(|| "—".into())}
                    {(!c.pii_revealed && c.customer.email.is_some())
                        .then(|| {
                            view! {
                                " "
                                <a href="#reveal">"reveal"</a>
                            }
                        })}
                </dd>
                <dt>"Country"</dt>
                <dd>{c.customer.country.clone().unwrap_or_else(|| "—".into())}</dd>
            </dl>
        </section>
    }
}

#[component]
fn ClaimBar(c: CaseView, actions: Actions) -> impl IntoView {
    let id = c.verification.id;
    let version = c.verification.version;
    let claim_error = action_error(actions.claim);
    let release_error = action_error(actions.release);
    let assign_error = action_error(actions.assign);
    view! {
        <div class="action-bar">
            <FormAlert error=claim_error />
            <FormAlert error=release_error />
            <FormAlert error=assign_error />
            {c
                .can
                .claim
                .then(|| {
                    view! {
                        <ActionForm action=actions.claim attr:class="inline">
                            <input type="hidden" name="id" value=id />
                            <input type="hidden" name="version" value=version />
                            <button type="submit" class="button-primary" data-shortcut="c">
                                "Claim (c)"
                            </button>
                        </ActionForm>
                    }
                })}
            {c
                .can
                .release
                .then(|| {
                    view! {
                        <ActionForm action=actions.release attr:class="inline">
                            <input type="hidden" name="id" value=id />
                            <input type="hidden" name="version" value=version />
                            <button type="submit">"Release"</button>
                        </ActionForm>
                    }
                })}
            {c
                .can
                .assign
                .then(|| {
                    view! {
                        <ActionForm action=actions.assign attr:class="inline">
                            <input type="hidden" name="id" value=id />
                            <input type="hidden" name="version" value=version />
                            <label for="assignee">"Assign to "</label>
                            <select id="assignee" name="assignee">
                                {c
                                    .assignable
                                    .iter()
                                    .map(|a| {
                                        view! {
                                            <option
                                                value=a.user_id
                                                selected=Some(a.user_id) == c.assignee_id
                                            >
                                                {a.label.clone()}
                                            </option>
                                        }
                                    })
                                    .collect_view()}
                            </select>
                            " "
                            <button type="submit">"Assign"</button>
                        </ActionForm>
                    }
                })}
        </div>
    }
    .into_any()
}

#[component]
fn DecisionForm(c: CaseView, actions: Actions) -> impl IntoView {
    let id = c.verification.id;
    let version = c.verification.version;
    let error = action_error(actions.decide);
    let escalate_error = action_error(actions.escalate);
    let proposing = c.can.propose;
    let seen_note = last_note(&c);
    let kind = typed(&c, "decide", "decision");
    let reason = typed(&c, "decide", "reason");
    let note = typed(&c, "decide", "note");
    let escalate_note = typed(&c, "escalate", "note");
    let must_escalate = !c.can.decide;
    view! {
        <section class="card decision" aria-labelledby="decision-title">
            <h2 id="decision-title">
                {if proposing {
                    "Propose a decision (a second officer confirms)"
                } else {
                    "Decision"
                }}
            </h2>
            {c
                .can
                .decide
                .then(|| {
                    view! {
                        <ActionForm action=actions.decide>
                            <FormAlert error />
                            <input type="hidden" name="id" value=id />
                            <input type="hidden" name="version" value=version />
                            <input type="hidden" name="last_note" value=seen_note />
                            <fieldset class="segmented" aria-describedby="decision-error">
                                <legend>"Decision"</legend>
                                <label>
                                    <input
                                        type="radio"
                                        name="decision"
                                        value="approve"
                                        required
                                        data-shortcut="a"
                                        checked=kind.as_deref() == Some("approve")
                                    />
                                    "Approve (a)"
                                </label>
                                <label>
                                    <input
                                        type="radio"
                                        name="decision"
                                        value="decline"
                                        required
                                        data-shortcut="d"
                                        checked=kind.as_deref() == Some("decline")
                                    />
                                    "Decline (d)"
                                </label>
                            </fieldset>
                            <FieldError error name="decision" />
                            <div class="field">
                                <label for="reason">"Reason"</label>
                                <select
                                    id="reason"
                                    name="reason"
                                    required
                                    aria-invalid=invalid(error, "reason")
                                    aria-describedby="reason-error"
                                >
                                    <option value="">"Choose a reason…"</option>
                                    // With JavaScript, choosing approve or decline leaves only
                                    // its group (`FormHelpers`).
                                    <optgroup label="Approve" data-kind="approve">
                                        {reason_options(DecisionKind::Approve, reason.as_deref())}
                                    </optgroup>
                                    <optgroup label="Decline" data-kind="decline">
                                        {reason_options(DecisionKind::Decline, reason.as_deref())}
                                    </optgroup>
                                </select>
                                <FieldError error name="reason" />
                            </div>
                            <div class="field wide">
                                <label for="decision-note">"Note (what you checked and why)"</label>
                                <textarea
                                    id="decision-note"
                                    name="note"
                                    rows="4"
                                    required
                                    minlength="10"
                                    maxlength="4000"
                                    aria-invalid=invalid(error, "note")
                                    aria-describedby="note-error"
                                >
                                    {note.clone()}
                                </textarea>
                                <FieldError error name="note" />
                            </div>
                            <button
                                type="submit"
                                class="button-primary"
                                disabled=move || actions.decide.pending().get()
                            >
                                {if proposing { "Propose" } else { "Record decision" }}
                            </button>
                        </ActionForm>
                    }
                })}
            {c
                .can
                .escalate
                .then(|| {
                    view! {
                        <ActionForm action=actions.escalate attr:class="escalate">
                            <FormAlert error=escalate_error />
                            <input type="hidden" name="id" value=id />
                            <input type="hidden" name="version" value=version />
                            <p class="hint">
                                {if must_escalate {
                                    "This case needs two compliance officers. Hand it to them with a note."
                                } else {
                                    "Not sure? Hand the case to the compliance officers with a note."
                                }}
                            </p>
                            <div class="field wide">
                                <label for="escalate-note">"Escalation note"</label>
                                <textarea
                                    id="escalate-note"
                                    name="note"
                                    rows="3"
                                    required
                                    minlength="10"
                                    maxlength="4000"
                                    aria-describedby="escalate-note-error"
                                >
                                    {escalate_note.clone()}
                                </textarea>
                                <FieldError error=escalate_error name="note" />
                            </div>
                            <button type="submit">"Escalate to compliance officers"</button>
                        </ActionForm>
                    }
                })}
        </section>
    }
    .into_any()
}

#[component]
fn Proposal(p: DecisionView, can_second: bool, c: CaseView, actions: Actions) -> impl IntoView {
    let id = c.verification.id;
    let version = c.verification.version;
    let seen_note = last_note(&c);
    let note = typed(&c, "second", "note");
    let error = action_error(actions.second);
    view! {
        <section class="card proposal" aria-labelledby="proposal-title">
            <h2 id="proposal-title">"Waiting for a second compliance officer"</h2>
            <p>
                <strong>{p.by.clone()}</strong>
                " proposes to "
                <strong>{human(p.kind.as_str())}</strong>
                ": "
                {p.reason.clone()}
                " ("
                {p.at.replace('T', " ").replace('Z', " UTC")}
                ")"
            </p>
            <blockquote class="note-body">{p.note.clone()}</blockquote>
            {can_second
                .then(|| {
                    view! {
                        <ActionForm action=actions.second>
                            <FormAlert error />
                            <input type="hidden" name="id" value=id />
                            <input type="hidden" name="version" value=version />
                            <input type="hidden" name="last_note" value=seen_note />
                            <div class="field wide">
                                <label for="second-note">"Your note"</label>
                                <textarea
                                    id="second-note"
                                    name="note"
                                    rows="3"
                                    required
                                    minlength="10"
                                    maxlength="4000"
                                    aria-describedby="second-note-error"
                                >
                                    {note.clone()}
                                </textarea>
                                <FieldError error name="note" />
                            </div>
                            <button
                                type="submit"
                                name="verdict"
                                value="confirm"
                                class="button-primary"
                            >
                                "Confirm"
                            </button>
                            " "
                            <button type="submit" name="verdict" value="reject">
                                "Reject"
                            </button>
                        </ActionForm>
                    }
                })}
        </section>
    }
    .into_any()
}

#[component]
fn Pushes(c: CaseView, actions: Actions) -> impl IntoView {
    let retry_error = action_error(actions.retry);
    let can_retry = c.can.retry_push;
    let pushes = c.pushes.clone();
    // The decision that closed the case heads the page; here, what came before it.
    let closing = outcome(&c).map(|d| d.id);
    let decisions: Vec<DecisionView> = c
        .decisions
        .iter()
        .filter(|d| Some(d.id) != closing)
        .cloned()
        .collect();
    view! {
        <section aria-labelledby="upstream-title">
            <h2 id="upstream-title">"Upstream"</h2>
            <p class="muted">{c.push_policy.clone()}</p>
            <FormAlert error=retry_error />
            {(!pushes.is_empty())
                .then(move || {
                    view! {
                        <table class="table pushes">
                            <thead>
                                <tr>
                                    <th scope="col">"Action"</th>
                                    <th scope="col">"State"</th>
                                    <th scope="col">"Attempts"</th>
                                    <th scope="col">"Details"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {pushes
                                    .into_iter()
                                    .map(|p| view! { <PushRow p can_retry retry=actions.retry /> })
                                    .collect_view()}
                            </tbody>
                        </table>
                    }
                })}
            {(!decisions.is_empty())
                .then(move || {
                    view! {
                        <h3>"Earlier proposals and decisions"</h3>
                        <ul class="decisions">
                            {decisions
                                .into_iter()
                                .map(|d| view! { <DecisionItem d /> })
                                .collect_view()}
                        </ul>
                    }
                })}
        </section>
    }
    .into_any()
}

#[component]
fn Notes(c: CaseView, actions: Actions) -> impl IntoView {
    let error = action_error(actions.note);
    let body = typed(&c, "note", "body");
    let id = c.verification.id;
    view! {
        <section id="notes" aria-labelledby="notes-title">
            <h2 id="notes-title">"Notes"</h2>
            {if c.notes.is_empty() {
                view! { <p class="muted">"No notes yet."</p> }.into_any()
            } else {
                view! {
                    <ol class="notes">
                        {c
                            .notes
                            .iter()
                            .map(|n| {
                                view! {
                                    <li>
                                        <div class="muted small">
                                            {n.author.clone()} " · "
                                            {n.at.replace('T', " ").replace('Z', " UTC")}
                                        </div>
                                        <div class="note-body">{n.body.clone()}</div>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ol>
                }
                    .into_any()
            }}
            {c
                .can
                .note
                .then(|| {
                    view! {
                        <ActionForm action=actions.note>
                            <FormAlert error />
                            <input type="hidden" name="id" value=id />
                            <div class="field wide">
                                <label for="note-body">"Add a note (n)"</label>
                                <textarea
                                    id="note-body"
                                    name="body"
                                    rows="3"
                                    required
                                    maxlength="4000"
                                    data-shortcut="n"
                                    aria-describedby="body-error"
                                >
                                    {body.clone()}
                                </textarea>
                                <FieldError error name="body" />
                            </div>
                            <button type="submit">"Add note"</button>
                        </ActionForm>
                    }
                })}
        </section>
    }
    .into_any()
}

#[component]
fn Retriggers(c: CaseView, actions: Actions) -> impl IntoView {
    if c.retriggers.is_empty() {
        return ().into_any();
    }
    let error = action_error(actions.retrigger);
    let id = c.verification.id;
    view! {
        <section class="card retriggers" aria-labelledby="retrigger-title">
            <h2 id="retrigger-title">"Ask the provider again"</h2>
            <FormAlert error />
            {c
                .retriggers
                .into_iter()
                .map(|r| {
                    let field = format!("retrigger-{}", r.action);
                    view! {
                        <ActionForm action=actions.retrigger attr:class="retrigger">
                            <input type="hidden" name="id" value=id />
                            <input type="hidden" name="action" value=r.action.clone() />
                            <h3>{r.label.clone()}</h3>
                            {r.warning.clone().map(|w| view! { <p class="hint">{w}</p> })}
                            {match r.blocked.clone() {
                                Some(why) => view! { <p class="muted">{why}</p> }.into_any(),
                                None => {
                                    view! {
                                        <div class="field wide">
                                            <label for=format!(
                                                "{field}-reason",
                                            )>"Why ask again (for the audit trail)"</label>
                                            <input
                                                id=format!("{field}-reason")
                                                name="reason"
                                                required
                                                minlength="10"
                                                maxlength="500"
                                            />
                                        </div>
                                        {r
                                            .confirm
                                            .then(|| {
                                                view! {
                                                    <label class="confirm">
                                                        <input
                                                            type="checkbox"
                                                            name="confirm"
                                                            value="yes"
                                                            required
                                                        />
                                                        " I understand, do it"
                                                    </label>
                                                }
                                            })}
                                        <button type="submit">{r.label.clone()}</button>
                                    }
                                        .into_any()
                                }
                            }}
                        </ActionForm>
                    }
                })
                .collect_view()}
        </section>
    }
    .into_any()
}

/// Before a reveal: what is masked, and the reveal itself (a reason, recorded in
/// the audit trail; the same reveal as on the customer page).
#[component]
fn Reveal(c: CaseView, actions: Actions) -> impl IntoView {
    let error = action_error(actions.reveal);
    let typed_reason = typed(&c, "reveal", "reason");
    let open = typed_reason.is_some();
    let reason = typed_reason.unwrap_or_else(|| format!("Reviewing case #{}", c.verification.id));
    view! {
        <details class="reveal" id="reveal" open=move || open || error.get().is_some()>
            <summary>"Personal data is masked (•••) here. Reveal it"</summary>
            <ActionForm action=actions.reveal>
                <FormAlert error />
                <input type="hidden" name="customer_id" value=c.customer.id />
                <input type="hidden" name="case_id" value=c.verification.id />
                <div class="field wide">
                    <label for="case-reveal-reason">"Why do you need to see it?"</label>
                    <input
                        id="case-reveal-reason"
                        name="reason"
                        value=reason
                        required
                        minlength="10"
                        maxlength="500"
                        aria-describedby="reason-error"
                    />
                    <FieldError error name="reason" />
                </div>
                <p class="hint">
                    "The e-mail, the photos and the provider's payload, for 10 minutes; your reason is recorded in the audit trail."
                </p>
                <button type="submit">"Reveal personal data"</button>
            </ActionForm>
        </details>
    }
}

/// The provider's photos of this case: fetched through the media proxy,
/// only once the customer's personal data is revealed.
#[component]
fn Photos(c: CaseView) -> impl IntoView {
    let count = c.media.len();
    view! {
        <section class="photos" aria-labelledby="photos-title">
            <h3 id="photos-title">"Photos"</h3>
            {if c.pii_revealed {
                view! {
                    <ul class="photo-list">
                        {c
                            .media
                            .into_iter()
                            .map(|m| {
                                let url = m.url.unwrap_or_default();
                                let full = url.clone();
                                view! {
                                    <li>
                                        <figure>
                                            <a
                                                href=full
                                                target="_blank"
                                                rel="noopener"
                                                title="Open full size"
                                            >
                                                <img src=url alt=m.label.clone() loading="lazy" />
                                            </a>
                                            <figcaption>{m.label}</figcaption>
                                        </figure>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
            } else {
                view! {
                    <p class="muted">
                        {format!(
                            "{count} photo(s) from the provider, hidden with the customer's personal data. ",
                        )} <a href="#reveal">"Reveal it"</a>
                        " (with a reason, recorded) to see them here."
                    </p>
                }
                    .into_any()
            }}
        </section>
    }
}

/// The reasons of one kind of decision, as `<option>`s (`chosen` selected).
fn reason_options(kind: DecisionKind, chosen: Option<&str>) -> impl IntoView {
    REASONS
        .iter()
        .filter(|r| r.kind == kind)
        .map(|r| {
            view! {
                <option value=r.code selected=chosen == Some(r.code)>
                    {r.label}
                </option>
            }
        })
        .collect_view()
}

/// One upstream action of the case: its state, what came back, and (for an
/// officer, when it failed) a retry.
#[component]
fn PushRow(p: PushView, can_retry: bool, retry: ServerAction<RetryPush>) -> impl IntoView {
    let (state, tone) = match p.state.as_str() {
        "DONE" => ("pushed", "badge-ok"),
        "FAILED" => ("failed", "badge-bad"),
        "SENDING" => ("sending", "badge-info"),
        _ => ("pending", "badge-info"),
    };
    let error = p.last_error.clone().filter(|_| state != "pushed").map(|e| {
        let code = e.code.map(|c| {
            view! {
                " · code "
                <code>{c}</code>
            }
        });
        let trace = e.trace_id.map(|t| {
            view! {
                " · trace "
                <code>{t}</code>
            }
        });
        view! { <span class="small">{e.message} {code} {trace}</span> }
    });
    let next_try = p
        .next_attempt_at
        .clone()
        .filter(|_| state == "pending")
        .map(|t| {
            let when = t.replace('T', " ").replace('Z', " UTC");
            view! { <span class="muted small">" next try " {when}</span> }
        });
    let retry = (can_retry && state == "failed").then(|| {
        view! {
            <ActionForm action=retry attr:class="inline">
                <input type="hidden" name="outbox_id" value=p.id />
                <button type="submit">"Retry"</button>
            </ActionForm>
        }
    });
    view! {
        <tr>
            <td>{human(&p.kind)}</td>
            <td>
                <span class=format!("badge {tone}")>{state}</span>
            </td>
            <td>{p.attempts}</td>
            <td>{p.result.clone()} {error} {next_try} {retry}</td>
        </tr>
    }
}

/// One decision (final, proposed, confirmed …) with its note.
#[component]
fn DecisionItem(d: DecisionView) -> impl IntoView {
    let at = d.at.replace('T', " ").replace('Z', " UTC");
    let second = d.second_by.clone().map(|s| {
        view! {
            " · second: "
            {s}
        }
    });
    view! {
        <li>
            <strong>{human(d.kind.as_str())}</strong>
            " — "
            {d.reason.clone()}
            " · "
            {human(&d.status)}
            " · by "
            {d.by.clone()}
            " at "
            {at}
            {second}
            <blockquote class="note-body">{d.note.clone()}</blockquote>
        </li>
    }
}
