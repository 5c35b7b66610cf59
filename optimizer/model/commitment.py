r"""Linearised unit commitment of thermal unit classes: minimum stable output, start-ups, up and down times.

The committed (online) capacity of a unit class is a continuous decision of each step, as in PyPSA's
linearised unit commitment and GenX's relaxed commitment: a class of identical units is represented by
the MW that are on, not by integer unit states.

.. math::

    \phi_g\, a_{g,t}\, \bar P_g \le u_{g,t} \le a_{g,t}\, \bar P_g, \qquad
    \mu_g\, u_{g,t} \;\le\; p_{g,t} + c^v_g h_{g,t} \;\le\; u_{g,t}

    v_{g,t} \ge u_{g,t} - u_{g,t-1}, \qquad v_{g,t} \ge 0,
    \qquad C^{start} = \sum_{g,t} \frac{w_t}{\Delta}\, \sigma_g\, v_{g,t}

    u_{g,t} \ge \sum_{k=0}^{U_g-1} v_{g,t-k} \quad\text{(minimum up time)}, \qquad
    a_{g,t}\bar P_g \ge u_{g,t-D_g} + \sum_{k=0}^{D_g-1} v_{g,t-k} \quad\text{(minimum down time)}

The down-time row is GenX's :math:`\bar P - u_t \ge \sum_{\tau} s^{down}_\tau` with the shut-downs
:math:`s^{down}_\tau = v_\tau - (u_\tau - u_{\tau-1})` substituted, so no shut-down variable is needed.
:math:`h_{g,t}` is the heat of an extraction CHP unit (:mod:`optimizer.model.heat`; zero otherwise):
its minimum and maximum apply to the condensing-equivalent output. The first step of the horizon
(of each typical day) follows its last, so the year is a cycle; up- and down-time windows are
stated where they fit inside the horizon (the day), and lengths are rounded up to whole steps.

=======================  ==============================  =============================================
Symbol                   Pyomo                           Meaning (unit)
=======================  ==============================  =============================================
:math:`u_{g,t}`          ``m.committed[g, t]``           committed (online) capacity (MW)
:math:`v_{g,t}`          ``m.startup[g, t]``             capacity started in step *t* (MW)
:math:`\mu_g`            ``min_stable_frac``             minimum stable output, share of committed capacity (-)
:math:`\phi_g`           ``must_run_frac``               share of available capacity kept committed (-)
:math:`\sigma_g`         ``startup_cost_cny_per_mw``     cost per MW started (CNY/MW)
:math:`U_g, D_g`         ``min_up_h, min_down_h``        minimum up / down time (steps, rounded up)
:math:`c^v_g`            ``power_loss_per_heat``         power lost per MW of heat extracted (-)
(rows)                   ``m.uc_max``, ``m.uc_min``      output within the committed capacity
(rows)                   ``m.uc_start``, ``m.uc_start_first``  start-ups (the second: first step of the cycle)
(rows)                   ``m.uc_up_<U>``, ``m.uc_down_<D>``    up and down times, one block per length
=======================  ==============================  =============================================
"""

from __future__ import annotations

import math

import pyomo.core as pyo

from optimizer.config import Config
from optimizer.inputs import Inputs
from optimizer.model.capacity import is_fixed, total_mw
from optimizer.model.dispatch import availability, committed
from optimizer.model.registry import Registry
from optimizer.model.retrofit import offered as retrofit_offered
from optimizer.model.sets import hourly_param, in_zone, templated, weighted_sum


def window_steps(hours: float, step_h: float) -> int:
    """A duration in whole steps, rounded up (0 h -> 0)."""
    return math.ceil(hours / step_h - 1e-9) if hours > 0 else 0


