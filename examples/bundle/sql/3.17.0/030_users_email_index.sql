-- ft 3.17.0, post_start: log-in by e-mail needs this index; building it
-- while the service runs is fine.
CREATE INDEX idx_users_email ON users (email);
