-- Analytic SQL an analyst (or an LLM writing for one) sends: all of it must pass the guard.
-- Most cases only check the verdict; limit_rewrite.sql checks the rewritten text in detail.

-- accept
SELECT 1
-- rewritten:
SELECT 1
LIMIT 1000
----
-- accept
SELECT customer_id, sum(amount) AS revenue
FROM orders
WHERE created_at >= date '2024-01-01'
GROUP BY customer_id
ORDER BY revenue DESC
LIMIT 10
-- rewritten: unchanged
----
-- accept
-- window functions: ranking, running totals, frames, named windows
SELECT region,
       product,
       sum(amount) AS sales,
       rank() OVER (PARTITION BY region ORDER BY sum(amount) DESC) AS rnk,
       sum(sum(amount)) OVER (PARTITION BY region) AS region_total,
       row_number() OVER w AS rn,
       lag(sum(amount)) OVER w AS prev_sales,
       avg(sum(amount)) OVER (w ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS moving_avg
FROM sales
GROUP BY region, product
WINDOW w AS (PARTITION BY region ORDER BY product)
----
-- accept
SELECT day, amount,
       sum(amount) OVER (ORDER BY day RANGE BETWEEN INTERVAL '6 days' PRECEDING AND CURRENT ROW) AS week_sum,
       first_value(amount) OVER (ORDER BY day), last_value(amount) OVER (ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING),
       ntile(4) OVER (ORDER BY amount), percent_rank() OVER (ORDER BY amount), cume_dist() OVER (ORDER BY amount),
       dense_rank() OVER (ORDER BY amount DESC), lead(amount, 1, 0) OVER (ORDER BY day), nth_value(amount, 2) OVER (ORDER BY day)
FROM daily_sales
----
-- accept
-- ordered-set aggregates (WITHIN GROUP)
SELECT department,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY salary) AS median_salary,
       percentile_disc(ARRAY[0.25, 0.75]) WITHIN GROUP (ORDER BY salary) AS quartiles,
       mode() WITHIN GROUP (ORDER BY title) AS common_title
FROM employees
GROUP BY department
----
-- accept
-- hypothetical-set aggregate
SELECT rank(50000) WITHIN GROUP (ORDER BY salary DESC) FROM employees
----
-- accept
SELECT region, product, sum(amount) FROM sales GROUP BY GROUPING SETS ((region, product), (region), ())
----
-- accept
SELECT region, product, sum(amount), grouping(region, product) AS g FROM sales GROUP BY ROLLUP (region, product)
----
-- accept
SELECT region, channel, count(*) FROM sales GROUP BY CUBE (region, channel) HAVING count(*) > 10
----
-- accept
-- LATERAL: top 3 orders per customer
SELECT c.name, o.id, o.amount
FROM customers c
CROSS JOIN LATERAL (
  SELECT id, amount FROM orders WHERE orders.customer_id = c.id ORDER BY amount DESC LIMIT 3
) o
----
-- accept
SELECT c.name, last_order.created_at
FROM customers c
LEFT JOIN LATERAL (SELECT max(created_at) AS created_at FROM orders o WHERE o.customer_id = c.id) last_order ON true
----
-- accept
-- nested CTEs, a CTE inside a CTE
WITH monthly AS (
  WITH base AS (SELECT date_trunc('month', created_at) AS month, amount FROM orders)
  SELECT month, sum(amount) AS total FROM base GROUP BY month
), growth AS (
  SELECT month, total, total / nullif(lag(total) OVER (ORDER BY month), 0) - 1 AS mom
  FROM monthly
)
SELECT * FROM growth ORDER BY month
----
-- accept
WITH t AS MATERIALIZED (SELECT * FROM orders), u AS NOT MATERIALIZED (SELECT * FROM t WHERE amount > 0) SELECT count(*) FROM u
----
-- accept
SELECT DISTINCT ON (customer_id) customer_id, created_at, amount
FROM orders
ORDER BY customer_id, created_at DESC
----
-- accept
SELECT count(*) FILTER (WHERE status = 'paid') AS paid,
       count(*) FILTER (WHERE status <> 'paid') AS unpaid,
       sum(amount) FILTER (WHERE status = 'refunded') AS refunded
FROM orders
----
-- accept
-- recursive CTE: an org chart
WITH RECURSIVE chain(id, manager_id, depth, path) AS (
  SELECT id, manager_id, 0, ARRAY[id] FROM employees WHERE manager_id IS NULL
  UNION ALL
  SELECT e.id, e.manager_id, c.depth + 1, c.path || e.id
  FROM employees e JOIN chain c ON e.manager_id = c.id
)
SEARCH DEPTH FIRST BY id SET ordercol
SELECT * FROM chain ORDER BY ordercol
----
-- accept
WITH RECURSIVE n(i) AS (VALUES (1) UNION ALL SELECT i + 1 FROM n WHERE i < 100) CYCLE i SET is_cycle USING path SELECT sum(i) FROM n
----
-- accept
SELECT id,
       CASE WHEN amount >= 1000 THEN 'large' WHEN amount >= 100 THEN 'medium' ELSE 'small' END AS bucket,
       CASE status WHEN 'paid' THEN 1 ELSE 0 END AS is_paid
