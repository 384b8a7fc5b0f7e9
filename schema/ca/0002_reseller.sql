-- Reseller API of the bundled CA (POST /products/!ACMEAdmin, DESIGN.md §3-4):
-- yearly prices per level and wildcard, the subscription term of each EAB key,
-- and the billed orders (append-only). Money in integer cents (EUR).

CREATE TABLE reseller_prices (
  level         ENUM('DV','OV','QWAC') NOT NULL,
  wildcard      TINYINT(1) NOT NULL,
  yearly_cents  BIGINT NOT NULL,
  PRIMARY KEY (level, wildcard)
) ENGINE=InnoDB;

-- QWAC has no wildcard price: QWAC certificates never carry wildcards.
INSERT INTO reseller_prices (level, wildcard, yearly_cents) VALUES
  ('DV', 0, 1000), ('DV', 1, 5000),
  ('OV', 0, 3000), ('OV', 1, 10000),
  ('QWAC', 0, 20000);

-- The subscription: starts with the first domain (the next calendar day, UTC)
-- and lasts one year; every domain of the key shares term_end.
ALTER TABLE eab_keys
  ADD COLUMN term_start DATE NULL,
  ADD COLUMN term_end   DATE NULL;

CREATE TABLE reseller_orders (
  order_number  BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  eab_id        BIGINT UNSIGNED NOT NULL,
  kind          ENUM('ADD','EXTEND','REFUND') NOT NULL,
  domain        VARCHAR(253) CHARACTER SET ascii NULL COMMENT 'NULL for EXTEND',
  cost_cents    BIGINT NOT NULL COMMENT 'negative for REFUND',
  created_at    DATETIME NOT NULL,
  KEY reseller_orders_eab (eab_id),
  CONSTRAINT reseller_orders_eab_fk FOREIGN KEY (eab_id) REFERENCES eab_keys (id)
) ENGINE=InnoDB;

-- The ADD order of an enrollment made through the API (NULL when caasctl-ca
-- enrolled it): a repeated ADDDOMAIN answers it instead of charging again,
-- and a removal within 30 days refunds it.
ALTER TABLE eab_domains
  ADD COLUMN add_order BIGINT UNSIGNED NULL;
