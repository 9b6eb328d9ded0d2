-- ft 3.18.0, in_stop: a new column with a default does not disturb 3.17,
-- hence compatible from 3.16.0 on.
ALTER TABLE orders ADD COLUMN priority INTEGER DEFAULT 0;
UPDATE orders SET priority = 1 WHERE amount >= 100;
