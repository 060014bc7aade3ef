//! A verification's checks, grouped by category.

use crate::domain::verification::{
    is_code, plain_words, score_sentence, CheckCategory, CheckOutcome,
};
use crate::ui::components::badges::OutcomeBadge;
use crate::view::CheckView;
use leptos::prelude::*;

/// "0.41 of 1.00, needs ≥ 0.85" (or that nobody knows the threshold).
fn score_text(c: &CheckView) -> Option<String> {
    Some(score_sentence(c.score?, c.score_scale, c.threshold))
}

/// A provider's reason: its codes in plain words with the raw code in small type; a sentence
/// the provider wrote for people as it is. "CODE: detail" reads "Words: detail".
#[component]
pub fn ProviderWords(#[prop(into)] raw: String) -> impl IntoView {
    let (code, detail) = match raw.split_once(": ") {
        Some((code, detail)) if is_code(code) => (code.to_string(), Some(detail.to_string())),
        _ if raw.split(',').all(is_code) => (raw.clone(), None),
        _ => return view! { <span>{raw}</span> }.into_any(),
    };
    let words = code
        .split(',')
        .map(plain_words)
        .collect::<Vec<_>>()
        .join("; ");
    view! {
        <span>
            {words} {detail.map(|d| format!(": {d}"))} " " <span class="code-note">{code}</span>
        </span>
    }
    .into_any()
}

/// What the provider sent about a sanctions / PEP hit: each such check that did not pass, with
/// the lists its words name, its words, and its score against the threshold.
#[component]
pub fn SanctionsHits(checks: Vec<CheckView>) -> impl IntoView {
    let hits: Vec<CheckView> = checks
        .into_iter()
        .filter(|c| {
            c.category == CheckCategory::SanctionsPepAml && c.outcome != CheckOutcome::Passed
        })
        .collect();
    if hits.is_empty() {
        return ().into_any();
    }
    let rows = hits
        .into_iter()
        .map(|c| {
            let said = c.comment.clone().or_else(|| c.reason.clone());
            let lists = if c.watch_lists.is_empty() {
                "The provider names no list".to_string()
            } else {
                c.watch_lists.join(", ")
            };
            let score = score_text(&c);
            view! {
                <dt>{c.name.clone()} " " <span class="code-note">{c.key.clone()}</span></dt>
                <dd>
                    <OutcomeBadge outcome=c.outcome />
                    " Lists: "
                    {lists}
                    {said
                        .map(|s| {
                            view! {
                                <br />
                                "The provider says: "
                                <ProviderWords raw=s />
                            }
                        })}
                    {c
                        .reason
                        .clone()
                        .filter(|_| c.comment.is_some())
                        .map(|r| {
                            view! {
                                <br />
                                "Reason: "
                                <ProviderWords raw=r />
                            }
                        })}
                    {score
                        .map(|s| {
                            view! {
                                <br />
                                "Score: "
                                {s}
                            }
                        })}
                </dd>
            }
        })
        .collect_view();
    view! {
        <section class="hit-panel" aria-labelledby="hit-title">
            <h3 id="hit-title">"Watch-list screening hit"</h3>
            <dl class="hits">{rows}</dl>
        </section>
    }
    .into_any()
}

#[component]
pub fn CheckGroups(checks: Vec<CheckView>) -> impl IntoView {
    if checks.is_empty() {
        return view! { <p class="muted">"No per-check results yet."</p> }.into_any();
    }
    let groups = CheckCategory::ALL
        .iter()
        .filter_map(|cat| {
            let mine: Vec<CheckView> = checks
                .iter()
                .filter(|c| c.category == *cat)
                .cloned()
                .collect();
            (!mine.is_empty()).then_some((*cat, mine))
        })
        .map(|(cat, mine)| {
            view! {
                <tbody class="check-group">
                    <tr>
                        <th scope="rowgroup" colspan="5" class="check-category">
                            {cat.label()}
                        </th>
                    </tr>
                    {mine
                        .into_iter()
                        .map(|c| {
                            let score = score_text(&c);
                            view! {
                                <tr>
                                    <td>
                                        {c.name.clone()} <div class="muted small">
                                            <code>{c.key.clone()}</code>
                                        </div>
                                    </td>
                                    <td>
                                        <OutcomeBadge outcome=c.outcome />
                                    </td>
                                    <td>{score}</td>
                                    <td>
                                        {c
                                            .reason
                                            .clone()
                                            .map(|raw| view! { <ProviderWords raw /> })}
                                    </td>
                                    <td>{c.comment.clone()}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            }
        })
        .collect_view();
    view! {
        <table class="table checks">
            <thead>
                <tr>
                    <th scope="col">"Check"</th>
                    <th scope="col">"Outcome"</th>
                    <th scope="col">"Score"</th>
                    <th scope="col">"Reason"</th>
                    <th scope="col">"Comment"</th>
                </tr>
            </thead>
            {groups}
        </table>
    }
    .into_any()
}
