//! Status and outcome badges: colour plus text, never colour alone.

use crate::domain::verification::{CheckOutcome, ReviewStatus, UpstreamStatus};
use leptos::prelude::*;

fn tone_upstream(s: UpstreamStatus) -> &'static str {
    use UpstreamStatus::*;
    match s {
        Passed | Approved => "badge-ok",
        Failed | Declined | Error => "badge-bad",
        NeedsReview | InUpstreamReview | AwaitingInput => "badge-warn",
        Unknown | Expired | Cancelled => "badge-muted",
        NotStarted | InProgress | Processing => "badge-info",
    }
}

fn tone_review(s: ReviewStatus) -> &'static str {
    use ReviewStatus::*;
    match s {
        Approved => "badge-ok",
        Declined => "badge-bad",
        PendingSecondApproval | Escalated | InReview => "badge-warn",
        Unreviewed => "badge-info",
        Superseded => "badge-muted",
    }
}

fn tone_outcome(o: CheckOutcome) -> &'static str {
    match o {
        CheckOutcome::Passed => "badge-ok",
        CheckOutcome::Failed | CheckOutcome::Error => "badge-bad",
        CheckOutcome::Pending => "badge-info",
        CheckOutcome::NotRun | CheckOutcome::Unknown => "badge-muted",
    }
}

pub fn human(s: &str) -> String {
    let lower = s.replace('_', " ").to_lowercase();
    let mut c = lower.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[component]
pub fn UpstreamBadge(
    status: UpstreamStatus,
    #[prop(optional, into)] raw: Option<String>,
) -> impl IntoView {
    let title = raw.map(|r| format!("Upstream said: {r}"));
    view! {
        <span class=format!("badge {}", tone_upstream(status)) title=title>
            {human(status.as_str())}
        </span>
    }
}

#[component]
pub fn ReviewBadge(status: ReviewStatus) -> impl IntoView {
    view! { <span class=format!("badge {}", tone_review(status))>{human(status.as_str())}</span> }
}

#[component]
pub fn OutcomeBadge(outcome: CheckOutcome) -> impl IntoView {
    let class = format!("badge {}", tone_outcome(outcome));
    view! { <span class=class>{human(outcome.as_str())}</span> }
}
