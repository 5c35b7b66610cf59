r"""Carbon: annual emissions of the power and steam supply, the city-wide total, a cap and a price.

.. math::

    E = \sum_k e_k, \qquad
    E^{city} = E + \sum_{f \in \{coal, oil, gas\}} F^{np}_f\, \epsilon_f, \qquad
    E^{scope} \le \overline{E}, \qquad C^{carbon} = \sum_k \pi^{CO_2} e_k

:math:`e_k` are the emissions registered by the dispatch, heat and import modules (imports count
only if ``include_import_emissions``, each corridor at its own factor: the hydro UHVDC lines at 0,
the provincial AC grid at its mix). :math:`E^{city}` adds the fuels burnt outside the power sector
(``energy_accounting.non_power_tce``, less what electrification loads displace) at the carrier
table's CO2 factors: the scope of the plan's 碳达峰 (the city's CO2, all sectors). The cap
counts :math:`E` or :math:`E^{city}` as ``co2_scope`` says; the non-power part is data, so the
cap's dual is the marginal abatement cost in the power sector either way (CNY/t).

=========================  ==============================  ============================================
Symbol                     Pyomo                           Meaning (unit)
=========================  ==============================  ============================================
:math:`E`                  ``m.co2_t``                     power and steam supply emissions (tCO2/yr)
:math:`E^{city}`           ``m.co2_city_t``                city-wide emissions (tCO2/yr)
:math:`e_k`                ``m.registry.emissions[k]``     emissions of technology *k* (tCO2/yr)
:math:`F^{np}_f`           ``non_power_tce``               fuel *f* burnt outside the power sector (tce/yr)
:math:`\epsilon_f`         ``co2_t_per_tce``               CO2 factor of fuel *f* (data/carriers.csv, tCO2/tce)
:math:`\overline{E}`       ``m.policy_co2_cap``            emission cap (tCO2/yr)
:math:`\pi^{CO_2}`         ``carbon_price_cny_per_t``      carbon price (CNY/tCO2)
=========================  ==============================  ============================================
"""

from __future__ import annotations

import pyomo.core as pyo

from optimizer.config import Config
from optimizer.errors import InputError
from optimizer.inputs import Inputs, resolve_target
from optimizer.model.registry import Registry
from optimizer.model.shares import non_power_tce

#: fuels of ``non_power_tce`` that emit, each a row of the carrier table
NON_POWER_FUELS = ("coal", "oil", "gas")


def non_power_co2_t(inp: Inputs, cfg: Config) -> float | None:
    """CO2 of the fuels burnt outside the power sector (tCO2/yr) at the carrier table's factors; None when
    a fuel that is burnt has no carrier row to give its factor."""
    total = 0.0
    for fuel, tce in non_power_tce(cfg).items():
        if fuel not in NON_POWER_FUELS or tce <= 0:
            continue
        if fuel not in inp.carriers.index:
            return None
        total += tce * float(inp.carriers.at[fuel, "co2_t_per_tce"])
    return total


def add(m: pyo.ConcreteModel, inp: Inputs, cfg: Config, reg: Registry) -> None:
    m.co2_t = pyo.Expression(expr=pyo.quicksum(reg.emissions.values()),
                             doc="annual emissions of the power and steam supply (tCO2/yr)")
    city = cfg.policy.co2_scope == "city"
    other = non_power_co2_t(inp, cfg)
    if other is not None:
        m.co2_non_power_t = pyo.Expression(expr=other,
                                           doc="CO2 of the fuels burnt outside the power sector (tCO2/yr)")
        m.co2_city_t = pyo.Expression(expr=m.co2_t + m.co2_non_power_t, doc="city-wide annual emissions (tCO2/yr)")
        reg.add_scalar("co2_non_power_t", other, "tCO2/yr",
                       "CO2 of the fuels burnt outside the power sector (non_power_tce at the carriers' factors)")
        reg.add_scalar("co2_city_t", m.co2_city_t, "tCO2/yr", "city-wide CO2: power and steam supply (imports at "
                       "their corridors' factors) plus the fuels burnt outside the power sector")
    elif city:
        missing = next(f for f, v in non_power_tce(cfg).items() if f in NON_POWER_FUELS and v > 0
                       and f not in inp.carriers.index)
        raise InputError(f"co2_scope city needs a carrier row {missing!r} for the CO2 factor of non-power {missing}",
                         source=str(cfg.inputs.carriers), field="name")
    price = cfg.policy.carbon_price_cny_per_t
    if price > 0:
        for k, e in reg.emissions.items():
            reg.add_cost("carbon", k, price * e)
    ref = cfg.policy.co2_cap_t
    cap = resolve_target(ref, inp.targets, unit="tCO2/yr", field="policy.co2_cap_t")
    if cap is not None:
        reg.add_policy(m, "co2_cap", m.co2_city_t if city else m.co2_t, "<=", cap, unit="tCO2/yr",
                       description=f"annual {'city-wide ' if city else ''}CO2 emissions at most {cap / 1e6:.3f} Mt",
                       target=ref.target if ref else None, scale=max(cap, 1.0), enforce=ref.enforce)
