-- E-mail notifications (issue #6, item 5): an outbox written in the same
-- transaction as the event it reports (fcgi/center/notify.h), drained by
-- `caasctl notify`, which sends through SMTP. One row per message and
-- recipient; dedup_key names the event ("expiry30:<sub>:<end_date>"), so a
-- job that runs twice queues each message once. params holds the template's
-- values as a JSON object of a closed set of keys (never a secret).
-- Times are UTC DATETIMEs written by the application clock.

-- Where a customer's notifications go when the login is not an address.
ALTER TABLE users
  ADD COLUMN email VARCHAR(254) NULL COMMENT 'notifications; NULL: the login if it holds an @'
  AFTER login;

CREATE TABLE notifications (
  id                BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  kind              ENUM('renewal_done','renewal_failed','expiry_30','expiry_7',
                         'domain_refunded','expired') NOT NULL,
  account_id        BIGINT UNSIGNED NOT NULL,
  subscription_id   BIGINT UNSIGNED NULL,
  user_id           BIGINT UNSIGNED NULL COMMENT 'the recipient user, when there is one',
  recipient         VARCHAR(254) NOT NULL,
  lang              CHAR(2) NULL COMMENT 'the user''s language; NULL: default_lang',
  params            TEXT NOT NULL COMMENT 'JSON object: the template''s values',
  dedup_key         VARCHAR(150) CHARACTER SET ascii NOT NULL,
  status            ENUM('queued','sent','failed') NOT NULL DEFAULT 'queued',
  attempts          INT UNSIGNED NOT NULL DEFAULT 0,
  next_attempt_at   DATETIME NOT NULL,
  last_error        VARCHAR(255) NULL,
  created_at        DATETIME NOT NULL,
  sent_at           DATETIME NULL,
  -- One message per event and recipient: a second enqueue is a no-op.
  UNIQUE KEY notifications_dedup (dedup_key, recipient),
  KEY notifications_due (status, next_attempt_at, id),
  KEY notifications_account (account_id, id),
  KEY notifications_sub (subscription_id),
  CONSTRAINT notifications_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id),
  CONSTRAINT notifications_sub_fk FOREIGN KEY (subscription_id) REFERENCES subscriptions (id),
  CONSTRAINT notifications_user_fk FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
