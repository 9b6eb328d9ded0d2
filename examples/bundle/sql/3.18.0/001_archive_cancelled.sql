-- ft 3.18.0, pre_stop: cancelled orders move to an archive table; the copy
-- runs while 3.17 serves, the purge waits for post_upgrade.
CREATE TABLE orders_archive (
  id          INTEGER PRIMARY KEY,
  user_id     INTEGER,
  status      VARCHAR(32)    NOT NULL,
  amount      DECIMAL(12, 2) NOT NULL,
  created_at  VARCHAR(19)    NOT NULL,
  archived_at VARCHAR(19)    NOT NULL
);

INSERT INTO orders_archive (id, user_id, status, amount, created_at, archived_at)
SELECT id, user_id, status, amount, created_at, '2024-07-01 00:00:00'
  FROM orders
 WHERE status = 'CANCELLED';
