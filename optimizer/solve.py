"""Hand the Pyomo model to HiGHS in memory and solve it.

The model is compiled to matrices by Pyomo's ``LinearStandardFormCompiler`` (no LP file) and passed
to ``highspy`` as arrays. The row and column maps are kept, so the solution and the row duals are
written back to the Pyomo variables and constraints, and so a later solve can change right-hand
sides or costs in place.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from typing import Any

import highspy
import numpy as np
import pyomo.environ as pyo
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

from optimizer.config import SolverConfig

log = logging.getLogger("optimizer")

#: HiGHS model status -> our status word
STATUS = {
    "kOptimal": "optimal",
    "kInfeasible": "infeasible",
    "kUnboundedOrInfeasible": "infeasible_or_unbounded",
    "kUnbounded": "unbounded",
    "kTimeLimit": "time_limit",
    "kIterationLimit": "iteration_limit",
    "kInterrupt": "interrupted",
    "kHighsInterrupt": "interrupted",
    "kMemoryLimit": "memory_limit",
}


@dataclass
class SolveResult:
    """Outcome of one solve, with the timings of each stage (s)."""

    status: str
    highs_status: str
    objective: float
    primal_valid: bool
    dual_valid: bool
    times: dict[str, float]
    info: dict[str, Any]
    duals: dict[Any, float] = field(repr=False, default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def optimal(self) -> bool:
        return self.status == "optimal"


def highs_options(cfg: SolverConfig) -> dict[str, Any]:
    """HiGHS option values for a solver config."""
    opts: dict[str, Any] = {
        "solver": cfg.method,
        "run_crossover": "on" if cfg.crossover else "off",
        "presolve": "on" if cfg.presolve else "off",
        "primal_feasibility_tolerance": cfg.primal_feasibility_tolerance,
        "dual_feasibility_tolerance": cfg.dual_feasibility_tolerance,
        "ipm_optimality_tolerance": cfg.ipm_optimality_tolerance,
        "output_flag": cfg.log_to_console,
        "log_to_console": cfg.log_to_console,
    }
    if cfg.threads:
        opts["threads"] = cfg.threads
    if cfg.time_limit_s is not None:
        opts["time_limit"] = float(cfg.time_limit_s)
    return opts


def new_highs() -> highspy.Highs:
    """A silent HiGHS instance (its licence banner, printed at first construction, goes to stderr)."""
    import os
    import sys

    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    h.setOptionValue("output_flag", False)
    return h


class HighsModel:
    """A compiled LP living in a HiGHS instance, mapped back to the Pyomo model."""

    def __init__(self, m: pyo.ConcreteModel, cfg: SolverConfig):
        self.model = m
        self.cfg = cfg
        t0 = time.perf_counter()
        repn = LinearStandardFormCompiler().write(m, mixed_form=True, set_sense=None)
        t1 = time.perf_counter()
        self.columns = repn.columns
        self.rows = repn.rows
        n_col = len(repn.columns)
        n_row = len(repn.rows)
        A = repn.A.tocsc()
        lower = np.empty(n_col)
        upper = np.empty(n_col)
        for j, v in enumerate(repn.columns):
            lb, ub = v.bounds
            lower[j] = -math.inf if lb is None else lb
            upper[j] = math.inf if ub is None else ub
        senses = np.fromiter((r.bound_type for r in repn.rows), dtype=np.int8, count=n_row)
        rhs = np.asarray(repn.rhs, dtype=float)
        row_lower = np.where(senses >= 0, np.where(senses == 0, rhs, -math.inf), rhs)
        row_upper = np.where(senses <= 0, np.where(senses == 0, rhs, math.inf), rhs)
        cost = np.asarray(repn.c.toarray()).ravel() if repn.c.shape[0] else np.zeros(n_col)
        self.offset = float(repn.c_offset[0]) if len(repn.c_offset) else 0.0

        lp = highspy.HighsLp()
        lp.num_col_ = n_col
        lp.num_row_ = n_row
        lp.col_cost_ = cost
        lp.col_lower_ = lower
        lp.col_upper_ = upper
        lp.row_lower_ = row_lower
        lp.row_upper_ = row_upper
        lp.offset_ = self.offset
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = A.indptr
        lp.a_matrix_.index_ = A.indices
        lp.a_matrix_.value_ = A.data
        self.highs = new_highs()
        self.highs.passModel(lp)
        t2 = time.perf_counter()
        self.times = {"compile_s": t1 - t0, "pass_s": t2 - t1}
        self.size = {"columns": n_col, "rows": n_row, "nonzeros": int(A.nnz)}
        nz = np.abs(A.data[A.data != 0])
        cz = np.abs(cost[cost != 0])
        self.coefficient_ranges = {
            "matrix": [float(nz.min()), float(nz.max())] if nz.size else [0.0, 0.0],
            "cost": [float(cz.min()), float(cz.max())] if cz.size else [0.0, 0.0],
        }

    def solve(self) -> SolveResult:
        """Solve, write the solution into the Pyomo variables, and collect the duals."""
        opts = highs_options(self.cfg)
        for k, v in opts.items():
            self.highs.setOptionValue(k, v)
        t0 = time.perf_counter()
        self.highs.run()
        solve_s = time.perf_counter() - t0
        ms = self.highs.getModelStatus()
        name = ms.name if hasattr(ms, "name") else str(ms).split(".")[-1]
        status = STATUS.get(name, "error")
        info = self.highs.getInfo()
        sol = self.highs.getSolution()
        primal_valid = bool(sol.value_valid)
        dual_valid = bool(sol.dual_valid)
        t1 = time.perf_counter()
        duals: dict[Any, float] = {}
        if primal_valid:
            x = np.asarray(sol.col_value)
            for v, val in zip(self.columns, x.tolist(), strict=True):
                v.set_value(val, skip_validation=True)
        if dual_valid:
            y = np.asarray(sol.row_dual).tolist()
            for (con, _), d in zip(self.rows, y, strict=True):
                duals[con] = duals.get(con, 0.0) + d
        t2 = time.perf_counter()
        obj = float(info.objective_function_value) if primal_valid else float("nan")
        result = SolveResult(
            status=status,
            highs_status=name,
            objective=obj,
            primal_valid=primal_valid,
            dual_valid=dual_valid,
            times={**self.times, "solve_s": solve_s, "load_solution_s": t2 - t1},
            info={
                "simplex_iterations": int(info.simplex_iteration_count),
                "ipm_iterations": int(info.ipm_iteration_count),
                "crossover_iterations": int(info.crossover_iteration_count),
                "max_primal_infeasibility": float(info.max_primal_infeasibility),
                "max_dual_infeasibility": float(info.max_dual_infeasibility),
                "mip_gap": float("nan"),
                **self.size,
            },
            duals=duals,
            options=opts,
        )
        log.info("HiGHS %s in %.2f s (objective %.6g)", status, solve_s, obj)
        return result


def solve_model(m: pyo.ConcreteModel, cfg: SolverConfig) -> tuple[SolveResult, HighsModel]:
    """Compile, hand over and solve ``m``."""
    hm = HighsModel(m, cfg)
    return hm.solve(), hm
