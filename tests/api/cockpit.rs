//! The reviewer's cockpit, as the server renders it: why a case is here, only the actions this
//! person can take, notes as evidence, a closed case's story, and filters that keep their values.

use crate::cases::{cases_for, claim, decide, eclipse, version};
use crate::helpers::{app_error, TestApp};
use kyc_desk::domain::Role;
use kyc_desk::error::ErrorKind;
use serde_json::json;

const NAME_MISMATCH: (&str, &str) = ("100", "1592548");
const SANCTIONS_HIT: (&str, &str) = ("100", "1592545");

async fn page(app: &TestApp, who: &reqwest::Client, path: &str) -> String {
    let res = who.get(app.url(path)).send().await.expect("page");
    assert_eq!(res.status(), 200, "{path}");
    res.text().await.expect("html")
}

/// The whole opening tag of the element whose attributes include `attr`.
fn tag<'a>(html: &'a str, attr: &str) -> &'a str {
    let at = html.find(attr).unwrap_or_else(|| panic!("no {attr}"));
    let start = html[..at].rfind('<').expect("tag start");
    let end = at + html[at..].find('>').expect("tag end");
    &html[start..=end]
}

async fn name_of(app: &TestApp, role: Role) -> String {
    sqlx::query_scalar("SELECT name FROM app_user WHERE user_id = $1")
        .bind(app.user_id(role))
        .fetch_one(app.state.db.reader())
        .await
        .expect("name")
}

async fn note(app: &TestApp, who: &reqwest::Client, id: i64, body: &str) -> i64 {
    let res = app
        .post(
            who,
            "/api/cases/note",
            &[("id", &id.to_string()), ("body", body)],
        )
        .await;
    assert_eq!(res.status(), 200);
    sqlx::query_scalar("SELECT MAX(note_id) FROM note WHERE verification_id = $1")
        .bind(id)
        .fetch_one(app.state.db.reader())
        .await
        .expect("note id")
}

/// Posts `form` to a case's `endpoint` from a page that showed notes up to `last_note`.
async fn having_seen(
    app: &TestApp,
    who: &reqwest::Client,
    endpoint: &str,
    (id, last_note): (i64, i64),
    form: &[(&str, &str)],
) -> reqwest::Response {
    let version = version(app, id).await;
    let (id, last_note) = (id.to_string(), last_note.to_string());
    let mut fields = vec![
        ("id", id.as_str()),
        ("version", version.as_str()),
        ("last_note", last_note.as_str()),
    ];
    fields.extend_from_slice(form);
    app.post(who, endpoint, &fields).await
}

async fn decide_having_seen(
    app: &TestApp,
    who: &reqwest::Client,
    id: i64,
    last_note: i64,
) -> reqwest::Response {
    let note = "Names differ between the ID and the application.";
    let form = [
        ("decision", "decline"),
        ("reason", "NAME_MISMATCH"),
        ("note", note),
    ];
    having_seen(app, who, "/api/cases/decide", (id, last_note), &form).await
}

async fn confirm_having_seen(
    app: &TestApp,
    who: &reqwest::Client,
    id: i64,
    last_note: i64,
) -> reqwest::Response {
    let form = [
        ("verdict", "confirm"),
        ("note", "Checked the OFAC entry: same person."),
    ];
    having_seen(app, who, "/api/cases/second", (id, last_note), &form).await
}

