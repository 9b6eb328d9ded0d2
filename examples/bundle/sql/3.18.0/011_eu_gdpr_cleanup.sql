-- ft 3.18.0, in_stop, EU sites only: users without orders lose their
-- e-mail address (data minimisation).
UPDATE users
   SET email = NULL
 WHERE id NOT IN (SELECT user_id FROM orders WHERE user_id IS NOT NULL);
