-- The ledger explains every balance (issue #16 items 1 and 5).
--
-- A refund names the charge it gives back (refund_of): it mirrors that
-- charge's VAT rate and amounts, and the refunds of one charge never sum
-- above it (caasctl ledger-check proves both).
ALTER TABLE ledger
  ADD COLUMN refund_of BIGINT UNSIGNED NULL
    COMMENT 'refunds: the ledger id of the charge given back' AFTER invoice_id,
  ADD KEY ledger_refund_of (refund_of),
  ADD KEY ledger_domain (account_id, subscription_ref, domain_ref, kind, id),
  ADD CONSTRAINT ledger_refund_of_fk FOREIGN KEY (refund_of) REFERENCES ledger (id);

-- Opening balances used to be written straight into accounts.balance_cents
-- (caasctl account-add --balance-cents) with no ledger row. Carry any such
-- difference into the ledger once, as the opening movement of the account,
-- so that balance = signed sum of the ledger holds from here on. New
-- accounts get their opening credit through the billing module.
INSERT INTO ledger (account_id, kind, net_cents, vat_bp, vat_cents, gross_cents, currency,
                    reference, idempotency_key, created_at)
SELECT a.id, IF(d.diff > 0, 'credit', 'charge'), ABS(d.diff), 0, 0, ABS(d.diff), a.currency,
       'opening balance carried over (migration 0030)', CONCAT('opening-', a.id, '-carried'),
       UTC_TIMESTAMP()
FROM accounts a
JOIN (SELECT a2.id AS id,
             a2.balance_cents - COALESCE(SUM(CASE l.kind WHEN 'charge' THEN -l.gross_cents
                                                 ELSE l.gross_cents END), 0) AS diff
      FROM accounts a2 LEFT JOIN ledger l ON l.account_id = a2.id
      WHERE a2.kind = 'deposit'
      GROUP BY a2.id, a2.balance_cents) d ON d.id = a.id
WHERE d.diff <> 0;
