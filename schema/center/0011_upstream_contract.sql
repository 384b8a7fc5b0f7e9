-- The upstream as documented (docs/upstream.md):
-- * OV and QWAC domains are added under the upstream's organization
--   pre-validation (ADDDOMAIN ovAnchorOrderNumber / evAnchorOrderNumber):
--   its id is kept per organization x level (caasctl preval-set --upstream-id);
-- * the cost the upstream answers is kept with its currency;
-- * a revocation we asked for (removal in the refund window, expiry) is
--   "requested" until the upstream reports it done (GETLASTORDER status 8,
--   or !AutoRevokeSSL "already revoked"); caasctl confirm-revocations asks
--   again after revocation_confirm_delay;
-- * answers that stray from the documentation are counted per action.
ALTER TABLE prevalidations
  ADD COLUMN upstream_id VARCHAR(128) CHARACTER SET ascii NULL
    COMMENT 'the upstream pre-validation (anchor order number)' AFTER status;

ALTER TABLE subscription_domains
  ADD COLUMN upstream_currency CHAR(3) CHARACTER SET ascii NULL
    COMMENT 'currency of upstream_cost_cents' AFTER upstream_cost_cents;

ALTER TABLE certificates
  ADD COLUMN revocation_requested_at DATETIME NULL
    COMMENT 'when we asked for its revocation (revoked once status says so)' AFTER status_code,
  ADD COLUMN revocation_checked_at DATETIME NULL
    COMMENT 'last time confirm-revocations asked the upstream' AFTER revocation_requested_at,
  ADD COLUMN revocation_note VARCHAR(255) NULL
    COMMENT 'the upstream''s last answer about the revocation' AFTER revocation_checked_at,
  ADD KEY certificates_revocation (revocation_requested_at);

CREATE TABLE upstream_drift (
  action     VARCHAR(40) CHARACTER SET ascii NOT NULL PRIMARY KEY,
  count      BIGINT UNSIGNED NOT NULL,
  last_what  VARCHAR(128) NOT NULL COMMENT 'what the last such answer did',
  first_at   DATETIME NOT NULL,
  last_at    DATETIME NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
