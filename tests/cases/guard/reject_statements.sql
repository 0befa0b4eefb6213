-- Everything that is not exactly one plain query: several statements, empty text, parse
-- errors, DML, DDL, utility commands and transaction control.

-- reject: multiple_statements
SELECT 1; COMMIT
-- message: Only one read-only query may run, but this text holds 2 statements (SELECT, COMMIT)
-- message: Send a single SELECT
----
-- reject: multiple_statements
SELECT 1; SELECT 2;
-- message: 2 statements (SELECT, SELECT)
----
-- reject: multiple_statements
SELECT * FROM orders; DROP TABLE orders; --
-- message: 2 statements (SELECT, DROP)
----
-- reject: multiple_statements
BEGIN; SELECT 1; COMMIT;
-- message: 3 statements (BEGIN, SELECT, COMMIT)
----
-- reject: empty
----
-- reject: empty
   
----
-- reject: empty
-- only a comment
-- message: The SQL is empty
----
-- reject: empty
/* a block comment */ ;
----
-- reject: empty
;;;
----
-- reject: parse_error
SELECT * FORM orders WHERE
-- message: PostgreSQL cannot parse this SQL: syntax error at or near "FORM"
-- message: at line 1, column 10 (character 10)
----
-- reject: parse_error
SELECT id,
       name
FROM orders
WHERE id = = 1
-- message: syntax error at or near "="
-- message: line 4, column 12
----
-- reject: parse_error
SELECT 'unterminated
-- message: unterminated quoted string
----
-- reject: parse_error
SELECT 1 /* unterminated comment
-- message: unterminated /* comment
----
-- reject: parse_error
Show me the revenue per month, please.
-- message: syntax error at or near "the"
----
-- reject: parse_error
SELECT x FROM t ORDER BY x FETCH FIRST 5 ROWS WITH TIES LIMIT 3
----
-- reject: not_a_query
INSERT INTO orders (id) VALUES (1)
-- message: INSERT is not allowed: it changes data
----
-- reject: not_a_query
UPDATE orders SET amount = 0
-- message: UPDATE is not allowed
----
-- reject: not_a_query
DELETE FROM orders WHERE id = 1 RETURNING *
-- message: DELETE is not allowed
----
-- reject: not_a_query
MERGE INTO orders o USING staged s ON o.id = s.id WHEN MATCHED THEN DELETE
-- message: MERGE is not allowed
----
-- reject: not_a_query
-- a CTE in front does not make a DELETE a query
WITH old AS (SELECT id FROM orders WHERE created_at < '2000-01-01') DELETE FROM orders WHERE id IN (SELECT id FROM old)
-- message: DELETE is not allowed
----
-- reject: not_a_query
TRUNCATE orders
-- message: TRUNCATE is not allowed: it changes data
----
-- reject: not_a_query
CREATE TABLE t (id int)
-- message: CREATE TABLE is not allowed: it changes the database's schema
----
-- reject: not_a_query
CREATE TABLE top_customers AS SELECT * FROM customers
-- message: CREATE TABLE AS is not allowed
----
-- reject: not_a_query
CREATE MATERIALIZED VIEW mv AS SELECT 1
-- message: CREATE MATERIALIZED VIEW is not allowed
----
-- reject: not_a_query
CREATE VIEW v AS SELECT 1
-- message: CREATE VIEW is not allowed
----
-- reject: not_a_query
CREATE INDEX ON orders (id)
-- message: CREATE INDEX is not allowed
----
-- reject: not_a_query
CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'
-- message: CREATE FUNCTION is not allowed
----
-- reject: not_a_query
ALTER TABLE orders ADD COLUMN x int
-- message: ALTER TABLE is not allowed
----
-- reject: not_a_query
DROP TABLE orders
-- message: DROP is not allowed
----
-- reject: not_a_query
GRANT SELECT ON orders TO public
-- message: GRANT is not allowed
----
-- reject: not_a_query
REVOKE ALL ON orders FROM public
-- message: REVOKE is not allowed
----
-- reject: not_a_query
COMMENT ON TABLE orders IS 'x'
-- message: COMMENT is not allowed
----
-- reject: not_a_query
COPY orders TO '/tmp/orders.csv'
-- message: COPY is not allowed
----
-- reject: not_a_query
COPY (SELECT * FROM orders) TO STDOUT WITH (FORMAT csv)
-- message: COPY is not allowed
----
-- reject: not_a_query
COPY orders FROM PROGRAM 'curl http://example.com'
----
-- reject: not_a_query
DO $$ BEGIN PERFORM pg_sleep(10); END $$
-- message: DO is not allowed: it runs procedural code
----
-- reject: not_a_query
CALL refresh_everything()
-- message: CALL is not allowed
----
-- reject: not_a_query
SET statement_timeout = 0
-- message: SET is not allowed: it changes session settings
----
-- reject: not_a_query
SET TRANSACTION READ WRITE
-- message: SET is not allowed
----
-- reject: not_a_query
RESET ALL
-- message: RESET is not allowed
----
-- reject: not_a_query
SHOW search_path
-- message: SELECT current_setting('name')
----
-- reject: not_a_query
LOCK TABLE orders IN ACCESS EXCLUSIVE MODE
-- message: LOCK is not allowed
----
-- reject: not_a_query
LISTEN orders_changed
-- message: LISTEN is not allowed
----
-- reject: not_a_query
NOTIFY orders_changed, 'hi'
-- message: NOTIFY is not allowed
----
-- reject: not_a_query
UNLISTEN *
----
-- reject: not_a_query
BEGIN
-- message: BEGIN is not allowed: each query already runs in its own read-only transaction
----
-- reject: not_a_query
START TRANSACTION READ WRITE
-- message: START TRANSACTION is not allowed
----
-- reject: not_a_query
COMMIT
-- message: COMMIT is not allowed
----
-- reject: not_a_query
ROLLBACK
----
-- reject: not_a_query
SAVEPOINT s1
-- message: SAVEPOINT is not allowed
----
-- reject: not_a_query
EXPLAIN SELECT * FROM orders
-- message: EXPLAIN is not allowed: EXPLAIN ANALYZE runs the statement it explains
----
-- reject: not_a_query
EXPLAIN ANALYZE DELETE FROM orders
-- message: EXPLAIN is not allowed
----
-- reject: not_a_query
PREPARE q AS SELECT 1
-- message: PREPARE is not allowed: prepared statements are not supported
----
-- reject: not_a_query
EXECUTE q
-- message: EXECUTE is not allowed
----
-- reject: not_a_query
DEALLOCATE ALL
----
-- reject: not_a_query
DECLARE c CURSOR FOR SELECT * FROM orders
-- message: DECLARE CURSOR is not allowed: cursors are not supported
----
-- reject: not_a_query
FETCH 10 FROM c
-- message: FETCH is not allowed
----
-- reject: not_a_query
CLOSE c
----
-- reject: not_a_query
VACUUM orders
-- message: VACUUM is not allowed: it is a maintenance command
----
-- reject: not_a_query
ANALYZE orders
-- message: ANALYZE is not allowed
----
-- reject: not_a_query
REFRESH MATERIALIZED VIEW mv
-- message: REFRESH MATERIALIZED VIEW is not allowed
----
-- reject: not_a_query
DISCARD ALL
----
-- reject: not_a_query
CHECKPOINT
----
-- reject: not_a_query
ALTER SYSTEM SET work_mem = '1GB'
-- message: ALTER SYSTEM is not allowed
----
-- reject: not_a_query
CREATE EXTENSION dblink
-- message: CREATE EXTENSION is not allowed
----
-- reject: not_a_query
LOAD 'auto_explain'
