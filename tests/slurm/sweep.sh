#!/usr/bin/env bash
# A sweep on a real Slurm: one node (this machine), slurmctld and slurmd started here with a
# slurm.conf written here, munge for authentication. It submits a small sweep as a job array,
# kills one running task and makes another fail, checks that `sweep status` lists them, that
# `sweep slurm --only-failed` resubmits exactly those two, and that the collected result equals
# the same sweep run locally; then stops every daemon it started.
#   bash tests/slurm/sweep.sh [path/to/overfit]   (needs root, and slurmctld slurmd munge)
set -euo pipefail
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
if ! pgrep -x munged >/dev/null; then
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

# The same plan twice: one for Slurm, one run here as the reference.
plan() {
  "$overfit" sweep plan toy2d --preset ci --grid steps=20000 --grid eval_every=2000 \
    --grid width=8,16 --seeds 2 --out "$1" >/dev/null
}
plan "$work/slurm"
plan "$work/local"
"$overfit" sweep run "$work/local" --jobs 2 >/dev/null 2>&1
ids=($(sed -E 's/.*"id":"([0-9a-f]+)".*/\1/' "$work/slurm/manifest.jsonl"))
# Task 3 cannot put its result in place: a file sits where its directory goes.
touch "$work/slurm/${ids[3]}"

wait_for() { # job: until nothing of it is queued or running
  for _ in $(seq 600); do
    [ -z "$(squeue -h -j "$1" 2>/dev/null)" ] && return 0
    sleep 0.5
  done
  fail "job $1 did not end"
}

job=$("$overfit" sweep slurm "$work/slurm" --parallel 2 --submit | sed -n 's/^submitted job //p')
[ -n "$job" ] || fail "no job id from sweep slurm --submit"
say "array $job submitted"
# Kill task 0 while it runs (as a preemption or a node failure would).
for _ in $(seq 200); do
  [ "$(squeue -h -j "${job}_0" -t R -o %T 2>/dev/null)" = "RUNNING" ] && break
  sleep 0.1
done
scancel --signal=KILL "${job}_0"
wait_for "$job"
status="$("$overfit" sweep status "$work/slurm")"
printf '%s\n' "$status"
grep -q '4 runs: 2 finished, 1 failed, 1 missing' <<<"$status" || fail "status after the first array"
grep -q 'failed 3: .*cannot move the result' <<<"$status" || fail "the failure's reason is not listed"

rm "$work/slurm/${ids[3]}"
again="$("$overfit" sweep slurm "$work/slurm" --only-failed --submit)"
grep -q '2 array tasks: 0,3' <<<"$again" || fail "--only-failed did not take exactly 0 and 3: $again"
wait_for "$(sed -n 's/^submitted job //p' <<<"$again")"
"$overfit" sweep status "$work/slurm" | grep -q '4 runs: 4 finished, 0 failed, 0 missing' || fail "not every run finished"

"$overfit" sweep collect "$work/slurm" >/dev/null 2>&1
"$overfit" sweep collect "$work/local" >/dev/null 2>&1
cmp "$work/slurm/collected.csv" "$work/local/collected.csv" || fail "Slurm's results differ from the local run's"
say "ok: killed and failed tasks listed, --only-failed resubmitted exactly them, results equal the local run's"
