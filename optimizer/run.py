"""One run, end to end: (config) -> inputs -> model -> solve -> results -> checks -> files.

The pipeline is pure: nothing is written back into the config or the inputs, and results are only
written (atomically) once the solve is optimal and every self-check passed.
"""

from __future__ import annotations

import json
import logging
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyomo.core as pyo
import xarray as xr

from optimizer.checks import check_results
from optimizer.config import Config
from optimizer.errors import CheckError, InfeasibleError, SolverError, SolverLimitError
from optimizer.inputs import Inputs, load_inputs
from optimizer.model import build_model
from optimizer.outputs import check_output_dir, output_lock
from optimizer.results import extract, write_results
from optimizer.solve import SolveResult, not_optimal_message, solve_model

log = logging.getLogger("optimizer")


@dataclass
class RunOutcome:
    dataset: xr.Dataset
    solve: SolveResult
    out_dir: Path | None
    times: dict[str, float]
    checks: dict[str, float]


def diagnose_infeasibility(inp: Inputs, cfg: Config) -> str:
    """Re-solve with slacks on every policy row; describe the smallest relaxation.

    The re-solve minimises the normalised relaxation alone (the slacks' sum, each weighted by the
    inverse of its row's typical magnitude), not cost plus a large penalty: costs next to penalties
    of 1e12 CNY per unit of slack (a CO2 cap of zero has a unit scale) are beyond HiGHS's numerical
    range and made it report the always-feasible relaxed model as infeasible. Targets "binding
    against" the relaxation are the policy rows with a non-zero dual in this re-solve: loosening
    them would shrink it.
    """
    # load shedding is no target: with it free in the re-solve, the relaxation found could lean on
    # shedding and name too few targets. Relax the targets with the load met in full; only if even
    # that is impossible, allow shedding and say how much is shed.
    strict = cfg.model_copy(update={"economics": cfg.economics.model_copy(update={"allow_unserved": False})})
    if cfg.economics.allow_unserved:
        msg = _diagnose(inp, strict)
        if msg is not None:
            return msg
    msg = _diagnose(inp, cfg)
    return msg if msg is not None else (
        "the model is infeasible even with every policy target relaxed: the load cannot be met "
        "(allow unserved energy, or check capacities and corridor limits)")


