//! `kyc-desk-dev seed`: a realistic dataset for the benchmarks. Customers with
//! refs at one or two providers, verifications in the providers' status mix
//! with their checks and failure reasons, decisions and notes on the decided
//! ones, staff who made them, and audit events that continue the hash chain.
//!
//! Rows are generated in chunks from a seeded random generator and written
//! as multi-row INSERTs, a few chunks per transaction: memory stays bounded
//! whatever the size, and the same seed gives the same data.
//!
//! It writes its own SQL (bulk inserts no use case of the app needs), so it
//! lives here with the tool rather than in the app's data layer; the audit
//! events it adds are hashed with the app's own chain functions.

use kyc_desk::domain::decision::REASONS;
use kyc_desk::domain::verification::{CategorySet, CheckCategory, Provider};
use kyc_desk::server::db::audit::{chain_hash, StoredEvent, GENESIS_HASH};
use kyc_desk::server::db::{self, Db};
use kyc_desk::server::password::Passwords;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use secrecy::SecretString;
use sha2::{Digest, Sha256};
use sqlx::{QueryBuilder, Sqlite};

const DAY_MS: i64 = 86_400_000;
/// The seeded history spans this many days back from now.
const SPAN_DAYS: i64 = 180;
/// Rows per INSERT statement: below SQLite's 32,766 bound parameters.
const CHUNK: usize = 1_000;
/// Verifications per chunk: each brings up to six checks of 11 columns.
const CASE_CHUNK: usize = 400;
/// Chunks per transaction.
const CHUNKS_PER_TX: usize = 25;

#[derive(Debug, Clone)]
pub struct Plan {
    pub customers: u64,
    pub verifications: u64,
    pub audit_events: u64,
    pub seed: u64,
    pub now_ms: i64,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    pub staff: u64,
    pub customers: u64,
    pub refs: u64,
    pub verifications: u64,
    pub checks: u64,
    pub decisions: u64,
    pub notes: u64,
    pub audit_events: u64,
}

/// `kyc-desk-dev seed`: fills `db` per `plan`, printing each stage as it
/// is done and a summary at the end.
pub async fn command(db: &Db, plan: &Plan) -> Result<(), String> {
    // Seeded staff get the hash of a random password nobody ever sees.
    let unknown = SecretString::from(uuid::Uuid::new_v4().to_string());
    let hash = Passwords::new()
        .map_err(|e| e.to_string())?
        .hash(&unknown)
        .await
        .map_err(|e| e.to_string())?;
    let started = std::time::Instant::now();
    let report = run(db, plan, &hash, |stage| {
        println!("{:>7.1} s  {stage}", started.elapsed().as_secs_f64());
    })
    .await
    .map_err(|e| format!("seeding failed: {e}"))?;
    println!(
        "seeded in {:.1} s: {} staff, {} customers, {} verifications, {} checks, \
         {} decisions, {} notes, {} audit events",
        started.elapsed().as_secs_f64(),
        report.staff,
        report.customers,
        report.verifications,
        report.checks,
        report.decisions,
        report.notes,
        report.audit_events
    );
    Ok(())
}

/// Seeded staff: who claims, decides and writes notes.
#[derive(Debug, Clone)]
struct Staff {
    reviewers: Vec<i64>,
    officers: Vec<i64>,
    managers: Vec<i64>,
}

/// Fills the database per `plan`. `password_hash` is stored for every seeded
/// staff member (a hash of a password nobody knows: they sign in only after
/// `kyc-desk user reset-password`). `progress` hears about each stage.
pub async fn run(
    db: &Db,
    plan: &Plan,
    password_hash: &str,
    mut progress: impl FnMut(&str),
) -> Result<Report, sqlx::Error> {
    if plan.verifications > 0 && plan.customers == 0 {
        return Err(sqlx::Error::Protocol(
            "verifications need at least one customer".into(),
        ));
    }
    let mut report = Report::default();
    let staff = seed_staff(db, plan.now_ms, password_hash, &mut report).await?;
    progress(&format!("staff: {}", report.staff));
    let ids = Bases::read(db).await?;
    seed_customers(db, plan, &ids, &mut report, &mut progress).await?;
    seed_verifications(db, plan, &ids, &staff, &mut report, &mut progress).await?;
    seed_audit(db, plan, &ids, &staff, &mut report, &mut progress).await?;
    Ok(report)
}

/// The largest ids before this run: seeded rows get explicit ids above them.
#[derive(Debug, Clone, Copy)]
struct Bases {
    customer: i64,
    customer_ref: i64,
    verification: i64,
}

impl Bases {
    async fn read(db: &Db) -> Result<Bases, sqlx::Error> {
        let max = |table: &'static str, col: &'static str| {
            let sql = format!("SELECT COALESCE(MAX({col}), 0) FROM {table}");
            async move {
                sqlx::query_scalar::<_, i64>(&sql)
                    .fetch_one(db.writer())
                    .await
            }
        };
        Ok(Bases {
            customer: max("customer", "customer_id").await?,
            customer_ref: max("customer_ref", "customer_ref_id").await?,
            verification: max("verification", "verification_id").await?,
        })
    }
}

