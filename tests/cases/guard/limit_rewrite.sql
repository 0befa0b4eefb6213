-- The row cap (GuardOptions::row_cap, 1000 unless a case sets -- row_cap:).
-- No top-level LIMIT: "\nLIMIT <cap>" is appended. A larger integer constant: its digits are
-- replaced in place. A smaller one: kept, unchanged. Anything else (ALL, NULL, an expression, a
-- parameter, a fraction, WITH TIES): the query is wrapped in SELECT * FROM (...) AS capped.

-- accept
SELECT * FROM orders
-- rewritten:
SELECT * FROM orders
LIMIT 1000
----
-- accept
-- a trailing semicolon, whitespace and a comment after it are dropped
SELECT * FROM orders ;   -- all orders
-- rewritten:
-- a trailing semicolon, whitespace and a comment after it are dropped
SELECT * FROM orders
LIMIT 1000
----
-- accept
SELECT * FROM orders -- every order, LIMIT must not land in this comment
-- rewritten:
SELECT * FROM orders -- every order, LIMIT must not land in this comment
LIMIT 1000
----
-- accept
SELECT * FROM orders /* block comment at the end */
-- rewritten:
SELECT * FROM orders /* block comment at the end */
LIMIT 1000
----
-- accept
SELECT *
FROM orders   -- formatting and comments survive
WHERE amount > 10
ORDER BY id
LIMIT 5000
-- rewritten:
SELECT *
FROM orders   -- formatting and comments survive
WHERE amount > 10
ORDER BY id
LIMIT 1000
----
-- accept
SELECT * FROM orders LIMIT 1000
-- rewritten: unchanged
----
-- accept
SELECT * FROM orders LIMIT 10;
-- rewritten: unchanged
----
-- accept
SELECT * FROM orders LIMIT 0
-- rewritten: unchanged
----
-- accept
SELECT * FROM orders ORDER BY id LIMIT 5000 OFFSET 10
-- rewritten:
SELECT * FROM orders ORDER BY id LIMIT 1000 OFFSET 10
----
-- accept
SELECT * FROM orders ORDER BY id OFFSET 10 LIMIT 5000
-- rewritten:
SELECT * FROM orders ORDER BY id OFFSET 10 LIMIT 1000
----
-- accept
SELECT * FROM orders ORDER BY id OFFSET 10
-- rewritten:
SELECT * FROM orders ORDER BY id OFFSET 10
LIMIT 1000
----
-- accept
SELECT * FROM orders ORDER BY id OFFSET 5 ROWS FETCH FIRST 5000 ROWS ONLY
-- rewritten:
SELECT * FROM orders ORDER BY id OFFSET 5 ROWS FETCH FIRST 1000 ROWS ONLY
----
-- accept
SELECT * FROM orders FETCH FIRST ROW ONLY
-- rewritten: unchanged
----
-- accept
SELECT * FROM orders FETCH NEXT 20 ROWS ONLY
-- rewritten: unchanged
----
-- accept
SELECT * FROM orders LIMIT (5000)
-- rewritten:
SELECT * FROM orders LIMIT (1000)
----
-- accept
SELECT * FROM orders LIMIT 05000
-- rewritten:
SELECT * FROM orders LIMIT 1000
----
-- accept
SELECT * FROM orders LIMIT 99999999999999999999999
-- rewritten:
SELECT * FROM orders LIMIT 1000
----
-- accept
SELECT * FROM orders LIMIT ALL
-- rewritten:
SELECT * FROM (
SELECT * FROM orders LIMIT ALL
) AS capped
LIMIT 1000
----
-- accept
SELECT * FROM orders LIMIT NULL;
-- rewritten:
SELECT * FROM (
SELECT * FROM orders LIMIT NULL
) AS capped
LIMIT 1000
----
-- accept
SELECT * FROM orders LIMIT 10 + 5
-- rewritten:
SELECT * FROM (
SELECT * FROM orders LIMIT 10 + 5
) AS capped
LIMIT 1000
----
-- accept
SELECT * FROM orders LIMIT (SELECT count(*) FROM customers)
-- rewritten:
SELECT * FROM (
SELECT * FROM orders LIMIT (SELECT count(*) FROM customers)
) AS capped
LIMIT 1000
----
-- accept
SELECT * FROM orders LIMIT $1
-- rewritten:
SELECT * FROM (
SELECT * FROM orders LIMIT $1
) AS capped
LIMIT 1000
----
-- accept
SELECT * FROM orders LIMIT 2.5
-- rewritten:
SELECT * FROM (
SELECT * FROM orders LIMIT 2.5
) AS capped
LIMIT 1000
----
-- accept
SELECT * FROM orders LIMIT '5000'
-- rewritten:
SELECT * FROM (
SELECT * FROM orders LIMIT '5000'
) AS capped
LIMIT 1000
----
-- accept
SELECT * FROM orders LIMIT -1
-- rewritten:
SELECT * FROM (
SELECT * FROM orders LIMIT -1
) AS capped
LIMIT 1000
----
-- accept
-- WITH TIES may return more rows than its count, even a small one: wrapped
SELECT * FROM orders ORDER BY amount DESC FETCH FIRST 5 ROWS WITH TIES
-- rewritten:
SELECT * FROM (
-- WITH TIES may return more rows than its count, even a small one: wrapped
SELECT * FROM orders ORDER BY amount DESC FETCH FIRST 5 ROWS WITH TIES
) AS capped
LIMIT 1000
----
-- accept
SELECT * FROM orders LIMIT ALL -- a comment the wrapper must not swallow
-- rewritten:
SELECT * FROM (
SELECT * FROM orders LIMIT ALL -- a comment the wrapper must not swallow
) AS capped
LIMIT 1000
----
-- accept
SELECT id FROM a UNION SELECT id FROM b
-- rewritten:
SELECT id FROM a UNION SELECT id FROM b
LIMIT 1000
----
-- accept
SELECT id FROM a UNION ALL SELECT id FROM b ORDER BY id LIMIT 5000
-- rewritten:
SELECT id FROM a UNION ALL SELECT id FROM b ORDER BY id LIMIT 1000
----
-- accept
-- the inner LIMIT binds only the first branch: the whole still needs one
(SELECT id FROM a LIMIT 5000) UNION (SELECT id FROM b LIMIT 5)
-- rewritten:
-- the inner LIMIT binds only the first branch: the whole still needs one
(SELECT id FROM a LIMIT 5000) UNION (SELECT id FROM b LIMIT 5)
LIMIT 1000
----
-- accept
(SELECT id FROM a ORDER BY id LIMIT 5000)
-- rewritten:
(SELECT id FROM a ORDER BY id LIMIT 1000)
----
-- accept
(SELECT id FROM a ORDER BY id)
-- rewritten:
(SELECT id FROM a ORDER BY id)
LIMIT 1000
----
-- accept
((SELECT id FROM a) EXCEPT (SELECT id FROM b)) ORDER BY 1 LIMIT 20
-- rewritten: unchanged
----
-- accept
VALUES (1), (2), (3)
-- rewritten:
VALUES (1), (2), (3)
LIMIT 1000
----
-- accept
VALUES (1), (2) LIMIT 1500
-- rewritten:
VALUES (1), (2) LIMIT 1000
----
-- accept
TABLE orders
-- rewritten:
TABLE orders
LIMIT 1000
----
-- accept
TABLE orders LIMIT 2000
-- rewritten:
TABLE orders LIMIT 1000
----
-- accept
WITH recent AS (SELECT * FROM orders ORDER BY created_at DESC LIMIT 5000)
SELECT * FROM recent
-- rewritten:
WITH recent AS (SELECT * FROM orders ORDER BY created_at DESC LIMIT 5000)
SELECT * FROM recent
LIMIT 1000
----
-- accept
-- only the top level is capped; the CTE's LIMIT 5000 stays, the outer 2000 is lowered
WITH recent AS (SELECT * FROM orders ORDER BY created_at DESC LIMIT 5000)
SELECT * FROM recent LIMIT 2000
-- rewritten:
-- only the top level is capped; the CTE's LIMIT 5000 stays, the outer 2000 is lowered
WITH recent AS (SELECT * FROM orders ORDER BY created_at DESC LIMIT 5000)
SELECT * FROM recent LIMIT 1000
----
-- accept
-- row_cap: 50
SELECT * FROM orders LIMIT 100
-- rewritten:
SELECT * FROM orders LIMIT 50
----
-- accept
-- row_cap: 50
SELECT * FROM orders LIMIT 50
-- rewritten: unchanged
----
-- accept
-- row_cap: 50
SELECT * FROM orders
-- rewritten:
SELECT * FROM orders
LIMIT 50
----
-- accept
-- row_cap: 0
SELECT * FROM orders;
-- rewritten: unchanged
----
-- accept
SELECT 'LIMIT 5000' AS "LIMIT 5000" FROM orders /* LIMIT 5000 */
-- rewritten:
SELECT 'LIMIT 5000' AS "LIMIT 5000" FROM orders /* LIMIT 5000 */
LIMIT 1000
----
-- accept
SELECT 'é' AS accent, id FROM orders LIMIT 123456
-- rewritten:
SELECT 'é' AS accent, id FROM orders LIMIT 1000
