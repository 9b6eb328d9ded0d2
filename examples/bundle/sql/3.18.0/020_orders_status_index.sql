-- ft 3.18.0, post_start: status filters got slow after the archive.
CREATE INDEX idx_orders_status ON orders (status);
