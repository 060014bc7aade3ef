//! The normalized model every provider maps into (see `server/providers/README.md`).
//! Upstream status and our review status are two independent axes.

use serde::{Deserialize, Serialize};

string_enum! {
    /// The four upstream KYC providers.
    Provider {
        Eclipse = "eclipse",
        BiometricKz = "biometric_kz",
        Ident = "ident",
        Width = "width",
    }
}

impl Provider {
    pub fn label(self) -> &'static str {
        match self {
            Provider::Eclipse => "Eclipse",
            Provider::BiometricKz => "biometric.kz",
            Provider::Ident => "Provide ident",
            Provider::Width => "WIDTH",
        }
    }
}

string_enum! {
    /// The upstream's verdict, normalized. Only the upstream changes it.
    UpstreamStatus {
        NotStarted = "NOT_STARTED",
        InProgress = "IN_PROGRESS",
        AwaitingInput = "AWAITING_INPUT",
        Processing = "PROCESSING",
        NeedsReview = "NEEDS_REVIEW",
        InUpstreamReview = "IN_UPSTREAM_REVIEW",
        Passed = "PASSED",
        Failed = "FAILED",
        Approved = "APPROVED",
        Declined = "DECLINED",
        Error = "ERROR",
        Cancelled = "CANCELLED",
        Expired = "EXPIRED",
        Unknown = "UNKNOWN",
    }
}

string_enum! {
    /// Our reviewers' verdict. Only our reviewers change it.
    ReviewStatus {
        Unreviewed = "UNREVIEWED",
        InReview = "IN_REVIEW",
        PendingSecondApproval = "PENDING_SECOND_APPROVAL",
        Approved = "APPROVED",
        Declined = "DECLINED",
        Escalated = "ESCALATED",
        Superseded = "SUPERSEDED",
    }
}

string_enum! {
    /// What a check is about.
    CheckCategory {
        IdentityDocument = "IDENTITY_DOCUMENT",
        DataMatch = "DATA_MATCH",
        FaceMatch = "FACE_MATCH",
        Liveness = "LIVENESS",
        SanctionsPepAml = "SANCTIONS_PEP_AML",
        InternalWatchlist = "INTERNAL_WATCHLIST",
        GovernmentRegistry = "GOVERNMENT_REGISTRY",
        ContactVerification = "CONTACT_VERIFICATION",
        DuplicateDetection = "DUPLICATE_DETECTION",
        DeviceIp = "DEVICE_IP",
        QuestionnaireForm = "QUESTIONNAIRE_FORM",
        DigitalSignature = "DIGITAL_SIGNATURE",
        Other = "OTHER",
    }
}

string_enum! {
    /// How one check came out.
    CheckOutcome {
        Passed = "PASSED",
        Failed = "FAILED",
        Pending = "PENDING",
        NotRun = "NOT_RUN",
        Error = "ERROR",
        Unknown = "UNKNOWN",
    }
}

string_enum! {
    /// The range a score lives in.
    ScoreScale {
        /// 0..1 (biometric.kz predictions, Vouched confidences).
        Unit = "0-1",
        /// 0..100 (AWS liveness).
        Percent = "0-100",
        /// Whatever the upstream sent, scale unknown (Eclipse `score`).
        Raw = "raw",
    }
}

impl ReviewStatus {
    /// Decided (or replaced by a newer verification): nothing is left to do on the case.
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            ReviewStatus::Approved | ReviewStatus::Declined | ReviewStatus::Superseded
        )
    }
}

