//! An application record: its list representation (what list, PUT and POST
//! return), the detail around it, and how a moving one changes over polls.

use serde_json::{json, Map, Value};

use super::representations::{vouched, vouched_active};
use crate::server::sandbox::scenarios::ident_ids as ids;
use crate::server::sandbox::{civil_days, random_hex};

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Moving {
    /// pending → submitted (1st poll) → accepted (N-th poll); a PUT stops it.
    PendingThenAccepted,
    /// submitted → rejected on the N-th poll, even after a PUT (the race).
    PollerOverwrites,
}

pub(super) struct Record {
    /// The list representation (what list, PUT and POST return).
    pub(super) base: Map<String, Value>,
    pub(super) params: Option<Value>,
    pub(super) representation: Option<Value>,
    pub(super) similar_applications: Option<Value>,
    pub(super) similar_users: Option<Value>,
    /// Microseconds since the epoch of `created_at` (sort key).
    pub(super) created_us: i64,
    pub(super) moving: Option<(Moving, u32)>,
}

/// Parses `2019-11-13T03:55:02.687098-05:00` (or `Z`) into epoch microseconds.
fn parse_rfc3339_micros(text: &str) -> Option<i64> {
    let num = |s: &str| s.parse::<i64>().ok();
    let (date, rest) = text.split_once('T')?;
    let mut date_parts = date.split('-');
    let (y, m, d) = (
        num(date_parts.next()?)?,
        num(date_parts.next()?)?,
        num(date_parts.next()?)?,
    );
    let (time, offset_secs) = if let Some(time) = rest.strip_suffix('Z') {
        (time, 0)
    } else {
        let split = rest.rfind(['+', '-'])?;
        let (time, offset) = rest.split_at(split);
        let sign = if offset.starts_with('-') { -1 } else { 1 };
        let (oh, om) = offset[1..].split_once(':')?;
        (time, sign * (num(oh)? * 3600 + num(om)? * 60))
    };
    let (hms, fraction) = time.split_once('.').unwrap_or((time, "0"));
    let mut hms_parts = hms.split(':');
    let (h, mi, s) = (
        num(hms_parts.next()?)?,
        num(hms_parts.next()?)?,
        num(hms_parts.next()?)?,
    );
    let micros = num(&format!("{fraction:0<6}")[..6])?;
    let secs = civil_days(y, m, d) * 86_400 + h * 3600 + mi * 60 + s - offset_secs;
    Some(secs * 1_000_000 + micros)
}

impl Record {
    pub(super) fn from_base(base: Value) -> Record {
        let base = match base {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        let created_us = base
            .get("created_at")
            .and_then(Value::as_str)
            .and_then(parse_rfc3339_micros)
            .unwrap_or(0);
        Record {
            base,
            params: None,
            representation: None,
            similar_applications: None,
            similar_users: None,
            created_us,
            moving: None,
        }
    }

    pub(super) fn id(&self) -> &str {
        self.base.get("id").and_then(Value::as_str).unwrap_or("")
    }

    pub(super) fn status(&self) -> &str {
        self.base
            .get("status")
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    pub(super) fn set(&mut self, key: &str, value: Value) {
        self.base.insert(key.into(), value);
    }

    pub(super) fn detail(&self) -> Value {
        let mut out = self.base.clone();
        if let Some(params) = &self.params {
            out.insert("params".into(), params.clone());
        }
        if let Some(representation) = &self.representation {
            out.insert("provider_representation".into(), representation.clone());
        }
        if let Some(similar) = &self.similar_applications {
            out.insert("similar_kyc_applications".into(), similar.clone());
        }
        if let Some(users) = &self.similar_users {
            out.insert("similar_users".into(), users.clone());
        }
        Value::Object(out)
    }

    /// One detail poll of a moving record.
    pub(super) fn poll(&mut self, polls_to_settle: u32) {
        let Some((kind, polls)) = self.moving else {
            return;
        };
        let polls = polls + 1;
        let settled = polls >= polls_to_settle;
        self.moving = (!settled).then_some((kind, polls));
        let job = self
            .base
            .get("identifier")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| random_hex(4));
        self.set("identifier", json!(job));
        let (first, last) = name_parts(&self.base);
        match (kind, settled) {
            (Moving::PendingThenAccepted, true) => {
                self.set("status", json!("accepted"));
                self.representation = Some(vouched(
                    &job,
                    "completed",
                    true,
                    &[],
                    [Some(0.96), Some(0.93), Some(0.95), Some(0.97), Some(0.91)],
                    (&first, &last),
                ));
            }
            (Moving::PendingThenAccepted, false) => {
                self.set("status", json!("submitted"));
                self.representation = Some(vouched_active(&job));
            }
            (Moving::PollerOverwrites, true) => {
                self.set("status", json!("rejected"));
                self.representation = Some(vouched(
                    &job,
                    "completed",
                    false,
                    &[(
                        "BirthDateMatchError",
                        "Birth date is below the confidence threshold",
                    )],
                    [Some(0.91), None, Some(0.88), Some(0.31), Some(0.9)],
                    (&first, &last),
                ));
            }
            (Moving::PollerOverwrites, false) => {}
        }
    }
}

fn name_parts(base: &Map<String, Value>) -> (String, String) {
    let name = base.get("name").and_then(Value::as_str).unwrap_or("");
    let (first, last) = name.split_once(' ').unwrap_or((name, ""));
    (first.to_string(), last.to_string())
}

pub(super) fn base(
    id: &str,
    created_at: &str,
    user_id: &str,
    provider: &str,
    identifier: Option<&str>,
    status: &str,
    name: &str,
) -> Value {
    json!({
        "id": id,
        "created_at": created_at,
        "application_id": ids::APPLICATION,
        "user_id": user_id,
        "provider": provider,
        "identifier": identifier,
        "type": "kyc",
        "status": status,
        "name": name,
        "description": null,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_with_offsets_orders_correctly() {
        let a = parse_rfc3339_micros("2019-11-13T03:55:02.687098-05:00").unwrap();
        let b = parse_rfc3339_micros("2019-11-13T08:55:02.687098Z").unwrap();
        assert_eq!(a, b);
        let c = parse_rfc3339_micros("2019-06-12T02:31:33.613098-04:00").unwrap();
        assert!(c < a);
        assert_eq!(
            parse_rfc3339_micros("1970-01-01T00:00:01.5+00:00"),
            Some(1_500_000)
        );
    }
}
