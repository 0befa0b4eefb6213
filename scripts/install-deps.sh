#!/usr/bin/env bash
# Installs the Debian 12 packages askdb needs to build, test and run, when any is missing.
# Runs apt-get as root, or through sudo for another user. Safe to run again: it does nothing
# when everything is there.
set -euo pipefail

packages=(
  g++ make cmake ninja-build pkgconf
  libpq-dev libpg-query-dev libcurl4-openssl-dev libssl-dev
  nlohmann-json3-dev libtomlplusplus-dev libspdlog-dev libfmt-dev libcli11-dev libboost-dev
  libargon2-dev
  # the built-in embedder: Snowball stemmers; WordNet's synonyms (optional at run time)
  libstemmer-dev wordnet-base
  libgtest-dev libgmock-dev libbenchmark-dev
  postgresql
  # make fuzz: clang 14, libFuzzer (libclang_rt.fuzzer-x86_64.a is in libclang-rt-14-dev) and
  # llvm-symbolizer (llvm-14) for readable sanitizer reports.
  clang libclang-rt-14-dev llvm-14
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
# npm fetches the web chat's charting library; any Node.js with npm will do (Debian's, or one
# installed another way), so the packages are needed only when the command is missing.
if ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

echo "askdb: installing missing Debian packages: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "askdb: these packages are missing and you are not root, and sudo is not installed:" >&2
  echo "  apt-get install ${missing[*]}" >&2
  echo "Run that as root, then try again." >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q || echo "askdb: apt-get update failed; trying the install with the package lists at hand" >&2
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
