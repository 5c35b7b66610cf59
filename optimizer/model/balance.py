r"""Hourly energy balance of each zone: the sum of everything registered meets the load.

.. math::

    \sum_{n \in \mathcal{B}} b^{n}_{z,t} = D_{z,t} \qquad \forall z, t

where :math:`\mathcal{B}` is the set of balance terms registered by the other modules (generation
:math:`\sum_g p_{g,t}`, storage :math:`q^d_{s,t} - q^c_{s,t}`, imports :math:`\sum_i y_{i,t}`,
unserved energy :math:`u_{z,t}`). A module registers its term as data, a list of entries
(coefficient :math:`c`, variable :math:`x`, key :math:`k`) per zone with
:math:`b^{n}_{z,t} = \sum c\, x_{k,t}`, and each hour's row is built flat from all entries.
The dual of this constraint divided by :math:`w_t` is the hourly marginal price (CNY/MWh).
Curtailment is the unused available renewable output, :math:`a_{g,t}\bar P_g - p_{g,t}`, reported
from the solution.

=====================  =========================  ================================================
Symbol                 Pyomo                      Meaning (unit)
=====================  =========================  ================================================
:math:`b^{n}_{z,t}`    ``m.registry.balance[n]``  injection of balance term *n* (MW), as entries
:math:`D_{z,t}`        ``m.demand[z, t]``         load (MW)
(rows)                 ``m.balance_<z>[t]``       the balance of zone *z*, one row block per zone
=====================  =========================  ================================================
"""

from __future__ import annotations

import pyomo.core as pyo
from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression

from optimizer.config import Config
from optimizer.inputs import Inputs
from optimizer.model.registry import BalanceEntry, Registry
from optimizer.model.sets import hourly_param


def add(m: pyo.ConcreteModel, inp: Inputs, cfg: Config, reg: Registry) -> None:
    hourly_param(m, "demand", (m.Z, m.T), {(z, i): float(v) for z in inp.zones
                                           for i, v in enumerate(inp.load_mw[z].to_numpy())},
                 doc="load (MW)")
    for z in inp.zones:
        hours = _hourly_terms(m, [e for fn in reg.balance.values() for e in fn(z)])

        def rule(_m: pyo.ConcreteModel, i: int, z: str = z, hours: list = hours) -> object:
            # the load as a number, as an immutable Param would give it (m.demand is mutable, see hourly_param)
            return LinearExpression(list(hours[i])) == _m.demand[z, i].value

        # one expression per step: Pyomo 6.10's templates cannot index a component with a constant (the
        # zone, a generator) beside the template step, and every registered term does (m.p[g, i])
        con = pyo.Constraint(m.T, rule=rule, doc=f"hourly energy balance of zone {z} (MW)")
        m.add_component(f"balance_{z}", con)
        reg.balance_rows[z] = con


def _hourly_terms(m: pyo.ConcreteModel, entries: list[BalanceEntry]) -> list[tuple]:
    """The terms of each step's row: ``entries`` (coefficient, Var, key) turned into one tuple per step
    of the Var's data objects (coefficient 1) or monomials ``coefficient * var``, in entry order."""
    series = []
    for coef, var, key in entries:
        col = [var[key, i] for i in m.T]
        series.append(col if coef == 1 else [MonomialTermExpression((float(coef), v)) for v in col])
    return list(zip(*series, strict=True)) if series else [() for _ in m.T]
