# Sourced by scripts/slurm-sweep-check.sh and scripts/slurm-calibrate-check.sh, from the
# repository's root: checks for the release build ($bin), makes a scratch folder ($work), starts
# the local one-node Slurm there (scripts/slurm-local.sh) with SLURM_CONF pointing at it, and
# stops it and removes the folder on the way out, whatever happens. Gives `say` and `wait_job`.

bin=$PWD/target/release/cohesion
[[ -x $bin ]] || { echo "build first: cargo build --release" >&2; exit 1; }
work=$(mktemp -d)
export COHESION_SLURM_DIR=$work/slurm

cleanup() {
  scripts/slurm-local.sh stop || true
  rm -rf "$work"
}
trap cleanup EXIT

say() { printf '  %s\n' "$*"; }

# Waits until job $1 has no task left in the queue (sbatch --wait polls too slowly).
wait_job() {
  local deadline=$((SECONDS + 300))
  while squeue -h -j "$1" 2>/dev/null | grep -q .; do
    ((SECONDS < deadline)) || { echo "job $1 did not finish in 300 s" >&2; squeue; exit 1; }
    sleep 0.5
  done
}

scripts/slurm-local.sh start
export SLURM_CONF=$COHESION_SLURM_DIR/slurm.conf
