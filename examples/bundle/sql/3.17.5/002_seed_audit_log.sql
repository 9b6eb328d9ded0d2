-- platform 3.17.5 (legacy form): the first audit entry is the upgrade itself.
INSERT INTO audit_log (id, actor, action, detail, created_at)
VALUES (1, 'upgrade', 'schema-upgrade',
        'services registry moved to 3.17.5; ''legacy'' form', '2024-06-01 00:00:00');
UPDATE services SET version = '3.17.5' WHERE name LIKE 'mid-%';
