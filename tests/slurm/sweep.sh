#!/usr/bin/env bash
# A sweep on a real Slurm (tests/slurm/cluster.sh: one node, this machine). It submits a small
# sweep as a job array; while it runs, `sweep slurm --only-failed` leaves the tasks squeue
# holds alone; it kills one running task and makes another fail, checks that `sweep status`
# lists them, that `sweep slurm --only-failed` resubmits exactly those two, kills the
# resubmitted task while a second process of the same run goes on (that one lands it, once),
# and that the collected result equals the same sweep run locally; every daemon is stopped at
# the end.
#   bash tests/slurm/sweep.sh [path/to/overfit]   (needs root, and slurmctld slurmd munge)
set -euo pipefail
. "$(dirname "$0")/cluster.sh"

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

job=$("$overfit" sweep slurm "$work/slurm" --parallel 2 --submit | sed -n 's/^submitted job //p')
[ -n "$job" ] || fail "no job id from sweep slurm --submit"
say "array $job submitted"
# Kill task 0 while it runs (as a preemption or a node failure would).
for _ in $(seq 200); do
  [ "$(squeue -h -j "${job}_0" -t R -o %T 2>/dev/null)" = "RUNNING" ] && break
  sleep 0.1
done
# Tasks queued or running are not submitted again, though they have logs and no result yet.
held="$("$overfit" sweep slurm "$work/slurm" --only-failed 2>&1)"
grep -q 'nothing to run' <<<"$held" || fail "--only-failed took tasks squeue still holds: $held"
scancel --signal=KILL "${job}_0"
wait_for "$job"
status="$("$overfit" sweep status "$work/slurm")"
printf '%s\n' "$status"
grep -q '4 runs: 2 finished, 1 failed, 1 missing' <<<"$status" || fail "status after the first array"
grep -q 'failed 3: .*is in the way' <<<"$status" || fail "the failure's reason is not listed"

rm "$work/slurm/${ids[3]}"
again="$("$overfit" sweep slurm "$work/slurm" --only-failed --submit)"
grep -q '2 array tasks: 0,3' <<<"$again" || fail "--only-failed did not take exactly 0 and 3: $again"
job="$(sed -n 's/^submitted job //p' <<<"$again")"
# A second process of run 0 (as a replacement pod would be) starts beside the array's task 0,
# and that task is killed while both run: the other one lands the run, once, and nothing of
# the killed one is left.
for _ in $(seq 200); do
  [ "$(squeue -h -j "${job}_0" -t R -o %T 2>/dev/null)" = "RUNNING" ] && break
  sleep 0.1
done
"$overfit" run --manifest "$work/slurm/manifest.jsonl" --index 0 --out "$work/slurm" > "$work/second.log" 2>&1 &
second=$!
sleep 0.5
scancel --signal=KILL "${job}_0"
wait "$second" || fail "the second process of run 0 failed: $(cat "$work/second.log")"
grep -qE 'run 0: (finished|already finished)' "$work/second.log" || fail "run 0: $(cat "$work/second.log")"
wait_for "$job"
"$overfit" sweep status "$work/slurm" | grep -q '4 runs: 4 finished, 0 failed, 0 missing' || fail "not every run finished"
if ls -a "$work/slurm" | grep -q 'partial'; then fail "a staging directory was left: $(ls -a "$work/slurm")"; fi

"$overfit" sweep collect "$work/slurm" >/dev/null 2>&1
"$overfit" sweep collect "$work/local" >/dev/null 2>&1
cmp "$work/slurm/collected.csv" "$work/local/collected.csv" || fail "Slurm's results differ from the local run's"
say "ok: killed and failed tasks listed, --only-failed resubmitted exactly them, results equal the local run's"
