#!/usr/bin/env bash
# Stops the test cluster that start-cluster.sh started, by its pid files, in the safe order:
# cancel jobs, shut the controller and node daemon down, then slurmdbd, mariadbd, munged.
set -uo pipefail
RUN=${AAE_SLURM_DIR:-/tmp/aae-slurm}
export SLURM_CONF=$RUN/slurm.conf
say() { echo "slurm: $*"; }
stop() {  # stop NAME PIDFILE: TERM, then wait up to 10 s for the process to go
  local name=$1 pidfile=$2 pid
  [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    say "stopping $name (pid $pid)"
    kill "$pid"
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && { say "$name did not stop; killing it"; kill -9 "$pid"; }
  fi
  rm -f "$pidfile"
}
if [ -f "$SLURM_CONF" ] && command -v scancel >/dev/null; then
  say "cancelling all jobs"
  scancel --full --quiet --user="$(id -un)" 2>/dev/null
  scontrol shutdown 2>/dev/null && sleep 1
fi
stop slurmd "$RUN/slurmd.pid"
stop slurmctld "$RUN/slurmctld.pid"
stop slurmdbd "$RUN/slurmdbd.pid"
stop mariadbd "$RUN/mysql/mariadb.pid"
stop munged /run/munge/munged.pid
say "stopped"
