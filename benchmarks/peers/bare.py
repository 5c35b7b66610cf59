"""The bare solver: our LP handed to highspy as arrays, the floor for any modelling layer.

``prepare`` compiles the model once with :func:`optimizer.solve.compile_lp` (not timed) and saves the
arrays to an ``.npz`` exactly as :class:`optimizer.solve.HighsModel` hands them to HiGHS (costs and
offset times the config's ``solver.objective_scale`` where the project has one, annual rows divided by the
period's hours when ``solver.scale_annual_rows`` is on); ``run`` times only
what no modelling layer can avoid: reading the arrays, ``passModel``, HiGHS's ``run`` and copying
``col_value`` / ``row_dual`` into numpy. ``objective`` divides the scale back out.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

#: the arrays of a compiled LP, in the order they are saved
FIELDS = ("indptr", "indices", "data", "shape", "cost", "offset", "col_lower", "col_upper", "row_lower", "row_upper",
          "scale")


def save_npz(lp: Any, path: str | Path, scale: float = 1.0, row_scale: np.ndarray | None = None) -> None:
    """Save a :class:`optimizer.solve.CompiledLP` (column-wise matrix) to an uncompressed ``.npz``.

    ``scale`` multiplies the costs and the offset, ``row_scale`` the rows, as HighsModel does at the
    solver boundary.
    """
    A = lp.A.tocsc()
    r = np.ones(A.shape[0]) if row_scale is None else row_scale
    np.savez(path, indptr=A.indptr, indices=A.indices, data=A.data * r[A.indices], shape=np.asarray(A.shape),
             cost=lp.cost * scale, offset=np.asarray([lp.offset * scale]), col_lower=lp.col_lower,
             col_upper=lp.col_upper, row_lower=lp.row_lower * r, row_upper=lp.row_upper * r, scale=np.asarray([scale]))


def prepare(config: str | Path, overrides: list[str], path: str | Path) -> dict[str, Any]:
    """Load, build and compile our model for ``config`` and save its arrays to ``path`` (not timed)."""
    from optimizer.config import load_config
    from optimizer.inputs import load_inputs
    from optimizer.model import build_model
    from optimizer.solve import annual_row_scale, compile_lp, period_hours

    cfg = load_config(config, overrides)
    m = build_model(load_inputs(cfg), cfg)
    t0 = time.perf_counter()
    lp = compile_lp(m)
    compile_s = time.perf_counter() - t0
    scale = float(getattr(cfg.solver, "objective_scale", 1.0))
    rows = annual_row_scale(lp, period_hours(m) if cfg.solver.scale_annual_rows else None)
    save_npz(lp, path, scale, rows)
    return {"compile_s": compile_s, "columns": len(lp.columns), "rows": len(lp.rows), "nonzeros": int(lp.A.nnz),
            "objective_scale": scale, "rows_scaled": int((rows != 1.0).sum())}


def load_npz(path: str | Path) -> dict[str, np.ndarray]:
    """Read every array of the ``.npz`` into memory."""
    with np.load(path) as f:
        return {k: np.array(f[k]) for k in FIELDS}


def pass_model(arrays: dict[str, np.ndarray], options: dict[str, Any]) -> Any:
    """A HiGHS instance holding the LP, with ``options`` set."""
    import highspy

    h = highspy.Highs()
    for k, v in options.items():
        h.setOptionValue(k, v)
    n_row, n_col = (int(x) for x in arrays["shape"])
    # rows, then columns with their matrix entries, as pointers: as optimizer.solve hands its arrays over
    f64, i32 = np.float64, np.int32
    h.addRows(n_row, np.ascontiguousarray(arrays["row_lower"], dtype=f64),
              np.ascontiguousarray(arrays["row_upper"], dtype=f64), 0, np.zeros(n_row, dtype=i32),
              np.zeros(0, dtype=i32), np.zeros(0, dtype=f64))
    h.addCols(n_col, *(np.ascontiguousarray(arrays[k], dtype=f64) for k in ("cost", "col_lower", "col_upper")),
              int(arrays["data"].size), np.ascontiguousarray(arrays["indptr"][:n_col], dtype=i32),
              np.ascontiguousarray(arrays["indices"], dtype=i32), np.ascontiguousarray(arrays["data"], dtype=f64))
    h.changeObjectiveOffset(float(arrays["offset"][0]))
    return h


def objective(h: Any, arrays: dict[str, np.ndarray]) -> float:
    """The objective in CNY/yr (HiGHS's value with the objective scale divided out)."""
    return float(h.getInfo().objective_function_value) / float(arrays["scale"][0])


def solution(h: Any) -> tuple[np.ndarray, np.ndarray]:
    """The primal column values and the row duals as numpy arrays."""
    sol = h.getSolution()
    return np.asarray(sol.col_value), np.asarray(sol.row_dual)


def run(path: str | Path, options: dict[str, Any]) -> dict[str, Any]:
    """Load, pass, solve and extract once; wall times of each step (s) and the objective."""
    t0 = time.perf_counter()
    arrays = load_npz(path)
    t1 = time.perf_counter()
    h = pass_model(arrays, options)
    t2 = time.perf_counter()
    h.run()
    t3 = time.perf_counter()
    x, y = solution(h)
    t4 = time.perf_counter()
    return {"times": {"load_s": t1 - t0, "handover_s": t2 - t1, "highs_s": t3 - t2, "extract_s": t4 - t3},
            "status": h.modelStatusToString(h.getModelStatus()),
            "objective": objective(h, arrays), "columns": int(x.size), "rows": int(y.size)}
