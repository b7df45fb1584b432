#!/usr/bin/env bash
# Runs a throwaway one-node Slurm cluster on this machine, so that cohesion's cluster path
# (sweeps submitted as sbatch job arrays) can be tested without a real cluster. Debian only;
# needs root (re-runs itself with sudo otherwise) and no systemd.
#
# Usage: scripts/slurm-local.sh start|stop|status
#   start   installs slurmctld, slurmd, slurm-client and munge with apt if missing, starts
#           munged, slurmctld and slurmd, waits until the node is idle, and prints the line
#           the client commands (sbatch, squeue, sinfo, scancel) need:
#             export SLURM_CONF=/tmp/cohesion-slurm/slurm.conf
#           Does nothing if the daemons already run. A fresh start clears old jobs and logs.
#   stop    cancels any jobs left, then stops slurmd, slurmctld and munged by pid.
#   status  says which daemons run and shows sinfo; exits 1 unless all three run.
#
# Config, state, spool, logs and pid files live in $COHESION_SLURM_DIR (default
# /tmp/cohesion-slurm); nothing is written to /etc/slurm. munged uses the system key
# /etc/munge/munge.key (created if missing) and its usual socket and pid file in /run/munge.
set -euo pipefail

dir=${COHESION_SLURM_DIR:-/tmp/cohesion-slurm}
conf=$dir/slurm.conf
munged_pidfile=/run/munge/munged.pid
PATH=$PATH:/usr/sbin:/sbin

die() { echo "slurm-local: $*" >&2; exit 1; }

