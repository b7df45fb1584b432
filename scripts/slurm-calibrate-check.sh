#!/usr/bin/env bash
# Checks the cluster path of `cohesion calibrate` against a real (one-node) Slurm: a calibration
# run locally on one thread and as a job array of 2 tasks (`--slurm --tasks 2`) must give the
# same bytes. Then, in a second array, task 1 is cancelled before it starts: task 0 must wait
# between generations rather than finish alone, and task 1 resubmitted by its id must let both
# finish, again with the bytes of the local run.
#
# Usage: scripts/slurm-calibrate-check.sh [CALIBRATION]   (default: scenarios/calibrations/tiny.toml)
# Needs a release build (cargo build --release) and root or sudo (see scripts/slurm-local.sh).
# Starts the local Slurm, and stops it again on the way out, whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."

calibration=${1:-scenarios/calibrations/tiny.toml}
# shellcheck source=scripts/slurm-check-common.sh
source scripts/slurm-check-common.sh

# The files a calibration writes, charts included, compared with the local run's.
same_as_local() {
  local dir=$1 n=0
  for f in posterior.csv predictive.csv calibration.json state.json; do
    cmp "$work/local/$f" "$dir/$f"
    n=$((n + 1))
  done
  for f in "$work"/local/charts/*; do
    cmp "$f" "$dir/charts/$(basename "$f")"
    n=$((n + 1))
  done
  say "$(basename "$dir"): $n files identical to the local run's"
}

say "(a) locally, one thread"
"$bin" calibrate "$calibration" --out "$work/local" --threads 1 > /dev/null 2>&1

say "(b) a Slurm job array of 2 tasks"
"$bin" calibrate "$calibration" --out "$work/array" --slurm --tasks 2 > "$work/slurm.txt"
grep -q -- '--array=0-1' "$work/array/calibrate.sbatch" || { echo "expected 2 tasks" >&2; exit 1; }
start=$SECONDS
job=$(sbatch --parsable "$work/array/calibrate.sbatch")
job=${job%%;*}
wait_job "$job"
say "job $job finished in $((SECONDS - start)) s"
same_as_local "$work/array"

say "(c) task 1 cancelled before it starts, then resubmitted alone"
"$bin" calibrate "$calibration" --out "$work/gap" --slurm --tasks 2 > /dev/null
job=$(sbatch --parsable --hold "$work/gap/calibrate.sbatch")
job=${job%%;*}
scancel "${job}_1"
scontrol release "$job"
# Task 0 runs its share of generation 0, then waits for task 1's share.
deadline=$((SECONDS + 120))
until squeue -h -j "$job" -t RUNNING 2>/dev/null | grep -q .; do
  ((SECONDS < deadline)) || { echo "task 0 never started" >&2; squeue; exit 1; }
  sleep 0.5
done
sleep 5
[[ ! -e $work/gap/posterior.csv ]] || { echo "task 0 finished without task 1's runs" >&2; exit 1; }
squeue -h -j "$job" -t RUNNING | grep -q . || { echo "task 0 ended instead of waiting" >&2; cat "$work"/gap/logs/* >&2 || true; exit 1; }
say "task 0 waits for task 1's runs; no results yet"
job2=$(sbatch --parsable --array=1 "$work/gap/calibrate.sbatch")
wait_job "${job2%%;*}"
wait_job "$job"
same_as_local "$work/gap"
