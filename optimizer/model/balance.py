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
(rows)                 ``m.heat_balance_<z>[t]``  the heat balance of zone *z* (with a heat demand; entries
                                                  registered by :mod:`optimizer.model.heat`)
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
    _rows(m, list(inp.zones), reg.balance, inp.load_mw, "", reg.balance_rows, "energy balance", "load")
    if inp.heat_mw is not None:
        _rows(m, list(inp.heat_mw.columns), reg.heat_balance, inp.heat_mw, "heat_", reg.heat_balance_rows,
              "heat balance", "heat demand")


def _rows(m: pyo.ConcreteModel, places: list[str], terms_by_name: dict, demand_frame: Any, prefix: str, rows: dict,
          what: str, demand_what: str) -> None:
    """One balance row block per place (zone, or heat network): the registered entries of ``terms_by_name``
    meet ``demand_frame``."""
    groups = {z: entry_groups([e for fn in terms_by_name.values() for e in fn(z)]) for z in places}
    gset = pyo.Set(initialize=[(z, j) for z in places for j in range(len(groups[z]))],
                   ordered=True, dimen=2, doc=f"entry groups of each {what} (place, number)")
    m.add_component(f"{prefix}balance_groups", gset)
    keys = pyo.Set(gset, ordered=True, dimen=None,
                   initialize={(z, j): ks for z in places for j, (_, _, ks) in enumerate(groups[z])},
                   doc=f"keys of the variables of each entry group of a {what}")
    m.add_component(f"{prefix}balance_keys", keys)
    for z in places:
        # Pyomo 6.10's templates cannot index a component with a constant (the zone) beside the step,
        # so each zone's demand is a Param over the steps alone
        demand = hourly_param(m, f"{prefix}demand_{z}", (m.T,), dict(enumerate(demand_frame[z].to_numpy().tolist())),
                              doc=f"{demand_what} of {z} (MW)")
        if not groups[z]:
            if prefix and not demand_frame[z].to_numpy().any():  # a zone without heat demand or heat supply
                continue
            raise ValueError(f"zone {z}: nothing registered in its {what}")  # pragma: no cover - loader checks
        terms = [(coef, var, keys[z, j]) for j, (coef, var, _) in enumerate(groups[z])]

        def rule(_m: pyo.ConcreteModel, i: Any, terms: list = terms, demand: pyo.Param = demand) -> object:
            # the coefficient inside the sum: Pyomo 6.10's template compiler drops a multiplier applied to a
            # whole template sum when that sum is the row's only term
            return sum(sum(_scaled(coef, var[k, i]) for k in keys) for coef, var, keys in terms) == demand[i]

        con = pyo.Constraint(m.T, rule=rule, doc=f"hourly {what} of {z} (MW)")
        with templated():  # stated once with a symbolic step (constructed when added)
            m.add_component(f"{prefix}balance_{z}", con)
        rows[z] = con


def entry_groups(entries: list[BalanceEntry]) -> list[tuple[float, Any, list[Any]]]:
    """``entries`` (coefficient, Var, key) grouped by Var and coefficient, in order of first appearance:
    ``(coefficient, Var, keys)``, so that each group is one sum over a set of keys."""
    out: dict[tuple[int, float], tuple[float, Any, list[Any]]] = {}
    for coef, var, key in entries:
        out.setdefault((id(var), float(coef)), (float(coef), var, []))[2].append(key)
    return list(out.values())


def _scaled(coef: float, expr: Any) -> Any:
    return expr if coef == 1.0 else coef * expr
