-- Function calls the guard refuses, wherever they hide: deny-listed functions (whatever their
-- volatility), volatile functions outside the harmless allow-list, and unknown functions.

-- reject: denied_function
SELECT pg_sleep(1)
-- message: pg_sleep is not allowed: it only waits
-- message: Rewrite the query without pg_sleep.
----
-- reject: denied_function
SELECT pg_catalog.pg_sleep(1)
-- message: pg_sleep is not allowed
----
-- reject: denied_function
SELECT PG_SLEEP_FOR('5 minutes')
-- message: pg_sleep_for is not allowed
----
-- reject: denied_function
SELECT 1 WHERE pg_sleep_until(now() + interval '1 hour') IS NOT NULL
----
-- reject: denied_function
SELECT * FROM pg_read_file('/etc/passwd')
-- message: pg_read_file is not allowed: it reads or lists files on the database server
----
-- reject: denied_function
SELECT pg_read_binary_file('/etc/shadow')
----
-- reject: denied_function
SELECT * FROM pg_ls_dir('.') AS f
----
-- reject: denied_function
SELECT (pg_stat_file('postgresql.conf')).size
----
-- reject: denied_function
SELECT lo_import('/etc/passwd')
-- message: lo_import is not allowed: it reads or writes large objects
----
-- reject: denied_function
SELECT lo_export(16384, '/tmp/x')
----
-- reject: denied_function
SELECT lo_get(16384)
----
-- reject: denied_function
SELECT loread(lo_open(16384, 262144), 100)
----
-- reject: denied_function
-- not installed in the snapshot, yet refused as deny-listed (not merely unknown)
SELECT * FROM dblink('host=evil', 'DELETE FROM orders') AS t(x int)
-- message: dblink is not allowed: it connects to another database
----
-- reject: denied_function
SELECT set_config('statement_timeout', '0', false)
-- message: set_config is not allowed: it changes server or session settings
----
-- reject: denied_function
SELECT pg_terminate_backend(pid) FROM pg_stat_activity
-- message: pg_terminate_backend is not allowed: it signals or stops other database sessions
----
-- reject: denied_function
SELECT pg_cancel_backend(123)
----
-- reject: denied_function
SELECT nextval('s')
-- message: nextval is not allowed: it reads or advances a sequence
----
-- reject: denied_function
SELECT setval('orders_id_seq', 1)
----
-- reject: denied_function
SELECT currval('orders_id_seq')
----
-- reject: denied_function
SELECT lastval()
----
-- reject: denied_function
SELECT pg_advisory_lock(42)
-- message: takes or releases advisory locks
----
-- reject: denied_function
SELECT pg_try_advisory_xact_lock(42)
----
-- reject: denied_function
SELECT pg_notify('channel', 'payload')
----
-- reject: denied_function
SELECT pg_reload_conf()
----
-- reject: denied_function
SELECT pg_rotate_logfile()
----
-- reject: denied_function
SELECT pg_switch_wal()
----
-- reject: denied_function
SELECT pg_create_logical_replication_slot('s', 'test_decoding')
----
-- reject: denied_function
SELECT pg_drop_replication_slot('s')
----
-- reject: denied_function
SELECT * FROM pg_logical_slot_get_changes('s', NULL, NULL)
----
-- reject: denied_function
SELECT pg_replication_origin_create('o')
----
-- reject: denied_function
SELECT query_to_xml('DELETE FROM orders RETURNING *', true, false, '')
-- message: query_to_xml is not allowed: it runs a SQL string of its own
----
-- reject: denied_function
SELECT query_to_xml_and_xmlschema('SELECT 1', true, false, '')
----
-- reject: denied_function
SELECT table_to_xml('orders', true, false, '')
----
-- reject: denied_function
SELECT cursor_to_xml('c', 10, true, false, '')
----
-- reject: denied_function
SELECT database_to_xml(true, false, '')
----
-- reject: denied_function
SELECT schema_to_xmlschema('public', true, false, '')
----
-- reject: denied_function
SELECT * FROM ts_stat('SELECT to_tsvector(body) FROM docs')
-- message: runs a SQL string
----
-- reject: denied_function
-- txid_current is stable in pg_proc, yet it assigns a transaction ID: the deny-list wins
SELECT txid_current()
-- message: txid_current is not allowed: it assigns a transaction ID
----
-- reject: denied_function
SELECT pg_current_xact_id()
----
-- reject: denied_function
SELECT pg_import_system_collations('pg_catalog')
----
-- reject: denied_function
SELECT pg_promote()
----
-- reject: denied_function
SELECT pg_file_write('x', 'y', false)
-- message: writes or removes files
----
-- reject: denied_function
-- nested in the arguments of allowed functions
SELECT upper(coalesce(lower(pg_read_file('/etc/hostname')), 'x'))
-- message: pg_read_file
----
-- reject: denied_function
SELECT * FROM orders WHERE id IN (SELECT id FROM orders WHERE pg_sleep(0.1) IS NOT NULL)
----
-- reject: denied_function
WITH RECURSIVE r AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM r WHERE pg_sleep(1) IS NULL) SELECT * FROM r
----
-- reject: denied_function
SELECT * FROM orders o CROSS JOIN LATERAL (SELECT pg_advisory_lock(o.id)) l
----
-- reject: denied_function
SELECT id FROM orders ORDER BY pg_sleep(0.01)
----
-- reject: denied_function
SELECT sum(amount) OVER (PARTITION BY pg_backend_pid() + nextval('s')) FROM orders
----
-- reject: denied_function
SELECT count(*) FILTER (WHERE pg_sleep(1) IS NULL) FROM orders
----
-- reject: denied_function
SELECT id FROM orders GROUP BY id HAVING max(lo_unlink(16384)) > 0
----
-- reject: denied_function
SELECT CASE WHEN false THEN pg_terminate_backend(1) END
----
-- reject: denied_function
SELECT 1 UNION SELECT 2 FROM pg_ls_waldir()
----
-- reject: denied_function
SELECT * FROM ROWS FROM (generate_series(1, 2), pg_ls_logdir()) AS t
----
-- reject: denied_function
SELECT ARRAY(SELECT pg_sleep(1))
----
-- reject: denied_function
-- the deny-listed call is reported even when an unknown one comes first
SELECT no_such_function(1), pg_sleep(1)
-- message: pg_sleep is not allowed
----
-- reject: volatile_function
SELECT setseed(0.5)
-- message: setseed is not allowed: it is a volatile function
-- message: Rewrite the query without setseed.
----
-- reject: volatile_function
SELECT setseed(0.5), random()
-- message: setseed
----
-- reject: volatile_function
SELECT random() > 0.5 AND brin_summarize_range('idx'::regclass, 0) > 0
----
-- reject: volatile_function
SELECT brin_summarize_new_values('idx'::regclass)
-- message: brin_summarize_new_values is not allowed
----
-- reject: volatile_function
SELECT * FROM orders WHERE id = (SELECT gin_clean_pending_list('idx'::regclass))
----
-- reject: volatile_function
SELECT current_query() = ANY (SELECT pg_current_wal_lsn()::text)
-- message: current_query
----
-- reject: unknown_function
SELECT no_such_function(1)
-- message: Function no_such_function does not exist in this database
-- message: check the name and spelling
----
-- reject: unknown_function
SELECT datediff(day, created_at, now()) FROM orders
-- message: Function datediff does not exist
----
-- reject: unknown_function
SELECT * FROM orders WHERE ifnull(note, '') = ''
-- message: ifnull
----
-- reject: unknown_function
-- quoted names keep their case; PostgreSQL has no "Lower"
SELECT "Lower"('X')
-- message: Function Lower does not exist
----
-- reject: unknown_function
SELECT * FROM my_schema.my_table_function(1)
-- message: my_table_function
----
-- reject: unknown_function
SELECT strftime('%Y', created_at) FROM orders
----
-- reject: denied_function
VALUES (1, nextval('orders_id_seq'))
----
-- reject: denied_function
SELECT * FROM orders o JOIN customers c ON c.id = o.customer_id AND pg_sleep(1) IS NOT NULL
----
-- reject: denied_function
SELECT * FROM orders LIMIT pg_sleep(1)::text::int
----
-- reject: denied_function
SELECT CAST(pg_read_file('/etc/passwd') AS xml)
----
-- reject: denied_function
SELECT COALESCE(NULL, pg_ls_dir('/'), 'x')
----
-- reject: denied_function
SELECT sum(amount) FROM orders GROUP BY ROLLUP (nextval('s'))
----
-- reject: denied_function
SELECT xmlelement(name x, pg_read_file('/etc/passwd'))
----
-- reject: denied_function
SELECT 1 FROM orders WHERE amount > ANY (ARRAY(SELECT lo_get(16384)::text::int))
