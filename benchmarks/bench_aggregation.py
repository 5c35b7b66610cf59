"""Time aggregation: time and error against full resolution, in one process.

Runs the case at full hourly resolution, then with 3-hour averaging and with N typical days
(N = 12, 24, 48 by default), and prints for each the wall time (load + build + solve + extract) as a
ratio to full resolution and the error in total cost, emissions and capacity by technology.

    python benchmarks/bench_aggregation.py [CONFIG] [--days 12,24,48] [--set key=value ...]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from optimizer.config import load_config  # noqa: E402
from optimizer.no_dask import hide_dask  # noqa: E402
from optimizer.run import run  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("config", nargs="?", default=str(REPO / "configs" / "suzhou_2025.yaml"))
    ap.add_argument("--days", default="12,24,48")
    ap.add_argument("--resolutions", default="3")
    ap.add_argument("--set", action="append", default=[], dest="overrides")
    args = ap.parse_args()
    hide_dask()  # as the CLI's run does (else the first case alone pays xarray's dask imports)
    cases = [("full (1 h)", [])]
    cases += [(f"{r} h averages", [f"time.resolution_h={r}"]) for r in args.resolutions.split(",") if r]
    cases += [(f"{n} typical days", [f"time.typical_days={n}"]) for n in args.days.split(",") if n]
    out = []
    for label, ov in cases:
        cfg = load_config(args.config, args.overrides + ov)
        t0 = time.perf_counter()
        res = run(cfg, write=False)
        out.append((label, time.perf_counter() - t0, res.dataset))
        print(f"  {label:<18} {out[-1][1]:7.1f} s  {res.dataset.sizes['time']} steps", flush=True)
    ref = out[0][2]
    ref_t = out[0][1]
    ref_cap = ref["capacity_total_mw"].to_series()
    print(f"\n{'case':<18}{'steps':>7}{'time s':>9}{'x full':>8}{'cost err':>10}{'CO2 err':>9}"
          f"{'max cap err MW':>16}{'(technology)':>22}")
    for label, t, ds in out:
        cost = float(ds["total_cost_cny"]) / float(ref["total_cost_cny"]) - 1
        co2 = float(ds["co2_t"]) / float(ref["co2_t"]) - 1 if float(ref["co2_t"]) else float("nan")
        diff = ds["capacity_total_mw"].to_series() - ref_cap
        worst = diff.abs().idxmax()
        print(f"{label:<18}{ds.sizes['time']:>7}{t:>9.1f}{t / ref_t:>8.3f}{cost:>+10.2%}{co2:>+9.2%}"
              f"{float(diff[worst]):>+16,.0f}{worst:>22}")
    print("\ncapacity by technology (MW):")
    table = {label: ds["capacity_total_mw"].to_series() for label, _, ds in out}
    techs = list(ref_cap.index)
    print(f"{'technology':<22}" + "".join(f"{label:>18}" for label, _, _ in out))
    for k in techs:
        print(f"{k:<22}" + "".join(f"{table[label][k]:>18,.0f}" for label, _, _ in out))
    assert np.isfinite([float(ds["total_cost_cny"]) for _, _, ds in out]).all()


if __name__ == "__main__":
    main()
