//! The seeded scenario catalogue: predictable ids per provider, each showing
//! one behaviour the app must handle. The provider modules seed their state
//! from the constants below, so the catalogue and the data never drift apart.

use serde_json::{json, Value};

/// One seeded scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scenario {
    /// `"eclipse" | "biometric_kz" | "ident" | "width"`.
    pub provider: &'static str,
    /// Short key, unique per provider, e.g. `"sanctions_hit"`.
    pub key: &'static str,
    /// What the scenario shows and how it moves.
    pub description: &'static str,
    /// The upstream ids to use.
    pub refs: ScenarioRef,
}

/// Upstream references of a scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScenarioRef {
    Eclipse {
        tenant_id: &'static str,
        customer_id: &'static str,
    },
    BiometricKz {
        session_id: &'static str,
    },
    Ident {
        application_id: &'static str,
    },
    Width {
        execution_id: &'static str,
        customer_id: &'static str,
        reference_id: &'static str,
    },
}

impl Scenario {
    pub(super) fn to_json(&self) -> Value {
        let refs = match &self.refs {
            ScenarioRef::Eclipse {
                tenant_id,
                customer_id,
            } => json!({"tenant_id": tenant_id, "customer_id": customer_id}),
            ScenarioRef::BiometricKz { session_id } => json!({"session_id": session_id}),
            ScenarioRef::Ident { application_id } => json!({"application_id": application_id}),
            ScenarioRef::Width {
                execution_id,
                customer_id,
                reference_id,
            } => json!({
                "execution_id": execution_id,
                "customer_id": customer_id,
                "reference_id": reference_id,
            }),
        };
        json!({
            "provider": self.provider,
            "key": self.key,
            "description": self.description,
            "refs": refs,
        })
    }
}

/// Eclipse ids (tenant `100`).
pub(super) mod eclipse_ids {
    pub const TENANT: &str = "100";
    pub const OTHER_TENANT: &str = "200";
    pub const CLEAN_PASS: &str = "1592544";
    pub const SANCTIONS_HIT: &str = "1592545";
    pub const LIVENESS_FAILURE: &str = "1592546";
    pub const FACE_MISMATCH: &str = "1592547";
    pub const NAME_MISMATCH: &str = "1592548";
    pub const UNKNOWN_STATUS: &str = "1592549";
    pub const PENDING_THEN_PASSED: &str = "1592550";
    pub const NEVER_RATIFIED: &str = "1592551";
    /// The seed's liveness document (`documentId` 608561, customer 1592544).
    pub const SEED_DOCUMENT_ID: u64 = 608_561;

    /// **Walk-in range**: under tenant [`TENANT`] only, every customer id from
    /// `WALK_IN_FIRST` to `WALK_IN_LAST` (plain decimal, no leading zeros) is
    /// a new customer on first sight (see [`is_walk_in`]); its last digit
    /// picks the outcome (5 sanctions hit, 6 liveness failure, 7 face
    /// mismatch, 8 name mismatch, otherwise a clean pass).
    pub const WALK_IN_FIRST: u64 = 1_600_000;
    /// Last customer id of the walk-in range (inclusive).
    pub const WALK_IN_LAST: u64 = 1_699_999;
    /// The first walk-in id, as the catalogue shows it.
    pub const WALK_IN_EXAMPLE: &str = "1600000";

    /// Whether an unknown customer is a walk-in (answered, not 404).
    pub fn is_walk_in(tenant_id: &str, customer_id: &str) -> bool {
        tenant_id == TENANT
            && customer_id.parse::<u64>().is_ok_and(|n| {
                (WALK_IN_FIRST..=WALK_IN_LAST).contains(&n) && n.to_string() == customer_id
            })
    }
}

