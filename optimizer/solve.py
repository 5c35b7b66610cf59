"""Hand the Pyomo model to HiGHS in memory and solve it.

The model is compiled to matrices (no LP file) by :mod:`optimizer.vector_compile`, with numpy from
Pyomo's own expressions (Pyomo's ``LinearStandardFormCompiler`` takes whatever that does not
understand); the arrays are passed to ``highspy``. The row and column maps are kept, so the
solution and the row duals are written back to the Pyomo variables and constraints, and so a later
solve can change right-hand sides or costs in place.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import highspy
import numpy as np
import pyomo.core as pyo

from optimizer.config import SolverConfig
from optimizer.gc_pause import gc_paused
from optimizer.vector_compile import standard_form

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

#: statuses with which HiPO ended without a verdict: the solve is repeated once with IPX
FALLBACK_STATUSES = ("kSolveError", "kUnknown")
#: a warm re-solve may always take this long (s): small solves' times are noise, never a reason to abandon
WARM_BUDGET_FLOOR_S = 1.0
DUAL_ZERO = 1e-7  # multipliers below HiGHS's default dual feasibility tolerance count as zero


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
    #: the rows' sensitivities to a linear expression at this solve's optimal basis (see
    #: :meth:`HighsModel.basis_duals`; None from the function when no basis can be had); None when the
    #: solve did not end optimal
    basis_duals: Callable[[Any], dict[Any, float] | None] | None = field(repr=False, default=None)

    @property
    def optimal(self) -> bool:
        return self.status == "optimal"


_NOT_OPTIMAL_HINT = {
    "kUnknown": "it stopped without proving optimality (numerical trouble)",
    "kSolveError": "its solve failed",
    "kUnbounded": "the cost can fall without limit (a cost or bound is missing)",
    "kMemoryLimit": "it ran out of memory",
    "kObjectiveBound": "it stopped at the objective bound",
    "kObjectiveTarget": "it stopped at the objective target",
    "kNotset": "it did not run",
    "kModelError": "it rejected the model",
    "kPresolveError": "its presolve failed",
    "kPostsolveError": "its postsolve failed",
}


def not_optimal_message(sol: SolveResult) -> str:
    """One line for a solve that ended without an optimum HiGHS vouches for."""
    what = _NOT_OPTIMAL_HINT.get(sol.highs_status, "it ended without an optimal solution")
    tip = "; try solver.method: simplex or ipx, and check the inputs for extreme magnitudes"
    if sol.status == "unbounded":
        tip = ""
    return f"HiGHS found no optimal solution: {what} (model status {sol.highs_status}){tip}"


def highs_options(cfg: SolverConfig, *, basis: bool = False) -> dict[str, Any]:
    """HiGHS option values for a solver config; ``basis``: the solve must leave a basis (crossover on
    unless the config turns it off), for re-solves that warm-start from it."""
    crossover = "on" if basis and cfg.crossover == "choose" else cfg.crossover
    opts: dict[str, Any] = {
        "solver": cfg.method,
        "run_crossover": crossover,
        "presolve": "on" if cfg.presolve else "off",
        "primal_feasibility_tolerance": cfg.primal_feasibility_tolerance,
        "dual_feasibility_tolerance": cfg.dual_feasibility_tolerance,
        "ipm_optimality_tolerance": cfg.ipm_optimality_tolerance,
        "output_flag": cfg.log_to_console,
        "log_to_console": cfg.log_to_console,
    }
    if cfg.threads:
        opts["threads"] = cfg.threads
    if cfg.method == "ipm":
        opts["hipo_ordering"] = cfg.hipo_ordering
    # always set: an instance that re-solves must not keep a previous solve's limit
    opts["time_limit"] = float(cfg.time_limit_s) if cfg.time_limit_s is not None else math.inf
    return opts


def new_highs() -> highspy.Highs:
    """A silent HiGHS instance (its licence banner, printed at first construction, is discarded)."""
    import os
    import sys

    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)
    h.setOptionValue("output_flag", False)
    return h


def _magnitudes(values: np.ndarray) -> list[float]:
    """[smallest, largest] finite nonzero magnitude ([0, 0] when there is none)."""
    a = np.abs(values[np.isfinite(values) & (values != 0)])
    return [float(a.min()), float(a.max())] if a.size else [0.0, 0.0]


def period_hours(m: pyo.Block) -> tuple[int, float] | None:
    """(steps, hours) of the model's time axis: the fewest steps of any period and the most hours a
    period stands for (a pathway has one time axis per period block); None without a time axis."""
    axes = [(len(b.T), float(sum(b.weight_h.extract_values().values())))
            for b in m.block_data_objects(active=True) if b.component("T") is not None
            and b.component("weight_h") is not None]
    if not axes:
        return None
    return min(n for n, _ in axes), max(h for _, h in axes)


def annual_row_scale(lp: CompiledLP, axis: tuple[int, float] | None) -> np.ndarray:
    r"""Row multipliers that hand every annual row to HiGHS as a period average (MWh/yr -> MW).

    A row with at least one entry per time step sums over the year (energy limits, shares, carbon
    caps: bounds of 1e6-1e8 MWh, tce or tCO2). Divided by the hours of the period, its bounds sit
    beside the hourly rows' MW; HiPO needs fewer iterations (Suzhou 2025: 25 instead of 29-30).
    Exact: the row duals are multiplied back (:meth:`HighsModel.solve`).
    """
    scale = np.ones(len(lp.rows))
    if axis is None or axis[1] <= 0:
        return scale
    nnz = np.bincount(lp.A.indices, minlength=len(lp.rows))
    scale[nnz >= max(axis[0], 2)] = 1.0 / axis[1]
    return scale


@dataclass
class CompiledLP:
    """The LP as arrays, with the Pyomo columns and rows they came from."""

    columns: list[Any]
    rows: list[Any]
    A: Any  # scipy.sparse csc
    cost: np.ndarray
    offset: float
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray

    def same_structure(self, other: CompiledLP) -> bool:
        """Same shape and sparsity pattern: the other LP differs only in numbers."""
        return (self.A.shape == other.A.shape and np.array_equal(self.A.indptr, other.A.indptr)
                and np.array_equal(self.A.indices, other.A.indices))


def _import_sparse(module: object, available: bool) -> None:
    if available:
        import scipy.sparse  # noqa: F401


def light_scipy() -> bool:
    """Let Pyomo's first use of scipy import scipy.sparse only; True when the change was made.

    Pyomo defers its scipy import and, when scipy is first imported by anyone (the standard-form
    compiler needs scipy.sparse), runs a callback that also imports scipy.stats, scipy.integrate and
    scipy.spatial, for modules no run uses (scipy still imports them lazily on first attribute
    access). Measured 2026-12-07 (seven fresh processes each, alternating): Pyomo's first use of
    scipy.sparse took 0.15 s with the swap against 1.31 s without; once per process. The callback
    is swapped for one that imports scipy.sparse before scipy is first imported; after that, or in
    another Pyomo, nothing is done.
    """
    import sys

    if "scipy" in sys.modules:
        return False
    try:
        from pyomo.common import dependencies

        flag = dependencies.scipy._indicator_flag
        if flag._module is not None or flag._callback is None:
            return False
        flag._callback = _import_sparse
        return True
    except AttributeError:
        return False


def compile_lp(m: pyo.ConcreteModel, *, vectorize: bool = True) -> CompiledLP:
    """Compile a Pyomo model to arrays (mixed senses) with :mod:`optimizer.vector_compile` (templated
    families with numpy, anything else, the objective included, with Pyomo's standard-form compiler);
    ``vectorize=False`` gives every row to Pyomo's compiler (the same LP, columns in Pyomo's order)."""
    light_scipy()
    # the compiler makes several objects per nonzero, none of them garbage; with Python's cyclic garbage
    # collector running it would rescan the whole model (millions of objects) again and again. Pyomo's
    # file writers pause it; its standard-form compiler (6.10) does not, so it is paused here (measured
    # in optimizer.gc_pause).
    with gc_paused():
        return _compile(m, vectorize)


def _compile(m: pyo.ConcreteModel, vectorize: bool) -> CompiledLP:
    sf = standard_form(m, vectorize=vectorize)
    n_col = len(sf.columns)
    # no bound is None, which numpy reads as NaN: one pass over the columns, then whole arrays
    bounds = np.array([v.bounds for v in sf.columns], dtype=float).reshape(n_col, 2)
    lower = np.where(np.isnan(bounds[:, 0]), -math.inf, bounds[:, 0])
    upper = np.where(np.isnan(bounds[:, 1]), math.inf, bounds[:, 1])
    senses, rhs = sf.senses, sf.rhs
    row_lower = np.where(senses >= 0, np.where(senses == 0, rhs, -math.inf), rhs)
    row_upper = np.where(senses <= 0, np.where(senses == 0, rhs, math.inf), rhs)
    return CompiledLP(sf.columns, sf.rows, sf.A, sf.cost, sf.offset, lower, upper, row_lower, row_upper)


class HighsModel:
    """A compiled LP living in a HiGHS instance, mapped back to the Pyomo model.

    The instance persists: :meth:`update` moves it to a new Pyomo model of the same structure by
    changing only the numbers that differ, and :meth:`set_row_bounds` changes one row in place; the
    next :meth:`solve` then starts from the previous basis (dual simplex), which is far cheaper than
    a cold solve when only right-hand sides or costs move.
    """

    def __init__(self, m: pyo.ConcreteModel, cfg: SolverConfig, *, basis: bool = False):
        self.model = m
        self.cfg = cfg
        self.basis = basis  # re-solves will warm-start: the cold solve leaves a basis
        self.solves = 0
        t0 = time.perf_counter()
        lp = compile_lp(m, vectorize=cfg.vectorize_templates)
        t1 = time.perf_counter()
        self._load(lp)
        t2 = time.perf_counter()
        self.times = {"compile_s": t1 - t0, "pass_s": t2 - t1}

    @classmethod
    def from_lp(cls, lp: CompiledLP, cfg: SolverConfig, model: pyo.ConcreteModel | None = None) -> HighsModel:
        """A HiGHS instance for an already compiled LP (benchmarks compare methods on one LP)."""
        hm = cls.__new__(cls)
        hm.model, hm.cfg, hm.times, hm.basis = model, cfg, {"compile_s": 0.0, "pass_s": 0.0}, False
        hm._load(lp)
        return hm

    def _load(self, lp: CompiledLP) -> None:
        self.lp = lp
        axis = period_hours(self.model) if self.model is not None and self.cfg.scale_annual_rows else None
        #: HiGHS's row i is row i of the LP times row_scale[i] (annual rows as period averages)
        self.row_scale = annual_row_scale(lp, axis)
        self.columns, self.rows = lp.columns, lp.rows
        self._row_index: dict[Any, list[int]] | None = None
        self.obj_scale = float(self.cfg.objective_scale)
        r = self.row_scale
        n_col, n_row = len(lp.columns), len(lp.rows)
        value_in_highs = lp.A.data * r[lp.A.indices]
        self.highs = new_highs()
        # the arrays are handed over as pointers, rows first, then the columns with their matrix entries
        # (HiGHS copies each array once in C++): filling a HighsLp attribute by attribute converts every
        # element in Python (0.06 s for a year against under 0.01 s). passModel's pointer form would also
        # do, but it insists on an integrality array, and HiGHS then warns that it holds no integers.
        f64, i32 = np.float64, np.int32
        status = (
            self.highs.addRows(n_row, np.ascontiguousarray(lp.row_lower * r, dtype=f64),
                               np.ascontiguousarray(lp.row_upper * r, dtype=f64), 0, np.zeros(n_row, dtype=i32),
                               np.zeros(0, dtype=i32), np.zeros(0, dtype=f64)),
            self.highs.addCols(n_col, np.ascontiguousarray(lp.cost * self.obj_scale, dtype=f64),
                               np.ascontiguousarray(lp.col_lower, dtype=f64),
                               np.ascontiguousarray(lp.col_upper, dtype=f64), int(lp.A.nnz),
                               np.ascontiguousarray(lp.A.indptr[:n_col], dtype=i32),
                               np.ascontiguousarray(lp.A.indices, dtype=i32),
                               np.ascontiguousarray(value_in_highs, dtype=f64)),
            self.highs.changeObjectiveOffset(float(lp.offset * self.obj_scale)),
        )
        if highspy.HighsStatus.kError in status:  # pragma: no cover - a programming error, not an input error
            raise RuntimeError("HiGHS rejected the compiled LP")
        self.solves = 0
        self.last_cold_solve_s: float | None = None  # sets the warm-start budget of later re-solves
        self.size = {"columns": len(lp.columns), "rows": len(lp.rows), "nonzeros": int(lp.A.nnz),
                     "rows_scaled": int((r != 1.0).sum())}
        bounds = np.concatenate([lp.row_lower, lp.row_upper])
        scaled = np.concatenate([lp.row_lower * r, lp.row_upper * r])
        #: magnitudes as the model states them and as HiGHS receives them (after the boundary scaling)
        self.coefficient_ranges = {
            "matrix": _magnitudes(lp.A.data), "cost": _magnitudes(lp.cost), "row_bounds": _magnitudes(bounds),
            "matrix_in_highs": _magnitudes(value_in_highs),
            "cost_in_highs": _magnitudes(lp.cost * self.obj_scale), "row_bounds_in_highs": _magnitudes(scaled),
        }

    def update(self, m: pyo.ConcreteModel) -> bool:
        """Point this HiGHS instance at ``m``, a model of the same structure with other numbers.

        Returns False (and changes nothing) when the structure differs; the caller then builds a
        new :class:`HighsModel`. Only changed costs, bounds and coefficients are sent to HiGHS, so
        its basis survives for a warm start.
        """
        t0 = time.perf_counter()
        new = compile_lp(m, vectorize=self.cfg.vectorize_templates)
        t1 = time.perf_counter()
        old = self.lp
        if not old.same_structure(new) or len(old.rows) != len(new.rows):
            return False
        h = self.highs
        idx = np.flatnonzero(old.cost != new.cost)
        if idx.size:
            h.changeColsCost(idx.size, idx.astype(np.int32), new.cost[idx] * self.obj_scale)
        idx = np.flatnonzero((old.col_lower != new.col_lower) | (old.col_upper != new.col_upper))
        if idx.size:
            h.changeColsBounds(idx.size, idx.astype(np.int32), new.col_lower[idx], new.col_upper[idx])
        r = self.row_scale
        idx = np.flatnonzero((old.row_lower != new.row_lower) | (old.row_upper != new.row_upper))
        if idx.size:
            h.changeRowsBounds(idx.size, idx.astype(np.int32), new.row_lower[idx] * r[idx], new.row_upper[idx] * r[idx])
        changed = np.flatnonzero(old.A.data != new.A.data)
        if changed.size:
            cols = np.searchsorted(new.A.indptr, changed, side="right") - 1
            for k, j in zip(changed.tolist(), cols.tolist(), strict=True):
                i = int(new.A.indices[k])
                h.changeCoeff(i, int(j), float(new.A.data[k] * r[i]))
        if new.offset != old.offset:
            h.changeObjectiveOffset(new.offset * self.obj_scale)
        self.model = m
        self.lp = new
        self.columns, self.rows = new.columns, new.rows
        self._row_index = None
        self.times = {"compile_s": t1 - t0, "pass_s": time.perf_counter() - t1}
        return True

    def _set_options(self, opts: dict[str, Any]) -> None:
        """Set HiGHS options; ``time_limit`` is for this run alone.

        HiGHS measures its time limit against the instance's run clock, which keeps counting across
        runs (ERGO-Code/HiGHS#1331, #1477): a re-solve would hit a limit the earlier solves used up.
        The limit is therefore handed over as the clock's current reading plus this run's allowance.
        """
        for k, v in opts.items():
            if k == "time_limit" and math.isfinite(v):
                v = self.highs.getRunTime() + v
            self.highs.setOptionValue(k, v)

    def _run_again(self, opts: dict[str, Any], time_left_s: float) -> str:
        """Solve from scratch (no basis, no interior point kept) with ``opts`` within the time left of
        this solve's limit; the HiGHS model status."""
        self.highs.clearSolver()
        opts["time_limit"] = max(time_left_s, 1e-3)
        self._set_options(opts)
        self._run_interruptibly()
        return self._model_status()

    def _model_status(self) -> str:
        ms = self.highs.getModelStatus()
        return ms.name if hasattr(ms, "name") else str(ms).split(".")[-1]

    def _run_interruptibly(self) -> None:
        """Run HiGHS in its worker thread so Ctrl-C / SIGTERM stop it promptly.

        On KeyboardInterrupt the solve is cancelled through HiGHS's user-interrupt callbacks (HiGHS
        looks at them between iterations, not inside every presolve pass). If the solver has not
        stopped within a few seconds the (daemon) thread is abandoned and the interrupt is marked
        ``solver_abandoned``: the interpreter cannot shut down cleanly around a HiGHS thread that is still
        running (a segfault or a hang at exit, seen when SIGTERM landed in presolve), so the CLI ends
        such a process with ``os._exit`` once its message is printed. The interrupt is re-raised
        either way, so nothing downstream treats a cancelled solve as a result.
        """
        h = self.highs
        h.HandleUserInterrupt = True
        try:
            h.startSolve()
            while not h.wait(0.1)[0]:
                pass
        except KeyboardInterrupt as err:
            h.cancelSolve()
            deadline = time.perf_counter() + 5.0
            stopped = False
            while time.perf_counter() < deadline and not stopped:
                stopped = h.wait(0.1)[0]
            err.solver_abandoned = not stopped  # type: ignore[attr-defined]
            raise

    def _basis_duals_now(self) -> Callable[[Any], dict[Any, float] | None]:
        """:meth:`basis_duals` bound to this solve: None without a basis (an interior-point solve that
        skipped crossover); it refuses once the instance has solved again. (HiGHS's crossover from a
        given solution, ``Highs.crossover``, was tried to make a basis afterwards: its IPX rejects the
        points of this model's LPs with error 105, so a basis is asked of the solve itself:
        ``output.marginal_emission_factors``.)"""
        solve_no = self.solves

        def at_this_basis(expr: Any) -> dict[Any, float] | None:
            if self.solves != solve_no:
                raise RuntimeError("the HiGHS instance has solved again since: its basis is another point's")
            return self.basis_duals(expr) if self.highs.getBasis().valid else None

        return at_this_basis

    def basis_duals(self, expr: Any) -> dict[Any, float]:
        r"""The derivative of the linear expression ``expr`` (of the model's variables) with respect to
        each row's right-hand side, at the optimal basis: the row duals the LP would have if ``expr``
        were its objective, with the basis kept.

        With :math:`B` the basis matrix and :math:`e_B` the coefficients of ``expr`` on the basic
        columns, :math:`y = B^{-	op} e_B` (one transposed solve with HiGHS's factorisation). With the
        objective's own coefficients this gives exactly HiGHS's row duals (tested), so the sign and the
        row scaling are those of :attr:`SolveResult.duals`. Used for the marginal emission factor (the
        emissions' derivative with respect to each step's load); like any sensitivity at a basis it
        is one-sided where the optimum is degenerate.
        """
        from pyomo.repn.standard_repn import generate_standard_repn

        repn = generate_standard_repn(expr, compute_values=True, quadratic=False)
        col = {id(v): j for j, v in enumerate(self.columns)}
        coef = np.zeros(len(self.columns))
        for v, c in zip(repn.linear_vars, repn.linear_coefs, strict=True):
            coef[col[id(v)]] += c
        basic = np.asarray(self.highs.getBasicVariables()[1])
        on_basis = np.where(basic >= 0, coef[np.maximum(basic, 0)], 0.0)  # slack columns: no coefficient
        _, y = self.highs.getBasisTransposeSolve(np.ascontiguousarray(on_basis, dtype=np.float64))
        out: dict[Any, float] = {}
        for (con, _), d in zip(self.rows, (np.asarray(y) * self.row_scale).tolist(), strict=True):
            out[con] = out.get(con, 0.0) + d
        return out

    def row_indices(self, con: Any) -> list[int]:
        """HiGHS rows of a Pyomo constraint (two for a ranged one)."""
        if self._row_index is None:
            self._row_index = {}
            for r, (c, _) in enumerate(self.rows):
                self._row_index.setdefault(c, []).append(r)
        return self._row_index.get(con, [])

    def set_row_bounds(self, con: Any, lower: float | None, upper: float | None) -> None:
        """Change the bounds of a single-row constraint in place (HiGHS and the compiled copy)."""
        rows = self.row_indices(con)
        if len(rows) != 1:
            raise ValueError(f"{con.name}: expected one row, found {len(rows)}")
        r = rows[0]
        lo = -math.inf if lower is None else float(lower)
        up = math.inf if upper is None else float(upper)
        self.highs.changeRowBounds(r, lo * self.row_scale[r], up * self.row_scale[r])
        self.lp.row_lower[r], self.lp.row_upper[r] = lo, up

    def dual_bound(self, row_dual: np.ndarray) -> float:
        """A lower bound on the optimum from any row duals ``y`` of the LP in HiGHS (the Lagrangian dual
        function), CNY.

        :math:`g(y) = \\sum_i \\min_{L_i \\le r_i \\le U_i} y_i r_i + \\sum_j \\min_{l_j \\le x_j \\le u_j}
        (c - A^\\top y)_j x_j` bounds every feasible point's cost from below, whatever ``y`` is, so a
        run stopped early can state how far its best point may be from the optimum. ``-inf`` when
        a multiplier above HiGHS's dual feasibility tolerance meets an infinite bound (smaller
        ones are taken as zero, so the bound holds to that tolerance).
        """
        lp = self.highs.getLp()
        a = lp.a_matrix_
        start, index, value = (np.asarray(a.start_), np.asarray(a.index_), np.asarray(a.value_, dtype=float))
        ncol = int(lp.num_col_)
        col_of = np.repeat(np.arange(ncol), np.diff(start[: ncol + 1]))
        aty = np.bincount(col_of, weights=value[: len(col_of)] * row_dual[index[: len(col_of)]], minlength=ncol)
        d = np.asarray(lp.col_cost_, dtype=float) - aty

        def part(mult: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> float:
            bound = np.where(mult > 0, lower, upper)
            used = np.abs(mult) > DUAL_ZERO  # below the dual feasibility tolerance: noise
            if not np.isfinite(bound[used]).all():
                return -math.inf
            return float(mult[used] @ bound[used])

        total = float(lp.offset_) + part(row_dual, np.asarray(lp.row_lower_), np.asarray(lp.row_upper_)) + part(
            d, np.asarray(lp.col_lower_), np.asarray(lp.col_upper_))
        return total / self.obj_scale

    def solve(self, *, warm: bool = True) -> SolveResult:
        """Solve, write the solution into the Pyomo variables, and collect the duals.

        A re-solve (``warm`` and a previous basis) uses the dual simplex from that basis, for at most
        ``solver.warm_start_budget`` times the last cold solve's time; past that it is abandoned and
        the point solved cold with the configured method (``info["warm_start"]`` says which happened).
        A big step (a cap that starts load shedding) can take the dual simplex far longer than a
        fresh interior-point solve; the budget bounds such a point at about (1 + budget) cold solves.
        """
        opts = highs_options(self.cfg, basis=self.basis)
        user_limit = opts["time_limit"]
        warm_start = "none"
        if self.solves and warm and self.highs.getBasis().valid:
            opts["solver"] = "simplex"
            opts["simplex_strategy"] = 1  # dual simplex: the old basis stays dual feasible when rhs move
            warm_start = "used"
            budget = self.cfg.warm_start_budget
            if budget is not None and self.last_cold_solve_s is not None:
                opts["time_limit"] = min(user_limit, max(budget * self.last_cold_solve_s, WARM_BUDGET_FLOOR_S))
        elif self.solves:
            self.highs.clearSolver()
        self._set_options(opts)
        t0 = time.perf_counter()
        self._run_interruptibly()
        name = self._model_status()
        if warm_start == "used" and name == "kTimeLimit" and opts["time_limit"] < user_limit:
            warm_start = f"abandoned after {time.perf_counter() - t0:.1f} s"
            log.info("warm start %s (budget %.1f s): solving cold", warm_start, opts["time_limit"])
            opts = highs_options(self.cfg, basis=self.basis)
            t_cold = time.perf_counter()
            name = self._run_again(opts, user_limit - (t_cold - t0))
            self.last_cold_solve_s = time.perf_counter() - t_cold
        elif warm_start == "none":
            self.last_cold_solve_s = time.perf_counter() - t0
        fallback = "none"
        if name == "kNotset" and opts["solver"] == "ipm" and opts.get("hipo_ordering") != "metis":
            # HiPO does not start when its factorisation would not fit in memory: the six-zone full year with
            # AMD asked for 61 GB (benchmarks/RESULTS.md, 2026-12-07), where METIS needs 640 MB: one retry
            fallback = f"metis ordering after HiPO's {name} with {opts.get('hipo_ordering')}"
            log.info("HiPO did not run (%s, ordering %s): solving again with the METIS ordering", name,
                     opts.get("hipo_ordering"))
            opts = {**opts, "hipo_ordering": "metis"}
            name = self._run_again(opts, user_limit - (time.perf_counter() - t0))
        if name in FALLBACK_STATUSES and opts["solver"] == "ipm" and self.cfg.method == "ipm":
            # HiPO can end without a verdict on a (nearly) infeasible LP; IPX, HiGHS's other interior
            # point, is slower but decides such cases: one retry before giving up
            fallback = (f"{fallback}, then " if fallback != "none" else "") + f"ipx after HiPO's {name}"
            log.info("HiPO ended with %s: solving again with IPX", name)
            opts = {**opts, "solver": "ipx", "run_crossover": "on"}
            name = self._run_again(opts, user_limit - (time.perf_counter() - t0))
        self.solves += 1
        solve_s = time.perf_counter() - t0
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
            y = (np.asarray(sol.row_dual) * self.row_scale).tolist()  # duals of the rows as the model states them
            inv = 1.0 / self.obj_scale
            for (con, _), d in zip(self.rows, y, strict=True):
                duals[con] = duals.get(con, 0.0) + d * inv
        t2 = time.perf_counter()
        obj = float(info.objective_function_value) / self.obj_scale if primal_valid else float("nan")
        gap = float("nan")
        if status != "optimal" and primal_valid and dual_valid:
            try:
                bound = self.dual_bound(np.asarray(sol.row_dual, dtype=float))
            except Exception:  # a bound is a courtesy: it never fails the run
                bound = -math.inf
            # relative to the bound: the point costs at most this much more than the optimum
            gap = (obj - bound) / max(abs(bound), 1.0) if np.isfinite(bound) else float("inf")
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
                "primal_solution_status": int(info.primal_solution_status),
                "objective_scale": self.obj_scale,
                "coefficient_ranges": self.coefficient_ranges,
                "gap": gap,
                "warm_start": warm_start,
                "fallback": fallback,
                **self.size,
            },
            duals=duals,
            options=opts,
            basis_duals=self._basis_duals_now() if status == "optimal" else None,
        )
        log.info("HiGHS %s in %.2f s (objective %.6g)", status, solve_s, obj)
        return result


def exit_if_solver_abandoned(err: BaseException, code: int) -> None:
    """End the process at once with ``code`` when ``err`` left a HiGHS thread running
    (:meth:`HighsModel._run_interruptibly` marks it ``solver_abandoned``): the interpreter cannot shut down
    cleanly around it. Otherwise return, for the caller's own ending."""
    if getattr(err, "solver_abandoned", False):
        import os
        import sys

        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def solve_model(m: pyo.ConcreteModel, cfg: SolverConfig, *, basis: bool = False) -> tuple[SolveResult, HighsModel]:
    """Compile, hand over and solve ``m``; ``basis``: the solve must end with a basis (crossover on unless the
    config turns it off)."""
    hm = HighsModel(m, cfg, basis=basis)
    return hm.solve(), hm
