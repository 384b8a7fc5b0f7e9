-- Monitoring (issue #12, /metrics): what the web workers' shared-memory counters
-- cannot see, because it happens in caasctl processes that come and go, on any host.
-- job_runs: one row per job command (caasctl reconcile, sync, renew, expire, notify,
-- close-invoices, run-jobs), updated at the end of each run; times are Unix seconds
-- of the business clock (clock_now), so time travel moves them with everything else.
CREATE TABLE job_runs (
  job               VARCHAR(32) CHARACTER SET ascii NOT NULL PRIMARY KEY,
  last_run_unix     BIGINT NOT NULL COMMENT 'end of the last run',
  last_ok_unix      BIGINT NULL COMMENT 'end of the last run that exited 0',
  last_status       INT NOT NULL COMMENT 'exit status of the last run',
  runs              BIGINT UNSIGNED NOT NULL DEFAULT 0,
  failures          BIGINT UNSIGNED NOT NULL DEFAULT 0
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Upstream (CaaS API) calls made by the jobs, by action and outcome, added at
-- the end of each caasctl run (the web workers' own calls are in shared memory).
CREATE TABLE upstream_calls (
  action            VARCHAR(32) CHARACTER SET ascii NOT NULL,
  outcome           VARCHAR(16) CHARACTER SET ascii NOT NULL,
  n                 BIGINT UNSIGNED NOT NULL DEFAULT 0,
  PRIMARY KEY (action, outcome)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
