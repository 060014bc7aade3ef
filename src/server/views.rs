//! Database rows into the DTOs that leave the server (server functions and
//! the JSON API share them).

use super::db::customers::{CustomerRow, RefRow};
use super::db::from_unix_ms;
use super::db::verifications::{CheckRow, VerificationRow};
use crate::domain::verification::ScoreScale;
use crate::view::{CheckView, CustomerView, RefView, UpstreamErrorView, VerificationView};

/// RFC 3339, UTC, seconds: `2026-11-22T04:05:06Z`.
pub fn time(ms: i64) -> String {
    from_unix_ms(ms)
        .replace_nanosecond(0)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Parses a stored `last_error` JSON.
pub fn upstream_error(raw: Option<&str>) -> Option<UpstreamErrorView> {
    let v: serde_json::Value = serde_json::from_str(raw?).ok()?;
    let s = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
    Some(UpstreamErrorView {
        message: s("message").unwrap_or_else(|| "upstream error".into()),
        code: s("code"),
        trace_id: s("trace_id"),
        at: v.get("at").and_then(|x| x.as_i64()).map(time),
    })
}

pub fn customer(c: CustomerRow, refs: Vec<RefRow>) -> CustomerView {
    CustomerView {
        id: c.customer_id,
        external_id: c.external_id,
        display_name: c.display_name,
        email: c.email,
        country: c.country,
        refs: refs
            .into_iter()
            .filter_map(|r| {
                Some(RefView {
                    r#ref: serde_json::from_str(&r.details).ok()?,
                    last_polled_at: r.last_polled_at.map(time),
                    last_error: upstream_error(r.last_error.as_deref()),
                })
            })
            .collect(),
        created_at: time(c.created_at),
        updated_at: time(c.updated_at),
    }
}

pub fn check(c: CheckRow) -> CheckView {
    let watch_lists = if c.category == crate::domain::verification::CheckCategory::SanctionsPepAml {
        let said = [c.comment.as_deref(), c.reason.as_deref()];
        let mut lists: Vec<String> = Vec::new();
        for name in said
            .into_iter()
            .flatten()
            .flat_map(crate::domain::verification::lists_named)
        {
            if !lists.iter().any(|l| l == name) {
                lists.push(name.to_string());
            }
        }
        lists
    } else {
        Vec::new()
    };
    CheckView {
        watch_lists,
        category: c.category,
        outcome: c.outcome,
        score_scale: c.score_scale.as_deref().and_then(ScoreScale::parse),
        key: c.check_key,
        name: c.name,
        score: c.score,
        threshold: c.threshold,
        reason: c.reason,
        comment: c.comment,
    }
}

pub fn verification(v: VerificationRow, checks: Vec<CheckRow>) -> VerificationView {
    VerificationView {
        id: v.verification_id,
        customer_id: v.customer_id,
        provider: v.provider,
        upstream_status: v.upstream_status,
        review_status: v.review_status,
        last_error: upstream_error(v.last_error.as_deref()),
        upstream_ref: v.upstream_ref,
        upstream_status_raw: v.upstream_status_raw,
        version: v.version,
        created_at: time(v.created_at),
        updated_at: time(v.updated_at),
        last_polled_at: v.last_polled_at.map(time),
        failure_reasons: failure_reasons(&v.failure_reasons),
        checks: checks.into_iter().map(check).collect(),
    }
}

/// The provider's own reasons for a failure, as stored (`[{code, detail}]`): "CODE: detail".
fn failure_reasons(stored: &str) -> Vec<String> {
    serde_json::from_str::<Vec<serde_json::Value>>(stored)
        .unwrap_or_default()
        .iter()
        .map(|r| {
            let part = |k: &str| r.get(k).and_then(|c| c.as_str()).unwrap_or("").trim();
            match (part("code"), part("detail")) {
                ("", detail) => detail.to_string(),
                (code, "") => code.to_string(),
                (code, detail) => format!("{code}: {detail}"),
            }
        })
        .filter(|s| !s.is_empty())
        .collect()
}

/// Keyset pages read one row more than they show: when that row came back
/// there is a next page, found from the last row shown. Returns the rows
/// to show and the next page's cursor (`cursor` of that last row).
pub fn page_of<T>(
    mut rows: Vec<T>,
    limit: i64,
    cursor: impl Fn(&T) -> String,
) -> (Vec<T>, Option<String>) {
    let limit = usize::try_from(limit).unwrap_or(0);
    if rows.len() <= limit {
        return (rows, None);
    }
    rows.truncate(limit);
    let next = rows.last().map(cursor);
    (rows, next)
}

#[cfg(test)]
mod page_tests {
    use super::page_of;

    #[test]
    fn a_page_read_with_one_row_more_knows_whether_another_follows() {
        let (rows, next) = page_of(vec![1, 2, 3], 2, |r| format!("after {r}"));
        assert_eq!((rows, next.as_deref()), (vec![1, 2], Some("after 2")));
        let (rows, next) = page_of(vec![1, 2], 2, |r| format!("after {r}"));
        assert_eq!((rows, next), (vec![1, 2], None));
        let (rows, next) = page_of(Vec::<i32>::new(), 2, |r| format!("after {r}"));
        assert_eq!((rows, next), (vec![], None));
    }
}
