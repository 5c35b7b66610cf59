r"""Carbon: annual emissions, an optional cap and an optional carbon price.

.. math::

    E = \sum_k e_k \le \overline{E}, \qquad C^{carbon} = \sum_k \pi^{CO_2} e_k

:math:`e_k` are the emissions registered by the dispatch and import modules (imports count only if
``include_import_emissions``). The dual of the cap is the carbon shadow price (CNY/t), the marginal
abatement cost at the cap.

=====================  ==============================  ============================================
Symbol                 Pyomo                           Meaning (unit)
=====================  ==============================  ============================================
:math:`E`              ``m.co2_t``                     total annual emissions (tCO2/yr)
:math:`e_k`            ``m.registry.emissions[k]``     emissions of technology *k* (tCO2/yr)
:math:`\overline{E}`   ``m.policy_co2_cap``            emission cap (tCO2/yr)
:math:`\pi^{CO_2}`     ``carbon_price_cny_per_t``      carbon price (CNY/tCO2)
=====================  ==============================  ============================================
"""

from __future__ import annotations

import pyomo.core as pyo

from optimizer.config import Config
from optimizer.inputs import Inputs, resolve_target
from optimizer.model.registry import Registry


def add(m: pyo.ConcreteModel, inp: Inputs, cfg: Config, reg: Registry) -> None:
    m.co2_t = pyo.Expression(expr=pyo.quicksum(reg.emissions.values()),
                             doc="total annual emissions (tCO2/yr)")
    price = cfg.policy.carbon_price_cny_per_t
    if price > 0:
        for k, e in reg.emissions.items():
            reg.add_cost("carbon", k, price * e)
    ref = cfg.policy.co2_cap_t
    cap = resolve_target(ref, inp.targets, unit="tCO2/yr", field="policy.co2_cap_t")
    if cap is not None:
        reg.add_policy(m, "co2_cap", m.co2_t, "<=", cap, unit="tCO2/yr",
                       description=f"annual CO2 emissions at most {cap / 1e6:.3f} Mt",
                       target=ref.target if ref else None, scale=max(cap, 1.0))
