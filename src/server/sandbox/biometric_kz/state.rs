//! The flow sessions: the scenario catalogue, walk-ins, and what the MCP
//! tools read and change (MCP reads never advance a moving session).

use std::collections::HashMap;

use serde_json::{json, Value};

use super::blocks::{
    aml, doc_key, doc_recognition, face2face, gbdfl, liveness, reason, replace_block, Person,
    Spelling,
};
use super::session::{Images, Session};
use crate::server::sandbox::scenarios::bio_ids as ids;
use crate::server::sandbox::{iso_secs, now_secs, uuid_v4};

pub(in crate::server::sandbox) struct BioState {
    pub(super) sessions: HashMap<String, Session>,
}

const SEEDED_AT: u64 = 1_779_170_000; // 2026-05-19T05:53:20Z

/// The person behind a walk-in session.
const WALK_IN_PERSON: Person = Person {
    first: "Walk-in",
    last: "Customer",
    middle: "Sandboxovna",
    iin: "000101400999",
};

impl BioState {
    /// Admits a walk-in session (`bio_ids::is_walk_in`) the first time a REST
    /// result or MCP call names it: a brand-new clean session that moves like
    /// `moving_to_finished` (CREATED → PROGRESS → FINISHED with one poll of
    /// empty blocks, then the full clean-pass blocks). Anything else is left
    /// alone (and stays 404).
    pub(super) fn admit_walk_in(&mut self, session_id: &str) {
        if !ids::is_walk_in(session_id) || self.sessions.contains_key(session_id) {
            return;
        }
        let mut session = Session::new("CREATED", now_secs(), WALK_IN_PERSON, Spelling::Seed);
        session.moving_polls = Some(0);
        self.sessions.insert(session_id.to_string(), session);
        tracing::debug!(session_id, "sandbox: new biometric.kz walk-in session");
    }
}

impl BioState {
    pub(in crate::server::sandbox) fn seeded() -> BioState {
        let aigerim = Person {
            first: "Aigerim",
            last: "Nurlanovna",
            middle: "Serikkyzy",
            iin: "910412450123",
        };
        let daniyar = Person {
            first: "Daniyar",
            last: "Akhmetov",
            middle: "Bolatuly",
            iin: "880203350456",
        };
        let madina = Person {
            first: "Madina",
            last: "Omarova",
            middle: "Kairatkyzy",
            iin: "950717400789",
        };
        let yerlan = Person {
            first: "Yerlan",
            last: "Sadykov",
            middle: "Maratuly",
            iin: "790930300112",
        };
        let seed = Spelling::Seed;
        let alt = Spelling::Alternative;
        let mut sessions = HashMap::new();
        let mut at = SEEDED_AT;
        let mut add = |id: &str, session: Session| {
            sessions.insert(id.to_string(), session);
        };
        let mut next = || {
            at += 600;
            at
        };

        add(
            ids::CLEAN_PASS,
            Session::new("FINISHED", next(), aigerim, seed),
        );

        let mut s = Session::new("FAILED", next(), daniyar, seed)
            .failing(&[("CALC_RESULT", "Low prediction")]);
        replace_block(&mut s.blocks, "liveness_result", liveness(false, "0.3120"));
        // The flow stops at the failed liveness: later technologies never ran.
        s.blocks.truncate(1);
        add(ids::LIVENESS_FAILURE, s);

        let mut s = Session::new("FINISHED", next(), madina, alt)
            .failing(&[("CALC_RESULT", "Low similarity")]);
        replace_block(
            &mut s.blocks,
            "face2face_result",
            face2face(false, "0.41", "41.00"),
        );
        add(ids::FACE_MISMATCH, s);

        let mut s = Session::new("FINISHED", next(), yerlan, seed)
            .failing(&[("CALC_RESULT", "Match found on sanctions list")]);
        s.technologies.push("AML");
        s.blocks.push(("aml_result", aml(yerlan, false)));
        add(ids::SANCTIONS_HIT, s);

        let mut s = Session::new("IN_REVIEW", next(), madina, seed)
            .failing(&[("CALC_RESULT", "Low similarity")]);
        replace_block(
            &mut s.blocks,
            "face2face_result",
            face2face(false, "0.8300", "83.00"),
        );
        add(ids::IN_REVIEW, s);

        let mut s = Session::new("IN_REVIEW", next(), daniyar, alt)
            .failing(&[("CALC_RESULT", "Document expired")]);
        replace_block(
            &mut s.blocks,
            doc_key(alt),
            doc_recognition(
                daniyar,
                false,
                Some(reason("CALC_RESULT", "Document expired")),
            ),
        );
        add(ids::IN_REVIEW_SECOND, s);

        let mut s = Session::new("FINISHED", next(), yerlan, seed).failing(&[]);
        replace_block(
            &mut s.blocks,
            doc_key(seed),
            doc_recognition(yerlan, false, None),
        );
        add(ids::FINISHED_NOT_IN_REVIEW, s);

        add(
            ids::UNKNOWN_STATUS,
            Session::new("ARCHIVED", next(), aigerim, seed),
        );

        let mut s = Session::new("CREATED", next(), aigerim, seed);
        s.moving_polls = Some(0);
        add(ids::MOVING_TO_FINISHED, s);

        add(ids::CREATED, Session::new("CREATED", next(), daniyar, seed));
        add(ids::QR, Session::new("QR", next(), madina, seed));
        add(
            ids::PROGRESS,
            Session::new("PROGRESS", next(), yerlan, seed),
        );
        add(
            ids::APPROVED,
            Session::new("APPROVED", next(), aigerim, seed),
        );

        let mut s = Session::new("DECLINED", next(), daniyar, seed)
            .failing(&[("CALC_RESULT", "Low similarity")]);
        replace_block(
            &mut s.blocks,
            "face2face_result",
            face2face(false, "0.5200", "52.00"),
        );
        add(ids::DECLINED, s);

        let mut s = Session::new("FINISHED", next(), madina, seed)
            .failing(&[("TIMEOUT", "GBDFL did not answer in time")]);
        replace_block(&mut s.blocks, "gbdfl_result", gbdfl(madina, "TIMEOUT"));
        add(ids::GBDFL_TIMEOUT, s);

        BioState { sessions }
    }
}

