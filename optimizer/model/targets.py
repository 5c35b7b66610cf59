r"""The plan's capacity targets as configurable bounds on groups of technologies.

.. math::

    \sum_{k \in K_n} \bar P_k \;\{\ge, \le\}\; \tau_n
    \qquad\text{or, for the plan's "about" targets,}\qquad
    (1-\delta_n)\,\tau_n \le \sum_{k \in K_n} \bar P_k \le (1+\delta_n)\,\tau_n

A target may count energy capacity :math:`\bar E_s` (MWh) instead of power, or only new capacity
:math:`P^{new}_k`. The dual of each row is the cost of the target per MW (CNY/MW/yr).

A row that holds whatever the optimum, because the bounds of the technologies it counts already
satisfy it (a floor below the fleet that cannot retire, a ceiling on technologies that cannot be
built), is marked *by construction*: the report says so instead of showing a plain "met".

=====================  ==============================  ============================================
Symbol                 Pyomo                           Meaning (unit)
=====================  ==============================  ============================================
:math:`K_n`            ``capacity_targets[n].technologies``  technologies counted by target *n*
:math:`\tau_n`         ``m.policy_cap_<n>``            target value (MW or MWh), from seeds/targets.yaml
:math:`\delta_n`       ``tolerance``                   relative band of an "about" target (-)
=====================  ==============================  ============================================
"""

from __future__ import annotations

import math

import pyomo.core as pyo

from optimizer.config import Config
from optimizer.errors import InputError
from optimizer.inputs import Inputs, resolve_target
from optimizer.model.registry import Registry


def add(m: pyo.ConcreteModel, inp: Inputs, cfg: Config, reg: Registry) -> None:
    for n, tgt in enumerate(cfg.policy.capacity_targets):
        field = f"policy.capacity_targets.{n}"
        unit = "MWh" if tgt.measure == "energy" else "MW"
        value = resolve_target(tgt, inp.targets, unit=unit, field=field)
        if value is None:
            continue
        if value < 0:
            raise InputError("target value must not be negative", source="config", field=f"{field}.value")
        source = (reg.new_mwh if tgt.new_only else reg.capacity_mwh) if tgt.measure == "energy" else (
            reg.new_mw if tgt.new_only else reg.capacity_mw)
        missing = [k for k in tgt.technologies if k not in source]
        if missing:
            kind = "storage technology" if tgt.measure == "energy" else "technology"
            raise InputError(f"unknown {kind} {missing[0]!r}", source="config", field=f"{field}.technologies")
        lhs = pyo.quicksum(source[k] for k in tgt.technologies)
        lo, hi = _bounds(m, inp, tgt.technologies, energy=tgt.measure == "energy", new_only=tgt.new_only)
        desc = f"capacity target {tgt.name}: {'+'.join(tgt.technologies)} {tgt.sense} {value:g} {unit}"
        scale = max(value, 1.0)
        if tgt.sense == "==" and tgt.tolerance > 0:
            for suffix, sense, rhs in (("_min", ">=", value * (1 - tgt.tolerance)),
                                       ("_max", "<=", value * (1 + tgt.tolerance))):
                reg.add_policy(m, f"cap_{tgt.name}{suffix}", lhs, sense, rhs, unit=unit,
                               description=desc + f" ({'-' if sense == '>=' else '+'}{tgt.tolerance:.0%})",
                               target=tgt.target, scale=scale, enforce=tgt.enforce,
                               by_construction=_why(sense, rhs, lo, hi, unit))
        else:
            reg.add_policy(m, f"cap_{tgt.name}", lhs, tgt.sense, value, unit=unit, description=desc,
                           target=tgt.target, scale=scale, enforce=tgt.enforce,
                           by_construction=_why(tgt.sense, value, lo, hi, unit))


def _bounds(m: pyo.ConcreteModel, inp: Inputs, techs: list[str], *, energy: bool,
            new_only: bool) -> tuple[float, float]:
    """The least and the most the counted capacity can be, from the variables' bounds (MW or MWh)."""
    var = m.new_mwh if energy else m.new_mw
    existing = "existing_mwh" if energy else "existing_mw"
    lo = hi = 0.0
    for k in techs:
        base = 0.0 if new_only else float(inp.techs.at[k, existing])
        lb, ub = var[k].bounds
        lo += base + (lb if lb is not None else -math.inf)
        hi += base + (ub if ub is not None else math.inf)
    return lo, hi


def _why(sense: str, rhs: float, lo: float, hi: float, unit: str) -> str:
    """Why a capacity row holds whatever the optimum, or '' if the solution decides it."""
    tol = 1e-9 * max(abs(rhs), 1.0)
    if sense in (">=", "==") and lo < rhs - tol:
        return ""
    if sense in ("<=", "==") and hi > rhs + tol:
        return ""
    if sense == ">=":
        return f"the capacity that cannot be retired ({lo:,.0f} {unit}) already reaches it"
    if sense == "<=":
        return f"the technologies counted cannot exceed {hi:,.0f} {unit} (their table limits)"
    return f"the capacity counted is fixed at {lo:,.0f} {unit}"
