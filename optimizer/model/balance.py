r"""Hourly energy balance of each zone: the sum of everything registered meets the load.

.. math::

    \sum_{n \in \mathcal{B}} b^{n}_{z,t} = D_{z,t} \qquad \forall z, t

where :math:`\mathcal{B}` is the set of balance terms registered by the other modules (generation
:math:`\sum_g p_{g,t}`, storage :math:`q^d_{s,t} - q^c_{s,t}`, imports :math:`\sum_i y_{i,t}`,
unserved energy :math:`u_{z,t}`). The dual of this constraint divided by :math:`w_t` is the hourly
marginal price (CNY/MWh). Curtailment is the unused available renewable output,
:math:`a_{g,t}\bar P_g - p_{g,t}`, reported from the solution.

=====================  =========================  ================================================
Symbol                 Pyomo                      Meaning (unit)
=====================  =========================  ================================================
:math:`b^{n}_{z,t}`    ``m.registry.balance[n]``  injection of balance term *n* (MW)
:math:`D_{z,t}`        ``m.demand[z, t]``         load (MW)
(rows)                 ``m.balance_<z>[t]``       the balance of zone *z*, one row block per zone
=====================  =========================  ================================================
"""

from __future__ import annotations

import pyomo.core as pyo

from optimizer.config import Config
from optimizer.inputs import Inputs
from optimizer.model.registry import Registry
from optimizer.model.sets import hourly_param


def add(m: pyo.ConcreteModel, inp: Inputs, cfg: Config, reg: Registry) -> None:
    hourly_param(m, "demand", (m.Z, m.T), {(z, i): float(v) for z in inp.zones
                                           for i, v in enumerate(inp.load_mw[z].to_numpy())},
                 doc="load (MW)")
    terms = list(reg.balance.values())
    for z in inp.zones:
        def rule(_m: pyo.ConcreteModel, i: int, z: str = z) -> object:
            # the load as a number, as an immutable Param would give it (m.demand is mutable, see hourly_param)
            return pyo.quicksum(f(z, i) for f in terms) == _m.demand[z, i].value

        # one expression per step: Pyomo 6.10's templates cannot index a component with a constant (the
        # zone, a generator) beside the template step, and every registered term does (m.p[g, i])
        con = pyo.Constraint(m.T, rule=rule, doc=f"hourly energy balance of zone {z} (MW)")
        m.add_component(f"balance_{z}", con)
        reg.balance_rows[z] = con
