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

import pyomo.core as pyo

from optimizer.config import Config
from optimizer.inputs import Inputs
from optimizer.model.capacity import is_fixed, total_mw, total_mwh
from optimizer.model.registry import Registry
from optimizer.model.sets import in_zone, templated, weighted_sum


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

    linked = inp.day_sequence is not None
    if linked:  # typical days: soc is the change since the start of the typical day, may be negative
        def e_bounds(_m: pyo.ConcreteModel, s: str, i: int) -> tuple[float | None, float | None]:
            return (None, None) if e_up[s] is None else (-e_up[s], e_up[s])

    m.charge = pyo.Var(m.S, m.T, bounds=p_bounds, doc="storage charging power (MW)")
    m.discharge = pyo.Var(m.S, m.T, bounds=p_bounds, doc="storage discharging power (MW)")
    m.soc = pyo.Var(m.S, m.T, bounds=e_bounds,
                    doc="storage state of charge at end of step (MWh; typical days: change within the day)")

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
        if not linked:
            m.soc_max = pyo.Constraint(m.S_ext_e, m.T, rule=lambda _m, s, i: _m.soc[s, i] <= total_mwh(_m, s),
                                       doc="state of charge at most energy capacity (MWh)")
        m.soc_balance = pyo.Constraint(
            m.S, m.T1,
            rule=lambda _m, s, i: _m.soc[s, i] == _m.soc_keep[s] * _m.soc[s, i - 1]
            + _m.charge_gain[s] * _m.charge[s, i] - _m.discharge_cost[s] * _m.discharge[s, i],
            doc="state-of-charge dynamics (MWh)")
    if linked:
        _add_linked_days(m, inp)
    else:
        m.soc_cyclic = pyo.Constraint(
            m.S,
            rule=lambda _m, s: _m.soc[s, 0] == _m.soc_keep[s] * _m.soc[s, last]
            + _m.charge_gain[s] * _m.charge[s, 0] - _m.discharge_cost[s] * _m.discharge[s, 0],
            doc="state-of-charge dynamics of the first step, closing the cycle over the horizon (MWh)")

    w = [float(x) for x in inp.weight_h]
    m.discharge_mwh = pyo.Expression(
        m.S, rule=lambda _m, s: weighted_sum(w, [_m.discharge[s, i] for i in _m.T]),
        doc="annual energy discharged (MWh/yr)")
    for s in m.S:
        if t.at[s, "vom_cny_per_mwh"] > 0:
            reg.add_cost("vom", s, t.at[s, "vom_cny_per_mwh"] * m.discharge_mwh[s])
    by_zone = {z: in_zone(inp, list(m.S), z) for z in m.Z}
    reg.add_balance("storage", lambda z: [e for s in by_zone[z] for e in ((1.0, m.discharge, s), (-1.0, m.charge, s))])
    stores = list(m.S)
    for s in stores:  # it can take its full power from the grid
        reg.add_floor(s, [], capacity=-1.0)
    reg.add_output("storage_charge_mw", m.charge, stores, "storage", "MW", "storage charging")
    reg.add_output("storage_discharge_mw", m.discharge, stores, "storage", "MW", "storage discharging", energy=True)
    reg.add_output("storage_soc_mwh", m.soc, stores, "storage", "MWh", "typical days: change of the stored energy "
                   "since the start of the typical day, end of step" if linked else "state of charge, end of step")
    _reserve(m, inp, cfg, reg, linked)


def _reserve(m: pyo.ConcreteModel, inp: Inputs, cfg: Config, reg: Registry, linked: bool) -> None:
    r"""Upward operating reserve from storage: discharge headroom (stopping a charge counts),
    :math:`r_{s,t} + q^d_{s,t} - q^c_{s,t} \le \rho_s \bar P_s`, backed by one hour of stored energy,
    :math:`r_{s,t} \cdot 1\,\mathrm{h} \le \eta^d_s x_{s,t}` (chronological runs; with typical days the
    intra-day state is relative, so only the power rule holds)."""
    t = inp.techs
    res = [s for s in m.S if t.at[s, "reserve_frac"] > 0]
    if cfg.policy.operating_reserve is None or not res:
        return
    m.S_res = pyo.Set(initialize=res, ordered=True, dimen=1, doc="storage holding operating reserve")
    m.reserve_storage = pyo.Var(m.S_res, m.T, within=pyo.NonNegativeReals, doc="upward reserve held by storage (MW)")
    m.storage_reserve_frac = pyo.Param(m.S_res, initialize={s: float(t.at[s, "reserve_frac"]) for s in res},
                                       doc="share of power capacity deliverable as reserve (-)")
    m.storage_reserve_eff = pyo.Param(m.S_res, initialize={s: float(t.at[s, "efficiency_discharge"]) for s in res},
                                      doc="discharge efficiency (-)")
    with templated():
        m.reserve_storage_power = pyo.Constraint(
            m.S_res, m.T, rule=lambda _m, s, i: _m.reserve_storage[s, i] + _m.discharge[s, i] - _m.charge[s, i]
            <= _m.storage_reserve_frac[s] * total_mw(_m, s),
            doc="reserve within the discharge headroom (MW)")
        if not linked:
            m.reserve_storage_energy = pyo.Constraint(
                m.S_res, m.T,
                rule=lambda _m, s, i: _m.reserve_storage[s, i] <= _m.storage_reserve_eff[s] * _m.soc[s, i],
                doc="reserve backed by one hour of stored energy (MW)")
    by_zone = {z: in_zone(inp, res, z) for z in m.Z}
    reg.add_balance("storage", lambda z: [(1.0, m.reserve_storage, s) for s in by_zone[z]], carrier="reserve")
    reg.add_output("reserve_storage_mw", m.reserve_storage, res, "reserve_storage", "MW",
                   "upward operating reserve held by storage")


