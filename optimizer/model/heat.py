r"""Heat: the hourly heat balance of each heat network, met by CHP units and boilers.

Industrial steam is the second carrier. It cannot move between steam networks, so each network (a
column of the heat demand file; a technology's ``heat_network``, its zone when none is named) has a
balance of its own. CHP units make heat with their power: a back-pressure unit on a fixed
power-to-heat ratio, an extraction unit anywhere in a linear region between its back-pressure line
and its maximum fuel line (oemof-solph's ``ExtractionTurbineCHP``). Boilers make heat alone.

.. math::

    \sum_{g \in G^{chp}_n} h_{g,t} + \sum_{b \in B_n} q_{b,t} \;[+\; u^{h}_{n,t}] = H_{n,t} \qquad \forall n, t

    p_{g,t} = c^b_g\, h_{g,t} \quad (g \text{ back-pressure}), \qquad
    p_{g,t} \ge c^b_g\, h_{g,t},\ \ p_{g,t} + c^v_g h_{g,t} \le a_{g,t}\bar P_g \quad (g \text{ extraction})

    0 \le q_{b,t} \le a_b \bar Q_b, \qquad
    F_g = \phi_g \sum_t w_t (p_{g,t} + c^v_g h_{g,t}), \qquad F_b = \phi_b \sum_t w_t q_{b,t}

A committable extraction unit is limited by its committed capacity instead
(:mod:`optimizer.model.commitment`). The fuel of a CHP unit's heat, :math:`\phi_g c^v_g h`, adds to its
fuel cost, emissions and energy accounts beside the fuel of its power (:mod:`optimizer.model.dispatch`).
The dual of the heat balance divided by :math:`w_t` is the hourly marginal cost of heat (CNY/MWh).
With ``allow_unserved`` the heat balance may fall short at the value of lost load, :math:`u^h`.

=======================  ==============================  =============================================
Symbol                   Pyomo                           Meaning (unit)
=======================  ==============================  =============================================
:math:`h_{g,t}`          ``m.chp_heat[g, t]``            heat from CHP unit *g* (MW of heat)
:math:`q_{b,t}`          ``m.boiler_heat[b, t]``         heat from boiler *b* (MW of heat)
:math:`u^h_{n,t}`        ``m.heat_unserved[n, t]``       heat demand not met (MW of heat)
:math:`H_{n,t}`          ``m.heat_demand_<n>[t]``        heat demand of network *n* (MW of heat)
:math:`c^b_g`            ``m.chp_ratio[g]``              power per heat on the back-pressure line (-)
:math:`c^v_g`            ``m.chp_loss[g]``               power lost per heat extracted (-)
:math:`\phi`             ``heat_rate_gce_per_kwh``       fuel per condensing-equivalent output, or per heat (tce/MWh)
(rows)                   ``m.chp_backpressure``, ``m.chp_line``, ``m.chp_max``  the CHP regions
(rows)                   ``m.heat_balance_<n>[t]``       the heat balance of network *n*
=======================  ==============================  =============================================
"""

from __future__ import annotations

import pyomo.core as pyo

from optimizer.config import Config
from optimizer.inputs import Inputs
from optimizer.inputs.loader import heat_network
from optimizer.model.capacity import is_fixed, total_mw
from optimizer.model.dispatch import add_fuel_use, availability, committed
from optimizer.model.registry import Registry
from optimizer.model.sets import hourly_param, templated, weighted_sum


