//! Deny by default: every server function, called by an anonymous caller and
//! by each role, is either allowed or refused with 401/403 — and this table
//! must name every server function the app registers.

use crate::helpers::{app_error, TestApp};
use kyc_desk::domain::Role;
use kyc_desk::error::ErrorKind;
use reqwest::header::{ACCEPT, ORIGIN};
use std::collections::BTreeSet;

#[derive(Clone, Copy)]
pub enum Who {
    /// Anyone, signed in or not.
    Anyone,
    /// Any signed-in user.
    SignedIn,
    /// Only these roles.
    Only(&'static [Role]),
}

pub struct Call {
    pub path: &'static str,
    pub get: bool,
    /// Harmless arguments: well-formed, but changing nothing for real.
    pub args: &'static [(&'static str, &'static str)],
    pub who: Who,
}

const ADMIN: Who = Who::Only(&[Role::Admin]);
/// Who sees cases: reviewers, officers, managers (read only).
const VIEW: Who = Who::Only(&[Role::Reviewer, Role::ComplianceOfficer, Role::Manager]);
/// Who reads the audit trail: managers and admins.
const AUDIT: Who = Who::Only(&[Role::Manager, Role::Admin]);
/// Who reads the metrics: managers.
const METRICS: Who = Who::Only(&[Role::Manager]);
/// Who supervises cases: compliance officers.
const SUPERVISE: Who = Who::Only(&[Role::ComplianceOfficer]);
/// Who works cases: reviewers and officers.
const WORK: Who = Who::Only(&[Role::Reviewer, Role::ComplianceOfficer]);

pub const CALLS: &[Call] = &[
    Call {
        path: "/api/auth/login",
        get: false,
        args: &[
            ("email", "nobody@example.test"),
            ("password", "not a password"),
        ],
        who: Who::Anyone,
    },
    Call {
        path: "/api/auth/me",
        get: true,
        args: &[],
        who: Who::Anyone,
    },
    Call {
        // A session's own typed draft of a refused form: nothing of anyone else's.
        path: "/api/forms/draft",
        get: true,
        args: &[("page", "/login")],
        who: Who::Anyone,
    },
    Call {
        path: "/api/auth/logout",
        get: false,
        args: &[],
        who: Who::SignedIn,
    },
    Call {
        path: "/api/auth/options",
        get: true,
        args: &[],
        who: Who::Anyone,
    },
    Call {
        // No single sign-on configured here: 404 for everyone.
        path: "/api/auth/sso",
        get: false,
        args: &[],
        who: Who::Anyone,
    },
    Call {
        // A code after the password: the caller's own account (no second factor here: 409).
        path: "/api/auth/second-factor",
        get: false,
        args: &[("code", "000000")],
        who: Who::SignedIn,
    },
    Call {
        path: "/api/account/two-factor",
        get: true,
        args: &[],
        who: Who::SignedIn,
    },
    Call {
        // Starts a set-up of the caller's own app, which counts only once confirmed.
        path: "/api/account/two-factor/begin",
        get: false,
        args: &[],
        who: Who::SignedIn,
    },
    Call {
        path: "/api/account/two-factor/confirm",
        get: false,
        args: &[("code", "000000")],
        who: Who::SignedIn,
    },
    Call {
        path: "/api/users/reset-second-factor",
        get: false,
        args: &[("user_id", "999999")],
        who: ADMIN,
    },
    Call {
        path: "/api/operations/providers",
        get: true,
        args: &[],
        who: ADMIN,
    },
    Call {
        path: "/api/users/list",
        get: true,
        args: &[],
        who: ADMIN,
    },
    Call {
        path: "/api/users/get",
        get: true,
        args: &[("user_id", "999999")],
        who: ADMIN,
    },
    Call {
        path: "/api/users/create",
        get: false,
        args: &[
            ("email", "not-an-email"),
            ("name", "X"),
            ("role", "reviewer"),
            ("password", "long enough password"),
        ],
        who: ADMIN,
    },
    Call {
        path: "/api/users/change-role",
        get: false,
        args: &[("user_id", "999999"), ("role", "manager")],
        who: ADMIN,
    },
    Call {
        path: "/api/users/set-disabled",
        get: false,
        args: &[("user_id", "999999"), ("disabled", "true")],
        who: ADMIN,
    },
    Call {
        path: "/api/users/reset-password",
        get: false,
        args: &[("user_id", "999999"), ("password", "long enough password")],
        who: ADMIN,
    },
    Call {
        path: "/api/customers/list",
        get: true,
        args: &[],
        who: VIEW,
    },
    Call {
        path: "/api/customers/get",
        get: true,
        args: &[("customer_id", "999999")],
        who: VIEW,
    },
    Call {
        path: "/api/customers/add",
        get: false,
        args: &[("external_id", "bad id with spaces"), ("display_name", "X")],
        who: WORK,
    },
    Call {
        path: "/api/customers/form",
        get: true,
        args: &[],
        who: VIEW,
    },
    Call {
        path: "/api/verifications/refresh",
        get: false,
        args: &[("verification_id", "999999")],
        who: WORK,
    },
    Call {
        path: "/api/customers/import-ident",
        get: false,
        args: &[],
        who: WORK,
    },
    Call {
        path: "/api/audit/list",
        get: true,
        args: &[],
        who: AUDIT,
    },
    Call {
        path: "/api/audit/get",
        get: true,
        args: &[("seq", "999999")],
        who: AUDIT,
    },
    Call {
        path: "/api/audit/actors",
        get: true,
        args: &[],
        who: AUDIT,
    },
    Call {
        path: "/api/audit/status",
        get: true,
        args: &[],
        who: AUDIT,
    },
    Call {
        path: "/api/audit/verify",
        get: false,
        args: &[],
        who: AUDIT,
    },
    Call {
        path: "/api/metrics/summary",
        get: true,
        args: &[],
        who: METRICS,
    },
    Call {
        path: "/api/customers/reveal",
        get: false,
        args: &[
            ("customer_id", "999999"),
            ("reason", "checking the address"),
        ],
        who: VIEW,
    },
    Call {
        path: "/api/cases/queue",
        get: true,
        args: &[],
        who: VIEW,
    },
    Call {
        path: "/api/cases/inbox",
        get: true,
        args: &[],
        who: VIEW,
    },
    Call {
        path: "/api/cases/get",
        get: true,
        args: &[("id", "999999")],
        who: VIEW,
    },
    Call {
        path: "/api/cases/claim",
        get: false,
        args: &[("id", "999999"), ("version", "1")],
        who: WORK,
    },
    Call {
        path: "/api/cases/release",
        get: false,
        args: &[("id", "999999"), ("version", "1")],
        who: WORK,
    },
    Call {
        path: "/api/cases/assign",
        get: false,
        args: &[("id", "999999"), ("version", "1"), ("assignee", "1")],
        who: SUPERVISE,
    },
    Call {
        path: "/api/cases/note",
        get: false,
        args: &[("id", "999999"), ("body", "a note")],
        who: VIEW,
    },
    Call {
        path: "/api/cases/decide",
        get: false,
        args: &[
            ("id", "999999"),
            ("version", "1"),
            ("decision", "approve"),
            ("reason", "VERIFIED_MANUALLY"),
            ("note", "short"),
        ],
        who: WORK,
    },
    Call {
        path: "/api/cases/escalate",
        get: false,
        args: &[("id", "999999"), ("version", "1"), ("note", "short")],
        who: WORK,
    },
    Call {
        path: "/api/cases/second",
        get: false,
        args: &[
            ("id", "999999"),
            ("version", "1"),
            ("verdict", "confirm"),
            ("note", "short"),
        ],
        who: SUPERVISE,
    },
    Call {
        path: "/api/cases/retry-push",
        get: false,
        args: &[("outbox_id", "999999")],
        who: SUPERVISE,
    },
    Call {
        path: "/api/cases/retrigger",
        get: false,
        args: &[
            ("id", "999999"),
            ("action", "reratify"),
            ("reason", "short"),
        ],
        who: WORK,
    },
];

#[test]
fn the_table_names_every_registered_server_function() {
    let registered: BTreeSet<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _method)| path.to_string())
        .collect();
    let tested: BTreeSet<String> = CALLS.iter().map(|c| c.path.to_string()).collect();
    assert_eq!(
        registered, tested,
        "add every new server function to CALLS with who may call it"
    );
}

