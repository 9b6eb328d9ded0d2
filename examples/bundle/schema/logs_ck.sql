-- The ClickHouse access log at 3.18.0 (load it into the logs_ck database).
CREATE TABLE access_log (d Date, ts DateTime, host String, path String, status UInt16)
  ENGINE = MergeTree PARTITION BY toYYYYMM(d) ORDER BY (host, ts);
INSERT INTO access_log SELECT toDate('2024-01-01'), toDateTime('2024-01-01 00:00:00') + number,
  concat('web-', toString(number % 3)), concat('/api/', toString(number % 50)), 200 + (number % 5) * 100
  FROM system.numbers LIMIT 20000;
