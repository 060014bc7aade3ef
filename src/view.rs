//! What pages show: the view models server functions return to the browser,
//! never database rows. A leaf: the server fills them, the pages read them;
//! plain data, no logic.

pub use crate::domain::case::CaseActions;
use crate::domain::Role;
use serde::{Deserialize, Serialize};

/// The signed-in user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub user_id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    /// The step this session still owes after the password (then only its page opens).
    pub second_factor_due: Option<crate::domain::second_factor::MfaStep>,
}

/// One provider on the Operations page, as this instance sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderOpsView {
    pub provider: String,
    pub configured: bool,
    /// Calls are paused after repeated failures.
    pub breaker_open: bool,
    /// Outbox jobs waiting or being sent, and given up on.
    pub pending: i64,
    pub failed: i64,
    /// How long the oldest waiting job has waited ("12 min").
    pub oldest_pending: Option<String>,
    /// UTC, RFC 3339.
    pub last_ok_at: Option<String>,
    pub last_error_at: Option<String>,
    /// Its kind and message.
    pub last_error: Option<String>,
    pub last_error_trace_id: Option<String>,
}

/// The sign-in page's other ways in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInOptions {
    /// "Sign in with <name>", when single sign-on is configured.
    pub sso_name: Option<String>,
}

/// A person's own second factor, on their account page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoFactorView {
    /// When the authenticator app was set up (UTC); `None` while it is not.
    pub enrolled_at: Option<String>,
    pub recovery_codes_left: i64,
    /// The policy requires a second factor of this person.
    pub required: bool,
    /// A set-up awaiting its first code.
    pub pending: Option<PendingEnrolment>,
}

/// What the app needs to be set up, shown only to its owner until the first code confirms it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingEnrolment {
    /// The secret in base32, in groups of four, for typing in.
    pub secret: String,
    /// The QR code (an SVG `data:` address).
    pub qr: String,
    /// The ten recovery codes that count once the set-up is confirmed.
    pub recovery_codes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub user_id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub disabled: bool,
    /// Signs in with a second factor (an authenticator app).
    pub second_factor: bool,
    /// UTC, e.g. `2026-11-22 04:05`.
    pub created_at: String,
    pub updated_at: String,
}

/// One page of a list, with the cursor of the next page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// A provider reference of a customer, with its polling state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RefView {
    #[serde(flatten)]
    pub r#ref: crate::domain::customer::ProviderRef,
    pub last_polled_at: Option<String>,
    pub last_error: Option<UpstreamErrorView>,
}

/// What went wrong upstream, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpstreamErrorView {
    pub message: String,
    pub code: Option<String>,
    pub trace_id: Option<String>,
    pub at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerView {
    pub id: i64,
    pub external_id: String,
    pub display_name: String,
    pub email: Option<String>,
    pub country: Option<String>,
    pub refs: Vec<RefView>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckView {
    pub key: String,
    pub name: String,
    pub category: crate::domain::verification::CheckCategory,
    pub outcome: crate::domain::verification::CheckOutcome,
    pub score: Option<f64>,
    pub score_scale: Option<crate::domain::verification::ScoreScale>,
    pub threshold: Option<f64>,
    pub reason: Option<String>,
    pub comment: Option<String>,
    /// The watch lists the provider's words about a sanctions / PEP check name (not personal:
    /// shown before a reveal, while the words themselves are masked).
    pub watch_lists: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VerificationView {
    pub id: i64,
    pub customer_id: i64,
    pub provider: crate::domain::verification::Provider,
    pub upstream_ref: String,
    pub upstream_status_raw: String,
    pub upstream_status: crate::domain::verification::UpstreamStatus,
    pub review_status: crate::domain::verification::ReviewStatus,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
    pub last_polled_at: Option<String>,
    pub last_error: Option<UpstreamErrorView>,
    /// The provider's own reasons for a failure ("CODE: detail").
    pub failure_reasons: Vec<String>,
    pub checks: Vec<CheckView>,
}

/// A customer row of the customer list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerSummary {
    pub id: i64,
    pub external_id: String,
    pub display_name: String,
    pub country: Option<String>,
    pub created_at: String,
}

/// A customer with every verification across providers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerDetail {
    pub customer: CustomerView,
    pub verifications: Vec<VerificationView>,
    /// Whether personal data is shown in full (after a recorded reveal);
    /// otherwise it is masked.
    pub pii_revealed: bool,
}

