-- The strict twin of Sectigo's CaaS API (docs/upstream.md, issue 11 item 1;
-- issue 13 item 8).
--
-- Upstream organization pre-validations: the anchor order numbers that
-- ADDDOMAIN takes as ovAnchorOrderNumber (OV) or evAnchorOrderNumber (QWAC).
-- caasctl-ca preval-add creates them; numbers start high so that they never
-- look like a reseller_orders number.
CREATE TABLE reseller_prevalidations (
  anchor        BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  level         ENUM('OV','QWAC') NOT NULL,
  org_name      VARCHAR(200) NOT NULL,
  org_city      VARCHAR(100) NOT NULL,
  org_country   CHAR(2) CHARACTER SET ascii NOT NULL,
  created_at    DATETIME NOT NULL
) ENGINE=InnoDB AUTO_INCREMENT=7000001 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The pre-validation each enrollment was added (or UPDATEDOMAINS'd) under.
ALTER TABLE eab_domains
  ADD COLUMN anchor BIGINT UNSIGNED NULL;

-- PREREGISTER's duration (years 1-3, or days 365/730/1095) applies when the
-- subscription starts, at the first ADDDOMAIN; NULL means one year. The
-- reseller login that created the key owns it: other logins do not see it.
ALTER TABLE eab_keys
  ADD COLUMN term_years TINYINT UNSIGNED NULL,
  ADD COLUMN owner_login VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL;

-- One row per call of the reseller API, refused ones included: which action
-- and which field NAMES (sorted, comma-separated; never values), the HTTP
-- status and the error kind (problem type suffix, or AutoRevokeSSL errorCode).
CREATE TABLE reseller_calls (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  created_at    DATETIME NOT NULL,
  endpoint      ENUM('ACMEAdmin','AutoRevokeSSL','other') NOT NULL,
  action        VARCHAR(30) CHARACTER SET ascii NOT NULL DEFAULT '',
  fields        VARCHAR(2000) CHARACTER SET ascii NOT NULL DEFAULT '',
  status        SMALLINT UNSIGNED NOT NULL,
  kind          VARCHAR(64) CHARACTER SET ascii NOT NULL DEFAULT ''
) ENGINE=InnoDB;

-- Failed logins per loginName and per source address, in fixed windows:
-- one atomic upsert per failure (fcgi/ca/reseller.c), read before checking
-- the password, so a flood is refused without comparing anything.
CREATE TABLE reseller_login_failures (
  scope         ENUM('login','addr') NOT NULL,
  subject       VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  window_start  DATETIME NOT NULL,
  failures      INT UNSIGNED NOT NULL,
  PRIMARY KEY (scope, subject)
) ENGINE=InnoDB;
