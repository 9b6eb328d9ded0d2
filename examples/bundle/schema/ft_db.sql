-- ft_db at product version 3.16.0: the installed state the example bundle
-- upgrades from. Portable across SQLite, MariaDB and PostgreSQL.

CREATE TABLE users (
  id      INTEGER PRIMARY KEY,
  name    VARCHAR(64)  NOT NULL,
  email   VARCHAR(128)
);

CREATE TABLE orders (
  id          INTEGER PRIMARY KEY,
  user_id     INTEGER,
  status      VARCHAR(32)    NOT NULL,
  amount      DECIMAL(12, 2) NOT NULL,
  created_at  VARCHAR(19)    NOT NULL   -- 'YYYY-MM-DD hh:mm:ss', text on purpose: portable
);

CREATE TABLE task_store (
  id        INTEGER PRIMARY KEY,
  task_key  VARCHAR(128) NOT NULL,
  path      VARCHAR(255) NOT NULL,
  state     VARCHAR(16)  NOT NULL
);

INSERT INTO users (id, name, email) VALUES (1, 'alice', 'alice@example.com');
INSERT INTO users (id, name, email) VALUES (2, 'bob', 'bob@example.com');
INSERT INTO users (id, name, email) VALUES (3, 'carol', NULL);

INSERT INTO orders (id, user_id, status, amount, created_at) VALUES (1, 1, 'PAID', 120.50, '2024-01-15 10:00:00');
INSERT INTO orders (id, user_id, status, amount, created_at) VALUES (2, 1, 'SHIPPED', 35.00, '2024-01-16 11:30:00');
INSERT INTO orders (id, user_id, status, amount, created_at) VALUES (3, 2, 'NEW', 9.99, '2024-02-01 08:15:00');
INSERT INTO orders (id, user_id, status, amount, created_at) VALUES (4, 2, 'CANCELLED', 250.00, '2024-02-03 17:45:00');
-- A status the 3.16 series wrote and 3.17 no longer knows: the
-- "unknown_status" data-quality rule warns about it, ft_orders_fix_status fixes it.
INSERT INTO orders (id, user_id, status, amount, created_at) VALUES (5, 3, 'LEGACY', 42.00, '2023-12-24 23:59:59');
INSERT INTO orders (id, user_id, status, amount, created_at) VALUES (6, 3, 'CANCELLED', 18.00, '2024-03-05 09:00:00');

INSERT INTO task_store (id, task_key, path, state) VALUES (1, 'cluster-a/job-1', '/data/cluster/a/job-1', 'DONE');
INSERT INTO task_store (id, task_key, path, state) VALUES (2, 'cluster-a/job-2', '/data/cluster/a/job-2', 'RUNNING');
INSERT INTO task_store (id, task_key, path, state) VALUES (3, 'cluster-b/job-1', '/data/cluster/b/job-1', 'DONE');
