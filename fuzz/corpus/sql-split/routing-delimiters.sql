-- @database: audit
INSERT INTO t VALUES ('a;b', "c", $$d;$$);
/*! SET @x = 1 */;
DELIMITER //
CREATE TRIGGER x BEGIN SELECT 1; END//
DELIMITER ;
SELECT 2
