//! A flow session: its status moving over polls (REST result reads), and
//! how it renders — its blocks' images inline, as short-lived S3-style URLs
//! or left out.

use serde_json::{json, Map, Value};

use super::blocks::{reason, standard_blocks, technology, Person, Spelling, STANDARD_TECHNOLOGIES};
use crate::server::sandbox::images::named_b64;
use crate::server::sandbox::{amz_date, iso_secs, now_secs, random_hex};

pub(super) struct Session {
    pub(super) status: String,
    pub(super) created_at: u64,
    pub(super) finished_at: Option<u64>,
    pub(super) spelling: Spelling,
    pub(super) technologies: Vec<&'static str>,
    /// Per-technology blocks in their final form (images as `$image:name`).
    pub(super) blocks: Vec<(&'static str, Value)>,
    pub(super) verdict: Option<bool>,
    pub(super) failure_reasons: Vec<(&'static str, &'static str)>,
    /// `Some(polls so far)` while the session still moves towards FINISHED.
    pub(super) moving_polls: Option<u32>,
    pub(super) reviews: Vec<Value>,
}

/// How images are rendered.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Images {
    /// Short-lived S3-style URLs (`/result/light/`, MCP light result).
    Light,
    /// Base64 inline (`/result/`).
    Inline,
    /// No media at all (MCP `get_flow_session`).
    Omit,
}

impl Session {
    pub(super) fn new(
        status: &str,
        created_at: u64,
        person: Person,
        spelling: Spelling,
    ) -> Session {
        let finished = !matches!(status, "CREATED" | "QR" | "PROGRESS");
        Session {
            status: status.to_string(),
            created_at,
            finished_at: finished.then_some(created_at + 185),
            spelling,
            technologies: STANDARD_TECHNOLOGIES.to_vec(),
            blocks: standard_blocks(person, spelling),
            verdict: Some(true),
            failure_reasons: Vec::new(),
            moving_polls: None,
            reviews: Vec::new(),
        }
    }

    pub(super) fn failing(mut self, reasons: &[(&'static str, &'static str)]) -> Session {
        self.verdict = Some(false);
        self.failure_reasons = reasons.to_vec();
        self
    }

    /// One REST result read. Returns true when this read must show the empty
    /// `{}` blocks that follow FINISHED for one poll.
    pub(super) fn poll(&mut self, polls_to_settle: u32) -> bool {
        let Some(polls) = self.moving_polls else {
            return false;
        };
        let polls = polls + 1;
        if polls >= polls_to_settle {
            self.moving_polls = None;
            self.status = "FINISHED".into();
            self.finished_at = Some(now_secs());
            polls_to_settle > 0
        } else {
            self.moving_polls = Some(polls);
            self.status = if polls == 1 { "CREATED" } else { "PROGRESS" }.into();
            false
        }
    }

    pub(super) fn render(&self, id: &str, images: Images, host: &str, empty_blocks: bool) -> Value {
        let mut out = Map::new();
        out.insert("id".into(), json!(id));
        out.insert("status".into(), json!(self.status));
        out.insert("created_at".into(), json!(iso_secs(self.created_at)));
        let finished_at = self.finished_at.map(iso_secs);
        out.insert("validated_at".into(), json!(finished_at));
        out.insert("finished_at".into(), json!(finished_at));
        out.insert(
            "technologies".into(),
            Value::Array(self.technologies.iter().map(|c| technology(c)).collect()),
        );
        let stage = match self.status.as_str() {
            "CREATED" | "QR" => Stage::NotStarted,
            "PROGRESS" => Stage::InProgress,
            _ if empty_blocks => Stage::JustFinished,
            _ => Stage::Done,
        };
        let verdict = match stage {
            Stage::Done => json!(self.verdict),
            _ => Value::Null,
        };
        let reasons: Vec<(&str, &str)> = match stage {
            Stage::Done => self.failure_reasons.clone(),
            _ => Vec::new(),
        };
        match self.spelling {
            Spelling::Seed => {
                out.insert("overall_result".into(), verdict);
                out.insert(
                    "failure_reasons".into(),
                    Value::Array(reasons.iter().map(|(t, d)| reason(t, d)).collect()),
                );
            }
            Spelling::Alternative => {
                out.insert("flow_session_result".into(), verdict);
                out.insert(
                    "flow_session_failure_reasons".into(),
                    Value::Array(reasons.iter().map(|(_, d)| json!(d)).collect()),
                );
            }
        }
        for (index, (key, block)) in self.blocks.iter().enumerate() {
            let block = match stage {
                Stage::NotStarted => continue,
                Stage::InProgress if index > 0 => json!({}),
                Stage::JustFinished => json!({}),
                _ => render_images(block, id, images, host),
            };
            out.insert((*key).into(), block);
        }
        Value::Object(out)
    }
}

enum Stage {
    NotStarted,
    InProgress,
    JustFinished,
    Done,
}

fn render_images(value: &Value, session_id: &str, images: Images, host: &str) -> Value {
    match value {
        Value::Object(map) => {
            let mut out = Map::new();
            for (key, item) in map {
                if let Some(name) = item.as_str().and_then(|s| s.strip_prefix("$image:")) {
                    match images {
                        Images::Omit => {}
                        Images::Inline => {
                            out.insert(key.clone(), json!(named_b64(name)));
                        }
                        Images::Light => {
                            out.insert(key.clone(), json!(s3_url(host, session_id, name)));
                        }
                    }
                } else {
                    out.insert(key.clone(), render_images(item, session_id, images, host));
                }
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

/// A presigned-looking URL (served by `/__sandbox/media/…`, expires in 300 s).
fn s3_url(host: &str, session_id: &str, name: &str) -> String {
    let now = now_secs();
    let date = amz_date(now);
    format!(
        "http://{host}/__sandbox/media/{session_id}/{name}.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256\
         &X-Amz-Credential=AKIASANDBOX%2F{}%2Feu-central-1%2Fs3%2Faws4_request\
         &X-Amz-Date={date}&X-Amz-Expires=300&X-Amz-SignedHeaders=host&X-Amz-Signature={}",
        &date[..8],
        random_hex(32)
    )
}
