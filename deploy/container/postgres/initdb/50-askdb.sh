# shellcheck shell=bash disable=SC2154 # psql_run and file_env come from the entry point
# Sourced by the entry point at the first start, as the superuser over the socket (PGHOST and
# PGUSER are set). Makes what askdb needs, each part only when asked for:
#
#   ASKDB_STORE_PASSWORD (or _FILE)     role askdb owning database askdb: askdb's app store
#                                       (store.url), with pg_trgm
#   ASKDB_DEMO=yes                      database askdb_demo with askdb's demo data set, and ...
#   ASKDB_DATABASE_PASSWORD (or _FILE)  ... role askdb_reader, which may only read it (database.url)
#
# The variables are named as askdb's own settings database.password and store.password, so one
# env file can serve both containers.

file_env ASKDB_STORE_PASSWORD
file_env ASKDB_DATABASE_PASSWORD

# psql reads the passwords from the environment (\getenv), never from its command line.
if [ -n "${ASKDB_STORE_PASSWORD:-}" ]; then
  echo "askdb: role askdb and database askdb (the app store)"
  "${psql_run[@]}" -d postgres <<'SQL'
\getenv password ASKDB_STORE_PASSWORD
CREATE ROLE askdb LOGIN PASSWORD :'password';
CREATE DATABASE askdb OWNER askdb;
\connect askdb
CREATE EXTENSION IF NOT EXISTS pg_trgm;
SQL
fi

case "${ASKDB_DEMO:-no}" in
  yes | true | 1) ;;
  *) return 0 ;;
esac
if [ -z "${ASKDB_DATABASE_PASSWORD:-}" ]; then
  echo "askdb: ASKDB_DEMO=yes needs ASKDB_DATABASE_PASSWORD (or _FILE): the password of" \
    "askdb_reader, the role askdb reads the demo with." >&2
  return 1
fi
echo "askdb: database askdb_demo with the demo data set (about 10 seconds), role askdb_reader"
"${psql_run[@]}" -d postgres <<'SQL'
\getenv password ASKDB_DATABASE_PASSWORD
CREATE ROLE askdb_reader LOGIN PASSWORD :'password';
ALTER ROLE askdb_reader SET default_transaction_read_only = on;
CREATE DATABASE askdb_demo;
SQL
"${psql_run[@]}" -d askdb_demo -c "CREATE EXTENSION IF NOT EXISTS pg_trgm"
"${psql_run[@]}" -d askdb_demo -1 -f /usr/local/share/askdb/demo/schema.sql
"${psql_run[@]}" -d askdb_demo -1 -f /usr/local/share/askdb/demo/data.sql >/dev/null
"${psql_run[@]}" -d askdb_demo <<'SQL'
REVOKE ALL ON DATABASE askdb_demo FROM PUBLIC;
GRANT CONNECT ON DATABASE askdb_demo TO askdb_reader;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO askdb_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO askdb_reader;
SQL
