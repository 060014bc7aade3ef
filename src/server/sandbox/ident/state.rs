//! The applications: the seeds verbatim, the scenario catalogue around
//! them, and walk-ins.

use serde_json::{json, Value};

use super::record::{base, Moving, Record};
use super::representations::{identitymind_review, vouched, vouched_active};
use super::{SEED_DETAIL, SEED_LIST, SEED_PUT};
use crate::server::sandbox::images::named_b64;
use crate::server::sandbox::scenarios::ident_ids as ids;
use crate::server::sandbox::{now_micros, rfc3339_micros, seed_json};

pub(in crate::server::sandbox) struct IdentState {
    pub(super) records: Vec<Record>,
}

impl IdentState {
    pub(in crate::server::sandbox) fn seeded() -> IdentState {
        let mut records = Vec::new();

        // The three seed list records, verbatim.
        if let Value::Array(items) = seed_json(SEED_LIST) {
            for item in items {
                let mut record = Record::from_base(item);
                match record.id() {
                    ids::SEED_LIST_REMEDIATE => {
                        record.representation = Some(vouched(
                            "OsccQPWf",
                            "completed",
                            true,
                            &[(
                                "DuplicateApplicationError",
                                "A KYC application with the same identity already exists",
                            )],
                            [Some(0.95), Some(0.9), Some(0.94), Some(0.97), Some(0.92)],
                            ("John", "Smith"),
                        ));
                    }
                    ids::SEED_LIST_ACCEPTED => {
                        record.representation = Some(vouched(
                            "oRM3YnSy",
                            "completed",
                            true,
                            &[],
                            [Some(0.97), Some(0.95), Some(0.96), Some(0.98), Some(0.93)],
                            ("Joe", "Lubin"),
                        ));
                    }
                    _ => {}
                }
                records.push(record);
            }
        }

        // The seed detail, verbatim (params and representation split off).
        let mut detail = seed_json(SEED_DETAIL);
        let params = detail.as_object_mut().and_then(|d| d.remove("params"));
        let representation = detail
            .as_object_mut()
            .and_then(|d| d.remove("provider_representation"));
        let mut record = Record::from_base(detail);
        record.params = params;
        record.representation = representation;
        records.push(record);

        // The seed PUT record: in review until someone PUTs a status.
        let mut put = Record::from_base(seed_json(SEED_PUT));
        put.set("status", json!("review"));
        records.push(put);

        let user = "6c1a3e6f-8d0b-4b8e-9f2a-3c4d5e6f7a8b";
        let mut add = |base_value: Value,
                       params: Option<Value>,
                       representation: Option<Value>,
                       moving: Option<Moving>| {
            let mut record = Record::from_base(base_value);
            record.params = params;
            record.representation = representation;
            record.moving = moving.map(|kind| (kind, 0));
            records.push(record);
        };

        add(
            base(
                ids::CLEAN_PASS,
                "2020-06-01T10:15:30.120045-04:00",
                user,
                "vouched",
                Some("Cp7Qx2Lm"),
                "accepted",
                "Maria Garcia",
            ),
            Some(
                json!({"first_name": "Maria", "last_name": "Garcia", "date_of_birth": "03/14/1988",
                        "id_photo": "", "selfie": "", "type": "id-verification"}),
            ),
            Some(vouched(
                "Cp7Qx2Lm",
                "completed",
                true,
                &[],
                [Some(0.97), Some(0.94), Some(0.96), Some(0.98), Some(0.95)],
                ("Maria", "Garcia"),
            )),
            None,
        );
        add(
            base(
                ids::FACE_MISMATCH,
                "2020-06-02T11:05:00.500000-04:00",
                user,
                "vouched",
                Some("Fm3Zr8Kd"),
                "rejected",
                "Kevin Osei",
            ),
            Some(
                json!({"params": {"date_of_birth": "11/02/1993", "first_name": "Kevin", "last_name": "Osei",
                        "id_photo": named_b64("id_photo"), "id_photo_back": "", "selfie": named_b64("selfie"),
                        "type": "id-verification", "webhook_url": null},
                        "type": "id-verification"}),
            ),
            Some(vouched(
                "Fm3Zr8Kd",
                "completed",
                false,
                &[("FaceMatchError", "Id and selfie faces do not match")],
                [Some(0.91), Some(0.88), Some(0.12), Some(0.9), Some(0.86)],
                ("Kevin", "Osei"),
            )),
            None,
        );
        add(
            base(
                ids::NAME_MISMATCH,
                "2020-06-03T09:45:12.000001-04:00",
                user,
                "vouched",
                Some("Nm9Wq4Te"),
                "rejected",
                "Jonathan Price",
            ),
            Some(
                json!({"first_name": "Jonathan", "last_name": "Price", "date_of_birth": "07/30/1979",
                        "id_photo": "", "selfie": "", "type": "id-verification"}),
            ),
            Some(vouched(
                "Nm9Wq4Te",
                "completed",
                false,
                &[("NameMatchError", "Name is below the confidence threshold")],
                [Some(0.93), Some(0.9), Some(0.94), Some(0.42), Some(0.9)],
                ("Jon", "Pryce"),
            )),
            None,
        );
        add(
            base(
                ids::UNKNOWN_STATUS,
                "2020-06-05T08:00:00.000000-04:00",
                user,
                "vouched",
                Some("Uh2Ys6Pa"),
                "on-hold-by-ops",
                "Grace Liu",
            ),
            None,
            Some(vouched(
                "Uh2Ys6Pa",
                "completed",
                true,
                &[],
                [Some(0.95), Some(0.92), Some(0.93), Some(0.96), Some(0.9)],
                ("Grace", "Liu"),
            )),
            None,
        );
        add(
            base(
                ids::PENDING_THEN_ACCEPTED,
                "2020-06-08T14:30:00.000000-04:00",
                user,
                "vouched",
                None,
                "pending",
                "Ahmed Khan",
            ),
            Some(
                json!({"first_name": "Ahmed", "last_name": "Khan", "date_of_birth": "01/09/1990",
                        "type": "id-verification"}),
            ),
            None,
            Some(Moving::PendingThenAccepted),
        );
        add(
            base(
                ids::POLLER_OVERWRITES_PUT,
                "2020-06-09T16:45:00.000000-04:00",
                user,
                "vouched",
                Some("Rc5Tb1Vn"),
                "submitted",
                "Olga Ivanova",
            ),
            None,
            Some(vouched_active("Rc5Tb1Vn")),
            Some(Moving::PollerOverwrites),
        );
        add(
            base(
                ids::IDENTITYMIND_REVIEW,
                "2020-06-10T12:00:00.000000-04:00",
                user,
                "identitymind",
                Some("6fd2b7a1c0e94f6b8a3d5e1f2c4b7a90"),
                "review",
                "Samuel Adeyemi",
            ),
            Some(json!({
                "first_name": "Samuel", "last_name": "Adeyemi", "email": "samuel@example.com",
            })),
            Some(identitymind_review()),
            None,
        );

        // The duplicate pair: our remediate record and the seed remediate one.
        let seed_remediate = records
            .iter()
            .find(|r| r.id() == ids::SEED_LIST_REMEDIATE)
            .map(|r| Value::Object(r.base.clone()));
        let mut remediate = Record::from_base(base(
            ids::REMEDIATE_DUPLICATE,
            "2020-06-04T13:20:45.250000-04:00",
            "0d5b4c3a-2e1f-4a9b-8c7d-6e5f4a3b2c1d",
            "vouched",
            Some("Dp4Hs7Jx"),
            "remediate",
            "John Smith",
        ));
        remediate.params = Some(json!({"first_name": "John", "last_name": "Smith",
            "date_of_birth": "02/17/1985", "id_number": "S5301234", "type": "id-verification"}));
        remediate.representation = Some(vouched(
            "Dp4Hs7Jx",
            "completed",
            true,
            &[
                (
                    "SimilarApplicationError",
                    "A similar KYC application exists",
                ),
                (
                    "DuplicateApplicationError",
                    "A KYC application with the same identity already exists",
                ),
            ],
            [Some(0.95), Some(0.91), Some(0.93), Some(0.96), Some(0.92)],
            ("John", "Smith"),
        ));
        remediate.similar_applications = seed_remediate.map(|r| json!([r]));
        remediate.similar_users = Some(json!([{
            "id": "9a253758-197a-4308-8d2d-61cfe9317644",
            "created_at": "2019-11-13T03:50:41.118734-05:00",
            "name": "John Smith",
            "first_name": "John",
            "last_name": "Smith",
            "email": "john.smith@example.com",
        }]));
        records.push(remediate);

        IdentState { records }
    }
}

impl IdentState {
    /// Admits a walk-in application (`ident_ids::is_walk_in`) the first time a
    /// detail GET or a PUT names it: a brand-new vouched application, pending
    /// with `identifier: null`, that moves like `pending_then_accepted`
    /// (submitted on the 1st detail poll, accepted with clean confidences on
    /// the `polls_to_settle`-th). Anything else is left alone (and stays 404).
    pub(super) fn admit_walk_in(&mut self, id: &str) {
        if !ids::is_walk_in(id) || self.records.iter().any(|r| r.id() == id) {
            return;
        }
        let now = now_micros();
        let mut record = Record::from_base(base(
            id,
            &rfc3339_micros(now),
            "5a1d0e9f-7c3b-4e2a-9d8c-1b0a9f8e7d6c",
            "vouched",
            None,
            "pending",
            "Walk-in Customer",
        ));
        record.created_us = now as i64;
        record.params = Some(json!({"first_name": "Walk-in", "last_name": "Customer",
            "date_of_birth": "01/01/1990", "type": "id-verification"}));
        record.moving = Some((Moving::PendingThenAccepted, 0));
        self.records.push(record);
        tracing::debug!(
            application_id = id,
            "sandbox: new ident walk-in application"
        );
    }
}
