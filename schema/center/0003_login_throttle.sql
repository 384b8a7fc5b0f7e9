-- Failed logins, to slow down password guessing: after too many failures for one
-- login within the window, the login form refuses it without checking the password.
CREATE TABLE login_failures (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  login         VARCHAR(100) NOT NULL,
  remote_addr   VARCHAR(45) CHARACTER SET ascii NULL,
  failed_at     DATETIME NOT NULL,
  KEY login_failures_login (login, failed_at),
  KEY login_failures_time (failed_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