def add(m: pyo.ConcreteModel, inp: Inputs, cfg: Config, reg: Registry) -> None:
    t = inp.techs
    uc = [g for g in m.G if committed(inp, cfg, g)]
    m.G_uc = pyo.Set(initialize=uc, ordered=True, dimen=1, doc="committable generators (unit classes)")
    if not uc:
        return
    n = len(inp.time)
    dt = float(inp.step_h[0])
    avail = {g: availability(inp, g) for g in uc}
    upper = {g: (avail[g] * float(t.at[g, "existing_mw"])).tolist() for g in uc if is_fixed(inp, g)}
    must = {g: float(t.at[g, "must_run_frac"]) for g in uc}

    def u_bounds(_m: pyo.ConcreteModel, g: str, i: int) -> tuple[float, float | None]:
        if g in upper:  # capacity fixed: the must-run share is a bound too
            return (must[g] * upper[g][i], upper[g][i])
        return (0.0, None)

    m.committed = pyo.Var(m.G_uc, m.T, within=pyo.NonNegativeReals, bounds=u_bounds,
                          doc="committed (online) capacity of a unit class (MW)")
    m.startup = pyo.Var(m.G_uc, m.T, within=pyo.NonNegativeReals, doc="capacity started in the step (MW)")

    ext = [g for g in uc if g not in upper]
    m.G_uc_ext = pyo.Set(initialize=ext, ordered=True, dimen=1,
                         doc="committable generators whose capacity is a decision")
    m.G_uc_must = pyo.Set(initialize=[g for g in ext if must[g] > 0], ordered=True, dimen=1,
                          doc="committable generators of variable capacity with a must-run share")
    m.must_run = pyo.Param(m.G_uc_must, initialize={g: must[g] for g in ext if must[g] > 0},
                           doc="share of available capacity that stays committed (-)")
    heat = getattr(m, "G_chp_x", None)  # extraction CHP units (heat family, built before this one)
    plain = [g for g in uc if heat is None or g not in heat]
    chp = [g for g in uc if heat is not None and g in heat]
    m.G_uc_plain = pyo.Set(initialize=plain, ordered=True, dimen=1,
                           doc="committable generators without heat extraction")
    m.G_uc_chp = pyo.Set(initialize=chp, ordered=True, dimen=1, doc="committable extraction CHP units")
    # classes offered a flexibility retrofit state their minimum in optimizer.model.retrofit
    with_min = [g for g in uc if t.at[g, "min_stable_frac"] > 0 and not retrofit_offered(inp, cfg, g)]
    m.min_stable = pyo.Param(m.G_uc, initialize={g: float(t.at[g, "min_stable_frac"]) for g in uc},
                             doc="minimum stable output, share of committed capacity (-)")
    m.G_uc_min_plain = pyo.Set(initialize=[g for g in plain if g in with_min], ordered=True, dimen=1,
                               doc="committable generators with a minimum stable output")
    m.G_uc_min_chp = pyo.Set(initialize=[g for g in chp if g in with_min], ordered=True, dimen=1,
                             doc="committable extraction CHP units with a minimum stable output")
    with templated():
        m.uc_avail = pyo.Constraint(m.G_uc_ext, m.T,
                                    rule=lambda _m, g, i: _m.committed[g, i] <= _m.avail[g, i] * total_mw(_m, g),
                                    doc="committed capacity at most available capacity (MW)")
        m.uc_must_run = pyo.Constraint(
            m.G_uc_must, m.T,
            rule=lambda _m, g, i: _m.committed[g, i] >= _m.must_run[g] * _m.avail[g, i] * total_mw(_m, g),
            doc="committed capacity at least the must-run share of available capacity (MW)")
        m.uc_max = pyo.Constraint(m.G_uc_plain, m.T, rule=lambda _m, g, i: _m.p[g, i] <= _m.committed[g, i],
                                  doc="output at most committed capacity (MW)")
        m.uc_min = pyo.Constraint(m.G_uc_min_plain, m.T,
                                  rule=lambda _m, g, i: _m.p[g, i] >= _m.min_stable[g] * _m.committed[g, i],
                                  doc="output at least the minimum stable share of committed capacity (MW)")
        m.uc_max_chp = pyo.Constraint(
            m.G_uc_chp, m.T, rule=lambda _m, g, i: _m.p[g, i] + _m.chp_loss[g] * _m.chp_heat[g, i]
            <= _m.committed[g, i], doc="condensing-equivalent output at most committed capacity (MW)")
        m.uc_min_chp = pyo.Constraint(
            m.G_uc_min_chp, m.T, rule=lambda _m, g, i: _m.p[g, i] + _m.chp_loss[g] * _m.chp_heat[g, i]
            >= _m.min_stable[g] * _m.committed[g, i],
            doc="condensing-equivalent output at least the minimum stable share of committed capacity (MW)")
        m.uc_start = pyo.Constraint(
            m.G_uc, m.T1, rule=lambda _m, g, i: _m.startup[g, i] >= _m.committed[g, i] - _m.committed[g, i - 1],
            doc="capacity started at least the increase of committed capacity (MW)")
    firsts = _cycle_starts(inp, n)
    m.uc_start_first = pyo.Constraint(
        m.G_uc, list(firsts), rule=lambda _m, g, i: _m.startup[g, i] >= _m.committed[g, i] - _m.committed[g, firsts[i]],
        doc="start-ups of the first step of the cycle (the year, or each typical day) from its last step (MW)")

    spd = inp.steps_per_day if inp.day_sequence is not None else n
    for what, attr in (("up", "min_up_h"), ("down", "min_down_h")) if cfg.policy.min_up_down_times else ():
        lengths: dict[int, list[str]] = {}
        for g in uc:
            k = window_steps(float(t.at[g, attr]), dt)
            if k > 1:  # a window of one step adds nothing to the start-up rows
                lengths.setdefault(k, []).append(g)
        for k, gens in sorted(lengths.items()):
            _window_rows(m, inp, what, k, gens, spd, n, ext)

    _reserve(m, inp, cfg, reg, uc, chp)

    # a start is an event: a step counts as often as it occurs in the year, its weight over its duration
    occurs = [float(x) / float(d) for x, d in zip(inp.weight_h, inp.step_h, strict=True)]
    for g in uc:
        c = float(t.at[g, "startup_cost_cny_per_mw"])
        if c > 0:
            reg.add_cost("startup", g, c * weighted_sum(occurs, [m.startup[g, i] for i in m.T]))
    for g in m.G_uc_min_plain:  # the minimum stable output of what is committed
        reg.add_floor(g, [(float(m.min_stable[g]), m.committed, g)])
    for g in m.G_uc_min_chp:
        reg.add_floor(g, [(float(m.min_stable[g]), m.committed, g), (-float(m.chp_loss[g]), m.chp_heat, g)])
    reg.add_output("committed_mw", m.committed, uc, "committable", "MW", "committed (online) capacity")
    reg.add_output("startup_mw", m.startup, uc, "committable", "MW", "capacity started in the step")


