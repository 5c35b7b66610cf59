"""An N-point carbon-cap sweep four ways, in one process: rebuilt, reused (warm or cold), Dask batch.

1. rebuild: every point is built, handed over and solved from scratch (``run_sweep(mode="rebuild")``);
2. reuse: one HiGHS instance, the cap row moved in place, dual simplex warm-started from the previous
   basis (``run_sweep(mode="reuse")``);
3. inplace: one HiGHS instance, the cap row moved in place, every point solved cold with the
   configured method (``run_sweep(mode="inplace")``);
4. batch: the same points as independent scenarios on a local Dask cluster of 2 worker processes.

The answers of 2 and 3 are compared with 1 point by point (objective to 1e-6 relative). Times are printed as
ratios to the rebuild path, which is the sum of N independent runs.

    python benchmarks/bench_sweep.py [CONFIG] [--carbon-cap 80:40:11] [--set key=value ...] [--skip batch]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from optimizer.sweep import make_grid, parse_range, run_sweep  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("config", nargs="?", default=str(REPO / "configs" / "suzhou_2030.yaml"))
    ap.add_argument("--carbon-cap", default="80:40:11", help="Mt/yr start:stop:points")
    ap.add_argument("--set", action="append", default=[], dest="overrides")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--skip", action="append", default=[], choices=["rebuild", "reuse", "inplace", "batch"])
    args = ap.parse_args()
    points = make_grid(parse_range(args.carbon_cap), [])
    n = len(points)
    times: dict[str, float] = {}
    results = {}
    for mode in ("rebuild", "reuse", "inplace"):
        if mode in args.skip:
            continue
        t0 = time.perf_counter()
        res = run_sweep(args.config, points, base_overrides=args.overrides, mode=mode)
        times[mode] = time.perf_counter() - t0
        results[mode] = res.dataset
        per = ", ".join(f"{s:.1f}" for s in res.dataset["solve_seconds"].values)
        print(f"{mode:<8} {times[mode]:8.1f} s  (per point: {per}; {res.modes})", flush=True)
    if "batch" not in args.skip:
        from optimizer.batch import run_batch
        from optimizer.scenarios import scenarios_from_sweep

        with tempfile.TemporaryDirectory() as tmp:
            scen = scenarios_from_sweep(args.config, [(f"cap{i:02d}", p.overrides) for i, p in enumerate(points)],
                                        out_root=Path(tmp), overrides=args.overrides)
            t0 = time.perf_counter()
            summary = run_batch(scen, workers=args.workers, progress=False, force=True)
            times["batch"] = time.perf_counter() - t0
            statuses = [r["status"] for r in summary.results]
            batch_cost = {r["name"]: r.get("total_cost_cny") for r in summary.results}
        print(f"batch    {times['batch']:8.1f} s  ({args.workers} workers; {statuses.count('ok')}/{n} ok)", flush=True)
    for other in ("reuse", "inplace"):
        if "rebuild" not in results or other not in results:
            continue
        a, b = results["rebuild"], results[other]
        ok = (a["status"].values == "optimal") & (b["status"].values == "optimal")
        rel = np.abs(a["total_cost_cny"].values[ok] / b["total_cost_cny"].values[ok] - 1)
        print(f"{other} vs rebuild: {int(ok.sum())}/{n} points optimal in both, "
              f"max objective rel. diff {rel.max():.2e}")
        assert rel.max() < 1e-6, f"{other} and rebuilt sweeps disagree"
    if "rebuild" in results and "batch" in times:
        a = results["rebuild"]
        ok = a["status"].values == "optimal"
        costs = np.array([batch_cost.get(f"cap{i:02d}") or np.nan for i in range(n)], dtype=float)
        rel_b = np.nanmax(np.abs(costs[ok] / a["total_cost_cny"].values[ok] - 1))
        print(f"batch vs rebuild: max objective rel. diff {rel_b:.2e}")
    base = times.get("rebuild")
    print(f"\n{'path':<10}{'time s':>10}{'x rebuild':>11}{'s/point':>9}")
    for k, v in times.items():
        print(f"{k:<10}{v:>10.1f}{(v / base if base else float('nan')):>11.3f}{v / n:>9.1f}")
    shown = next((k for k in ("reuse", "inplace", "rebuild") if k in results), None)
    if shown is not None:
        ds = results[shown]
        print(f"\nfrontier ({shown}):")
        for i in range(n):
            print(f"  cap {float(ds['policy.co2_cap_t.value'].values[i]) / 1e6:6.1f} Mt  {ds['status'].values[i]:<10}"
                  f" cost {float(ds['total_cost_cny'].values[i]) / 1e9:8.2f} bn CNY"
                  f"  CO2 {float(ds['co2_t'].values[i]) / 1e6:6.2f} Mt"
                  f"  price {float(ds['carbon_shadow_price_cny_per_t'].values[i]):9.1f} CNY/t")


if __name__ == "__main__":
    main()
