-- People who sign in to KYC Desk.
CREATE TABLE app_user (
    user_id        INTEGER PRIMARY KEY,
    email          TEXT    NOT NULL,
    name           TEXT    NOT NULL,
    role           TEXT    NOT NULL CHECK (role IN ('reviewer', 'compliance_officer', 'manager', 'admin')),
    password_hash  TEXT    NOT NULL,
    disabled       BOOLEAN NOT NULL DEFAULT FALSE,
    created_at     BIGINT  NOT NULL,
    updated_at     BIGINT  NOT NULL,
    CONSTRAINT app_user_email_key UNIQUE (email)
);
CREATE INDEX app_user_name_idx ON app_user (name, user_id);

-- Server-side sessions (tower-sessions store). The id is stored hashed;
-- user_id lets us end every session of a user at once.
CREATE TABLE session (
    session_hash  TEXT    PRIMARY KEY,
    user_id       INTEGER NULL REFERENCES app_user (user_id) ON DELETE CASCADE,
    data          TEXT    NOT NULL,
    expires_at    BIGINT  NOT NULL
);
CREATE INDEX session_user_idx ON session (user_id);
CREATE INDEX session_expires_idx ON session (expires_at);

-- Per-account sign-in throttling, keyed by a hash of the normalised e-mail
-- (known or not, so the table itself reveals nothing about accounts).
CREATE TABLE login_throttle (
    account_key      TEXT   PRIMARY KEY,
    failures         BIGINT NOT NULL,
    last_failure_at  BIGINT NOT NULL,
    locked_until     BIGINT NOT NULL
);

-- The audit trail: append-only, hash-chained.
-- hash = SHA-256(prev_hash || canonical event), see src/server/db/audit.rs.
CREATE TABLE audit_event (
    seq              BIGINT  PRIMARY KEY,
    occurred_at      BIGINT  NOT NULL,
    actor_user_id    BIGINT  NULL,
    actor_role       TEXT    NULL,
    actor_system     TEXT    NULL,
    action           TEXT    NOT NULL,
    entity_kind      TEXT    NOT NULL,
    entity_id        TEXT    NULL,
    customer_id      BIGINT  NULL,
    verification_id  BIGINT  NULL,
    changes          TEXT    NULL,
    reason           TEXT    NULL,
    request_id       TEXT    NULL,
    client_hash      TEXT    NULL,
    prev_hash        TEXT    NOT NULL,
    hash             TEXT    NOT NULL,
    CHECK ((actor_user_id IS NULL) <> (actor_system IS NULL))
);
CREATE INDEX audit_event_actor_idx ON audit_event (actor_user_id, seq);
CREATE INDEX audit_event_action_idx ON audit_event (action, seq);
CREATE INDEX audit_event_time_idx ON audit_event (occurred_at, seq);
CREATE INDEX audit_event_customer_idx ON audit_event (customer_id, seq);
CREATE INDEX audit_event_verification_idx ON audit_event (verification_id, seq);

CREATE TRIGGER audit_event_is_append_only_update
BEFORE UPDATE ON audit_event
BEGIN
    SELECT RAISE(ABORT, 'audit_event is append-only');
END;

CREATE TRIGGER audit_event_is_append_only_delete
BEFORE DELETE ON audit_event
BEGIN
    SELECT RAISE(ABORT, 'audit_event is append-only');
END;
