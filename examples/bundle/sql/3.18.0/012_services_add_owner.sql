-- mid 3.18.0, in_stop: every service has an owning team.
ALTER TABLE services ADD COLUMN owner VARCHAR(64);
UPDATE services SET owner = 'ft-team' WHERE name LIKE 'ft-%';
UPDATE services SET owner = 'platform' WHERE owner IS NULL;