def _diagnose(inp: Inputs, cfg: Config) -> str | None:
    """The relaxation message of :func:`diagnose_infeasibility` for one config; None if even the
    relaxed model is infeasible."""
    m = build_model(inp, cfg, elastic=True)
    reg = m.registry
    # a CO2 cap near zero has no magnitude of its own: weigh its relaxation against the emissions of
    # the year's load at 1 tCO2/MWh, so it is not traded for huge relaxations of every other target
    co2_ref = float((inp.load_mw.sum(axis=1).to_numpy() * inp.weight_h).sum())
    # checked rows have no slack; a row that holds by construction is neither the conflict nor a party to it
    rows = {name: row for name, row in reg.policies.items() if row.enforced and not row.by_construction}
    scale = {name: max(row.scale, co2_ref) if row.unit == "tCO2/yr" else row.scale for name, row in rows.items()}
    # weights from 1 (the row of largest magnitude) up: a weight far below HiGHS's dual tolerance
    # (1e-7) would leave that slack effectively free, and the relaxation arbitrary
    top = max(scale.values(), default=1.0)
    m.objective.set_value(pyo.quicksum((row.slack_up + row.slack_down) * (top / scale[name])
                                       for name, row in rows.items()))
    sol, _ = solve_model(m, cfg.solver.model_copy(update={"objective_scale": 1.0}))
    if sol.status in ("infeasible", "infeasible_or_unbounded") and cfg.solver.method != "simplex":
        # the interior point can call this relaxation infeasible when its weights span many orders of magnitude
        # (seen: a 2025 two-week cut with unit commitment and a CO2 cap 0.5 % below its least emissions, weights
        # 1 to 5e5): the dual simplex decides before the load is declared impossible to meet
        sol, _ = solve_model(m, cfg.solver.model_copy(update={"objective_scale": 1.0, "method": "simplex"}))
    if sol.status in ("infeasible", "infeasible_or_unbounded"):  # the relaxation objective is bounded
        return None
    if not (sol.optimal and sol.primal_valid):
        return (f"infeasible; the diagnosis re-solve with relaxed targets did not finish (HiGHS {sol.highs_status}: "
                "numerical trouble?), so the targets in conflict are not known")
    total = pyo.value(m.account_total) if hasattr(m, "account_total") else 0.0
    parts = []
    relaxed = set()
    for name, row in rows.items():
        up, down = (row.slack_up.value or 0.0), (row.slack_down.value or 0.0)
        slack = up - down  # lhs_relaxed = lhs - up + down, so the original lhs exceeds by (up - down)
        if abs(up) + abs(down) <= 1e-6 * max(row.scale, 1.0):
            continue
        relaxed.add(name)
        label = f"{name}" + (f" [{row.target}]" if row.target else "")
        denom = pyo.value(m.annual_load_mwh) if name == "clean_electricity_share" else total
        if row.unit == "per-unit" and denom:
            achieved = row.rhs + slack / denom
            parts.append(f"{label} {row.sense} {row.rhs:.1%}: closest feasible {achieved:.2%} "
                         f"({(achieved - row.rhs) * 100:+.2f} pp)")
        else:
            achieved = row.rhs + slack
            parts.append(f"{label} {row.sense} {_num(row.rhs)} {row.unit}: closest feasible {_num(achieved)} "
                         f"{row.unit} ({_num(achieved - row.rhs, '+')}){_table_limit(inp, cfg, name, row.rhs)}")
    if not parts:
        return "the model is infeasible but no single policy relaxation explains it (numerical trouble?)"
    # the targets the relaxed ones conflict with: policy rows whose dual in the relaxation problem is
    # non-zero; they hold exactly, and loosening them would reduce the relaxation needed. A row's dual
    # is at most its slack's weight; below a millionth of that it is the interior point's noise (a
    # degenerate relaxation can leave 1e-5 on a row that has nothing to do with the conflict)
    partners = []
    if sol.dual_valid:
        for name, row in rows.items():
            d = sol.duals.get(row.constraint, 0.0)
            if name not in relaxed and abs(d) > 1e-6 * top / scale[name]:
                partners.append(f"{name}" + (f" [{row.target}]" if row.target else ""))
    lead = "these targets cannot be met together" if len(parts) > 1 else "this target cannot be met"
    msg = f"infeasible: {lead}; smallest relaxation: " + "; ".join(parts)
    if partners:
        msg += "; binding against it: " + ", ".join(partners)
    if hasattr(m, "unserved"):  # only when the load cannot be met in full even with every target relaxed
        msg += "; and even then load must be shed (with every target relaxed the load cannot be met in full)"
    return msg


def _num(x: float, sign: str = "") -> str:
    """A number for a message: 6 significant digits, whole numbers from a million up (no exponent)."""
    return f"{x:{sign},.0f}" if abs(x) >= 1e6 else f"{x:{sign},.6g}"


def _table_limit(inp: Inputs, cfg: Config, row_name: str, rhs: float) -> str:
    """A capacity floor above what the technology table allows: name the table's limits."""
    for tgt in cfg.policy.capacity_targets:
        if row_name not in (f"cap_{tgt.name}", f"cap_{tgt.name}_min") or tgt.sense == "<=" or tgt.measure != "power":
            continue
        t = inp.techs.loc[tgt.technologies]
        most = t["max_total_mw"] - (t["existing_mw"] if tgt.new_only else 0.0)
        most = most.where(t["extendable"], t["existing_mw"] * (not tgt.new_only))
        if np.isfinite(most.to_numpy(dtype=float)).all() and most.sum() < rhs:
            terms = " + ".join(f"{k} {_num(v)}" for k, v in most.items())
            return f", the most the technology table allows (max_total_mw: {terms} MW)"
    return ""


def _limit_message(m: pyo.ConcreteModel, inp: Inputs, cfg: Config, sol: SolveResult, times: dict[str, float],
                   write: bool, out_dir: Path | None) -> str:
    """Stopped on a limit: write the best solution, if HiGHS has one, clearly marked not optimal."""
    head = f"HiGHS stopped on {sol.status.replace('_', ' ')} ({sol.highs_status}) without proving optimality"
    if not sol.primal_valid or sol.info.get("primal_solution_status") != 2:  # 2 = kSolutionStatusFeasible
        return f"{head}; no feasible solution to report, nothing written"
    ds = extract(m, inp, cfg, sol, times)
    try:
        checks = check_results(ds, inp, include_import_emissions=cfg.policy.include_import_emissions)
        ds.attrs["checks"] = json.dumps(checks)
    except CheckError as err:
        ds.attrs["checks"] = json.dumps({"failed": str(err)})
    ds.attrs["optimal"] = "false"
    infeas = sol.info.get("max_primal_infeasibility", float("nan"))
    gap = float(sol.info.get("gap", float("nan")))
    if math.isfinite(gap):
        quality = f"max primal infeasibility {infeas:.3g}; cost at most {gap:.3%} above the optimum (dual bound)"
    elif gap == math.inf:
        quality = f"max primal infeasibility {infeas:.3g}; no finite bound on the optimum, gap unknown"
    else:
        quality = f"max primal infeasibility {infeas:.3g}; no dual solution, gap unknown"
    ds.attrs["note"] = f"NOT OPTIMAL: {head}; {quality}"
    ds.attrs["gap"] = gap
    if not write:
        return f"{head}; best solution kept in memory only ({quality})"
    target = Path(out_dir) if out_dir is not None else Path(cfg.output.dir)
    write_results(ds, target)
    return f"{head}; best solution ({quality}) written to {target}, marked not optimal"


