#!/usr/bin/env bash
# The Kubernetes Job `overfit sweep k8s` writes, checked against the Job schema of Kubernetes
# 1.33 with kubernetes-validate, strictly (an unknown field is an error); and a Job with a
# misspelt field must fail the same check, so the check can fail.
#   bash tests/k8s/validate.sh [path/to/overfit] [path/to/kubernetes-validate]
set -euo pipefail
overfit="$(realpath "${1:-target/debug/overfit}")"
validate="${2:-kubernetes-validate}"
work="$(mktemp -d /tmp/overfit-k8s.XXXXXX)"
trap 'rm -rf "$work"' EXIT
"$overfit" sweep plan toy2d --preset ci --grid width=8,16 --seeds 3 --out "$work" >/dev/null
"$overfit" sweep k8s "$work" --image overfit:latest --claim overfit-sweeps --parallel 4 >/dev/null
job="$work/sweep-job.yaml"
"$validate" --strict --quiet -k 1.33.0 "$job"
grep -q 'completionMode: Indexed' "$job" && grep -q 'completions: 6' "$job" \
  || { echo "k8s: the Job is not an indexed Job of 6 pods"; exit 1; }
sed 's/backoffLimitPerIndex:/backoffLimitPerIndx:/' "$job" > "$work/broken.yaml"
if "$validate" --strict --quiet -k 1.33.0 "$work/broken.yaml" >/dev/null 2>&1; then
  echo "k8s: a misspelt field passed the schema check"; exit 1
fi
echo "k8s: the Indexed Job validates against the Kubernetes 1.33 Job schema (strict)"
