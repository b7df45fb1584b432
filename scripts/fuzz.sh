#!/usr/bin/env bash
# Fuzzes the parsers of user input: scenario files (parse and validate), sweep files (parse,
# check and resolve the plan) and the seminar server's run requests (the JSON body of
# POST /api/run, read and checked as the server does), each for SECONDS (default 60), one after
# another, and prints how many inputs each target tried. A crash stops the script with
# libFuzzer's report; the input that caused it is left in fuzz/artifacts/TARGET/. Fix the
# parser, then add the input as a regression test in tests/it/fuzz_regressions.rs.
#
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]     (targets: scenario sweep server_request;
#                                                   default all three)
#
# cargo fuzz wants a nightly compiler; on a stable one, RUSTC_BOOTSTRAP=1 lets it accept the
# flags it needs. Installs cargo-fuzz with cargo if missing. Corpora start from the built-in
# scenario and sweep files (server requests from the JSON in fuzz/regressions/server_request/)
# and grow in fuzz/corpus/ (not committed).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(scenario sweep server_request)
[[ $seconds =~ ^[0-9]+$ ]] || { echo "usage: $0 [SECONDS] [TARGET...]" >&2; exit 2; }

if ! cargo fuzz --version > /dev/null 2>&1; then
  echo "fuzz: installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi
if ! command -v c++ > /dev/null; then
  echo "fuzz: libFuzzer needs a C++ compiler; installing g++"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends g++ > /dev/null
fi
export RUSTC_BOOTSTRAP=1

seed() {
  local target=$1 dir=fuzz/corpus/$1
  mkdir -p "$dir"
  case $target in
    scenario) cp scenarios/*.toml "$dir"/ ;;
    sweep) cp scenarios/sweeps/*.toml "$dir"/ ;;
    server_request) ;; # seeded from its regressions alone: valid requests and extremes
  esac
  cp fuzz/regressions/"$target"/* "$dir"/ 2> /dev/null || true
}

for target in "${targets[@]}"; do
  seed "$target"
  log=$(mktemp)
  echo "fuzz: $target for $seconds s"
  # -rss_limit_mb: a parser that needs more than 2 GB for a small file is a bug too.
  if ! cargo fuzz run --release "$target" "fuzz/corpus/$target" -- \
      -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
      > "$log" 2>&1; then
    tail -n 60 "$log"
    echo "fuzz: $target found a problem (see above; the input is in fuzz/artifacts/$target/)" >&2
    rm -f "$log"
    exit 1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1 || true)
  echo "fuzz: $target: ${runs:-?} inputs tried in $seconds s, no crash ($done_line)"
  rm -f "$log"
done
