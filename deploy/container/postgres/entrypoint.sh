#!/usr/bin/env bash
# Entry point of deploy/container/postgres: at the first start (an empty $PGDATA) initialises
# the cluster the way the official postgres image does at its simplest, then runs PostgreSQL in
# the foreground in place of this script (exec), so the stop signal reaches it.
#
#   POSTGRES_PASSWORD (or POSTGRES_PASSWORD_FILE)  the superuser's password; required
#   POSTGRES_USER  the superuser (default postgres)    POSTGRES_DB  a database to create
#   /docker-entrypoint-initdb.d/*.sql, *.sql.gz, *.sh   run once, in name order, as the superuser
#
# Arguments: "postgres ..." or server options alone ("-c port=5433"); anything else runs as is.
set -euo pipefail

if [ "${1:-postgres}" = postgres ]; then
  [ $# -gt 0 ] && shift
  set -- postgres "$@"
elif [ "${1:0:1}" = - ]; then
  set -- postgres "$@"
else
  exec "$@"
fi

# VAR_FILE names a file holding VAR's value (a mounted secret); both set is a mistake.
file_env() {
  local var=$1 file_var="${1}_FILE"
  if [ -n "${!var:-}" ] && [ -n "${!file_var:-}" ]; then
    echo "postgres-entrypoint: both $var and $file_var are set; set one." >&2
    exit 1
  fi
  if [ -n "${!file_var:-}" ]; then
    if [ ! -r "${!file_var}" ]; then
      echo "postgres-entrypoint: $file_var names ${!file_var}, which cannot be read." >&2
      exit 1
    fi
    export "$var"="$(<"${!file_var}")"
  fi
  unset "$file_var"
}

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  file_env POSTGRES_PASSWORD
  if [ -z "${POSTGRES_PASSWORD:-}" ]; then
    echo "postgres-entrypoint: the database in $PGDATA is not initialised and POSTGRES_PASSWORD" \
      "is not set. Set POSTGRES_PASSWORD (or POSTGRES_PASSWORD_FILE) to the superuser's password." >&2
    exit 1
  fi
  export POSTGRES_USER=${POSTGRES_USER:-postgres}
  # A half-made cluster is not made again at the next start: say so.
  trap 'echo "postgres-entrypoint: initialising $PGDATA failed (above). Empty it (remove the" \
    "volume) before starting again." >&2' ERR
  echo "postgres-entrypoint: initialising $PGDATA (superuser $POSTGRES_USER)"
  # The password goes through a file that only this process can read, never the command line.
  pwfile=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
  # Socket connections inside the container are trusted, as in the official image (only this
  # container's processes reach the socket); over TCP every role needs its password.
  initdb --username="$POSTGRES_USER" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 -D "$PGDATA" >/dev/null
  rm -f "$pwfile"
  printf '%s\n' "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
  printf '%s\n' "listen_addresses = '*'" >>"$PGDATA/postgresql.conf"

  # A private server on the socket only while the scripts run: nothing outside can connect to a
  # half-made database, and the TCP health check stays unhealthy until the real start.
  pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -c unix_socket_directories=/var/run/postgresql" \
    -w -t 120 start >/dev/null
  export PGHOST=/var/run/postgresql PGUSER=$POSTGRES_USER PGDATABASE=postgres
  psql_run=(psql -v ON_ERROR_STOP=1 --no-psqlrc -q)
  if [ -n "${POSTGRES_DB:-}" ] && [ "$POSTGRES_DB" != postgres ]; then
    "${psql_run[@]}" -c "CREATE DATABASE \"$POSTGRES_DB\"" >/dev/null
  fi
  export PGDATABASE=${POSTGRES_DB:-postgres}
  for f in /docker-entrypoint-initdb.d/*; do
    [ -e "$f" ] || continue
    case "$f" in
      *.sh)
        echo "postgres-entrypoint: running $f"
        # shellcheck source=/dev/null
        . "$f"
        ;;
      *.sql) echo "postgres-entrypoint: running $f"; "${psql_run[@]}" -f "$f" ;;
      *.sql.gz) echo "postgres-entrypoint: running $f"; gunzip -c "$f" | "${psql_run[@]}" ;;
      *) echo "postgres-entrypoint: ignoring $f" ;;
    esac
  done
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  trap - ERR
  echo "postgres-entrypoint: initialised; starting PostgreSQL"
fi

exec "$@"
