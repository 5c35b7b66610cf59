r"""Transmission between zones: links with a capacity, losses, existing and new capacity and its cost.

.. math::

    0 \le f^{\rightarrow}_{l,t} \le \bar L_l, \qquad 0 \le f^{\leftarrow}_{l,t} \le \bar L_l,
    \qquad \bar L_l = L^{0}_l + L^{new}_l \qquad \forall l, t

    b_{a(l),t} \mathrel{+}= -f^{\rightarrow}_{l,t} + (1 - \lambda_l)\, f^{\leftarrow}_{l,t}, \qquad
    b_{b(l),t} \mathrel{+}= (1 - \lambda_l)\, f^{\rightarrow}_{l,t} - f^{\leftarrow}_{l,t}

    C^{capex}_l = \alpha_l\, c_l\, L^{new}_l, \qquad C^{fom}_l = o_l\, \bar L_l

A link joins zone :math:`a(l)` to zone :math:`b(l)` and carries power either way: what is sent from a
zone leaves its balance whole, and what arrives has lost the share :math:`\lambda_l` on the way. Both
flows are registered as balance terms of the two zones, so each zone's balance, and its hourly price
(the dual of its balance), sees the link. With a zonal reserve margin
(``policy.reserve_margin_scope: zone``) each link can also carry firm capacity, at most its capacity
each way: :math:`0 \le r^{\rightarrow}_l, r^{\leftarrow}_l \le \bar L_l`, counted by
:mod:`optimizer.model.reserve` in the receiving zone (less losses) and against the sending zone.

The links are a table (``inputs.links``: name, zone_a, zone_b, existing_mw, extendable, max_total_mw,
capex_cny_per_kw, lifetime_yr, fom_cny_per_kw_yr, loss_frac); a run without it has no links.

=========================================  ===========================  =======================================
Symbol                                     Pyomo                        Meaning (unit)
=========================================  ===========================  =======================================
:math:`f^{\rightarrow}_{l,t}`              ``m.link_fwd[l, t]``         power sent from zone a to zone b (MW)
:math:`f^{\leftarrow}_{l,t}`               ``m.link_bwd[l, t]``         power sent from zone b to zone a (MW)
:math:`L^{0}_l, L^{new}_l, \bar L_l`       ``m.link_existing_mw[l]``,   capacity in service, built, total (MW)
                                           ``m.link_new_mw[l]``,
                                           ``m.link_cap_mw[l]``
:math:`\lambda_l`                          ``loss_frac``                share of the power sent that is lost (-)
:math:`\alpha_l`                           ``crf(rate, lifetime_yr)``   capital recovery factor (1/yr)
:math:`c_l, o_l`                           ``capex_cny_per_kw``,        investment (CNY/MW via x1000) and fixed
                                           ``fom_cny_per_kw_yr``        O&M (CNY/MW/yr via x1000)
:math:`r^{\rightarrow}_l, r^{\leftarrow}_l`  ``m.link_firm_fwd[l]``,    firm capacity carried each way (MW)
                                           ``m.link_firm_bwd[l]``
(rows)                                     ``m.link_max_fwd[l, t]``,    the flows at most the capacity
                                           ``m.link_max_bwd[l, t]``
=========================================  ===========================  =======================================
"""

from __future__ import annotations

import math

import pyomo.core as pyo

from optimizer.config import Config
from optimizer.inputs import Inputs
from optimizer.model.capacity import KW_PER_MW, crf
from optimizer.model.registry import Registry
from optimizer.model.sets import templated


