//! Applicants and executions: the scenario catalogue and walk-ins.

use std::collections::HashMap;

use serde_json::{json, Value};

use super::execution::{
    Execution, IDENTITY_DOCUMENT, LIVENESS, PARTICULAR, SCREEN_CHECK, UNKNOWN_NODE,
};
use crate::server::sandbox::random_hex;
use crate::server::sandbox::scenarios::width_ids as ids;

pub(in crate::server::sandbox) struct WidthState {
    /// Keyed by `customerId` (or `email:<email>` when only an email was sent).
    pub(super) applicants: HashMap<String, Value>,
    pub(super) executions: HashMap<String, Execution>,
}

impl WidthState {
    pub(in crate::server::sandbox) fn seeded() -> WidthState {
        let mut applicants = HashMap::new();
        for (n, (_, customer_id, _)) in ids::ALL.iter().enumerate() {
            applicants.insert(
                customer_id.to_string(),
                json!({
                    "applicantId": format!("apl-sbx-{:04}", n + 1),
                    "customerId": customer_id,
                    "email": null,
                }),
            );
        }
        let all_pass = [
            (IDENTITY_DOCUMENT, "PASS"),
            (PARTICULAR, "PASS"),
            (LIVENESS, "PASS"),
            (SCREEN_CHECK, "PASS"),
        ];
        let mut executions = HashMap::new();
        let mut add = |ids: ids::Ids, execution: Execution| {
            executions.insert(ids.0.to_string(), execution);
        };
        add(
            ids::CLEAN_PASS,
            Execution::new(ids::CLEAN_PASS.2, "COMPLETED").done(&all_pass),
        );
        add(
            ids::SANCTIONS_HIT,
            Execution::new(ids::SANCTIONS_HIT.2, "COMPLETED").done(&[
                (IDENTITY_DOCUMENT, "PASS"),
                (PARTICULAR, "PASS"),
                (LIVENESS, "PASS"),
                (SCREEN_CHECK, "FAIL"),
            ]),
        );
        add(
            ids::MANUAL_REVIEW,
            Execution::new(ids::MANUAL_REVIEW.2, "COMPLETED").done(&[
                (IDENTITY_DOCUMENT, "PASS"),
                (PARTICULAR, "PASS"),
                (LIVENESS, "FAIL"),
                (SCREEN_CHECK, "PASS"),
            ]),
        );
        let mut waiting = Execution::new(ids::WAITING_LIVENESS.2, "RUNNING")
            .done(&[(IDENTITY_DOCUMENT, "PASS"), (PARTICULAR, "PASS")]);
        waiting.pipeline = vec![SCREEN_CHECK];
        waiting.wait_on(ids::WAITING_LIVENESS.0, LIVENESS);
        add(ids::WAITING_LIVENESS, waiting);

        let mut unknown_node = Execution::new(ids::WAITING_UNKNOWN_NODE.2, "RUNNING")
            .done(&[(IDENTITY_DOCUMENT, "PASS"), (PARTICULAR, "PASS")]);
        unknown_node.wait_on(ids::WAITING_UNKNOWN_NODE.0, UNKNOWN_NODE);
        add(ids::WAITING_UNKNOWN_NODE, unknown_node);

        add(
            ids::UNKNOWN_STATUS,
            Execution::new(ids::UNKNOWN_STATUS.2, "PAUSED").done(&[(IDENTITY_DOCUMENT, "PASS")]),
        );
        let mut running = Execution::new(ids::RUNNING_THEN_COMPLETED.2, "RUNNING").done(&[
            (IDENTITY_DOCUMENT, "PASS"),
            (PARTICULAR, "PASS"),
            (LIVENESS, "PASS"),
        ]);
        running.pipeline = vec![SCREEN_CHECK];
        running.running_polls = Some(0);
        add(ids::RUNNING_THEN_COMPLETED, running);

        add(ids::FAILED, Execution::new(ids::FAILED.2, "FAILED"));
        add(ids::TIMEOUT, Execution::new(ids::TIMEOUT.2, "TIMEOUT"));
        add(
            ids::CANCELLED,
            Execution::new(ids::CANCELLED.2, "CANCELLED"),
        );
        WidthState {
            applicants,
            executions,
        }
    }
}

impl WidthState {
    /// Admits a walk-in execution (`width_ids::walk_in_suffix`) the first time
    /// a call names its `executionId`: a brand-new clean execution that moves
    /// like `running_then_completed` (RUNNING; the automatic screen check
    /// completes it APPROVED on the `polls_to_settle`-th status poll), with
    /// applicant `C_sbx_new_<suffix>` and reference `ref-sbx-new-<suffix>`.
    /// Anything else is left alone (and stays 404).
    pub(super) fn admit_walk_in(&mut self, execution_id: &str) {
        let Some(suffix) = ids::walk_in_suffix(execution_id) else {
            return;
        };
        if self.executions.contains_key(execution_id) {
            return;
        }
        let customer_id = format!("C_sbx_new_{suffix}");
        self.applicants
            .entry(customer_id.clone())
            .or_insert_with(|| {
                json!({
                    "applicantId": format!("apl-{}", random_hex(6)),
                    "customerId": customer_id,
                    "email": null,
                })
            });
        let mut execution = Execution::new(&format!("ref-sbx-new-{suffix}"), "RUNNING").done(&[
            (IDENTITY_DOCUMENT, "PASS"),
            (PARTICULAR, "PASS"),
            (LIVENESS, "PASS"),
        ]);
        execution.pipeline = vec![SCREEN_CHECK];
        execution.running_polls = Some(0);
        self.executions.insert(execution_id.to_string(), execution);
        tracing::debug!(execution_id, "sandbox: new WIDTH walk-in execution");
    }
}
