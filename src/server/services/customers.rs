//! Registering customers (JSON API and the "Add customer" form) and reading
//! them back with their verifications.

use crate::domain::audit::{AuditAction, AuditEntity};
use crate::domain::customer::NewCustomer;
use crate::domain::customer::{form_field, CustomerInput, RefInput};
use crate::domain::verification::Provider;
use crate::error::AppError;
use crate::server::clock::Clock;
use crate::server::db::audit::{self as audit_log, change, Actor, NewEvent, Origin};
use crate::server::db::{self, Db};
use crate::server::pii::Personal;
use crate::server::providers;
use crate::server::views;
use crate::view::{CustomerSummary, CustomerView, Page, VerificationView};
use crate::view::{RefFieldView, RefFieldset};
use std::collections::HashMap;

pub const CUSTOMERS_PAGE_SIZE: i64 = 50;

/// The customer list's filters, as its GET form sends them.
pub struct ListQuery {
    /// A name prefix, an e-mail, an external id or a provider reference.
    pub q: Option<String>,
    pub provider: Option<String>,
    pub country: Option<String>,
}

/// Customers, newest first, after the `after` cursor.
pub async fn page(
    db: &Db,
    query: &ListQuery,
    after: Option<&str>,
) -> Result<Page<CustomerSummary>, AppError> {
    use crate::domain::filled;
    let provider = crate::domain::choice(&query.provider, Provider::parse)
        .map_err(|_| AppError::validation("provider", "Unknown provider."))?;
    let filter = db::customers::CustomerFilter {
        q: filled(&query.q).map(|q| q.chars().take(200).collect()),
        provider,
        country: filled(&query.country).map(|c| c.to_ascii_uppercase()),
    };
    let after = match filled(&after.map(str::to_string)) {
        None => None,
        Some(c) => {
            let cursor = c
                .split_once('.')
                .and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)));
            Some(cursor.ok_or_else(|| AppError::validation("after", "Bad page cursor."))?)
        }
    };
    let rows = db::customers::page(db.reader(), &filter, after, CUSTOMERS_PAGE_SIZE + 1).await?;
    let (rows, next_cursor) = views::page_of(rows, CUSTOMERS_PAGE_SIZE, |c| {
        format!("{}.{}", c.created_at, c.customer_id)
    });
    let items = rows
        .into_iter()
        .map(|c| CustomerSummary {
            id: c.customer_id,
            external_id: c.external_id,
            display_name: c.display_name,
            country: c.country,
            created_at: views::time(c.created_at),
        })
        .collect();
    Ok(Page { items, next_cursor })
}

/// The providers' fieldsets of "Add customer", as each provider asks for
/// its references.
pub fn ref_fieldsets() -> Vec<RefFieldset> {
    Provider::ALL
        .iter()
        .map(|p| RefFieldset {
            legend: p.label().to_string(),
            fields: providers::profile(*p)
                .ref_fields
                .iter()
                .map(|f| RefFieldView {
                    name: form_field(*p, f.part),
                    label: f.label.to_string(),
                    maxlength: f.maxlength,
                })
                .collect(),
        })
        .collect()
}

/// The references filled in on "Add customer" (`{provider}_{part}` fields),
/// each with the provider it is for.
pub fn refs_from_form(form: &HashMap<String, String>) -> Vec<(Provider, RefInput)> {
    Provider::ALL
        .iter()
        .filter_map(|p| {
            let mut r = RefInput {
                provider: p.as_str().to_string(),
                ..RefInput::default()
            };
            for f in providers::profile(*p).ref_fields {
                if let Some(v) = form.get(&form_field(*p, f.part)) {
                    r.set(f.part, v);
                }
            }
            (!r.is_empty()).then_some((*p, r))
        })
        .collect()
}

/// "Add customer" as the form posts it.
pub struct CustomerForm {
    pub external_id: String,
    pub display_name: String,
    pub email: Option<String>,
    pub country: Option<String>,
    /// The reference fields, by their form names (`{provider}_{part}`).
    pub refs: HashMap<String, String>,
}

/// Registers a customer from "Add customer"; a bad field is named as the
/// form names it (`biometric_kz_session_id`, not `refs[0].session_id`).
pub async fn add_from_form(
    db: &Db,
    clock: &Clock,
    actor: Actor,
    origin: &Origin,
    form: CustomerForm,
) -> Result<Upserted, AppError> {
    let (providers, refs): (Vec<Provider>, Vec<RefInput>) =
        refs_from_form(&form.refs).into_iter().unzip();
    let input = CustomerInput {
        external_id: form.external_id,
        display_name: form.display_name,
        email: form.email,
        country: form.country,
        refs,
    };
    let new = input.validate().map_err(|e| {
        let field = match e.field.strip_prefix("refs[") {
            Some(rest) => {
                let (i, part) = rest
                    .split_once("].")
                    .unwrap_or((rest.trim_end_matches(']'), "id"));
                match i.parse::<usize>().ok().and_then(|i| providers.get(i)) {
                    Some(p) => format!("{}_{part}", p.as_str()),
                    None => "refs".to_string(),
                }
            }
            None => e.field,
        };
        AppError::validation(field, e.message)
    })?;
    upsert(db, clock, actor, origin, new).await
}

