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
for line in 'completionMode: Indexed' 'completions: 6' 'generateName: overfit-sweep-' \
  'ttlSecondsAfterFinished:' 'fsGroup: 65534' 'runAsNonRoot: true'; do
  grep -q "$line" "$job" || { echo "k8s: the Job lacks '$line'"; exit 1; }
done
for misspelt in 's/backoffLimitPerIndex:/backoffLimitPerIndx:/' 's/fsGroup:/fsGroupp:/' \
  's/ttlSecondsAfterFinished:/ttlSecondsAfterFinish:/'; do
  sed "$misspelt" "$job" > "$work/broken.yaml"
  if "$validate" --strict --quiet -k 1.33.0 "$work/broken.yaml" >/dev/null 2>&1; then
    echo "k8s: a misspelt field passed the schema check ($misspelt)"; exit 1
  fi
done
# A value that would add a second document or field is refused, never written.
rm "$job"
for claim in $'sweeps\n---\nkind: Pod' $'sweeps\u2028x' $'sweeps\u0085x'; do
  if "$overfit" sweep k8s "$work" --image overfit:latest --claim "$claim" >/dev/null 2>&1 || [ -e "$job" ]; then
    echo "k8s: a claim with a line break was accepted"; exit 1
  fi
done
echo "k8s: the Indexed Job validates against the Kubernetes 1.33 Job schema (strict), misspelt fields and line breaks in values are refused"
