//! A workflow execution: the nodes it runs (input nodes wait for a
//! submission with their callback key; the screen check runs by itself),
//! how it moves over status polls, and how it reads.

use serde_json::{json, Value};

pub(super) const PARTICULAR: &str = "flow_action_individual_particular";
pub(super) const LIVENESS: &str = "flow_action_liveness_test";
pub(super) const IDENTITY_DOCUMENT: &str = "flow_action_identity_document";
pub(super) const SCREEN_CHECK: &str = "flow_action_screen_check";
pub(super) const VALIDATE_EMAIL: &str = "flow_action_validate_email";
pub(super) const VALIDATE_PHONE: &str = "flow_action_validate_phone";
pub(super) const REQUIRED_DOCUMENT: &str = "flow_action_individual_required_document";
pub(super) const REQUIRED_FORMS: &str = "flow_action_individual_required_forms";
/// Not in the documented list: a client has no handler for it.
pub(super) const UNKNOWN_NODE: &str = "flow_action_video_interview";

fn callback_prefix(node_type: &str) -> &'static str {
    match node_type {
        IDENTITY_DOCUMENT => "ocr",
        PARTICULAR => "particular",
        LIVENESS => "liveness",
        VALIDATE_EMAIL => "email",
        VALIDATE_PHONE => "phone",
        REQUIRED_DOCUMENT => "required_doc",
        REQUIRED_FORMS => "required_form",
        _ => "node",
    }
}

pub(super) struct Execution {
    pub(super) reference_id: String,
    pub(super) status: String,
    /// Nodes still to run, in order.
    pub(super) pipeline: Vec<&'static str>,
    /// The waiting node: (nodeType, callbackKey).
    pub(super) current: Option<(String, String)>,
    /// Finished nodes: (nodeType, PASS | FAIL).
    pub(super) nodes: Vec<(String, &'static str)>,
    /// `Some(polls so far)` while RUNNING towards the next node.
    pub(super) running_polls: Option<u32>,
    /// The automatic screen check fails (sanctions hit).
    pub(super) screen_hit: bool,
    pub(super) callback_seq: u32,
    pub(super) used_callbacks: Vec<String>,
}

impl Execution {
    pub(super) fn new(reference_id: &str, status: &str) -> Execution {
        Execution {
            reference_id: reference_id.into(),
            status: status.into(),
            pipeline: Vec::new(),
            current: None,
            nodes: Vec::new(),
            running_polls: None,
            screen_hit: false,
            callback_seq: 0,
            used_callbacks: Vec::new(),
        }
    }

    pub(super) fn done(mut self, nodes: &[(&str, &'static str)]) -> Execution {
        self.nodes = nodes.iter().map(|(t, s)| (t.to_string(), *s)).collect();
        self
    }

    pub(super) fn wait_on(&mut self, execution_id: &str, node_type: &str) {
        self.callback_seq += 1;
        let key = format!(
            "kyc:{}:{execution_id}:{}",
            callback_prefix(node_type),
            self.callback_seq
        );
        self.status = "WAITING".into();
        self.current = Some((node_type.to_string(), key));
    }

    /// Runs automatic nodes until the next input node or the end.
    pub(super) fn advance(&mut self, execution_id: &str) {
        while !self.pipeline.is_empty() {
            let node = self.pipeline.remove(0);
            if node == SCREEN_CHECK {
                let outcome = if self.screen_hit { "FAIL" } else { "PASS" };
                self.nodes.push((node.to_string(), outcome));
            } else {
                self.wait_on(execution_id, node);
                return;
            }
        }
        self.status = "COMPLETED".into();
        self.current = None;
    }

    /// One `workflow.execution.status` poll.
    pub(super) fn poll(&mut self, execution_id: &str, polls_to_settle: u32) {
        let Some(polls) = self.running_polls else {
            return;
        };
        let polls = polls + 1;
        if polls >= polls_to_settle {
            self.running_polls = None;
            self.advance(execution_id);
        } else {
            self.running_polls = Some(polls);
        }
    }

    pub(super) fn start_running(&mut self, execution_id: &str, polls_to_settle: u32) {
        self.status = "RUNNING".into();
        self.current = None;
        self.running_polls = Some(0);
        if polls_to_settle == 0 {
            self.running_polls = None;
            self.advance(execution_id);
        }
    }

    pub(super) fn result(&self) -> Value {
        let screen_failed = self
            .nodes
            .iter()
            .any(|(t, s)| t == SCREEN_CHECK && *s == "FAIL");
        let any_failed = self.nodes.iter().any(|(_, s)| *s == "FAIL");
        let decision = if screen_failed {
            "REJECTED"
        } else if any_failed {
            "REVIEW"
        } else {
            "APPROVED"
        };
        let nodes: Vec<Value> = self
            .nodes
            .iter()
            .map(|(t, s)| json!({"nodeType": t, "status": s}))
            .collect();
        json!({"decision": decision, "nodes": nodes})
    }

    pub(super) fn view(&self, execution_id: &str) -> Value {
        let mut out = json!({"executionId": execution_id, "status": self.status});
        if let Some(object) = out.as_object_mut() {
            if self.status == "WAITING" {
                if let Some((node_type, key)) = &self.current {
                    object.insert(
                        "currentNode".into(),
                        json!({"nodeType": node_type, "callbackKey": key}),
                    );
                }
            }
            if self.status == "COMPLETED" {
                object.insert("result".into(), self.result());
            }
        }
        out
    }
}