def add(m: pyo.ConcreteModel, inp: Inputs, cfg: Config, reg: Registry) -> None:
    links = inp.links
    if links is None or links.empty:
        return
    names = list(links.index)
    m.L = pyo.Set(initialize=names, ordered=True, doc="transmission links between zones")
    rate = cfg.economics.discount_rate

    def new_bounds(_m: pyo.ConcreteModel, lk: str) -> tuple[float, float | None]:
        if not bool(links.at[lk, "extendable"]):
            return (0.0, 0.0)
        hi = float(links.at[lk, "max_total_mw"]) - float(links.at[lk, "existing_mw"])
        return (0.0, None if math.isinf(hi) else max(hi, 0.0))

    m.link_existing_mw = pyo.Param(m.L, initialize={lk: float(links.at[lk, "existing_mw"]) for lk in names},
                                   doc="link capacity in service (MW)")
    m.link_new_mw = pyo.Var(m.L, within=pyo.NonNegativeReals, bounds=new_bounds, doc="new link capacity (MW)")
    m.link_cap_mw = pyo.Expression(m.L, rule=lambda _m, lk: _m.link_existing_mw[lk] + _m.link_new_mw[lk],
                                   doc="total link capacity (MW)")
    m.link_fwd = pyo.Var(m.L, m.T, within=pyo.NonNegativeReals, doc="power sent from zone a to zone b (MW)")
    m.link_bwd = pyo.Var(m.L, m.T, within=pyo.NonNegativeReals, doc="power sent from zone b to zone a (MW)")
    with templated():
        m.link_max_fwd = pyo.Constraint(
            m.L, m.T, rule=lambda _m, lk, i: _m.link_fwd[lk, i] <= _m.link_existing_mw[lk] + _m.link_new_mw[lk],
            doc="power sent a -> b at most the link's capacity (MW)")
        m.link_max_bwd = pyo.Constraint(
            m.L, m.T, rule=lambda _m, lk, i: _m.link_bwd[lk, i] <= _m.link_existing_mw[lk] + _m.link_new_mw[lk],
            doc="power sent b -> a at most the link's capacity (MW)")

    keep = {lk: 1.0 - float(links.at[lk, "loss_frac"]) for lk in names}

    def entries(z: str) -> list[tuple[float, object, str]]:
        out: list[tuple[float, object, str]] = []
        for lk in names:
            if links.at[lk, "zone_a"] == z:
                out += [(-1.0, m.link_fwd, lk), (keep[lk], m.link_bwd, lk)]
            if links.at[lk, "zone_b"] == z:
                out += [(keep[lk], m.link_fwd, lk), (-1.0, m.link_bwd, lk)]
        return out

    reg.add_balance("transmission", entries)
    reg.add_output("link_fwd_mw", m.link_fwd, names, "link", "MW", "power sent from zone_a to zone_b")
    reg.add_output("link_bwd_mw", m.link_bwd, names, "link", "MW", "power sent from zone_b to zone_a")
    reg.add_annual("link_capacity_new_mw", "link", names, [m.link_new_mw[lk] for lk in names], "MW",
                   "new link capacity")
    reg.add_annual("link_capacity_total_mw", "link", names, [m.link_cap_mw[lk] for lk in names], "MW",
                   "total link capacity")
    for lk in names:
        capex = float(links.at[lk, "capex_cny_per_kw"])
        if bool(links.at[lk, "extendable"]) and capex > 0 and not reg.capex_external:
            a = crf(rate, float(links.at[lk, "lifetime_yr"]))
            reg.add_cost("capex", lk, a * capex * KW_PER_MW * m.link_new_mw[lk])
        fom = float(links.at[lk, "fom_cny_per_kw_yr"])
        if fom > 0:
            reg.add_cost("fom", lk, fom * KW_PER_MW * m.link_cap_mw[lk])
    if cfg.policy.reserve_margin is not None and cfg.policy.reserve_margin_scope == "zone":
        m.link_firm_fwd = pyo.Var(m.L, within=pyo.NonNegativeReals, doc="firm capacity carried a -> b (MW)")
        m.link_firm_bwd = pyo.Var(m.L, within=pyo.NonNegativeReals, doc="firm capacity carried b -> a (MW)")
        m.link_firm_max_fwd = pyo.Constraint(m.L, rule=lambda _m, lk: _m.link_firm_fwd[lk] <= _m.link_cap_mw[lk],
                                             doc="firm capacity carried a -> b at most the link's capacity (MW)")
        m.link_firm_max_bwd = pyo.Constraint(m.L, rule=lambda _m, lk: _m.link_firm_bwd[lk] <= _m.link_cap_mw[lk],
                                             doc="firm capacity carried b -> a at most the link's capacity (MW)")
        for lk in names:
            a_z, b_z = links.at[lk, "zone_a"], links.at[lk, "zone_b"]
            reg.firm_transfer += [(a_z, b_z, m.link_firm_fwd[lk], keep[lk]), (b_z, a_z, m.link_firm_bwd[lk], keep[lk])]
