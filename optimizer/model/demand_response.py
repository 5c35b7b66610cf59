r"""Demand response: interruptible load curtailed at its compensation price, within an annual limit.

Contracted interruptible load (Jiangsu's demand-response programme) is a resource: it may curtail load
in any hour up to its contracted capacity, paid per MWh curtailed; its curtailment over the year is
limited (events are few); the part not curtailed counts as upward operating reserve.

.. math::

    0 \le d_{k,t} \le a_k \bar P_k, \qquad \sum_t w_t\, d_{k,t} \le \overline{Y}_k,
    \qquad C^{vom}_k = \sum_t w_t\, v_k\, d_{k,t}

    r_{k,t} + d_{k,t} \le \rho_k\, a_k \bar P_k \quad \text{(reserve, when an operating reserve is required)}

The balance gets :math:`+d_{k,t}`; curtailment burns no fuel and enters no energy account.

=====================  ==============================  =============================================
Symbol                 Pyomo                           Meaning (unit)
=====================  ==============================  =============================================
:math:`d_{k,t}`        ``m.curtail[k, t]``             load curtailed (MW)
:math:`r_{k,t}`        ``m.reserve_dr[k, t]``          upward reserve held (MW)
:math:`\bar P_k`       ``m.cap_mw[k]``                 contracted interruptible load (MW)
:math:`\overline{Y}_k`  ``annual_energy_max_mwh``      load curtailed over the year at most (MWh/yr)
:math:`v_k`            ``vom_cny_per_mwh``             compensation per MWh curtailed (CNY/MWh)
:math:`\rho_k`         ``reserve_frac``                share of the contract that counts as reserve (-)
=====================  ==============================  =============================================
"""

from __future__ import annotations

import math

import pyomo.core as pyo

from optimizer.config import Config
from optimizer.inputs import Inputs
from optimizer.model.capacity import is_fixed, total_mw
from optimizer.model.dispatch import availability
from optimizer.model.registry import Registry
from optimizer.model.sets import hourly_param, in_zone, templated, weighted_sum


def add(m: pyo.ConcreteModel, inp: Inputs, cfg: Config, reg: Registry) -> None:
    t = inp.techs
    dr = inp.of_kind("demand_response")
    m.DR = pyo.Set(initialize=dr, ordered=True, dimen=1, doc="demand-response resources (interruptible load)")
    if not dr:
        return
    avail = {k: availability(inp, k) for k in dr}
    fixed = [k for k in dr if is_fixed(inp, k)]
    upper = {k: (avail[k] * float(t.at[k, "existing_mw"])).tolist() for k in fixed}
    m.curtail = pyo.Var(m.DR, m.T, within=pyo.NonNegativeReals,
                        bounds=lambda _m, k, i: (0.0, upper[k][i]) if k in upper else (0.0, None),
                        doc="load curtailed by demand response (MW)")
    ext = [k for k in dr if k not in upper]
    m.DR_ext = pyo.Set(initialize=ext, ordered=True, dimen=1, doc="demand response whose contract is a decision")
    hourly_param(m, "dr_avail", (m.DR, m.T), {(k, i): float(v) for k in dr for i, v in enumerate(avail[k])},
                 doc="available share of the contract (-)")
    with templated():
        m.curtail_max = pyo.Constraint(
            m.DR_ext, m.T, rule=lambda _m, k, i: _m.curtail[k, i] <= _m.dr_avail[k, i] * total_mw(_m, k),
            doc="curtailment at most the available contract (MW)")
    w = [float(x) for x in inp.weight_h]
    m.curtail_mwh = pyo.Expression(m.DR, rule=lambda _m, k: weighted_sum(w, [_m.curtail[k, i] for i in _m.T]),
                                   doc="annual load curtailed (MWh/yr)")
    m.curtail_energy_max = pyo.Constraint(
        m.DR, rule=lambda _m, k: pyo.Constraint.Skip if math.isinf(t.at[k, "annual_energy_max_mwh"])
        else _m.curtail_mwh[k] <= float(t.at[k, "annual_energy_max_mwh"]),
        doc="annual curtailment limit (MWh/yr)")
    for k in dr:
        vom = float(t.at[k, "vom_cny_per_mwh"])
        if vom > 0:
            reg.add_cost("vom", k, vom * m.curtail_mwh[k])
        reg.add_emission(k, 0.0)
    by_zone = {z: in_zone(inp, dr, z) for z in m.Z}
    reg.add_balance("demand_response", lambda z: [(1.0, m.curtail, k) for k in by_zone[z]])
    reg.add_output("curtailed_mw", m.curtail, dr, "demand_response", "MW", "load curtailed by demand response",
                   energy=True)

    res = [k for k in dr if t.at[k, "reserve_frac"] > 0]
    if cfg.policy.operating_reserve is None or not res:
        return
    m.DR_res = pyo.Set(initialize=res, ordered=True, dimen=1, doc="demand response holding operating reserve")
    m.reserve_dr = pyo.Var(m.DR_res, m.T, within=pyo.NonNegativeReals,
                           doc="upward reserve held by demand response (MW)")
    m.dr_reserve_frac = pyo.Param(m.DR_res, initialize={k: float(t.at[k, "reserve_frac"]) for k in res},
                                  doc="share of the contract that counts as reserve (-)")
    with templated():
        m.dr_reserve_max = pyo.Constraint(
            m.DR_res, m.T, rule=lambda _m, k, i: _m.reserve_dr[k, i] + _m.curtail[k, i]
            <= _m.dr_reserve_frac[k] * _m.dr_avail[k, i] * total_mw(_m, k),
            doc="reserve and curtailment together within the reserve share of the contract (MW)")
    res_zone = {z: in_zone(inp, res, z) for z in m.Z}
    reg.add_balance("demand_response", lambda z: [(1.0, m.reserve_dr, k) for k in res_zone[z]], carrier="reserve")
    reg.add_output("reserve_dr_mw", m.reserve_dr, res, "dr_reserve", "MW", "upward reserve held by demand response")