def add(m: pyo.ConcreteModel, inp: Inputs, cfg: Config, reg: Registry) -> None:
    t = inp.techs
    chp = [g for g in m.G if t.at[g, "chp_mode"]]
    bp = [g for g in chp if t.at[g, "chp_mode"] == "back_pressure"]
    ex = [g for g in chp if t.at[g, "chp_mode"] == "extraction"]
    boilers = inp.of_kind("boiler")
    m.G_chp = pyo.Set(initialize=chp, ordered=True, dimen=1, doc="CHP units")
    m.G_chp_x = pyo.Set(initialize=ex, ordered=True, dimen=1, doc="extraction CHP units")
    m.B = pyo.Set(initialize=boilers, ordered=True, dimen=1, doc="boilers (heat only)")
    m.chp_heat = pyo.Var(m.G_chp, m.T, within=pyo.NonNegativeReals, doc="heat from a CHP unit (MW of heat)")
    m.chp_ratio = pyo.Param(m.G_chp, initialize={g: float(t.at[g, "power_to_heat"]) for g in chp},
                            doc="power per heat on the back-pressure line (-)")
    m.chp_loss = pyo.Param(m.G_chp, initialize={g: float(t.at[g, "power_loss_per_heat"]) for g in chp},
                           doc="power lost per heat extracted (-)")
    m.G_chp_bp = pyo.Set(initialize=bp, ordered=True, dimen=1, doc="back-pressure CHP units")
    free_ex = [g for g in ex if not committed(inp, cfg, g)]
    m.G_chp_x_free = pyo.Set(initialize=free_ex, ordered=True, dimen=1,
                             doc="extraction CHP units not committed (limited by their available capacity)")
    hourly_param(m, "chp_cap", (m.G_chp_x_free, m.T),
                 {(g, i): float(v) * (float(t.at[g, "existing_mw"]) if is_fixed(inp, g) else 1.0)
                  for g in free_ex for i, v in enumerate(availability(inp, g))},
                 doc="available capacity of fixed extraction units (MW), or available share of extendable ones (-)")
    fixed_x = [g for g in free_ex if is_fixed(inp, g)]
    m.G_chp_x_fixed = pyo.Set(initialize=fixed_x, ordered=True, dimen=1, doc="free extraction units of fixed capacity")
    m.G_chp_x_ext = pyo.Set(initialize=[g for g in free_ex if g not in fixed_x], ordered=True, dimen=1,
                            doc="free extraction units whose capacity is a decision")
    with templated():
        m.chp_backpressure = pyo.Constraint(
            m.G_chp_bp, m.T, rule=lambda _m, g, i: _m.p[g, i] == _m.chp_ratio[g] * _m.chp_heat[g, i],
            doc="back-pressure units: power in fixed ratio to heat (MW)")
        m.chp_line = pyo.Constraint(
            m.G_chp_x, m.T, rule=lambda _m, g, i: _m.p[g, i] >= _m.chp_ratio[g] * _m.chp_heat[g, i],
            doc="extraction units: power at least on the back-pressure line (MW)")
        m.chp_max = pyo.Constraint(
            m.G_chp_x_fixed, m.T,
            rule=lambda _m, g, i: _m.p[g, i] + _m.chp_loss[g] * _m.chp_heat[g, i] <= _m.chp_cap[g, i],
            doc="extraction units: condensing-equivalent output at most available capacity (MW)")
        m.chp_max_ext = pyo.Constraint(
            m.G_chp_x_ext, m.T,
            rule=lambda _m, g, i: _m.p[g, i] + _m.chp_loss[g] * _m.chp_heat[g, i]
            <= _m.chp_cap[g, i] * total_mw(_m, g),
            doc="extraction units: condensing-equivalent output at most available capacity (MW)")

    up = {b: (availability(inp, b) * float(t.at[b, "existing_mw"])).tolist() for b in boilers if is_fixed(inp, b)}
    m.boiler_heat = pyo.Var(m.B, m.T, within=pyo.NonNegativeReals,
                            bounds=lambda _m, b, i: (0.0, up[b][i]) if b in up else (0.0, None),
                            doc="heat from a boiler (MW of heat)")
    ext_b = [b for b in boilers if b not in up]
    m.B_ext = pyo.Set(initialize=ext_b, ordered=True, dimen=1, doc="boilers whose capacity is a decision")
    hourly_param(m, "boiler_avail", (m.B_ext, m.T),
                 {(b, i): float(v) for b in ext_b for i, v in enumerate(availability(inp, b))},
                 doc="available share of boiler capacity (-)")
    with templated():
        m.boiler_max = pyo.Constraint(
            m.B_ext, m.T, rule=lambda _m, b, i: _m.boiler_heat[b, i] <= _m.boiler_avail[b, i] * total_mw(_m, b),
            doc="boiler heat at most available capacity (MW of heat)")

    w = [float(x) for x in inp.weight_h]
    m.heat_mwh = pyo.Expression(
        m.G_chp | m.B, rule=lambda _m, k: weighted_sum(
            w, [(_m.chp_heat if k in chp else _m.boiler_heat)[k, i] for i in _m.T]),
        doc="annual heat supplied (MWh of heat per year)")
    for g in chp:  # the fuel of the heat extracted: phi x c_v x heat
        loss = float(t.at[g, "power_loss_per_heat"])
        if loss > 0:
            add_fuel_use(reg, inp, cfg, g, loss * m.heat_mwh[g], [(loss, m.chp_heat, g)])
    for b in boilers:
        add_fuel_use(reg, inp, cfg, b, m.heat_mwh[b], [(1.0, m.boiler_heat, b)])
        vom = float(t.at[b, "vom_cny_per_mwh"])
        if vom > 0:
            reg.add_cost("vom", b, vom * m.heat_mwh[b])

    if inp.heat_mw is not None:
        nets = list(inp.heat_mw.columns)
        on = {n: ([g for g in chp if heat_network(t, g) == n], [b for b in boilers if heat_network(t, b) == n])
              for n in nets}
        reg.add_balance("chp", lambda n: [(1.0, m.chp_heat, g) for g in on[n][0]], carrier="heat")
        reg.add_balance("boilers", lambda n: [(1.0, m.boiler_heat, b) for b in on[n][1]], carrier="heat")
        if cfg.economics.allow_unserved:
            heat = {n: inp.heat_mw[n].to_numpy() for n in nets}
            m.H = pyo.Set(initialize=nets, ordered=True, dimen=1, doc="heat networks")
            m.heat_unserved = pyo.Var(m.H, m.T, bounds=lambda _m, n, i: (0.0, float(heat[n][i])),
                                      doc="heat demand not met (MW of heat)")
            m.heat_unserved_mwh = pyo.Expression(
                expr=weighted_sum(w * len(nets), [m.heat_unserved[n, i] for n in m.H for i in m.T]),
                doc="annual heat demand not met (MWh of heat per year)")
            reg.add_cost("unserved", "unserved", cfg.economics.voll_cny_per_mwh * m.heat_unserved_mwh)
            reg.add_balance("heat_unserved", lambda n: [(1.0, m.heat_unserved, n)], carrier="heat")
            reg.add_output("heat_unserved_mw", m.heat_unserved, nets, "heat_network", "MW", "heat demand not met")
    for g in chp:  # the power that comes with the heat delivered (back-pressure: all of it)
        reg.add_floor(g, [(float(m.chp_ratio[g]), m.chp_heat, g)])
    reg.add_output("heat_mw", m.chp_heat, chp, "chp", "MW", "heat from CHP units (MW of heat)")
    reg.add_output("boiler_heat_mw", m.boiler_heat, boilers, "boiler", "MW", "heat from boilers (MW of heat)",
                   energy=True)
