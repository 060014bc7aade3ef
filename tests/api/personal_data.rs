//! Personal data on the case page: before a recorded reveal, no personal value of the provider's
//! payload shows, neither in the payload view nor in the checks and failure reasons built from
//! it; after the reveal the stored payload shows in full.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use crate::helpers::TestApp;
use kyc_desk::domain::customer::{NewCustomer, ProviderRef};
use kyc_desk::domain::Role;
use kyc_desk::server::db::audit::{Actor, Origin};
use kyc_desk::server::providers::json;
use kyc_desk::server::providers::{
    biometric_kz::mapping as biometric_kz, eclipse::mapping as eclipse, ident::mapping as ident,
    width::mapping as width, UpstreamResult,
};
use kyc_desk::server::services::{customers, refresh};
use kyc_desk::server::{db, pii};
use serde_json::Value;

const PROVIDERS: &[&str] = &["eclipse", "biometric_kz", "ident", "width"];

/// Every fixture under `tests/fixtures/upstream/<provider>/`, with its provider.
pub fn fixtures() -> Vec<(String, String, Value)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/upstream");
    let mut out = Vec::new();
    for p in PROVIDERS {
        for entry in fs::read_dir(root.join(p)).expect("fixture dir") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|x| x == "json") {
                let text = fs::read_to_string(&path).expect("read");
                let name = path.file_name().expect("name").to_string_lossy();
                let v = serde_json::from_str(&text).expect("fixture is JSON");
                out.push((p.to_string(), format!("{p}/{name}"), v));
            }
        }
    }
    out.sort_by(|a, b| a.1.cmp(&b.1));
    out
}

/// What the provider's mappers make of a fixture, as its adapter would: nothing for a body that
/// is no result (a request, an error, a liveness document).
fn results(provider: &str, v: &Value) -> Vec<UpstreamResult> {
    match provider {
        "eclipse" => {
            let mut all: Vec<_> = eclipse::map_history("1592544", v)
                .into_iter()
                .flatten()
                .collect();
            all.extend(eclipse::map_result("1592544", v));
            all
        }
        "biometric_kz" => biometric_kz::map_session("3f0c2a5e-8a1b-4c7d-9e2f-6b5a4d3c2b1a", v)
            .into_iter()
            .collect(),
        "ident" => {
            let mut all: Vec<_> = ident::applications(v)
                .into_iter()
                .filter_map(|item| ident::map_application(item).ok())
                .collect();
            all.extend(ident::map_application(v));
            all
        }
        "width" => width::map_execution_for("exec-fixture", v)
            .into_iter()
            .collect(),
        other => panic!("unexpected provider {other}"),
    }
}

/// A customer of its own for case `n`, with one reference to `provider`.
fn customer(n: usize, provider: &str) -> NewCustomer {
    let r = match provider {
        "eclipse" => ProviderRef::Eclipse {
            tenant_id: "100".into(),
            customer_id: format!("{}", 1_700_000 + n),
        },
        "biometric_kz" => ProviderRef::BiometricKz {
            session_id: format!("b10e9999-0000-4000-8000-{n:012}"),
        },
        "ident" => ProviderRef::Ident {
            application_id: format!("1de79999-0000-4000-8000-{n:012}"),
        },
        _ => ProviderRef::Width {
            execution_id: format!("exec-fixture-{n}"),
            customer_id: None,
            reference_id: None,
        },
    };
    NewCustomer {
        external_id: format!("fixture-{n}"),
        display_name: format!("Fixture customer {n}"),
        email: Some(format!("fixture-{n}@example.test")),
        country: None,
        refs: vec![r],
    }
}

/// Stores `result` for a new customer through the poller's own path; returns the case id.
async fn store(app: &TestApp, n: usize, provider: &str, mut result: UpstreamResult) -> i64 {
    let test = Actor::System("test");
    let c = customers::upsert(
        &app.state.db,
        &app.state.clock,
        test,
        &Origin::default(),
        customer(n, provider),
    )
    .await
    .expect("customer");
    let r = db::customers::refs(app.state.db.reader(), c.customer.id)
        .await
        .expect("refs")
        .pop()
        .expect("its ref");
    // Fixtures share upstream ids (one application in several states): one case each.
    result.upstream_ref = format!("{}~{n}", result.upstream_ref);
    let mut tx = app.state.db.begin_write().await.expect("tx");
    refresh::store(
        &mut tx,
        app.state.clock.now_ms(),
        &r,
        &[result],
        &refresh::POLLER,
        &Origin::default(),
    )
    .await
    .expect("stored");
    tx.commit().await.expect("commit");
    db::verifications::for_customer(app.state.db.reader(), c.customer.id)
        .await
        .expect("cases")
        .first()
        .expect("a case")
        .verification_id
}

