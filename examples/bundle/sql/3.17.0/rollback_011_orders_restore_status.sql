-- ft 3.17.0 rollback, in_stop: put back the statuses saved by
-- ft_backup_orders (pre_stop).
UPDATE orders
   SET status = (SELECT b.status
                   FROM orders_bak_3170 b
                  WHERE b.id = orders.id)
 WHERE id IN (SELECT id FROM orders_bak_3170);