pub struct Upserted {
    pub created: bool,
    pub customer: CustomerView,
}

/// Creates the customer or updates it (matched by `external_id`), and adds
/// the provider references it does not have yet; each new reference is
/// polled as soon as the poller wakes. One transaction, one audit event.
pub async fn upsert(
    db: &Db,
    clock: &Clock,
    actor: Actor,
    origin: &Origin,
    c: NewCustomer,
) -> Result<Upserted, AppError> {
    let now = clock.now_ms();
    let mut tx = db.begin_write().await?;
    let existing = db::customers::find_by_external_id(&mut tx, &c.external_id).await?;
    let mut changes = serde_json::Map::new();
    let (customer_id, created) = match &existing {
        None => {
            let id = db::customers::insert(
                &mut tx,
                &c.external_id,
                &c.display_name,
                c.email.as_deref(),
                c.country.as_deref(),
                now,
            )
            .await?;
            changes.insert("external_id".into(), change(None::<&str>, &c.external_id));
            if let Some(country) = &c.country {
                changes.insert("country".into(), change(None::<&str>, country));
            }
            (id, true)
        }
        Some(old) => {
            // Names and e-mails are personal data: the trail says that they
            // changed, not what they were.
            if old.display_name != c.display_name {
                changes.insert("display_name".into(), "changed".into());
            }
            if old.email != c.email {
                changes.insert("email".into(), "changed".into());
            }
            if old.country != c.country {
                changes.insert("country".into(), change(&old.country, &c.country));
            }
            if !changes.is_empty() {
                db::customers::update(
                    &mut tx,
                    old.customer_id,
                    &c.display_name,
                    c.email.as_deref(),
                    c.country.as_deref(),
                    now,
                )
                .await?;
            }
            (old.customer_id, false)
        }
    };
    let mut added = Vec::new();
    for (i, r) in c.refs.iter().enumerate() {
        let provider = r.provider();
        let key = r.key();
        match db::customers::find_ref(&mut tx, provider, &key).await? {
            Some(existing) if existing.customer_id == customer_id => {}
            Some(_) => {
                return Err(AppError::validation(
                    format!("refs[{i}]"),
                    "This reference already belongs to another customer.",
                ))
            }
            None => {
                let details = serde_json::to_string(r).unwrap_or_default();
                db::customers::insert_ref(&mut tx, customer_id, provider, &key, &details, now)
                    .await?;
                added.push(format!("{provider}:{key}"));
            }
        }
    }
    if !added.is_empty() {
        changes.insert("refs_added".into(), serde_json::json!(added));
    }
    if created || !changes.is_empty() {
        let action = if created {
            AuditAction::CustomerCreated
        } else {
            AuditAction::CustomerUpdated
        };
        let mut event = NewEvent::new(actor, action, AuditEntity::Customer, origin)
            .entity_id(customer_id)
            .changes(serde_json::Value::Object(changes));
        event.customer_id = Some(customer_id);
        audit_log::append(&mut tx, now, event).await?;
    }
    tx.commit().await?;
    let customer = get(db, customer_id).await?;
    Ok(Upserted { created, customer })
}

pub async fn get(db: &Db, customer_id: i64) -> Result<CustomerView, AppError> {
    let c = db::customers::find(db.reader(), customer_id)
        .await?
        .ok_or_else(|| AppError::not_found("Customer"))?;
    let refs = db::customers::refs(db.reader(), customer_id).await?;
    Ok(views::customer(c, refs))
}

/// Every verification of a customer, newest first, with its checks (see [`with_checks`]).
pub async fn verifications(
    db: &Db,
    customer_id: i64,
    pii_revealed: bool,
) -> Result<Vec<VerificationView>, AppError> {
    let rows = db::verifications::for_customer(db.reader(), customer_id).await?;
    with_checks(db, rows, pii_revealed).await
}

/// The verifications with their checks. Unless personal data is revealed, a check's text (key,
/// name, reason, comment) and the raw status are masked where they repeat a personal value of
/// the provider's payload (`pii::Personal`): mappers copy comments and messages as sent.
pub async fn with_checks(
    db: &Db,
    rows: Vec<db::verifications::VerificationRow>,
    pii_revealed: bool,
) -> Result<Vec<VerificationView>, AppError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.verification_id).collect();
    let mut checks = db::verifications::checks_of(db.reader(), &ids).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let mine: Vec<_> = checks
                .iter()
                .filter(|c| c.verification_id == r.verification_id)
                .cloned()
                .collect();
            checks.retain(|c| c.verification_id != r.verification_id);
            let personal = (!pii_revealed).then(|| personal_of(&r));
            let mut view = views::verification(r, mine);
            if let Some(p) = personal {
                mask_verification(&mut view, &p);
            }
            view
        })
        .collect())
}