/// One field's change in an audit event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeView {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// An audit event as shown to managers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEventView {
    pub seq: i64,
    pub occurred_at: String,
    /// "Mona Manager (manager)", "system: poller", "API token 3".
    pub actor: String,
    pub actor_user_id: Option<i64>,
    /// The action's code (`decision.confirmed`) and in words ("Decision confirmed").
    pub action: String,
    pub action_label: String,
    /// "Case #12", "Customer #5", "Account #3".
    pub entity: String,
    /// The entity's page, where there is one for the reader.
    pub entity_href: Option<String>,
    pub customer_id: Option<i64>,
    pub verification_id: Option<i64>,
    pub changes: Vec<ChangeView>,
    pub reason: Option<String>,
    pub request_id: Option<String>,
    pub client_hash: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// Someone who appears as an actor (for the filter).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActorOption {
    pub user_id: i64,
    pub label: String,
}

/// The audit chain's state: "verified through #N at T".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainStatusView {
    pub ok: bool,
    pub verified_through: i64,
    pub head_hash: String,
    pub events: i64,
    pub at: String,
    pub full: bool,
    pub problems: Vec<String>,
    pub checkpoint_seq: Option<i64>,
    pub checkpoint_at: Option<String>,
}

/// A row of the verification queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueItem {
    pub id: i64,
    pub customer_id: i64,
    pub customer: String,
    pub provider: crate::domain::verification::Provider,
    pub upstream_status: crate::domain::verification::UpstreamStatus,
    pub upstream_status_raw: String,
    pub review_status: crate::domain::verification::ReviewStatus,
    /// The categories with a failed check.
    pub failed: Vec<crate::domain::verification::CheckCategory>,
    pub assignee: Option<String>,
    pub push_state: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// "3 h", "2 d".
    pub age: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteView {
    pub id: i64,
    pub author: String,
    pub body: String,
    pub at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionView {
    pub id: i64,
    pub kind: crate::domain::decision::DecisionKind,
    pub reason: String,
    pub note: String,
    pub status: String,
    pub four_eyes: bool,
    pub by: String,
    pub by_id: i64,
    pub at: String,
    pub second_by: Option<String>,
    pub second_at: Option<String>,
    pub second_note: Option<String>,
}

/// An upstream side effect (decision push, re-trigger) and how it went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushView {
    pub id: i64,
    pub kind: String,
    pub state: String,
    pub attempts: i64,
    pub next_attempt_at: Option<String>,
    pub last_error: Option<UpstreamErrorView>,
    pub result: Option<String>,
}

/// Another verification of the same customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OtherVerification {
    pub id: i64,
    pub provider: crate::domain::verification::Provider,
    pub upstream_status: crate::domain::verification::UpstreamStatus,
    pub review_status: crate::domain::verification::ReviewStatus,
    pub created_at: String,
}

/// Everything the case page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseView {
    pub verification: VerificationView,
    pub customer: CustomerView,
    pub pii_revealed: bool,
    pub assignee: Option<String>,
    pub assignee_id: Option<i64>,
    pub notes: Vec<NoteView>,
    pub decisions: Vec<DecisionView>,
    pub proposal: Option<DecisionView>,
    pub pushes: Vec<PushView>,
    /// How decisions reach this provider ("recorded here only", …).
    pub push_policy: String,
    pub others: Vec<OtherVerification>,
    /// The redacted upstream payload, pretty-printed.
    pub snapshot: String,
    /// Photos the provider holds for this case (fetched on demand, never stored).
    pub media: Vec<MediaView>,
    pub sanctions_hit: bool,
    pub upstream_failed: bool,
    pub can: CaseActions,
    pub assignable: Vec<ActorOption>,
    /// What can be asked of the provider again.
    pub retriggers: Vec<RetriggerOption>,
    /// Why the case needs review, in a few words from its data (`domain::case::why_review`).
    pub why: Vec<String>,
    /// What this person typed into a form of this page that the server refused.
    pub draft: Option<FormDraft>,
    /// The case in its provider's own console, where one is configured.
    pub console_url: Option<String>,
    /// This provider's earlier results for the same reference, newest first (Eclipse).
    pub earlier: Vec<crate::domain::verification::EarlierResult>,
}

/// What a person typed into a form the server refused, to fill it in again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormDraft {
    /// The page that shows the form (`/cases/12`).
    pub page: String,
    /// Which form of the page (`decide`, `escalate`, `second`, `note`, `reveal`).
    pub form: String,
    pub fields: std::collections::BTreeMap<String, String>,
}

