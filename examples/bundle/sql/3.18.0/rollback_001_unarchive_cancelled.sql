-- ft 3.18.0 rollback, pre_stop: the orders are still in place until
-- post_upgrade, so undoing the archive is emptying it.
DELETE FROM orders_archive;
