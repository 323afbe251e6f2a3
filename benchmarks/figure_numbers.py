"""The numbers a figure computes, written beside it as results/figures/<figure>.json, so the claims
page (benchmarks/claims.py) reads them instead of anyone copying them from an image."""
from __future__ import annotations

from pathlib import Path

from aae import io


def write_figure_numbers(results_dir: Path, figure: str, budget: str, specs, numbers: dict[str, float]) -> Path:
    """`numbers`: name -> value (a float, or a list of floats over seeds); `specs`: the runs behind them."""
    path = results_dir / "figures" / f"{figure}.json"
    values = {k: [float(x) for x in v] if isinstance(v, list) else float(v) for k, v in numbers.items()}
    io.write_json(path, {"figure": figure, "budget": budget, "runs": sorted({s.run_id for s in specs}),
                         "numbers": values})
    return path
