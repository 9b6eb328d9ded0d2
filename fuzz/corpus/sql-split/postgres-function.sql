-- Handmade PostgreSQL script: dollar quoting and friends.
CREATE TABLE t (id int, note text DEFAULT 'a;b');
CREATE FUNCTION bump(n int) RETURNS int AS $body$
DECLARE
  r int; -- a comment; with a semicolon
BEGIN
  /* block; comment */
  UPDATE t SET id = id + n;
  r := n + 1; -- 'not a quote
  RETURN r;
END;
$body$ LANGUAGE plpgsql;
CREATE FUNCTION one() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;
SELECT $1$;$1$ IS NOT NULL AS dollar_tag_with_digit_is_no_tag;
SELECT E'back\\slash\';', 'plain\', 'x';
/* nested /* comment; */ still; comment */ SELECT 2;
CREATE RULE r AS ON INSERT TO t DO ALSO (UPDATE t SET id = 0; UPDATE t SET id = 1);
CREATE FUNCTION atomic_one() RETURNS int LANGUAGE sql
BEGIN ATOMIC
  SELECT CASE WHEN true THEN 1 ELSE 0 END;
END;
SELECT '😀 emoji; 中文 テキスト' AS "quoted;identifier";
SELECT 3 --comment without space
;
SELECT 'tail without delimiter'