impl CheckCategory {
    pub fn label(self) -> &'static str {
        match self {
            CheckCategory::IdentityDocument => "Identity document",
            CheckCategory::DataMatch => "Data match",
            CheckCategory::FaceMatch => "Face match",
            CheckCategory::Liveness => "Liveness",
            CheckCategory::SanctionsPepAml => "Sanctions / PEP / AML",
            CheckCategory::InternalWatchlist => "Internal watchlist",
            CheckCategory::GovernmentRegistry => "Government registry",
            CheckCategory::ContactVerification => "Contact verification",
            CheckCategory::DuplicateDetection => "Duplicate detection",
            CheckCategory::DeviceIp => "Device / IP",
            CheckCategory::QuestionnaireForm => "Questionnaire / form",
            CheckCategory::DigitalSignature => "Digital signature",
            CheckCategory::Other => "Other",
        }
    }
}

/// A set of check categories in one integer, a bit per category (bit i is
/// `CheckCategory::ALL[i]`): how a case stores which categories failed, so
/// the queue can filter on one with an index.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CategorySet(pub i64);

impl CategorySet {
    /// The bit of one category.
    pub fn bit(c: CheckCategory) -> i64 {
        CheckCategory::ALL
            .iter()
            .position(|k| *k == c)
            .map_or(0, |i| 1i64 << i)
    }

    pub fn of(categories: impl IntoIterator<Item = CheckCategory>) -> CategorySet {
        CategorySet(
            categories
                .into_iter()
                .fold(0, |bits, c| bits | Self::bit(c)),
        )
    }

    /// The categories of the checks that failed.
    pub fn failed(checks: &[Check]) -> CategorySet {
        Self::of(
            checks
                .iter()
                .filter(|c| c.outcome == CheckOutcome::Failed)
                .map(|c| c.category),
        )
    }

    pub fn contains(self, c: CheckCategory) -> bool {
        self.0 & Self::bit(c) != 0
    }

    /// The categories in the set, in `CheckCategory::ALL`'s order.
    pub fn categories(self) -> Vec<CheckCategory> {
        CheckCategory::ALL
            .iter()
            .copied()
            .filter(|c| self.contains(*c))
            .collect()
    }
}

/// One per-check result, normalized.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    /// The upstream's own key, e.g. `sanctionsListCheck`, `liveness_result`,
    /// `vouched:FaceMatchError`, `node:flow_action_liveness_test`.
    pub key: String,
    /// A display name.
    pub name: String,
    pub category: CheckCategory,
    pub outcome: CheckOutcome,
    pub score: Option<f64>,
    pub score_scale: Option<ScoreScale>,
    pub threshold: Option<f64>,
    /// A reason code (e.g. a failure type).
    pub reason: Option<String>,
    /// Free text from the upstream.
    pub comment: Option<String>,
}

impl Check {
    pub fn new(
        key: impl Into<String>,
        name: impl Into<String>,
        category: CheckCategory,
        outcome: CheckOutcome,
    ) -> Check {
        Check {
            key: key.into(),
            name: name.into(),
            category,
            outcome,
            score: None,
            score_scale: None,
            threshold: None,
            reason: None,
            comment: None,
        }
    }
}

/// A score as a person reads it: against its scale and its threshold ("0.41 of 1.00, needs ≥
/// 0.85"); a score whose scale or threshold nobody knows says so.
pub fn score_sentence(score: f64, scale: Option<ScoreScale>, threshold: Option<f64>) -> String {
    let shown = short_score(score, scale);
    let of = match scale {
        Some(ScoreScale::Unit) => format!("{shown} of 1.00"),
        Some(ScoreScale::Percent) => format!("{shown} of 100"),
        _ => format!("{shown} (the provider does not say of what)"),
    };
    match threshold {
        Some(t) => format!("{of}, needs ≥ {}", short_score(t, scale)),
        None => format!("{of}, no known threshold"),
    }
}

/// A score in as few digits as its scale needs.
pub fn short_score(score: f64, scale: Option<ScoreScale>) -> String {
    match scale {
        Some(ScoreScale::Unit) => format!("{score:.2}"),
        Some(ScoreScale::Percent) => format!("{score:.1}"),
        _ => format!("{score}"),
    }
}

