//! A verification's checks, grouped by category.

use crate::domain::verification::{score_sentence, CheckCategory};
use crate::ui::components::badges::OutcomeBadge;
use crate::view::CheckView;
use leptos::prelude::*;

/// "0.41 of 1.00, needs ≥ 0.85" (or that nobody knows the threshold).
fn score_text(c: &CheckView) -> Option<String> {
    Some(score_sentence(c.score?, c.score_scale, c.threshold))
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
                                    <td>{c.reason.clone()}</td>
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
