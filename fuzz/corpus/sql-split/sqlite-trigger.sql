-- Handmade SQLite script: triggers and quoting.
CREATE TABLE [odd;name] (id INTEGER PRIMARY KEY, "col;umn" TEXT DEFAULT 'a;b', `x;y` TEXT);
CREATE TABLE log (msg TEXT);
CREATE TRIGGER odd_ai AFTER INSERT ON [odd;name]
BEGIN
  INSERT INTO log VALUES ('inserted; one');
  UPDATE log SET msg = msg || ';' WHERE msg = 'x';
END;
CREATE TEMP TRIGGER odd_ad AFTER DELETE ON [odd;name] BEGIN DELETE FROM log; END;
INSERT INTO [odd;name] (id, "col;umn") VALUES (1, '😀 emoji; 中文 テキスト');;
/* block; comment */ SELECT count(*) FROM log;
SELECT 'end' AS "end"; SELECT 2;