impl BioState {
    /// A session as MCP shows it (MCP reads never advance a moving session).
    pub(super) fn view(&mut self, session_id: &str, images: Images, host: &str) -> Option<Value> {
        self.admit_walk_in(session_id);
        self.sessions
            .get(session_id)
            .map(|s| s.render(session_id, images, host, false))
    }

    /// `update_flow_session_status`: only IN_REVIEW → APPROVED | DECLINED.
    pub(super) fn finalise(
        &mut self,
        session_id: &str,
        status: &str,
        content: Option<&str>,
    ) -> Result<Value, String> {
        self.admit_walk_in(session_id);
        let session = self
            .sessions
            .get_mut(session_id)
            .ok_or_else(|| format!("Flow session {session_id} not found"))?;
        if status != "APPROVED" && status != "DECLINED" {
            return Err(format!(
                "Invalid status {status:?}: update_flow_session_status only accepts APPROVED or DECLINED"
            ));
        }
        if session.status != "IN_REVIEW" {
            return Err(format!(
                "Flow session {session_id} is not in review (current status: {}). \
                 Only a session in IN_REVIEW can be finalised; take it in the Cabinet first.",
                session.status
            ));
        }
        session.status = status.to_string();
        session.finished_at = session.finished_at.or(Some(now_secs()));
        let now = iso_secs(now_secs());
        session.reviews.push(json!({
            "id": uuid_v4(),
            "session_id": session_id,
            "type": "STATUS_CHANGE",
            "status": status,
            "text_content": content,
            "created_at": now,
        }));
        Ok(json!({
            "id": session_id,
            "status": status,
            "content": content,
            "updated_at": now,
        }))
    }

    /// `create_flow_session_review`: a MESSAGE review.
    pub(super) fn add_review(&mut self, session_id: &str, text: &str) -> Result<Value, String> {
        self.admit_walk_in(session_id);
        let session = self
            .sessions
            .get_mut(session_id)
            .ok_or_else(|| format!("Flow session {session_id} not found"))?;
        let review = json!({
            "id": uuid_v4(),
            "session_id": session_id,
            "type": "MESSAGE",
            "text_content": text,
            "created_at": iso_secs(now_secs()),
        });
        session.reviews.push(review.clone());
        Ok(review)
    }

    /// `list_flow_session_reviews`.
    pub(super) fn reviews(&mut self, session_id: &str) -> Result<Value, String> {
        self.admit_walk_in(session_id);
        self.sessions
            .get(session_id)
            .map(|s| Value::Array(s.reviews.clone()))
            .ok_or_else(|| format!("Flow session {session_id} not found"))
    }
}
