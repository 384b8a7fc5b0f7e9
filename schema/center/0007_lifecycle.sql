-- Lifecycle jobs (caasctl renew, expire, remind): renewal attempts, the
-- previous term (certificates of domains removed during it are revoked when
-- it ends), and job claims taken with SELECT … FOR UPDATE SKIP LOCKED.

ALTER TABLE journal MODIFY kind ENUM('create','add_domain','remove_domain','renew') NOT NULL;

ALTER TABLE subscriptions
  ADD COLUMN renewal_tried_on  DATE NULL COMMENT 'last day a renewal was attempted (daily retries)' AFTER renewal_error,
  ADD COLUMN prev_end_date     DATE NULL COMMENT 'end of the term before the last renewal' AFTER end_date,
  ADD COLUMN prev_term_closed  TINYINT(1) NOT NULL DEFAULT 1
    COMMENT '0 until the certificates of domains removed during the previous term are revoked' AFTER prev_end_date,
  ADD COLUMN expired_at        DATETIME NULL AFTER updated_at,
  ADD COLUMN claimed_until     DATETIME NULL COMMENT 'a job works on it until then' AFTER expired_at,
  ADD KEY subscriptions_renew (status, auto_renew, end_date),
  ADD KEY subscriptions_prev_term (prev_term_closed, prev_end_date);

-- Certificates that outlive a term, found by expiry.
ALTER TABLE certificates ADD KEY certificates_sub_after (subscription_id, status, not_after);