async fn seed_staff(
    db: &Db,
    now: i64,
    password_hash: &str,
    report: &mut Report,
) -> Result<Staff, sqlx::Error> {
    const TEAM: [(&str, &str, usize); 3] = [
        ("reviewer", "Reviewer", 60),
        ("compliance_officer", "Officer", 8),
        ("manager", "Manager", 3),
    ];
    let mut tx = db.begin_write().await?;
    for (role, title, n) in TEAM {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO app_user (email, name, role, password_hash, disabled, created_at, updated_at) ",
        );
        q.push_values(0..n, |mut b, i| {
            let name = format!(
                "{} {} ({title})",
                FIRST[i % FIRST.len()],
                LAST[(i * 7 + 3) % LAST.len()]
            );
            b.push_bind(format!("{role}-{:03}@seed.kyc-desk.test", i + 1))
                .push_bind(name)
                .push_bind(role)
                .push_bind(password_hash.to_string())
                .push_bind(false)
                .push_bind(now - SPAN_DAYS * DAY_MS)
                .push_bind(now - SPAN_DAYS * DAY_MS);
        });
        q.push(" ON CONFLICT (email) DO NOTHING");
        report.staff += q.build().execute(&mut *tx).await?.rows_affected();
    }
    tx.commit().await?;
    let ids = |role: &'static str| async move {
        sqlx::query_scalar::<_, i64>(
            "SELECT user_id FROM app_user WHERE role = $1 AND email LIKE '%@seed.kyc-desk.test' ORDER BY user_id",
        )
        .bind(role)
        .fetch_all(db.writer())
        .await
    };
    Ok(Staff {
        reviewers: ids("reviewer").await?,
        officers: ids("compliance_officer").await?,
        managers: ids("manager").await?,
    })
}

/// The customer's providers: one, or two for every fifth customer.
fn providers_of(c: u64) -> &'static [Provider] {
    use Provider::*;
    const MIX: [&[Provider]; 10] = [
        &[Eclipse],
        &[BiometricKz],
        &[Ident],
        &[Width],
        &[Eclipse],
        &[Eclipse, BiometricKz],
        &[Ident],
        &[BiometricKz],
        &[Eclipse],
        &[Ident, Width],
    ];
    MIX[(c % 10) as usize]
}

fn customer_created(seed: u64, c: u64, now: i64) -> i64 {
    let mut rng = StdRng::seed_from_u64(seed ^ c.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    now - rng.gen_range(DAY_MS / 24..SPAN_DAYS * DAY_MS)
}

async fn seed_customers(
    db: &Db,
    plan: &Plan,
    ids: &Bases,
    report: &mut Report,
    progress: &mut impl FnMut(&str),
) -> Result<(), sqlx::Error> {
    const COUNTRIES: [&str; 8] = ["KZ", "KZ", "KZ", "UZ", "KG", "GE", "DE", "AE"];
    let mut tx = db.begin_write().await?;
    let mut chunks = 0;
    let mut c = 0u64;
    while c < plan.customers {
        let end = (c + CHUNK as u64).min(plan.customers);
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO customer (customer_id, external_id, display_name, name_key, email, country, created_at, updated_at) ",
        );
        q.push_values(c..end, |mut b, c| {
            let id = ids.customer + 1 + c as i64;
            let first = FIRST[(c % FIRST.len() as u64) as usize];
            let last = LAST[((c / FIRST.len() as u64) % LAST.len() as u64) as usize];
            let name = format!("{first} {last}");
            let created = customer_created(plan.seed, c, plan.now_ms);
            b.push_bind(id)
                .push_bind(format!("seed-{id}"))
                .push_bind(name.clone())
                .push_bind(db::customers::name_key(&name))
                .push_bind(format!(
                    "{}.{}.{id}@example.com",
                    first.to_lowercase(),
                    last.to_lowercase()
                ))
                .push_bind(COUNTRIES[(c % 8) as usize])
                .push_bind(created)
                .push_bind(created);
        });
        q.build().execute(&mut *tx).await?;
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO customer_ref (customer_ref_id, customer_id, provider, ref, details, created_at, updated_at) ",
        );
        let refs = (c..end).flat_map(|c| (0..providers_of(c).len()).map(move |k| (c, k)));
        q.push_values(refs, |mut b, (c, k)| {
            let provider = providers_of(c)[k];
            let ref_id = ref_id(ids, c, k);
            let created = customer_created(plan.seed, c, plan.now_ms);
            b.push_bind(ref_id)
                .push_bind(ids.customer + 1 + c as i64)
                .push_bind(provider.as_str())
                .push_bind(upstream_key(provider, ref_id))
                .push_bind("{}")
                .push_bind(created)
                .push_bind(created);
            report.refs += 1;
        });
        q.build().execute(&mut *tx).await?;
        report.customers += end - c;
        c = end;
        chunks += 1;
        if chunks % CHUNKS_PER_TX == 0 {
            tx.commit().await?;
            tx = db.begin_write().await?;
            progress(&format!("customers: {}", report.customers));
        }
    }
    tx.commit().await?;
    progress(&format!(
        "customers: {} (refs: {})",
        report.customers, report.refs
    ));
    Ok(())
}

fn ref_id(ids: &Bases, c: u64, k: usize) -> i64 {
    ids.customer_ref + 1 + 2 * c as i64 + k as i64
}

