#!/usr/bin/env bash
# Makes a stand-in for the official debian:bookworm-slim image where no container registry can
# be reached: a Debian 12 minbase tree made by debootstrap from this machine's own Debian mirror,
# trimmed the way the slim image is (no manuals, docs or translations, no apt lists or cache) and
# imported into podman's local storage under NAME (default debian:bookworm-slim).
#
#   scripts/container-base.sh [NAME]
#
# Does nothing when an image NAME exists already, so a pulled official image is used as is and a
# made one is made once. Needs root (debootstrap chroots) or sudo, podman and debootstrap
# (scripts/container-test.sh installs them). Takes about a minute and ~75 MB of disk.
# CONTAINERS_CONF, when set, is honoured (see scripts/container-test.sh).
set -euo pipefail

name=${1:-debian:bookworm-slim}
suite=bookworm

if [ "$(id -u)" -eq 0 ]; then
  sudo=()
else
  sudo=(sudo --preserve-env=CONTAINERS_CONF)
fi

if "${sudo[@]}" podman image exists "$name"; then
  echo "container-base: $name exists; using it"
  exit 0
fi

# The mirror this machine's apt uses for SUITE ("bookworm", "bookworm-security"), from one-line
# sources (deb URI SUITE ...) or deb822 stanzas (URIs: / Suites:). Prints nothing when none.
mirror_for() {
  local want=$1 f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    # One file at a time (mawk, Debian's awk, has no ENDFILE); the first match wins.
    awk -v want="$want" -v deb822="$([[ $f == *.sources ]] && echo 1 || echo 0)" '
      function check(   n, s, i, u) {
        n = split(suites, s, /[ \t]+/)
        for (i = 1; i <= n; i++) {
          if (s[i] == want && uris != "") { split(uris, u, /[ \t]+/); print u[1]; found = 1; exit }
        }
      }
      deb822 && /^[ \t]*$/ { check(); uris = ""; suites = ""; next }
      deb822 && $1 == "URIs:" { $1 = ""; sub(/^[ \t]+/, ""); uris = $0; next }
      deb822 && $1 == "Suites:" { $1 = ""; sub(/^[ \t]+/, ""); suites = $0; next }
      !deb822 && $1 == "deb" {
        i = 2
        if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
        if ($(i + 1) == want) { print $i; found = 1; exit }
      }
      END { if (deb822 && !found) check() }' "$f" | head -n 1 | grep . && return 0
  done
  return 0
}

mirror=$(mirror_for "$suite")
mirror=${mirror:-http://deb.debian.org/debian}
security=$(mirror_for "$suite-security")
security=${security:-http://deb.debian.org/debian-security}
echo "container-base: making $name with debootstrap from $mirror (security: $security)"

rootfs=$(mktemp -d "${TMPDIR:-/tmp}/askdb-base.XXXXXX")
trap '"${sudo[@]}" rm -rf "$rootfs"' EXIT
"${sudo[@]}" debootstrap --variant=minbase "$suite" "$rootfs" "$mirror" >"$rootfs.log" 2>&1 || {
  tail -20 "$rootfs.log" >&2
  echo "container-base: debootstrap failed (log above, in full in $rootfs.log); check that" \
    "$mirror is reachable." >&2
  exit 1
}
rm -f "$rootfs.log"

# What the official slim image does, in a file each: apt sources for the suite, its updates and
# security; dpkg leaving out manuals, docs (not copyrights) and translations of packages
# installed later; apt keeping no .deb files and fetching no translations.
"${sudo[@]}" sh -s "$rootfs" "$mirror" "$security" "$suite" <<'EOF'
set -eu
root=$1 mirror=$2 security=$3 suite=$4
rm -f "$root/etc/apt/sources.list"
cat >"$root/etc/apt/sources.list.d/debian.sources" <<SOURCES
Types: deb
URIs: $mirror
Suites: $suite $suite-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security
Suites: $suite-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
cat >"$root/etc/dpkg/dpkg.cfg.d/slim" <<'DPKG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
DPKG
cat >"$root/etc/apt/apt.conf.d/slim" <<'APT'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";
Acquire::Languages "none";
Acquire::GzipIndexes "true";
APT
# What debootstrap left that the slim image has not.
find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete
rm -rf "$root/usr/share/man"/* "$root/usr/share/info"/* "$root/usr/share/locale"/* \
  "$root/usr/share/lintian" "$root/var/cache/apt"/*.bin "$root/var/cache/apt/archives"/*.deb \
  "$root/var/lib/apt/lists"/* "$root/var/log"/*.log "$root/var/log/apt"/* \
  "$root/var/cache/debconf"/*-old "$root/etc/resolv.conf" "$root/etc/hostname"
EOF

"${sudo[@]}" tar -C "$rootfs" --numeric-owner -c . |
  "${sudo[@]}" podman import --quiet --change 'CMD ["bash"]' --message "debootstrap --variant=minbase $suite" - "$name" >/dev/null
echo "container-base: made $name ($("${sudo[@]}" podman image inspect --format '{{.Size}}' "$name" | awk '{printf "%.0f MB", $1 / 1e6}'))"
