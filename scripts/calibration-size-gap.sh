#!/usr/bin/env bash
# How far a posterior fitted on a town of 1,500 adults (the first fit of the built-in calibration,
# kept as docs/calibration-behaviour/small-town-posterior.csv) carries over to the default town
# of 12,000: the share belonging over 2016 at both sizes, at eight posterior particles (seed = the
# particle's row), after 26 weeks' warm-up. It is why the built-in calibration fits the default
# town itself. See docs/calibration.md.
#
#   bash scripts/calibration-size-gap.sh [COHESION_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/release/cohesion}
posterior=docs/calibration-behaviour/small-town-posterior.csv
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The small town that posterior was fitted on.
small=(--set town.residents=1500 --set venues.pub.count=2 --set venues.community_centre.count=1
  --set venues.park.count=1 --set venues.sports_club.count=1 --set venues.place_of_worship.count=1
  --set groups.count=3)
share_2016() {
  grep ',all,share_belonging,' "$1/metrics.csv" | awk -F, '$2 == 2016 { s += $6; n++ } END { printf "%.3f", s / n }'
}
for row in 32 114 34 48 0 1 2 3; do
  # The particle's parameters: the header's dotted names against row `row` (0-based, after it).
  mapfile -t sets < <(awk -F, -v row="$row" 'NR == 1 { for (i = 1; i <= NF; i++) name[i] = $i }
    NR == row + 2 { for (i = 1; i <= NF; i++) if (name[i] ~ /\./) { print "--set"; print name[i] "=" $i } }' "$posterior")
  common=(baseline --seed "$row" --set time.years=7 --set time.warmup_weeks=26 "${sets[@]}")
  "$bin" run "${common[@]}" "${small[@]}" --out "$work/small" --force >/dev/null 2>&1
  "$bin" run "${common[@]}" --out "$work/full" --force >/dev/null 2>&1
  echo "particle $row: share belonging 2016 at 1,500 adults $(share_2016 "$work/small"), at 12,000 $(share_2016 "$work/full")"
done
