-- ClickHouse (logs_ck): statements split as clickhouse-client splits them.
-- No transactions: each statement is journaled before it is sent, with its
-- journal id as query_id, so that after a crash system.query_log tells
-- whether it ran.
ALTER TABLE access_log ADD COLUMN level UInt8 DEFAULT 3;

-- Inline data after FORMAT runs to the first empty line; its ';' is data.
INSERT INTO access_log (d, ts, host, path, status, level) FORMAT TabSeparated
2024-01-02	2024-01-02 00:00:01	web-1	/health;probe	200	3

