"""Fetch and cache a dataset ahead of time: `python -m aae.data mnist [--data-dir DIR]`."""
from __future__ import annotations

import argparse
import sys

from aae.data import DATASETS, load_dataset
from aae.errors import UserError


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m aae.data", description=__doc__)
    p.add_argument("dataset", choices=DATASETS.names())
    p.add_argument("--data-dir", help="a folder holding the dataset's files ($AAE_DATA)")
    args = p.parse_args(argv)
    try:
        data = load_dataset(args.dataset, args.data_dir)
    except UserError as e:
        print(f"python -m aae.data: error: {e}", file=sys.stderr)
        return 2
    print(f"{data.name}: train {len(data.x_train)}, valid {len(data.x_valid)}, test {len(data.x_test)} images "
          f"of shape {data.image_shape}, {data.n_classes} classes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
