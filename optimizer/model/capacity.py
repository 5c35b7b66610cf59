r"""Capacity: new build, capacity bounds, annualised investment and fixed O&M.

.. math::

    \bar P_k = P^0_k + P^{new}_k, \qquad
    \max(0, \underline{P}_k - P^0_k) \le P^{new}_k \le \overline{P}_k - P^0_k
    \quad (P^{new}_k = 0 \text{ if } k \text{ is not extendable})

    \bar E_s = E^0_s + E^{new}_s, \qquad
    d^{min}_s \bar P_s \le \bar E_s \le d^{max}_s \bar P_s

    C^{capex} = \sum_k \mathrm{CRF}(r, L_k)\, c^{P}_k P^{new}_k + \sum_s \mathrm{CRF}(r, L_s)\, c^{E}_s E^{new}_s,
    \qquad \mathrm{CRF}(r, L) = \frac{r (1+r)^L}{(1+r)^L - 1}

    C^{fom} = \sum_k f_k \bar P_k

    F_s \le \bar P_s, \qquad d^{firm}_s F_s \le \bar E_s
    \qquad \text{(storage counts } \kappa_s F_s \text{ towards the reserve margin)}

==============================  ============================  ==========================================
Symbol                          Pyomo                         Meaning (unit)
==============================  ============================  ==========================================
:math:`P^{new}_k`               ``m.new_mw[k]``               new power capacity (MW); retirable: :math:`\ge -P^0_k`
:math:`E^{new}_s`               ``m.new_mwh[s]``              new storage energy capacity (MWh)
:math:`\bar P_k`                ``m.cap_mw[k]``               total power capacity (MW)
:math:`\bar E_s`                ``m.cap_mwh[s]``              total storage energy capacity (MWh)
:math:`P^0_k, E^0_s`            ``existing_mw/_mwh`` (data)   capacity in service (MW, MWh)
:math:`c^P_k, c^E_s`            ``capex_cny_per_kw/_kwh``     overnight cost (CNY/kW, CNY/kWh)
:math:`f_k`                     ``fom_cny_per_kw_yr``         fixed O&M (CNY/kW/yr)
:math:`r, L_k`                  ``discount_rate, lifetime_yr`` discount rate (-), lifetime (yr)
:math:`d^{min}_s, d^{max}_s`    ``m.duration_min/max[s]``     energy-to-power ratio bounds (h)
:math:`F_s`                     ``m.firm_storage_mw[s]``      storage power counted as firm (MW)
:math:`d^{firm}_s`              ``firm_duration_h``           hours behind one firm MW (h)
==============================  ============================  ==========================================
"""

from __future__ import annotations

import math

import pyomo.core as pyo

from optimizer.config import Config
from optimizer.inputs import Inputs
from optimizer.model.registry import Registry

KW_PER_MW = 1000.0


def crf(rate: float, lifetime_yr: float) -> float:
    """Capital recovery factor (1/yr)."""
    if lifetime_yr <= 0:
        return 0.0
    if rate == 0:
        return 1.0 / lifetime_yr
    a = (1 + rate) ** lifetime_yr
    return rate * a / (a - 1)


def is_fixed(inp: Inputs, k: str) -> bool:
    """True when a technology's capacity is a constant (no new build, no early retirement)."""
    row = inp.techs.loc[k]
    if row["retirable"] and not row["extendable"] and row["existing_mw"] > 0:
        return False
    return (not row["extendable"]) or row["max_total_mw"] <= row["existing_mw"]


def total_mw(m: pyo.ConcreteModel, k: object) -> object:
    """Total power capacity of ``k`` (MW) as a plain expression; usable inside templated rules."""
    return m.existing_mw[k] + m.new_mw[k]


def total_mwh(m: pyo.ConcreteModel, s: object) -> object:
    """Total energy capacity of storage ``s`` (MWh); usable inside templated rules."""
    return m.existing_mwh[s] + m.new_mwh[s]


