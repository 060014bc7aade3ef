//! The manager's metrics: decisions per day, approval and decline rates by
//! provider and reason, time to decision (p50/p90), the open queue by age,
//! SLA breaches and per-reviewer throughput. Decisions count from when they
//! took effect (at once, or when the second officer confirmed them); time to
//! decision runs from when KYC Desk received the case.

use crate::domain::decision::{self, DecisionKind};
use crate::domain::metrics::{percent, percentile, AGING_BUCKETS};
use crate::domain::verification::{Provider, ReviewStatus};
use crate::error::AppError;
use crate::server::db::metrics as db_metrics;
use crate::server::db::unix_ms;
use crate::server::services::audit_log::date;
use crate::server::state::AppState;
use crate::server::views;
use crate::view::{
    AgingBucketView, DayCount, DurationRow, MetricsView, OldCase, OpenCount, RateRow, ReasonCount,
    ReviewerRow, WindowPreset,
};
use futures::TryStreamExt;
use std::collections::{BTreeMap, HashMap};
use time::{Date, Duration};

const DAY_MS: i64 = 86_400_000;
const HOUR_MS: i64 = 3_600_000;
/// The longest window the page computes.
pub const MAX_DAYS: i64 = 366;
/// The window when none is chosen: the last 30 days, today included.
pub const DEFAULT_DAYS: i64 = 30;
/// How many of the oldest cases past the SLA are listed.
const OLDEST_SHOWN: i64 = 10;

/// A window of whole UTC days, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub from: Date,
    pub to: Date,
}

impl Window {
    /// `YYYY-MM-DD` days from a form; blank `to` is today, blank `from` is
    /// 30 days before `to`.
    pub fn parse(
        from: Option<String>,
        to: Option<String>,
        today: Date,
    ) -> Result<Window, AppError> {
        let to = date("to", to)?.unwrap_or(today);
        let from = match date("from", from)? {
            Some(d) => d,
            None => to
                .checked_sub(Duration::days(DEFAULT_DAYS - 1))
                .ok_or_else(|| AppError::validation("to", "Choose a later day."))?,
        };
        if from > to {
            return Err(AppError::validation(
                "from",
                "The first day must not be after the last day.",
            ));
        }
        if (to - from).whole_days() + 1 > MAX_DAYS {
            return Err(AppError::validation(
                "from",
                format!("Choose at most {MAX_DAYS} days."),
            ));
        }
        Ok(Window { from, to })
    }

    pub fn days(&self) -> i64 {
        (self.to - self.from).whole_days() + 1
    }

    fn start_ms(&self) -> i64 {
        unix_ms(self.from.midnight().assume_utc())
    }

    /// The first moment after the window.
    fn end_ms(&self) -> i64 {
        self.start_ms() + self.days() * DAY_MS
    }
}

#[derive(Default)]
struct Tally {
    approved: i64,
    declined: i64,
}

impl Tally {
    fn add(&mut self, kind: &str) {
        if kind == DecisionKind::Approve.as_str() {
            self.approved += 1;
        } else {
            self.declined += 1;
        }
    }
}

#[derive(Default)]
struct Reviewer {
    name: String,
    tally: Tally,
    durations: Vec<i64>,
    confirmations: i64,
}

fn provider_label(p: Provider) -> String {
    p.label().to_string()
}

/// The windows offered in one click: the last 7, 30 and 90 days up to `today`.
pub fn presets(today: Date) -> Vec<Window> {
    [7, DEFAULT_DAYS, 90]
        .into_iter()
        .filter_map(|days| {
            let from = today.checked_sub(Duration::days(days - 1))?;
            Some(Window { from, to: today })
        })
        .collect()
}

