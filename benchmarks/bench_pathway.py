"""Time and peak memory of the three-period pathway: full resolution and with time aggregation.

Each variant runs in its own subprocess (so its peak resident memory is its own); the figures are
also given as ratios to the full-resolution run.

    python benchmarks/bench_pathway.py [configs/suzhou_pathway.yaml] [--variants full,td24,td12,myopic-td12]
        [--set key=value ...]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

VARIANTS = {
    "full": [],
    "3h": ["time.resolution_h=3"],
    "td48": ["time.typical_days=48"],
    "td24": ["time.typical_days=24"],
    "td12": ["time.typical_days=12"],
    "myopic-td12": ["time.typical_days=12"],
}

CHILD = r"""
import json, sys, time
from pathlib import Path
sys.path.insert(0, {repo!r})
from optimizer.pathway import load_pathway, solve_pathway
import dataclasses
t0 = time.perf_counter()
pw = load_pathway({config!r}, {overrides!r})
if {myopic!r}:
    s = pw.config.pathway.model_copy(update={{"foresight": "myopic"}})
    pw = dataclasses.replace(pw, config=pw.config.model_copy(update={{"pathway": s}}))
t1 = time.perf_counter()
out = solve_pathway(pw, write=False)
t2 = time.perf_counter()
hwm = 0
for line in Path("/proc/self/status").read_text().splitlines():
    if line.startswith("VmHWM:"):
        hwm = int(line.split()[1]) / 1024
ds = out.dataset
print(json.dumps({{"load_s": t1 - t0, "solve_s": t2 - t1, "peak_mib": hwm, "total_cost": out.total_cost_cny,
                  "co2": ds["co2_t"].values.tolist(), "steps": int(pw.inputs[pw.periods[0]].time.size)}}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("config", nargs="?", default=str(REPO / "configs" / "suzhou_pathway.yaml"))
    ap.add_argument("--variants", default="full,td24,td12,myopic-td12")
    ap.add_argument("--set", action="append", default=[], dest="overrides",
                    help="config override for every variant, e.g. solver.hipo_ordering=amd")
    args = ap.parse_args()
    rows = []
    for v in args.variants.split(","):
        code = CHILD.format(repo=str(REPO), config=args.config, overrides=[*VARIANTS[v], *args.overrides],
                            myopic=v.startswith("myopic"))
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
        wall = time.perf_counter() - t0
        if proc.returncode:
            print(f"{v}: failed\n{proc.stderr[-2000:]}")
            continue
        res = json.loads(proc.stdout.strip().splitlines()[-1])
        rows.append((v, wall, res))
        print(f"  {v:<12} {wall:7.1f} s wall, peak {res['peak_mib']:.0f} MiB", flush=True)
    if not rows:
        return
    ref = rows[0]
    print(f"\n{'variant':<13}{'steps/period':>13}{'wall s':>9}{'x first':>9}{'load s':>8}{'solve s':>9}"
          f"{'peak MiB':>10}{'cost err':>10}   CO2 by period (Mt)")
    for v, wall, r in rows:
        err = r["total_cost"] / ref[2]["total_cost"] - 1
        co2 = ", ".join(f"{c / 1e6:.1f}" for c in r["co2"])
        print(f"{v:<13}{r['steps']:>13}{wall:>9.1f}{wall / ref[1]:>9.3f}{r['load_s']:>8.1f}{r['solve_s']:>9.1f}"
              f"{r['peak_mib']:>10.0f}{err:>+10.2%}   {co2}")


if __name__ == "__main__":
    main()
