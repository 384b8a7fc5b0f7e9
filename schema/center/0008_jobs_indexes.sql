-- Jobs at scale (tests/bench/jobs, tests/bench/README.md "## jobs"): what a
-- job reads grows with the work due, not with the table's history.
--
-- caasctl sync visits the subscriptions whose certificates can still change
-- upstream: every active one, and an expired one until a sync after its
-- expiry (it records what the upstream issued before the suspension). The
-- expired history is never read again, neither upstream (one GETLASTORDER
-- per subscription) nor here: the job walks subscriptions_sync by id.
-- "<=": expire and a sync may run at the same --now; the later sync is then
-- not known to be the final one, so it is repeated once.
ALTER TABLE subscriptions
  ADD COLUMN sync_pending TINYINT(1) AS (status = 'active' OR (status = 'expired'
    AND COALESCE(last_sync_at <= expired_at, last_sync_at IS NULL))) PERSISTENT
    COMMENT 'caasctl sync visits it' AFTER sync_cursor,
  ADD KEY subscriptions_sync (sync_pending, id);
