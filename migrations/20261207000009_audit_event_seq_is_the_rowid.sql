-- `seq BIGINT PRIMARY KEY` is not SQLite's rowid (only `INTEGER PRIMARY
-- KEY` is): every event sat in the table under a hidden rowid, with a
-- second B-tree mapping seq to it. Reading events in order walked that
-- index and looked each row up in the table (the chain check: 10M
-- lookups), and every append wrote both. With `seq INTEGER PRIMARY KEY`
-- the table itself is ordered by seq.
--
-- The rows are copied unchanged (same values, same order), so every hash
-- still verifies. DROP TABLE does not fire the append-only triggers; they
-- are created again on the new table.
CREATE TABLE audit_event_by_seq (
    seq              INTEGER PRIMARY KEY,
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

INSERT INTO audit_event_by_seq (seq, occurred_at, actor_user_id, actor_role, actor_system,
    action, entity_kind, entity_id, customer_id, verification_id, changes, reason,
    request_id, client_hash, prev_hash, hash)
SELECT seq, occurred_at, actor_user_id, actor_role, actor_system,
    action, entity_kind, entity_id, customer_id, verification_id, changes, reason,
    request_id, client_hash, prev_hash, hash
FROM audit_event ORDER BY seq;

DROP TABLE audit_event;
ALTER TABLE audit_event_by_seq RENAME TO audit_event;

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