/// How many cases wait in each of a person's inboxes (each counted up to `cap`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxView {
    pub mine: i64,
    pub unassigned: i64,
    /// Officers only.
    pub escalated: Option<i64>,
    /// Proposals by another officer waiting for this one (officers only).
    pub awaiting_me: Option<i64>,
    pub cap: i64,
    /// The view shown when none is asked for (`domain::case::landing_view`).
    pub landing: String,
}

/// A re-trigger the case page offers (or explains why not).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetriggerOption {
    pub action: String,
    pub label: String,
    /// Why it is not possible, when it is not.
    pub blocked: Option<String>,
    /// Needs an explicit confirmation tick.
    pub confirm: bool,
    /// What the person should know first (cost, effect).
    pub warning: Option<String>,
}

/// What managers see on the metrics page, for one window of days (UTC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetricsView {
    /// The window, `YYYY-MM-DD`, both days included.
    pub from: String,
    pub to: String,
    /// The last 7, 30 and 90 days up to today, to choose in one click.
    pub presets: Vec<WindowPreset>,
    pub sla_hours: u32,
    /// "Are we keeping up?": open cases now, escalated, awaiting a second officer, and
    /// decisions the provider has not taken (failed pushes).
    pub open_now: i64,
    pub escalated: i64,
    pub awaiting_second: i64,
    pub failed_pushes: i64,
    /// The open queue by provider (now).
    pub open_by_provider: Vec<OpenCount>,
    /// When these figures were computed (RFC 3339).
    pub generated_at: String,
    /// Every day of the window, with no gaps.
    pub days: Vec<DayCount>,
    pub by_provider: Vec<RateRow>,
    pub by_reason: Vec<ReasonCount>,
    /// Overall first, then each provider with decisions.
    pub time_to_decision: Vec<DurationRow>,
    pub aging: Vec<AgingBucketView>,
    /// Open cases already older than the SLA.
    pub open_over_sla: i64,
    /// The oldest of those, oldest first.
    pub oldest_open: Vec<OldCase>,
    pub reviewers: Vec<ReviewerRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayCount {
    pub day: String,
    /// Cases KYC Desk received that day.
    pub received: i64,
    pub approved: i64,
    pub declined: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateRow {
    pub label: String,
    pub approved: i64,
    pub declined: i64,
    /// Approved share in whole per cent, when anything was decided.
    pub approval_rate: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowPreset {
    /// "Last 7 days".
    pub label: String,
    pub from: String,
    pub to: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenCount {
    pub label: String,
    pub count: i64,
    /// The queue of this provider's open cases.
    pub queue_href: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReasonCount {
    pub code: String,
    pub label: String,
    /// `approve` or `decline`.
    pub kind: String,
    pub count: i64,
    /// Share of the decisions of its kind, in whole per cent.
    pub share: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DurationRow {
    pub label: String,
    pub decisions: i64,
    pub p50_ms: Option<i64>,
    pub p90_ms: Option<i64>,
    /// Decisions that took longer than the SLA.
    pub over_sla: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgingBucketView {
    pub label: String,
    pub count: i64,
    /// The queue of open cases at least this old (`/?view=all&age=H`).
    pub queue_href: String,
    /// Every case in this bucket is past the SLA.
    pub past_sla: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OldCase {
    pub id: i64,
    pub provider: String,
    pub review_status: String,
    pub assignee: Option<String>,
    pub age_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewerRow {
    pub name: String,
    pub decisions: i64,
    pub approved: i64,
    pub declined: i64,
    /// Decisions per day over the window.
    pub per_day: String,
    pub p50_ms: Option<i64>,
    /// Proposals by others this person confirmed as the second officer.
    pub confirmations: i64,
}

/// One photo of a case, served by the media proxy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaView {
    /// Where it sits in the provider's answer (a JSON pointer).
    pub path: String,
    pub label: String,
    /// The proxy URL, once the customer's personal data is revealed.
    pub url: Option<String>,
}

/// A provider's fieldset in "Add customer": the parts of a reference to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefFieldset {
    pub legend: String,
    pub fields: Vec<RefFieldView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefFieldView {
    /// `{provider}_{part}`: the input's id, and the name its error names.
    pub name: String,
    pub label: String,
    pub maxlength: u32,
}
