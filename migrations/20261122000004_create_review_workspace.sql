-- The reviewer workspace: who changed a case last (for "changed by X at T"),
-- the state of its upstream push, notes, decisions and the outbox.

ALTER TABLE verification ADD COLUMN updated_by BIGINT NULL;
ALTER TABLE verification ADD COLUMN push_state TEXT NULL;

-- The queue. `is_open` (a generated column) marks the review statuses of
-- the default view; each filter the queue offers leads an index, in both
-- sort orders, so every combination walks an index in order
-- (tests/api/cases.rs runs EXPLAIN QUERY PLAN on each).
ALTER TABLE verification ADD COLUMN is_open INTEGER GENERATED ALWAYS AS (
    CASE WHEN review_status IN ('UNREVIEWED', 'IN_REVIEW', 'PENDING_SECOND_APPROVAL', 'ESCALATED') THEN 1 ELSE 0 END
) VIRTUAL;
CREATE INDEX verification_open_created_idx ON verification (is_open, created_at, verification_id);
CREATE INDEX verification_open_updated_idx ON verification (is_open, updated_at, verification_id);
CREATE INDEX verification_assignee_created_idx ON verification (assignee_id, is_open, created_at, verification_id);
CREATE INDEX verification_assignee_updated_idx ON verification (assignee_id, is_open, updated_at, verification_id);
CREATE INDEX verification_provider_created_idx ON verification (provider, is_open, created_at, verification_id);
CREATE INDEX verification_provider_updated_idx ON verification (provider, is_open, updated_at, verification_id);
CREATE INDEX verification_upstream_created_idx ON verification (upstream_status, is_open, created_at, verification_id);
CREATE INDEX verification_upstream_updated_idx ON verification (upstream_status, is_open, updated_at, verification_id);
CREATE INDEX verification_review_created_idx ON verification (review_status, created_at, verification_id);
CREATE INDEX verification_review_updated_idx ON verification (review_status, updated_at, verification_id);

-- Reviewers' notes (plain text).
CREATE TABLE note (
    note_id          INTEGER PRIMARY KEY,
    verification_id  INTEGER NOT NULL REFERENCES verification (verification_id),
    author_id        INTEGER NOT NULL REFERENCES app_user (user_id),
    body             TEXT    NOT NULL,
    created_at       BIGINT  NOT NULL
);
CREATE INDEX note_verification_idx ON note (verification_id, created_at);

-- Decisions: final at once, or proposed by one compliance officer and
-- confirmed or rejected by another (four eyes). `evidence_hash` is the
-- verification's snapshot hash the decider saw; a proposal whose evidence
-- changes upstream is void.
CREATE TABLE decision (
    decision_id      INTEGER PRIMARY KEY,
    verification_id  INTEGER NOT NULL REFERENCES verification (verification_id),
    kind             TEXT    NOT NULL CHECK (kind IN ('approve', 'decline')),
    reason_code      TEXT    NOT NULL,
    note             TEXT    NOT NULL,
    evidence_hash    TEXT    NOT NULL,
    four_eyes        BOOLEAN NOT NULL,
    status           TEXT    NOT NULL CHECK (status IN ('FINAL', 'PROPOSED', 'CONFIRMED', 'REJECTED', 'VOID')),
    decided_by       INTEGER NOT NULL REFERENCES app_user (user_id),
    decided_at       BIGINT  NOT NULL,
    second_by        INTEGER NULL REFERENCES app_user (user_id),
    second_at        BIGINT  NULL,
    second_note      TEXT    NULL
);
CREATE INDEX decision_verification_idx ON decision (verification_id, decided_at);
CREATE INDEX decision_decided_at_idx ON decision (decided_at);
CREATE UNIQUE INDEX decision_one_proposal_per_verification ON decision (verification_id) WHERE status = 'PROPOSED';

-- Upstream side effects, written in the same transaction as the change that
-- wants them and delivered by a worker (at least once, idempotency key).
CREATE TABLE outbox (
    outbox_id        INTEGER PRIMARY KEY,
    idempotency_key  TEXT    NOT NULL,
    verification_id  INTEGER NOT NULL REFERENCES verification (verification_id),
    decision_id      INTEGER NULL REFERENCES decision (decision_id),
    provider         TEXT    NOT NULL,
    kind             TEXT    NOT NULL,
    payload          TEXT    NOT NULL,
    state            TEXT    NOT NULL CHECK (state IN ('PENDING', 'DONE', 'FAILED')),
    attempts         BIGINT  NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT  NULL,
    last_error       TEXT    NULL,
    result           TEXT    NULL,
    created_at       BIGINT  NOT NULL,
    updated_at       BIGINT  NOT NULL,
    CONSTRAINT outbox_idempotency_key_key UNIQUE (idempotency_key)
);
CREATE INDEX outbox_due_idx ON outbox (state, next_attempt_at);
CREATE INDEX outbox_verification_idx ON outbox (verification_id, created_at);
