//! Unreadable input, generated: every server function (from the table in
//! `roles.rs`) and every `/api/v1` endpoint gets wrong types, overflows,
//! missing and repeated fields, invalid UTF-8, nested and huge bodies and
//! the wrong content types. Nothing answers 5xx, a body over the limit is a
//! 413 however it is sent, decode errors are 400 naming their field with a
//! reference, and the server keeps serving.

use crate::helpers::{app_error, TestApp};
use crate::roles::{Who, CALLS};
use kyc_desk::domain::Role;
use kyc_desk::error::ErrorKind;
use reqwest::header::{ACCEPT, CONTENT_TYPE, ORIGIN};
use reqwest::{Client, Response};

/// Values that do not fit a number or a flag.
const NOT_A_NUMBER: &[&str] = &[
    "abc",
    "99999999999999999999",
    "-9223372036854775809",
    "1e3",
    "",
];
/// Over the 1 MiB body limit.
const HUGE: usize = 1024 * 1024 + 1;

/// `application/x-www-form-urlencoded`, as a browser writes it.
fn encode(pairs: &[(String, String)]) -> String {
    let escape = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                    (b as char).to_string()
                }
                b' ' => "+".to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", escape(k), escape(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Sends `body` (or the query) to server function `path` as `client`.
async fn send(
    app: &TestApp,
    client: &Client,
    path: &str,
    get: bool,
    body: Vec<u8>,
    content_type: &str,
) -> Response {
    let req = if get {
        client.get(format!(
            "{}?{}",
            app.url(path),
            String::from_utf8_lossy(&body)
        ))
    } else {
        client
            .post(app.url(path))
            .header(ORIGIN, app.origin())
            .header(CONTENT_TYPE, content_type)
            .body(body)
    };
    req.header(ACCEPT, "application/json")
        .send()
        .await
        .expect("the server answers")
}

/// Who may call it (so that the body runs), or an anonymous caller.
async fn caller_for(app: &TestApp, who: Who) -> Client {
    match who {
        Who::Anyone => app.browser(),
        Who::SignedIn => app.signed_in(Role::Reviewer).await,
        Who::Only(roles) => app.signed_in(roles[0]).await,
    }
}

fn is_number(v: &str) -> bool {
    v.parse::<i64>().is_ok() || v == "true" || v == "false"
}

/// A 400 naming `field` (or a 422 for a text field the function itself
/// reads as a number, which names it too), with a reference.
async fn expect_bad_field(res: Response, path: &str, field: &str, case: &str) {
    let status = res.status().as_u16();
    let err = app_error(res).await;
    assert!(err.reference.is_some(), "{path} {case}: no reference");
    match (status, err.kind) {
        (400, ErrorKind::BadRequest { field: Some(f), .. })
        | (422, ErrorKind::Validation { field: f, .. }) => {
            assert_eq!(f, field, "{path} {case}")
        }
        (status, other) => panic!("{path} {case}: {status} {other:?}"),
    }
}

#[tokio::test]
async fn every_server_function_answers_unreadable_arguments_with_a_4xx_naming_the_field() {
    let app = TestApp::spawn().await;
    let mut sent = 0;
    for c in CALLS {
        let client = caller_for(&app, c.who).await;
        let good: Vec<(String, String)> = c
            .args
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let form = "application/x-www-form-urlencoded";
        let mut corpus: Vec<(String, Vec<u8>, &str)> = Vec::new();
        for (i, (field, value)) in good.iter().enumerate() {
            let with = |v: &str| {
                let mut p = good.clone();
                p[i].1 = v.to_string();
                encode(&p).into_bytes()
            };
            for bad in NOT_A_NUMBER {
                corpus.push((format!("{field}={bad:?}"), with(bad), form));
            }
            let mut missing = good.clone();
            missing.remove(i);
            corpus.push((format!("no {field}"), encode(&missing).into_bytes(), form));
            let mut twice = good.clone();
            twice.push((field.clone(), value.clone()));
            corpus.push((format!("{field} twice"), encode(&twice).into_bytes(), form));
            let mut nested = good.clone();
            nested[i].0 = format!("{field}[a][b][c][d][e][f][g]");
            corpus.push((
                format!("{field} nested"),
                encode(&nested).into_bytes(),
                form,
            ));
            let mut raw = encode(&good).into_bytes();
            raw.extend_from_slice(format!("&{field}=").as_bytes());
            raw.extend_from_slice(&[0xff, 0xfe, 0x80]);
            corpus.push((format!("{field} invalid UTF-8"), raw, form));
            corpus.push((
                format!("{field} percent-encoded invalid UTF-8"),
                with("")
                    .into_iter()
                    .chain(b"%FF%FE".iter().copied())
                    .collect(),
                form,
            ));
        }
        let json = serde_json::to_vec(&serde_json::Map::from_iter(
            good.iter()
                .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))),
        ))
        .unwrap_or_default();
        corpus.push(("a JSON body".into(), json, "application/json"));
        corpus.push((
            "a multipart body".into(),
            b"--x\r\nContent-Disposition: form-data; name=\"id\"\r\n\r\n1\r\n--x--\r\n".to_vec(),
            "multipart/form-data; boundary=x",
        ));
        corpus.push((
            "deep nesting".into(),
            format!("{}=1", "a[b]".repeat(2_000)).into_bytes(),
            form,
        ));
        for (case, body, content_type) in corpus {
            let res = send(&app, &client, c.path, c.get, body, content_type).await;
            sent += 1;
            let status = res.status().as_u16();
            assert!(status < 500, "{} {case}: answered {status}", c.path);
            // A value that is not a number, where a number is expected, or
            // a missing or repeated field: 400 naming the field (anonymous
            // callers of protected functions may hear 401 first).
            let field = case.split([' ', '=']).next().unwrap_or_default();
            let expected = c.args.iter().find(|(k, _)| *k == field);
            let protected = status == 401 && !matches!(c.who, Who::Anyone);
            match expected {
                Some((_, v)) if case.contains('=') && is_number(v) && !protected => {
                    expect_bad_field(res, c.path, field, &case).await
                }
                Some(_) if (case.starts_with("no ") || case.ends_with(" twice")) => {
                    let field = case.trim_start_matches("no ").trim_end_matches(" twice");
                    expect_bad_field(res, c.path, field, &case).await
                }
                _ => {}
            }
        }
    }
    assert!(
        sent > 500,
        "the corpus covers every function: {sent} requests"
    );
    // Still serving.
    let admin = app.signed_in(Role::Admin).await;
    let res = app.get(&admin, "/api/users/list").await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn a_body_over_the_limit_is_a_413_whether_its_length_is_announced_or_it_is_chunked() {
    let app = TestApp::spawn().await;
    let reviewer = app.signed_in(Role::Reviewer).await;
    let body = format!("id=1&version=1&note={}", "x".repeat(HUGE));
    for path in ["/api/cases/escalate", "/api/v1/customers", "/login"] {
        let announced = reviewer
            .post(app.url(path))
            .header(ORIGIN, app.origin())
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body.clone())
            .send()
            .await
            .expect("answer");
        assert_eq!(announced.status(), 413, "{path} with Content-Length");
        let chunks: Vec<Result<Vec<u8>, std::io::Error>> = body
            .as_bytes()
            .chunks(64 * 1024)
            .map(|c| Ok(c.to_vec()))
            .collect();
        let chunked = reviewer
            .post(app.url(path))
            .header(ORIGIN, app.origin())
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(reqwest::Body::wrap_stream(futures::stream::iter(chunks)))
            .send()
            .await
            .expect("answer");
        assert_eq!(chunked.status(), 413, "{path} chunked");
        let err = app_error(chunked).await;
        assert_eq!(err.kind, ErrorKind::TooLarge);
        assert!(err.reference.is_some());
    }
}

