-- Issue 17: tell customers when their automation breaks.
-- * the renewal watch keeps, per enrolled name, the state it last reported
--   (ok, pending, overdue, expired, never_issued) so that the digest and the
--   renewal.overdue event go out once per name per state change;
-- * failed issuance: the orders the upstream reported failed (GETLASTORDER
--   status 3/5 signing failed, 7 rejected), one row per upstream order;
-- * the daily digest is a notification kind, and each user may opt out;
-- * webhooks: endpoints per account (the secret is kept to sign, and shown
--   once) and an outbox of deliveries queued in the event's transaction.
-- Times are UTC DATETIMEs written by the application clock.

ALTER TABLE users
  ADD COLUMN watch_digest TINYINT(1) NOT NULL DEFAULT 1
    COMMENT 'receives the daily missed-renewal digest' AFTER lang;

ALTER TABLE notifications
  MODIFY COLUMN kind ENUM('renewal_done','renewal_failed','expiry_30','expiry_7',
                          'domain_refunded','expired','watch_digest') NOT NULL;

CREATE TABLE renewal_watch (
  domain_id         BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  account_id        BIGINT UNSIGNED NOT NULL,
  subscription_id   BIGINT UNSIGNED NOT NULL,
  state             ENUM('ok','pending','overdue','expired','never_issued') NOT NULL,
  not_after         DATETIME NULL COMMENT 'the newest valid certificate''s expiry',
  changed_at        DATETIME NOT NULL,
  -- set when the state became one the digest reports, cleared once queued
  digest_due        TINYINT(1) NOT NULL DEFAULT 0,
  KEY renewal_watch_digest (digest_due, account_id),
  KEY renewal_watch_sub (subscription_id, state),
  KEY renewal_watch_account (account_id, state),
  CONSTRAINT renewal_watch_domain_fk FOREIGN KEY (domain_id) REFERENCES subscription_domains (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE issuance_failures (
  id                BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  account_id        BIGINT UNSIGNED NOT NULL,
  subscription_id   BIGINT UNSIGNED NOT NULL,
  domain_id         BIGINT UNSIGNED NULL,
  domain            VARCHAR(253) CHARACTER SET ascii NOT NULL,
  order_number      BIGINT NOT NULL COMMENT 'upstream orderNumber',
  status_code       INT NOT NULL COMMENT '3/5 signing failed, 7 rejected',
  description       VARCHAR(255) NULL COMMENT 'the upstream''s statusDesc',
  seen_at           DATETIME NOT NULL COMMENT 'first seen by sync (the answer has no date)',
  UNIQUE KEY issuance_failures_order (subscription_id, order_number),
  KEY issuance_failures_domain (domain_id, id),
  CONSTRAINT issuance_failures_sub_fk FOREIGN KEY (subscription_id) REFERENCES subscriptions (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE webhook_endpoints (
  id                BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  account_id        BIGINT UNSIGNED NOT NULL,
  url               VARCHAR(500) NOT NULL,
  secret            CHAR(64) CHARACTER SET ascii NOT NULL COMMENT 'HMAC-SHA256 key, shown once',
  events            VARCHAR(500) CHARACTER SET ascii NOT NULL COMMENT 'comma-separated event names',
  created_at        DATETIME NOT NULL,
  secret_rotated_at DATETIME NULL,
  deleted_at        DATETIME NULL,
  KEY webhook_endpoints_account (account_id, deleted_at),
  CONSTRAINT webhook_endpoints_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE webhook_deliveries (
  id                BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  endpoint_id       BIGINT UNSIGNED NOT NULL,
  account_id        BIGINT UNSIGNED NOT NULL,
  delivery_id       CHAR(32) CHARACTER SET ascii NOT NULL COMMENT 'sent in the body and a header',
  event             VARCHAR(40) CHARACTER SET ascii NOT NULL,
  event_key         VARCHAR(150) CHARACTER SET ascii NOT NULL COMMENT 'one delivery per event and endpoint',
  body              MEDIUMTEXT NOT NULL,
  status            ENUM('queued','delivered','failed') NOT NULL DEFAULT 'queued',
  attempts          INT UNSIGNED NOT NULL DEFAULT 0,
  next_attempt_at   DATETIME NOT NULL,
  claimed_until     DATETIME NULL,
  last_http_status  INT NULL,
  last_error        VARCHAR(255) NULL,
  created_at        DATETIME NOT NULL,
  last_attempt_at   DATETIME NULL,
  delivered_at      DATETIME NULL,
  UNIQUE KEY webhook_deliveries_id (delivery_id),
  UNIQUE KEY webhook_deliveries_event (endpoint_id, event_key),
  KEY webhook_deliveries_due (status, next_attempt_at, id),
  KEY webhook_deliveries_endpoint (endpoint_id, id),
  CONSTRAINT webhook_deliveries_endpoint_fk FOREIGN KEY (endpoint_id) REFERENCES webhook_endpoints (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The day each account's digest was last queued: one digest a day at most.
CREATE TABLE watch_digests (
  account_id        BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  sent_on           DATE NOT NULL,
  CONSTRAINT watch_digests_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
