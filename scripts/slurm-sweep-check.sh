#!/usr/bin/env bash
# Checks the cluster path of `cohesion sweep` against a real (one-node) Slurm: the same sweep
# run locally on one thread and as a job array of 4 tasks must merge to the same bytes, also
# when one task is cancelled, the merge refuses the gap, and that task is resubmitted alone.
# Then a task that reaches a one-minute time limit must stop with a checkpoint (warned by
# SIGTERM, status 75), the merge must refuse the unfinished sweep, and the task resubmitted
# must resume from its checkpoint and merge to the bytes of an uninterrupted local run.
#
# Usage: scripts/slurm-sweep-check.sh [SWEEP]     (default: scenarios/sweeps/smoke.toml)
# Needs a release build (cargo build --release) and root or sudo (see scripts/slurm-local.sh).
# Starts the local Slurm, and stops it again on the way out, whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."

sweep=${1:-scenarios/sweeps/smoke.toml}
# shellcheck source=scripts/slurm-check-common.sh
source scripts/slurm-check-common.sh

# The time-limit check's uninterrupted run (about 90 s on one core) goes on in the background
# while the array checks run.
long=tests/sweeps/time_limit.toml
"$bin" sweep "$long" --out "$work/long-local" --threads 1 > "$work/long-local.log" 2>&1 &
long_pid=$!

say "(a) locally, one thread"
"$bin" sweep "$sweep" --out "$work/local" --threads 1 > /dev/null 2>&1

say "(d) a Slurm job array of 4 tasks, task 2 cancelled before it starts"
"$bin" sweep "$sweep" --out "$work/array" --slurm --runs-per-task 3 > "$work/slurm.txt"
grep -q -- '--array=0-3' "$work/array/sweep.sbatch" || { echo "expected 4 tasks" >&2; exit 1; }
start=$SECONDS
job=$(sbatch --parsable --hold "$work/array/sweep.sbatch")
job=${job%%;*}
scancel "${job}_2"
scontrol release "$job"
wait_job "$job"
say "job $job finished in $((SECONDS - start)) s without task 2"

if "$bin" merge "$work/array" 2> "$work/merge.err"; then
  echo "merge accepted a sweep with a cancelled task" >&2
  exit 1
fi
grep -q 'runs are missing' "$work/merge.err" || { cat "$work/merge.err" >&2; exit 1; }
say "merge refused: $(cut -c1-100 "$work/merge.err")..."

say "resubmitting task 2 alone"
job2=$(sbatch --parsable --array=2 "$work/array/sweep.sbatch")
wait_job "${job2%%;*}"
"$bin" merge "$work/array" > /dev/null

say "(d') the same array submitted by cohesion itself (--submit)"
submitted=$("$bin" sweep "$sweep" --out "$work/submitted" --slurm --runs-per-task 3 --submit)
job3=$(sed -n 's/^submitted job \([0-9]*\)$/\1/p' <<< "$submitted")
[[ -n $job3 ]] || { echo "no job id in: $submitted" >&2; exit 1; }
wait_job "$job3"
"$bin" merge "$work/submitted" > /dev/null

for f in results.csv summary.csv; do
  cmp "$work/local/$f" "$work/array/$f"
  cmp "$work/local/$f" "$work/submitted/$f"
  say "$f: identical ($(wc -l < "$work/local/$f") lines)"
done

say "(e) a task that reaches its time limit (--time=1) stops with a checkpoint and resumes"
"$bin" sweep "$long" --out "$work/long" --slurm --checkpoint-every 26 > /dev/null
grep -q -- '--signal=B:TERM@' "$work/long/sweep.sbatch" || { echo "no --signal in sweep.sbatch" >&2; exit 1; }
start=$SECONDS
job4=$(sbatch --parsable --time=1 "$work/long/sweep.sbatch")
job4=${job4%%;*}
wait_job "$job4"
state=$(scontrol show job "$job4" 2>/dev/null | grep -o 'JobState=[A-Z_]*\|ExitCode=[0-9:]*' | tr '\n' ' ')
log=$work/long/logs/task-0.out
say "job $job4 ended after $((SECONDS - start)) s: $state"
grep -q 'stopped on request' "$log" || { echo "the task was not stopped by its time limit:" >&2; cat "$log" >&2; exit 1; }
[[ $state == *ExitCode=75:0* || $state == *TIMEOUT* ]] || { echo "unexpected end: $state" >&2; exit 1; }
ls "$work"/long/checkpoints/*/checkpoint-*.bin > /dev/null || { echo "no checkpoint left by the stopped task" >&2; exit 1; }
say "stopped with a checkpoint: $(cd "$work/long/checkpoints" && ls -- */checkpoint-*.bin | tail -n 1)"
if "$bin" merge "$work/long" 2> "$work/merge-long.err"; then
  echo "merge accepted a sweep whose task ran out of time" >&2
  exit 1
fi
say "merge refused: $(cut -c1-80 "$work/merge-long.err")..."
job5=$(sbatch --parsable --array=0 --time=30 "$work/long/sweep.sbatch")
wait_job "${job5%%;*}"
grep -q 'resuming from' "$log" || { echo "the resubmitted task did not resume:" >&2; cat "$log" >&2; exit 1; }
say "resubmitted: $(grep 'resuming from' "$log" | tail -n 1 | cut -c1-120)"
"$bin" merge "$work/long" > /dev/null
wait "$long_pid" || { cat "$work/long-local.log" >&2; exit 1; }
for f in results.csv summary.csv; do
  cmp "$work/long-local/$f" "$work/long/$f"
  say "$f after the time limit and resubmission: identical to the uninterrupted run"
done
echo "slurm sweep check passed"