/// One of a provider's earlier results for the same reference (Eclipse keeps a ratify history),
/// in summary: the case page lists them, newest first, under the customer's story.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EarlierResult {
    pub status: UpstreamStatus,
    /// The exact status string received.
    pub status_raw: String,
    /// When the provider says it was last changed (as sent).
    pub updated_at: Option<String>,
    /// The names of the checks that failed.
    pub failed_checks: Vec<String>,
}

impl EarlierResult {
    pub fn of(
        status: UpstreamStatus,
        status_raw: &str,
        updated_at: Option<&str>,
        checks: &[Check],
    ) -> Self {
        EarlierResult {
            status,
            status_raw: status_raw.to_string(),
            updated_at: updated_at.map(str::to_string),
            failed_checks: checks
                .iter()
                .filter(|c| c.outcome == CheckOutcome::Failed)
                .map(|c| c.name.clone())
                .collect(),
        }
    }
}

/// The address of a case in its provider's own console: `template` with `{ref}` replaced by
/// the provider's id of it, percent-encoded (Eclipse's customer id; the others' reference).
pub fn console_link(template: &str, provider: Provider, upstream_ref: &str) -> String {
    let id = match provider {
        // Eclipse attempts are keyed `{customerId}@{lastModified}`; its console shows customers.
        Provider::Eclipse => upstream_ref.split('@').next().unwrap_or(upstream_ref),
        _ => upstream_ref,
    };
    template.replace("{ref}", &crate::domain::query_value(id))
}

/// A provider's code in plain words: the codes KYC Desk knows, else the code itself split into
/// words ("job_status:failed" → "Job status: failed"). The page shows the raw code beside it in
/// small type.
pub fn plain_words(code: &str) -> String {
    let known = match code {
        "CALC_RESULT" => Some("Below the provider's pass mark"),
        "job_not_successful" => Some("The provider's job did not finish successfully"),
        "FaceMatchError" => Some("The faces on the ID and the selfie do not match"),
        "NameMatchError" => Some("The name does not match the ID"),
        "BirthDateMatchError" => Some("The birth date does not match the ID"),
        "InvalidIdPhotoError" => Some("The ID photo is not usable"),
        "InvalidUserPhotoError" => Some("The selfie is not usable"),
        "below_threshold" => Some("Below the threshold"),
        "score_missing" => Some("The provider sent no score"),
        "incomplete_flags" => Some("Some of the provider's results are missing"),
        "remediate" => Some("The customer was asked to redo a step"),
        "no_result" => Some("No result yet"),
        "unreadable_result" => Some("The provider's result could not be read"),
        "sanctionsListCheck" => Some("Sanctions list check"),
        _ => None,
    };
    if let Some(words) = known {
        return words.to_string();
    }
    let mut out = String::with_capacity(code.len() + 4);
    let mut prev_lower = false;
    for ch in code.chars() {
        match ch {
            '_' | '-' => {
                out.push(' ');
                prev_lower = false;
            }
            ':' => {
                out.push_str(": ");
                prev_lower = false;
            }
            c if c.is_uppercase() && prev_lower => {
                out.push(' ');
                out.extend(c.to_lowercase());
                prev_lower = false;
            }
            c => {
                out.extend(c.to_lowercase());
                prev_lower = c.is_lowercase() || c.is_ascii_digit();
            }
        }
    }
    let out = out.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut chars = out.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Is this text a provider's code (one word of letters, digits, `_`, `-`, `:`) rather than a
/// sentence the provider wrote for people?
pub fn is_code(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 64
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ':' | '.'))
}

