-- platform 3.17.5 (legacy form): copy the service registry.
CREATE TABLE services_bak_3175 (
  id        INTEGER PRIMARY KEY,
  name      VARCHAR(64)  NOT NULL,
  endpoint  VARCHAR(255) NOT NULL,
  version   VARCHAR(32)  NOT NULL
);
INSERT INTO services_bak_3175 (id, name, endpoint, version)
SELECT id, name, endpoint, version FROM services;