/// The provider's own key for a seeded ref, in its usual shape.
fn upstream_key(provider: Provider, ref_id: i64) -> String {
    match provider {
        Provider::Eclipse => format!("100/{}", 50_000_000 + ref_id),
        Provider::BiometricKz => format!("seed-{:08x}-bkz", ref_id),
        Provider::Ident => format!("{}", 90_000_000 + ref_id),
        Provider::Width => format!("exec-seed-{ref_id}"),
    }
}

/// What an upstream attempt found.
#[derive(Debug, Clone, Copy)]
struct Scenario {
    weight: u32,
    /// Failed category (if any) and the failure reason the provider gave.
    failed: Option<(CheckCategory, &'static str)>,
    /// Still running upstream.
    running: bool,
    /// A status the provider sent that we do not know.
    unknown: bool,
    /// The decline reason a reviewer would choose.
    decline: &'static str,
}

const SCENARIOS: [Scenario; 9] = [
    scenario(55, None, false, false, "SUSPECTED_FRAUD"),
    scenario(
        8,
        Some((CheckCategory::Liveness, "LIVENESS_CHECK_FAILED")),
        false,
        false,
        "LIVENESS_FAILED",
    ),
    scenario(
        6,
        Some((CheckCategory::FaceMatch, "FACE_MISMATCH")),
        false,
        false,
        "FACE_MISMATCH",
    ),
    scenario(
        7,
        Some((CheckCategory::DataMatch, "NAME_MISMATCH")),
        false,
        false,
        "NAME_MISMATCH",
    ),
    scenario(
        4,
        Some((CheckCategory::SanctionsPepAml, "SANCTIONS_LIST_MATCH")),
        false,
        false,
        "SANCTIONS_MATCH_CONFIRMED",
    ),
    scenario(
        5,
        Some((CheckCategory::IdentityDocument, "DOCUMENT_UNREADABLE")),
        false,
        false,
        "DOCUMENT_UNREADABLE",
    ),
    scenario(10, None, true, false, "SUSPECTED_FRAUD"),
    scenario(3, None, true, false, "SUSPECTED_FRAUD"),
    scenario(2, None, false, true, "SUSPECTED_FRAUD"),
];

const fn scenario(
    weight: u32,
    failed: Option<(CheckCategory, &'static str)>,
    running: bool,
    unknown: bool,
    decline: &'static str,
) -> Scenario {
    Scenario {
        weight,
        failed,
        running,
        unknown,
        decline,
    }
}

fn pick_scenario(rng: &mut StdRng) -> (usize, Scenario) {
    let total: u32 = SCENARIOS.iter().map(|s| s.weight).sum();
    let mut x = rng.gen_range(0..total);
    for (i, s) in SCENARIOS.iter().enumerate() {
        if x < s.weight {
            return (i, *s);
        }
        x -= s.weight;
    }
    (0, SCENARIOS[0])
}

/// `(raw, normalized, terminal)` upstream status of a scenario at a provider.
fn status(provider: Provider, s: &Scenario, idx: usize) -> (&'static str, &'static str, bool) {
    if s.unknown {
        return match provider {
            Provider::Eclipse => ("ON_HOLD", "UNKNOWN", false),
            Provider::BiometricKz => ("PAUSED", "UNKNOWN", false),
            Provider::Ident => ("archived", "UNKNOWN", false),
            Provider::Width => ("SUSPENDED", "UNKNOWN", false),
        };
    }
    if s.running {
        // The 8th scenario waits for the customer's input.
        let waiting = idx == 7;
        return match (provider, waiting) {
            (Provider::Eclipse, _) => ("PENDING", "IN_PROGRESS", false),
            (Provider::BiometricKz, false) => ("IN_PROGRESS", "IN_PROGRESS", false),
            (Provider::BiometricKz, true) => ("IN_REVIEW", "IN_UPSTREAM_REVIEW", false),
            (Provider::Ident, false) => ("pending", "PROCESSING", false),
            (Provider::Ident, true) => ("remediate", "NEEDS_REVIEW", false),
            (Provider::Width, false) => ("PROGRESS", "IN_PROGRESS", false),
            (Provider::Width, true) => ("WAITING_FOR_INPUT", "AWAITING_INPUT", false),
        };
    }
    let failed = s.failed.is_some();
    match (provider, failed) {
        (Provider::Eclipse, false) => ("PASSED", "PASSED", true),
        (Provider::Eclipse, true) => ("FAILED", "FAILED", true),
        (Provider::BiometricKz, false) => ("SUCCESS", "PASSED", true),
        (Provider::BiometricKz, true) => ("FAILED", "FAILED", true),
        (Provider::Ident, false) => ("accepted", "APPROVED", true),
        (Provider::Ident, true) => ("rejected", "DECLINED", true),
        (Provider::Width, false) => ("FINISHED", "PASSED", true),
        (Provider::Width, true) => ("FINISHED", "FAILED", true),
    }
}

/// The checks each provider reports: `(key, name, category, score scale, threshold)`.
type Template = (
    &'static str,
    &'static str,
    CheckCategory,
    Option<&'static str>,
    Option<f64>,
);

fn checks_of(provider: Provider) -> &'static [Template] {
    use CheckCategory::*;
    match provider {
        Provider::Eclipse => &[
            (
                "documentCheck",
                "Document check",
                IdentityDocument,
                None,
                None,
            ),
            ("nameMatchCheck", "Name match", DataMatch, None, None),
            ("faceMatchCheck", "Face match", FaceMatch, Some("raw"), None),
            (
                "livenessCheck",
                "Liveness",
                Liveness,
                Some("0-100"),
                Some(90.0),
            ),
            (
                "sanctionsListCheck",
                "Sanctions list",
                SanctionsPepAml,
                None,
                None,
            ),
            (
                "registryCheck",
                "Government registry",
                GovernmentRegistry,
                None,
                None,
            ),
        ],
        Provider::BiometricKz => &[
            (
                "doc_recognition_result",
                "Document recognition",
                IdentityDocument,
                None,
                None,
            ),
            (
                "face_match",
                "Face match",
                FaceMatch,
                Some("0-1"),
                Some(0.8),
            ),
            (
                "liveness_result",
                "Liveness",
                Liveness,
                Some("0-1"),
                Some(0.5),
            ),
            ("name_match", "Name match", DataMatch, None, None),
            (
                "pep_sanctions",
                "PEP / sanctions screening",
                SanctionsPepAml,
                None,
                None,
            ),
        ],
        Provider::Ident => &[
            (
                "vouched:IdConfidence",
                "ID confidence (Vouched)",
                IdentityDocument,
                Some("0-1"),
                Some(0.8),
            ),
            (
                "vouched:FaceMatchConfidence",
                "Face match confidence (Vouched)",
                FaceMatch,
                Some("0-1"),
                Some(0.8),
            ),
            (
                "vouched:NameMatch",
                "Name match (Vouched)",
                DataMatch,
                None,
                None,
            ),
            (
                "vouched:Liveness",
                "Liveness (Vouched)",
                Liveness,
                Some("0-1"),
                Some(0.5),
            ),
            (
                "identitymind:state",
                "IdentityMind screening",
                SanctionsPepAml,
                None,
                None,
            ),
            (
                "duplicate",
                "Duplicate application",
                DuplicateDetection,
                None,
                None,
            ),
        ],
        Provider::Width => &[
            (
                "node:flow_action_document",
                "Document (workflow node)",
                IdentityDocument,
                None,
                None,
            ),
            (
                "node:flow_action_liveness_test",
                "Liveness test (workflow node)",
                Liveness,
                Some("0-100"),
                Some(90.0),
            ),
            (
                "node:flow_action_face_match",
                "Face match (workflow node)",
                FaceMatch,
                Some("0-1"),
                Some(0.8),
            ),
            (
                "node:flow_action_form",
                "Questionnaire (workflow node)",
                QuestionnaireForm,
                None,
                None,
            ),
            (
                "node:flow_action_data_match",
                "Data match (workflow node)",
                DataMatch,
                None,
                None,
            ),
            (
                "node:flow_action_sanctions",
                "Sanctions screening (workflow node)",
                SanctionsPepAml,
                None,
                None,
            ),
        ],
    }
}

fn sanctions_second(staff: &Staff, proposer: usize) -> Option<i64> {
    (staff.officers.len() > 1).then(|| staff.officers[(proposer + 1) % staff.officers.len()])
}

/// One seeded verification with everything that hangs off it.
struct SeededCase {
    id: i64,
    customer_id: i64,
    ref_id: i64,
    provider: Provider,
    raw: &'static str,
    status: &'static str,
    terminal: bool,
    review: &'static str,
    assignee: Option<i64>,
    failed: Option<(CheckCategory, &'static str)>,
    snapshot: String,
    snapshot_hash: String,
    created: i64,
    updated: i64,
    decision: Option<(&'static str, &'static str, i64, Option<i64>)>,
    note: Option<(i64, &'static str)>,
    running: bool,
}

fn case_of(plan: &Plan, ids: &Bases, staff: &Staff, j: u64) -> SeededCase {
    let mut rng = StdRng::seed_from_u64(
        plan.seed
            .wrapping_add(j.wrapping_mul(0xD1B5_4A32_D192_ED03)),
    );
    let now = plan.now_ms;
    let n = plan.customers;
    let (c, attempt) = (j % n, j / n);
    let attempts = plan.verifications / n + u64::from(c < plan.verifications % n);
    let providers = providers_of(c);
    let k = (attempt % providers.len() as u64) as usize;
    let provider = providers[k];
    let latest = attempt + providers.len() as u64 >= attempts;
    let (idx, s) = pick_scenario(&mut rng);
    let (raw, status, terminal) = status(provider, &s, idx);
    let created =
        (customer_created(plan.seed, c, now) + attempt as i64 * 3 * DAY_MS).min(now - 60_000);
    let updated = (created + rng.gen_range(0..2 * DAY_MS)).min(now - 1_000);
    let age = now - created;
    let reviewer = staff.reviewers[rng.gen_range(0..staff.reviewers.len())];
    let o = rng.gen_range(0..staff.officers.len());
    let officer = staff.officers[o];
    // The second pair of eyes: another officer.
    let second = sanctions_second(staff, o);
    let roll = rng.gen_range(0..100);
    let decided = terminal
        && (if age > 2 * DAY_MS {
            roll < 92
        } else {
            roll < 10
        });
    let sanctions = matches!(s.failed, Some((CheckCategory::SanctionsPepAml, _)));
    let (review, assignee) = if !latest {
        ("SUPERSEDED", None)
    } else if decided {
        let approve = s.failed.is_none() || rng.gen_range(0..100) < 15;
        (
            if approve { "APPROVED" } else { "DECLINED" },
            Some(if sanctions { officer } else { reviewer }),
        )
    } else if sanctions && roll % 3 == 0 {
        ("PENDING_SECOND_APPROVAL", Some(officer))
    } else {
        match roll % 10 {
            0..=5 => ("UNREVIEWED", None),
            6..=8 => ("IN_REVIEW", Some(reviewer)),
            _ => ("ESCALATED", None),
        }
    };
    let decision = match review {
        "APPROVED" => {
            let reason = if s.failed.is_some() {
                "PROVIDER_FALSE_POSITIVE"
            } else {
                "UPSTREAM_CHECKS_PASSED"
            };
            Some((
                "approve",
                reason,
                assignee.unwrap_or(reviewer),
                sanctions.then_some(second).flatten(),
            ))
        }
        "DECLINED" => Some((
            "decline",
            s.decline,
            assignee.unwrap_or(reviewer),
            sanctions.then_some(second).flatten(),
        )),
        _ => None,
    };
    let note = (matches!(review, "APPROVED" | "DECLINED" | "IN_REVIEW" | "ESCALATED")
        && rng.gen_range(0..100) < 30)
        .then(|| {
            (
                assignee.unwrap_or(reviewer),
                NOTES[rng.gen_range(0..NOTES.len())],
            )
        });
    let id = ids.verification + 1 + j as i64;
    let snapshot = serde_json::json!({
        "status": raw,
        "provider": provider.as_str(),
        "reference": upstream_key(provider, ref_id(ids, c, k)),
        "failureReasons": s.failed.map(|f| vec![f.1]).unwrap_or_default(),
        "updatedAt": updated,
    })
    .to_string();
    let snapshot_hash = hex::encode(Sha256::digest(snapshot.as_bytes()));
    SeededCase {
        id,
        customer_id: ids.customer + 1 + c as i64,
        ref_id: ref_id(ids, c, k),
        provider,
        raw,
        status,
        terminal,
        review,
        assignee: if matches!(review, "APPROVED" | "DECLINED") {
            None
        } else {
            assignee
        },
        failed: s.failed,
        snapshot,
        snapshot_hash,
        created,
        updated,
        decision,
        note,
        running: s.running,
    }
}

async fn seed_verifications(
    db: &Db,
    plan: &Plan,
    ids: &Bases,
    staff: &Staff,
    report: &mut Report,
    progress: &mut impl FnMut(&str),
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let mut chunks = 0;
    let mut j = 0u64;
    while j < plan.verifications {
        let end = (j + CASE_CHUNK as u64).min(plan.verifications);
        let cases: Vec<SeededCase> = (j..end).map(|j| case_of(plan, ids, staff, j)).collect();
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO verification (verification_id, customer_id, customer_ref_id, provider, upstream_ref, \
             upstream_status_raw, upstream_status, terminal, review_status, assignee_id, version, failed_checks, \
             failure_reasons, snapshot, snapshot_hash, upstream_changed_at, last_polled_at, created_at, updated_at, \
             updated_by) ",
        );
        q.push_values(&cases, |mut b, v| {
            let reasons = serde_json::to_string(&v.failed.map(|f| vec![f.1]).unwrap_or_default())
                .unwrap_or_else(|_| "[]".into());
            b.push_bind(v.id)
                .push_bind(v.customer_id)
                .push_bind(v.ref_id)
                .push_bind(v.provider.as_str())
                .push_bind(format!("seed-v{}", v.id))
                .push_bind(v.raw)
                .push_bind(v.status)
                .push_bind(v.terminal)
                .push_bind(v.review)
                .push_bind(v.assignee)
                .push_bind(if v.review == "UNREVIEWED" { 1i64 } else { 3 })
                .push_bind(v.failed.map_or(0, |f| CategorySet::bit(f.0)))
                .push_bind(reasons)
                .push_bind(v.snapshot.clone())
                .push_bind(v.snapshot_hash.clone())
                .push_bind(v.updated)
                .push_bind(v.updated)
                .push_bind(v.created)
                .push_bind(v.updated)
                .push_bind(v.decision.map(|d| d.2).or(v.assignee));
        });
        q.build().execute(&mut *tx).await?;

        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO verification_check (verification_id, position, check_key, name, category, outcome, \
             score, score_scale, threshold, reason, comment) ",
        );
        let rows = cases.iter().flat_map(|v| {
            checks_of(v.provider)
                .iter()
                .enumerate()
                .map(move |(i, t)| (v, i, t))
        });
        let mut checks = 0u64;
        q.push_values(rows, |mut b, (v, i, t)| {
            let failed = v.failed.is_some_and(|f| f.0 == t.2);
            let outcome = if failed {
                "FAILED"
            } else if v.running && i >= 2 {
                "PENDING"
            } else {
                "PASSED"
            };
            // A score on the right side of the threshold, or below it when failed.
            let score = t.3.map(|scale| {
                let top = if scale == "0-100" { 100.0 } else { 1.0 };
                let frac = ((v.id as f64 * 0.618_034 + i as f64 * 0.31) % 1.0) * 0.15;
                if failed {
                    top * (0.30 + frac)
                } else {
                    top * (0.84 + frac)
                }
            });
            b.push_bind(v.id)
                .push_bind(i as i64)
                .push_bind(t.0)
                .push_bind(t.1)
                .push_bind(t.2.as_str())
                .push_bind(outcome)
                .push_bind(score)
                .push_bind(t.3)
                .push_bind(t.4)
                .push_bind(failed.then(|| v.failed.map(|f| f.1)).flatten())
                .push_bind(Option::<String>::None);
            checks += 1;
        });
        q.build().execute(&mut *tx).await?;
        report.checks += checks;

        let decided: Vec<&SeededCase> = cases.iter().filter(|v| v.decision.is_some()).collect();
        if !decided.is_empty() {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO decision (verification_id, kind, reason_code, note, evidence_hash, four_eyes, status, \
                 decided_by, decided_at, second_by, second_at, second_note) ",
            );
            q.push_values(&decided, |mut b, v| {
                let Some((kind, reason, by, second)) = v.decision else {
                    return;
                };
                let note = REASONS
                    .iter()
                    .find(|r| r.code == reason)
                    .map(|r| format!("{} — checked against the provider's evidence.", r.label))
                    .unwrap_or_else(|| "Checked against the provider's evidence.".into());
                b.push_bind(v.id)
                    .push_bind(kind)
                    .push_bind(reason)
                    .push_bind(note)
                    .push_bind(v.snapshot_hash.clone())
                    .push_bind(second.is_some())
                    .push_bind(if second.is_some() {
                        "CONFIRMED"
                    } else {
                        "FINAL"
                    })
                    .push_bind(by)
                    .push_bind(v.updated - 600_000)
                    .push_bind(second)
                    .push_bind(second.map(|_| v.updated))
                    .push_bind(second.map(|_| "Confirmed after reading the list entry."));
            });
            q.build().execute(&mut *tx).await?;
            report.decisions += decided.len() as u64;
        }
        let noted: Vec<&SeededCase> = cases.iter().filter(|v| v.note.is_some()).collect();
        if !noted.is_empty() {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO note (verification_id, author_id, body, created_at) ",
            );
            q.push_values(&noted, |mut b, v| {
                let Some((author, body)) = v.note else { return };
                b.push_bind(v.id)
                    .push_bind(author)
                    .push_bind(body)
                    .push_bind(v.updated - 900_000);
            });
            q.build().execute(&mut *tx).await?;
            report.notes += noted.len() as u64;
        }
        report.verifications += cases.len() as u64;
        j = end;
        chunks += 1;
        if chunks % CHUNKS_PER_TX == 0 {
            tx.commit().await?;
            tx = db.begin_write().await?;
            progress(&format!("verifications: {}", report.verifications));
        }
    }
    tx.commit().await?;
    progress(&format!(
        "verifications: {} (checks: {}, decisions: {}, notes: {})",
        report.verifications, report.checks, report.decisions, report.notes
    ));
    Ok(())
}

