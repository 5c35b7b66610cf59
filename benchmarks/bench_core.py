"""Time each stage of one run of a config and print peak memory.

Stages: data loading, model build (Pyomo), hand-over to HiGHS (compile to matrices + pass), solve,
result extraction and checks, result writing. Each stage's time is also given as a share of the
whole run, and peak resident memory is read per stage from /proc (Linux), so the figures compare
within one process on a noisy machine.

    python benchmarks/bench_core.py [configs/suzhou_2025.yaml] [--set key=value ...]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from _memory import peak_mib, reset_peak  # noqa: E402

from optimizer.checks import check_results  # noqa: E402
from optimizer.config import load_config  # noqa: E402
from optimizer.inputs import load_inputs  # noqa: E402
from optimizer.model import build_model  # noqa: E402
from optimizer.no_dask import hide_dask  # noqa: E402
from optimizer.results import extract, versions, write_results  # noqa: E402
from optimizer.solve import HighsModel  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("config", nargs="?", default=str(REPO / "configs" / "suzhou_2025.yaml"))
    ap.add_argument("--set", action="append", default=[], dest="overrides")
    ap.add_argument("--json", help="also write the figures to this JSON file")
    args = ap.parse_args()

    stages: dict[str, float] = {}
    peaks: dict[str, float] = {}

    def stage(name: str, fn):
        reset_peak()
        t0 = time.perf_counter()
        out = fn()
        stages[name] = time.perf_counter() - t0
        peaks[name] = peak_mib()
        return out

    hide_dask()  # as the CLI's run does
    cfg = load_config(args.config, args.overrides)
    inp = stage("load data", lambda: load_inputs(cfg))
    m = stage("build model", lambda: build_model(inp, cfg))
    hm = stage("hand-over to HiGHS", lambda: HighsModel(m, cfg.solver))
    sol = stage("solve (HiGHS)", hm.solve)
    ds = stage("extract + check", lambda: (lambda d: (check_results(d, inp), d)[1])(
        extract(m, inp, cfg, sol, {})))
    with tempfile.TemporaryDirectory() as tmp:
        stage("write results", lambda: write_results(ds, Path(tmp) / cfg.name))

    total = sum(stages.values())
    print(f"config {args.config}: {hm.size['columns']:,} columns, {hm.size['rows']:,} rows, "
          f"{hm.size['nonzeros']:,} nonzeros; HiGHS {sol.status}, objective {sol.objective:.6e} CNY")
    print(f"solver options: {json.dumps(sol.options)}")
    print(f"versions: {versions()}")
    print(f"{'stage':<22}{'time s':>10}{'share':>9}{'peak RSS MiB':>15}")
    for k, v in stages.items():
        print(f"{k:<22}{v:>10.2f}{v / total:>9.1%}{peaks[k]:>15.0f}")
    print(f"{'total':<22}{total:>10.2f}{1:>9.1%}{max(peaks.values()):>15.0f}")
    # the solve stage also writes the solution and the duals back into the Pyomo model: that is ours
    highs_s = sol.times["solve_s"]
    not_solver = total - highs_s
    print(f"of the solve stage, HiGHS {highs_s:.2f} s, solution and duals back into Pyomo "
          f"{sol.times['load_solution_s']:.2f} s")
    print(f"everything but HiGHS's solve: {not_solver:.2f} s = {not_solver / total:.1%} of the run; "
          f"hand-over / solve = {stages['hand-over to HiGHS'] / highs_s:.3f}")
    if args.json:
        Path(args.json).write_text(json.dumps({"stages_s": stages, "peak_rss_mib": peaks,
                                               "size": hm.size, "status": sol.status}, indent=2))


if __name__ == "__main__":
    main()
