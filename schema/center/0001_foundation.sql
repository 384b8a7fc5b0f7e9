-- Foundation: customer accounts, identity, organizations, pre-validations, products, prices.
-- Money is integer cents (EUR); times are UTC DATETIMEs written by the application clock.

CREATE TABLE accounts (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name          VARCHAR(200) NOT NULL,
  kind          ENUM('deposit','monthly') NOT NULL,
  compatible    TINYINT(1) NOT NULL DEFAULT 1,
  vat_bp        INT UNSIGNED NOT NULL DEFAULT 2000 COMMENT 'VAT rate in basis points (2000 = 20%)',
  balance_cents BIGINT NOT NULL DEFAULT 0 COMMENT 'deposit accounts only',
  currency      CHAR(3) NOT NULL DEFAULT 'EUR',
  created_at    DATETIME NOT NULL,
  CONSTRAINT accounts_vat CHECK (vat_bp <= 10000)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE users (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  account_id    BIGINT UNSIGNED NOT NULL,
  login         VARCHAR(100) NOT NULL,
  password_hash VARCHAR(255) NULL COMMENT 'Argon2id encoded; NULL when the site hands users over',
  role          ENUM('customer','accounting','admin') NOT NULL DEFAULT 'customer',
  lang          CHAR(2) NULL,
  disabled      TINYINT(1) NOT NULL DEFAULT 0,
  created_at    DATETIME NOT NULL,
  UNIQUE KEY users_login (login),
  KEY users_account (account_id),
  CONSTRAINT users_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE sessions (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  token_hash    CHAR(64) CHARACTER SET ascii NOT NULL COMMENT 'SHA-256 of the cookie token',
  user_id       BIGINT UNSIGNED NOT NULL,
  csrf_token    CHAR(43) CHARACTER SET ascii NOT NULL,
  created_at    DATETIME NOT NULL,
  expires_at    DATETIME NOT NULL,
  UNIQUE KEY sessions_token (token_hash),
  KEY sessions_expiry (expires_at),
  CONSTRAINT sessions_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE api_keys (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  account_id    BIGINT UNSIGNED NOT NULL,
  label         VARCHAR(100) NOT NULL,
  key_prefix    CHAR(12) CHARACTER SET ascii NOT NULL COMMENT 'shown to identify the key',
  key_hash      CHAR(64) CHARACTER SET ascii NOT NULL COMMENT 'SHA-256 of the whole key',
  created_at    DATETIME NOT NULL,
  last_used_at  DATETIME NULL,
  revoked_at    DATETIME NULL,
  UNIQUE KEY api_keys_hash (key_hash),
  KEY api_keys_account (account_id),
  CONSTRAINT api_keys_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE organizations (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  account_id    BIGINT UNSIGNED NOT NULL,
  name          VARCHAR(200) NOT NULL,
  city          VARCHAR(100) NOT NULL,
  country       CHAR(2) CHARACTER SET ascii NOT NULL,
  created_at    DATETIME NOT NULL,
  KEY organizations_account (account_id),
  CONSTRAINT organizations_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE prevalidations (
  id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  organization_id BIGINT UNSIGNED NOT NULL,
  level           ENUM('DV','OV','QWAC') NOT NULL,
  status          ENUM('pending','approved','rejected','expired') NOT NULL,
  updated_at      DATETIME NOT NULL,
  UNIQUE KEY prevalidations_org_level (organization_id, level),
  CONSTRAINT prevalidations_org_fk FOREIGN KEY (organization_id) REFERENCES organizations (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE products (
  code             VARCHAR(32) CHARACTER SET ascii NOT NULL PRIMARY KEY,
  level            ENUM('DV','OV','QWAC') NOT NULL,
  wildcard         TINYINT(1) NOT NULL,
  name             VARCHAR(100) NOT NULL,
  list_price_cents INT UNSIGNED NOT NULL COMMENT 'per domain per year, net',
  position         INT NOT NULL,
  UNIQUE KEY products_level_wildcard (level, wildcard)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE account_prices (
  account_id    BIGINT UNSIGNED NOT NULL,
  product_code  VARCHAR(32) CHARACTER SET ascii NOT NULL,
  price_cents   INT UNSIGNED NOT NULL COMMENT 'negotiated, per domain per year, net',
  PRIMARY KEY (account_id, product_code),
  CONSTRAINT account_prices_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id),
  CONSTRAINT account_prices_product_fk FOREIGN KEY (product_code) REFERENCES products (code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The catalogue (DESIGN.md §1). QWAC takes no wildcard, so it has one product.
INSERT INTO products (code, level, wildcard, name, list_price_cents, position) VALUES
  ('DV_SSL',      'DV',   0, 'DV SSL',      3900,  10),
  ('DV_WILDSSL',  'DV',   1, 'DV WildSSL',  14900, 20),
  ('OV_SSL',      'OV',   0, 'OV SSL',      8900,  30),
  ('OV_WILDSSL',  'OV',   1, 'OV WildSSL',  29900, 40),
  ('QWAC_SSL',    'QWAC', 0, 'QWAC SSL',    49900, 50);
