#!/usr/bin/env bash
# Builds askdb's container image and its PostgreSQL image with podman, from Debian's packages
# only, and tests them for real: PostgreSQL with the demo data and askdb in containers, a fake
# LLM (tests/support/fake_openai) on the host, then /healthz, /readyz, the image's HEALTHCHECK,
# a refusal without a login, an account, a login and one question answered through the API.
#
#   scripts/container-test.sh          # build both images and test them (`make container-test`)
#   scripts/container-test.sh image    # build both images only (`make image`)
#
# Environment (all optional):
#   FAKE_OPENAI    the fake LLM server binary (test only; default build-asan/fake_openai, which
#                  `make test` builds; `make container-test` builds it when missing)
#   BASE_IMAGE     Debian 12 image to build on (default debian:bookworm-slim). When no image of
#                  that name is in podman's storage, scripts/container-base.sh makes one with
#                  debootstrap from this machine's Debian mirror (no registry is needed).
#   ASKDB_IMAGE, ASKDB_PG_IMAGE  the tags to build (localhost/askdb:latest,
#                  localhost/askdb-postgres:latest)
#   JOBS           compile jobs inside the build (default: the cores here)
#   CONTAINER_BUILD  folder for podman's settings and the logs (default build-container)
#
# Every container runs with --network host and every port is on 127.0.0.1, so nothing leaves
# the machine and no container network (CNI, netavark) is needed. Everything started here is
# stopped at the end, also on failure or Ctrl-C. Needs root (podman's storage, debootstrap), or
# sudo, which it re-runs itself with. Prints the image size and the time each step took.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-test}
case "$mode" in
  test | image) ;;
  *)
    echo "usage: scripts/container-test.sh [test|image]" >&2
    exit 2
    ;;
esac

if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "container-test: podman's storage and debootstrap need root, and sudo is not installed;" \
      "run this as root." >&2
    exit 1
  fi
  exec sudo --preserve-env=FAKE_OPENAI,BASE_IMAGE,ASKDB_IMAGE,ASKDB_PG_IMAGE,JOBS,CONTAINER_BUILD \
    "$0" "$@"
fi

work=${CONTAINER_BUILD:-build-container}
base=${BASE_IMAGE:-debian:bookworm-slim}
image=${ASKDB_IMAGE:-localhost/askdb:latest}
pg_image=${ASKDB_PG_IMAGE:-localhost/askdb-postgres:latest}
jobs=${JOBS:-$(nproc)}
fake_openai=${FAKE_OPENAI:-build-asan/fake_openai}
started=$SECONDS
step() { echo "container-test: [$((SECONDS - started)) s] $*"; }

# Debian's podman, runc (the OCI runtime podman is set to use below), debootstrap for
# the base; curl and jq for the test's HTTP calls, iproute2 (ss) to find free ports.
packages=(podman runc debootstrap)
[ "$mode" = test ] && packages+=(curl jq iproute2)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  step "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q || echo "container-test: apt-get update failed; trying with the lists at hand" >&2
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# podman's settings for this run only: runc, and limits that fit these machines. Without them
# every container fails to start here with "error setting rlimit type 7: operation not
# permitted" (podman asks for a nofile limit above what a container may have on them).
mkdir -p "$work"
cat >"$work/containers.conf" <<'EOF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]

[engine]
runtime = "runc"
EOF
CONTAINERS_CONF=$(realpath "$work/containers.conf")
export CONTAINERS_CONF

# ---- images -------------------------------------------------------------------------------------
step "base image $base"
scripts/container-base.sh "$base"

# --network host: RUN steps reach the Debian mirror (and npm, for a context without
# web/vendor/chart.umd.js) exactly as this machine does. --format docker keeps HEALTHCHECK,
# which the OCI format has no field for.
build=(podman build --format docker --network host --build-arg "BASE_IMAGE=$base")
step "building $image (log: $work/image.log)"
if ! "${build[@]}" --build-arg "JOBS=$jobs" -f Containerfile -t "$image" . >"$work/image.log" 2>&1; then
  tail -30 "$work/image.log" >&2
  echo "container-test: building $image failed; the whole log is $work/image.log" >&2
  exit 1
fi
step "building $pg_image (log: $work/postgres-image.log)"
if ! "${build[@]}" -f deploy/container/postgres/Containerfile -t "$pg_image" . \
  >"$work/postgres-image.log" 2>&1; then
  tail -30 "$work/postgres-image.log" >&2
  echo "container-test: building $pg_image failed; the whole log is $work/postgres-image.log" >&2
  exit 1
