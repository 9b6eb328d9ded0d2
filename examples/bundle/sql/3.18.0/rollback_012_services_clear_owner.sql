-- mid 3.18.0 rollback, in_stop: 3.17 ignores the column.
UPDATE services SET owner = NULL;
