-- mid 3.17.0-P1, pre_stop: copy service_config before it changes.
CREATE TABLE service_config_bak_3170p1 (
  id            INTEGER PRIMARY KEY,
  service_id    INTEGER      NOT NULL,
  config_key    VARCHAR(128) NOT NULL,
  config_value  VARCHAR(1024)
);

INSERT INTO service_config_bak_3170p1 (id, service_id, config_key, config_value)
SELECT id, service_id, config_key, config_value FROM service_config;
