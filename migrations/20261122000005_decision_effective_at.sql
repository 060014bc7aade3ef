-- When a decision took effect: at once (FINAL) or when a second compliance
-- officer confirmed it (CONFIRMED). Proposals, rejections and voids never
-- did. The metrics page reads a date range of decisions through this index.
ALTER TABLE decision ADD COLUMN effective_at BIGINT GENERATED ALWAYS AS (
    CASE status WHEN 'FINAL' THEN decided_at WHEN 'CONFIRMED' THEN second_at END
) VIRTUAL;
CREATE INDEX decision_effective_idx ON decision (effective_at);
