r"""Storage: charge, discharge and state of charge, with a cyclic year.

.. math::

    x_{s,t} = (1 - \lambda_s)^{\Delta_t}\, x_{s,t-1} + \eta^{c}_s\, q^{c}_{s,t} \Delta_t
              - \frac{q^{d}_{s,t}}{\eta^{d}_s} \Delta_t
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
:math:`\eta^c_s,\eta^d_s` ``efficiency_charge/_discharge``  charge / discharge efficiency (-)
:math:`\lambda_s`       ``standing_loss_frac_per_h``  share of stored energy lost per hour (-)
======================  ========================  ==================================================
"""

from __future__ import annotations

import pyomo.environ as pyo

from optimizer.config import Config
from optimizer.inputs import Inputs
from optimizer.model.capacity import is_fixed
from optimizer.model.registry import Registry
from optimizer.model.sets import in_zone


def add(m: pyo.ConcreteModel, inp: Inputs, cfg: Config, reg: Registry) -> None:
    t = inp.techs
    n = len(inp.time)
    fixed_p = {s: is_fixed(inp, s) for s in m.S}
    fixed_e = {s: not t.at[s, "extendable"] for s in m.S}

    def p_bounds(_m: pyo.ConcreteModel, s: str, i: int) -> tuple[float, float | None]:
        return (0.0, float(t.at[s, "existing_mw"])) if fixed_p[s] else (0.0, None)

    def e_bounds(_m: pyo.ConcreteModel, s: str, i: int) -> tuple[float, float | None]:
        return (0.0, float(t.at[s, "existing_mwh"])) if fixed_e[s] else (0.0, None)

    m.charge = pyo.Var(m.S, m.T, bounds=p_bounds, doc="storage charging power (MW)")
    m.discharge = pyo.Var(m.S, m.T, bounds=p_bounds, doc="storage discharging power (MW)")
    m.soc = pyo.Var(m.S, m.T, bounds=e_bounds, doc="storage state of charge at end of step (MWh)")

    ext_p = [s for s in m.S if not fixed_p[s]]
    ext_e = [s for s in m.S if not fixed_e[s]]
    m.charge_max = pyo.Constraint(ext_p, m.T, rule=lambda _m, s, i: _m.charge[s, i] <= _m.cap_mw[s],
                                  doc="charging at most power capacity (MW)")
    m.discharge_max = pyo.Constraint(ext_p, m.T,
                                     rule=lambda _m, s, i: _m.discharge[s, i] <= _m.cap_mw[s],
                                     doc="discharging at most power capacity (MW)")
    m.soc_max = pyo.Constraint(ext_e, m.T, rule=lambda _m, s, i: _m.soc[s, i] <= _m.cap_mwh[s],
                               doc="state of charge at most energy capacity (MWh)")

    def soc_rule(_m: pyo.ConcreteModel, s: str, i: int) -> object:
        dt = float(inp.step_h[i])
        keep = (1.0 - t.at[s, "standing_loss_frac_per_h"]) ** dt
        prev = _m.soc[s, (i - 1) % n]
        return _m.soc[s, i] == keep * prev + (
            t.at[s, "efficiency_charge"] * dt * _m.charge[s, i]
            - dt / t.at[s, "efficiency_discharge"] * _m.discharge[s, i]
        )

    m.soc_balance = pyo.Constraint(m.S, m.T, rule=soc_rule,
                                   doc="state-of-charge dynamics, cyclic over the horizon (MWh)")

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
