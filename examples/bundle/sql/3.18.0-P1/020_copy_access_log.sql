-- The new schema, ordered for the queries by path; the old table stays
-- readable until the next release (double-written meanwhile).
CREATE TABLE access_log_v2 (d Date, ts DateTime, host String, path String, status UInt16, level UInt8)
  ENGINE = MergeTree PARTITION BY toYYYYMM(d) ORDER BY (path, ts);
INSERT INTO access_log_v2 SELECT d, ts, host, path, status, level FROM access_log;
