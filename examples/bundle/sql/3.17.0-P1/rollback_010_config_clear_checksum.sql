-- mid 3.17.0-P1 rollback, in_stop: 3.17.0 ignores the column; clearing it
-- makes a later re-upgrade recompute every checksum.
UPDATE service_config SET checksum = NULL;