/// The watch lists a provider's words about a sanctions / PEP hit name ("Match found on OFAC
/// list" → OFAC), in the order they appear.
pub fn lists_named(text: &str) -> Vec<&'static str> {
    const LISTS: [(&str, &str); 9] = [
        ("OFAC", "OFAC (US)"),
        ("SDN", "OFAC SDN (US)"),
        ("UN ", "UN Security Council"),
        ("EU ", "EU consolidated"),
        ("UK ", "UK (OFSI/HMT)"),
        ("HMT", "UK (OFSI/HMT)"),
        ("PEP", "Politically exposed persons"),
        ("INTERPOL", "Interpol"),
        ("SANCTIONS LIST", "A sanctions list (not named)"),
    ];
    let upper = format!("{} ", text.to_uppercase());
    let mut found: Vec<(usize, &'static str)> = LISTS
        .iter()
        .filter_map(|(needle, name)| upper.find(needle).map(|at| (at, *name)))
        .collect();
    found.sort();
    let mut names: Vec<&'static str> = Vec::new();
    for (_, name) in found {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_console_link_carries_the_providers_own_id_encoded() {
        let t = "https://console.example/customers/{ref}?tab=kyc";
        assert_eq!(
            console_link(t, Provider::Eclipse, "1592548@2026-05-16T11:20:05.000Z"),
            "https://console.example/customers/1592548?tab=kyc"
        );
        assert_eq!(
            console_link(t, Provider::Width, "exec/1 2"),
            "https://console.example/customers/exec%2F1%202?tab=kyc"
        );
    }

    #[test]
    fn provider_codes_read_as_plain_words() {
        assert_eq!(plain_words("CALC_RESULT"), "Below the provider's pass mark");
        assert_eq!(
            plain_words("FaceMatchError"),
            "The faces on the ID and the selfie do not match"
        );
        assert_eq!(plain_words("job_status:failed"), "Job status: failed");
        assert_eq!(
            plain_words("selfieMatchesNationalIdentity"),
            "Selfie matches national identity"
        );
        assert_eq!(plain_words("DOCUMENT_EXPIRED"), "Document expired");
        assert!(is_code("CALC_RESULT") && is_code("vouched:FaceMatchError"));
        assert!(!is_code("Match found on OFAC list"));
    }

    #[test]
    fn a_hit_names_the_lists_the_provider_wrote() {
        assert_eq!(lists_named("Match found on OFAC list"), ["OFAC (US)"]);
        assert_eq!(
            lists_named("Match found on sanctions list"),
            ["A sanctions list (not named)"]
        );
        assert_eq!(
            lists_named("PEP and EU list"),
            ["Politically exposed persons", "EU consolidated"]
        );
        assert!(lists_named("Low similarity").is_empty());
    }

    #[test]
    fn a_score_reads_against_its_scale_and_threshold() {
        let unit = Some(ScoreScale::Unit);
        assert_eq!(
            score_sentence(0.41, unit, Some(0.85)),
            "0.41 of 1.00, needs ≥ 0.85"
        );
        assert_eq!(
            score_sentence(97.25, Some(ScoreScale::Percent), None),
            "97.2 of 100, no known threshold"
        );
        assert_eq!(
            score_sentence(3.0, None, None),
            "3 (the provider does not say of what), no known threshold"
        );
    }

    #[test]
    fn a_category_set_holds_one_bit_per_failed_category() {
        let checks = vec![
            Check::new(
                "a",
                "A",
                CheckCategory::SanctionsPepAml,
                CheckOutcome::Failed,
            ),
            Check::new("b", "B", CheckCategory::Liveness, CheckOutcome::Passed),
            Check::new(
                "c",
                "C",
                CheckCategory::SanctionsPepAml,
                CheckOutcome::Failed,
            ),
            Check::new("d", "D", CheckCategory::Other, CheckOutcome::Failed),
        ];
        let failed = CategorySet::failed(&checks);
        assert_eq!(
            failed.categories(),
            vec![CheckCategory::SanctionsPepAml, CheckCategory::Other]
        );
        assert!(failed.contains(CheckCategory::SanctionsPepAml));
        assert!(!failed.contains(CheckCategory::Liveness));
        assert_eq!(failed.0.count_ones(), 2);
        assert_eq!(CategorySet(failed.0).categories(), failed.categories());
    }
}