#[tokio::test]
async fn a_decision_from_a_page_opened_before_a_colleagues_note_is_refused_with_that_note() {
    let app = TestApp::with_sandbox().await;
    let id = cases_for(&app, "cockpit-1", json!([eclipse(NAME_MISMATCH)])).await[0];
    let reviewer = app.signed_in(Role::Reviewer).await;
    let officer = app.signed_in(Role::ComplianceOfficer).await;
    claim(&app, &reviewer, id).await;
    let mine = note(&app, &reviewer, id, "Looked at the ID photo.").await;
    // The reviewer's page shows their own note; then an officer adds one.
    let theirs = note(&app, &officer, id, "The middle name is on page two.").await;

    let refused = decide_having_seen(&app, &reviewer, id, mine).await;
    assert_eq!(refused.status(), 409);
    let e = app_error(refused).await;
    assert!(matches!(e.kind, ErrorKind::Conflict { .. }));
    let officer_name = name_of(&app, Role::ComplianceOfficer).await;
    assert!(
        e.message().contains(&format!(
            "{officer_name} added a note since you opened this case"
        )) && e.message().contains("The middle name is on page two."),
        "{}",
        e.message()
    );
    let status: String =
        sqlx::query_scalar("SELECT review_status FROM verification WHERE verification_id = $1")
            .bind(id)
            .fetch_one(app.state.db.reader())
            .await
            .expect("status");
    assert_eq!(status, "IN_REVIEW", "nothing changed");

    // Having read it (the reloaded page carries the new note), the decision goes through.
    let res = decide_having_seen(&app, &reviewer, id, theirs).await;
    assert_eq!(
        res.status(),
        200,
        "{}",
        res.text().await.unwrap_or_default()
    );
}

#[tokio::test]
async fn a_second_approval_from_before_a_new_note_is_refused_too() {
    let app = TestApp::with_sandbox().await;
    let id = cases_for(&app, "cockpit-2", json!([eclipse(SANCTIONS_HIT)])).await[0];
    let officer = app.signed_in(Role::ComplianceOfficer).await;
    claim(&app, &officer, id).await;
    let res = decide(
        &app,
        &officer,
        id,
        "decline",
        "SANCTIONS_MATCH_CONFIRMED",
        "OFAC match confirmed by me.",
    )
    .await;
    assert_eq!(res.status(), 200);
    let second = app.second_officer().await;
    let late = note(
        &app,
        &officer,
        id,
        "Also listed by the EU, same birth date.",
    )
    .await;
    let refused = confirm_having_seen(&app, &second, id, 0).await;
    assert_eq!(refused.status(), 409);
    assert!(app_error(refused)
        .await
        .message()
        .contains("Also listed by the EU"));
    assert_eq!(
        confirm_having_seen(&app, &second, id, late).await.status(),
        200
    );
}

