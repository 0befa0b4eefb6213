#!/usr/bin/env bash
# Runs askdb's differential tests against the AWS SDK for JavaScript: gen-sigv4.mjs and
# gen-eventstream.mjs draw requests and event streams from a fixed seed and have the SDK sign and
# encode them; aws_differential_check (built in BUILD_DIR) checks askdb against what they wrote.
# Installs what is missing first: Node.js and npm from Debian (apt-get as root, or through sudo),
# and the pinned SDK packages (`npm ci` here, when node_modules is missing or older than the lock).
#
#   tests/aws-differential/run.sh [BUILD_DIR]   (default: build)
#   SEED=N COUNT=N tests/aws-differential/run.sh BUILD_DIR   (other cases: a new seed, more cases)
#
# Exit status: the checker's (0 all agree, 1 a mismatch); 2 when aws_differential_check is not
# built; 77 when Node.js or the npm packages are missing and could not be installed (skipped).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
build_dir="${1:-$repo/build}"
build_dir="$(cd "$build_dir" 2>/dev/null && pwd)" || {
  echo "aws-differential: no build folder ${1:-$repo/build}; build aws_differential_check first" >&2
  exit 2
}
checker="$build_dir/aws_differential_check"
if [ ! -x "$checker" ]; then
  echo "aws-differential: $checker is missing; build it first (ninja -C $build_dir aws_differential_check)" >&2
  exit 2
fi

need_apt=()
command -v node >/dev/null 2>&1 || need_apt+=(nodejs)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "aws-differential: installing missing Debian packages: ${need_apt[*]}"
  if [ "$(id -u)" -eq 0 ]; then
    sudo=()
  elif command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
  else
    echo "aws-differential: ${need_apt[*]} missing, you are not root and sudo is not installed:" >&2
    echo "  apt-get install ${need_apt[*]}" >&2
    exit 77
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -q || echo "aws-differential: apt-get update failed; trying the install anyway" >&2
  "${sudo[@]}" apt-get install -y -q --no-install-recommends "${need_apt[@]}" || {
    echo "aws-differential: could not install ${need_apt[*]}" >&2
    exit 77
  }
fi

node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" -lt 18 ]; then
  echo "aws-differential: Node.js $(node --version) is too old; the AWS SDK packages need 18 or newer" >&2
  exit 77
fi

# npm ci when node_modules is missing, or the lock file changed since the last install
# (npm writes node_modules/.package-lock.json on every install).
if [ ! -f "$here/node_modules/.package-lock.json" ] ||
   [ "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ] ||
   [ ! -d "$here/node_modules/@smithy/signature-v4" ] ||
   [ ! -d "$here/node_modules/@smithy/eventstream-codec" ]; then
  echo "aws-differential: npm ci in $here"
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error) || {
    echo "aws-differential: npm ci failed (is the npm registry reachable?)" >&2
    exit 77
  }
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/askdb-aws-differential.XXXXXX")"
trap 'rm -rf "$work"' EXIT
seed=(); count=()
[ -n "${SEED:-}" ] && seed=(--seed "$SEED")
[ -n "${COUNT:-}" ] && count=(--count "$COUNT")
node "$here/gen-sigv4.mjs" "$work/sigv4.json" "${seed[@]}" "${count[@]}"
node "$here/gen-eventstream.mjs" "$work/eventstream.json" "${seed[@]}" "${count[@]}"
"$checker" --sigv4 "$work/sigv4.json" --eventstream "$work/eventstream.json" "${seed[@]}"