fi
size=$(podman image inspect --format '{{.Size}}' "$image")
step "$image is $((size / 1000000)) MB ($size bytes; podman image inspect --format '{{.Size}}')"
[ "$mode" = image ] && exit 0

# ---- test ---------------------------------------------------------------------------------------
if [ ! -x "$fake_openai" ]; then
  echo "container-test: the fake LLM server $fake_openai is missing; build it with" \
    "\`cmake --build build-asan --target fake_openai\` (make container-test does) or set FAKE_OPENAI." >&2
  exit 1
fi

run_id=$$
pg_name=askdb-test-postgres-$run_id
askdb_name=askdb-test-$run_id
tmp=$(mktemp -d "${TMPDIR:-/tmp}/askdb-container-test.XXXXXX")
fake_pid=
cleanup() {
  local status=$?
  trap '' INT TERM # a second Ctrl-C must not cut the cleanup short
  # Only what this run started: its two containers by name, the fake LLM by its PID.
  # One at a time: podman 4.3's `rm -f A B` removes nothing when A does not exist. -v: with the
  # PostgreSQL container's anonymous data volume.
  for c in "$askdb_name" "$pg_name"; do
    if podman container exists "$c"; then podman rm -f -v -t 5 "$c" >/dev/null 2>&1 || true; fi
  done
  [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null && wait "$fake_pid" 2>/dev/null
  rm -rf "$tmp"
  if [ $status -ne 0 ]; then
    echo "container-test: FAILED after $((SECONDS - started)) s (logs above)" >&2
  fi
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
  echo "container-test: $*" >&2
  [ -s "$tmp/podman.err" ] && { echo "--- podman's messages:" >&2; cat "$tmp/podman.err" >&2; }
  for c in "$askdb_name" "$pg_name"; do
    if podman container exists "$c"; then
      echo "--- last lines of $c's log:" >&2
      podman logs --tail 30 "$c" >&2 || true
    fi
  done
  exit 1
}

# A loopback port nobody listens on (the kernel's ephemeral range is left alone).
free_port() {
  local port
  for _ in $(seq 50); do
    port=$((20000 + RANDOM % 10000))
    if ! ss -Htln "sport = :$port" | grep -q .; then
      echo "$port"
      return 0
    fi
  done
  fail "no free loopback port found"
}

# The fake LLM on the host: SQL for the question, then an answer in words.
cat >"$tmp/llm.json" <<'EOF'
{
  "default_reply": "```sql\nSELECT count(*) AS orders FROM orders\n```",
  "rules": [
    {"match": "Answer the question from this result", "reply": "There are 111,333 orders.", "once": false}
  ]
}
EOF
"$fake_openai" --port 0 --script "$tmp/llm.json" --port-file "$tmp/llm.port" >"$tmp/llm.log" 2>&1 &
fake_pid=$!
for _ in $(seq 100); do [ -s "$tmp/llm.port" ] && break; sleep 0.1; done
[ -s "$tmp/llm.port" ] || fail "the fake LLM did not start: $(cat "$tmp/llm.log")"
llm_port=$(cat "$tmp/llm.port")

pg_port=$(free_port)
password=container-test-only
step "starting PostgreSQL with the demo data on 127.0.0.1:$pg_port"
# Without systemd, podman cannot run health checks on a timer and says so on stderr at each start
# and stop (kept in $tmp/podman.err, shown on failure); the test runs them itself with
# `podman healthcheck run`, which runs the image's HEALTHCHECK command in the container.
podman run -d --name "$pg_name" --network host 2>>"$tmp/podman.err" \
  -e POSTGRES_PASSWORD="$password" -e ASKDB_DEMO=yes \
  -e ASKDB_DATABASE_PASSWORD="$password" -e ASKDB_STORE_PASSWORD="$password" \
  -e PGPORT="$pg_port" "$pg_image" -c listen_addresses=127.0.0.1 >/dev/null
for _ in $(seq 180); do
  podman healthcheck run "$pg_name" >/dev/null 2>&1 && break
  if [ "$(podman inspect -f '{{.State.Running}}' "$pg_name")" != true ]; then
    fail "PostgreSQL stopped"
  fi
  sleep 1
done
podman healthcheck run "$pg_name" >/dev/null 2>&1 || fail "PostgreSQL did not become healthy in 3 minutes"

askdb_port=$(free_port)
# The image's settings plus where things are. The server stays on 127.0.0.1 here: with
# --network host the container shares this machine's addresses, and the test reaches it on
# loopback; the image's own 0.0.0.0 is tried by the refusal below, which exits before listening.
askdb_env=(
  -e "DATABASE_URL=postgresql://askdb_reader:$password@127.0.0.1:$pg_port/askdb_demo"
  -e "ASKDB_STORE_URL=postgresql://askdb:$password@127.0.0.1:$pg_port/askdb"
  -e "ASKDB_PATHS_KNOWLEDGE_DIR=/usr/local/share/askdb/demo"
  -e "ASKDB_SERVER_PORT=$askdb_port"
  -e "ASKDB_LLM_BASE_URL=http://127.0.0.1:$llm_port/v1" -e ASKDB_LLM_MODEL=fake
)

step "askdb refuses 0.0.0.0 without server.auth"
set +e
refused=$(podman run --rm --network host "${askdb_env[@]}" "$image" 2>&1)
refused_status=$?
set -e
[ $refused_status -eq 2 ] || fail "askdb serve without ASKDB_SERVER_AUTH exited $refused_status, not 2: $refused"
grep -q 'ASKDB_SERVER_AUTH=local' <<<"$refused" || fail "the refusal does not name ASKDB_SERVER_AUTH: $refused"

step "adding an account with \`askdb users add\` in a container"
printf '%s\n' "a long test passphrase" |
  podman run --rm -i --network host "${askdb_env[@]}" "$image" users add tester >"$tmp/users.log" 2>&1 ||
  fail "askdb users add failed: $(cat "$tmp/users.log")"

step "starting askdb on 127.0.0.1:$askdb_port"
podman run -d --name "$askdb_name" --network host "${askdb_env[@]}" \
  -e ASKDB_SERVER_HOST=127.0.0.1 -e ASKDB_SERVER_AUTH=local "$image" >/dev/null 2>>"$tmp/podman.err"
url=http://127.0.0.1:$askdb_port
for _ in $(seq 120); do
  curl -fsS -o /dev/null "$url/healthz" 2>/dev/null && break
  [ "$(podman inspect -f '{{.State.Running}}' "$askdb_name")" = true ] || fail "askdb stopped"
  sleep 1
done

step "checking /healthz, /readyz, the HEALTHCHECK, the user"
curl -fsS "$url/healthz" | jq -e '.status == "ok"' >/dev/null || fail "/healthz did not answer ok"
ready=$(curl -sS "$url/readyz")
jq -e '.status == "ready" and .database == "ok" and .store == "ok"' <<<"$ready" >/dev/null ||
  fail "/readyz is not ready: $ready"
podman healthcheck run "$askdb_name" >/dev/null || fail "the image's HEALTHCHECK (askdb health) failed"
uid=$(podman exec "$askdb_name" id -u)
[ "$uid" != 0 ] || fail "askdb runs as root in the container"

step "asking a question through the API"
jar=$tmp/cookies
curl -fsS -c "$jar" -H 'Content-Type: application/json' \
  -d '{"user": "tester", "password": "a long test passphrase"}' "$url/api/v1/login" >/dev/null ||
  fail "login failed"
csrf=$(curl -fsS -b "$jar" "$url/api/v1/session" | jq -r .csrf)
api=(curl -fsS -b "$jar" -H 'Content-Type: application/json' -H "X-CSRF-Token: $csrf")
conversation=$("${api[@]}" -d '{}' "$url/api/v1/conversations" | jq -r .id)
reply=$("${api[@]}" -d '{"question": "How many orders are there?"}' \
  "$url/api/v1/conversations/$conversation/messages")
jq -e '.message.status == "done" and (.message.rows[0][0] | tostring) == "111333" and
       (.message.answer | contains("111,333 orders"))' <<<"$reply" >/dev/null ||
  fail "the question was not answered as expected: $reply"
jq -r '"  SQL: \(.message.sql | gsub("\n"; " "))\n  rows: \(.message.rows)\n  answer: \(.message.answer)"' <<<"$reply"

step "stopping askdb with SIGTERM"
podman stop -t 30 "$askdb_name" >/dev/null 2>>"$tmp/podman.err"
# Stopped by itself within the grace (exit 0, as ECS expects), not killed, and said so in its
# JSON log.
exit_code=$(podman inspect --format '{{.State.ExitCode}}' "$askdb_name")
[ "$exit_code" = 0 ] || fail "askdb exited $exit_code after SIGTERM, not 0"
podman logs "$askdb_name" 2>&1 | grep -q '"message":"stopped"' || fail "askdb did not stop gracefully"

step "passed: image $image, $((size / 1000000)) MB; $((SECONDS - started)) s in all"