# Succeeds if process $1 is alive and is really daemon $2. A daemon that has exited but not yet
# been reaped (state Z: on this machine PID 1 reaps orphans only now and then) counts as dead,
# and a pid since reused by another program never counts.
running() {
  local comm stat
  [[ $1 =~ ^[0-9]+$ ]] || return 1
  { read -r comm < "/proc/$1/comm" && read -r stat < "/proc/$1/stat"; } 2> /dev/null || return 1
  stat=${stat##*) }
  [[ $comm == "$2" && ${stat%% *} != [ZX] ]]
}

# Prints the pid in pid file $1 if that process is running daemon $2.
alive() {
  local pid
  [[ -r $1 ]] || return 1
  pid=$(cat -- "$1" 2> /dev/null) || return 1
  pid=${pid//[^0-9]/}
  running "$pid" "$2" || return 1
  echo "$pid"
}

munged_pid() { alive "$munged_pidfile" munged; }
slurmctld_pid() { alive "$dir/slurmctld.pid" slurmctld; }
slurmd_pid() { alive "$dir/slurmd.pid" slurmd; }

have_commands() {
  local cmd
  for cmd in slurmctld slurmd sinfo munged runuser; do command -v "$cmd" > /dev/null || return 1; done
}

install_packages() {
  have_commands && return 0
  local apt=(env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends
    slurmctld slurmd slurm-client munge)
  echo "slurm-local: installing Slurm and munge with apt"
  "${apt[@]}" > /dev/null || { apt-get update > /dev/null && "${apt[@]}" > /dev/null; }
  have_commands || die "installing Slurm failed"
}

start_munged() {
  local pid
  if pid=$(munged_pid); then echo "munged: already running (pid $pid)"; return; fi
  if [[ ! -s /etc/munge/munge.key ]]; then
    echo "munged: creating /etc/munge/munge.key"
    install -d -o munge -g munge -m 700 /etc/munge
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
    chown munge:munge /etc/munge/munge.key
    chmod 400 /etc/munge/munge.key
  fi
  install -d -o munge -g munge -m 755 /run/munge
  install -d -o munge -g munge -m 700 /var/lib/munge /var/log/munge
  runuser -u munge -- munged --force
  wait_for munged_pid munged
}

write_conf() {
  local host cpus mem_mb
  host=$(hostname -s)
  cpus=$(nproc)
  # 90% of MemTotal: slurmd drains a node that reports less memory than configured.
  mem_mb=$(awk '/^MemTotal:/ { print int($2 / 1024 * 0.9) }' /proc/meminfo)
  rm -rf "$dir/state" "$dir/spool" "$dir"/*.log
  mkdir -p "$dir/state" "$dir/spool"
  cat > "$conf" <<EOF
# One-node test cluster written by scripts/slurm-local.sh; rewritten on every fresh start.
ClusterName=cohesion
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
# Without these the scheduler waits ~3 s between waves of array tasks.
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
MailProg=/bin/true
ReturnToService=2
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
}

show_logs() {
  local log
  for log in "$dir/slurmctld.log" "$dir/slurmd.log" /var/log/munge/munged.log; do
    [[ -r $log ]] && { echo "--- last lines of $log"; tail -n 15 "$log"; }
  done >&2
}

# Waits up to 30 s for command $1 to succeed; $2 names what is awaited.
wait_for() {
  local deadline=$((SECONDS + 30))
  while ((SECONDS < deadline)); do
    "$1" > /dev/null && return 0
    sleep 0.1
  done
  show_logs
  die "$2 did not come up within 30 s ('$0 stop' stops what did start)"
}

node_up() {
  [[ $(SLURM_CONF=$conf sinfo -h -N -o %t 2>/dev/null) =~ ^(idle|mix|alloc|comp)$ ]]
}

start() {
  local pid
  install_packages
  if munged_pid > /dev/null && slurmctld_pid > /dev/null && slurmd_pid > /dev/null; then
    echo "slurm-local: already running"
  else
    start_munged
    if ! slurmctld_pid > /dev/null && ! slurmd_pid > /dev/null; then write_conf; fi
    if pid=$(slurmctld_pid); then echo "slurmctld: already running (pid $pid)"
    else slurmctld -c -f "$conf"; wait_for slurmctld_pid slurmctld; fi
    if pid=$(slurmd_pid); then echo "slurmd: already running (pid $pid)"
    else slurmd -f "$conf"; wait_for slurmd_pid slurmd; fi
    wait_for node_up "the node"
    echo "slurm-local: one-node cluster up; state and logs in $dir"
  fi
  echo "Point the Slurm client commands at it with:"
  echo "  export SLURM_CONF=$conf"
}

# SIGTERM, up to 10 s for the daemon to exit, then SIGKILL. The pid is checked before each signal.
stop_daemon() {
  local name=$1 pidfile=$2 pid deadline=$((SECONDS + 10))
  if ! pid=$(alive "$pidfile" "$name"); then echo "$name: not running"; rm -f "$pidfile"; return; fi
  kill -TERM "$pid" 2> /dev/null || true
  # Watch the process itself: a daemon may remove its pid file well before it exits.
  while ((SECONDS < deadline)); do
    running "$pid" "$name" || break
    sleep 0.1
  done
  if running "$pid" "$name"; then
    echo "$name: still running after 10 s, sending SIGKILL"
    kill -KILL "$pid" 2> /dev/null || true
    sleep 0.5
    ! running "$pid" "$name" || die "$name (pid $pid) would not stop"
  fi
  rm -f "$pidfile"
  echo "$name: stopped (pid $pid)"
}

stop() {
  if slurmctld_pid > /dev/null && [[ -n $(SLURM_CONF=$conf squeue -h -o %i 2>/dev/null) ]]; then
    echo "slurm-local: cancelling the jobs still queued or running"
    SLURM_CONF=$conf scancel --partition=debug || true
    local deadline=$((SECONDS + 10))
    while ((SECONDS < deadline)); do
      [[ -z $(SLURM_CONF=$conf squeue -h -o %i 2>/dev/null) ]] && break
      sleep 0.1
    done
  fi
  stop_daemon slurmd "$dir/slurmd.pid"
  stop_daemon slurmctld "$dir/slurmctld.pid"
  stop_daemon munged "$munged_pidfile"
}

status() {
  local all=0 name pid
  for name in munged slurmctld slurmd; do
    if pid=$("${name}_pid"); then echo "$name: running (pid $pid)"
    else echo "$name: not running"; all=1; fi
  done
  if slurmctld_pid > /dev/null; then SLURM_CONF=$conf sinfo || true; fi
  [[ $all == 0 ]] && echo "Client commands need: export SLURM_CONF=$conf"
  return "$all"
}

case ${1:-} in
  start | stop)
    if [[ $EUID -ne 0 ]]; then
      command -v sudo > /dev/null || die "$1 needs root (or sudo)"
      exec sudo COHESION_SLURM_DIR="$dir" "$0" "$@"
    fi
    "$1" ;;
  status) status ;;
  *) die "usage: $0 start|stop|status" ;;
esac
