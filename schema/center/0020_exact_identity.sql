-- Identities and idempotency keys compare exactly (issue 13 items 9 and 12).
-- utf8mb4_unicode_ci ignored case, accents and trailing spaces: a site user
-- "jose" handed over by nginx became the center user "José", and the
-- idempotency keys "Key" and "key" were one key (in the unique index) while
-- the request lock took them as two. The _nopad_bin collations compare bytes,
-- trailing spaces included.
ALTER TABLE users
  MODIFY login VARCHAR(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL;
ALTER TABLE login_failures
  MODIFY login VARCHAR(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL;
ALTER TABLE ledger
  MODIFY idempotency_key VARCHAR(100) CHARACTER SET ascii COLLATE ascii_nopad_bin NOT NULL;
ALTER TABLE subscriptions
  MODIFY idempotency_key VARCHAR(100) CHARACTER SET ascii COLLATE ascii_nopad_bin NOT NULL;
