"""Machine measurements: speed and cost as ratios measured in one run (perf, perf_device,
events_cost, eval_time), apart from the tables that reproduce the paper."""
