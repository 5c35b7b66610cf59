r"""Hourly energy balance of each zone: the sum of everything registered meets the load.

.. math::

    \sum_{n \in \mathcal{B}} b^{n}_{z,t} = D_{z,t} \qquad \forall z, t

where :math:`\mathcal{B}` is the set of balance terms registered by the other modules (generation
:math:`\sum_g p_{g,t}`, storage :math:`q^d_{s,t} - q^c_{s,t}`, imports :math:`\sum_i y_{i,t}`,
unserved energy :math:`u_{z,t}`). A module registers its term as data, a list of entries
(coefficient :math:`c`, variable :math:`x`, key :math:`k`) per zone with
:math:`b^{n}_{z,t} = \sum c\, x_{k,t}`. The entries are grouped by variable and coefficient,
and each zone's row is stated once, as a Pyomo template over the steps:
:math:`\sum_j c_j \sum_{k \in K_{z,j}} x^{j}_{k,t} = D_{z,t}`.
The dual of this constraint divided by :math:`w_t` is the hourly marginal price (CNY/MWh).
Curtailment is the unused available renewable output, :math:`a_{g,t}\bar P_g - p_{g,t}`, reported
from the solution.

=====================  =========================  ================================================
Symbol                 Pyomo                      Meaning (unit)
=====================  =========================  ================================================
:math:`b^{n}_{z,t}`    ``m.registry.balance[n]``  injection of balance term *n* (MW), as entries
:math:`D_{z,t}`        ``m.demand_<z>[t]``        load of zone *z* (MW)
:math:`K_{z,j}`        ``m.balance_keys[z, j]``   keys of entry group *j* of zone *z*
(rows)                 ``m.balance_<z>[t]``       the balance of zone *z*, one row block per zone
=====================  =========================  ================================================
"""

from __future__ import annotations

from typing import Any

import pyomo.core as pyo

from optimizer.config import Config
from optimizer.inputs import Inputs
from optimizer.model.registry import BalanceEntry, Registry
from optimizer.model.sets import hourly_param, templated


def add(m: pyo.ConcreteModel, inp: Inputs, cfg: Config, reg: Registry) -> None:
    groups = {z: entry_groups([e for fn in reg.balance.values() for e in fn(z)]) for z in inp.zones}
    m.balance_groups = pyo.Set(initialize=[(z, j) for z in inp.zones for j in range(len(groups[z]))],
                               ordered=True, dimen=2, doc="entry groups of each zone's balance (zone, number)")
    m.balance_keys = pyo.Set(m.balance_groups, ordered=True, dimen=None,
                             initialize={(z, j): keys for z in inp.zones for j, (_, _, keys) in enumerate(groups[z])},
                             doc="keys of the variables of each entry group of a zone's balance")
    for z in inp.zones:
        # Pyomo 6.10's templates cannot index a component with a constant (the zone) beside the step,
        # so each zone's load is a Param over the steps alone
        demand = hourly_param(m, f"demand_{z}", (m.T,), dict(enumerate(inp.load_mw[z].to_numpy().tolist())),
                              doc=f"load of zone {z} (MW)")
        if not groups[z]:  # pragma: no cover - the loader gives every zone at least one technology
            raise ValueError(f"zone {z}: nothing registered in its balance")
        terms = [(coef, var, m.balance_keys[z, j]) for j, (coef, var, _) in enumerate(groups[z])]

        def rule(_m: pyo.ConcreteModel, i: Any, terms: list = terms, demand: pyo.Param = demand) -> object:
            # the coefficient inside the sum: Pyomo 6.10's template compiler drops a multiplier applied to a
            # whole template sum when that sum is the row's only term
            return sum(sum(_scaled(coef, var[k, i]) for k in keys) for coef, var, keys in terms) == demand[i]

        con = pyo.Constraint(m.T, rule=rule, doc=f"hourly energy balance of zone {z} (MW)")
        with templated():  # stated once with a symbolic step (constructed when added)
            m.add_component(f"balance_{z}", con)
        reg.balance_rows[z] = con


def entry_groups(entries: list[BalanceEntry]) -> list[tuple[float, Any, list[Any]]]:
    """``entries`` (coefficient, Var, key) grouped by Var and coefficient, in order of first appearance:
    ``(coefficient, Var, keys)``, so that each group is one sum over a set of keys."""
    out: dict[tuple[int, float], tuple[float, Any, list[Any]]] = {}
    for coef, var, key in entries:
        out.setdefault((id(var), float(coef)), (float(coef), var, []))[2].append(key)
    return list(out.values())


def _scaled(coef: float, expr: Any) -> Any:
    return expr if coef == 1.0 else coef * expr
