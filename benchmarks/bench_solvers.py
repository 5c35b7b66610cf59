"""Compare HiGHS methods on one case: same compiled LP, each method in turn, in one process.

Methods: dual simplex (serial), parallel simplex (PAMI), IPX interior point with and without
crossover, HiPO (the newer interior point, from highspy-extras) with, without and with HiGHS's own
choice of crossover, HiPO with each Newton system and ordering, PDLP, and the default with costs handed
over in million CNY or with the annual rows in MWh/yr instead of period averages. Each
solution is checked against the first optimal one (objective, and primal residuals of the original
rows), so a method that stops early or leaves constraints violated is reported as such, never as a
faster optimum. Times are also given as ratios to the configured default.

    python benchmarks/bench_solvers.py [CONFIG] [--set key=value ...] [--methods a,b,...]
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
from optimizer.inputs import load_inputs  # noqa: E402
from optimizer.model import build_model  # noqa: E402
from optimizer.solve import HighsModel, compile_lp, highs_options  # noqa: E402

METHODS = {
    "hipo+crossover": {"solver": "hipo", "run_crossover": "on"},
    "hipo": {"solver": "hipo", "run_crossover": "off"},
    "hipo+choose": {"solver": "hipo", "run_crossover": "choose"},
    "ipx+crossover": {"solver": "ipx", "run_crossover": "on"},
    "ipx": {"solver": "ipx", "run_crossover": "off"},
    "simplex-dual": {"solver": "simplex", "simplex_strategy": 1},
    "simplex-parallel": {"solver": "simplex", "simplex_strategy": 2},
    "pdlp": {"solver": "pdlp"},
    # HiPO's own choices, each against its "choose" default: Newton system and fill-reducing ordering
    "hipo+crossover/augmented": {"solver": "hipo", "run_crossover": "on", "hipo_system": "augmented"},
    "hipo+crossover/normaleq": {"solver": "hipo", "run_crossover": "on", "hipo_system": "normaleq"},
    "hipo+crossover/metis": {"solver": "hipo", "run_crossover": "on", "hipo_ordering": "metis"},
    "hipo+crossover/amd": {"solver": "hipo", "run_crossover": "on", "hipo_ordering": "amd"},
    "hipo+crossover/rcm": {"solver": "hipo", "run_crossover": "on", "hipo_ordering": "rcm"},
    "hipo+choose/metis": {"solver": "hipo", "run_crossover": "choose", "hipo_ordering": "metis"},
    "hipo+choose/amd": {"solver": "hipo", "run_crossover": "choose", "hipo_ordering": "amd"},
    "hipo+choose/augmented": {"solver": "hipo", "run_crossover": "choose", "hipo_system": "augmented"},
    "hipo+choose/augmented+amd": {"solver": "hipo", "run_crossover": "choose", "hipo_system": "augmented",
                                  "hipo_ordering": "amd"},
    # the same default method with costs handed over in million CNY instead of CNY
    "hipo+crossover@MCNY": {"solver": "hipo", "run_crossover": "on", "_objective_scale": 1e-6},
    # ... and with the annual rows handed over in MWh/yr (not as period averages, solver.scale_annual_rows)
    "hipo+crossover@MWh": {"solver": "hipo", "run_crossover": "on", "_unscaled": True},
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("config", nargs="?", default=str(REPO / "configs" / "suzhou_2025.yaml"))
    ap.add_argument("--set", action="append", default=[], dest="overrides")
    ap.add_argument("--methods", default=",".join(METHODS), help="comma-separated, from: " + ", ".join(METHODS))
    ap.add_argument("--time-limit", type=float, default=900.0,
                    help="per method, s (HiPO's normal-equations and RCM variants were seen to overrun it)")
    args = ap.parse_args()
    unknown = [m for m in args.methods.split(",") if m not in METHODS]
    if unknown:
        ap.error(f"unknown method(s) {', '.join(unknown)}; choose from {', '.join(METHODS)}")

    cfg = load_config(args.config, args.overrides)
    inp = load_inputs(cfg)
    m = build_model(inp, cfg)
    lp = compile_lp(m)
    A = lp.A.tocsr()
    base_opts = highs_options(cfg.solver)
    print(f"{args.config}: {len(lp.columns):,} columns, {len(lp.rows):,} rows, {lp.A.nnz:,} nonzeros")
    probe = HighsModel.from_lp(lp, cfg.solver, m)
    print(f"coefficient ranges (CNY, MW): {probe.coefficient_ranges}; costs are handed to HiGHS x "
          f"{cfg.solver.objective_scale:g}; {probe.size['rows_scaled']} annual rows as period averages")
    rows = []
    ref_obj = None
    for name in args.methods.split(","):
        opts = {**base_opts, **METHODS[name], "time_limit": args.time_limit}
        scale = opts.pop("_objective_scale", cfg.solver.objective_scale)
        unscaled = opts.pop("_unscaled", False)
        hm = HighsModel.from_lp(lp, cfg.solver.model_copy(update={"objective_scale": scale}),
                                None if unscaled else m)
        h = hm.highs
        for k, v in opts.items():
            h.setOptionValue(k, v)
        t0 = time.perf_counter()
        h.run()
        dt = time.perf_counter() - t0
        status = h.getModelStatus().name
        info = h.getInfo()
        sol = h.getSolution()
        obj = float(info.objective_function_value) / scale if sol.value_valid else float("nan")
        viol = float("nan")
        if sol.value_valid:
            x = np.asarray(sol.col_value)
            ax = A @ x
            scale = np.maximum(1.0, np.abs(ax))
            lo = np.where(np.isfinite(lp.row_lower), (lp.row_lower - ax) / scale, 0).clip(min=0)
            up = np.where(np.isfinite(lp.row_upper), (ax - lp.row_upper) / scale, 0).clip(min=0)
            viol = float(max(lo.max(initial=0), up.max(initial=0)))
        if ref_obj is None and status == "kOptimal":
            ref_obj = obj
        rows.append((name, status, dt, obj, viol, int(info.ipm_iteration_count), int(info.simplex_iteration_count),
                     int(info.crossover_iteration_count), bool(sol.dual_valid)))
        rel = abs(obj - ref_obj) / abs(ref_obj) if ref_obj and obj == obj else float("nan")
        print(f"  {name:<18} {status:<12} {dt:8.1f} s  objective rel. diff {rel:.1e}  max rel. row viol. {viol:.1e}"
              f"  duals {bool(sol.dual_valid)}", flush=True)  # a run stopped midway still leaves these lines
    configured = {"on": "hipo+crossover", "off": "hipo", "choose": "hipo+choose"}[cfg.solver.crossover]
    default = next((r for r in rows if r[0] == configured), rows[0])
    print(f"\n{'method':<19}{'status':<13}{'time s':>9}{'x default':>10}{'objective rel. diff':>21}"
          f"{'max rel. row viol.':>20}{'ipm it':>8}{'simplex it':>11}{'xover it':>9}{'duals':>7}")
    for name, status, dt, obj, viol, ipm, spx, xo, dual in rows:
        rel = abs(obj - ref_obj) / abs(ref_obj) if ref_obj and obj == obj else float("nan")
        print(f"{name:<19}{status:<13}{dt:>9.1f}{dt / default[2]:>10.2f}{rel:>21.2e}{viol:>20.2e}{ipm:>8}{spx:>11}"
              f"{xo:>9}{dual!s:>7}")


if __name__ == "__main__":
    main()