/// Every string and number of `v` (JSON-in-string fields looked into) under a key that is not
/// allowlisted (`personal`), and under one that is (`shown`).
pub fn leaves(
    v: &Value,
    key: Option<&str>,
    parent: Option<&str>,
    personal: &mut BTreeSet<String>,
    shown: &mut BTreeSet<String>,
) {
    let mut leaf = |text: String| {
        match key {
            Some(k) if pii::allowlisted(parent, k) => shown.insert(text),
            _ => personal.insert(text),
        };
    };
    match v {
        Value::Object(map) => {
            for (k, x) in map {
                leaves(x, Some(k), key, personal, shown);
            }
        }
        Value::Array(items) => {
            for x in items {
                leaves(x, key, parent, personal, shown);
            }
        }
        Value::String(s) => match json::json_in_string(v) {
            Value::String(_) => leaf(s.clone()),
            inner => leaves(&inner, key, parent, personal, shown),
        },
        Value::Number(n) => leaf(n.to_string()),
        Value::Bool(_) | Value::Null => {}
    }
}

/// The personal values of a stored payload that must not show before a reveal. Left out, as
/// they cannot be told apart on a page: values of 1 or 2 characters, the strings "true" and
/// "false" (booleans as text), `[redacted]`, values also sent under an allowlisted key, and
/// values that are part of one of the payload's keys (keys show: the shape is not personal).
fn personal_values(snapshot: &Value) -> BTreeSet<String> {
    let (mut personal, mut shown) = (BTreeSet::new(), BTreeSet::new());
    leaves(snapshot, None, None, &mut personal, &mut shown);
    let mut names = Vec::new();
    keys(snapshot, &mut names);
    personal
        .into_iter()
        .filter(|p| p.trim().chars().count() > 2)
        .filter(|p| !["true", "false", json::REDACTED].contains(&p.trim()))
        .filter(|p| !shown.contains(p))
        .filter(|p| !names.iter().any(|k| k.contains(p.as_str())))
        .collect()
}

/// Every key of `v`, JSON-in-string fields looked into.
fn keys(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, x) in map {
                out.push(k.clone());
                keys(x, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|x| keys(x, out)),
        Value::String(_) => match json::json_in_string(v) {
            Value::String(_) => {}
            inner => keys(&inner, out),
        },
        _ => {}
    }
}

/// Every string of a JSON answer, with JSON-in-string fields (the pretty payload) looked into.
fn texts(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => {
            out.push(s.clone());
            let inner = json::json_in_string(v);
            if !inner.is_string() {
                texts(&inner, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| texts(x, out)),
        Value::Object(o) => o.values().for_each(|x| texts(x, out)),
        _ => {}
    }
}

/// The ways a value can be written in a page: as is, HTML-escaped, and inside the pretty JSON of
/// the payload view.
fn written(value: &str) -> Vec<String> {
    let html = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
            .replace('\'', "&#39;")
    };
    let json = serde_json::to_string(value).expect("json");
    let json = json[1..json.len() - 1].to_string();
    let mut forms = vec![value.to_string(), html(value), html(&json), json];
    forms.sort();
    forms.dedup();
    forms
}

/// The page around the first `needle`, for a failure's message.
fn around(page: &str, needle: &str) -> String {
    let at = page.find(needle).unwrap_or(0);
    let before: String = page[..at].chars().rev().take(80).collect();
    let after: String = page[at..]
        .chars()
        .take(needle.chars().count() + 80)
        .collect();
    before.chars().rev().chain(after.chars()).collect()
}

struct Seen {
    html: String,
    json: Value,
    texts: Vec<String>,
}

async fn look(app: &TestApp, who: &reqwest::Client, id: i64) -> Seen {
    let res = who
        .get(app.url(&format!("/cases/{id}")))
        .send()
        .await
        .expect("page");
    assert_eq!(res.status(), 200, "case page {id}");
    let html = res.text().await.expect("html");
    let res = app.get(who, &format!("/api/cases/get?id={id}")).await;
    assert_eq!(res.status(), 200, "case {id}");
    let json: Value = res.json().await.expect("json");
    let mut all = Vec::new();
    texts(&json, &mut all);
    Seen {
        html,
        json,
        texts: all,
    }
}

