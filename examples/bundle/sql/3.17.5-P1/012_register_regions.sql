-- ft 3.17.5-P1, in_stop: cluster-a's tasks were held until the regions
-- were known; release them in ft_db, then announce the region service in
-- the middle platform's registry (mid_db).
UPDATE task_store SET state = 'DONE' WHERE state = 'RUNNING' AND task_key LIKE 'cluster-a/%';

-- @database: mid_db
INSERT INTO services (id, name, endpoint, version)
VALUES (4, 'ft-region', 'http://127.0.0.1:8083', '3.17.5-P1');
INSERT INTO service_config (id, service_id, config_key, config_value)
VALUES (4, 4, 'region.default', 'unassigned');
