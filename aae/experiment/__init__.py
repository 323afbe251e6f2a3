"""The experiment machinery: a run from its spec to its record. The spec and its two configs
(spec.py, training_config.py), the run directory (run_dir.py), the training loop (train.py) with
its checkpoints, minibatches, schedules, seeds and TensorBoard events, the job body every executor
runs (job.py), the executors (executors.py, slurm.py), the cost estimate (estimate.py) and the
committed records (records.py, record_checks.py)."""
