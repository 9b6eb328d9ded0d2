-- ft 3.17.0, in_stop: 3.17 knows NEW, PAID, SHIPPED and CANCELLED only.
-- LEGACY orders were abandoned carts; they become CANCELLED.
UPDATE orders
   SET status = 'CANCELLED'   -- was 'LEGACY'
 WHERE status = 'LEGACY';
