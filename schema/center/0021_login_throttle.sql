-- Login throttling that cannot be raced and cannot lock the owner out
-- (issue 13 item 10). Each attempt is charged, as a login_failures row,
-- before its password is checked, under a lock on its gate rows (one per
-- login, one per address, one per known device), so concurrent attempts
-- are counted one after the other. A browser that logged in before holds
-- a device cookie: its attempts count against that device only, so
-- failures of others (per login, per address) do not lock it out.
CREATE TABLE login_gates (
  kind          ENUM('login','addr','device') NOT NULL,
  k             VARCHAR(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
  touched_at    DATETIME NOT NULL,
  PRIMARY KEY (kind, k),
  KEY login_gates_time (touched_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE login_devices (
  token_hash    CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY
                COMMENT 'SHA-256 hex of the device cookie; the cookie itself is never stored',
  user_id       BIGINT UNSIGNED NOT NULL,
  created_at    DATETIME NOT NULL,
  expires_at    DATETIME NOT NULL,
  KEY login_devices_user (user_id),
  KEY login_devices_time (expires_at),
  CONSTRAINT login_devices_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

ALTER TABLE login_failures
  ADD COLUMN device_hash CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL
    COMMENT 'attempt from a known device: counted against that device only',
  ADD KEY login_failures_addr (remote_addr, failed_at),
  ADD KEY login_failures_device (device_hash, failed_at);
