-- mid 3.18.0, pre_stop: 3.18 allows several endpoints per service.
CREATE TABLE service_endpoint (
  service_id  INTEGER      NOT NULL,
  endpoint    VARCHAR(255) NOT NULL,
  is_primary  INTEGER      NOT NULL DEFAULT 1,
  PRIMARY KEY (service_id, endpoint)
);

INSERT INTO service_endpoint (service_id, endpoint, is_primary)
SELECT id, endpoint, 1 FROM services;
