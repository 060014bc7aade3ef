-- Customers of the fintech, as the onboarding app registers them.
CREATE TABLE customer (
    customer_id   INTEGER PRIMARY KEY,
    external_id   TEXT    NOT NULL,
    display_name  TEXT    NOT NULL,
    -- lower-case display name, for prefix search
    name_key      TEXT    NOT NULL,
    email         TEXT    NULL,
    country       TEXT    NULL,
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL,
    CONSTRAINT customer_external_id_key UNIQUE (external_id)
);
CREATE INDEX customer_name_idx ON customer (name_key, customer_id);
CREATE INDEX customer_email_idx ON customer (email);
CREATE INDEX customer_created_idx ON customer (created_at, customer_id);

-- Where a customer lives at each provider. `ref` is the canonical key of the
-- upstream thing we poll (Eclipse "tenant/customer", a biometric.kz session,
-- an ident application, a WIDTH execution); `details` keeps every field sent.
CREATE TABLE customer_ref (
    customer_ref_id  INTEGER PRIMARY KEY,
    customer_id      INTEGER NOT NULL REFERENCES customer (customer_id),
    provider         TEXT    NOT NULL,
    ref              TEXT    NOT NULL,
    details          TEXT    NOT NULL,
    next_poll_at     BIGINT  NULL,
    last_polled_at   BIGINT  NULL,
    poll_failures    BIGINT  NOT NULL DEFAULT 0,
    last_error       TEXT    NULL,
    created_at       BIGINT  NOT NULL,
    updated_at       BIGINT  NOT NULL,
    CONSTRAINT customer_ref_provider_ref_key UNIQUE (provider, ref)
);
CREATE INDEX customer_ref_customer_idx ON customer_ref (customer_id);
CREATE INDEX customer_ref_ref_idx ON customer_ref (ref);
CREATE INDEX customer_ref_next_poll_idx ON customer_ref (next_poll_at);

-- One upstream attempt (a case). Upstream status and our review status are
-- independent; `version` guards every change (optimistic locking).
CREATE TABLE verification (
    verification_id      INTEGER PRIMARY KEY,
    customer_id          INTEGER NOT NULL REFERENCES customer (customer_id),
    customer_ref_id      INTEGER NOT NULL REFERENCES customer_ref (customer_ref_id),
    provider             TEXT    NOT NULL,
    upstream_ref         TEXT    NOT NULL,
    upstream_status_raw  TEXT    NOT NULL,
    upstream_status      TEXT    NOT NULL,
    terminal             BOOLEAN NOT NULL,
    review_status        TEXT    NOT NULL DEFAULT 'UNREVIEWED',
    assignee_id          INTEGER NULL REFERENCES app_user (user_id),
    version              BIGINT  NOT NULL DEFAULT 1,
    failed_checks        BIGINT  NOT NULL DEFAULT 0,
    failure_reasons      TEXT    NOT NULL DEFAULT '[]',
    snapshot             TEXT    NOT NULL,
    snapshot_hash        TEXT    NOT NULL,
    upstream_updated_at  TEXT    NULL,
    upstream_changed_at  BIGINT  NOT NULL,
    last_polled_at       BIGINT  NULL,
    last_error           TEXT    NULL,
    created_at           BIGINT  NOT NULL,
    updated_at           BIGINT  NOT NULL,
    CONSTRAINT verification_provider_upstream_ref_key UNIQUE (provider, upstream_ref)
);
CREATE INDEX verification_customer_idx ON verification (customer_id, created_at);
CREATE INDEX verification_ref_idx ON verification (customer_ref_id, created_at);

-- The per-check results of a verification, as last read.
CREATE TABLE verification_check (
    verification_check_id  INTEGER PRIMARY KEY,
    verification_id        INTEGER NOT NULL REFERENCES verification (verification_id) ON DELETE CASCADE,
    position               BIGINT  NOT NULL,
    check_key              TEXT    NOT NULL,
    name                   TEXT    NOT NULL,
    category               TEXT    NOT NULL,
    outcome                TEXT    NOT NULL,
    score                  DOUBLE PRECISION NULL,
    score_scale            TEXT    NULL,
    threshold              DOUBLE PRECISION NULL,
    reason                 TEXT    NULL,
    comment                TEXT    NULL
);
CREATE INDEX verification_check_verification_idx ON verification_check (verification_id, position);

-- Bearer tokens for the onboarding app's JSON API. Only a SHA-256 of the
-- token is kept; the token itself is shown once.
CREATE TABLE api_token (
    api_token_id  INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL,
    scope         TEXT    NOT NULL CHECK (scope IN ('ingest', 'read')),
    token_hash    TEXT    NOT NULL,
    created_at    BIGINT  NOT NULL,
    last_used_at  BIGINT  NULL,
    revoked_at    BIGINT  NULL,
    CONSTRAINT api_token_token_hash_key UNIQUE (token_hash)
);
