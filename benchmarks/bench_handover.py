"""How long it takes to get the built Pyomo model into HiGHS, by each route, as the model grows.

The solve is the same whichever route loads the model, so this times the hand-over alone (no solve):

1. ``arrays`` (the default): ``compile_lp`` (``optimizer.vector_compile``: templated families with
   numpy, the objective and other rows through Pyomo's compiler) to CSC arrays, then
   ``highspy.Highs.addRows``/``addCols`` (arrays as pointers). Keeps the Pyomo model for duals and
   in-place sweeps. ``arrays-pyomo``: the same with every row through Pyomo's
   ``LinearStandardFormCompiler`` (``solver.vectorize_templates: false``).
2. ``appsi``: Pyomo's persistent HiGHS interface (``pyomo.contrib.appsi.solvers.Highs``), timing
   ``set_instance`` (it walks the model and adds columns and rows to HiGHS through its own API).
3. ``lp-file``: Pyomo's LP writer, then HiGHS reads the file (``readModel``): the classic route. The LP
   writer cannot expand templated constraints, so this route's model is built without templates (one
   expression object per row, as before templates were introduced): its build time shows that cost.

Two model sizes from the same inputs: the single-year case (``--config``, default Suzhou 2025) and the
three-period pathway (``--pathway``, default 2025-2030-2035, three year-models in one LP). Each route
runs on a freshly built model; its time is also given as a ratio to the ``arrays`` route on the same
model, and every route's HiGHS instance is checked to hold the same number of columns, rows and
nonzeros (a route that silently drops rows would otherwise look fast).

    python benchmarks/bench_handover.py [--set key=value ...] [--routes arrays,appsi,...] [--skip-pathway]
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from optimizer.config import load_config  # noqa: E402
from optimizer.inputs import load_inputs  # noqa: E402
from optimizer.model import build_model  # noqa: E402
from optimizer.pathway import build_pathway, load_pathway  # noqa: E402
from optimizer.solve import HighsModel, new_highs  # noqa: E402


def _size(h: Any) -> tuple[int, int, int]:
    lp = h.getLp()
    return int(lp.num_col_), int(lp.num_row_), len(lp.a_matrix_.value_)


def route_arrays(m: Any, cfg: Any) -> tuple[tuple[int, int, int], dict[str, float]]:
    hm = HighsModel(m, cfg.solver)
    return _size(hm.highs), {"compile_s": hm.times["compile_s"], "pass_s": hm.times["pass_s"]}


def route_arrays_pyomo(m: Any, cfg: Any) -> tuple[tuple[int, int, int], dict[str, float]]:
    """The arrays route with every row through Pyomo's compiler (``solver.vectorize_templates: false``)."""
    return route_arrays(m, types.SimpleNamespace(solver=cfg.solver.model_copy(update={"vectorize_templates": False})))


def route_appsi(m: Any, cfg: Any) -> tuple[tuple[int, int, int], dict[str, float]]:
    from pyomo.contrib.appsi.solvers import Highs

    opt = Highs()
    opt.config.stream_solver = False
    opt.set_instance(m)
    return _size(opt._solver_model), {}


def route_lp_file(m: Any, cfg: Any) -> tuple[tuple[int, int, int], dict[str, float]]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.lp"
        t0 = time.perf_counter()
        m.write(str(path), io_options={"symbolic_solver_labels": False})
        t1 = time.perf_counter()
        h = new_highs()
        h.readModel(str(path))
        t2 = time.perf_counter()
    return _size(h), {"write_s": t1 - t0, "read_s": t2 - t1}


#: routes whose model must be built without templated constraints
UNTEMPLATED = {"lp-file"}


@contextlib.contextmanager
def untemplated() -> Any:
    """Build without templates: ``templated()`` then flips a stand-in flag, not Pyomo's."""
    import optimizer.model.sets as sets

    real = sets._pyomo_constraint
    sets._pyomo_constraint = types.SimpleNamespace(TEMPLATIZE_CONSTRAINTS=False)
    try:
        yield
    finally:
        sets._pyomo_constraint = real


ROUTES: dict[str, Callable[[Any, Any], tuple[tuple[int, int, int], dict[str, float]]]] = {
    "arrays": route_arrays, "arrays-pyomo": route_arrays_pyomo, "appsi": route_appsi, "lp-file": route_lp_file}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", default=str(REPO / "configs" / "suzhou_2025.yaml"))
    ap.add_argument("--pathway", default=str(REPO / "configs" / "suzhou_pathway.yaml"))
    ap.add_argument("--set", action="append", default=[], dest="overrides", help="applied to both models")
    ap.add_argument("--routes", default=",".join(ROUTES), help="comma-separated, from: " + ", ".join(ROUTES))
    ap.add_argument("--skip-pathway", action="store_true")
    args = ap.parse_args()
    routes = args.routes.split(",")
    unknown = [r for r in routes if r not in ROUTES]
    if unknown:
        ap.error(f"unknown route(s) {', '.join(unknown)}; choose from {', '.join(ROUTES)}")

    if "lp-file" in routes:  # Pyomo's file writers register with pyomo.environ (the model uses pyomo.core);
        import pyomo.environ  # noqa: F401  imported here, not inside the route's timing

    cfg = load_config(args.config, args.overrides)
    inp = load_inputs(cfg)
    cases: list[tuple[str, Callable[[], Any], Any]] = [("one year", lambda: build_model(inp, cfg), cfg)]
    if not args.skip_pathway:
        pw = load_pathway(args.pathway, args.overrides)
        cases.append((f"{len(pw.periods)} periods", lambda: build_pathway(pw), pw.configs[pw.periods[0]]))

    rows = []
    for case, build, case_cfg in cases:
        sizes = {}
        for route in routes:
            t0 = time.perf_counter()
            with untemplated() if route in UNTEMPLATED else contextlib.nullcontext():
                m = build()
            t1 = time.perf_counter()
            size, parts = ROUTES[route](m, case_cfg)
            t2 = time.perf_counter()
            sizes[route] = size
            rows.append((case, route, t1 - t0, t2 - t1, size, parts))
            detail = ", ".join(f"{k} {v:.2f}" for k, v in parts.items())
            print(f"{case:<10} {route:<12} build {t1 - t0:7.2f} s  hand-over {t2 - t1:7.2f} s  "
                  f"{size[0]:,} cols {size[1]:,} rows {size[2]:,} nnz  {detail}", flush=True)
            del m
        if len(set(sizes.values())) > 1:
            print(f"  note: the routes hold different LPs for {case}: {sizes} (presolve-like reductions by a "
                  "route, or ranged rows split differently)")

    print(f"\n{'model':<11}{'route':<13}{'build s':>9}{'hand-over s':>13}{'x arrays':>10}{'columns':>10}{'rows':>10}")
    base = {case: ho for case, route, _, ho, _, _ in rows if route == "arrays"}
    for case, route, b, ho, size, _ in rows:
        ratio = f"{ho / base[case]:.2f}" if case in base and base[case] > 0 else "-"
        print(f"{case:<11}{route:<13}{b:>9.2f}{ho:>13.2f}{ratio:>10}{size[0]:>10,}{size[1]:>10,}")


if __name__ == "__main__":
    main()