/// Everything the metrics page shows for `window`.
pub async fn summary(st: &AppState, window: Window) -> Result<MetricsView, AppError> {
    let now = st.clock.now_ms();
    let sla_ms = i64::from(st.settings.sla_hours) * HOUR_MS;
    let start = window.start_ms();
    let n_days = window.days();

    let mut days: Vec<Tally> = (0..n_days).map(|_| Tally::default()).collect();
    let mut providers: BTreeMap<Provider, (Tally, Vec<i64>)> = BTreeMap::new();
    let mut reasons: HashMap<String, i64> = HashMap::new();
    let mut all = Tally::default();
    let mut durations: Vec<i64> = Vec::new();
    let mut reviewers: HashMap<i64, Reviewer> = HashMap::new();

    let mut facts = db_metrics::decisions_between(st.db.reader(), start, window.end_ms());
    while let Some(f) = facts.try_next().await? {
        let took = (f.effective_at - f.received_at).max(0);
        if let Some(day) = days.get_mut(((f.effective_at - start) / DAY_MS) as usize) {
            day.add(&f.kind);
        }
        all.add(&f.kind);
        let (tally, times) = providers.entry(f.provider).or_default();
        tally.add(&f.kind);
        times.push(took);
        *reasons.entry(f.reason_code).or_default() += 1;
        durations.push(took);
        let r = reviewers.entry(f.decided_by).or_default();
        r.name = f.decided_by_name;
        r.tally.add(&f.kind);
        r.durations.push(took);
        if let (Some(id), Some(name)) = (f.second_by, f.second_by_name) {
            let r = reviewers.entry(id).or_default();
            r.name = name;
            r.confirmations += 1;
        }
    }
    drop(facts);

    let duration_row = |label: String, mut times: Vec<i64>| {
        times.sort_unstable();
        DurationRow {
            label,
            decisions: times.len() as i64,
            p50_ms: percentile(&times, 50),
            p90_ms: percentile(&times, 90),
            over_sla: times.iter().filter(|t| **t > sla_ms).count() as i64,
        }
    };
    let mut by_provider = Vec::new();
    let mut time_to_decision = vec![duration_row("All providers".into(), durations)];
    for (provider, (tally, times)) in providers {
        by_provider.push(RateRow {
            label: provider_label(provider),
            approved: tally.approved,
            declined: tally.declined,
            approval_rate: percent(tally.approved, tally.approved + tally.declined),
        });
        time_to_decision.push(duration_row(provider_label(provider), times));
    }

    let of_kind = |k: DecisionKind| {
        if k == DecisionKind::Approve {
            all.approved
        } else {
            all.declined
        }
    };
    let mut by_reason: Vec<ReasonCount> = decision::REASONS
        .iter()
        .map(|r| {
            let count = reasons.remove(r.code).unwrap_or(0);
            ReasonCount {
                code: r.code.into(),
                label: r.label.into(),
                kind: r.kind.as_str().into(),
                count,
                share: percent(count, of_kind(r.kind)),
            }
        })
        .collect();
    // Codes outside today's taxonomy (an older release's) still count.
    let mut retired: Vec<_> = reasons.into_iter().collect();
    retired.sort();
    by_reason.extend(retired.into_iter().map(|(code, count)| ReasonCount {
        label: code.clone(),
        code,
        kind: "unknown".into(),
        count,
        share: None,
    }));

    let mut received = vec![0; n_days as usize];
    for (day, count) in db_metrics::received_per_day(st.db.reader(), start, window.end_ms()).await?
    {
        if let Some(r) = received.get_mut(day as usize) {
            *r = count;
        }
    }
    let (mut open_now, mut escalated, mut awaiting_second) = (0, 0, 0);
    let mut open_by: BTreeMap<Provider, i64> = BTreeMap::new();
    for (provider, status, count) in db_metrics::open_now(st.db.reader()).await? {
        open_now += count;
        *open_by.entry(provider).or_default() += count;
        match status {
            ReviewStatus::Escalated => escalated += count,
            ReviewStatus::PendingSecondApproval => awaiting_second += count,
            _ => {}
        }
    }
    let open_by_provider = open_by
        .into_iter()
        .map(|(provider, count)| OpenCount {
            label: provider_label(provider),
            count,
            queue_href: format!("/?view=all&provider={provider}"),
        })
        .collect();
    let failed_pushes = db_metrics::failed_pushes(st.db.reader()).await?;

    let mut aging = Vec::with_capacity(AGING_BUCKETS.len());
    let mut lower = 0;
    for (label, upper) in AGING_BUCKETS {
        let after = (*upper != i64::MAX).then(|| now - upper);
        let count =
            db_metrics::open_received_between(st.db.reader(), after, Some(now - lower)).await?;
        aging.push(AgingBucketView {
            label: (*label).into(),
            count,
            queue_href: format!("/?view=all&age={}", lower / HOUR_MS),
            past_sla: lower >= sla_ms,
        });
        lower = *upper;
    }
    let breach_cut = now - sla_ms - 1;
    let open_over_sla =
        db_metrics::open_received_between(st.db.reader(), None, Some(breach_cut)).await?;
    let oldest_open = db_metrics::oldest_open(st.db.reader(), breach_cut, OLDEST_SHOWN)
        .await?
        .into_iter()
        .map(|r| OldCase {
            id: r.verification_id,
            provider: provider_label(r.provider),
            review_status: r.review_status.to_string(),
            assignee: r.assignee,
            age_ms: now - r.created_at,
        })
        .collect();

    let mut reviewers: Vec<ReviewerRow> = reviewers
        .into_values()
        .map(|mut r| {
            r.durations.sort_unstable();
            let decisions = r.tally.approved + r.tally.declined;
            ReviewerRow {
                name: r.name,
                decisions,
                approved: r.tally.approved,
                declined: r.tally.declined,
                per_day: format!("{:.1}", decisions as f64 / n_days as f64),
                p50_ms: percentile(&r.durations, 50),
                confirmations: r.confirmations,
            }
        })
        .collect();
    reviewers.sort_by(|a, b| {
        (b.decisions + b.confirmations)
            .cmp(&(a.decisions + a.confirmations))
            .then_with(|| a.name.cmp(&b.name))
    });

    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let day_label = |d: Date| d.format(&fmt).unwrap_or_default();
    let today = st.clock.now().date();
    Ok(MetricsView {
        from: day_label(window.from),
        to: day_label(window.to),
        presets: presets(today)
            .into_iter()
            .map(|w| WindowPreset {
                label: format!("Last {} days", w.days()),
                from: day_label(w.from),
                to: day_label(w.to),
            })
            .collect(),
        sla_hours: st.settings.sla_hours,
        open_now,
        escalated,
        awaiting_second,
        failed_pushes,
        open_by_provider,
        generated_at: views::time(now),
        days: days
            .into_iter()
            .enumerate()
            .map(|(i, t)| DayCount {
                day: day_label(window.from + Duration::days(i as i64)),
                received: received.get(i).copied().unwrap_or(0),
                approved: t.approved,
                declined: t.declined,
            })
            .collect(),
        by_provider,
        by_reason,
        time_to_decision,
        aging,
        open_over_sla,
        oldest_open,
        reviewers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 22);

    #[test]
    fn the_default_window_is_the_last_30_days_including_today() {
        let w = Window::parse(None, None, TODAY).expect("window");
        assert_eq!((w.from, w.to, w.days()), (date!(2026 - 10 - 24), TODAY, 30));
    }

    #[test]
    fn a_window_is_whole_days_of_at_most_a_year_in_order() {
        let w = Window::parse(Some("2026-11-01".into()), Some("2026-11-01".into()), TODAY)
            .expect("one day");
        assert_eq!(w.end_ms() - w.start_ms(), DAY_MS);
        assert!(
            Window::parse(Some("2026-11-02".into()), Some("2026-11-01".into()), TODAY).is_err()
        );
        assert!(
            Window::parse(Some("2024-01-01".into()), Some("2026-11-01".into()), TODAY).is_err()
        );
        assert!(Window::parse(Some("1 Nov".into()), None, TODAY).is_err());
    }
}
