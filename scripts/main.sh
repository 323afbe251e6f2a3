#!/usr/bin/env bash
# The main job: set up, fetch MNIST once, and regenerate results/table2.md with the cpu budget.
# Extra arguments go to the benchmark (e.g. --workers 2, --gather-only).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "main: table 2 with budget 'cpu' and 5 seeds: about 25 minutes on 2 CPU cores"
echo "      (NN baseline: 15 runs of 10 x 500 updates), plus about 3 minutes of set-up the first time"
bash scripts/setup.sh
.venv/bin/python -m aae.data mnist
exec .venv/bin/python -m benchmarks.table2 --seeds 5 --budget cpu "$@"
