-- A CRL lists the revoked certificates that have not expired (RFC 5280
-- §3.3, fcgi/ca/revoke.c): read through this index, its regeneration (at
-- every revocation) costs the CRL's size, not a scan of every certificate
-- ever issued. Found by tests/bench/jobs: caasctl expire revokes.
ALTER TABLE certificates ADD KEY certificates_revoked (status, not_after);