def run(cfg: Config, *, write: bool = True, out_dir: Path | None = None,
        inputs: Inputs | None = None, run_id: str | None = None) -> RunOutcome:
    """Solve one scenario. Raises an OptimizerError subclass on any failure (nothing written).

    ``run_id`` (optional) is stored in the results' attrs: a batch marks its results with it, so a
    scenario retried after its worker died knows the result it finds was written by this batch.

    While it runs, a run that writes holds the lock of its results folder: a second run aimed at
    the same folder stops at once with :class:`~optimizer.errors.BusyError` (exit code 6).
    """
    if not write:
        return _run(cfg, write=False, out_dir=None, inputs=inputs, run_id=run_id)
    target = check_output_dir(out_dir if out_dir is not None else cfg.output.dir)  # refuse before solving
    with output_lock(target):
        return _run(cfg, write=True, out_dir=target, inputs=inputs, run_id=run_id)


def _run(cfg: Config, *, write: bool, out_dir: Path | None, inputs: Inputs | None,
         run_id: str | None = None) -> RunOutcome:
    times: dict[str, float] = {}
    t0 = time.perf_counter()
    inp = inputs if inputs is not None else load_inputs(cfg)
    times["load_s"] = time.perf_counter() - t0
    log.info("inputs loaded: %d steps, %d technologies (%.2f s)", len(inp.time), len(inp.techs), times["load_s"])
    for msg in inp.plausibility:
        log.warning("implausible: %s", msg)
    if inp.defaults_used:
        shown = ", ".join(inp.defaults_used[:6]) + (", ..." if len(inp.defaults_used) > 6 else "")
        log.info("%d blank cell(s) of the technology or links table took their default (no sources check "
                 "names them; summary.json defaults_used lists all): %s", len(inp.defaults_used), shown)

    t0 = time.perf_counter()
    m = build_model(inp, cfg)
    times["build_s"] = time.perf_counter() - t0
    log.info("model built in %.2f s", times["build_s"])

    sol, hm = solve_model(m, cfg.solver, basis=cfg.output.marginal_emission_factors)
    times.update({k: v for k, v in sol.times.items()})
    log.info("hand-over to HiGHS %.2f s (compile %.2f s, pass %.2f s); %d columns, %d rows",
             sol.times["compile_s"] + sol.times["pass_s"], sol.times["compile_s"], sol.times["pass_s"],
             hm.size["columns"], hm.size["rows"])
    log.info("solve %.2f s (%s)", sol.times["solve_s"], sol.status)

    if sol.status in ("infeasible", "infeasible_or_unbounded"):
        msg = "infeasible"
        if cfg.solver.diagnose_infeasibility:
            msg = diagnose_infeasibility(inp, cfg)
        raise InfeasibleError(msg)
    if sol.status in ("time_limit", "iteration_limit", "interrupted"):
        raise SolverLimitError(_limit_message(m, inp, cfg, sol, times, write, out_dir))
    if not sol.optimal:
        raise SolverError(not_optimal_message(sol) + "; nothing written")

    t0 = time.perf_counter()
    ds = extract(m, inp, cfg, sol, times)
    times["extract_s"] = time.perf_counter() - t0
    checks = check_results(ds, inp, include_import_emissions=cfg.policy.include_import_emissions)
    ds.attrs["checks"] = json.dumps({k: float(np.format_float_scientific(v, 3)) for k, v in checks.items()})
    if run_id:
        ds.attrs["run_id"] = run_id
    target = None
    if write:
        target = Path(out_dir) if out_dir is not None else Path(cfg.output.dir)
        t0 = time.perf_counter()
        write_results(ds, target)
        times["write_s"] = time.perf_counter() - t0
        log.info("results written to %s (%.2f s)", target, times["write_s"])
    return RunOutcome(ds, sol, target, times, checks)
