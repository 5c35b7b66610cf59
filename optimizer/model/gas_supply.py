r"""Natural gas supply: the city's gas use at most the pipeline capability plus LNG at a premium.

.. math::

    \frac{1}{\gamma}\Big(\sum_k f_k + F^{np}_{gas}\Big) \le \overline{G}^{pipe} + G^{lng},
    \qquad 0 \le G^{lng} \le \overline{G}^{lng}, \qquad C^{lng} = \pi^{lng}\, G^{lng}

:math:`f_k` is the gas burnt by each plant, CHP unit and boiler that registered its fuel
(:func:`optimizer.model.dispatch.add_fuel_use`), :math:`F^{np}_{gas}` the gas used outside the
power sector (``energy_accounting.non_power_tce``, less what electrification displaces). The plan
states the supply as a capability to reach ("区外管道天然气年供气能力超过100亿立方米"); the model
reads the figure as what the pipelines can deliver in the year and lets LNG (张家港海进江 LNG)
cover more at its premium over pipeline gas, up to the terminals' capability. The dual of the row
is the scarcity value of gas (CNY per m3 above its price).

=============================  ==============================  =====================================
Symbol                         Pyomo                           Meaning (unit)
=============================  ==============================  =====================================
:math:`f_k`                    ``m.registry.fuel_tce[gas]``    gas burnt by technology *k* (tce/yr)
:math:`F^{np}_{gas}`           ``non_power_tce.gas``           gas used outside the power sector (tce/yr)
:math:`\gamma`                 ``kgce_per_m3``                 standard coal equivalent of gas (tce per m3)
:math:`\overline{G}^{pipe}`    ``m.policy_gas_supply``         pipeline capability (m3/yr)
:math:`G^{lng}`                ``m.gas_lng_m3``                LNG delivered (m3/yr)
:math:`\overline{G}^{lng}`     ``lng_bcm_max``                 LNG capability (m3/yr)
:math:`\pi^{lng}`              ``lng_premium_cny_per_m3``      LNG premium over pipeline gas (CNY/m3)
=============================  ==============================  =====================================
"""

from __future__ import annotations

import pyomo.core as pyo

from optimizer.config import Config, GasSupplyConfig
from optimizer.errors import InputError
from optimizer.inputs import Inputs, resolve_target
from optimizer.model.registry import Registry
from optimizer.model.shares import non_power_tce

M3_PER_BCM = 1e9


def add(m: pyo.ConcreteModel, inp: Inputs, cfg: Config, reg: Registry) -> None:
    gs = cfg.policy.gas_supply
    carrier = gs.carrier if gs is not None else "gas"
    if carrier not in inp.carriers.index:
        if gs is not None:
            raise InputError(f"carrier {carrier!r} is not in the carrier table", source="config",
                             field="policy.gas_supply.carrier")
        return
    # gas use is reported with or without a limit (without one, at the default heat content)
    kgce = gs.kgce_per_m3 if gs is not None else GasSupplyConfig.model_fields["kgce_per_m3"].default
    tce_per_m3 = kgce * 1e-3
    m.gas_power_m3 = pyo.Expression(expr=pyo.quicksum(f for _, f in reg.fuel_tce.get(carrier, [])) / tce_per_m3,
                                    doc="gas burnt for power and steam (m3/yr)")
    m.gas_non_power_m3 = pyo.Expression(expr=non_power_tce(cfg).get("gas", 0.0) / tce_per_m3,
                                        doc="gas used outside the power sector (m3/yr)")
    use = m.gas_power_m3 + m.gas_non_power_m3
    reg.add_scalar("gas_use_power_m3", m.gas_power_m3, "m3/yr", "natural gas burnt for power and steam")
    reg.add_scalar("gas_use_non_power_m3", m.gas_non_power_m3, "m3/yr", "natural gas used outside the power sector")
    reg.add_scalar("gas_use_m3", use, "m3/yr", "natural gas used in the city")
    if gs is None or not gs.pipeline_bcm.enabled:
        return
    ref = gs.pipeline_bcm
    # an explicit value is in bcm/yr, as the field's name says; a target is converted from its unit
    pipe = ref.value * M3_PER_BCM if ref.value is not None else resolve_target(
        ref, inp.targets, unit="m3/yr", field="policy.gas_supply.pipeline_bcm")
    if pipe < 0:
        raise InputError("gas supply capability must not be negative", source="config",
                         field="policy.gas_supply.pipeline_bcm")
    m.gas_lng_m3 = pyo.Var(within=pyo.NonNegativeReals, bounds=(0.0, gs.lng_bcm_max * M3_PER_BCM),
                           doc="LNG delivered on top of the pipeline capability (m3/yr)")
    if not ref.enforce:  # the limit is checked, not imposed: no LNG is needed to meet it
        m.gas_lng_m3.fix(0.0)
    if gs.lng_premium_cny_per_m3 > 0:
        reg.add_cost("fuel", "gas_lng", gs.lng_premium_cny_per_m3 * m.gas_lng_m3)
    reg.add_policy(m, "gas_supply", use - m.gas_lng_m3, "<=", pipe, unit="m3/yr",
                   description=f"gas use less LNG at most the pipeline capability {pipe / M3_PER_BCM:.2f} bcm/yr",
                   target=ref.target, scale=max(pipe, 1.0), enforce=ref.enforce)
    reg.add_scalar("gas_lng_m3", m.gas_lng_m3, "m3/yr", "LNG delivered on top of the pipeline capability")
    reg.add_scalar("gas_supply_capability_m3", pipe + gs.lng_bcm_max * M3_PER_BCM, "m3/yr",
                   "pipeline plus LNG capability")
