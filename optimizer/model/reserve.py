r"""Reserve margin: firm capacity covers the peak load plus a margin, for the system or for each zone.

.. math::

    \sum_{k \notin S} \kappa_k\, \bar P_k + \sum_{s \in S} \kappa_s F_s \ge (1 + m)\, \sum_z \max_t D_{z,t}
    \qquad \text{(scope: system)}

    \sum_{k \in z} \kappa_k\, \bar P_k + \sum_{s \in S \cap z} \kappa_s F_s
    + \sum_{l \to z} (1 - \lambda_l)\, r_l - \sum_{l \leftarrow z} r_l \ge (1 + m) \max_t D_{z,t}
    \qquad \forall z \quad \text{(scope: zone)}

Storage counts only the power it can hold for ``firm_duration_h`` hours, :math:`F_s` (see
:mod:`optimizer.model.capacity`), so a one-hour battery is not as firm as a gas turbine. With the zonal
scope a zone may count firm capacity of its neighbours carried over a link, :math:`r_l`, at most the
link's capacity each way (:mod:`optimizer.model.transmission`), less the link's losses.

=====================  ==============================  ============================================
Symbol                 Pyomo                           Meaning (unit)
=====================  ==============================  ============================================
:math:`\kappa_k`       ``firm_capacity_credit``        share of capacity counted as firm (-)
:math:`m`              ``policy.reserve_margin``       reserve margin over peak load (-)
:math:`D_{z,t}`        ``inputs.load_mw``              load (MW)
:math:`r_l`            ``m.link_firm_fwd/bwd[l]``      firm capacity carried over link *l* (MW)
(row)                  ``m.policy_reserve_margin``     the system row; dual in CNY/MW/yr
(rows)                 ``m.policy_reserve_margin_<z>`` the row of zone *z* (scope: zone)
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
    if cfg.policy.reserve_margin_scope == "system" or len(inp.zones) == 1:
        reg.add_policy(m, "reserve_margin", pyo.quicksum(e for _, e in reg.firm), ">=", need, unit="MW",
                       description=f"firm capacity at least {1 + margin:.2f} x peak load {peak:.0f} MW",
                       scale=need)
        return
    zone_of = inp.techs["zone"]
    for z in inp.zones:
        need_z = (1.0 + margin) * float(inp.peak_load_mw[z])
        firm = [e for k, e in reg.firm if zone_of[k] == z]
        firm += [kept * r for src, dst, r, kept in reg.firm_transfer if dst == z]
        firm += [-r for src, dst, r, _ in reg.firm_transfer if src == z]
        reg.add_policy(m, f"reserve_margin_{z}", pyo.quicksum(firm), ">=", need_z, unit="MW",
                       description=f"firm capacity in zone {z}, own and carried over links, at least "
                       f"{1 + margin:.2f} x its peak load {need_z / (1 + margin):.0f} MW", scale=max(need_z, 1.0))