/// What reviewers, officers and the system do all day, by share of events.
const ACTIONS: [(&str, &str, u32); 12] = [
    ("verification.received", "poller", 20),
    ("verification.changed", "poller", 14),
    ("case.claimed", "reviewer", 15),
    ("case.released", "reviewer", 4),
    ("case.note_added", "reviewer", 10),
    ("decision.made", "reviewer", 12),
    ("decision.proposed", "compliance_officer", 1),
    ("decision.confirmed", "compliance_officer", 1),
    ("auth.sign_in", "reviewer", 10),
    ("pii.revealed", "reviewer", 3),
    ("outbox.pushed", "outbox", 7),
    ("audit.viewed", "manager", 3),
];

async fn seed_audit(
    db: &Db,
    plan: &Plan,
    ids: &Bases,
    staff: &Staff,
    report: &mut Report,
    progress: &mut impl FnMut(&str),
) -> Result<(), sqlx::Error> {
    if plan.audit_events == 0 {
        return Ok(());
    }
    let head: Option<(i64, String, i64)> =
        sqlx::query_as("SELECT seq, hash, occurred_at FROM audit_event ORDER BY seq DESC LIMIT 1")
            .fetch_optional(db.writer())
            .await?;
    let (mut seq, mut prev, head_at) = head.unwrap_or((0, GENESIS_HASH.to_string(), 0));
    // Events keep time order: spread from SPAN_DAYS ago (or the head) to now.
    let start = (plan.now_ms - SPAN_DAYS * DAY_MS).max(head_at + 1);
    let step = ((plan.now_ms - start) as f64 / plan.audit_events as f64).max(0.0);
    let total: u32 = ACTIONS.iter().map(|a| a.2).sum();
    let mut rng = StdRng::seed_from_u64(plan.seed ^ 0xA0D1_7000);
    let verifications = plan.verifications.max(report.verifications);
    let mut tx = db.begin_write().await?;
    let mut written = 0u64;
    let mut chunks = 0;
    while written < plan.audit_events {
        let n = (plan.audit_events - written).min(CHUNK as u64);
        let mut events = Vec::with_capacity(n as usize);
        for i in 0..n {
            let mut x = rng.gen_range(0..total);
            let (action, actor, _) = *ACTIONS
                .iter()
                .find(|a| {
                    let hit = x < a.2;
                    if !hit {
                        x -= a.2;
                    }
                    hit
                })
                .unwrap_or(&ACTIONS[0]);
            let case = (verifications > 0).then(|| rng.gen_range(0..verifications));
            let (actor_user_id, actor_role, actor_system) = match actor {
                "reviewer" => (
                    Some(staff.reviewers[rng.gen_range(0..staff.reviewers.len())]),
                    Some(actor.to_string()),
                    None,
                ),
                "compliance_officer" => (
                    Some(staff.officers[rng.gen_range(0..staff.officers.len())]),
                    Some(actor.to_string()),
                    None,
                ),
                "manager" => (
                    Some(staff.managers[rng.gen_range(0..staff.managers.len())]),
                    Some(actor.to_string()),
                    None,
                ),
                system => (None, None, Some(system.to_string())),
            };
            let (entity_kind, entity_id, customer_id, verification_id, changes, reason) =
                audit_detail(action, case, plan, ids, actor_user_id, &mut rng);
            seq += 1;
            let mut e = StoredEvent {
                seq,
                occurred_at: start + ((written + i) as f64 * step) as i64,
                actor_user_id,
                actor_role,
                actor_system,
                action: action.to_string(),
                entity_kind: entity_kind.to_string(),
                entity_id,
                customer_id,
                verification_id,
                changes,
                reason,
                request_id: actor_user_id.map(|_| format!("{:032x}", rng.gen::<u128>())),
                client_hash: actor_user_id
                    .map(|u| format!("{:032x}", (u as u128) * 0x9E37_79B9_7F4A_7C15)),
                prev_hash: std::mem::take(&mut prev),
                hash: String::new(),
            };
            e.hash = chain_hash(&e.prev_hash, &e.canonical());
            prev = e.hash.clone();
            events.push(e);
        }
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO audit_event (seq, occurred_at, actor_user_id, actor_role, actor_system, action, \
             entity_kind, entity_id, customer_id, verification_id, changes, reason, request_id, client_hash, \
             prev_hash, hash) ",
        );
        q.push_values(events, |mut b, e| {
            b.push_bind(e.seq)
                .push_bind(e.occurred_at)
                .push_bind(e.actor_user_id)
                .push_bind(e.actor_role)
                .push_bind(e.actor_system)
                .push_bind(e.action)
                .push_bind(e.entity_kind)
                .push_bind(e.entity_id)
                .push_bind(e.customer_id)
                .push_bind(e.verification_id)
                .push_bind(e.changes)
                .push_bind(e.reason)
                .push_bind(e.request_id)
                .push_bind(e.client_hash)
                .push_bind(e.prev_hash)
                .push_bind(e.hash);
        });
        q.build().execute(&mut *tx).await?;
        written += n;
        report.audit_events = written;
        chunks += 1;
        if chunks % CHUNKS_PER_TX == 0 {
            tx.commit().await?;
            tx = db.begin_write().await?;
            if chunks % (CHUNKS_PER_TX * 20) == 0 {
                progress(&format!("audit events: {written}"));
            }
        }
    }
    tx.commit().await?;
    progress(&format!("audit events: {written} (head #{seq})"));
    Ok(())
}