def _add_linked_days(m: pyo.ConcreteModel, inp: Inputs) -> None:
    """Typical days linked through the calendar (Kotzur et al., 2018).

    Within a typical day :math:`k` the state :math:`x_{s,t}` starts from zero; an inter-day state
    :math:`X_{s,d}` per calendar day carries energy across days:
    :math:`X_{s,d+1} = \\kappa_s^{n} X_{s,d} + x_{s,\\mathrm{end}(k(d))}`, cyclic over the year, and
    :math:`0 \\le X_{s,d} + \\underline{x}_{s,k(d)}`, :math:`X_{s,d} + \\overline{x}_{s,k(d)} \\le \\bar E_s`
    with :math:`\\underline{x}, \\overline{x}` the lowest and highest intra-day state of the typical day.
    """
    spd = inp.steps_per_day
    seq = [int(k) for k in inp.day_sequence]
    n_typ = len(inp.time) // spd
    n_days = len(seq)
    m.DAYS = pyo.RangeSet(0, n_days, doc="calendar day boundaries (typical-day runs)")
    m.DAY = pyo.RangeSet(0, n_days - 1, doc="calendar days (typical-day runs)")
    m.TYP = pyo.RangeSet(0, n_typ - 1, doc="typical days")
    m.soc_day = pyo.Var(m.S, m.DAYS, within=pyo.NonNegativeReals,
                        doc="energy stored at the start of each calendar day (MWh)")
    m.soc_hi = pyo.Var(m.S, m.TYP, doc="highest intra-day state of charge of a typical day (MWh)")
    m.soc_lo = pyo.Var(m.S, m.TYP, doc="lowest intra-day state of charge of a typical day (MWh)")
    m.soc_day_start = pyo.Constraint(
        m.S, m.TYP, rule=lambda _m, s, k: _m.soc[s, k * spd] == _m.charge_gain[s] * _m.charge[s, k * spd]
        - _m.discharge_cost[s] * _m.discharge[s, k * spd],
        doc="intra-day state of charge starts from zero each typical day (MWh)")
    m.soc_hi_def = pyo.Constraint(m.S, m.T, rule=lambda _m, s, i: _m.soc_hi[s, i // spd] >= _m.soc[s, i],
                                  doc="highest intra-day state bounds every step (MWh)")
    m.soc_lo_def = pyo.Constraint(m.S, m.T, rule=lambda _m, s, i: _m.soc_lo[s, i // spd] <= _m.soc[s, i],
                                  doc="lowest intra-day state bounds every step (MWh)")
    m.soc_day_link = pyo.Constraint(
        m.S, m.DAY,
        rule=lambda _m, s, d: _m.soc_day[s, d + 1] == _m.soc_keep[s] ** spd * _m.soc_day[s, d]
        + _m.soc[s, seq[d] * spd + spd - 1],
        doc="energy carried from one calendar day to the next (MWh)")
    m.soc_day_cyclic = pyo.Constraint(m.S, rule=lambda _m, s: _m.soc_day[s, n_days] == _m.soc_day[s, 0],
                                      doc="the year closes where it began (MWh)")
    m.soc_day_max = pyo.Constraint(
        m.S, m.DAY,
        rule=lambda _m, s, d: _m.soc_day[s, d] + _m.soc_hi[s, seq[d]] <= total_mwh(_m, s),
        doc="stored energy at most the energy capacity on every day (MWh)")
    m.soc_day_min = pyo.Constraint(
        m.S, m.DAY,
        rule=lambda _m, s, d: _m.soc_keep[s] ** spd * _m.soc_day[s, d] + _m.soc_lo[s, seq[d]] >= 0,
        doc="stored energy never negative on any day (MWh)")
