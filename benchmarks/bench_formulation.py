"""What the formulation's size reductions and the solver-boundary units buy, each measured alone.

Every variant is the same optimisation problem written differently (the objectives must agree to
1e-6 relative, else the variant is flagged); each is built, handed over and solved in this process,
one after the other, with the configured solver options:

* ``default``: the model as shipped. Fixed capacities (existing coal, the contracted hydro corridors)
  are variable bounds, ramp rows that cannot bind (limit per step >= 1) are left out, unserved energy
  is a column per hour, costs are handed to HiGHS in CNY.
* ``fixed-as-rows``: the fixed capacities written as capacity rows ``p <= a (P0 + P_new)`` with
  ``P_new`` pinned to 0, as a model without that reduction would have them;
* ``slack-ramp-rows``: ramp rows kept for gas although its limit (0.999 of capacity per hour) can
  never bind, as a model that writes every ramp row would have them;
* ``no-unserved``: unserved energy switched off (8,760 fewer columns; the same optimum when no load
  is shed, which the default case's result shows);
* ``costs-in-MCNY``: costs handed to HiGHS in million CNY (``solver.objective_scale=1e-6``);
* ``annual-rows-in-MWh``: the rows that sum over every hour (energy limits, shares, carbon cap) handed
  to HiGHS as the model states them, in MWh/yr, tce/yr or tCO2/yr, instead of divided by the
  period's hours (``solver.scale_annual_rows=false``);
* ``total-capacity``: the capacity columns shifted from new capacity (``p - a P_new <= a P0``,
  ``P_new >= 0``) to total capacity (``p - a P <= 0``, ``P >= P0``), PyPSA's form, by substituting
  ``P_new = P - P0`` in the compiled arrays (bounds, row bounds and objective offset moved).
* ``time-major``: the same arrays with columns and rows ordered by hour instead of by family;
* ``bounds-as-rows``: every finite column bound written as a singleton row on a free column, as
  linopy hands PyPSA's LP to HiGHS (PyPSA's LP presolves to exactly our presolved size, 103,994
  columns x 95,233 rows on the 2025 case, yet takes 26 interior-point iterations to our 30).

Sizes are before HiGHS's presolve, which removes some of the difference again; the solve time and
the interior-point iteration count show what is left. Times are ratios to ``default`` in this run.

    python benchmarks/bench_formulation.py [CONFIG] [--set key=value ...] [--variants a,b,...]
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from optimizer.config import load_config  # noqa: E402
from optimizer.inputs import Inputs, load_inputs  # noqa: E402
from optimizer.model import build_model  # noqa: E402
from optimizer.solve import CompiledLP, HighsModel, compile_lp  # noqa: E402


@contextlib.contextmanager
def fixed_as_rows() -> Iterator[None]:
    """Build with fixed capacities as rows: the constraint modules see no fixed technology (their rows
    are written), while the capacity module still pins the new capacity to 0 (the same problem)."""
    from optimizer.model import dispatch, imports, storage

    mods = (dispatch, imports, storage)
    real = [mod.is_fixed for mod in mods]
    for mod in mods:
        mod.is_fixed = lambda _inp, _k: False
    try:
        yield
    finally:
        for mod, f in zip(mods, real, strict=True):
            mod.is_fixed = f


def total_capacity(lp: CompiledLP, inp: Inputs) -> CompiledLP:
    """The same LP with every new-capacity column P_new replaced by total capacity P = P0 + P_new."""
    shift = np.zeros(len(lp.columns))
    for j, v in enumerate(lp.columns):
        comp = v.parent_component().name
        if comp in ("new_mw", "new_mwh"):
            shift[j] = float(inp.techs.at[v.index(), "existing_mwh" if comp == "new_mwh" else "existing_mw"])
    a_shift = lp.A @ shift
    return dataclasses.replace(lp, col_lower=lp.col_lower + shift, col_upper=lp.col_upper + shift,
                               row_lower=lp.row_lower + a_shift, row_upper=lp.row_upper + a_shift,
                               offset=lp.offset - float(lp.cost @ shift))


def _hour(obj: object) -> int:
    """The time step in a Pyomo component's index (-1 for annual components)."""
    idx = obj.index()
    idx = idx if isinstance(idx, tuple) else (idx,)
    return next((i for i in reversed(idx) if isinstance(i, int)), -1)


def time_major(lp: CompiledLP) -> CompiledLP:
    """The same LP with columns and rows ordered by hour (every quantity of hour t together) instead
    of by constraint family; annual columns and rows first."""
    cp = np.argsort([_hour(v) for v in lp.columns], kind="stable")
    rp = np.argsort([_hour(r[0]) for r in lp.rows], kind="stable")
    a = lp.A.tocsc()[rp][:, cp].tocsc()
    a.sort_indices()
    return CompiledLP([lp.columns[j] for j in cp], [lp.rows[i] for i in rp], a, lp.cost[cp], lp.offset,
                      lp.col_lower[cp], lp.col_upper[cp], lp.row_lower[rp], lp.row_upper[rp])


