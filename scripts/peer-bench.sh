#!/usr/bin/env bash
# Side-by-side speed of the Schelling model: Mesa 3.5.1's bundled example against
# `cohesion classic schelling` in its Mesa-matching variant, on the same configuration, in one
# run of this script. A developer tool, not part of CI.
#
# Usage: scripts/peer-bench.sh [SIZE] [STEPS] [REPEATS]
#   SIZE     grid width and height (default 300)
#   STEPS    steps per run, run to the end even when everyone is happy (default 20)
#   REPEATS  runs of each, seeds 0..REPEATS-1; the median time is compared (default 5)
#
# Both use density 0.8, minority 0.5, homophily 0.4, radius 1, no torus. Mesa needs Python 3.12
# or newer: the script uses $PYTHON if set, else the first python3.12+ it finds (on PATH or under
# ~/.pyenv), and installs Mesa with pip into a virtual environment under
# ${PEER_BENCH_DIR:-/tmp/cohesion-peer-bench} (kept for the next run). Timing excludes set-up on
# both sides: Mesa's model construction, and cohesion's grid construction (`run_s`).
set -euo pipefail
cd "$(dirname "$0")/.."

size=${1:-300}
steps=${2:-20}
repeats=${3:-5}
dir=${PEER_BENCH_DIR:-/tmp/cohesion-peer-bench}

find_python() {
  if [ -n "${PYTHON:-}" ]; then echo "$PYTHON"; return; fi
  local c
  for c in python3 python3.14 python3.13 python3.12 "$HOME"/.pyenv/versions/3.1[2-9]*/bin/python3; do
    if command -v "$c" >/dev/null 2>&1 &&
       "$c" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
      command -v "$c"; return
    fi
  done
  return 1
}

python=$(find_python) || {
  echo "peer-bench: Mesa 3.5 needs Python 3.12 or newer; none found (set PYTHON=/path/to/python3.12)" >&2
  exit 2
}

if [ ! -x "$dir/venv/bin/python" ]; then
  echo "setting up Mesa 3.5.1 in $dir/venv with $python"
  mkdir -p "$dir"
  "$python" -m venv "$dir/venv"
  "$dir/venv/bin/pip" install --quiet "mesa[network]==3.5.1"
fi

cargo build --release --quiet
cohesion=target/release/cohesion

cat > "$dir/mesa_schelling_timed.py" <<'EOF'
# Times Mesa's bundled Schelling example: SIZE x SIZE, STEPS steps, for seeds 0..REPEATS-1.
import sys, time, statistics
from mesa.examples.basic.schelling.model import Schelling, SchellingScenario
size, steps, repeats = (int(a) for a in sys.argv[1:4])
times = []
for seed in range(repeats):
    m = Schelling(SchellingScenario(width=size, height=size, density=0.8, minority_pc=0.5,
                                    homophily=0.4, radius=1, rng=seed))
    agents = len(m.agents)
    start = time.perf_counter()
    for _ in range(steps):
        m.step()
    times.append(time.perf_counter() - start)
    print(f"mesa     seed {seed}: {agents} agents, {steps} steps in {times[-1]:.3f} s "
          f"({agents * steps / times[-1]:,.0f} agent-steps/s)", file=sys.stderr)
print(statistics.median(times), agents)
EOF

echo "Schelling, ${size}x${size}, density 0.8, minority 0.5, homophily 0.4, ${steps} steps, ${repeats} runs each"
read -r mesa_s mesa_agents < <("$dir/venv/bin/python" "$dir/mesa_schelling_timed.py" "$size" "$steps" "$repeats")

ours=()
for ((seed = 0; seed < repeats; seed++)); do
  line=$("$cohesion" classic schelling --width "$size" --height "$size" --density 0.8 \
    --minority 0.5 --homophily 0.4 --radius 1 --variant mesa --stop-when-happy false \
    --steps "$steps" --seed "$seed" --threads 1)
  read -r run_s agents < <(printf '%s' "$line" | "$dir/venv/bin/python" -c \
    'import json,sys; d=json.load(sys.stdin); print(d["run_s"], d["summary"]["agents"])')
  echo "cohesion seed $seed: $agents agents, $steps steps in $run_s s" >&2
  ours+=("$run_s")
done
ours_s=$(printf '%s\n' "${ours[@]}" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')

awk -v m="$mesa_s" -v o="$ours_s" -v n="$mesa_agents" -v k="$steps" 'BEGIN {
  printf "median: mesa %.3f s (%.0f agent-steps/s), cohesion %.4f s (%.0f agent-steps/s)\n", m, n*k/m, o, n*k/o
  printf "ratio: cohesion is %.0fx Mesa 3.5.1\n", m/o
}'
