r"""Reserve margin: firm capacity covers the peak load plus a margin.

.. math::

    \sum_{k \notin S} \kappa_k\, \bar P_k + \sum_{s \in S} \kappa_s F_s \ge (1 + m)\, \sum_z \max_t D_{z,t}

Storage counts only the power it can hold for ``firm_duration_h`` hours, :math:`F_s` (see
:mod:`optimizer.model.capacity`), so a one-hour battery is not as firm as a gas turbine.

=====================  ==============================  ============================================
Symbol                 Pyomo                           Meaning (unit)
=====================  ==============================  ============================================
:math:`\kappa_k`       ``firm_capacity_credit``        share of capacity counted as firm (-)
:math:`m`              ``policy.reserve_margin``       reserve margin over peak load (-)
:math:`D_{z,t}`        ``inputs.load_mw``              load (MW)
(row)                  ``m.policy_reserve_margin``     the constraint; dual in CNY/MW/yr
=====================  ==============================  ============================================
"""

from __future__ import annotations

import pyomo.core as pyo

from optimizer.config import Config
from optimizer.errors import InfeasibleError
from optimizer.inputs import Inputs
from optimizer.model.registry import Registry


def add(m: pyo.ConcreteModel, inp: Inputs, cfg: Config, reg: Registry) -> None:
    margin = cfg.policy.reserve_margin
    if margin is None:
        return
    peak = float(inp.peak_load_mw.sum())  # hourly peak, also when steps are averaged or clustered
    need = (1.0 + margin) * peak
    if not reg.firm and need > 0:
        raise InfeasibleError(f"infeasible: reserve_margin needs {need:,.0f} MW of firm capacity but no technology "
                              "has a firm_capacity_credit; give credits in the technology table or set "
                              "policy.reserve_margin: null")
    reg.add_policy(m, "reserve_margin", pyo.quicksum(e for _, e in reg.firm), ">=", need, unit="MW",
                   description=f"firm capacity at least {1 + margin:.2f} x peak load {peak:.0f} MW",
                   scale=need)
