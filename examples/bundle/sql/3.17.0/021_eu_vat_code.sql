-- ft 3.17.0, in_stop, EU sites only: VAT code per order.
ALTER TABLE orders ADD COLUMN vat_code VARCHAR(8);
UPDATE orders SET vat_code = 'EU-STD' WHERE vat_code IS NULL;
