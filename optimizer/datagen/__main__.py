"""Command line: ``python -m optimizer.datagen [--out-dir DIR] [--years 2025 2030 2035]``.

Regenerates ``load_YYYY.nc`` and ``cf_YYYY.nc`` (default: ``data/profiles/``) from
``data/profile_params.yaml``.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from optimizer.datagen import DEFAULT_YEARS, main


def cli(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, regenerate the profiles and list the files written."""
    parser = argparse.ArgumentParser(
        prog="python -m optimizer.datagen",
        description="Regenerate the hourly load and capacity-factor profiles.",
    )
    parser.add_argument("--out-dir", default=None, help="output folder (default data/profiles)")
    parser.add_argument("--years", type=int, nargs="+", default=list(DEFAULT_YEARS), help="years to generate")
    parser.add_argument("--params", default=None, help="parameter file (default data/profile_params.yaml)")
    args = parser.parse_args(argv)
    for path in main(out_dir=args.out_dir, years=args.years, params_path=args.params):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(cli())