#[tokio::test]
async fn the_case_page_says_why_the_case_is_here_and_once_closed_what_happened() {
    let app = TestApp::with_sandbox().await;
    let id = cases_for(&app, "cockpit-3", json!([eclipse(NAME_MISMATCH)])).await[0];
    let reviewer = app.signed_in(Role::Reviewer).await;
    let open = page(&app, &reviewer, &format!("/cases/{id}")).await;
    assert!(open.contains("Why this case needs review: "));
    assert!(
        open.contains("approving overrides a provider"),
        "the provider's own verdict is part of why"
    );
    // Eclipse keeps a ratify history: the earlier result is part of the customer's story.
    let earlier = open
        .split(r#"id="earlier-title""#)
        .nth(1)
        .expect("the earlier results");
    let earlier = &earlier[..earlier.find("</section>").expect("end of the section")];
    assert!(earlier.contains("Earlier Eclipse results"), "{earlier}");
    assert!(earlier.contains("2026-05-02 07:13:44"), "{earlier}");
    assert!(earlier.contains("Failed"), "its outcome: {earlier}");

    claim(&app, &reviewer, id).await;
    let res = decide(
        &app,
        &reviewer,
        id,
        "decline",
        "NAME_MISMATCH",
        "Names differ between the ID and the application.",
    )
    .await;
    assert_eq!(res.status(), 200);
    let closed = page(&app, &reviewer, &format!("/cases/{id}")).await;
    let name = name_of(&app, Role::Reviewer).await;
    assert!(
        closed.contains(&format!(
            "Declined — Name mismatch (resubmission requested) — by {name}"
        )),
        "the outcome heads the page"
    );
    assert!(closed.contains("Names differ between the ID and the application."));
    assert!(!closed.contains("Why this case needs review"));
    assert!(
        !closed.contains("Claim the case"),
        "no hint to claim a decided case"
    );
    assert!(closed.contains("Upstream: "), "the push state is beside it");
}

#[tokio::test]
async fn a_sanctions_hit_gives_a_reviewer_escalation_only_and_scores_read_against_thresholds() {
    let app = TestApp::with_sandbox().await;
    let id = cases_for(&app, "cockpit-4", json!([eclipse(SANCTIONS_HIT)])).await[0];
    let reviewer = app.signed_in(Role::Reviewer).await;
    claim(&app, &reviewer, id).await;
    let html = page(&app, &reviewer, &format!("/cases/{id}")).await;
    assert!(html.contains("Escalate to compliance officers"));
    assert!(!html.contains("Record decision"));
    let why = html
        .split("Why this case needs review: ")
        .nth(1)
        .expect("the why line");
    let why = &why[..why.find("</p>").expect("end of the line")];
    assert!(why.to_lowercase().contains("sanction"), "{why}");
    // What the provider sent about the hit, in its own panel: the list its words name.
    let hit = html
        .split(r#"id="hit-title""#)
        .nth(1)
        .expect("the sanctions panel");
    let hit = &hit[..hit.find("</section>").expect("end of the panel")];
    assert!(hit.contains("Sanctions list"), "{hit}");
    assert!(
        hit.contains("OFAC (US)"),
        "the list, before any reveal: {hit}"
    );
    assert!(
        !hit.contains("Match found on OFAC list"),
        "the words are masked: {hit}"
    );
    let revealed = app
        .post_html_form(
            &reviewer,
            "/api/customers/reveal",
            &format!("/cases/{id}"),
            &[
                ("customer_id", &customer_of(&app, id).await.to_string()),
                ("reason", "Reviewing the sanctions hit"),
                ("case_id", &id.to_string()),
            ],
        )
        .await;
    assert_eq!(revealed.status(), 302);
    let html = page(&app, &reviewer, &format!("/cases/{id}")).await;
    assert!(
        html.contains("Match found on OFAC list"),
        "revealed, the provider's words"
    );
}

async fn customer_of(app: &TestApp, id: i64) -> i64 {
    sqlx::query_scalar("SELECT customer_id FROM verification WHERE verification_id = $1")
        .bind(id)
        .fetch_one(app.state.db.reader())
        .await
        .expect("customer")
}

#[tokio::test]
async fn asking_the_provider_again_is_offered_only_to_whoever_has_the_case_or_an_officer() {
    let app = TestApp::with_sandbox().await;
    let id = cases_for(&app, "cockpit-5", json!([eclipse(NAME_MISMATCH)])).await[0];
    let reviewer = app.signed_in(Role::Reviewer).await;
    let path = format!("/cases/{id}");
    assert!(!page(&app, &reviewer, &path)
        .await
        .contains("Ask the provider again"));
    let officer = app.signed_in(Role::ComplianceOfficer).await;
    assert!(page(&app, &officer, &path)
        .await
        .contains("Ask the provider again"));
    claim(&app, &reviewer, id).await;
    assert!(page(&app, &reviewer, &path)
        .await
        .contains("Ask the provider again"));
    let manager = app.signed_in(Role::Manager).await;
    assert!(!page(&app, &manager, &path)
        .await
        .contains("Ask the provider again"));
}

#[tokio::test]
async fn every_list_filter_comes_back_with_the_value_it_applied() {
    let app = TestApp::with_sandbox().await;
    let officer = app.signed_in(Role::ComplianceOfficer).await;
    let manager = app.signed_in(Role::Manager).await;
    let queue = page(&app, &officer, "/?view=all&age=5").await;
    assert!(queue.contains(r#"value="5""#), "queue: older than");
    let customers = page(&app, &officer, "/customers?q=nora&country=KZ").await;
    assert!(customers.contains(r#"value="nora""#) && customers.contains(r#"value="KZ""#));
    let audit = page(
        &app,
        &manager,
        "/audit?customer=7&verification=9&from=2026-01-02&to=2026-01-31",
    )
    .await;
    for v in ["7", "9", "2026-01-02", "2026-01-31"] {
        assert!(audit.contains(&format!(r#"value="{v}""#)), "audit: {v}");
    }
    let metrics = page(&app, &manager, "/metrics?from=2026-01-02&to=2026-01-31").await;
    for v in ["2026-01-02", "2026-01-31"] {
        assert!(metrics.contains(&format!(r#"value="{v}""#)), "metrics: {v}");
    }
}

async fn queue_ids(app: &TestApp, who: &reqwest::Client, query: &str) -> Vec<i64> {
    let page: serde_json::Value = app
        .get(who, &format!("/api/cases/queue?{query}"))
        .await
        .json()
        .await
        .expect("json");
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| c["id"].as_i64().expect("id"))
        .collect()
}

#[tokio::test]
async fn the_unassigned_inbox_offers_what_the_provider_has_finished_and_every_inbox_is_counted() {
    let app = TestApp::with_sandbox().await;
    let ready = cases_for(&app, "cockpit-6", json!([eclipse(NAME_MISMATCH)])).await[0];
    let busy = cases_for(&app, "cockpit-7", json!([eclipse(SANCTIONS_HIT)])).await[0];
    let mut tx = app.state.db.begin_write().await.expect("tx");
    sqlx::query(
        "UPDATE verification SET upstream_status = 'PROCESSING' WHERE verification_id = $1",
    )
    .bind(busy)
    .execute(&mut *tx)
    .await
    .expect("update");
    tx.commit().await.expect("commit");

    let reviewer = app.signed_in(Role::Reviewer).await;
    assert_eq!(queue_ids(&app, &reviewer, "view=unassigned").await, [ready]);
    assert_eq!(
        queue_ids(&app, &reviewer, "view=unassigned&upstream=PROCESSING").await,
        [busy],
        "asked for, a case the provider is still working on is listed"
    );
    let all = queue_ids(&app, &reviewer, "view=all").await;
    assert!(all.contains(&ready) && all.contains(&busy));

    let counts: serde_json::Value = app
        .get(&reviewer, "/api/cases/inbox")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(counts["mine"], 0);
    assert_eq!(counts["unassigned"], 1);
    assert!(
        counts["escalated"].is_null() && counts["awaiting_me"].is_null(),
        "{counts}"
    );

    claim(&app, &reviewer, ready).await;
    let escalate = app
        .post(
            &reviewer,
            "/api/cases/escalate",
            &[
                ("id", &ready.to_string()),
                ("version", &version(&app, ready).await),
                ("note", "Not sure about the surname, for the officers."),
            ],
        )
        .await;
    assert_eq!(escalate.status(), 200);
    let officer = app.signed_in(Role::ComplianceOfficer).await;
    let counts: serde_json::Value = app
        .get(&officer, "/api/cases/inbox")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(counts["escalated"], 1);
    assert_eq!(counts["awaiting_me"], 0);
    assert_eq!(queue_ids(&app, &officer, "view=escalated").await, [ready]);
    assert!(queue_ids(&app, &officer, "view=awaiting").await.is_empty());

    // Officers land on what waits for them; a reviewer on their own cases.
    assert_eq!(counts["landing"], "escalated");
    let home = page(&app, &officer, "/").await;
    assert!(
        tag(&home, r#"value="escalated""#).contains("checked"),
        "{home}"
    );
    assert!(
        home.contains(&format!(r#"href="/cases/{ready}""#)),
        "the escalated case is listed"
    );
    let home = page(&app, &reviewer, "/").await;
    assert!(tag(&home, r#"value="mine""#).contains("checked"));
}

#[tokio::test]
async fn a_refused_decision_comes_back_with_everything_typed_once() {
    let app = TestApp::with_sandbox().await;
    let id = cases_for(&app, "cockpit-8", json!([eclipse(NAME_MISMATCH)])).await[0];
    let reviewer = app.signed_in(Role::Reviewer).await;
    claim(&app, &reviewer, id).await;
    let path = format!("/cases/{id}");
    let note = "The surname differs: Ivanova on the ID, Ivanov in the app.";
    // An approve reason with a decline: the server refuses it.
    let res = app
        .post_html_form(
            &reviewer,
            "/api/cases/decide",
            &path,
            &[
                ("id", &id.to_string()),
                ("version", &version(&app, id).await),
                ("decision", "decline"),
                ("reason", "UPSTREAM_CHECKS_PASSED"),
                ("note", note),
                ("last_note", "0"),
            ],
        )
        .await;
    assert_eq!(res.status(), 302, "back to the form");
    let back = page(&app, &reviewer, &path).await;
    assert!(back.contains(note), "the note is filled in again");
    assert!(
        tag(&back, r#"value="decline""#).contains("checked"),
        "decline is still chosen"
    );
    assert!(
        tag(&back, r#"value="UPSTREAM_CHECKS_PASSED""#).contains("selected"),
        "the reason is still chosen"
    );
    let again = page(&app, &reviewer, &path).await;
    assert!(!again.contains(note), "a draft is shown once");

    // The same for a note refused for being empty, and for escalation.
    let res = app
        .post_html_form(
            &reviewer,
            "/api/cases/escalate",
            &path,
            &[
                ("id", &id.to_string()),
                ("version", "999"),
                ("note", "Please look at the surname."),
            ],
        )
        .await;
    assert_eq!(res.status(), 302);
    assert!(page(&app, &reviewer, &path)
        .await
        .contains("Please look at the surname."));
}

#[tokio::test]
async fn the_json_api_carries_the_providers_own_failure_reasons() {
    let app = TestApp::with_sandbox().await;
    let id = cases_for(&app, "cockpit-9", json!([eclipse(SANCTIONS_HIT)])).await[0];
    let read = |scopes: &'static str| {
        let app = &app;
        async move {
            let token = app.api_token(scopes).await;
            let v: serde_json::Value = reqwest::Client::new()
                .get(app.url(&format!("/api/v1/verifications/{id}")))
                .bearer_auth(&token)
                .send()
                .await
                .expect("request")
                .json()
                .await
                .expect("json");
            v["failure_reasons"].clone()
        }
    };
    assert_eq!(
        read("read,pii").await,
        json!(["sanctionsListCheck: Match found on OFAC list"])
    );
    // Their text is the provider's free text: masked like the checks' comments without `pii`.
    assert_eq!(read("read").await, json!(["•••"]));
}

#[tokio::test]
async fn a_page_that_does_not_exist_keeps_the_app_shell() {
    let app = TestApp::spawn().await;
    let reviewer = app.signed_in(Role::Reviewer).await;
    for path in ["/no-such-page", "/cases/1/nothing-here"] {
        let res = reviewer.get(app.url(path)).send().await.expect("page");
        assert_eq!(res.status(), 404, "{path}");
        let html = res.text().await.expect("html");
        assert!(html.contains("Page not found"), "{path}");
        assert!(
            html.contains(r#"<nav aria-label="Main">"#),
            "{path}: the navigation is there"
        );
    }
}

#[tokio::test]
async fn a_reviewer_opening_the_audit_log_reads_only_that_it_is_not_for_them() {
    let app = TestApp::spawn().await;
    let reviewer = app.signed_in(Role::Reviewer).await;
    let res = reviewer.get(app.url("/audit")).send().await.expect("page");
    assert_eq!(res.status(), 403);
    let html = res.text().await.expect("html");
    assert!(html.contains("Your role does not allow this."));
    assert!(
        !html.contains(r#"name="actor""#) && !html.contains("Export these events"),
        "no filters, no export links"
    );
    let manager = app.signed_in(Role::Manager).await;
    let html = page(&app, &manager, "/audit").await;
    assert!(html.contains(r#"name="actor""#) && html.contains("Export these events"));
}

#[tokio::test]
async fn a_refused_sign_in_comes_back_with_the_e_mail_typed_but_never_the_password() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let res = app
        .post_html_form(
            &browser,
            "/api/auth/login",
            "/login?next=%2Fcustomers",
            &[
                ("email", "rita.typed@example.test"),
                ("password", "a wrong password 91"),
                ("next", "/customers"),
            ],
        )
        .await;
    assert_eq!(res.status(), 302, "back to the sign-in page");
    let back = page(&app, &browser, "/login?next=%2Fcustomers").await;
    assert!(
        tag(&back, r#"id="email""#).contains(r#"value="rita.typed@example.test""#),
        "the e-mail is filled in again"
    );
    assert!(!back.contains("a wrong password 91"), "never the password");
    let again = page(&app, &browser, "/login").await;
    assert!(!again.contains("rita.typed@example.test"), "shown once");
}

#[tokio::test]
async fn a_refused_new_customer_comes_back_with_everything_typed() {
    let app = TestApp::with_sandbox().await;
    let reviewer = app.signed_in(Role::Reviewer).await;
    let res = app
        .post_html_form(
            &reviewer,
            "/api/customers/add",
            "/customers/new",
            &[
                ("external_id", "draft-ext-1"),
                ("display_name", "Dana Draftova"),
                ("email", "dana@example.test"),
                ("country", "KZ"),
                ("refs[eclipse_tenant_id]", "100"),
                ("refs[biometric_kz_session_id]", "not-a-uuid"),
            ],
        )
        .await;
    assert_eq!(res.status(), 302, "back to the form");
    let back = page(&app, &reviewer, "/customers/new").await;
    for (id, value) in [
        ("external_id", "draft-ext-1"),
        ("display_name", "Dana Draftova"),
        ("email", "dana@example.test"),
        ("country", "KZ"),
        ("eclipse_tenant_id", "100"),
        ("biometric_kz_session_id", "not-a-uuid"),
    ] {
        assert!(
            tag(&back, &format!(r#"id="{id}""#)).contains(&format!(r#"value="{value}""#)),
            "{id} is filled in again"
        );
    }
    let customers: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM customer")
        .fetch_one(app.state.db.reader())
        .await
        .expect("count");
    assert_eq!(customers, 0, "nothing was added");
    let again = page(&app, &reviewer, "/customers/new").await;
    assert!(!again.contains("Dana Draftova"), "shown once");
}

#[tokio::test]
async fn a_case_opens_in_its_providers_console_where_one_is_configured() {
    let app = TestApp::spawn_with(crate::helpers::Options {
        sandbox: Some(Default::default()),
        settings: vec![(
            "eclipse_console_url",
            "https://console.eclipse.example/customers/{ref}".to_string(),
        )],
        ..Default::default()
    })
    .await;
    let id = cases_for(&app, "cockpit-console", json!([eclipse(NAME_MISMATCH)])).await[0];
    let reviewer = app.signed_in(Role::Reviewer).await;
    let html = page(&app, &reviewer, &format!("/cases/{id}")).await;
    let link = tag(
        &html,
        r#"href="https://console.eclipse.example/customers/1592548""#,
    );
    assert!(link.contains(r#"rel="noopener noreferrer""#), "{link}");

    // Without one, no link.
    let plain = TestApp::with_sandbox().await;
    let id = cases_for(&plain, "cockpit-console", json!([eclipse(NAME_MISMATCH)])).await[0];
    let reviewer = plain.signed_in(Role::Reviewer).await;
    let html = page(&plain, &reviewer, &format!("/cases/{id}")).await;
    assert!(!html.contains("s console"), "no console link");
}

#[tokio::test]
async fn a_customers_verification_cards_are_named_by_case_not_by_the_providers_raw_id() {
    let app = TestApp::with_sandbox().await;
    let id = cases_for(&app, "cockpit-card", json!([eclipse(NAME_MISMATCH)])).await[0];
    let reviewer = app.signed_in(Role::Reviewer).await;
    let customer = customer_of(&app, id).await;
    let html = page(&app, &reviewer, &format!("/customers/{customer}"))
        .await
        .replace("<!>", "");
    let card = tag(&html, r#"class="card verification""#);
    assert!(
        card.contains(&format!(r#"aria-label="Eclipse · case #{id} · received "#)),
        "{card}"
    );
    // The provider's id sits inside the small-type span that opens just before it.
    let at = html.find("1592548@").expect("the provider's id");
    let span = html[..at].rfind("code-note").expect("a small-type span");
    assert!(
        !html[span..at].contains("</span>"),
        "the raw id in small type"
    );
}
