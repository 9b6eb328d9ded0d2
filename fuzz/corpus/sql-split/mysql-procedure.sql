-- Handmade MySQL/MariaDB script: DELIMITER blocks and quoting.
/*!40101 SET NAMES utf8mb4 */;
# a hash comment; with a semicolon
CREATE TABLE `odd;name` (
  id INT PRIMARY KEY, -- inline; comment
  `col;umn` VARCHAR(64) DEFAULT 'it''s; fine',
  note VARCHAR(64) DEFAULT "double; \"quoted\""
);
INSERT INTO `odd;name` VALUES (1, 'back\\slash\';', 'x'), (2, '😀 emoji; 中文 テキスト', "y");;
DELIMITER //
CREATE PROCEDURE bump (IN n INT)
BEGIN
  DECLARE i INT DEFAULT 0;
  IF n > 0 THEN
    UPDATE `odd;name` SET id = id + n; -- not the end
  ELSE
    SELECT 'negative; skip';
  END IF;
END //
delimiter $$
CREATE FUNCTION twice (x INT) RETURNS INT DETERMINISTIC
BEGIN
  RETURN x * 2;
END$$
DELIMITER ;
CALL bump(1);
SELECT twice(2) /* ; */ AS four;
SELECT 1 --1
;
SELECT 'tail without delimiter'
