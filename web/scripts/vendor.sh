#!/bin/sh
# Copies the browser build of Chart.js from node_modules into vendor/, where the page
# loads it from (askdb serves web/ as the site root; nothing is fetched from a CDN).
# Run by `npm install` (postinstall) and `npm run vendor`. Without vendor/chart.umd.js
# the page still works: it shows tables and a note instead of charts.
set -eu
here=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
src="$here/node_modules/chart.js/dist/chart.umd.js"
if [ ! -f "$src" ]; then
  echo "vendor.sh: $src is missing; run 'npm install' in $here first" >&2
  exit 1
fi
mkdir -p "$here/vendor"
cp "$src" "$here/vendor/chart.umd.js"
cp "$here/node_modules/chart.js/LICENSE.md" "$here/vendor/chart.js.LICENSE.md"
echo "vendor.sh: copied Chart.js $(node -p "require('$here/node_modules/chart.js/package.json').version" 2>/dev/null || echo '') to vendor/chart.umd.js"