async fn call(app: &TestApp, client: &reqwest::Client, c: &Call) -> reqwest::Response {
    let req = if c.get {
        client.get(app.url(c.path)).query(c.args)
    } else {
        client
            .post(app.url(c.path))
            .header(ORIGIN, app.origin())
            .form(c.args)
    };
    req.header(ACCEPT, "application/json")
        .send()
        .await
        .expect("request")
}

#[tokio::test]
async fn every_server_function_allows_exactly_the_roles_it_should() {
    let app = TestApp::spawn().await;
    for c in CALLS {
        // Anonymous.
        let res = call(&app, &app.browser(), c).await;
        let status = res.status().as_u16();
        match c.who {
            Who::Anyone => assert!(
                status != 401 || !is_unauthenticated(res).await,
                "{}: anonymous refused",
                c.path
            ),
            _ => {
                assert_eq!(status, 401, "{}: anonymous must get 401", c.path);
                assert_eq!(app_error(res).await.kind, ErrorKind::Unauthenticated);
            }
        }
        // Each role, in a fresh session (logout ends it).
        for role in Role::ALL {
            let browser = app.signed_in(role).await;
            let res = call(&app, &browser, c).await;
            let status = res.status().as_u16();
            let allowed = match c.who {
                Who::Anyone | Who::SignedIn => true,
                Who::Only(roles) => roles.contains(&role),
            };
            if allowed {
                assert!(
                    status != 403,
                    "{}: {role} should be allowed, got 403",
                    c.path
                );
                assert!(
                    status != 401 || !is_unauthenticated(res).await,
                    "{}: {role} should be allowed",
                    c.path
                );
            } else {
                assert_eq!(status, 403, "{}: {role} must get 403", c.path);
                assert_eq!(app_error(res).await.kind, ErrorKind::Forbidden);
            }
        }
    }
}

async fn is_unauthenticated(res: reqwest::Response) -> bool {
    app_error(res).await.kind == ErrorKind::Unauthenticated
}

#[tokio::test]
async fn no_server_function_that_changes_something_answers_a_get() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in(Role::Admin).await;
    for c in CALLS.iter().filter(|c| !c.get) {
        let res = admin
            .get(app.url(c.path))
            .query(c.args)
            .send()
            .await
            .expect("request");
        assert!(
            res.status().is_client_error(),
            "{} answered a GET with {}",
            c.path,
            res.status()
        );
    }
}
