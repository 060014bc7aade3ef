//! What the Eclipse sandbox remembers: customers (the scenario catalogue and
//! walk-ins) with their ratify history newest first, and liveness documents.

use std::collections::HashMap;

use serde_json::Value;

use super::results::{pending, settled, Outcome};
use super::{SEED_FAILED, SEED_LIVENESS_POST_REQUEST, SEED_LIVENESS_POST_RESPONSE, SEED_PASSED};
use crate::server::sandbox::scenarios::eclipse_ids as ids;
use crate::server::sandbox::{iso_millis, now_millis, seed_json};

pub(super) struct Customer {
    pub(super) first_name: &'static str,
    pub(super) last_name: &'static str,
    pub(super) outcome: Outcome,
    /// Newest first.
    pub(super) history: Vec<Value>,
    /// `Some(polls so far)` while the newest result is PENDING.
    pub(super) pending_polls: Option<u32>,
    pub(super) liveness_results: u32,
    pub(super) liveness_passed: bool,
}

pub(super) struct Document {
    pub(super) tenant_id: String,
    pub(super) customer_id: String,
    pub(super) document_type: String,
    pub(super) media_type: String,
    pub(super) landing_url: Option<String>,
    pub(super) aws_session_id: Option<String>,
    /// The PUT answer once the liveness result was fetched.
    pub(super) result: Option<Value>,
    /// The seed document answers with the seed's own PUT response.
    pub(super) seed: bool,
}

pub(in crate::server::sandbox) struct EclipseState {
    pub(super) customers: HashMap<(String, String), Customer>,
    pub(super) documents: HashMap<u64, Document>,
    pub(super) next_document_id: u64,
    /// completion code → landing URL, for the demo redirect page.
    pub(super) completions: HashMap<String, String>,
}

fn seed_array(text: &str) -> Vec<Value> {
    match seed_json(text) {
        Value::Array(items) => items,
        _ => Vec::new(),
    }
}

impl EclipseState {
    pub(in crate::server::sandbox) fn seeded() -> EclipseState {
        let mut customers = HashMap::new();
        let mut add = |id: &str,
                       first_name: &'static str,
                       last_name: &'static str,
                       outcome: Outcome,
                       history: Vec<Value>,
                       pending_polls: Option<u32>| {
            customers.insert(
                (ids::TENANT.to_string(), id.to_string()),
                Customer {
                    first_name,
                    last_name,
                    outcome,
                    history,
                    pending_polls,
                    liveness_results: 0,
                    liveness_passed: false,
                },
            );
        };
        add(
            ids::CLEAN_PASS,
            "Thandi",
            "Mokoena",
            Outcome::Passed,
            seed_array(SEED_PASSED),
            None,
        );
        add(
            ids::SANCTIONS_HIT,
            "Viktor",
            "Petrov",
            Outcome::SanctionsHit,
            seed_array(SEED_FAILED),
            None,
        );
        add(
            ids::LIVENESS_FAILURE,
            "Amara",
            "Okafor",
            Outcome::LivenessFailure,
            vec![settled(
                Outcome::LivenessFailure,
                false,
                "2026-05-18T14:02:11.000Z",
            )],
            None,
        );
        add(
            ids::FACE_MISMATCH,
            "Lebo",
            "Dlamini",
            Outcome::FaceMismatch,
            vec![settled(
                Outcome::FaceMismatch,
                false,
                "2026-05-17T09:45:00.000Z",
            )],
            None,
        );
        add(
            ids::NAME_MISMATCH,
            "Jon",
            "Smit",
            Outcome::NameMismatch,
            vec![
                settled(Outcome::NameMismatch, false, "2026-05-16T11:20:05.000Z"),
                settled(Outcome::NameMismatch, false, "2026-05-02T07:13:44.000Z"),
            ],
            None,
        );
        add(
            ids::UNKNOWN_STATUS,
            "Pieter",
            "van Wyk",
            Outcome::OnHold,
            vec![settled(Outcome::OnHold, false, "2026-05-15T16:00:00.000Z")],
            None,
        );
        add(
            ids::PENDING_THEN_PASSED,
            "Naledi",
            "Khumalo",
            Outcome::Passed,
            vec![pending(Outcome::Passed, "2026-05-19T08:29:55.000Z")],
            Some(0),
        );
        add(
            ids::NEVER_RATIFIED,
            "Sipho",
            "Ndlovu",
            Outcome::Passed,
            Vec::new(),
            None,
        );

        let mut documents = HashMap::new();
        let seed = seed_json(SEED_LIVENESS_POST_RESPONSE);
        documents.insert(
            ids::SEED_DOCUMENT_ID,
            Document {
                tenant_id: ids::TENANT.into(),
                customer_id: ids::CLEAN_PASS.into(),
                document_type: "FACIAL_PHOTO".into(),
                media_type: "aws/liveness".into(),
                landing_url: seed_landing_url(),
                aws_session_id: seed
                    .get("awsFaceLivenessSessionId")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                result: None,
                seed: true,
            },
        );
        EclipseState {
            customers,
            documents,
            next_document_id: 700_001,
            completions: HashMap::new(),
        }
    }

