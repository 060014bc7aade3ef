-- An upstream action that is not idempotent (a re-trigger) is SENDING while
-- its call is out: no second request for the case is taken meanwhile, and
-- one that a crash interrupted becomes FAILED ("check upstream") after its
-- lease. SQLite cannot change a CHECK constraint, so the table is rebuilt
-- (same columns, same rows, same indexes).
CREATE TABLE outbox_new (
    outbox_id        INTEGER PRIMARY KEY,
    idempotency_key  TEXT    NOT NULL,
    verification_id  INTEGER NOT NULL REFERENCES verification (verification_id),
    decision_id      INTEGER NULL REFERENCES decision (decision_id),
    provider         TEXT    NOT NULL,
    kind             TEXT    NOT NULL,
    payload          TEXT    NOT NULL,
    state            TEXT    NOT NULL CHECK (state IN ('PENDING', 'SENDING', 'DONE', 'FAILED')),
    attempts         BIGINT  NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT  NULL,
    last_error       TEXT    NULL,
    result           TEXT    NULL,
    created_at       BIGINT  NOT NULL,
    updated_at       BIGINT  NOT NULL,
    CONSTRAINT outbox_idempotency_key_key UNIQUE (idempotency_key)
);
INSERT INTO outbox_new SELECT * FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_verification_idx ON outbox (verification_id, created_at);
CREATE INDEX outbox_lane_idx ON outbox (state, provider, next_attempt_at);
