-- Queries that read, yet hide a write or a lock: data-modifying CTEs (at any depth), SELECT
-- INTO (a table is created), and row-locking clauses (anywhere in the tree).

-- reject: data_modifying_cte
WITH x AS (DELETE FROM t RETURNING *) SELECT * FROM x
-- message: The query contains DELETE (in a WITH clause)
-- message: Rewrite it as a SELECT
----
-- reject: data_modifying_cte
WITH moved AS (INSERT INTO archive SELECT * FROM orders RETURNING id) SELECT count(*) FROM moved
-- message: INSERT
----
-- reject: data_modifying_cte
WITH u AS (UPDATE orders SET amount = 0 RETURNING id) SELECT * FROM orders WHERE id IN (SELECT id FROM u)
-- message: UPDATE
----
-- reject: data_modifying_cte
-- a DELETE hidden in a CTE nested inside a CTE
WITH outer_cte AS (
  WITH inner_cte AS (DELETE FROM orders RETURNING id)
  SELECT id FROM inner_cte
)
SELECT * FROM outer_cte
-- message: DELETE
----
-- reject: data_modifying_cte
-- a data-modifying CTE inside a subquery (PostgreSQL refuses it at analysis; the guard earlier)
SELECT * FROM (WITH d AS (DELETE FROM orders RETURNING *) SELECT * FROM d) s
----
-- reject: data_modifying_cte
SELECT 1 UNION ALL (WITH d AS (UPDATE t SET x = 1 RETURNING x) SELECT x FROM d)
----
-- reject: select_into
SELECT * INTO t FROM x
-- message: SELECT ... INTO creates a new table (t)
-- message: Remove the INTO clause
----
-- reject: select_into
SELECT id, amount INTO TEMPORARY TABLE snapshot FROM orders WHERE amount > 0
-- message: (snapshot)
----
-- reject: select_into
SELECT * FROM (SELECT * INTO t FROM x) s
----
-- reject: select_into
SELECT 1 INTO t UNION SELECT 2
----
-- reject: locking
SELECT * FROM orders FOR UPDATE
-- message: SELECT ... FOR UPDATE locks the rows it reads
-- message: Remove the FOR UPDATE clause
----
-- reject: locking
SELECT * FROM orders WHERE id = 1 FOR NO KEY UPDATE NOWAIT
-- message: FOR NO KEY UPDATE
----
-- reject: locking
SELECT * FROM orders FOR SHARE SKIP LOCKED
-- message: FOR SHARE
----
-- reject: locking
SELECT * FROM orders o JOIN customers c ON c.id = o.customer_id FOR KEY SHARE OF c
-- message: FOR KEY SHARE
----
-- reject: locking
-- FOR UPDATE inside a subquery
SELECT * FROM (SELECT * FROM orders FOR UPDATE) AS locked
-- message: FOR UPDATE
----
-- reject: locking
SELECT * FROM orders WHERE id IN (SELECT order_id FROM refunds FOR UPDATE)
----
-- reject: locking
WITH l AS (SELECT * FROM orders FOR UPDATE) SELECT count(*) FROM l
----
-- reject: locking
SELECT id FROM a UNION SELECT id FROM (SELECT id FROM b FOR SHARE) s
----
-- reject: locking
SELECT * FROM orders LIMIT 10 FOR UPDATE
