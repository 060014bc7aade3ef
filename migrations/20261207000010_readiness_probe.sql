-- One row that `/readyz` writes and commits durably, to prove the database
-- can be written (not just read).
CREATE TABLE readiness_probe (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    probed_at BIGINT NOT NULL
);
