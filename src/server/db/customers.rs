use super::Tx;
use crate::domain::verification::Provider;
use sqlx::{FromRow, SqlitePool};

#[derive(Debug, Clone, FromRow)]
pub struct CustomerRow {
    pub customer_id: i64,
    pub external_id: String,
    pub display_name: String,
    pub email: Option<String>,
    pub country: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, FromRow)]
pub struct RefRow {
    pub customer_ref_id: i64,
    pub customer_id: i64,
    pub provider: Provider,
    pub r#ref: String,
    pub details: String,
    pub next_poll_at: Option<i64>,
    pub last_polled_at: Option<i64>,
    pub poll_failures: i64,
    pub last_error: Option<String>,
}

/// The search key of a name: lower case, single spaces.
pub fn name_key(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

const CUSTOMER: &str =
    "customer_id, external_id, display_name, email, country, created_at, updated_at";
const REF: &str =
    "customer_ref_id, customer_id, provider, ref, details, next_poll_at, last_polled_at, poll_failures, last_error";

pub async fn find(pool: &SqlitePool, customer_id: i64) -> Result<Option<CustomerRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {CUSTOMER} FROM customer WHERE customer_id = $1"
    ))
    .bind(customer_id)
    .fetch_optional(pool)
    .await
}

pub async fn find_by_external_id(
    tx: &mut Tx,
    external_id: &str,
) -> Result<Option<CustomerRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {CUSTOMER} FROM customer WHERE external_id = $1"
    ))
    .bind(external_id)
    .fetch_optional(&mut **tx)
    .await
}

pub async fn insert(
    tx: &mut Tx,
    external_id: &str,
    display_name: &str,
    email: Option<&str>,
    country: Option<&str>,
    now: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO customer (external_id, display_name, name_key, email, country, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING customer_id",
    )
    .bind(external_id)
    .bind(display_name)
    .bind(name_key(display_name))
    .bind(email)
    .bind(country)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
}

pub async fn update(
    tx: &mut Tx,
    customer_id: i64,
    display_name: &str,
    email: Option<&str>,
    country: Option<&str>,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE customer SET display_name = $1, name_key = $2, email = $3, country = $4, updated_at = $5 \
         WHERE customer_id = $6",
    )
    .bind(display_name)
    .bind(name_key(display_name))
    .bind(email)
    .bind(country)
    .bind(now)
    .bind(customer_id)
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

pub async fn refs(pool: &SqlitePool, customer_id: i64) -> Result<Vec<RefRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {REF} FROM customer_ref WHERE customer_id = $1 ORDER BY customer_ref_id"
    ))
    .bind(customer_id)
    .fetch_all(pool)
    .await
}

pub async fn find_ref(
    tx: &mut Tx,
    provider: Provider,
    key: &str,
) -> Result<Option<RefRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {REF} FROM customer_ref WHERE provider = $1 AND ref = $2"
    ))
    .bind(provider)
    .bind(key)
    .fetch_optional(&mut **tx)
    .await
}

pub async fn get_ref<'e>(
    ex: impl sqlx::Executor<'e, Database = sqlx::Sqlite>,
    customer_ref_id: i64,
) -> Result<Option<RefRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {REF} FROM customer_ref WHERE customer_ref_id = $1"
    ))
    .bind(customer_ref_id)
    .fetch_optional(ex)
    .await
}

pub async fn insert_ref(
    tx: &mut Tx,
    customer_id: i64,
    provider: Provider,
    key: &str,
    details: &str,
    now: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO customer_ref (customer_id, provider, ref, details, next_poll_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $5, $5) RETURNING customer_ref_id",
    )
    .bind(customer_id)
    .bind(provider)
    .bind(key)
    .bind(details)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
}

/// The refs whose next poll is due, soonest first.
pub async fn due_refs(pool: &SqlitePool, now: i64, limit: i64) -> Result<Vec<RefRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {REF} FROM customer_ref WHERE next_poll_at <= $1 ORDER BY next_poll_at LIMIT $2"
    ))
    .bind(now)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// Records the outcome of a poll on the ref: when to look again, and the
/// last error (or none).
pub async fn record_poll(
    tx: &mut Tx,
    customer_ref_id: i64,
    now: i64,
    next_poll_at: Option<i64>,
    failures: i64,
    last_error: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE customer_ref SET last_polled_at = $1, next_poll_at = $2, poll_failures = $3, last_error = $4, \
         updated_at = $1 WHERE customer_ref_id = $5",
    )
    .bind(now)
    .bind(next_poll_at)
    .bind(failures)
    .bind(last_error)
    .bind(customer_ref_id)
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

/// Asks the poller to look at a ref as soon as possible.
pub async fn poll_soon(tx: &mut Tx, customer_ref_id: i64, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE customer_ref SET next_poll_at = $1 WHERE customer_ref_id = $2")
        .bind(now)
        .bind(customer_ref_id)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

/// Filters of the customer list (all optional).
#[derive(Debug, Default, Clone)]
pub struct CustomerFilter {
    /// Name prefix, exact e-mail, exact external id or exact provider reference.
    pub q: Option<String>,
    pub provider: Option<Provider>,
    pub country: Option<String>,
}

/// One page, newest first, after the `(created_at, customer_id)` cursor.
pub async fn page(
    pool: &SqlitePool,
    f: &CustomerFilter,
    after: Option<(i64, i64)>,
    limit: i64,
) -> Result<Vec<CustomerRow>, sqlx::Error> {
    let mut q = sqlx::QueryBuilder::new(format!("SELECT {CUSTOMER} FROM customer c WHERE 1 = 1"));
    if let Some(text) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let key = name_key(text);
        q.push(" AND (c.external_id = ").push_bind(text.to_string());
        q.push(" OR c.email = ").push_bind(text.to_lowercase());
        q.push(" OR (c.name_key >= ").push_bind(key.clone());
        q.push(" AND c.name_key < ")
            .push_bind(format!("{key}\u{10ffff}"));
        q.push(") OR c.customer_id IN (SELECT customer_id FROM customer_ref WHERE ref = ")
            .push_bind(text.to_string());
        q.push("))");
    }
    if let Some(p) = &f.provider {
        q.push(" AND c.customer_id IN (SELECT customer_id FROM customer_ref WHERE provider = ")
            .push_bind(*p);
        q.push(")");
    }
    if let Some(country) = &f.country {
        q.push(" AND c.country = ").push_bind(country.clone());
    }
    if let Some((created_at, id)) = after {
        q.push(" AND (c.created_at < ").push_bind(created_at);
        q.push(" OR (c.created_at = ").push_bind(created_at);
        q.push(" AND c.customer_id < ").push_bind(id);
        q.push("))");
    }
    q.push(" ORDER BY c.created_at DESC, c.customer_id DESC LIMIT ")
        .push_bind(limit);
    q.build_query_as().fetch_all(pool).await
}
