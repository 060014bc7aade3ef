-- Failed sign-ins are forgotten a day after an account's last one: the
-- housekeeping task deletes those rows every minute by this index, without
-- reading the whole table (anonymous callers can fill it with any e-mail).
CREATE INDEX login_throttle_last_failure_idx ON login_throttle (last_failure_at);