/// biometric.kz session ids.
pub(super) mod bio_ids {
    pub const CLEAN_PASS: &str = "b10e0000-0000-4000-8000-000000000001";
    pub const LIVENESS_FAILURE: &str = "b10e0000-0000-4000-8000-000000000002";
    pub const FACE_MISMATCH: &str = "b10e0000-0000-4000-8000-000000000003";
    pub const SANCTIONS_HIT: &str = "b10e0000-0000-4000-8000-000000000004";
    pub const IN_REVIEW: &str = "b10e0000-0000-4000-8000-000000000005";
    pub const IN_REVIEW_SECOND: &str = "b10e0000-0000-4000-8000-000000000006";
    pub const FINISHED_NOT_IN_REVIEW: &str = "b10e0000-0000-4000-8000-000000000007";
    pub const UNKNOWN_STATUS: &str = "b10e0000-0000-4000-8000-000000000008";
    pub const MOVING_TO_FINISHED: &str = "b10e0000-0000-4000-8000-000000000009";
    pub const CREATED: &str = "b10e0000-0000-4000-8000-00000000000a";
    pub const QR: &str = "b10e0000-0000-4000-8000-00000000000b";
    pub const PROGRESS: &str = "b10e0000-0000-4000-8000-00000000000c";
    pub const APPROVED: &str = "b10e0000-0000-4000-8000-00000000000d";
    pub const DECLINED: &str = "b10e0000-0000-4000-8000-00000000000e";
    pub const GBDFL_TIMEOUT: &str = "b10e0000-0000-4000-8000-00000000000f";

    /// **Walk-in range**: every session id that starts with this prefix and is
    /// a well-formed hex UUID (`b10e9999-xxxx-xxxx-xxxx-xxxxxxxxxxxx`) is a new
    /// session on first sight (see [`is_walk_in`]).
    pub const WALK_IN_PREFIX: &str = "b10e9999-";
    /// The first walk-in id, as the catalogue shows it.
    pub const WALK_IN_EXAMPLE: &str = "b10e9999-0000-4000-8000-000000000000";

    /// Whether an unknown session is a walk-in (answered, not 404).
    pub fn is_walk_in(session_id: &str) -> bool {
        session_id.starts_with(WALK_IN_PREFIX) && super::is_hex_uuid(session_id)
    }
}

/// Provide ident application ids (the seed ids plus `1de70000-…` ones).
pub(super) mod ident_ids {
    pub const SEED_LIST_FAILED: &str = "72258a99-1518-4526-a5fa-043081eee7f0";
    pub const SEED_LIST_REMEDIATE: &str = "13bd0b24-f0d9-4caa-89ab-259c058877ce";
    pub const SEED_LIST_ACCEPTED: &str = "e40a34d8-5df9-4ab3-be79-b8b34844eb3d";
    pub const SEED_DETAIL: &str = "e494ee10-bbf5-45bb-81aa-7e3561d8c729";
    pub const SEED_PUT: &str = "205d1f45-4b45-4d85-a692-8db40d94ab89";
    pub const CLEAN_PASS: &str = "1de70000-0000-4000-8000-000000000001";
    pub const FACE_MISMATCH: &str = "1de70000-0000-4000-8000-000000000002";
    pub const NAME_MISMATCH: &str = "1de70000-0000-4000-8000-000000000003";
    pub const REMEDIATE_DUPLICATE: &str = "1de70000-0000-4000-8000-000000000004";
    pub const UNKNOWN_STATUS: &str = "1de70000-0000-4000-8000-000000000005";
    pub const PENDING_THEN_ACCEPTED: &str = "1de70000-0000-4000-8000-000000000006";
    pub const POLLER_OVERWRITES_PUT: &str = "1de70000-0000-4000-8000-000000000007";
    pub const IDENTITYMIND_REVIEW: &str = "1de70000-0000-4000-8000-000000000008";
    /// The application the sandbox token belongs to (the seeds' vouched app).
    pub const APPLICATION: &str = "dc4152f7-456f-41ed-96b4-e52b8faa05fd";

    /// **Walk-in range**: every KYC application id that starts with this
    /// prefix and is a well-formed hex UUID (`1de79999-xxxx-xxxx-xxxx-xxxxxxxxxxxx`)
    /// is a new application on first sight (see [`is_walk_in`]).
    pub const WALK_IN_PREFIX: &str = "1de79999-";
    /// The first walk-in id, as the catalogue shows it.
    pub const WALK_IN_EXAMPLE: &str = "1de79999-0000-4000-8000-000000000000";

