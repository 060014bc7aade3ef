//! Promises kept under faults: a full disk, answers lost after the provider
//! applied a write, many people on the same cases at once.

use crate::cases::{cases_for, claim, decide, version};
use crate::helpers::{app_error, Options, TestApp};
use kyc_desk::domain::Role;
use kyc_desk::server::sandbox::SandboxConfig;
use kyc_desk::server::services::audit;
use serde_json::{json, Value};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A small tmpfs mounted for one test (root only), unmounted when dropped.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(megabytes: u32) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().ok()?;
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(dir.path())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        mounted.then_some(Tmpfs { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// Takes every free byte of the filesystem at `dir`.
fn fill(dir: &Path) -> PathBuf {
    let path = dir.join("filler");
    let mut f = std::fs::File::create(&path).expect("filler");
    let chunk = vec![0xA5u8; 64 * 1024];
    while f.write_all(&chunk).is_ok() {}
    let _ = f.write_all(&[0]);
    let _ = f.sync_all();
    path
}

/// Retries `f` until it returns `Some`, for at most `within`.
async fn eventually<T, F, Fut>(within: Duration, mut f: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + within;
    loop {
        if let Some(v) = f().await {
            return Some(v);
        }
        if Instant::now() > deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn ready(app: &TestApp) -> (u16, Value) {
    let res = reqwest::get(app.url("/readyz")).await.expect("readyz");
    let status = res.status().as_u16();
    (status, res.json().await.expect("readyz json"))
}

fn walk_in_ident(n: u32) -> Value {
    json!([{"provider": "ident", "application_id": format!("1de79999-0000-4000-8000-{n:012x}")}])
}

#[tokio::test]
async fn a_full_disk_refuses_writes_plainly_fails_readiness_and_writes_resume_once_space_is_freed()
{
    let Some(disk) = Tmpfs::mount(24) else {
        eprintln!(
            "SKIPPED a_full_disk_…: mounting a tmpfs needs root (the test puts the database \
             on a small filesystem and fills it)"
        );
        return;
    };
    let app = TestApp::spawn_with(Options {
        sandbox: Some(SandboxConfig::default()),
        database_dir: Some(disk.path().to_path_buf()),
        ..Options::default()
    })
    .await;
    let mut cases = Vec::new();
    for n in 0..4 {
        cases.push(cases_for(&app, &format!("disk-{n}"), walk_in_ident(0xd15c0 + n)).await[0]);
    }
    let reviewer = app.signed_in(Role::Reviewer).await;
    for &id in &cases {
        assert_eq!(claim(&app, &reviewer, id).await.status(), 200);
    }
    let before_full = decide(
        &app,
        &reviewer,
        cases[0],
        "decline",
        "SUSPECTED_FRAUD",
        "Decided before the disk filled up.",
    )
    .await;
    assert_eq!(before_full.status(), 200);
    let (status, report) = ready(&app).await;
    assert_eq!(status, 200, "{report}");

    let filler = fill(disk.path());
    // Writes may go on for a while in log space SQLite already has; notes
    // grow the database until a commit needs room that is not there.
    let big = "n".repeat(3_900);
    let mut refused = None;
    for _ in 0..2_000 {
        let res = app
            .post(
                &reviewer,
                "/api/cases/note",
                &[("id", &cases[1].to_string()), ("body", &big)],
            )
            .await;
        if res.status() != 200 {
            refused = Some(res);
            break;
        }
    }
    let refused = refused.expect("a write fails on a full disk");
    assert_eq!(refused.status(), 503);
    let err = app_error(refused).await;
    assert!(
        err.message().contains("Your note was NOT saved"),
        "{}",
        err.message()
    );
    assert!(err.reference.is_some());

    let v = version(&app, cases[2]).await;
    let res = decide(
        &app,
        &reviewer,
        cases[2],
        "approve",
        "VERIFIED_MANUALLY",
        "Looked at everything, all fine.",
    )
    .await;
    assert_eq!(res.status(), 503);
    assert!(app_error(res)
        .await
        .message()
        .starts_with("Your decision was NOT saved: the server cannot write right now."));
    assert_eq!(version(&app, cases[2]).await, v, "nothing changed");
    // A probe is reused for a second; the one before the disk filled is stale.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let (status, report) = ready(&app).await;
    assert_eq!(status, 503, "not ready while writes fail: {report}");
    assert!(report["disk"]["low"].as_bool().unwrap_or(false), "{report}");

    std::fs::remove_file(filler).expect("space freed");
    let back = eventually(Duration::from_secs(10), || async {
        (ready(&app).await.0 == 200).then_some(())
    })
    .await;
    assert!(
        back.is_some(),
        "ready again within seconds, without a restart"
    );
    let res = decide(
        &app,
        &reviewer,
        cases[2],
        "approve",
        "VERIFIED_MANUALLY",
        "Looked at everything, all fine.",
    )
    .await;
    assert_eq!(
        res.status(),
        200,
        "{}",
        res.text().await.unwrap_or_default()
    );

    let decided: Vec<(i64, String)> =
        sqlx::query_as("SELECT verification_id, kind FROM decision ORDER BY verification_id")
            .fetch_all(app.state.db.reader())
            .await
            .expect("decisions");
    assert_eq!(
        decided,
        vec![
            (cases[0], "decline".to_string()),
            (cases[2], "approve".to_string())
        ]
    );
    let chain = audit::verify_chain(&app.state.db).await.expect("verify");
    assert!(chain.first_bad.is_none(), "{chain:?}");
    drop(disk);
}

/// How many requests the sandbox received that `pick` selects.
async fn seen_upstream(app: &TestApp, pick: impl Fn(&Value) -> bool) -> usize {
    app.sandbox_requests()
        .await
        .iter()
        .filter(|r| pick(r))
        .count()
}

/// The two ways an answer is lost after the provider applied the request.
const LOST_ANSWERS: [&str; 2] = ["malformed", "drop_after"];

#[tokio::test]
async fn an_ident_decision_whose_answer_was_lost_after_ident_applied_it_is_not_sent_again() {
    for fault in LOST_ANSWERS {
        let app = TestApp::with_sandbox().await;
        let application = "1de70000-0000-4000-8000-000000000004";
        let id = cases_for(
            &app,
            "lost-ident",
            json!([{"provider": "ident", "application_id": application}]),
        )
        .await[0];
        let reviewer = app.signed_in(Role::Reviewer).await;
        claim(&app, &reviewer, id).await;
        // Only the PUT carries a body with a status.
        app.sandbox_fault(
            json!({"provider": "ident", "kind": fault, "count": 1, "match": "\"status\""}),
        )
        .await;
        let res = decide(
            &app,
            &reviewer,
            id,
            "decline",
            "SUSPECTED_FRAUD",
            "Duplicate of an earlier application.",
        )
        .await;
        assert_eq!(res.status(), 200);
        app.deliver(6).await;
        let puts = seen_upstream(&app, |r| r["method"] == "PUT").await;
        assert_eq!(puts, 1, "{fault}: the decision reached ident once");
        let (state, result): (String, Option<String>) =
            sqlx::query_as("SELECT state, result FROM outbox")
                .fetch_one(app.state.db.reader())
                .await
                .expect("row");
        assert_eq!(state, "DONE", "{fault}");
        assert!(
            result.as_deref().is_some_and(|r| r.contains("rejected")),
            "{fault}: {result:?}"
        );
        let ident = app.state.providers.ident.clone().expect("ident");
        assert_eq!(
            ident
                .application(application)
                .await
                .expect("read")
                .status_raw,
            "rejected"
        );
    }
}

#[tokio::test]
async fn a_biometric_decision_whose_answers_were_lost_after_they_were_applied_is_sent_once() {
    for fault in LOST_ANSWERS {
        let app = TestApp::with_sandbox().await;
        let session = "b10e0000-0000-4000-8000-000000000005";
        let id = cases_for(
            &app,
            "lost-bkz",
            json!([{"provider": "biometric_kz", "session_id": session}]),
        )
        .await[0];
        let reviewer = app.signed_in(Role::Reviewer).await;
        claim(&app, &reviewer, id).await;
        for tool in ["update_flow_session_status", "create_flow_session_review"] {
            app.sandbox_fault(
                json!({"provider": "biometric_kz", "kind": fault, "count": 1, "match": tool}),
            )
            .await;
        }
        let res = decide(
            &app,
            &reviewer,
            id,
            "approve",
            "VERIFIED_MANUALLY",
            "Looked at the liveness video and documents.",
        )
        .await;
        assert_eq!(res.status(), 200);
        app.deliver(6).await;
        for tool in ["update_flow_session_status", "create_flow_session_review"] {
            assert_eq!(
                seen_upstream(&app, |r| r["tool"] == tool).await,
                1,
                "{fault}: {tool} reached biometric.kz once"
            );
        }
        let state: String = sqlx::query_scalar("SELECT state FROM outbox")
            .fetch_one(app.state.db.reader())
            .await
            .expect("row");
        assert_eq!(state, "DONE", "{fault}");
    }
}

#[tokio::test]
async fn every_re_trigger_whose_answer_was_lost_reached_its_provider_once_and_waits_for_a_person() {
    use crate::retrigger::{ask, case, outbox};
    // (provider, reference, action, confirmation, who, what the request's text contains)
    let re_triggers = [
        (
            json!({"provider": "eclipse", "tenant_id": "100", "customer_id": "1592548"}),
            "reratify",
            false,
            Role::Reviewer,
            "eclipse",
            "ratify? {",
        ),
        (
            json!({"provider": "eclipse", "tenant_id": "100", "customer_id": "1592546"}),
            "liveness",
            false,
            Role::Reviewer,
            "eclipse",
            "1592546/documents",
        ),
        (
            json!({"provider": "biometric_kz", "session_id": "b10e0000-0000-4000-8000-000000000002"}),
            "new_session",
            true,
            Role::Reviewer,
            "biometric_kz",
            "session/create",
        ),
        (
            json!({
                "provider": "width", "execution_id": "exec-sbx-failed", "customer_id": "C_sbx_failed",
            }),
            "new_workflow",
            false,
            Role::ComplianceOfficer,
            "width",
            "workflow.apply.submit",
        ),
    ];
    for fault in LOST_ANSWERS {
        for (reference, action, confirm, role, provider, request) in &re_triggers {
            let app = TestApp::with_sandbox().await;
            let id = case(&app, "lost-retrigger", reference.clone()).await;
            app.sandbox_fault(
                json!({"provider": provider, "kind": fault, "count": 1, "match": request}),
            )
            .await;
            let who = app.signed_in(*role).await;
            if *role == Role::Reviewer {
                assert_eq!(claim(&app, &who, id).await.status(), 200);
            }
            let res = ask(
                &app,
                &who,
                id,
                action,
                *confirm,
                "The provider must run it again.",
            )
            .await;
            assert_eq!(res.status(), 200, "{action}");
            app.deliver(6).await;
            let sent = seen_upstream(&app, |r| {
                r["method"] == "POST"
                    && r["fault"].as_str() == Some(fault)
                    && r["provider"] == *provider
            })
            .await;
            assert_eq!(
                sent, 1,
                "{fault} {action}: the faulted request went out once"
            );
            let calls = seen_upstream(&app, |r| {
                r["method"] == "POST"
                    && r["provider"] == *provider
                    && r["path"].as_str().is_some_and(|p| {
                        request
                            .split(['?', ' '])
                            .next()
                            .is_some_and(|stem| p.contains(stem))
                    })
            })
            .await;
            assert_eq!(calls, 1, "{fault} {action}: reached the provider once");
            let rows = outbox(&app).await;
            assert_eq!(rows[0].1, "FAILED", "{fault} {action}: {rows:?}");
            assert!(
                rows[0].3.as_deref().is_some_and(|e| !e.is_empty()),
                "{fault} {action}: says why"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_people_claiming_and_deciding_the_same_cases_at_once_leave_one_winner_per_case() {
    const PEOPLE: usize = 6;
    let app = std::sync::Arc::new(TestApp::with_sandbox().await);
    let mut cases = Vec::new();
    for n in 0..4 {
        cases.push(cases_for(&app, &format!("race-{n}"), walk_in_ident(0x7ace0 + n)).await[0]);
    }
    let mut people = Vec::new();
    for p in 0..PEOPLE {
        let email = format!("racer{p}@example.test");
        crate::helpers::create_user(&app.state, &email, Role::Reviewer).await;
        let client = app.browser();
        let res = app.login(&client, &email, crate::helpers::PASSWORD).await;
        assert_eq!(res.status(), 200);
        people.push(client);
    }
    for &id in &cases {
        let v = version(&app, id).await;
        // Everyone claims at the same instant, then everyone decides.
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(PEOPLE));
        let tasks = people.iter().enumerate().map(|(p, client)| {
            let (app, client, barrier, v) =
                (app.clone(), client.clone(), barrier.clone(), v.clone());
            tokio::spawn(async move {
                let id_s = id.to_string();
                barrier.wait().await;
                let claimed = app
                    .post(
                        &client,
                        "/api/cases/claim",
                        &[("id", &id_s), ("version", &v)],
                    )
                    .await
                    .status()
                    .as_u16();
                barrier.wait().await;
                let now = version(&app, id).await;
                let note = format!("Decided by racer {p} after checking.");
                let decided = app
                    .post(
                        &client,
                        "/api/cases/decide",
                        &[
                            ("id", &id_s),
                            ("version", &now),
                            ("decision", "decline"),
                            ("reason", "SUSPECTED_FRAUD"),
                            ("note", &note),
                        ],
                    )
                    .await
                    .status()
                    .as_u16();
                (claimed, decided)
            })
        });
        let outcomes: Vec<(u16, u16)> = futures::future::join_all(tasks)
            .await
            .into_iter()
            .map(|r| r.expect("task"))
            .collect();
        let claims_won = outcomes.iter().filter(|(c, _)| *c == 200).count();
        let decisions_won = outcomes.iter().filter(|(_, d)| *d == 200).count();
        assert_eq!(claims_won, 1, "case {id}: {outcomes:?}");
        assert_eq!(decisions_won, 1, "case {id}: {outcomes:?}");
        assert!(
            outcomes
                .iter()
                .all(|(c, d)| [200, 409].contains(c) && [200, 403, 409].contains(d)),
            "losers hear why: {outcomes:?}"
        );
        for (action, expected) in [("case.claimed", 1), ("decision.made", 1)] {
            let n: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM audit_event WHERE action = $1 AND verification_id = $2",
            )
            .bind(action)
            .bind(id)
            .fetch_one(app.state.db.reader())
            .await
            .expect("count");
            assert_eq!(n, expected, "case {id}: {action}");
        }
    }
    let chain = audit::verify_chain(&app.state.db).await.expect("verify");
    assert!(chain.first_bad.is_none(), "{chain:?}");
}

/// Building a router lays out every page once with resource loads held back, and Leptos holds
/// them back for the whole process: a page first rendered during that moment used to wait
/// forever (one test's app starting while another's rendered). Pages are laid out once now.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_render_completely_while_other_routers_are_being_built() {
    let app = TestApp::spawn().await;
    let reviewer = app.signed_in(Role::Reviewer).await;
    let building = Arc::new(AtomicBool::new(true));
    let builder = {
        let (state, building) = (app.state.clone(), building.clone());
        let rt = tokio::runtime::Handle::current();
        std::thread::spawn(move || {
            let _in = rt.enter();
            let mut built = 0;
            while building.load(Ordering::Relaxed) {
                drop(kyc_desk::server::startup::router(state.clone()));
                built += 1;
            }
            built
        })
    };
    for n in 0..150 {
        let page = tokio::time::timeout(Duration::from_secs(10), async {
            let res = app.get(&reviewer, "/").await;
            assert_eq!(res.status(), 200);
            res.text().await.expect("body")
        })
        .await
        .unwrap_or_else(|_| panic!("page {n} never finished"));
        // A whole streamed page ends with Leptos's closing script.
        assert!(
            page.trim_end()
                .ends_with("__INCOMPLETE_CHUNKS=[];</script>"),
            "page {n} is cut short"
        );
    }
    building.store(false, Ordering::Relaxed);
    let built = builder.join().expect("builder");
    assert!(built > 0, "no router was built alongside");
}
