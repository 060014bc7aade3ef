-- Two-factor sign-in. A person's TOTP secret (base32), from the start of its
-- enrolment; `confirmed_at` is set by the first code that proves the app has
-- it, and only then does it count. `last_step` is the last 30-second step
-- whose code was accepted: each code works once. While the enrolment awaits
-- its first code, `pending_recovery_codes` holds the ten recovery codes the
-- page shows (newline-separated); confirming stores them hashed and clears it.
CREATE TABLE user_totp (
    user_id                INTEGER PRIMARY KEY REFERENCES app_user (user_id) ON DELETE CASCADE,
    secret                 TEXT    NOT NULL,
    confirmed_at           BIGINT  NULL,
    last_step              BIGINT  NOT NULL DEFAULT 0,
    pending_recovery_codes TEXT    NULL,
    created_at             BIGINT  NOT NULL
);

-- One-time recovery codes, stored as SHA-256 of the code (80 random bits).
CREATE TABLE recovery_code (
    user_id    INTEGER NOT NULL REFERENCES app_user (user_id) ON DELETE CASCADE,
    code_hash  TEXT    NOT NULL,
    used_at    BIGINT  NULL,
    PRIMARY KEY (user_id, code_hash)
);