FROM orders
----
-- accept
-- casts in every spelling
SELECT amount::numeric(12, 2), CAST(created_at AS date), '2024-01-01'::timestamptz, int4 '42',
       quantity::text::int, '{1,2,3}'::int[], 'a'::regclass IS NOT NULL
FROM orders
----
-- accept
SELECT EXTRACT(year FROM created_at) AS y, EXTRACT(EPOCH FROM now() - created_at) / 3600 AS hours_ago,
       date_part('dow', created_at), date_trunc('week', created_at), created_at::date - 7,
       age(now(), created_at), to_char(created_at, 'YYYY-MM'), make_date(2024, 1, 1),
       justify_interval(interval '40 days'), created_at AT TIME ZONE 'UTC'
FROM orders
----
-- accept
SELECT d::date AS day, coalesce(sum(o.amount), 0) AS revenue
FROM generate_series(date '2024-01-01', date '2024-01-31', interval '1 day') AS d
LEFT JOIN orders o ON o.created_at::date = d::date
GROUP BY d
ORDER BY d
----
-- accept
SELECT * FROM generate_series(1, 10) WITH ORDINALITY AS g(n, ord)
----
-- accept
SELECT * FROM ROWS FROM (generate_series(1, 3), unnest(ARRAY['a', 'b'])) AS t(n, letter)
----
-- accept
SELECT customer_id, string_agg(DISTINCT product, ', ' ORDER BY product) AS products,
       array_agg(amount ORDER BY created_at) AS amounts, bool_and(paid), every(paid), bit_or(flags)
FROM orders GROUP BY customer_id
----
-- accept
-- JSON and JSONB
SELECT payload->>'event' AS event, payload#>>'{user,id}' AS user_id, jsonb_array_length(payload->'items'),
       jsonb_build_object('id', id, 'n', 1), json_agg(id) OVER (), payload @> '{"ok": true}',
       jsonb_path_query_first(payload, '$.items[0].price'), to_jsonb(e), row_to_json(e)
FROM events e
WHERE payload ? 'event'
----
-- accept
SELECT e.id, item.value->>'sku' AS sku, (item.value->>'qty')::int AS qty
FROM events e, jsonb_array_elements(e.payload->'items') AS item
----
-- accept
SELECT * FROM jsonb_to_recordset('[{"a":1,"b":"x"}]'::jsonb) AS r(a int, b text)
----
-- accept
SELECT k, v FROM json_each_text('{"a":"1","b":"2"}')
AS kv(k, v)
----
-- accept
-- text functions
SELECT lower(name), upper(name), initcap(name), length(name), substring(name FROM 1 FOR 3),
       trim(both ' ' FROM name), position('a' IN name), split_part(email, '@', 2), replace(name, 'a', 'b'),
       regexp_replace(phone, '\D', '', 'g'), left(name, 1), concat_ws('-', a, b), format('%s: %s', a, b),
       name ILIKE '%smith%', name SIMILAR TO '(a|b)%', md5(name), overlay(name PLACING 'x' FROM 1 FOR 1)
FROM people
----
-- accept
-- pg_trgm (the extension is in the catalog snapshot)
SELECT city, similarity(city, 'Sao Paulo') AS score FROM cities WHERE city % 'Sao Paulo' ORDER BY score DESC
----
-- accept
SELECT x FROM (VALUES (1), (2), (3)) AS v(x) WHERE x IN (SELECT generate_series(1, 2))
----
-- accept
VALUES (1, 'one'), (2, 'two')
----
-- accept
TABLE orders
----
-- accept
SELECT * FROM orders o WHERE EXISTS (SELECT 1 FROM refunds r WHERE r.order_id = o.id) AND NOT EXISTS (SELECT 1 FROM disputes d WHERE d.order_id = o.id)
----
-- accept
SELECT o.*, (SELECT max(amount) FROM orders o2 WHERE o2.customer_id = o.customer_id) AS best
FROM orders o
WHERE amount > ALL (SELECT amount FROM orders WHERE status = 'refunded')
   OR amount = ANY (ARRAY[1, 2, 3])
