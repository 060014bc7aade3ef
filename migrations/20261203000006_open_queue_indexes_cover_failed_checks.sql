-- The open queue filtered by a failed check category ("sanctions hits")
-- tests a bit of failed_checks on every open case it walks. With the bits in
-- the index the walk never visits the table: 7-10 ms per page became
-- 0.3-0.6 ms at 1M verifications (BENCHMARKS.md).
DROP INDEX verification_open_created_idx;
CREATE INDEX verification_open_created_idx ON verification (is_open, created_at, verification_id, failed_checks);
DROP INDEX verification_open_updated_idx;
CREATE INDEX verification_open_updated_idx ON verification (is_open, updated_at, verification_id, failed_checks);
