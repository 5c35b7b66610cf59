r"""Objective: the sum of every registered annual cost term.

.. math::

    \min\ C = C^{capex} + C^{fom} + C^{vom} + C^{fuel} + C^{import} + C^{carbon} + C^{unserved}

Every term is in CNY/yr; the reported cost table is the same list of terms evaluated at the
solution, so it adds up to the objective by construction (and the run checks that it does). The
infeasibility diagnosis (:mod:`optimizer.run`) replaces this objective by the normalised sum of the
policy rows' slacks.

=====================  ==========================  ===============================================
Symbol                 Pyomo                       Meaning (unit)
=====================  ==========================  ===============================================
:math:`C`              ``m.total_cost``            total annual system cost (CNY/yr)
:math:`C^{x}`          ``m.registry.costs``        cost terms by component and technology (CNY/yr)
=====================  ==========================  ===============================================
"""

from __future__ import annotations

import pyomo.core as pyo

from optimizer.config import Config
from optimizer.inputs import Inputs
from optimizer.model.registry import Registry


def add(m: pyo.ConcreteModel, inp: Inputs, cfg: Config, reg: Registry) -> None:
    m.total_cost = pyo.Expression(expr=pyo.quicksum(c.expr for c in reg.costs),
                                  doc="total annual system cost (CNY/yr)")
    m.objective = pyo.Objective(expr=m.total_cost, sense=pyo.minimize,
                                doc="minimise total annual system cost (CNY/yr)")
