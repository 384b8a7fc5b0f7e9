-- ACME CaaS subscriptions (DESIGN.md §1, §3): a subscription is one upstream
-- ACME account (one EAB key), its enrolled domains and the certificates the
-- upstream delivered. The EAB HMAC key is never stored here: it is shown once.
-- Times are UTC DATETIMEs written by the application clock.

CREATE TABLE subscriptions (
  id                BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  account_id        BIGINT UNSIGNED NOT NULL,
  organization_id   BIGINT UNSIGNED NULL COMMENT 'OV and QWAC',
  level             ENUM('DV','OV','QWAC') NOT NULL,
  name              VARCHAR(200) NOT NULL,
  -- pending: being created (see journal); active; failed: creation undone;
  -- expired: past its end date, not renewed.
  status            ENUM('pending','active','failed','expired') NOT NULL,
  acme_account_id   VARCHAR(128) CHARACTER SET ascii NULL COMMENT 'upstream acmeAccountID',
  eab_kid           VARCHAR(128) CHARACTER SET ascii NULL COMMENT 'ext_act_kid, shown on the details page',
  acme_server       VARCHAR(255) NOT NULL COMMENT 'the ACME directory URL of the level',
  start_date        DATE NULL COMMENT 'term start (UTC), from the upstream',
  end_date          DATE NULL COMMENT 'term end (UTC, exclusive), from the upstream',
  auto_renew        TINYINT(1) NOT NULL DEFAULT 0,
  credentials_shown TINYINT(1) NOT NULL DEFAULT 0,
  renewal_error     VARCHAR(255) NULL,
  idempotency_key   VARCHAR(100) CHARACTER SET ascii NOT NULL,
  created_by        VARCHAR(101) NOT NULL COMMENT 'login or api-key-<id>',
  created_at        DATETIME NOT NULL,
  updated_at        DATETIME NOT NULL,
  last_sync_at      DATETIME NULL,
  sync_cursor       BIGINT NOT NULL DEFAULT 0 COMMENT 'upstream orders before this page are final',
  UNIQUE KEY subscriptions_idem (account_id, idempotency_key),
  UNIQUE KEY subscriptions_acme_account (acme_account_id),
  KEY subscriptions_account (account_id, id),
  KEY subscriptions_status_end (status, end_date),
  CONSTRAINT subscriptions_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id),
  CONSTRAINT subscriptions_org_fk FOREIGN KEY (organization_id) REFERENCES organizations (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE subscription_domains (
  id                BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  subscription_id   BIGINT UNSIGNED NOT NULL,
  name              VARCHAR(253) CHARACTER SET ascii NOT NULL COMMENT 'A-labels; *.name for a wildcard',
  wildcard          TINYINT(1) NOT NULL,
  product_code      VARCHAR(32) CHARACTER SET ascii NOT NULL,
  -- pending: being added (see journal); active; removed; failed: never added.
  status            ENUM('pending','active','removed','failed') NOT NULL,
  price_cents       BIGINT NOT NULL COMMENT 'net charged when added (pro rata)',
  upstream_order    VARCHAR(64) CHARACTER SET ascii NULL,
  upstream_cost_cents BIGINT NULL,
  added_at          DATETIME NULL COMMENT 'activation: the refund window starts here',
  removed_at        DATETIME NULL,
  refund_cents      BIGINT NULL,
  created_at        DATETIME NOT NULL,
  -- One live row per name and subscription: NULL once removed or failed.
  live_name         VARCHAR(253) CHARACTER SET ascii
                    AS (IF(status IN ('pending','active'), name, NULL)) PERSISTENT,
  UNIQUE KEY subscription_domains_live (subscription_id, live_name),
  KEY subscription_domains_sub (subscription_id, id),
  CONSTRAINT subscription_domains_sub_fk FOREIGN KEY (subscription_id) REFERENCES subscriptions (id),
  CONSTRAINT subscription_domains_product_fk FOREIGN KEY (product_code) REFERENCES products (code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Certificates delivered by the upstream (GETLASTORDER), kept by caasctl sync.
CREATE TABLE certificates (
  id                BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  account_id        BIGINT UNSIGNED NOT NULL,
  subscription_id   BIGINT UNSIGNED NOT NULL,
  domain_id         BIGINT UNSIGNED NULL,
  order_number      BIGINT NOT NULL COMMENT 'upstream orderNumber',
  reference         VARCHAR(40) CHARACTER SET ascii NOT NULL COMMENT 'SGACME-<orderNumber>',
  certificate_id    BIGINT NULL,
  domain            VARCHAR(253) CHARACTER SET ascii NOT NULL,
  serial            VARCHAR(64) CHARACTER SET ascii NOT NULL,
  not_before        DATETIME NULL,
  not_after         DATETIME NULL,
  status            ENUM('valid','revoked','pending','replaced','failed','rejected') NOT NULL,
  status_code       INT NOT NULL,
  upstream_page     INT NOT NULL COMMENT 'GETLASTORDER page it was last seen on (sync cursor)',
  first_seen_at     DATETIME NOT NULL,
  updated_at        DATETIME NOT NULL,
  UNIQUE KEY certificates_order (subscription_id, order_number),
  UNIQUE KEY certificates_reference (reference),
  KEY certificates_sub (subscription_id, id),
  KEY certificates_account (account_id, id),
  KEY certificates_account_domain (account_id, domain),
  KEY certificates_domain (domain_id),
  CONSTRAINT certificates_sub_fk FOREIGN KEY (subscription_id) REFERENCES subscriptions (id),
  CONSTRAINT certificates_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The journal of operations that span the upstream and our database: a
-- row is written before the first outside effect and closed after the
-- last, so caasctl reconcile can finish or undo what a dead process left.
CREATE TABLE journal (
  id                BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  kind              ENUM('create','add_domain','remove_domain') NOT NULL,
  account_id        BIGINT UNSIGNED NOT NULL,
  subscription_id   BIGINT UNSIGNED NOT NULL,
  domain_id         BIGINT UNSIGNED NULL,
  state             ENUM('open','done','undone') NOT NULL,
  step              VARCHAR(32) CHARACTER SET ascii NOT NULL COMMENT 'last step reached',
  attempts          INT NOT NULL DEFAULT 0,
  last_error        VARCHAR(255) NULL,
  created_at        DATETIME NOT NULL,
  updated_at        DATETIME NOT NULL,
  KEY journal_open (state, id),
  KEY journal_sub (subscription_id),
  CONSTRAINT journal_sub_fk FOREIGN KEY (subscription_id) REFERENCES subscriptions (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Who turned auto-renewal on or off, and when.
CREATE TABLE subscription_events (
  id                BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  subscription_id   BIGINT UNSIGNED NOT NULL,
  event             VARCHAR(32) CHARACTER SET ascii NOT NULL,
  detail            VARCHAR(255) NULL,
  actor             VARCHAR(101) NOT NULL,
  created_at        DATETIME NOT NULL,
  KEY subscription_events_sub (subscription_id, id),
  CONSTRAINT subscription_events_sub_fk FOREIGN KEY (subscription_id) REFERENCES subscriptions (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
