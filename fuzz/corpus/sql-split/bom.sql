SELECT 1; -- tail
