#!/usr/bin/env bash
# Runs askdb's browser test (tests/e2e/chat.test.mjs) against the askdb and fake_openai built in
# BUILD_DIR, installing what is missing first: Chromium from Debian (apt-get as root, or through
# sudo) and playwright-core (`npm ci` here, when node_modules is missing or older than the lock).
#
#   tests/e2e/run.sh [BUILD_DIR]      (default: build; screenshots go to BUILD_DIR/e2e or $E2E_OUT)
#
# Exit status: the test's (0 passed, 1 failed); 2 when askdb or fake_openai is not built; 77 when
# Node.js, Chromium or playwright-core is missing and could not be installed (ctest: skipped).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
build_dir="${1:-$repo/build}"
build_dir="$(cd "$build_dir" 2>/dev/null && pwd)" || {
  echo "e2e: no build folder ${1:-$repo/build}; build askdb and fake_openai first" >&2
  exit 2
}

for program in askdb fake_openai; do
  if [ ! -x "$build_dir/$program" ]; then
    echo "e2e: $build_dir/$program is missing; build it first (ninja -C $build_dir askdb fake_openai)" >&2
    exit 2
  fi
done

need_apt=()
command -v node >/dev/null 2>&1 || need_apt+=(nodejs)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
chromium="${CHROMIUM:-/usr/bin/chromium}"
[ -x "$chromium" ] || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "e2e: installing missing Debian packages: ${need_apt[*]}"
  if [ "$(id -u)" -eq 0 ]; then
    sudo=()
  elif command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
  else
    echo "e2e: ${need_apt[*]} missing, you are not root and sudo is not installed:" >&2
    echo "  apt-get install ${need_apt[*]}" >&2
    exit 77
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -q || echo "e2e: apt-get update failed; trying the install anyway" >&2
  "${sudo[@]}" apt-get install -y -q --no-install-recommends "${need_apt[@]}" || {
    echo "e2e: could not install ${need_apt[*]}" >&2
    exit 77
  }
fi

node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" -lt 18 ]; then
  echo "e2e: Node.js $(node --version) is too old; playwright-core needs 18 or newer" >&2
  exit 77
fi

# npm ci when node_modules is missing, or the lock file changed since the last install
# (npm writes node_modules/.package-lock.json on every install).
if [ ! -f "$here/node_modules/.package-lock.json" ] ||
   [ "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ] ||
   [ ! -d "$here/node_modules/playwright-core" ]; then
  echo "e2e: npm ci in $here"
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error) || {
    echo "e2e: npm ci failed (is the npm registry reachable?)" >&2
    exit 77
  }
fi

export CHROMIUM="$chromium"
exec node "$here/chat.test.mjs" "$build_dir"
