#!/usr/bin/env bash
# Regenerates the tables the documentation takes from the code: the parameter tables in
# docs/ODD.md and docs/scenarios.md (`cohesion params --markdown`) and the metric tables in
# README.md and docs/ODD.md (`cohesion metrics --markdown`). tests/it/docs.rs fails until this
# has been run after a parameter or a metric changes.
set -euo pipefail
cd "$(dirname "$0")/.."
table=$(mktemp)
trap 'rm -f "$table" "$table.new"' EXIT

# splice MARKER FILE...: replaces what lies between <!-- MARKER:begin --> and <!-- MARKER:end -->
# with the contents of $table.
splice() {
  local marker=$1
  shift
  for doc in "$@"; do
    awk -v table="$table" -v begin="<!-- $marker:begin -->" -v end="<!-- $marker:end -->" '
      $0 == begin { print; while ((getline line < table) > 0) print line; close(table); skip = 1; next }
      $0 == end   { skip = 0 }
      !skip { print }
    ' "$doc" > "$table.new"
    mv "$table.new" "$doc"
    echo "$doc: $marker table regenerated"
  done
}

cargo run --release --quiet -- params --markdown > "$table"
splice parameters docs/ODD.md docs/scenarios.md
cargo run --release --quiet -- metrics --markdown > "$table"
splice metrics README.md docs/ODD.md