def bounds_as_rows(lp: CompiledLP) -> CompiledLP:
    """The same LP with every finite column bound written as a singleton row and the columns left free,
    as linopy hands PyPSA's LP to HiGHS."""
    import scipy.sparse as sp

    j = np.flatnonzero((np.isfinite(lp.col_lower) | np.isfinite(lp.col_upper)) & (lp.col_lower < lp.col_upper))
    bound_rows = sp.csr_matrix((np.ones(len(j)), (np.arange(len(j)), j)), shape=(len(j), len(lp.columns)))
    a = sp.vstack([lp.A.tocsr(), bound_rows]).tocsc()
    a.sort_indices()
    lower, upper = lp.col_lower.copy(), lp.col_upper.copy()
    lower[j], upper[j] = -np.inf, np.inf
    return CompiledLP(lp.columns, [*lp.rows, *[(None, 0)] * len(j)], a, lp.cost, lp.offset, lower, upper,
                      np.concatenate([lp.row_lower, lp.col_lower[j]]), np.concatenate([lp.row_upper, lp.col_upper[j]]))


VARIANTS = ["default", "fixed-as-rows", "slack-ramp-rows", "no-unserved", "costs-in-MCNY", "annual-rows-in-MWh",
            "total-capacity", "time-major", "bounds-as-rows"]
TRANSFORMS = {"total-capacity": lambda lp, inp: total_capacity(lp, inp), "time-major": lambda lp, _: time_major(lp),
              "bounds-as-rows": lambda lp, _: bounds_as_rows(lp)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("config", nargs="?", default=str(REPO / "configs" / "suzhou_2025.yaml"))
    ap.add_argument("--set", action="append", default=[], dest="overrides")
    ap.add_argument("--variants", default=",".join(VARIANTS), help="comma-separated, from: " + ", ".join(VARIANTS))
    args = ap.parse_args()
    names = args.variants.split(",")
    unknown = [v for v in names if v not in VARIANTS]
    if unknown:
        ap.error(f"unknown variant(s) {', '.join(unknown)}; choose from {', '.join(VARIANTS)}")
    extra = {
        "default": [],
        "fixed-as-rows": [],
        "slack-ramp-rows": ["technologies.gas_ccgt_new.ramp_frac_per_h=0.999"],
        "no-unserved": ["economics.allow_unserved=false"],
        "costs-in-MCNY": ["solver.objective_scale=1e-6"],
        "annual-rows-in-MWh": ["solver.scale_annual_rows=false"],
        "total-capacity": [],
        "time-major": [],
        "bounds-as-rows": [],
    }
    rows = []
    for name in names:
        cfg = load_config(args.config, args.overrides + extra[name])
        inp = load_inputs(cfg)
        t0 = time.perf_counter()
        with fixed_as_rows() if name == "fixed-as-rows" else contextlib.nullcontext():
            m = build_model(inp, cfg)
        if name in TRANSFORMS:
            hm = HighsModel.from_lp(TRANSFORMS[name](compile_lp(m), inp), cfg.solver, m)
        else:
            hm = HighsModel(m, cfg.solver)
        t1 = time.perf_counter()
        sol = hm.solve(warm=False)
        t2 = time.perf_counter()
        rows.append((name, hm.size, t1 - t0, t2 - t1, sol.status, sol.objective, sol.info["ipm_iterations"],
                     sol.info["crossover_iterations"], hm.coefficient_ranges))
        print(f"  {name:<16} {sol.status:<8} build+hand-over {t1 - t0:6.1f} s  solve {t2 - t1:7.1f} s", flush=True)
    ref = next((r for r in rows if r[0] == "default"), rows[0])
    print(f"\n{'variant':<17}{'columns':>9}{'rows':>9}{'nonzeros':>10}{'build s':>9}{'solve s':>9}{'x default':>10}"
          f"{'ipm it':>8}{'xover it':>9}  objective vs default")
    for name, size, b, s, status, obj, ipm, xo, _ in rows:
        rel = abs(obj - ref[5]) / abs(ref[5])
        flag = "" if status == "optimal" and rel <= 1e-6 else f"  <- {status}, NOT the same optimum"
        print(f"{name:<17}{size['columns']:>9,}{size['rows']:>9,}{size['nonzeros']:>10,}{b:>9.1f}{s:>9.1f}"
              f"{s / ref[3]:>10.2f}{ipm:>8}{xo:>9}  {rel:.1e}{flag}")
    print(f"\ncoefficient ranges of {ref[0]} (CNY, MW; costs-in-MCNY multiplies costs by 1e-6): {ref[8]}")


if __name__ == "__main__":
    main()