----
-- accept
SELECT a.id FROM a FULL OUTER JOIN b USING (id) NATURAL JOIN c RIGHT JOIN d ON d.id = a.id
----
-- accept
SELECT percentile_cont(0.9) WITHIN GROUP (ORDER BY amount) FILTER (WHERE status = 'paid') FROM orders
----
-- accept
-- statistics aggregates
SELECT corr(x, y), covar_samp(x, y), regr_slope(y, x), stddev(x), variance(y), stddev_pop(x) FROM points
----
-- accept
SELECT width_bucket(amount, 0, 1000, 10) AS bucket, count(*) FROM orders GROUP BY 1 ORDER BY 1
----
-- accept
SELECT round(avg(amount)::numeric, 2), ceil(max(amount)), floor(min(amount)), abs(-1), greatest(1, 2), least(1, 2), nullif(a, b), coalesce(a, b, 0)
FROM orders
----
-- accept
-- the allow-listed volatile functions
SELECT random() AS r, clock_timestamp(), timeofday(), statement_timestamp(), gen_random_uuid()
----
-- accept
SELECT * FROM orders TABLESAMPLE BERNOULLI (10) REPEATABLE (42) ORDER BY random()
----
-- accept
SELECT relname, pg_size_pretty(pg_total_relation_size(c.oid)) AS size
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind = 'r'
ORDER BY pg_total_relation_size(c.oid) DESC
----
-- accept
-- current_setting is allowed: it only reads (what the role may read anyway through pg_settings)
SELECT current_setting('TimeZone'), current_user, session_user, current_database(), version(), current_date, current_timestamp, localtime
----
-- accept
SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position
----
-- accept
-- schema-qualified calls are judged by the last name part
SELECT pg_catalog.lower('X'), pg_catalog.date_trunc('day', now()), public.orders.id FROM public.orders
----
-- accept
SELECT tstzrange(start_at, end_at) && tstzrange(now(), now() + interval '1 day'), upper(tstzrange(start_at, end_at)), lower_inf('[,1]'::int4range) FROM bookings
----
-- accept
SELECT array_length(tags, 1), unnest(tags), tags[1], tags[1:2], cardinality(tags), array_position(tags, 'x'), 'x' = ANY (tags) FROM posts
----
-- accept
SELECT to_tsvector('english', body) @@ websearch_to_tsquery('english', 'refund policy') AS hit, ts_rank(to_tsvector(body), plainto_tsquery('refund')) FROM docs
----
-- accept
SELECT ROW(1, 'a') = ROW(1, 'a'), (1, 2) < (1, 3), x IS DISTINCT FROM y, x BETWEEN SYMMETRIC 1 AND 10, b IS TRUE FROM t
----
-- accept
SELECT xmlelement(name item, xmlattributes(id AS id), name), xmlforest(id, name), xmlagg(xmlelement(name x, id)) OVER () FROM items
----
-- accept
-- a set operation with ORDER BY over the whole
SELECT id, 'customer' AS kind FROM customers UNION ALL SELECT id, 'supplier' FROM suppliers ORDER BY id
----
-- accept
(SELECT id FROM a INTERSECT SELECT id FROM b) EXCEPT ALL (SELECT id FROM c)
----
-- accept
   -- a comment before the query
   /* and a block comment */
   SELECT 42 AS answer   ;
-- rewritten:
-- a comment before the query
   /* and a block comment */
   SELECT 42 AS answer
LIMIT 1000
----
-- accept
SELECT 'it''s; not -- a comment', E'tab\t', $tag$ $$ ; -- $tag$, U&'\0041' FROM t
----
-- accept
SELECT "Order Id", "select" FROM "My Schema"."Order Table" AS "o"
----
-- accept
SELECT count(*) FROM orders WHERE created_at > now() - interval '30 days' AND customer_id = ANY ('{1,2}'::int[]) AND note IS NOT NULL AND amount::float8 > 1e3
----
-- accept
SELECT gs.month, count(o.id) FROM generate_series(date_trunc('month', now()) - interval '11 months', date_trunc('month', now()), interval '1 month') AS gs(month) LEFT JOIN orders o ON date_trunc('month', o.created_at) = gs.month GROUP BY gs.month ORDER BY gs.month
----
-- accept
SELECT * FROM unnest(ARRAY[1, 2], ARRAY['a', 'b']) AS u(n, s) JOIN LATERAL generate_series(1, u.n) AS g ON true
----
-- accept
SELECT id FROM orders ORDER BY amount DESC NULLS LAST, id USING < OFFSET 20 ROWS FETCH NEXT 10 ROWS ONLY
-- rewritten: unchanged
----
-- accept
SELECT a.id FROM accounts a WHERE a.balance > (SELECT avg(balance) FROM accounts) GROUP BY a.id HAVING sum(a.balance) > 0 ORDER BY sum(a.balance)
----
-- accept
SELECT json_object_agg(k, v), jsonb_object_agg(k, v), jsonb_agg(DISTINCT v) FROM kv
----
-- accept
SELECT pg_typeof(1), to_number('12,454.8-', '99G999D9S'), to_date('05 Dec 2000', 'DD Mon YYYY'), to_timestamp(1284352323), now()::time
