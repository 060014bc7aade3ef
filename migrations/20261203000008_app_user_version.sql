-- Every change to an account counts up its version, so "have the accounts
-- changed?" is one exact aggregate (the audit log's actor filter is kept
-- in memory until they do).
ALTER TABLE app_user ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
