//! The queue: a person's own cases, the unassigned ones, all open ones.

use crate::domain::case;
use crate::domain::choice;
use crate::domain::verification::{
    CategorySet, CheckCategory, Provider, ReviewStatus, UpstreamStatus,
};
use crate::error::AppError;
use crate::server::db::cases::{self as db_cases, Assigned, QueueFilter, Sort};
use crate::server::session::CurrentUser;
use crate::server::state::AppState;
use crate::server::views;
use crate::view::{InboxView, Page, QueueItem};

pub const QUEUE_PAGE: i64 = 50;

/// The queue's query, as the page's GET form sends it.
#[derive(Debug, Default, Clone)]
pub struct QueueQuery {
    /// `mine` (default), `unassigned` (only cases ready for review unless an upstream status is
    /// asked for), `escalated`, `awaiting` (proposals by others, for a second approval), `all`.
    pub view: Option<String>,
    pub provider: Option<String>,
    pub upstream: Option<String>,
    /// A review status, or empty for every open case.
    pub review: Option<String>,
    /// A check category that failed.
    pub category: Option<String>,
    /// Older than this many hours.
    pub age: Option<String>,
    /// `age` (oldest first, default) or `updated`.
    pub sort: Option<String>,
    /// The officer filter: a user id.
    pub assignee: Option<String>,
}

impl QueueQuery {
    pub fn filter(&self, me: &CurrentUser, now: i64) -> Result<QueueFilter, AppError> {
        let bad = |f: &str, m: &str| AppError::validation(f, m);
        let view = crate::domain::filled(&self.view).unwrap_or("mine");
        let (assigned, in_status) = match (crate::domain::filled(&self.assignee), view) {
            (Some(id), _) => (
                Assigned::To(
                    id.parse()
                        .map_err(|_| bad("assignee", "Choose a person."))?,
                ),
                None,
            ),
            (None, "mine") => (Assigned::To(me.user_id), None),
            (None, "unassigned") => (Assigned::Nobody, None),
            (None, "escalated") => (Assigned::Anyone, Some(ReviewStatus::Escalated)),
            (None, "awaiting") => (
                Assigned::NotTo(me.user_id),
                Some(ReviewStatus::PendingSecondApproval),
            ),
            (None, "all") => (Assigned::Anyone, None),
            (None, _) => {
                return Err(bad(
                    "view",
                    "Choose mine, unassigned, escalated, awaiting or all.",
                ))
            }
        };
        let provider = choice(&self.provider, Provider::parse)
            .map_err(|_| bad("provider", "Unknown provider."))?;
        let upstream_status = choice(&self.upstream, UpstreamStatus::parse)
            .map_err(|_| bad("upstream", "Unknown status."))?;
        let review_status = choice(&self.review, ReviewStatus::parse)
            .map_err(|_| bad("review", "Unknown status."))?
            .or(in_status);
        let failed_bit = match crate::domain::filled(&self.category) {
            None => None,
            Some(c) => {
                let cat =
                    CheckCategory::parse(c).ok_or_else(|| bad("category", "Unknown category."))?;
                Some(CategorySet::bit(cat))
            }
        };
        let created_before = match crate::domain::filled(&self.age) {
            None => None,
            Some(h) => {
                let hours: i64 = h
                    .parse()
                    .map_err(|_| bad("age", "Enter a number of hours."))?;
                if !(0..=24 * 365).contains(&hours) {
                    return Err(bad("age", "Enter a number of hours."));
                }
                Some(now - hours * 3_600_000)
            }
        };
        let sort = match crate::domain::filled(&self.sort) {
            None | Some("age") => Sort::Age,
            Some("updated") => Sort::Updated,
            Some(_) => return Err(bad("sort", "Sort by age or by update.")),
        };
        Ok(QueueFilter {
            assigned,
            provider,
            upstream_status,
            review_status,
            failed_bit,
            created_before,
            // The unassigned inbox offers what can be decided now, unless asked for a status.
            ready_only: view == "unassigned" && upstream_status.is_none(),
            sort,
        })
    }
}

