-- API tokens read personal data unmasked only with the `pii` scope, and may
-- expire. Existing tokens keep their meaning: no `pii`, no expiry.
ALTER TABLE api_token ADD COLUMN pii INTEGER NOT NULL DEFAULT 0 CHECK (pii IN (0, 1));
ALTER TABLE api_token ADD COLUMN expires_at BIGINT NULL;
