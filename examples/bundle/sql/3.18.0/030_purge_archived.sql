-- ft 3.18.0, post_upgrade: the archive holds them now.
DELETE FROM orders
 WHERE status = 'CANCELLED'
   AND id IN (SELECT id FROM orders_archive);