def add(m: pyo.ConcreteModel, inp: Inputs, cfg: Config, reg: Registry) -> None:
    t = inp.techs
    rate = cfg.economics.discount_rate

    def new_bounds(_m: pyo.ConcreteModel, k: str) -> tuple[float, float | None]:
        if is_fixed(inp, k):
            return (0.0, 0.0)
        if not t.at[k, "extendable"]:  # retirable: "new" capacity is minus the capacity retired early
            return (-float(t.at[k, "existing_mw"]), 0.0)
        lo = max(0.0, t.at[k, "min_total_mw"] - t.at[k, "existing_mw"])
        hi = t.at[k, "max_total_mw"] - t.at[k, "existing_mw"]
        return (lo, None if math.isinf(hi) else hi)

    m.new_mw = pyo.Var(m.K, within=pyo.Reals, bounds=new_bounds,
                       doc="new power capacity (MW); negative = existing capacity retired early")

    def new_e_bounds(_m: pyo.ConcreteModel, s: str) -> tuple[float, float | None]:
        return (0.0, 0.0) if not t.at[s, "extendable"] else (0.0, None)

    m.new_mwh = pyo.Var(m.S, within=pyo.NonNegativeReals, bounds=new_e_bounds,
                        doc="new storage energy capacity (MWh)")
    m.existing_mw = pyo.Param(m.K, initialize={k: float(t.at[k, "existing_mw"]) for k in m.K},
                              doc="power capacity in service (MW)")
    m.existing_mwh = pyo.Param(m.S, initialize={s: float(t.at[s, "existing_mwh"]) for s in m.S},
                               doc="storage energy capacity in service (MWh)")
    m.cap_mw = pyo.Expression(m.K, rule=lambda _m, k: total_mw(_m, k), doc="total power capacity (MW)")
    m.cap_mwh = pyo.Expression(m.S, rule=lambda _m, s: total_mwh(_m, s), doc="total storage energy capacity (MWh)")

    def dur_min(_m: pyo.ConcreteModel, s: str) -> object:
        d = t.at[s, "min_duration_h"]
        if d <= 0:
            return pyo.Constraint.Skip
        return _m.cap_mwh[s] >= d * _m.cap_mw[s]

    def dur_max(_m: pyo.ConcreteModel, s: str) -> object:
        d = t.at[s, "max_duration_h"]
        if math.isinf(d):
            return pyo.Constraint.Skip
        return _m.cap_mwh[s] <= d * _m.cap_mw[s]

    m.duration_min = pyo.Constraint(m.S, rule=dur_min, doc="minimum energy-to-power ratio (h)")
    m.duration_max = pyo.Constraint(m.S, rule=dur_max, doc="maximum energy-to-power ratio (h)")

    for k in m.K:
        reg.capacity_mw[k] = m.cap_mw[k]
        reg.new_mw[k] = m.new_mw[k]
        a = crf(rate, t.at[k, "lifetime_yr"])
        builds = t.at[k, "extendable"] and not is_fixed(inp, k)
        if builds and not reg.capex_external and t.at[k, "capex_cny_per_kw"] > 0:
            reg.add_cost("capex", k, a * t.at[k, "capex_cny_per_kw"] * KW_PER_MW * m.new_mw[k])
        if t.at[k, "fom_cny_per_kw_yr"] > 0:
            reg.add_cost("fom", k, t.at[k, "fom_cny_per_kw_yr"] * KW_PER_MW * m.cap_mw[k])
        if t.at[k, "firm_capacity_credit"] > 0 and k not in m.S:
            reg.firm.append((k, t.at[k, "firm_capacity_credit"] * m.cap_mw[k]))
    firm_s = [s for s in m.S if t.at[s, "firm_capacity_credit"] > 0]
    m.firm_storage_mw = pyo.Var(firm_s, within=pyo.NonNegativeReals,
                                doc="storage power backed by enough energy to count as firm (MW)")
    m.firm_storage_power = pyo.Constraint(firm_s, rule=lambda _m, s: _m.firm_storage_mw[s] <= _m.cap_mw[s],
                                          doc="firm storage at most its power capacity (MW)")
    m.firm_storage_energy = pyo.Constraint(
        firm_s, rule=lambda _m, s: t.at[s, "firm_duration_h"] * _m.firm_storage_mw[s] <= _m.cap_mwh[s],
        doc="firm storage at most its energy capacity over the firm duration (MW)")
    for s in firm_s:
        reg.firm.append((s, t.at[s, "firm_capacity_credit"] * m.firm_storage_mw[s]))
    for s in m.S:
        reg.capacity_mwh[s] = m.cap_mwh[s]
        reg.new_mwh[s] = m.new_mwh[s]
        a = crf(rate, t.at[s, "lifetime_yr"])
        if not reg.capex_external and t.at[s, "extendable"] and t.at[s, "capex_cny_per_kwh"] > 0:
            reg.add_cost("capex", s, a * t.at[s, "capex_cny_per_kwh"] * KW_PER_MW * m.new_mwh[s])
