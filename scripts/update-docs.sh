#!/usr/bin/env bash
# Regenerates the parameter table in docs/ODD.md from the code (`cohesion params --markdown`).
# tests/docs.rs fails until this has been run after a parameter changes.
set -euo pipefail
cd "$(dirname "$0")/.."
table=$(mktemp)
trap 'rm -f "$table" "$table.new"' EXIT
cargo run --release --quiet -- params --markdown > "$table"
awk -v table="$table" '
  /<!-- parameters:begin -->/ { print; while ((getline line < table) > 0) print line; skip = 1; next }
  /<!-- parameters:end -->/   { skip = 0 }
  !skip { print }
' docs/ODD.md > "$table.new"
mv "$table.new" docs/ODD.md
echo "docs/ODD.md: parameter table regenerated"