    /// Whether an unknown application is a walk-in (answered, not 404).
    pub fn is_walk_in(application_id: &str) -> bool {
        application_id.starts_with(WALK_IN_PREFIX) && super::is_hex_uuid(application_id)
    }
}

/// WIDTH (execution id, customer id, reference id).
pub(super) mod width_ids {
    pub type Ids = (&'static str, &'static str, &'static str);
    pub const CLEAN_PASS: Ids = (
        "exec-sbx-clean-pass",
        "C_sbx_clean_pass",
        "ref-sbx-clean-pass",
    );
    pub const SANCTIONS_HIT: Ids = (
        "exec-sbx-sanctions-hit",
        "C_sbx_sanctions_hit",
        "ref-sbx-sanctions-hit",
    );
    pub const MANUAL_REVIEW: Ids = (
        "exec-sbx-manual-review",
        "C_sbx_manual_review",
        "ref-sbx-manual-review",
    );
    pub const WAITING_LIVENESS: Ids = (
        "exec-sbx-waiting-liveness",
        "C_sbx_waiting_liveness",
        "ref-sbx-waiting-liveness",
    );
    pub const WAITING_UNKNOWN_NODE: Ids = (
        "exec-sbx-waiting-unknown-node",
        "C_sbx_waiting_unknown_node",
        "ref-sbx-waiting-unknown-node",
    );
    pub const UNKNOWN_STATUS: Ids = (
        "exec-sbx-unknown-status",
        "C_sbx_unknown_status",
        "ref-sbx-unknown-status",
    );
    pub const RUNNING_THEN_COMPLETED: Ids =
        ("exec-sbx-running", "C_sbx_running", "ref-sbx-running");
    pub const FAILED: Ids = ("exec-sbx-failed", "C_sbx_failed", "ref-sbx-failed");
    pub const TIMEOUT: Ids = ("exec-sbx-timeout", "C_sbx_timeout", "ref-sbx-timeout");
    pub const CANCELLED: Ids = ("exec-sbx-cancelled", "C_sbx_cancelled", "ref-sbx-cancelled");
    /// Every seeded execution, for registering their applicants.
    pub const ALL: [Ids; 10] = [
        CLEAN_PASS,
        SANCTIONS_HIT,
        MANUAL_REVIEW,
        WAITING_LIVENESS,
        WAITING_UNKNOWN_NODE,
        UNKNOWN_STATUS,
        RUNNING_THEN_COMPLETED,
        FAILED,
        TIMEOUT,
        CANCELLED,
    ];

    /// **Walk-in range**: every execution id made of this prefix and a suffix
    /// of 1 to [`WALK_IN_MAX_SUFFIX`] characters from `[A-Za-z0-9_-]` is a new
    /// execution on first sight (see [`walk_in_suffix`]). Its applicant is
    /// `C_sbx_new_<suffix>` and its reference `ref-sbx-new-<suffix>`.
    pub const WALK_IN_PREFIX: &str = "exec-sbx-new-";
    /// Longest suffix after [`WALK_IN_PREFIX`].
    pub const WALK_IN_MAX_SUFFIX: usize = 64;
    /// The first walk-in ids, as the catalogue shows them.
    pub const WALK_IN_EXAMPLE: Ids = ("exec-sbx-new-1", "C_sbx_new_1", "ref-sbx-new-1");

    /// The suffix of a walk-in execution id, `None` outside the range.
    pub fn walk_in_suffix(execution_id: &str) -> Option<&str> {
        execution_id.strip_prefix(WALK_IN_PREFIX).filter(|suffix| {
            (1..=WALK_IN_MAX_SUFFIX).contains(&suffix.len())
                && suffix
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        })
    }
}

/// `8-4-4-4-12` hex digits (either case).
fn is_hex_uuid(id: &str) -> bool {
    let groups: Vec<&str> = id.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(group, len)| group.len() == len && group.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn eclipse(key: &'static str, customer_id: &'static str, description: &'static str) -> Scenario {
    Scenario {
        provider: "eclipse",
        key,
        description,
        refs: ScenarioRef::Eclipse {
            tenant_id: eclipse_ids::TENANT,
            customer_id,
        },
    }
}

fn bio(key: &'static str, session_id: &'static str, description: &'static str) -> Scenario {
    Scenario {
        provider: "biometric_kz",
        key,
        description,
        refs: ScenarioRef::BiometricKz { session_id },
    }
}

fn ident(key: &'static str, application_id: &'static str, description: &'static str) -> Scenario {
    Scenario {
        provider: "ident",
        key,
        description,
        refs: ScenarioRef::Ident { application_id },
    }
}

fn width(key: &'static str, ids: width_ids::Ids, description: &'static str) -> Scenario {
    Scenario {
        provider: "width",
        key,
        description,
        refs: ScenarioRef::Width {
            execution_id: ids.0,
            customer_id: ids.1,
            reference_id: ids.2,
        },
    }
}

/// The catalogue, in a stable order.
pub(super) fn catalogue() -> Vec<Scenario> {
    use self::bio_ids as b;
    use self::eclipse_ids as e;
    use self::ident_ids as i;
    use self::width_ids as w;
    vec![
        // ------------------------------------------------------------ Eclipse
        eclipse("clean_pass", e::CLEAN_PASS,
            "Seed PASSED array verbatim (GET …/ratify). Re-ratify (POST) goes PENDING and settles PASSED after polls_to_settle GETs. Its AWS liveness passes."),
        eclipse("sanctions_hit", e::SANCTIONS_HIT,
            "Seed FAILED array verbatim: sanctionsListCheck failed with \"Match found on OFAC list\". Re-ratify settles FAILED again."),
        eclipse("liveness_failure", e::LIVENESS_FAILURE,
            "FAILED: selfieIsLegitimate failed (AWS liveness score below 55). The first liveness document PUT returns FAILED, the next one SUCCEEDED; a ratify after a passing liveness settles PASSED."),
        eclipse("face_mismatch", e::FACE_MISMATCH,
            "FAILED: selfieMatchesNationalIdentity failed (score 0.41)."),
        eclipse("name_mismatch", e::NAME_MISMATCH,
            "FAILED: firstNameMatchesNationalIdentity and lastNameMatchesNationalIdentity failed; two results in the history (offset/limit)."),
        eclipse("unknown_status", e::UNKNOWN_STATUS,
            "Latest result has the undocumented aggregate status \"ON_HOLD\" with a pending sanctions check."),
        eclipse("pending_then_passed", e::PENDING_THEN_PASSED,
            "Latest result PENDING (aggregate and per check); settles PASSED on the polls_to_settle-th GET. POST while pending → 400 KYC001."),
        eclipse("never_ratified", e::NEVER_RATIFIED,
            "No ratification yet: GET …/ratify returns []. POST starts one that settles PASSED."),
        eclipse("expired_jwt", e::CLEAN_PASS,
            "Expired JWT: POST /__sandbox/eclipse/expire-tokens expires every issued JWT (next call → 401 SEC001), or configure eclipse_token_ttl_secs = 0. Login again (or renew a live JWT) to recover."),
        eclipse("forbidden_role", e::CLEAN_PASS,
            "Identity sandbox-viewer / sandbox-password logs in with role TENANT_VIEWER; every KYC endpoint answers 403 SEC001."),
        Scenario {
            provider: "eclipse",
            key: "other_tenant",
            description: "Customer 1592544 under tenant 200 (not the admin's tenant) → 404. Any unknown customer under tenant 100 → 404 too.",
            refs: ScenarioRef::Eclipse { tenant_id: e::OTHER_TENANT, customer_id: e::CLEAN_PASS },
        },
        eclipse("seed_aws_liveness", e::CLEAN_PASS,
            "The seed AWS liveness flow verbatim: POST the seed FACIAL_PHOTO/aws-liveness body for customer 1592544 → the seed 201 (documentId 608561); PUT it back → the seed 200 (SUCCEEDED, 75.73). Other landing URLs get fresh document ids and a sandbox completionUrl."),
        // ------------------------------------------------------- biometric.kz
        bio("clean_pass", b::CLEAN_PASS,
            "FINISHED, overall_result true; liveness, doc_recognition, face2face (0.9712), edocument and gbdfl (VALID) all true."),
        bio("liveness_failure", b::LIVENESS_FAILURE,
            "FAILED: liveness_result false, prediction \"0.3120\", failure_reason {type: CALC_RESULT, detail: \"Low prediction\"}."),
        bio("face_mismatch", b::FACE_MISMATCH,
            "FINISHED with face2face_result false, prediction \"0.41\"; uses the alternative spellings flow_session_result / flow_session_failure_reasons / document_recognition_result."),
        bio("sanctions_hit", b::SANCTIONS_HIT,
            "FINISHED with aml_result false (OFAC SDN match); every other block true."),
        bio("in_review", b::IN_REVIEW,
            "IN_REVIEW (taken in the Cabinet): MCP update_flow_session_status may finalise it to APPROVED or DECLINED; REST then shows the new status."),
        bio("in_review_second", b::IN_REVIEW_SECOND,
            "A second IN_REVIEW session (alternative spellings, expired document) for a second decision push."),
        bio("finished_not_in_review", b::FINISHED_NOT_IN_REVIEW,
            "FINISHED with doc recognition false (failure_reason null) but NOT in review: MCP update_flow_session_status answers a tool error."),
        bio("unknown_status", b::UNKNOWN_STATUS,
            "Undocumented status \"ARCHIVED\"."),
        bio("moving_to_finished", b::MOVING_TO_FINISHED,
            "Moves on REST result polls: CREATED → PROGRESS → FINISHED (polls_to_settle-th poll) with empty {} blocks for that one poll, then the full clean-pass blocks."),
        bio("created", b::CREATED, "CREATED and never opened (abandoned)."),
        bio("qr", b::QR, "QR: the user moved to a phone."),
        bio("progress", b::PROGRESS, "PROGRESS: liveness done, other blocks still {}."),
        bio("approved", b::APPROVED, "APPROVED by a Cabinet reviewer."),
        bio("declined", b::DECLINED, "DECLINED by a Cabinet reviewer."),
        bio("gbdfl_timeout", b::GBDFL_TIMEOUT,
            "FINISHED with gbdfl_result status TIMEOUT (result false)."),
        // --------------------------------------------------------------- ident
        ident("seed_list_failed", i::SEED_LIST_FAILED,
            "Seed list record verbatim: identitymind, status failed, identifier null (detail has no provider_representation)."),
        ident("seed_list_remediate", i::SEED_LIST_REMEDIATE,
            "Seed list record verbatim: vouched, status remediate; detail adds a representation with a DuplicateApplicationError."),
        ident("seed_list_accepted", i::SEED_LIST_ACCEPTED,
            "Seed list record verbatim: vouched, status accepted; detail adds a successful vouched representation."),
        ident("seed_detail", i::SEED_DETAIL,
            "Seed detail verbatim (status submitted, provider_representation completed with five vouched errors)."),
        ident("seed_put", i::SEED_PUT,
            "Status review; PUT {\"status\":\"accepted\"} answers 202 with the seed PUT response verbatim."),
        ident("clean_pass", i::CLEAN_PASS,
            "accepted; vouched completed, success true, high confidences."),
        ident("face_mismatch", i::FACE_MISMATCH,
            "rejected; vouched FaceMatchError (faceMatch 0.12); params carry base64 id_photo and selfie."),
        ident("name_mismatch", i::NAME_MISMATCH,
            "rejected; vouched NameMatchError."),
        ident("remediate_duplicate", i::REMEDIATE_DUPLICATE,
            "remediate; representation errors include DuplicateApplicationError, similar_kyc_applications lists the seed remediate record."),
        ident("unknown_status", i::UNKNOWN_STATUS,
            "Undocumented status \"on-hold-by-ops\" (set by some app's PUT)."),
        ident("pending_then_accepted", i::PENDING_THEN_ACCEPTED,
            "pending, identifier null; detail GETs move it to submitted (1st poll) and accepted (polls_to_settle-th poll). A PUT stops the movement."),
        ident("poller_overwrites_put", i::POLLER_OVERWRITES_PUT,
            "submitted; the background poller keeps going even after a PUT and sets rejected on the polls_to_settle-th detail GET (race with a reviewer)."),
        ident("identitymind_review", i::IDENTITYMIND_REVIEW,
            "review; IdentityMind representation with state R and fired rules."),
        // --------------------------------------------------------------- WIDTH
        width("clean_pass", w::CLEAN_PASS,
            "COMPLETED, result.decision APPROVED, every node PASS."),
        width("sanctions_hit", w::SANCTIONS_HIT,
            "COMPLETED, result.decision REJECTED, flow_action_screen_check FAIL."),
        width("manual_review", w::MANUAL_REVIEW,
            "COMPLETED, result.decision REVIEW (liveness node FAIL)."),
        width("waiting_liveness", w::WAITING_LIVENESS,
            "WAITING on flow_action_liveness_test (callbackKey kyc:liveness:exec-sbx-waiting-liveness:1). workflow.kyc.liveness.data with that key → RUNNING → COMPLETED APPROVED after polls_to_settle status polls."),
        width("waiting_unknown_node", w::WAITING_UNKNOWN_NODE,
            "WAITING on an undocumented node type flow_action_video_interview; never moves."),
        width("unknown_status", w::UNKNOWN_STATUS, "Undocumented status \"PAUSED\"."),
        width("running_then_completed", w::RUNNING_THEN_COMPLETED,
            "RUNNING; the automatic screen check completes it APPROVED on the polls_to_settle-th status poll."),
        width("failed", w::FAILED, "FAILED (contact support)."),
        width("timeout", w::TIMEOUT, "TIMEOUT."),
        width("cancelled", w::CANCELLED, "CANCELLED."),
        // ------------------------------------------------------ walk-in ranges
        // Last in the catalogue so the scenarios above keep their positions.
        eclipse("walk_in", e::WALK_IN_EXAMPLE,
            "Walk-in range: any customer id 1600000–1699999 under tenant 100 is a new customer on first sight (GET or POST …/ratify, or any other call naming it): one PENDING result (like pending_then_passed) that settles PASSED with the seed clean-pass checks on the polls_to_settle-th GET. Ids outside the range and other tenants stay 404; POST /__sandbox/reset forgets walk-ins."),
        bio("walk_in", b::WALK_IN_EXAMPLE,
            "Walk-in range: any session id b10e9999-xxxx-xxxx-xxxx-xxxxxxxxxxxx (hex UUID) is a new session on first sight and moves like moving_to_finished: CREATED → PROGRESS → FINISHED (empty {} blocks for one poll), then the full clean-pass blocks. Other unknown ids stay 404; POST /__sandbox/reset forgets walk-ins."),
        ident("walk_in", i::WALK_IN_EXAMPLE,
            "Walk-in range: any application id 1de79999-xxxx-xxxx-xxxx-xxxxxxxxxxxx (hex UUID) is a new vouched application on first sight and moves like pending_then_accepted: pending → submitted (1st detail poll) → accepted with clean confidences (polls_to_settle-th poll). Other unknown ids stay 404; POST /__sandbox/reset forgets walk-ins."),
        width("walk_in", w::WALK_IN_EXAMPLE,
            "Walk-in range: any execution id exec-sbx-new-<1–64 of A-Za-z0-9_-> is a new execution on first sight and moves like running_then_completed: RUNNING → COMPLETED APPROVED on the polls_to_settle-th status poll (applicant C_sbx_new_<suffix>, reference ref-sbx-new-<suffix>). Other unknown ids stay 404; POST /__sandbox/reset forgets walk-ins."),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eclipse_walk_ins_are_tenant_100_ids_in_the_range() {
        use eclipse_ids::{is_walk_in, TENANT, WALK_IN_EXAMPLE, WALK_IN_FIRST, WALK_IN_LAST};
        assert!(is_walk_in(TENANT, WALK_IN_EXAMPLE));
        assert_eq!(WALK_IN_EXAMPLE, WALK_IN_FIRST.to_string());
        assert!(is_walk_in("100", "1600000"));
        assert!(is_walk_in("100", "1654321"));
        assert!(is_walk_in("100", &WALK_IN_LAST.to_string()));
        for (tenant, customer) in [
            ("100", "1599999"),
            ("100", "1700000"),
            ("100", "01600000"),
            ("100", "+1600000"),
            ("100", "16000000"),
            ("200", "1600000"),
            ("100", eclipse_ids::CLEAN_PASS),
        ] {
            assert!(!is_walk_in(tenant, customer), "{tenant}/{customer}");
        }
    }

    #[test]
    fn uuid_walk_ins_need_the_prefix_and_a_well_formed_uuid() {
        assert!(bio_ids::is_walk_in(bio_ids::WALK_IN_EXAMPLE));
        assert!(bio_ids::is_walk_in("b10e9999-abcd-4ef0-8123-0123456789ab"));
        assert!(bio_ids::is_walk_in("b10e9999-ABCD-4EF0-8123-0123456789AB"));
        assert!(ident_ids::is_walk_in(ident_ids::WALK_IN_EXAMPLE));
        assert!(ident_ids::is_walk_in(
            "1de79999-abcd-4ef0-8123-0123456789ab"
        ));
        for id in [
            bio_ids::CLEAN_PASS,
            "b10e9998-abcd-4ef0-8123-0123456789ab",
            "b10e9999-abcd-4ef0-8123-0123456789a",
            "b10e9999-abcd-4ef0-8123-0123456789abc",
            "b10e9999-abcd-4ef0-8123-0123456789ag",
            "b10e9999-abcd4-ef0-8123-0123456789ab",
            "b10e9999-abcd-4ef0-8123-0123456789ab-0",
            "b10e9999-",
            "1de79999-abcd-4ef0-8123-0123456789ab",
        ] {
            assert!(!bio_ids::is_walk_in(id), "{id}");
        }
        assert!(!ident_ids::is_walk_in(
            "b10e9999-abcd-4ef0-8123-0123456789ab"
        ));
        assert!(!ident_ids::is_walk_in(ident_ids::CLEAN_PASS));
    }

    #[test]
    fn width_walk_ins_have_a_short_safe_suffix() {
        use width_ids::{walk_in_suffix, WALK_IN_EXAMPLE, WALK_IN_MAX_SUFFIX};
        assert_eq!(walk_in_suffix(WALK_IN_EXAMPLE.0), Some("1"));
        assert_eq!(walk_in_suffix("exec-sbx-new-Ab_9-z"), Some("Ab_9-z"));
        let longest = format!("exec-sbx-new-{}", "x".repeat(WALK_IN_MAX_SUFFIX));
        assert!(walk_in_suffix(&longest).is_some());
        let too_long = format!("exec-sbx-new-{}", "x".repeat(WALK_IN_MAX_SUFFIX + 1));
        for id in [
            "exec-sbx-new-",
            "exec-sbx-new-a.b",
            "exec-sbx-new-a b",
            "exec-sbx-new-é",
            "exec-sbx-running",
            "exec-sbx-newer",
            too_long.as_str(),
        ] {
            assert_eq!(walk_in_suffix(id), None, "{id}");
        }
    }

    #[test]
    fn every_provider_lists_one_walk_in_naming_its_range() {
        let walk_ins: Vec<Scenario> = catalogue()
            .into_iter()
            .filter(|s| s.key == "walk_in")
            .collect();
        let providers: Vec<&str> = walk_ins.iter().map(|s| s.provider).collect();
        assert_eq!(providers, ["eclipse", "biometric_kz", "ident", "width"]);
        let eclipse_range = format!(
            "{}–{}",
            eclipse_ids::WALK_IN_FIRST,
            eclipse_ids::WALK_IN_LAST
        );
        for (scenario, range) in walk_ins.iter().zip([
            eclipse_range.as_str(),
            bio_ids::WALK_IN_PREFIX,
            ident_ids::WALK_IN_PREFIX,
            width_ids::WALK_IN_PREFIX,
        ]) {
            assert!(
                scenario.description.contains(range),
                "{} walk_in must name {range}",
                scenario.provider
            );
        }
        assert_eq!(
            walk_ins[0].refs,
            ScenarioRef::Eclipse {
                tenant_id: eclipse_ids::TENANT,
                customer_id: eclipse_ids::WALK_IN_EXAMPLE
            }
        );
    }
}
