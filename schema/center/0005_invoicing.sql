-- Invoice closing and accounting exports (issue #6, items 3 and 4).
-- Times are UTC DATETIMEs written by the application clock.

-- Gap-free invoice numbers: one row per series (the year of issue). The
-- closing job locks the row FOR UPDATE and bumps it in the same
-- transaction that closes the invoice, so a run that dies rolls both back
-- and no number is ever skipped or used twice.
CREATE TABLE invoice_counters (
  series        VARCHAR(8) CHARACTER SET ascii NOT NULL PRIMARY KEY COMMENT 'YYYY',
  last_number   BIGINT UNSIGNED NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

ALTER TABLE invoices
  ADD COLUMN closed_at DATETIME NULL COMMENT 'issue date, set at closing' AFTER created_at,
  -- The closing job walks the open invoices of past months.
  ADD KEY invoices_status_period (status, period, id),
  -- An account's list of invoices, newest period first.
  ADD KEY invoices_account_period (account_id, period, id);

-- Exports walk the ledger by date in keyset chunks.
ALTER TABLE ledger ADD KEY ledger_created (created_at, id);
