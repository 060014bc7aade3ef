-- The metrics page counts the cases received on each day of its window.
CREATE INDEX verification_created_idx ON verification (created_at);
