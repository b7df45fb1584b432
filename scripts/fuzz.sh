#!/usr/bin/env bash
# Fuzzes what cohesion reads: scenario files (parse and validate), sweep files (parse, check
# and resolve the plan), the seminar server's run requests (the JSON body of POST /api/run,
# read and checked as the server does) and checkpoints' saved state (restore, then a few
# weeks). Builds the targets once, then runs each for SECONDS (default 60), one after
# another, and prints how long the build took and how many inputs each target tried. A crash
# stops the script with libFuzzer's report; the input that caused it is left in
# fuzz/artifacts/TARGET/. Fix the code, then add the input to fuzz/regressions/TARGET/, which
# tests/it/fuzz_regressions.rs replays.
#
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]     (default: every target below)
#        scripts/fuzz.sh --list                      (the targets, one a line)
#
# FUZZ_SANITIZER=none builds without AddressSanitizer, and FUZZ_CODEGEN_UNITS=16 lets the
# compiler use every core on each crate (cargo fuzz builds with one codegen unit unless told):
# faster to build and run, at some cost in how well coverage is measured; CI's short runs use
# both. Safe Rust needs no sanitizer to find a panic, an overflow or an index out of range; the
# nightly workflow (.github/workflows/fuzz.yml) keeps the defaults for the long runs.
#
# cargo fuzz wants a nightly compiler; on a stable one, RUSTC_BOOTSTRAP=1 lets it accept the
# flags it needs. Installs cargo-fuzz with cargo if missing. Corpora start from the built-in
# scenario and sweep files, real saved states of fuzz/restore-town.toml (written by the restore
# target itself) and each target's regressions (server requests from those alone), and grow in
# fuzz/corpus/ (not committed).
set -euo pipefail
cd "$(dirname "$0")/.."

# Every target, in the order they run.
all_targets=(scenario sweep server_request restore)
if [[ ${1:-} == --list ]]; then
  printf '%s\n' "${all_targets[@]}"
  exit 0
fi

seconds=${1:-60}
shift || true
targets=("$@")
((${#targets[@]})) || targets=("${all_targets[@]}")
[[ $seconds =~ ^[0-9]+$ ]] || { echo "usage: $0 [SECONDS] [TARGET...]" >&2; exit 2; }
for target in "${targets[@]}"; do
  [[ " ${all_targets[*]} " == *" $target "* ]] ||
    { echo "fuzz: no target $target (targets: ${all_targets[*]})" >&2; exit 2; }
done
build=(--release --sanitizer "${FUZZ_SANITIZER:-address}")
[[ -z ${FUZZ_CODEGEN_UNITS:-} ]] || build+=(--codegen-units "$FUZZ_CODEGEN_UNITS")

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
  unset COHESION_FUZZ_SEED_DIR
  case $target in
    scenario) cp scenarios/*.toml "$dir"/ ;;
    # sobol_effects.toml plans 2,224 points of 137 parameters (1.9 s in a release build, more
    # under a sanitizer), too near the 10 s a unit may take, so it is not a seed (its parser
    # paths are the other Sobol file's).
    sweep) find scenarios/sweeps -name '*.toml' ! -name sobol_effects.toml -exec cp {} "$dir"/ \; ;;
    server_request) ;; # seeded from its regressions alone: valid requests and extremes
    # The target writes real states into the corpus as it starts (see its header).
    restore) export COHESION_FUZZ_SEED_DIR=$dir ;;
  esac
  cp fuzz/regressions/"$target"/* "$dir"/ 2> /dev/null || true
}

# One build for every target (they share the instrumented library), timed apart from the runs.
start=$(date +%s)
for target in "${targets[@]}"; do
  cargo fuzz build "${build[@]}" "$target"
done
echo "fuzz: built ${#targets[@]} target(s) (${build[*]}) in $(($(date +%s) - start)) s"

for target in "${targets[@]}"; do
  seed "$target"
  log=$(mktemp)
  echo "fuzz: $target for $seconds s"
  # -rss_limit_mb: a parser that needs more than 2 GB for a small file is a bug too.
  if ! cargo fuzz run "${build[@]}" "$target" "fuzz/corpus/$target" -- \
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