#[tokio::test]
async fn the_json_api_answers_unreadable_requests_with_a_4xx() {
    let app = TestApp::spawn().await;
    let token = app.api_token("ingest").await;
    let client = Client::new();
    let bodies: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "not JSON",
            b"{\"external_id\": ".to_vec(),
            "application/json",
        ),
        (
            "wrong types",
            br#"{"external_id": 5, "display_name": [], "refs": "x"}"#.to_vec(),
            "application/json",
        ),
        ("missing fields", b"{}".to_vec(), "application/json"),
        (
            "a repeated field",
            br#"{"external_id": "a-1", "external_id": "a-2", "display_name": "X", "refs": []}"#
                .to_vec(),
            "application/json",
        ),
        (
            "an overflow",
            br#"{"external_id": "a-1", "display_name": "X",
                "refs": [{"provider": "eclipse", "tenant_id": 1e400}]}"#
                .to_vec(),
            "application/json",
        ),
        (
            "invalid UTF-8",
            b"{\"external_id\": \"\xff\xfe\"}".to_vec(),
            "application/json",
        ),
        (
            "deep nesting",
            format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)).into_bytes(),
            "application/json",
        ),
        (
            "a form",
            b"external_id=a-1&display_name=X".to_vec(),
            "application/x-www-form-urlencoded",
        ),
        (
            "a multipart body",
            b"--x\r\n\r\n--x--\r\n".to_vec(),
            "multipart/form-data; boundary=x",
        ),
    ];
    for (case, body, content_type) in bodies {
        let res = client
            .post(app.url("/api/v1/customers"))
            .bearer_auth(&token)
            .header(CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .await
            .expect("answer");
        let status = res.status().as_u16();
        assert!((400..500).contains(&status), "{case}: {status}");
    }
    for path in [
        "/api/v1/customers/abc",
        "/api/v1/customers/99999999999999999999",
        "/api/v1/verifications/-1",
        "/api/v1/verifications/%FF",
        "/api/v1/verifications?customer_id=abc&limit=99999999999999999999&cursor=%FF%FE",
        "/api/v1/verifications?limit=-5&cursor=not-a-cursor",
        "/api/v1/verifications?customer_id=1&customer_id=2",
    ] {
        let res = client
            .get(app.url(path))
            .bearer_auth(&token)
            .send()
            .await
            .expect("answer");
        let status = res.status().as_u16();
        assert!((400..500).contains(&status), "{path}: {status}");
    }
    let res = client
        .post(app.url("/api/v1/verifications/abc/refresh"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("answer");
    assert!(res.status().is_client_error(), "{}", res.status());
    let res = client
        .get(app.url("/api/v1/verifications"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("answer");
    assert_eq!(res.status(), 200, "still serving");
}

#[tokio::test]
async fn pages_for_ids_that_are_not_ids_are_404s() {
    let app = TestApp::spawn().await;
    let reviewer = app.signed_in(Role::Reviewer).await;
    for path in [
        "/cases/abc",
        "/cases/99999999999999999999",
        "/cases/-1",
        "/customers/abc",
        "/customers/99999999999999999999",
    ] {
        let res = reviewer.get(app.url(path)).send().await.expect("page");
        assert_eq!(res.status(), 404, "{path}");
    }
}
