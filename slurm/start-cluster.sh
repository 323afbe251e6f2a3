#!/usr/bin/env bash
# Starts a real single-node SLURM cluster on this machine, for the tests marked `slurm`:
# munged, MariaDB + slurmdbd (accounting, without which submitit never learns that a job was
# cancelled), slurmctld and slurmd. Needs root (as in CI). Idempotent: installs only missing
# Debian packages, starts only daemons that are not running, and returns once the node is idle.
#
# Everything lives under $AAE_SLURM_DIR (default /tmp/aae-slurm); its slurm.conf is used through
# SLURM_CONF, so a real cluster's /etc/slurm/slurm.conf is never touched. Clients need
#   export SLURM_CONF=$AAE_SLURM_DIR/slurm.conf
# Stop with slurm/stop-cluster.sh.
set -euo pipefail
RUN=${AAE_SLURM_DIR:-/tmp/aae-slurm}
CLUSTER=aae
export SLURM_CONF=$RUN/slurm.conf
say() { echo "slurm: $*"; }
alive() {  # alive PIDFILE: the process runs (a zombie left by a killed daemon does not count)
  local pid
  pid=$(cat "$1" 2>/dev/null) || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && ! grep -q '^[^)]*) Z' "/proc/$pid/stat" 2>/dev/null
}
wait_for() {  # wait_for SECONDS WHAT COMMAND...: poll until COMMAND succeeds (each try at most 5 s)
  local limit=$1 what=$2 end
  shift 2
  end=$((SECONDS + limit))
  while [ "$SECONDS" -lt "$end" ]; do
    timeout 5 "$@" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  say "gave up waiting for $what after ${limit}s"; return 1
}

if [ "$(id -u)" != 0 ]; then say "needs root (it installs packages and starts daemons)"; exit 1; fi
started=$(date +%s%N)

packages="slurmctld slurmd slurm-client munge slurmdbd mariadb-server"
missing=$(for p in $packages; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done)
if [ -n "$missing" ]; then
  say "installing $(echo $missing)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
mkdir -p "$RUN"/{state,spool,log,mysql} /run/munge /var/log/munge /run/mysqld
chown munge:munge /run/munge /var/log/munge
chown mysql:mysql /run/mysqld "$RUN/mysql"  # mariadbd runs as mysql: its pid and log files go here

if ! alive /run/munge/munged.pid; then
  say "starting munged"
  runuser -u munge -- munged
fi
wait_for 10 munge bash -c 'munge -n | unmunge'

if ! alive "$RUN/mysql/mariadb.pid"; then
  say "starting mariadbd"
  mariadbd --user=mysql --pid-file="$RUN/mysql/mariadb.pid" --log-error="$RUN/mysql/mariadb.log" \
    --bind-address=127.0.0.1 >/dev/null 2>&1 &
fi
wait_for 30 mariadb mariadb -e "select 1"
mariadb -e "CREATE DATABASE IF NOT EXISTS slurm_acct_db;
  CREATE USER IF NOT EXISTS 'slurm'@'localhost' IDENTIFIED BY 'aae-bench';
  GRANT ALL ON slurm_acct_db.* TO 'slurm'@'localhost'; FLUSH PRIVILEGES;"

read -r cpus boards sockets cores threads memory < <(slurmd -C | head -1 | tr ' ' '\n' |
  sed -n 's/^\(CPUs\|Boards\|SocketsPerBoard\|CoresPerSocket\|ThreadsPerCore\|RealMemory\)=//p' | xargs)
host=$(hostname -s)
cat > "$RUN/slurm.conf" <<CONF
ClusterName=$CLUSTER
SlurmctldHost=$host(127.0.0.1)
AuthType=auth/munge
CredType=cred/munge
AuthInfo=cred_expire=10
SchedulerType=sched/backfill
SchedulerParameters=bf_interval=2,sched_interval=2
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
JobAcctGatherType=jobacct_gather/none
MailProg=/bin/true
ReturnToService=2
KillWait=5
InactiveLimit=0
MinJobAge=300
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$RUN/state
SlurmdSpoolDir=$RUN/spool
SlurmctldPidFile=$RUN/slurmctld.pid
SlurmdPidFile=$RUN/slurmd.pid
SlurmctldLogFile=$RUN/log/slurmctld.log
SlurmdLogFile=$RUN/log/slurmd.log
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus Boards=$boards SocketsPerBoard=$sockets CoresPerSocket=$cores ThreadsPerCore=$threads RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
cat > "$RUN/slurmdbd.conf" <<CONF
AuthType=auth/munge
DbdHost=localhost
DbdPort=6819
SlurmUser=root
StorageType=accounting_storage/mysql
StorageHost=localhost
StorageUser=slurm
StoragePass=aae-bench
StorageLoc=slurm_acct_db
PidFile=$RUN/slurmdbd.pid
LogFile=$RUN/log/slurmdbd.log
CONF
chmod 600 "$RUN/slurmdbd.conf"

if ! alive "$RUN/slurmdbd.pid"; then
  say "starting slurmdbd"
  slurmdbd
fi
wait_for 30 slurmdbd sacctmgr -n list cluster
sacctmgr -i -n list cluster format=cluster | grep -qw "$CLUSTER" || sacctmgr -i add cluster "$CLUSTER" >/dev/null

if ! alive "$RUN/slurmctld.pid"; then
  say "starting slurmctld"
  slurmctld
fi
if ! alive "$RUN/slurmd.pid"; then
  say "starting slurmd"
  slurmd
fi
wait_for 60 "the node to be idle" bash -c 'sinfo -h -o %T | grep -qx idle'
elapsed_ms=$(( ($(date +%s%N) - started) / 1000000 ))
say "ready in $((elapsed_ms / 1000)).$(printf %03d $((elapsed_ms % 1000)) | cut -c1) s: $(sinfo -h -o '%P: %D node %T')"
say "clients need: export SLURM_CONF=$SLURM_CONF"
