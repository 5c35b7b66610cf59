r"""Flexibility retrofit of coal unit classes (灵活性改造, one of the plan's 三改联动).

Part of a committable, power-only class may be retrofitted to a lower minimum stable output. The
retrofitted units are taken to be the first online, so the class's minimum falls by the retrofit's
gain on the retrofitted capacity that is committed:

.. math::

    p_{g,t} \ge \mu_g\, u_{g,t} - (\mu_g - \mu'_g)\, y_{g,t}, \qquad
    y_{g,t} \le x_g, \qquad y_{g,t} \le u_{g,t}, \qquad 0 \le x_g \le \min(\bar P_g^{0}, \bar X_g)

    C^{retrofit} = \mathrm{CRF}(r, L^{rf}_g)\, c^{rf}_g\, x_g

The annuity is counted with the fixed costs of the class, also in a pathway, where each period's
retrofit is at least the previous period's (a retrofit once made stays). Efficiency and heating
retrofits are not modelled: Suzhou's large units are ultra-supercritical and supercritical (276-286
gce/kWh by unit in SWITCH-China; the class averages 293 gce/kWh of net output in the table), close to
the 270 gce/kWh the national upgrade plan asks of new units, so the room is small and no cost per kW
was found; a heating retrofit needs a steam network the model does not place.

=========================  ======================================  =====================================
Symbol                     Pyomo                                   Meaning (unit)
=========================  ======================================  =====================================
:math:`x_g`                ``m.flex_mw[g]``                        capacity retrofitted (MW)
:math:`y_{g,t}`            ``m.flex_online[g, t]``                 retrofitted capacity committed (MW)
:math:`\mu_g, \mu'_g`      ``min_stable_frac``, ``flex_retrofit_min_stable_frac``  minimum before / after (-)
:math:`\bar P_g^{0}`       ``existing_mw``                         capacity in service (MW)
:math:`\bar X_g`           ``flex_retrofit_max_mw``                most retrofitted by the study year (MW)
:math:`c^{rf}_g`           ``flex_retrofit_capex_cny_per_kw``      retrofit cost (CNY/kW)
:math:`L^{rf}_g`           ``flex_retrofit_lifetime_yr``           retrofit lifetime (yr)
(rows)                     ``m.flex_min``, ``m.flex_cap``, ``m.flex_committed``  the three rows above
=========================  ======================================  =====================================
"""

from __future__ import annotations

import pyomo.core as pyo

from optimizer.config import Config
from optimizer.inputs import Inputs
from optimizer.model.capacity import KW_PER_MW, crf
from optimizer.model.registry import Registry
from optimizer.model.sets import templated


def offered(inp: Inputs, cfg: Config, g: str) -> bool:
    """Whether unit class ``g`` may be retrofitted (its minimum stable output is then stated here, not in
    :mod:`optimizer.model.commitment`). A base-year simulation (capacity_expansion: false) builds nothing,
    retrofits included."""
    t = inp.techs
    return (cfg.economics.capacity_expansion and t.at[g, "flex_retrofit_min_stable_frac"] > 0
            and t.at[g, "existing_mw"] > 0)


def add(m: pyo.ConcreteModel, inp: Inputs, cfg: Config, reg: Registry) -> None:
    t = inp.techs
    flex = [g for g in getattr(m, "G_uc", []) if offered(inp, cfg, g)]
    m.G_flex = pyo.Set(initialize=flex, ordered=True, dimen=1, doc="unit classes offered a flexibility retrofit")
    if not flex:
        return
    m.flex_gain = pyo.Param(m.G_flex, initialize={g: float(t.at[g, "min_stable_frac"]
                                                          - t.at[g, "flex_retrofit_min_stable_frac"]) for g in flex},
                            doc="fall of the minimum stable output of retrofitted capacity (-)")
    m.flex_mw = pyo.Var(m.G_flex, within=pyo.NonNegativeReals,
                        bounds=lambda _m, g: (0.0, min(float(t.at[g, "existing_mw"]),
                                                       float(t.at[g, "flex_retrofit_max_mw"]))),
                        doc="capacity retrofitted for flexibility (MW)")
    m.flex_online = pyo.Var(m.G_flex, m.T, within=pyo.NonNegativeReals,
                            doc="retrofitted capacity committed (MW)")
    with templated():
        m.flex_min = pyo.Constraint(
            m.G_flex, m.T, rule=lambda _m, g, i: _m.p[g, i] >= _m.min_stable[g] * _m.committed[g, i]
            - _m.flex_gain[g] * _m.flex_online[g, i],
            doc="output at least the minimum stable share of committed capacity, lower on retrofitted units (MW)")
        m.flex_cap = pyo.Constraint(m.G_flex, m.T, rule=lambda _m, g, i: _m.flex_online[g, i] <= _m.flex_mw[g],
                                    doc="retrofitted capacity online at most what was retrofitted (MW)")
        m.flex_committed = pyo.Constraint(
            m.G_flex, m.T, rule=lambda _m, g, i: _m.flex_online[g, i] <= _m.committed[g, i],
            doc="retrofitted capacity online at most the committed capacity (MW)")
    rate = cfg.economics.discount_rate
    for g in flex:
        c = float(t.at[g, "flex_retrofit_capex_cny_per_kw"])
        if c > 0:
            a = crf(rate, float(t.at[g, "flex_retrofit_lifetime_yr"]))
            reg.add_cost("fom", g, a * c * KW_PER_MW * m.flex_mw[g])
    for g in flex:
        reg.add_floor(g, [(float(m.min_stable[g]), m.committed, g), (-float(m.flex_gain[g]), m.flex_online, g)])
    reg.add_output("flex_online_mw", m.flex_online, flex, "flex_retrofit", "MW",
                   "retrofitted capacity committed (its minimum stable output is the retrofit's)")
    reg.add_scalar("flex_retrofit_mw", pyo.quicksum(m.flex_mw[g] for g in flex), "MW",
                   "coal capacity retrofitted for flexibility (灵活性改造)")
