-- ft 3.17.5-P1 rollback, in_stop: back to "region not known yet".
UPDATE orders SET region = NULL;
DELETE FROM region_lookup;
