-- ft 3.17.0, in_stop, US sites only: sales tax code per order.
ALTER TABLE orders ADD COLUMN tax_code VARCHAR(8);
UPDATE orders SET tax_code = 'US-STD' WHERE tax_code IS NULL;