#[tokio::test]
async fn no_personal_value_of_any_fixture_shows_on_the_case_page_before_a_recorded_reveal() {
    let app = TestApp::spawn().await;
    let reviewer = app.signed_in(Role::Reviewer).await;
    let all = fixtures();
    assert!(all.len() > 100, "fixtures found: {}", all.len());
    let (mut cases, mut checked, mut without_case) = (0, BTreeSet::new(), Vec::new());

    // Our own words: each provider's page for a payload with nothing personal in it (its push
    // policy, labels, offers). A personal value that is one of them cannot be told apart.
    let mut ours = Vec::new();
    for (provider, control) in [
        (
            "eclipse",
            r#"{"status": "FAILED", "lastModified": "2026-01-01T00:00:00Z"}"#,
        ),
        ("biometric_kz", r#"{"status": "FINISHED"}"#),
        ("ident", r#"{"id": "control", "status": "rejected"}"#),
        ("width", r#"{"status": "COMPLETED"}"#),
    ] {
        let control: Value = serde_json::from_str(control).expect("json");
        let result = results(provider, &control).pop().expect("a control result");
        cases += 1;
        let id = store(&app, cases, provider, result).await;
        let seen = look(&app, &reviewer, id).await;
        ours.push(seen.html);
        ours.extend(seen.texts);
    }
    let ours_too = |value: &str| {
        written(value)
            .iter()
            .any(|f| ours.iter().any(|t| t.contains(f.as_str())))
    };

    for (provider, rel, payload) in &all {
        let made = results(provider, payload);
        if made.is_empty() {
            without_case.push(rel.clone());
        }
        for result in made {
            cases += 1;
            let id = store(&app, cases, provider, result).await;
            let stored = db::verifications::find(app.state.db.reader(), id)
                .await
                .expect("read")
                .expect("case");
            let snapshot: Value = serde_json::from_str(&stored.snapshot).expect("snapshot");
            let mut personal = personal_values(&snapshot);
            personal.retain(|p| !ours_too(p));

            let before = look(&app, &reviewer, id).await;
            assert_eq!(before.json["pii_revealed"], false);
            for value in &personal {
                for form in written(value) {
                    assert!(
                        !before.html.contains(&form),
                        "{rel}: {value:?} shows on the case page before a reveal: …{}…",
                        around(&before.html, &form)
                    );
                }
                assert!(
                    !before.texts.iter().any(|t| t.contains(value.as_str())),
                    "{rel}: {value:?} is in the case's JSON before a reveal"
                );
            }
            // The masked view keeps the payload's shape and its non-personal values.
            let masked = json::json_in_string(&before.json["snapshot"]);
            assert_eq!(masked, pii::mask_personal(&snapshot), "{rel}");
            checked.extend(personal.iter().cloned());

            let customer_id = stored.customer_id.to_string();
            let res = app
                .post(
                    &reviewer,
                    "/api/customers/reveal",
                    &[
                        ("customer_id", customer_id.as_str()),
                        ("reason", "checking the provider's payload"),
                        ("case_id", id.to_string().as_str()),
                    ],
                )
                .await;
            assert_eq!(res.status(), 200, "{rel}: reveal");
            let after = look(&app, &reviewer, id).await;
            assert_eq!(after.json["pii_revealed"], true);
            assert_eq!(
                json::json_in_string(&after.json["snapshot"]),
                snapshot,
                "{rel}: the stored payload in full once revealed"
            );
            for value in &personal {
                assert!(
                    written(value).iter().any(|f| after.html.contains(f)),
                    "{rel}: {value:?} shows on the page once revealed"
                );
            }
            let reveals: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM audit_event WHERE action = 'pii.revealed' \
                 AND customer_id = $1 AND reason = 'checking the provider''s payload'",
            )
            .bind(stored.customer_id)
            .fetch_one(app.state.db.reader())
            .await
            .expect("count");
            assert_eq!(reveals, 1, "{rel}: the reveal is recorded");
        }
    }

    // Not vacuous: most fixtures became cases, and the personal data the issue names was among
    // what was checked (ident's e-mail and date of birth, names, an address, a phone number).
    assert!(cases >= 80, "{cases} cases; without one: {without_case:?}");
    for known in [
        "john@example.com",
        "01/15/1990",
        "John Smith",
        "NURLANOVA",
        "+77011234567",
        "123 Main St",
        "Match found on OFAC list",
    ] {
        assert!(checked.contains(known), "{known} was not checked");
    }
}

#[tokio::test]
async fn a_reveal_asked_on_the_case_page_without_javascript_comes_back_to_the_case() {
    let app = TestApp::spawn().await;
    let reviewer = app.signed_in(Role::Reviewer).await;
    let payload = serde_json::from_str(
        r#"{"id": "app-1", "status": "rejected", "name": "Nadia Example", "provider": "vouched"}"#,
    )
    .expect("json");
    let result = results("ident", &payload).pop().expect("a result");
    let id = store(&app, 1, "ident", result).await;
    let page = |who: &reqwest::Client| {
        let url = app.url(&format!("/cases/{id}"));
        let who = who.clone();
        async move {
            who.get(url)
                .send()
                .await
                .expect("page")
                .text()
                .await
                .expect("html")
        }
    };
    let before = page(&reviewer).await;
    assert!(before.contains("id=\"reveal\"") && !before.contains("Nadia Example"));

    let customer_id = db::verifications::find(app.state.db.reader(), id)
        .await
        .expect("read")
        .expect("case")
        .customer_id
        .to_string();
    let case = format!("/cases/{id}");
    let res = app
        .post_html_form(
            &reviewer,
            "/api/customers/reveal",
            &case,
            &[
                ("customer_id", customer_id.as_str()),
                ("case_id", id.to_string().as_str()),
                ("reason", "the name on the application"),
            ],
        )
        .await;
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], case.as_str());
    let after = page(&reviewer).await;
    assert!(after.contains("Nadia Example") && !after.contains("id=\"reveal\""));
}
