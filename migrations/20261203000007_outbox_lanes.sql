-- The outbox delivers each provider in its own lane: a lane reads its
-- provider's due rows, so the provider comes before the time.
CREATE INDEX outbox_lane_idx ON outbox (state, provider, next_attempt_at);
DROP INDEX outbox_due_idx;
