"""Time aggregation: time and error against full resolution, in one process.

Runs the case at full hourly resolution, then with 3-hour averaging and with N typical days
(N = 12, 24, 48 by default), and prints for each the wall time (load + build + solve + extract) as a
ratio to full resolution and the error in total cost, emissions and capacity by technology. tsam
(with scikit-learn and scipy.stats) is imported once before the cases and its import time printed:
the first typical-day case would otherwise pay it alone; a typical-day run in a new process pays it
once. With ``--cli`` each case is also timed as a whole ``optimizer run`` command in a new process
(interpreter, imports, run, writing, summary): what a user waits for.

    python benchmarks/bench_aggregation.py [CONFIG] [--days 12,24,48] [--set key=value ...] [--cli]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
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
    ap.add_argument("--cli", action="store_true", help="also time each case as an `optimizer run` command")
    args = ap.parse_args()
    hide_dask()  # as the CLI's run does (else the first case alone pays xarray's dask imports)
    tsam_s = 0.0
    if any(args.days.split(",")):
        t0 = time.perf_counter()
        import tsam  # noqa: F401
        tsam_s = time.perf_counter() - t0
        print(f"  importing tsam (scikit-learn, scipy.stats): {tsam_s:.2f} s, once per process", flush=True)
    cases = [("full (1 h)", [])]
    cases += [(f"{r} h averages", [f"time.resolution_h={r}"]) for r in args.resolutions.split(",") if r]
    cases += [(f"{n} typical days", [f"time.typical_days={n}"]) for n in args.days.split(",") if n]
    out = []
    for label, ov in cases:
        cfg = load_config(args.config, args.overrides + ov)
        t0 = time.perf_counter()
        res = run(cfg, write=False)
        wall = time.perf_counter() - t0
        cli = _cli_seconds(args.config, args.overrides + ov) if args.cli else float("nan")
        out.append((label, wall, res.dataset, cli))
        print(f"  {label:<18} {wall:7.1f} s  {res.dataset.sizes['time']} steps"
              + (f"; as a command {cli:.1f} s" if args.cli else ""), flush=True)
    ref = out[0][2]
    ref_t, ref_cli = out[0][1], out[0][3]
    ref_cap = ref["capacity_total_mw"].to_series()
    print(f"\n{'case':<18}{'steps':>7}{'time s':>9}{'x full':>8}{'+tsam x':>9}{'command s':>11}{'x full':>8}"
          f"{'cost err':>10}{'CO2 err':>9}{'max cap err MW':>16}{'(technology)':>22}")
    for label, t, ds, cli in out:
        with_import = (t + tsam_s) / ref_t if "typical" in label else t / ref_t
        cost = float(ds["total_cost_cny"]) / float(ref["total_cost_cny"]) - 1
        co2 = float(ds["co2_t"]) / float(ref["co2_t"]) - 1 if float(ref["co2_t"]) else float("nan")
        diff = ds["capacity_total_mw"].to_series() - ref_cap
        worst = diff.abs().idxmax()
        print(f"{label:<18}{ds.sizes['time']:>7}{t:>9.1f}{t / ref_t:>8.3f}{with_import:>9.3f}{cli:>11.1f}"
              f"{cli / ref_cli:>8.3f}{cost:>+10.2%}{co2:>+9.2%}{float(diff[worst]):>+16,.0f}{worst:>22}")
    print("\ncapacity by technology (MW):")
    table = {label: ds["capacity_total_mw"].to_series() for label, _, ds, _ in out}
    techs = list(ref_cap.index)
    print(f"{'technology':<22}" + "".join(f"{label:>18}" for label, _, _, _ in out))
    for k in techs:
        print(f"{k:<22}" + "".join(f"{table[label][k]:>18,.0f}" for label, _, _, _ in out))
    assert np.isfinite([float(ds["total_cost_cny"]) for _, _, ds, _ in out]).all()
    print("\n(time s: run() in this process, tsam already imported; +tsam x: with tsam's import added to the "
          "typical-day cases; command s: `optimizer run CONFIG -q` in a new process, writing its results)")


def _cli_seconds(config: str, overrides: list[str]) -> float:
    """Wall time of ``optimizer run`` for this case as a new process (results to a temporary folder)."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "optimizer", "run", config, "-q", "--out", str(Path(tmp) / "out")]
        for ov in overrides:
            cmd += ["--set", ov]
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, cwd=REPO, stdout=subprocess.DEVNULL)
        return time.perf_counter() - t0


if __name__ == "__main__":
    main()