/// The personal values of a verification's stored payload.
pub fn personal_of(v: &db::verifications::VerificationRow) -> Personal {
    serde_json::from_str(&v.snapshot)
        .map(|s| Personal::of(&s))
        .unwrap_or_default()
}

fn mask_verification(v: &mut VerificationView, p: &Personal) {
    if p.is_empty() {
        return;
    }
    v.upstream_status_raw = p.mask(std::mem::take(&mut v.upstream_status_raw));
    for r in &mut v.failure_reasons {
        *r = p.mask(std::mem::take(r));
    }
    for c in &mut v.checks {
        c.key = p.mask(std::mem::take(&mut c.key));
        c.name = p.mask(std::mem::take(&mut c.name));
        c.reason = c.reason.take().map(|r| p.mask(r));
        c.comment = c.comment.take().map(|r| p.mask(r));
    }
}

/// How long a reveal shows personal data in full.
pub const REVEAL_FOR_MS: i64 = 10 * 60 * 1000;

fn reveal_key(customer_id: i64) -> String {
    format!("pii_revealed:{customer_id}")
}

/// Masks personal contact data (names stay: reviewers work by them).
pub fn mask(c: &mut CustomerView) {
    c.email = c.email.as_deref().map(crate::domain::customer::mask_email);
}

/// Masks what an API token without the `pii` scope must not read: contact data and the name.
pub fn mask_for_api(c: &mut CustomerView) {
    mask(c);
    c.display_name = crate::domain::customer::mask_name(&c.display_name);
}

/// What one JSON API request read.
pub struct ApiRead {
    pub entity: AuditEntity,
    /// The one customer or verification asked for by id, if any.
    pub entity_id: Option<i64>,
    pub customer_ids: Vec<i64>,
    pub verification_ids: Vec<i64>,
    /// Whether personal data was handed out in full (a `pii` token).
    pub pii: bool,
}

/// Records an API read as one `api.read` event with the ids read. The caller answers only once
/// it is recorded.
pub async fn record_api_read(
    db: &Db,
    clock: &Clock,
    actor: Actor,
    origin: &Origin,
    read: ApiRead,
) -> Result<(), AppError> {
    let mut customers = read.customer_ids;
    customers.sort_unstable();
    customers.dedup();
    let mut event = NewEvent::new(actor, AuditAction::ApiRead, read.entity, origin).changes(
        serde_json::json!({
            "customer_ids": customers,
            "verification_ids": read.verification_ids,
            "personal_data": if read.pii { "shown" } else { "masked" },
        }),
    );
    if let Some(id) = read.entity_id {
        event = event.entity_id(id);
    }
    if let [only] = customers[..] {
        event.customer_id = Some(only);
    }
    if let [only] = read.verification_ids[..] {
        event.verification_id = Some(only);
    }
    let mut tx = db.begin_write().await?;
    audit_log::append(&mut tx, clock.now_ms(), event).await?;
    tx.commit().await?;
    Ok(())
}

/// Is there a live reveal for this customer in the caller's session?
pub async fn pii_revealed(
    session: &tower_sessions::Session,
    customer_id: i64,
    now: i64,
) -> Result<bool, AppError> {
    let until: Option<i64> = session.get(&reveal_key(customer_id)).await?;
    Ok(until.is_some_and(|u| u > now))
}

/// Records the reveal (with its reason) and grants it in the session.
pub async fn reveal(
    db: &Db,
    clock: &Clock,
    session: &tower_sessions::Session,
    actor: Actor,
    origin: &Origin,
    customer_id: i64,
    reason: &str,
) -> Result<(), AppError> {
    db::customers::find(db.reader(), customer_id)
        .await?
        .ok_or_else(|| AppError::not_found("Customer"))?;
    let now = clock.now_ms();
    let mut tx = db.begin_write().await?;
    let mut event = NewEvent::new(
        actor,
        AuditAction::PiiRevealed,
        AuditEntity::Customer,
        origin,
    )
    .entity_id(customer_id)
    .changes(serde_json::json!({
        "fields": ["email", "provider_payloads", "photos"],
        "for_minutes": REVEAL_FOR_MS / 60_000,
    }))
    .reason(reason);
    event.customer_id = Some(customer_id);
    audit_log::append(&mut tx, now, event).await?;
    tx.commit().await?;
    session
        .insert(&reveal_key(customer_id), now + REVEAL_FOR_MS)
        .await?;
    Ok(())
}
