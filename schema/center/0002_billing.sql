-- Billing (DESIGN.md §4): the append-only ledger of every money movement, the
-- monthly invoices and their lines. Money is integer cents; times are UTC
-- DATETIMEs written by the application clock. fcgi/billing/billing.c is the
-- only writer and has no UPDATE or DELETE statement on ledger.

CREATE TABLE invoices (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  account_id    BIGINT UNSIGNED NOT NULL,
  period        VARCHAR(7) CHARACTER SET ascii NOT NULL COMMENT 'YYYY-MM (UTC)',
  status        ENUM('open','closed') NOT NULL DEFAULT 'open',
  number        VARCHAR(32) CHARACTER SET ascii NULL COMMENT 'set at closing (gap-free numbering)',
  net_cents     BIGINT NOT NULL DEFAULT 0,
  vat_cents     BIGINT NOT NULL DEFAULT 0,
  gross_cents   BIGINT NOT NULL DEFAULT 0,
  created_at    DATETIME NOT NULL,
  -- At most one open invoice per account and month: NULL once closed.
  -- VARCHAR: MariaDB refuses CHAR here (its value would depend on sql_mode padding).
  open_period   VARCHAR(7) CHARACTER SET ascii AS (IF(status = 'open', period, NULL)) PERSISTENT,
  UNIQUE KEY invoices_open (account_id, open_period),
  UNIQUE KEY invoices_number (number),
  CONSTRAINT invoices_period CHECK (period REGEXP '^[0-9]{4}-(0[1-9]|1[0-2])$'),
  CONSTRAINT invoices_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE ledger (
  id                  BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  account_id          BIGINT UNSIGNED NOT NULL,
  kind                ENUM('charge','refund','credit') NOT NULL
                      COMMENT 'charge: owed by the customer; refund, credit: owed to the customer',
  net_cents           BIGINT NOT NULL,
  vat_bp              INT UNSIGNED NOT NULL,
  vat_cents           BIGINT NOT NULL,
  gross_cents         BIGINT NOT NULL,
  currency            CHAR(3) NOT NULL,
  product_code        VARCHAR(32) CHARACTER SET ascii NULL,
  subscription_ref    BIGINT UNSIGNED NULL,
  domain_ref          BIGINT UNSIGNED NULL,
  upstream_order      VARCHAR(64) CHARACTER SET ascii NULL,
  upstream_cost_cents BIGINT NULL,
  reference           VARCHAR(200) NULL COMMENT 'free text: why (e.g. bank transfer of a top-up)',
  idempotency_key     VARCHAR(100) CHARACTER SET ascii NOT NULL,
  invoice_id          BIGINT UNSIGNED NULL COMMENT 'monthly accounts: the invoice the line went on',
  created_at          DATETIME NOT NULL,
  UNIQUE KEY ledger_idempotency (idempotency_key),
  KEY ledger_account (account_id, id),
  KEY ledger_subscription (subscription_ref),
  CONSTRAINT ledger_amounts CHECK (net_cents >= 0 AND vat_cents >= 0 AND
                                   gross_cents = net_cents + vat_cents AND vat_bp <= 10000),
  CONSTRAINT ledger_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id),
  CONSTRAINT ledger_product_fk FOREIGN KEY (product_code) REFERENCES products (code),
  CONSTRAINT ledger_invoice_fk FOREIGN KEY (invoice_id) REFERENCES invoices (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Amounts are signed here: a refund is a negative line, so totals are sums.
CREATE TABLE invoice_lines (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  invoice_id    BIGINT UNSIGNED NOT NULL,
  ledger_id     BIGINT UNSIGNED NOT NULL,
  description   VARCHAR(255) NOT NULL,
  net_cents     BIGINT NOT NULL,
  vat_cents     BIGINT NOT NULL,
  gross_cents   BIGINT NOT NULL,
  UNIQUE KEY invoice_lines_ledger (ledger_id),
  KEY invoice_lines_invoice (invoice_id),
  CONSTRAINT invoice_lines_invoice_fk FOREIGN KEY (invoice_id) REFERENCES invoices (id),
  CONSTRAINT invoice_lines_ledger_fk FOREIGN KEY (ledger_id) REFERENCES ledger (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
