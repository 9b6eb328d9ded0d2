-- platform 3.17.5 (legacy form): audit log of configuration changes.
CREATE TABLE audit_log (
  id          INTEGER PRIMARY KEY,
  actor       VARCHAR(64)  NOT NULL,
  action      VARCHAR(64)  NOT NULL,
  detail      VARCHAR(1024),
  created_at  VARCHAR(19)  NOT NULL
);
CREATE INDEX idx_audit_log_created ON audit_log (created_at);
