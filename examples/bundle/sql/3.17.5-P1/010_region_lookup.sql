-- ft 3.17.5-P1, in_stop: which region each user buys in.
CREATE TABLE region_lookup (
  user_id  INTEGER PRIMARY KEY,
  region   VARCHAR(16) NOT NULL
);

INSERT INTO region_lookup (user_id, region) VALUES (1, 'north');
INSERT INTO region_lookup (user_id, region) VALUES (2, 'south');
INSERT INTO region_lookup (user_id, region) VALUES (3, 'north');
