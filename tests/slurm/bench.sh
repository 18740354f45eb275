#!/usr/bin/env bash
# A benchmark, not a test: a sweep of 100 toy2d runs (label noise x width x 5 seeds) planned,
# run on this machine (`sweep run --jobs $(nproc)`), as a job array on the one-node Slurm of
# tests/slurm/cluster.sh (`--parallel $(nproc)`), and as an array of 10 runs a task
# (`--per-task 10`); collected each way and compared; prints the wall times and the cost
# model's estimate.
#   bash tests/slurm/bench.sh [path/to/overfit]   (needs root, and slurmctld slurmd munge)
set -euo pipefail
. "$(dirname "$0")/cluster.sh"

plan() {
  "$overfit" sweep plan toy2d --grid label_noise=0,0.1,0.2,0.3,0.4 --grid width=4,8,16,32 \
    --seeds 5 --out "$1"
}
plan "$work/local"
plan "$work/slurm" >/dev/null
plan "$work/packed" >/dev/null
t0=$(date +%s.%N)
"$overfit" sweep run "$work/local" --jobs "$cpus" >/dev/null 2>&1
t1=$(date +%s.%N)
job=$("$overfit" sweep slurm "$work/slurm" --parallel "$cpus" --submit | sed -n 's/^submitted job //p')
wait_for "$job"
t2=$(date +%s.%N)
job=$("$overfit" sweep slurm "$work/packed" --parallel "$cpus" --per-task 10 --submit | sed -n 's/^submitted job //p')
wait_for "$job"
t3=$(date +%s.%N)
"$overfit" sweep collect "$work/packed" >/dev/null 2>&1
"$overfit" sweep status "$work/slurm" | head -1
"$overfit" sweep collect "$work/local" --x label_noise --y final_test_acc --series width >/dev/null 2>&1
"$overfit" sweep collect "$work/slurm" --x label_noise --y final_test_acc --series width >/dev/null 2>&1
cmp -s "$work/local/collected.csv" "$work/slurm/collected.csv" \
  && cmp -s "$work/local/collected.csv" "$work/packed/collected.csv" && same=yes || same=NO
printf 'slurm bench: 100 runs; here (%s jobs) %.1f s; one-node Slurm array (%%%s) %.1f s; 10 runs a task %.1f s; same results: %s\n' \
  "$cpus" "$(awk "BEGIN { print $t1 - $t0 }")" "$cpus" "$(awk "BEGIN { print $t2 - $t1 }")" \
  "$(awk "BEGIN { print $t3 - $t2 }")" "$same"
