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
:math:`D_{z,t}`        ``inputs.load_mw``         load (MW)
=====================  =========================  ================================================
"""

from __future__ import annotations

import pyomo.environ as pyo

from optimizer.config import Config
from optimizer.inputs import Inputs
from optimizer.model.registry import Registry


def add(m: pyo.ConcreteModel, inp: Inputs, cfg: Config, reg: Registry) -> None:
    load = {z: inp.load_mw[z].to_numpy() for z in inp.zones}
    terms = list(reg.balance.values())

    def rule(_m: pyo.ConcreteModel, z: str, i: int) -> object:
        return pyo.quicksum(f(z, i) for f in terms) == float(load[z][i])

    m.balance = pyo.Constraint(m.Z, m.T, rule=rule, doc="hourly energy balance (MW)")
