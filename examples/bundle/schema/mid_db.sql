-- mid_db at product version 3.16.0 (the middle platform's registry).
-- Portable across SQLite, MariaDB and PostgreSQL.

CREATE TABLE services (
  id        INTEGER PRIMARY KEY,
  name      VARCHAR(64)  NOT NULL,
  endpoint  VARCHAR(255) NOT NULL,
  version   VARCHAR(32)  NOT NULL
);

CREATE TABLE service_config (
  id            INTEGER PRIMARY KEY,
  service_id    INTEGER      NOT NULL,
  config_key    VARCHAR(128) NOT NULL,
  config_value  VARCHAR(1024)
);

INSERT INTO services (id, name, endpoint, version) VALUES (1, 'ft-manager', 'http://127.0.0.1:8081', '3.16.0');
INSERT INTO services (id, name, endpoint, version) VALUES (2, 'ft-worker', 'http://127.0.0.1:8082', '3.16.0');
INSERT INTO services (id, name, endpoint, version) VALUES (3, 'mid-gateway', 'http://127.0.0.1:8090', '3.16.0');

INSERT INTO service_config (id, service_id, config_key, config_value) VALUES (1, 1, 'worker.pool', '8');
INSERT INTO service_config (id, service_id, config_key, config_value) VALUES (2, 2, 'task.root', '/data/cluster');
INSERT INTO service_config (id, service_id, config_key, config_value) VALUES (3, 3, 'gateway.timeout', '30s');
