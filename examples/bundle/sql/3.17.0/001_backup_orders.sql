-- ft 3.17.0, pre_stop: copy orders before in_stop changes them.
-- The old version keeps serving meanwhile, so this only adds a table.

CREATE TABLE orders_bak_3170 (
  id          INTEGER PRIMARY KEY,
  user_id     INTEGER,
  status      VARCHAR(32)    NOT NULL,
  amount      DECIMAL(12, 2) NOT NULL,
  created_at  VARCHAR(19)    NOT NULL
);

/* Copy every row; the table is small enough for one statement
   at every known site (largest: ~2 million rows). */
INSERT INTO orders_bak_3170 (id, user_id, status, amount, created_at)
SELECT id, user_id, status, amount, created_at
  FROM orders;
