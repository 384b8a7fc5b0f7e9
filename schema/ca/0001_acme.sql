-- Bundled CA: EAB keys with their domain allowlists, ACME accounts, nonces, orders,
-- authorizations, challenges and issued certificates (RFC 8555).
-- Times are UTC DATETIMEs from the application clock.

CREATE TABLE eab_keys (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  kid           VARCHAR(64) CHARACTER SET ascii NOT NULL,
  level         ENUM('DV','OV','QWAC') NOT NULL,
  status        ENUM('pending','valid','suspended','deactivated') NOT NULL DEFAULT 'pending'
                COMMENT 'pending until the first ACME account binds it',
  hmac_enc      VARCHAR(128) CHARACTER SET ascii NOT NULL COMMENT 'base64url of AES-256-GCM: 12-byte IV | ciphertext | 16-byte tag',
  org_name      VARCHAR(200) NULL,
  org_city      VARCHAR(100) NULL,
  org_country   CHAR(2) CHARACTER SET ascii NULL,
  created_at    DATETIME NOT NULL,
  UNIQUE KEY eab_keys_kid (kid)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE eab_domains (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  eab_id        BIGINT UNSIGNED NOT NULL,
  domain        VARCHAR(253) CHARACTER SET ascii NOT NULL COMMENT 'A-label, lower case; *.x for wildcards',
  added_at      DATETIME NOT NULL,
  expires_at    DATETIME NOT NULL,
  removed_at    DATETIME NULL,
  UNIQUE KEY eab_domains_key_domain (eab_id, domain),
  CONSTRAINT eab_domains_key_fk FOREIGN KEY (eab_id) REFERENCES eab_keys (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE accounts (
  id             BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  eab_id         BIGINT UNSIGNED NOT NULL,
  jwk_thumbprint CHAR(43) CHARACTER SET ascii NOT NULL COMMENT 'RFC 7638, SHA-256, base64url',
  jwk            TEXT NOT NULL COMMENT 'canonical public JWK (JSON)',
  status         ENUM('valid','deactivated','revoked') NOT NULL DEFAULT 'valid',
  contact        TEXT NULL COMMENT 'JSON array of URLs',
  created_at     DATETIME NOT NULL,
  UNIQUE KEY accounts_thumbprint (jwk_thumbprint),
  KEY accounts_eab (eab_id),
  CONSTRAINT accounts_eab_fk FOREIGN KEY (eab_id) REFERENCES eab_keys (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Nonces live here so that every worker on every host sees them; a nonce is
-- consumed by deleting its row (exactly once: the DELETE's row count says who won).
CREATE TABLE nonces (
  nonce         CHAR(43) CHARACTER SET ascii NOT NULL PRIMARY KEY,
  expires_at    DATETIME NOT NULL,
  KEY nonces_expiry (expires_at)
) ENGINE=InnoDB;

CREATE TABLE orders (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  account_id    BIGINT UNSIGNED NOT NULL,
  status        ENUM('pending','ready','processing','valid','invalid') NOT NULL DEFAULT 'pending',
  identifiers   TEXT NOT NULL COMMENT 'JSON array of {type, value}, as requested',
  expires_at    DATETIME NOT NULL,
  error         TEXT NULL COMMENT 'problem document (JSON) when invalid',
  certificate_id BIGINT UNSIGNED NULL,
  created_at    DATETIME NOT NULL,
  KEY orders_account (account_id),
  CONSTRAINT orders_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE authorizations (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  order_id      BIGINT UNSIGNED NOT NULL,
  account_id    BIGINT UNSIGNED NOT NULL,
  identifier    VARCHAR(253) CHARACTER SET ascii NOT NULL COMMENT 'dns name without the *. of a wildcard',
  wildcard      TINYINT(1) NOT NULL DEFAULT 0,
  status        ENUM('pending','valid','invalid','deactivated','expired','revoked') NOT NULL DEFAULT 'pending',
  expires_at    DATETIME NOT NULL,
  KEY authorizations_order (order_id),
  CONSTRAINT authorizations_order_fk FOREIGN KEY (order_id) REFERENCES orders (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- status 'processing' means queued for the validator process, which takes rows with
-- SELECT … FOR UPDATE SKIP LOCKED where next_attempt_at <= now.
CREATE TABLE challenges (
  id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  authz_id        BIGINT UNSIGNED NOT NULL,
  type            ENUM('http-01','dns-01','tls-alpn-01') NOT NULL,
  token           CHAR(43) CHARACTER SET ascii NOT NULL,
  status          ENUM('pending','processing','valid','invalid') NOT NULL DEFAULT 'pending',
  validated_at    DATETIME NULL,
  error           TEXT NULL COMMENT 'problem document (JSON) when invalid',
  attempts        INT UNSIGNED NOT NULL DEFAULT 0,
  next_attempt_at DATETIME NULL,
  KEY challenges_authz (authz_id),
  KEY challenges_queue (status, next_attempt_at),
  CONSTRAINT challenges_authz_fk FOREIGN KEY (authz_id) REFERENCES authorizations (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE certificates (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  order_id      BIGINT UNSIGNED NOT NULL,
  account_id    BIGINT UNSIGNED NOT NULL,
  eab_id        BIGINT UNSIGNED NOT NULL,
  serial        CHAR(32) CHARACTER SET ascii NOT NULL COMMENT '128-bit serial, lower-case hex',
  sans          TEXT NOT NULL COMMENT 'JSON array of dNSNames',
  not_before    DATETIME NOT NULL,
  not_after     DATETIME NOT NULL,
  status        ENUM('valid','revoked') NOT NULL DEFAULT 'valid',
  revoked_at    DATETIME NULL,
  revocation_reason TINYINT UNSIGNED NULL,
  pem           MEDIUMTEXT NOT NULL COMMENT 'leaf then issuing CA',
  created_at    DATETIME NOT NULL,
  UNIQUE KEY certificates_serial (serial),
  KEY certificates_eab (eab_id),
  KEY certificates_order (order_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
