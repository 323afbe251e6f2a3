#!/usr/bin/env bash
# The checks that need a GPU, as one script: at most about 8 minutes on one GPU.
#   1. the CUDA tests (tests that skip without a GPU);
#   2. benchmarks.machine.perf_device: every model's updates/s on cuda beside the CPU, and the host-device
#      synchronisations one update makes -> results/perf_cuda.md;
#   3. one epoch of each Table 2 model at --budget paper, on cuda, in a scratch folder;
#   4. --estimate of every table at --budget paper, on cuda.
# On a machine without CUDA it says so in one line and exits 0. A machine without the internet
# needs the venv (.venv) and MNIST's cache (~/.cache/aae-bench/mnist.npz, or $AAE_CACHE, or the
# IDX files in $AAE_DATA) brought along.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || bash scripts/setup.sh
py=.venv/bin/python
if ! "$py" -c "import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)"; then
  echo "device-check: no CUDA device here; nothing to check"
  exit 0
fi
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
step() { echo; echo "== device-check: $* ($(date -u +%H:%M:%S))"; }

step "CUDA tests"
"$py" -m pytest -q -k "cuda" tests/
step "updates/s on cuda beside the CPU -> results/perf_cuda.md"
"$py" -m benchmarks.machine.perf_device
step "one epoch of each Table 2 model at the paper budget"
"$py" -m benchmarks.table2 --budget paper --set epochs=1 --seeds 1 --datasets mnist --device cuda \
    --runs-dir "$scratch/runs" --results-dir "$scratch/results"
for table in table1 table2 table3 dimreduction; do
  step "estimate of $table at the paper budget"
  "$py" -m benchmarks.$table --budget paper --estimate --device cuda --runs-dir "$scratch/runs" \
      --results-dir "$scratch/results"
done
step "done"
