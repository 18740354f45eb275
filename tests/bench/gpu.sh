#!/usr/bin/env bash
# The GPU figures, prepared for a machine with one: each experiment's preset natively on
# burn-wgpu beside the same on burn's CPU backend (Flex), and the grokking transformer beside
# PyTorch on the same GPU, side by side in one run. Not part of CI.
#
#   bash tests/bench/gpu.sh                 # paper presets, each bench at most LIMIT seconds
#   PRESET=ci BACKENDS=flex bash tests/bench/gpu.sh   # a quick check of the script on a CPU
#
# Environment: PRESET (paper), BACKENDS ("wgpu flex"), LIMIT (seconds per bench, 120),
# STEPS (steps for the step-bounded grokking comparison, 1000). Prints one line per bench
# (`overfit bench`'s and `grokking_torch.py`'s own lines), then a table of steps/s by
# experiment and backend. A bench that passes LIMIT prints "over LIMIT s" instead of a figure.
set -euo pipefail
cd "$(dirname "$0")/../.."
PRESET=${PRESET:-paper}
BACKENDS=${BACKENDS:-wgpu flex}
LIMIT=${LIMIT:-120}
STEPS=${STEPS:-1000}
case "$PRESET" in quick | ci | paper) ;; *) echo "PRESET is quick, ci or paper" >&2; exit 2 ;; esac
case "$LIMIT$STEPS" in *[!0-9]*) echo "LIMIT and STEPS are whole numbers" >&2; exit 2 ;; esac
for b in $BACKENDS; do
  case "$b" in flex | wgpu) ;; *) echo "BACKENDS holds flex and/or wgpu, not $b" >&2; exit 2 ;; esac
done
cargo build -q -p overfit-cli
overfit=target/debug/overfit
results=$(mktemp)
trap 'rm -f "$results"' EXIT

# One bench: its line as printed, and a row for the table.
bench() {
  local id=$1 backend=$2
  shift 2
  local line status=0
  line=$(timeout "$LIMIT" "$overfit" bench "$id" --preset "$PRESET" --backend "$backend" --allow-large "$@" 2>&1) || status=$?
  line=$(tail -n 1 <<<"$line")
  local rate
  case $status in
    0) rate=$(sed -n 's/.*= \([0-9.]*\) steps\/s$/\1/p' <<<"$line") ;;
    124) rate="over $LIMIT s"; line="$id $* ($backend): over $LIMIT s" ;;
    *) rate="failed"; line="$id $* ($backend): failed: $line" ;;
  esac
  echo "$line"
  printf '%s\t%s\t%s\n' "$id $*" "$backend" "$rate" >>"$results"
}

echo "== every experiment's $PRESET preset"
for id in $("$overfit" list | grep -E '^[a-z0-9-]+  —' | cut -d' ' -f1); do
  for backend in $BACKENDS; do
    bench "$id" "$backend"
  done
done

echo "== the grokking transformer, $STEPS steps: 1 run and 3 (baseline, EMA, MA)"
every=$((STEPS < 100 ? STEPS : 100))
for backend in $BACKENDS; do
  for compare in baseline all; do
    bench grokking "$backend" --set model=transformer --set compare=$compare \
      --set "steps=$STEPS" --set "eval_every=$every"
  done
done
if python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  for runs in 1 3; do
    python3 tests/bench/grokking_torch.py --device cuda --steps "$STEPS" --runs "$runs"
  done
else
  echo "PyTorch with CUDA is not installed here: no PyTorch line"
fi

echo "== steps/s"
printf '%-60s %-6s %s\n' "bench" "device" "steps/s"
sort "$results" | while IFS=$'\t' read -r what backend rate; do
  printf '%-60s %-6s %s\n' "$what" "$backend" "${rate:-?}"
done
