-- ft 3.17.5-P1, in_stop: needs region_lookup (ft_region_lookup) and the
-- orders.region column (3.17.0, ft_orders_add_region).
UPDATE orders
   SET region = (SELECT r.region
                   FROM region_lookup r
                  WHERE r.user_id = orders.user_id)
 WHERE region IS NULL;

-- Orders of users the lookup does not know go to the default region.
UPDATE orders SET region = 'unassigned' WHERE region IS NULL;
