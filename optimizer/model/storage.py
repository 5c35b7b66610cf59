r"""Storage: charge, discharge and state of charge, with a cyclic year.

.. math::

    x_{s,t} = (1 - \lambda_s)^{\Delta}\, x_{s,t-1} + \eta^{c}_s\, q^{c}_{s,t} \Delta
              - \frac{q^{d}_{s,t}}{\eta^{d}_s} \Delta
    \qquad \forall s, t \qquad (x_{s,-1} \equiv x_{s,|T|-1},\ \text{cyclic})

    0 \le q^{c}_{s,t} \le \bar P_s, \qquad 0 \le q^{d}_{s,t} \le \bar P_s, \qquad 0 \le x_{s,t} \le \bar E_s

    C^{vom}_s = \sum_t w_t\, v_s\, q^{d}_{s,t}

The balance gets :math:`q^{d}_{s,t} - q^{c}_{s,t}`. Power and energy capacity are sized
separately (see :mod:`optimizer.model.capacity`). Where capacity is fixed the limits are variable
bounds rather than constraints.

======================  ========================  ==================================================
Symbol                  Pyomo                     Meaning (unit)
======================  ========================  ==================================================
:math:`q^{c}_{s,t}`     ``m.charge[s, t]``        charging power drawn from the grid (MW)
:math:`q^{d}_{s,t}`     ``m.discharge[s, t]``     discharging power delivered to the grid (MW)
:math:`x_{s,t}`         ``m.soc[s, t]``           energy stored at the end of step *t* (MWh)
(rows)                  ``m.soc_balance[s, t]``, ``m.soc_cyclic[s]``  the dynamics for t > 0 and for t = 0
:math:`\eta^c_s,\eta^d_s` ``efficiency_charge/_discharge``  charge / discharge efficiency (-)
:math:`\lambda_s`       ``standing_loss_frac_per_h``  share of stored energy lost per hour (-)
======================  ========================  ==================================================
"""

from __future__ import annotations

import pyomo.environ as pyo

from optimizer.config import Config
from optimizer.inputs import Inputs
from optimizer.model.capacity import is_fixed, total_mw, total_mwh
from optimizer.model.registry import Registry
from optimizer.model.sets import in_zone, templated


def add(m: pyo.ConcreteModel, inp: Inputs, cfg: Config, reg: Registry) -> None:
    t = inp.techs
    n = len(inp.time)
    fixed_p = {s: is_fixed(inp, s) for s in m.S}
    fixed_e = {s: not t.at[s, "extendable"] for s in m.S}

    p_up = {s: (float(t.at[s, "existing_mw"]) if fixed_p[s] else None) for s in m.S}
    e_up = {s: (float(t.at[s, "existing_mwh"]) if fixed_e[s] else None) for s in m.S}

    def p_bounds(_m: pyo.ConcreteModel, s: str, i: int) -> tuple[float, float | None]:
        return (0.0, p_up[s])

    def e_bounds(_m: pyo.ConcreteModel, s: str, i: int) -> tuple[float, float | None]:
        return (0.0, e_up[s])

    m.charge = pyo.Var(m.S, m.T, bounds=p_bounds, doc="storage charging power (MW)")
    m.discharge = pyo.Var(m.S, m.T, bounds=p_bounds, doc="storage discharging power (MW)")
    m.soc = pyo.Var(m.S, m.T, bounds=e_bounds, doc="storage state of charge at end of step (MWh)")

    m.S_ext_p = pyo.Set(initialize=[s for s in m.S if not fixed_p[s]], ordered=True, dimen=1,
                        doc="storage whose power capacity is a decision")
    m.S_ext_e = pyo.Set(initialize=[s for s in m.S if not fixed_e[s]], ordered=True, dimen=1,
                        doc="storage whose energy capacity is a decision")
    dt = float(inp.step_h[0])
    m.soc_keep = pyo.Param(m.S, initialize={s: (1.0 - t.at[s, "standing_loss_frac_per_h"]) ** dt for s in m.S},
                           doc="share of stored energy kept over one step (-)")
    m.charge_gain = pyo.Param(m.S, initialize={s: t.at[s, "efficiency_charge"] * dt for s in m.S},
                              doc="energy stored per MW charged over one step (MWh/MW)")
    m.discharge_cost = pyo.Param(m.S, initialize={s: dt / t.at[s, "efficiency_discharge"] for s in m.S},
                                 doc="energy drawn from store per MW discharged over one step (MWh/MW)")
    last = n - 1
    with templated():
        m.charge_max = pyo.Constraint(m.S_ext_p, m.T, rule=lambda _m, s, i: _m.charge[s, i] <= total_mw(_m, s),
                                      doc="charging at most power capacity (MW)")
        m.discharge_max = pyo.Constraint(m.S_ext_p, m.T,
                                         rule=lambda _m, s, i: _m.discharge[s, i] <= total_mw(_m, s),
                                         doc="discharging at most power capacity (MW)")
        m.soc_max = pyo.Constraint(m.S_ext_e, m.T, rule=lambda _m, s, i: _m.soc[s, i] <= total_mwh(_m, s),
                                   doc="state of charge at most energy capacity (MWh)")
        m.soc_balance = pyo.Constraint(
            m.S, m.T1,
            rule=lambda _m, s, i: _m.soc[s, i] == _m.soc_keep[s] * _m.soc[s, i - 1]
            + _m.charge_gain[s] * _m.charge[s, i] - _m.discharge_cost[s] * _m.discharge[s, i],
            doc="state-of-charge dynamics (MWh)")
    m.soc_cyclic = pyo.Constraint(
        m.S,
        rule=lambda _m, s: _m.soc[s, 0] == _m.soc_keep[s] * _m.soc[s, last]
        + _m.charge_gain[s] * _m.charge[s, 0] - _m.discharge_cost[s] * _m.discharge[s, 0],
        doc="state-of-charge dynamics of the first step, closing the cycle over the horizon (MWh)")

    w = [float(x) for x in inp.weight_h]
    m.discharge_mwh = pyo.Expression(
        m.S, rule=lambda _m, s: pyo.quicksum(w[i] * _m.discharge[s, i] for i in _m.T),
        doc="annual energy discharged (MWh/yr)")
    for s in m.S:
        if t.at[s, "vom_cny_per_mwh"] > 0:
            reg.add_cost("vom", s, t.at[s, "vom_cny_per_mwh"] * m.discharge_mwh[s])
    by_zone = {z: in_zone(inp, list(m.S), z) for z in m.Z}
    reg.add_balance(
        "storage",
        lambda z, i: pyo.quicksum(m.discharge[s, i] - m.charge[s, i] for s in by_zone[z]),
    )
