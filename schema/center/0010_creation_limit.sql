-- Subscription creation limit (issue #5): every creation registers an account
-- upstream (PREREGISTER), so an account may start only so many an hour. NULL:
-- the configured default (center.conf subscriptions_per_hour); a number: this
-- account's own limit, e.g. for a reseller's large customer.
ALTER TABLE accounts
  ADD COLUMN subscriptions_per_hour INT UNSIGNED NULL DEFAULT NULL
    COMMENT 'subscriptions this account may create per hour; NULL: the configured default';
