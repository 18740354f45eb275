#!/usr/bin/env bash
# A one-node Slurm for the tests and benchmarks of sweeps, sourced by them: this machine runs
# slurmctld and slurmd with a slurm.conf written under $work (ports 16817-16818, nothing in
# /etc touched), and munge for authentication (its daemon started unless one runs). Every
# daemon it started is stopped when the sourcing script exits; one that outlives it fails it.
# Needs root. Sets: $overfit (the binary, from $1), $work (a fresh directory), SLURM_CONF.
overfit="$(realpath "${1:-target/debug/overfit}")"
work="$(mktemp -d /tmp/overfit-slurm.XXXXXX)"
node="$(hostname -s)"
cpus="$(nproc)"
memory=$(( $(awk '/MemTotal/ {print int($2 / 1024)}' /proc/meminfo) * 9 / 10 ))
started_munge=""
export SLURM_CONF="$work/slurm.conf"

say() { printf 'slurm: %s\n' "$*"; }
fail() { say "FAIL: $*"; exit 1; }

# Whether process $1 runs (a zombie, ended and not yet reaped by its parent, does not).
running() { [ -r "/proc/$1/stat" ] && ! grep -qE '^[0-9]+ \(.*\) Z' "/proc/$1/stat"; }

stop() {
  pkill -f "slurmd -f $work" 2>/dev/null || true
  pkill -f "slurmctld -f $work" 2>/dev/null || true
  if [ -n "$started_munge" ]; then kill "$started_munge" 2>/dev/null || true; fi
  for _ in $(seq 50); do
    pgrep -f "$work" >/dev/null || break
    sleep 0.1
  done
  # What did not stop when asked is killed.
  pkill -KILL -f "$work" 2>/dev/null || true
  sleep 0.2
  local left=""
  if pgrep -f "$work" >/dev/null || { [ -n "$started_munge" ] && running "$started_munge"; }; then
    left=1
  fi
  rm -rf "$work"
  if [ -n "$left" ]; then say "FAIL: a daemon outlived the test"; exit 1; fi
}
trap stop EXIT

# munge: the distribution's key; its daemon unless one already runs.
# (A munged that answers is used; pgrep would also count one that died unreaped.)
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  mkdir -p /run/munge && chown munge:munge /run/munge
  rm -f /run/munge/munged.pid
  # --force: a socket left by a daemon that died is taken over.
  runuser -u munge -- /usr/sbin/munged --force
  for _ in $(seq 50); do [ -s /run/munge/munged.pid ] && break; sleep 0.1; done
  started_munge="$(cat /run/munge/munged.pid)"
fi
munge -n | unmunge >/dev/null || fail "munge does not work here"

mkdir -p "$work/state" "$work/spool"
cat > "$SLURM_CONF" <<EOF
ClusterName=overfit
SlurmctldHost=$node
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
SlurmctldPort=16817
SlurmdPort=16818
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
NodeName=$node CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=overfit Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"
for _ in $(seq 60); do
  sinfo -h -o '%T' 2>/dev/null | grep -qE '^idle' && break
  sleep 0.5
done
sinfo -h -o '%T' | grep -qE '^idle' || { cat "$work/slurmctld.log" "$work/slurmd.log"; fail "the node did not come up"; }
say "one node up: $node, $cpus CPUs, $memory MB"

wait_for() { # JOB: until nothing of it is queued or running (5 min at most)
  for _ in $(seq 600); do
    [ -z "$(squeue -h -j "$1" 2>/dev/null)" ] && return 0
    sleep 0.5
  done
  fail "job $1 did not end"
}