type Detail = (
    &'static str,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<String>,
);

/// Entity, ids, changed fields and reason of one seeded event.
fn audit_detail(
    action: &str,
    case: Option<u64>,
    plan: &Plan,
    ids: &Bases,
    user: Option<i64>,
    rng: &mut StdRng,
) -> Detail {
    let Some(j) = case.filter(|_| !matches!(action, "auth.sign_in" | "audit.viewed")) else {
        return match action {
            "audit.viewed" => (
                "audit_log",
                None,
                None,
                None,
                Some(r#"{"filter":"action=decision.made"}"#.into()),
                None,
            ),
            _ => ("user", user.map(|u| u.to_string()), None, None, None, None),
        };
    };
    let vid = ids.verification + 1 + j as i64;
    let cid = ids.customer + 1 + (j % plan.customers.max(1)) as i64;
    let review = |from: &str, to: &str| {
        Some(format!(
            r#"{{"review_status":{{"from":"{from}","to":"{to}"}}}}"#
        ))
    };
    let (changes, reason) = match action {
        "verification.received" => (
            Some(r#"{"upstream_status":{"from":null,"to":"IN_PROGRESS"}}"#.to_string()),
            None,
        ),
        "verification.changed" => (
            Some(r#"{"upstream_status":{"from":"IN_PROGRESS","to":"PASSED"}}"#.to_string()),
            None,
        ),
        "case.claimed" => (review("UNREVIEWED", "IN_REVIEW"), None),
        "case.released" => (review("IN_REVIEW", "UNREVIEWED"), None),
        "case.note_added" => (None, Some(NOTES[rng.gen_range(0..NOTES.len())].to_string())),
        "decision.made" => {
            let r = &REASONS[rng.gen_range(0..REASONS.len())];
            let to = if r.code.starts_with("VERIFIED")
                || r.code.starts_with("PROVIDER")
                || r.code.starts_with("UPSTREAM")
            {
                "APPROVED"
            } else {
                "DECLINED"
            };
            (
                Some(format!(
                    r#"{{"review_status":{{"from":"IN_REVIEW","to":"{to}"}},"reason_code":"{}"}}"#,
                    r.code
                )),
                Some(format!(
                    "{} — checked against the provider's evidence.",
                    r.label
                )),
            )
        }
        "decision.proposed" => (
            review("IN_REVIEW", "PENDING_SECOND_APPROVAL"),
            Some("Sanctions entry is a different person: date of birth differs.".into()),
        ),
        "decision.confirmed" => (
            review("PENDING_SECOND_APPROVAL", "APPROVED"),
            Some("Agree: the list entry's date of birth differs.".into()),
        ),
        "pii.revealed" => (
            None,
            Some("Comparing the e-mail with the application form.".into()),
        ),
        "outbox.pushed" => (
            Some(r#"{"push_state":{"from":"PENDING","to":"DONE"}}"#.to_string()),
            None,
        ),
        _ => (None, None),
    };
    let entity = if action == "pii.revealed" {
        "customer"
    } else {
        "verification"
    };
    let entity_id = if entity == "customer" { cid } else { vid };
    (
        entity,
        Some(entity_id.to_string()),
        Some(cid),
        Some(vid),
        changes,
        reason,
    )
}

const NOTES: [&str; 6] = [
    "Compared the document photo with the selfie; same person.",
    "Called the customer to confirm the address on the application.",
    "Surname transliterated differently on the passport; matches.",
    "Sanctions hit is a namesake: date of birth differs by 20 years.",
    "Document glare hides the expiry date; asked for a new photo.",
    "Liveness retry passed on the second attempt.",
];

const FIRST: [&str; 24] = [
    "Aigerim",
    "Nursultan",
    "Dana",
    "Arman",
    "Madina",
    "Yerlan",
    "Zarina",
    "Timur",
    "Aliya",
    "Daniyar",
    "Saule",
    "Bauyrzhan",
    "Elena",
    "Ivan",
    "Gulnara",
    "Ruslan",
    "Aruzhan",
    "Marat",
    "Kamila",
    "Askar",
    "Anna",
    "Murat",
    "Dinara",
    "Sergei",
];

const LAST: [&str; 24] = [
    "Abenova",
    "Bekov",
    "Chernova",
    "Dzhaksybekov",
    "Esimova",
    "Faizullin",
    "Gabdullina",
    "Ismailov",
    "Zhumabayeva",
    "Kassymov",
    "Lee",
    "Mukanova",
    "Nurlanov",
    "Omarova",
    "Petrov",
    "Rakhimova",
    "Sadykov",
    "Tokayeva",
    "Utepov",
    "Volkova",
    "Yessenova",
    "Zhakupov",
    "Karimova",
    "Serikbayev",
];

/// Verifications and the audit head's sequence number (for the bench).
pub async fn sizes(pool: &sqlx::SqlitePool) -> Result<(i64, i64), sqlx::Error> {
    let verifications: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM verification")
        .fetch_one(pool)
        .await?;
    let head: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM audit_event")
        .fetch_one(pool)
        .await?;
    Ok((verifications, head))
}

/// The first whole UTC day (`YYYY-MM-DD`) from which on at most `n` audit
/// events were recorded (for a bench export of about `n` events).
pub async fn day_of_nth_newest(pool: &sqlx::SqlitePool, n: i64) -> Result<String, sqlx::Error> {
    let at: Option<i64> = sqlx::query_scalar(
        "SELECT occurred_at FROM audit_event WHERE seq = (SELECT MAX(seq) FROM audit_event) - $1 + 1",
    )
    .bind(n)
    .fetch_optional(pool)
    .await?;
    let day = match at {
        Some(ms) => db::from_unix_ms(ms)
            .date()
            .next_day()
            .unwrap_or(time::Date::MAX),
        None => {
            time::Date::from_calendar_date(2000, time::Month::January, 1).unwrap_or(time::Date::MIN)
        }
    };
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    Ok(day.format(&fmt).unwrap_or_default())
}

/// An open, unassigned case that a reviewer may decline alone (no sanctions
/// hit), `skip` rows into the queue: `(id, version)`. Its upstream result
/// may still be pending (a reviewer may decline early): final ones alone
/// are a small backlog by design, which a few bench runs use up.
pub async fn open_case_for_bench(
    pool: &sqlx::SqlitePool,
    skip: i64,
) -> Result<Option<(i64, i64)>, sqlx::Error> {
    let sanctions = CategorySet::bit(CheckCategory::SanctionsPepAml);
    sqlx::query_as(
        "SELECT verification_id, version FROM verification \
         WHERE is_open = 1 AND review_status = 'UNREVIEWED' AND assignee_id IS NULL \
         AND (failed_checks & $1) = 0 ORDER BY created_at, verification_id LIMIT 1 OFFSET $2",
    )
    .bind(sanctions)
    .bind(skip)
    .fetch_optional(pool)
    .await
}
