#!/usr/bin/env bash
# The main job: set up, fetch MNIST once, and regenerate results/ with the cpu budget:
# results/table2.md, results/table1.md, results/table3.md, results/dimreduction.md, results/figures/*.png and
# results/claims.md. Give targets to run only some:
#   bash scripts/main.sh table1 figures
set -euo pipefail
cd "$(dirname "$0")/.."
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(table2 table1 table3 dimreduction figures figure7 claims)
echo "main: ${targets[*]} with budget 'cpu', 5 seeds, 2 worker processes, on 2 CPU cores about (measured on a CPU with"
echo "      native bfloat16; on one without amx_bf16 / avx512_bf16 the bf16 models train in float32 with fewer epochs,"
echo "      sized by time: on an AVX2-only AMD EPYC, estimated, table1 84 min, table2 84, table3 48, dimreduction 80,"
echo "      figures (float32 on both kinds) 50-65 by the fp32 step ratio; each command prints its precision),"
echo "      table2 87 min (semi-supervised AAE 15 runs x 14 epochs in bfloat16, about 8 min each;"
echo "             NN baseline 15 x 10 epochs in bfloat16 and VAE M2 10 x 3 in float32, 245 s each: about 27 min),"
echo "      table1 89 min (bfloat16; AAE 24 epochs, its rates / 10 for the last 6, VAE 12, GAN 40, GMMN+AE 6,000 generator updates: 5 runs each of 2.5-13 min;"
echo "             Parzen, FID, KID, precision/recall on 10K samples; the feature network once, 2-6 min; k-means),"
echo "      table3 40 min (clustering AAE with 16, 30 and 10 clusters: 15 runs x 10 epochs in bfloat16, 290-345 s each),"
echo "      dimreduction 78 min (section 7: 20 runs x 12 epochs in bfloat16, 395-520 s each, then Figure 11),"
echo "      figures 45 min (six 2-D models, 12 epochs each), figure7 2-7 min (measured), claims seconds (results/claims.md);"
echo "      plus about 3 minutes of set-up the first time."
echo "      Finished runs are reused, so a re-run only rebuilds what is missing."
bash scripts/setup.sh
.venv/bin/python -m aae.data mnist
for target in "${targets[@]}"; do
  case "$target" in
    table1|table2|table3|dimreduction) .venv/bin/python -m "benchmarks.$target" --seeds 5 --budget cpu --workers 2 ;;
    figures) .venv/bin/python -m benchmarks.figures --budget cpu --workers 2 ;;
    figure7) .venv/bin/python -m benchmarks.figure7 --budget cpu ;;  # one run: two threads, one process
    claims) .venv/bin/python -m benchmarks.claims ;;  # the verdicts, from what the targets above wrote
    *) echo "main: unknown target '$target' (known: table1 table2 table3 dimreduction figures figure7 claims)" >&2; exit 2 ;;
  esac
done
