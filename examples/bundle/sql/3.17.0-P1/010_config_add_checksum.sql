-- mid 3.17.0-P1, in_stop: the gateway verifies configuration values
-- against a checksum; unset means "not verified yet".
ALTER TABLE service_config ADD COLUMN checksum VARCHAR(64);

-- Keys are looked up by (service, key) on every request.
CREATE INDEX idx_service_config_key ON service_config (service_id, config_key);
