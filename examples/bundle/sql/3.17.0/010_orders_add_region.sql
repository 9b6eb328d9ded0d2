-- ft 3.17.0, in_stop: orders get a sales region.
-- Incompatible: 3.16 writes orders with "INSERT INTO orders VALUES (...)"
-- without a column list, which breaks once the column exists.

ALTER TABLE orders
  ADD COLUMN region VARCHAR(16);

CREATE INDEX idx_orders_region
  ON orders (region);
