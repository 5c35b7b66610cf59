r"""Operating reserve: every hour, upward reserve held online covers a share of load and the largest unit.

.. math::

    \sum_{n \in \mathcal{R}} r^{n}_{t} \;[+\; s_t] \;\ge\; R_t = \alpha \sum_z D_{z,t} + \bar U + R^{0}
    \qquad \forall t, \qquad C^{short} = \sum_t w_t\, \pi^{short} s_t

The providers :math:`\mathcal{R}` are registered by their families: committed headroom of committable
generators (:mod:`optimizer.model.commitment`), storage (:mod:`optimizer.model.storage`) and
interruptible load (:mod:`optimizer.model.demand_response`). :math:`\bar U` is the largest
``unit_size_mw`` among committable generators in service (a contingency: the loss of the largest
local unit). The reserve is held system-wide. With a shortfall price :math:`\pi^{short}` the
requirement may be missed at that price per MW and hour (:math:`s_t`, a scarcity price); without one it
is a hard limit. The dual divided by :math:`w_t` is the hourly price of reserve (CNY/MW per hour).

=====================  =================================  ==========================================
Symbol                 Pyomo                              Meaning (unit)
=====================  =================================  ==========================================
:math:`r^n_t`          ``m.registry.reserve[n]``          reserve held by provider family *n* (MW)
:math:`R_t`            ``m.reserve_need[t]``              reserve required (MW)
:math:`\alpha`         ``operating_reserve.load_frac``    share of load (-)
:math:`\bar U`         ``operating_reserve.largest_unit`` largest unit in service (MW)
:math:`R^0`            ``operating_reserve.fixed_mw``     fixed part (MW)
:math:`s_t`            ``m.reserve_shortfall[t]``         reserve not held (MW)
:math:`\pi^{short}`    ``shortfall_cny_per_mw_h``         price of reserve not held (CNY/MW/h)
(rows)                 ``m.operating_reserve[t]``         the requirement
=====================  =================================  ==========================================
"""

from __future__ import annotations

from typing import Any

import pyomo.core as pyo

from optimizer.config import Config
from optimizer.errors import InfeasibleError
from optimizer.inputs import Inputs
from optimizer.model.balance import entry_groups
from optimizer.model.registry import Registry
from optimizer.model.sets import hourly_param, templated, weighted_sum


def largest_unit_mw(inp: Inputs, cfg: Config) -> float:
    """The largest unit_size_mw among committable generators with capacity in service (MW)."""
    t = inp.techs
    sizes = [float(t.at[g, "unit_size_mw"]) for g in t.index
             if t.at[g, "kind"] == "generator" and t.at[g, "committable"] and cfg.policy.unit_commitment
             and (t.at[g, "existing_mw"] > 0 or t.at[g, "extendable"])]
    return max(sizes, default=0.0)


def requirement_mw(inp: Inputs, cfg: Config) -> list[float]:
    """The reserve required in each step (MW)."""
    rule = cfg.policy.operating_reserve
    if rule is None:
        return [0.0] * len(inp.time)
    load = inp.load_mw.sum(axis=1).to_numpy()
    extra = (largest_unit_mw(inp, cfg) if rule.largest_unit else 0.0) + rule.fixed_mw
    return [float(rule.load_frac * x + extra) for x in load]


def add(m: pyo.ConcreteModel, inp: Inputs, cfg: Config, reg: Registry) -> None:
    if cfg.policy.operating_reserve is None:
        return
    need = requirement_mw(inp, cfg)
    entries = [e for z in inp.zones for fn in reg.reserve.values() for e in fn(z)]
    short = cfg.policy.operating_reserve.shortfall_cny_per_mw_h
    if short is not None:
        m.reserve_system = pyo.Set(initialize=["system"], ordered=True, dimen=1, doc="the system (reserve shortfall)")
        m.reserve_shortfall = pyo.Var(m.reserve_system, m.T, within=pyo.NonNegativeReals,
                                      bounds=lambda _m, _s, i: (0.0, need[i]), doc="operating reserve not held (MW)")
        w = [float(x) for x in inp.weight_h]
        reg.add_cost("reserve", "reserve_shortfall",
                     short * weighted_sum(w, [m.reserve_shortfall["system", i] for i in m.T]))
        reg.add_output("reserve_shortfall_mw", m.reserve_shortfall, ["system"], "reserve_system", "MW",
                       "operating reserve not held")
        entries.append((1.0, m.reserve_shortfall, "system"))
    if not entries:
        if max(need, default=0.0) > 0:
            raise InfeasibleError(f"infeasible: policy.operating_reserve needs up to {max(need):,.0f} MW of reserve "
                                  "but no technology holds reserve; give committable generators, storage or demand "
                                  "response a reserve_frac, or set policy.operating_reserve: null")
        return
    groups = entry_groups(entries)
    hourly_param(m, "reserve_need", (m.T,), dict(enumerate(need)), doc="operating reserve required (MW)")
    m.reserve_groups = pyo.Set(initialize=range(len(groups)), ordered=True, dimen=1,
                               doc="entry groups of the operating reserve row")
    m.reserve_keys = pyo.Set(m.reserve_groups, ordered=True, dimen=None,
                             initialize={j: keys for j, (_, _, keys) in enumerate(groups)},
                             doc="keys of the variables of each entry group of the reserve row")
    terms = [(coef, var, m.reserve_keys[j]) for j, (coef, var, _) in enumerate(groups)]

    def rule(_m: pyo.ConcreteModel, i: Any) -> object:
        return sum(sum(var[k, i] if coef == 1.0 else coef * var[k, i] for k in keys) for coef, var, keys in terms) \
            >= _m.reserve_need[i]

    con = pyo.Constraint(m.T, rule=rule, doc="upward operating reserve at least the requirement (MW)")
    with templated():
        m.add_component("operating_reserve", con)
