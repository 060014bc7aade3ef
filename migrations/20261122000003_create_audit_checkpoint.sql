-- Signed checkpoints of the audit chain: (seq, head hash) signed with the
-- Ed25519 key from configuration. Also appended to a file outside the
-- database, so a truncated or rewritten tail is caught by `audit verify`.
CREATE TABLE audit_checkpoint (
    audit_checkpoint_id  INTEGER PRIMARY KEY,
    seq                  BIGINT  NOT NULL,
    hash                 TEXT    NOT NULL,
    signed_at            BIGINT  NOT NULL,
    key_id               TEXT    NOT NULL,
    signature            TEXT    NOT NULL,
    reason               TEXT    NOT NULL
);
CREATE INDEX audit_checkpoint_seq_idx ON audit_checkpoint (seq);

CREATE TRIGGER audit_checkpoint_is_append_only_update
BEFORE UPDATE ON audit_checkpoint
BEGIN
    SELECT RAISE(ABORT, 'audit_checkpoint is append-only');
END;

CREATE TRIGGER audit_checkpoint_is_append_only_delete
BEFORE DELETE ON audit_checkpoint
BEGIN
    SELECT RAISE(ABORT, 'audit_checkpoint is append-only');
END;
