-- A provider's earlier results for the same reference (Eclipse keeps a ratify history), in
-- summary, newest first: JSON `[{status, status_raw, updated_at, failed_checks}]`.
ALTER TABLE verification ADD COLUMN earlier_results TEXT NOT NULL DEFAULT '[]';