def _cycle_starts(inp: Inputs, n: int) -> dict[int, int]:
    """First step of each cycle -> its last step (the year, or each typical day)."""
    if inp.day_sequence is None:
        return {0: n - 1}
    spd = inp.steps_per_day
    return {d * spd: d * spd + spd - 1 for d in range(n // spd)}


def _window_rows(m: pyo.ConcreteModel, inp: Inputs, what: str, k: int, gens: list[str], spd: int, n: int,
                 ext: list[str]) -> None:
    """Minimum up (``what='up'``) or down time rows of window ``k`` steps for ``gens``."""
    # steps whose window lies inside the horizon (typical days: inside the day)
    first = k - 1 if what == "up" else k
    steps = [i for i in range(n) if i % spd >= first]
    gset = pyo.Set(initialize=gens, ordered=True, dimen=1, doc=f"committable generators with a {k}-step {what} time")
    tset = pyo.Set(initialize=steps, ordered=True, dimen=1, doc=f"steps whose {k}-step window lies inside the cycle")
    m.add_component(f"G_uc_{what}_{k}", gset)
    m.add_component(f"T_uc_{what}_{k}", tset)
    if what == "up":
        def rule(_m: pyo.ConcreteModel, g: object, i: object) -> object:
            return _m.committed[g, i] >= sum(_m.startup[g, i - j] for j in range(k))

        con = pyo.Constraint(gset, tset, rule=rule, doc=f"capacity started stays committed {k} steps (MW)")
        with templated():
            m.add_component(f"uc_up_{k}", con)
        return
    fixed = [g for g in gens if g not in ext]
    avail_col = {g: availability(inp, g) * float(inp.techs.at[g, "existing_mw"]) for g in fixed}
    # the available capacity of classes whose capacity is fixed, as a Param over the steps
    limit = hourly_param(m, f"uc_down_cap_{k}", (gset, m.T),
                         {(g, i): (float(avail_col[g][i]) if g in avail_col else 0.0) for g in gens for i in range(n)},
                         doc="available capacity of the class (MW; 0 where it is a decision)")
    ext_set = set(ext)
    if any(g in ext_set for g in gens):  # an extendable class: its capacity is a variable, stated without template
        def rule(_m: pyo.ConcreteModel, g: object, i: object) -> object:
            cap = _m.avail[g, i] * total_mw(_m, g) if g in ext_set else limit[g, i]
            return cap >= _m.committed[g, i - k] + sum(_m.startup[g, i - j] for j in range(k))

        m.add_component(f"uc_down_{k}", pyo.Constraint(gset, tset, rule=rule,
                                                       doc=f"capacity shut down stays off {k} steps (MW)"))
        return

    def rule_fixed(_m: pyo.ConcreteModel, g: object, i: object) -> object:
        return limit[g, i] >= _m.committed[g, i - k] + sum(_m.startup[g, i - j] for j in range(k))

    con = pyo.Constraint(gset, tset, rule=rule_fixed, doc=f"capacity shut down stays off {k} steps (MW)")
    with templated():
        m.add_component(f"uc_down_{k}", con)


def _reserve(m: pyo.ConcreteModel, inp: Inputs, cfg: Config, reg: Registry, uc: list[str], chp: list[str]) -> None:
    r"""Upward operating reserve from committed headroom: :math:`r_{g,t} \le u_{g,t} - p_{g,t} - c^v_g h_{g,t}` and
    :math:`r_{g,t} \le \rho_g u_{g,t}` (what the units online can add within the activation time)."""
    t = inp.techs
    res = [g for g in uc if t.at[g, "reserve_frac"] > 0]
    if cfg.policy.operating_reserve is None or not res:
        return
    m.G_res = pyo.Set(initialize=res, ordered=True, dimen=1, doc="committable generators holding operating reserve")
    m.reserve_gen = pyo.Var(m.G_res, m.T, within=pyo.NonNegativeReals,
                            doc="upward operating reserve held by committed capacity (MW)")
    m.gen_reserve_frac = pyo.Param(m.G_res, initialize={g: float(t.at[g, "reserve_frac"]) for g in res},
                                   doc="share of committed capacity deliverable as reserve (-)")
    m.G_res_plain = pyo.Set(initialize=[g for g in res if g not in chp], ordered=True, dimen=1,
                            doc="reserve holders without heat extraction")
    m.G_res_chp = pyo.Set(initialize=[g for g in res if g in chp], ordered=True, dimen=1,
                          doc="reserve holders with heat extraction")
    m.G_res_frac = pyo.Set(initialize=[g for g in res if t.at[g, "reserve_frac"] < 1], ordered=True, dimen=1,
                           doc="reserve holders that deliver only part of their headroom in time")
    with templated():
        m.reserve_headroom = pyo.Constraint(
            m.G_res_plain, m.T, rule=lambda _m, g, i: _m.reserve_gen[g, i] + _m.p[g, i] <= _m.committed[g, i],
            doc="reserve within the headroom of committed capacity (MW)")
        m.reserve_headroom_chp = pyo.Constraint(
            m.G_res_chp, m.T, rule=lambda _m, g, i: _m.reserve_gen[g, i] + _m.p[g, i]
            + _m.chp_loss[g] * _m.chp_heat[g, i] <= _m.committed[g, i],
            doc="reserve within the headroom of committed capacity, heat extraction counted (MW)")
        m.reserve_rate = pyo.Constraint(
            m.G_res_frac, m.T,
            rule=lambda _m, g, i: _m.reserve_gen[g, i] <= _m.gen_reserve_frac[g] * _m.committed[g, i],
            doc="reserve at most what committed capacity delivers within the activation time (MW)")
    by_zone = {z: in_zone(inp, res, z) for z in m.Z}
    reg.add_balance("generators", lambda z: [(1.0, m.reserve_gen, g) for g in by_zone[z]], carrier="reserve")
    reg.add_output("reserve_gen_mw", m.reserve_gen, res, "reserve_generator", "MW",
                   "upward operating reserve held by committed capacity")