/// "45 min", "3 h", "2 d".
pub fn age(now: i64, then: i64) -> String {
    let mins = ((now - then).max(0)) / 60_000;
    match mins {
        0..=59 => format!("{mins} min"),
        60..=2879 => format!("{} h", mins / 60),
        _ => format!("{} d", mins / 1440),
    }
}

pub async fn queue(
    st: &AppState,
    me: &CurrentUser,
    q: &QueueQuery,
    after: Option<&str>,
) -> Result<Page<QueueItem>, AppError> {
    let now = st.clock.now_ms();
    let filter = q.filter(me, now)?;
    let after = match after.map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(c) => {
            let (a, b) = c
                .split_once('.')
                .ok_or_else(|| AppError::validation("after", "Bad page cursor."))?;
            Some((
                a.parse()
                    .map_err(|_| AppError::validation("after", "Bad page cursor."))?,
                b.parse()
                    .map_err(|_| AppError::validation("after", "Bad page cursor."))?,
            ))
        }
    };
    let rows = db_cases::queue(st.db.reader(), &filter, after, QUEUE_PAGE + 1).await?;
    let (rows, next_cursor) = views::page_of(rows, QUEUE_PAGE, |r| {
        let key = if filter.sort == Sort::Age {
            r.created_at
        } else {
            r.updated_at
        };
        format!("{key}.{}", r.verification_id)
    });
    let items = rows
        .into_iter()
        .map(|r| QueueItem {
            id: r.verification_id,
            customer_id: r.customer_id,
            customer: r.display_name,
            provider: r.provider,
            upstream_status: r.upstream_status,
            upstream_status_raw: r.upstream_status_raw,
            review_status: r.review_status,
            failed: CategorySet(r.failed_checks).categories(),
            assignee: r.assignee_name,
            push_state: r.push_state,
            created_at: views::time(r.created_at),
            updated_at: views::time(r.updated_at),
            age: age(now, r.created_at),
        })
        .collect();
    Ok(Page { items, next_cursor })
}

/// The next open case for this person after `id`: their own first, then an
/// unassigned one they may claim.
pub async fn next_case(
    st: &AppState,
    me: &CurrentUser,
    after_id: i64,
) -> Result<Option<i64>, AppError> {
    let now = st.clock.now_ms();
    for view in ["mine", "unassigned"] {
        let q = QueueQuery {
            view: Some(view.into()),
            ..QueueQuery::default()
        };
        let filter = q.filter(me, now)?;
        let rows = db_cases::queue(st.db.reader(), &filter, None, 50).await?;
        if let Some(r) = rows.into_iter().find(|r| {
            r.verification_id != after_id
                && case::ready_for_review(r.upstream_status)
                && (r.review_status == ReviewStatus::InReview
                    || case::may_claim(me.role, r.review_status).is_ok())
        }) {
            return Ok(Some(r.verification_id));
        }
    }
    Ok(None)
}

/// The most an inbox counts ("99+" beyond).
pub const INBOX_CAP: i64 = 100;

/// How many cases wait in each of this person's inboxes; the officers' ones only for officers.
pub async fn inbox(st: &AppState, me: &CurrentUser) -> Result<InboxView, AppError> {
    let n = db_cases::inbox_counts(st.db.reader(), me.user_id, INBOX_CAP).await?;
    let officer = me.role.can(crate::domain::Permission::SuperviseCases);
    let (escalated, awaiting_me) = (
        officer.then_some(n.escalated),
        officer.then_some(n.awaiting_me),
    );
    Ok(InboxView {
        mine: n.mine,
        unassigned: n.unassigned,
        escalated,
        awaiting_me,
        cap: INBOX_CAP,
        landing: crate::domain::case::landing_view(awaiting_me, escalated).to_string(),
    })
}