    /// The landing URL behind a completion code (demo redirect page).
    pub(in crate::server::sandbox) fn landing_for_completion(&self, code: &str) -> Option<String> {
        self.completions.get(code).cloned()
    }
}

impl EclipseState {
    /// Admits a walk-in customer (`eclipse_ids::is_walk_in`) the first time any
    /// customer-scoped call names it: a brand-new customer whose one ratify
    /// result is PENDING (the `pending_then_passed` shape) and then settles:
    /// by the id's last digit, 5 a sanctions hit, 6 a liveness failure, 7 a
    /// face mismatch, 8 a name mismatch, anything else PASSED with the seed's
    /// clean-pass checks. Returns true when it was
    /// created just now. Anything else is left alone (and stays 404).
    pub(super) fn admit_walk_in(&mut self, tenant_id: &str, customer_id: &str) -> bool {
        if !ids::is_walk_in(tenant_id, customer_id) {
            return false;
        }
        let key = (tenant_id.to_string(), customer_id.to_string());
        if self.customers.contains_key(&key) {
            return false;
        }
        // The last digit picks what the ratification finds, so people (and
        // end-to-end tests) can make the cases they need.
        let outcome = match customer_id.chars().last() {
            Some('5') => Outcome::SanctionsHit,
            Some('6') => Outcome::LivenessFailure,
            Some('7') => Outcome::FaceMismatch,
            Some('8') => Outcome::NameMismatch,
            _ => Outcome::Passed,
        };
        self.customers.insert(
            key,
            Customer {
                first_name: "Walk-in",
                last_name: "Customer",
                outcome,
                history: vec![pending(outcome, &iso_millis(now_millis()))],
                pending_polls: Some(0),
                liveness_results: 0,
                liveness_passed: false,
            },
        );
        tracing::debug!(
            tenant_id,
            customer_id,
            "sandbox: new Eclipse walk-in customer"
        );
        true
    }
}

/// The landing URL of the seed's liveness request.
pub(super) fn seed_landing_url() -> Option<String> {
    let request = seed_json(SEED_LIVENESS_POST_REQUEST);
    let extra = request.get("extraInfo")?.as_str()?;
    let extra: Value = serde_json::from_str(extra).ok()?;
    extra.get("landingUrl")?.as_str().map(str::to_string)
}

/// A ratify read (`count_poll`) or a new ratification: the PENDING result
/// settles once it has been polled `polls_to_settle` times.
pub(super) fn settle_if_due(customer: &mut Customer, polls_to_settle: u32, count_poll: bool) {
    let Some(polls) = customer.pending_polls else {
        return;
    };
    let polls = if count_poll { polls + 1 } else { polls };
    if polls >= polls_to_settle {
        let result = settled(
            customer.outcome,
            customer.liveness_passed,
            &iso_millis(now_millis()),
        );
        if let Some(first) = customer.history.first_mut() {
            *first = result;
        } else {
            customer.history.push(result);
        }
        customer.pending_polls = None;
    } else {
        customer.pending_polls = Some(polls);
    }
}
