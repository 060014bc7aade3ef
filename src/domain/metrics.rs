//! What the metrics page counts, as pure functions: percentiles, the queue's
//! aging buckets and rates.

const HOUR_MS: i64 = 3_600_000;

/// The queue's aging buckets: a label and the upper bound of a case's age
/// (exclusive); the last bucket is open-ended.
pub const AGING_BUCKETS: &[(&str, i64)] = &[
    ("under 4 hours", 4 * HOUR_MS),
    ("4 to 24 hours", 24 * HOUR_MS),
    ("1 to 3 days", 72 * HOUR_MS),
    ("3 to 7 days", 168 * HOUR_MS),
    ("over 7 days", i64::MAX),
];

/// The index of the aging bucket a case of this age falls into.
pub fn aging_bucket(age_ms: i64) -> usize {
    AGING_BUCKETS
        .iter()
        .position(|(_, max)| age_ms < *max)
        .unwrap_or(AGING_BUCKETS.len() - 1)
}

/// The `p`-th percentile (0 < p ≤ 100) of sorted values, by nearest rank:
/// the smallest value with at least p % of the values at or below it.
pub fn percentile(sorted: &[i64], p: u32) -> Option<i64> {
    if sorted.is_empty() || p == 0 || p > 100 {
        return None;
    }
    let rank = (p as usize * sorted.len()).div_ceil(100);
    sorted.get(rank.max(1) - 1).copied()
}

/// `part` of `whole` in whole per cent, rounded; none of nothing.
pub fn percent(part: i64, whole: i64) -> Option<i64> {
    (whole > 0).then(|| (part * 100 + whole / 2) / whole)
}

/// A duration for people: "45 min", "3.5 h", "2.1 days".
pub fn duration_label(ms: i64) -> String {
    let minutes = ms as f64 / 60_000.0;
    if minutes < 90.0 {
        format!("{} min", minutes.round() as i64)
    } else if minutes < 48.0 * 60.0 {
        format!("{:.1} h", minutes / 60.0)
    } else {
        format!("{:.1} days", minutes / 1440.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let v: Vec<i64> = (1..=10).collect();
        assert_eq!(percentile(&v, 50), Some(5));
        assert_eq!(percentile(&v, 90), Some(9));
        assert_eq!(percentile(&v, 100), Some(10));
        assert_eq!(percentile(&[7], 50), Some(7));
        assert_eq!(percentile(&[7], 90), Some(7));
        assert_eq!(percentile(&[], 50), None);
        assert_eq!(percentile(&[1, 2], 0), None);
    }

    #[test]
    fn a_case_falls_into_exactly_one_aging_bucket() {
        assert_eq!(aging_bucket(0), 0);
        assert_eq!(aging_bucket(4 * HOUR_MS - 1), 0);
        assert_eq!(aging_bucket(4 * HOUR_MS), 1);
        assert_eq!(aging_bucket(30 * HOUR_MS), 2);
        assert_eq!(aging_bucket(100 * HOUR_MS), 3);
        assert_eq!(aging_bucket(10_000 * HOUR_MS), 4);
        assert_eq!(aging_bucket(-5), 0, "a clock skew is not a crash");
    }

    #[test]
    fn rates_are_rounded_and_undefined_for_nothing() {
        assert_eq!(percent(1, 3), Some(33));
        assert_eq!(percent(2, 3), Some(67));
        assert_eq!(percent(0, 0), None);
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration_label(45 * 60_000), "45 min");
        assert_eq!(duration_label(3 * HOUR_MS + HOUR_MS / 2), "3.5 h");
        assert_eq!(duration_label(50 * HOUR_MS), "2.1 days");
    }
}
