-- Nonces are now stateless until used (fcgi/ca/acme.c): a nonce carries its
-- expiry and an HMAC under a key derived from the CA config, so handing one
-- out writes nothing. This table becomes the set of USED nonces: using one
-- inserts it, and the primary key refuses a second use on any worker or host.
-- Rows leave after their expiry (newNonce purges a bounded batch).
ALTER TABLE nonces COMMENT = 'used nonces: inserted when a JWS uses one, purged after expires_at';
