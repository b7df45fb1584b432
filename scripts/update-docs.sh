#!/usr/bin/env bash
# Regenerates the parameter tables in docs/ODD.md and docs/scenarios.md from the code
# (`cohesion params --markdown`). tests/it/docs.rs fails until this has been run after a parameter
# changes.
set -euo pipefail
cd "$(dirname "$0")/.."
table=$(mktemp)
trap 'rm -f "$table" "$table.new"' EXIT
cargo run --release --quiet -- params --markdown > "$table"
for doc in docs/ODD.md docs/scenarios.md; do
  awk -v table="$table" '
    /<!-- parameters:begin -->/ { print; while ((getline line < table) > 0) print line; close(table); skip = 1; next }
    /<!-- parameters:end -->/   { skip = 0 }
    !skip { print }
  ' "$doc" > "$table.new"
  mv "$table.new" "$doc"
  echo "$doc: parameter table regenerated"
done
