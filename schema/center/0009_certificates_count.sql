-- The number of certificates of each subscription, read by the details page,
-- the list and the API instead of a COUNT(*) over the certificates at every
-- request (10,000 index entries cost ~2 ms of MariaDB per page view). caasctl
-- sync is the only writer of certificates: it recounts the subscription it
-- synced, so the counter is exact after every sync and cannot drift.

ALTER TABLE subscriptions
  ADD COLUMN certificates_count INT UNSIGNED NOT NULL DEFAULT 0
    COMMENT 'COUNT(*) of its certificates, kept by caasctl sync' AFTER sync_cursor;

UPDATE subscriptions s
  SET certificates_count = (SELECT COUNT(*) FROM certificates c WHERE c.subscription_id = s.id);
