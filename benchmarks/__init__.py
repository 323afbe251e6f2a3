"""One module per table or figure set: `python -m benchmarks.table2 --seeds 5`."""
