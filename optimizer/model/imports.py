r"""Import corridors: capacity, availability, schedules, ramps, energy limits, hourly prices and emissions.

.. math::

    0 \le y_{i,t} \le a_{i,t}\, \bar P_i \qquad \forall i, t, \qquad
    |y_{i,t} - y_{i,t-1}| \le \rho_i \bar P_i \Delta \quad (\text{corridors with a ramp limit})

    \underline{Y}_i \le \sum_t w_t\, y_{i,t} \le \overline{Y}_i \qquad \forall i

    \frac{\underline{E}_{i,m}}{H_m} \le \frac{\sum_t W_{m,t}\, y_{i,t}}{\sum_t W_{m,t}}
    \le \frac{\overline{E}_{i,m}}{H_m}, \qquad
    \underline{y}_{i,m(t)} \le y_{i,t} \le \overline{y}_{i,m(t)} \qquad \text{(monthly schedules)}

    \sum_i y_{i,t} \le \bar Y^{sim} \quad \text{(the simultaneous import capability, if configured)}

    y_{i,t} = y_{i,t-1} \quad \text{where } t \text{ and } t-1 \text{ lie in the same block of the day}, \qquad
    y_{i,v(d)} \ge r_i\, y_{i,p(d)} \quad \text{(each valley block against the day's peak block)}

    C^{import} = \sum_{i,t} w_t\, \pi_i\, \mu_{i,t}\, y_{i,t}, \qquad
    e_i = \sum_t w_t\, \epsilon_i\, y_{i,t} \quad (\text{if import emissions are counted})

The monthly energy is stated as the month's average power (:math:`W_{m,t}`, the hours of month *m*
that step *t* stands for; :math:`H_m` the hours of the month), so a run over part of the year applies
the same average. A typical day stands for days of several months and could not hold each month's
contract, so typical-day runs apply the year's sum of the monthly energies instead, and each hour the
loosest of the power bounds of the months its day stands for. The blocks are the contiguous periods
(peak, flat, valley) of a day of the corridor's ``schedule_shape`` (a block never runs on into the next
day); the price multiplier :math:`\mu_{i,t}` those of its ``price_shape`` (:mod:`optimizer.inputs.shapes`;
typical days: the months' multipliers weighted by the days they stand for).

Energy accounts: on the electricity basis a corridor adds :math:`Y_i=\sum_t w_t y_{i,t}` (MWh) to
``total``, :math:`\phi^{nf}_i Y_i` to ``nonfossil`` and :math:`\phi^{coal}_i Y_i` to ``coal``; on
the energy basis the same quantities times the electricity conversion factor (tce/MWh), the coal
part only if ``count_imported_coal_power_as_coal`` is set.

=======================  ===========================  ============================================
Symbol                   Pyomo                        Meaning (unit)
=======================  ===========================  ============================================
:math:`y_{i,t}`          ``m.imp[i, t]``              power received through corridor *i* (MW)
:math:`\bar P_i`         ``m.cap_mw[i]``              corridor capacity (MW)
:math:`a_{i,t}`          ``availability`` / profile   available fraction of capacity (-)
:math:`\underline{Y}_i, \overline{Y}_i`  ``m.import_energy_min/max[i]``  annual energy limits (MWh/yr)
:math:`\pi_i`            ``price_cny_per_mwh``        delivered price (CNY/MWh)
:math:`\mu_{i,t}`        ``inputs.price_mult[i]``     hourly price multiplier of the price shape (-)
:math:`\rho_i`           ``m.import_ramp_per_step[i]``  ramp limit per step (fraction of capacity)
:math:`\underline{E}_{i,m}, \overline{E}_{i,m}`  ``m.import_month_min/max``  contracted monthly energy (MWh)
:math:`\underline{y}, \overline{y}`  ``power_min/max_mw``  monthly bounds on hourly delivery (MW)
:math:`r_i`              ``valley_peak_ratio_min``    valley block at least this share of the peak block (-)
:math:`\bar Y^{sim}`     ``m.import_limit[t]``        simultaneous import capability (MW); row ``m.import_capability``
(rows)                   ``m.import_block_<n>``, ``m.import_valley_peak``  the daily blocks and the valley rule
:math:`\epsilon_i`       ``co2_t_per_mwh``            emission factor (tCO2/MWh)
:math:`\phi^{nf}_i, \phi^{coal}_i`  ``nonfossil_fraction, coal_fraction``  shares of the energy (-)
=======================  ===========================  ============================================
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pyomo.core as pyo

from optimizer.config import Config
from optimizer.errors import InputError
from optimizer.inputs import Inputs, resolve_target
from optimizer.inputs.shapes import month_hours
from optimizer.model.capacity import is_fixed, total_mw
from optimizer.model.dispatch import add_ramp_rows, availability, electricity_tce_per_mwh
from optimizer.model.registry import Registry
from optimizer.model.sets import hourly_param, in_zone, templated, weighted_sum


def power_bounds(inp: Inputs, c: str) -> tuple[np.ndarray, np.ndarray]:
    """Hourly (lower, upper) bounds of a corridor's delivery (MW): its monthly power_min/max_mw of the
    corridor schedules and, for a fixed corridor, its available capacity (upper inf when it is a decision)."""
    n = len(inp.time)
    lo, hi = np.zeros(n), np.full(n, np.inf)
    if is_fixed(inp, c):
        hi = availability(inp, c) * float(inp.techs.at[c, "existing_mw"])
    sched = inp.schedules.get(c)
    if sched is not None:
        pmin = sched["power_min_mw"].reindex(range(1, 13)).to_numpy()
        pmax = sched["power_max_mw"].reindex(range(1, 13)).to_numpy()
        # the months each step stands for (a typical day's steps stand for days of several months): the
        # loosest of their bounds, so that no month's energy rule is contradicted
        stands = inp.month_weight_h > 0 if inp.month_weight_h is not None else None
        if stands is None or inp.day_sequence is None:
            month = inp.time.month.to_numpy() - 1
            step_min, step_max = pmin[month], pmax[month]
        else:
            step_min = np.where(stands, np.nan_to_num(pmin, nan=0.0)[:, None], np.inf).min(axis=0)
            step_max = np.where(stands, np.nan_to_num(pmax, nan=np.inf)[:, None], -np.inf).max(axis=0)
        lo = np.where(np.isnan(step_min), lo, step_min)
        hi = np.where(np.isnan(step_max), hi, np.minimum(hi, step_max))
    if (lo > hi + 1e-9).any():  # power_min_mw above what the corridor can carry in some hour (its profile)
        j = int(np.argmax(lo > hi + 1e-9))
        raise InputError(f"power_min_mw {lo[j]:,.0f} MW exceeds the {hi[j]:,.0f} MW the corridor can carry at "
                         f"{inp.time[j]} (capacity x hourly availability)",
                         source=inp.files.get("corridor_schedules", "config"), field=f"{c}.power_min_mw")
    return lo, hi


def add(m: pyo.ConcreteModel, inp: Inputs, cfg: Config, reg: Registry) -> None:
    t = inp.techs
    avail = {i: availability(inp, i) for i in m.I}
    limits = {c: power_bounds(inp, c) for c in m.I}

    def bounds(_m: pyo.ConcreteModel, c: str, j: int) -> tuple[float, float | None]:
        lo, hi = limits[c]
        return (float(lo[j]), None if math.isinf(hi[j]) else float(hi[j]))

    m.imp = pyo.Var(m.I, m.T, bounds=bounds, doc="power received through an import corridor (MW)")
    ext = [c for c in m.I if not is_fixed(inp, c)]
    m.I_ext = pyo.Set(initialize=ext, ordered=True, dimen=1, doc="corridors whose capacity is a decision")
    hourly_param(m, "imp_avail", (m.I_ext, m.T), {(c, j): float(v) for c in ext for j, v in enumerate(avail[c])},
                 doc="available fraction of corridor capacity (-)")
    with templated():
        m.imp_max = pyo.Constraint(
            m.I_ext, m.T, rule=lambda _m, c, j: _m.imp[c, j] <= _m.imp_avail[c, j] * total_mw(_m, c),
            doc="imports at most available corridor capacity (MW)")
    w = [float(x) for x in inp.weight_h]
    m.import_mwh = pyo.Expression(m.I, rule=lambda _m, c: weighted_sum(w, [_m.imp[c, j] for j in _m.T]),
                                  doc="annual energy imported (MWh/yr)")

    def e_max(_m: pyo.ConcreteModel, c: str) -> object:
        v = t.at[c, "annual_energy_max_mwh"]
        return pyo.Constraint.Skip if math.isinf(v) else _m.import_mwh[c] <= v

    def e_min(_m: pyo.ConcreteModel, c: str) -> object:
        v = t.at[c, "annual_energy_min_mwh"]
        return pyo.Constraint.Skip if v <= 0 else _m.import_mwh[c] >= v

    m.import_energy_max = pyo.Constraint(m.I, rule=e_max, doc="annual corridor energy limit (MWh/yr)")
    m.import_energy_min = pyo.Constraint(m.I, rule=e_min, doc="annual contracted corridor energy (MWh/yr)")

    add_ramp_rows(m, inp, cfg, list(m.I), m.imp, ("I_ramp", "import_ramp_per_step", "import_ramp_up",
                                                 "import_ramp_down"), "delivery")
    _schedules(m, inp)
    limit = resolve_target(cfg.policy.import_limit_mw, inp.targets, unit="MW", field="policy.import_limit_mw")
    if limit is not None:
        if limit < 0:
            raise InputError(f"must not be negative, got {limit}", source="config", field="policy.import_limit_mw")
        hourly_param(m, "import_limit", (m.T,), {i: float(limit) for i in range(len(inp.time))},
                     doc="simultaneous import capability (MW)")
        with templated():
            m.import_capability = pyo.Constraint(
                m.T, rule=lambda _m, i: sum(_m.imp[c, i] for c in _m.I) <= _m.import_limit[i],
                doc="all corridors together at most the simultaneous import capability (MW)")

    conv = electricity_tce_per_mwh(cfg)
    electricity = cfg.policy.share_basis == "electricity"
    for c in m.I:
        energy = m.import_mwh[c]
        price = float(t.at[c, "price_cny_per_mwh"])
        if price > 0 and c in inp.price_mult:  # hourly price: a shape's multiplier times the base price
            hourly = (price * inp.price_mult[c] * inp.weight_h).tolist()
            reg.add_cost("import", c, weighted_sum(hourly, [m.imp[c, j] for j in m.T]))
        elif price > 0:
            reg.add_cost("import", c, price * energy)
        ef = t.at[c, "co2_t_per_mwh"] if cfg.policy.include_import_emissions else 0.0
        reg.add_emission(c, ef * energy, power=True)
        nf, coal = t.at[c, "nonfossil_fraction"], t.at[c, "coal_fraction"]
        factor = 1.0 if electricity else conv
        reg.add_account("total", c, factor * energy)
        if nf > 0:
            reg.add_account("nonfossil", c, factor * nf * energy)
            reg.add_account("clean_electricity", c, nf * energy)
        if coal > 0 and (electricity or cfg.policy.energy_accounting.count_imported_coal_power_as_coal):
            reg.add_account("coal", c, factor * coal * energy)
    by_zone = {z: in_zone(inp, list(m.I), z) for z in m.Z}
    reg.add_balance("imports", lambda z: [(1.0, m.imp, c) for c in by_zone[z]])
    for c in m.I:  # a corridor delivering in daily blocks keeps its block's schedule; the others their minimum
        if t.at[c, "schedule_shape"]:
            reg.add_floor(c, [(1.0, m.imp, c)])
        else:
            reg.add_floor(c, [], mw=limits[c][0])
    reg.add_output("import_mw", m.imp, list(m.I), "corridor", "MW", "power received per corridor", energy=True)


def import_price(inp: Inputs, c: str) -> np.ndarray:
    """The delivered price of each step (CNY/MWh): the base price times the corridor's shape, if any."""
    base = float(inp.techs.at[c, "price_cny_per_mwh"])
    return base * inp.price_mult[c] if c in inp.price_mult else np.full(len(inp.time), base)


def _schedules(m: pyo.ConcreteModel, inp: Inputs) -> None:
    """Contracted monthly energy (as the month's average power) and daily delivery blocks of corridors."""
    t = inp.techs
    mw = inp.month_weight_h
    rows_min, rows_max = {}, {}
    hours = month_hours(inp.year)
    for c, sched in inp.schedules.items():
        if inp.day_sequence is not None:
            # a typical day stands for days of several months, so months cannot each hold their contract
            # (a day standing for February and July could not meet both): the year's sum of them applies
            lo_y = float(sched["energy_min_mwh"].sum())
            every_month = len(sched) == 12 and sched["energy_max_mwh"].notna().all()
            if lo_y > 0:
                rows_min[c, 0] = m.import_mwh[c] >= lo_y
            if every_month:
                rows_max[c, 0] = m.import_mwh[c] <= float(sched["energy_max_mwh"].sum())
            continue
        for month, r in sched.iterrows():
            weights = mw[int(month) - 1]
            total = float(weights.sum())
            if total <= 0:  # a month the run does not cover
                continue
            steps = np.flatnonzero(weights)
            avg = pyo.quicksum(float(weights[j] / total) * m.imp[c, int(j)] for j in steps)
            if not math.isnan(r["energy_min_mwh"]):
                rows_min[c, int(month)] = avg >= float(r["energy_min_mwh"]) / hours[int(month)]
            if not math.isnan(r["energy_max_mwh"]):
                rows_max[c, int(month)] = avg <= float(r["energy_max_mwh"]) / hours[int(month)]
    m.import_month_min = pyo.Constraint(list(rows_min), rule=lambda _m, c, mo: rows_min[c, mo],
                                        doc="contracted monthly energy, as the month's average power (MW); month 0: "
                                        "the year's sum of the months (MWh/yr), in typical-day runs")
    m.import_month_max = pyo.Constraint(list(rows_max), rule=lambda _m, c, mo: rows_max[c, mo],
                                        doc="monthly energy at most, as the month's average power (MW); month 0: the "
                                        "year's sum (MWh/yr), in typical-day runs")

    # daily blocks: a corridor's delivery is constant within each contiguous period of a day. Corridors
    # sharing a schedule shape share one row block (a template over corridors x steps)
    by_shape: dict[str, list[str]] = {}
    for c in m.I:
        if t.at[c, "schedule_shape"]:
            by_shape.setdefault(str(t.at[c, "schedule_shape"]), []).append(c)
    t1 = set(m.T1)
    pairs: dict[tuple[str, int, int], float] = {}
    for n_shape, (shape, corridors) in enumerate(sorted(by_shape.items())):
        per = inp.periods[corridors[0]]
        day = inp.time.normalize()
        same = [i for i in range(len(per)) if i in t1 and per[i] == per[i - 1] and day[i] == day[i - 1]]
        cset = pyo.Set(initialize=corridors, ordered=True, dimen=1, doc=f"corridors scheduled in blocks of {shape}")
        tset = pyo.Set(initialize=same, ordered=True, dimen=1,
                       doc=f"steps in the same block as the one before ({shape})")
        m.add_component(f"I_block_{n_shape}", cset)
        m.add_component(f"T_block_{n_shape}", tset)
        con = pyo.Constraint(cset, tset, rule=lambda _m, c, i: _m.imp[c, i] == _m.imp[c, i - 1],
                             doc=f"delivery constant within each block of {shape} (MW)")
        with templated():
            m.add_component(f"import_block_{n_shape}", con)
        for c in corridors:
            ratio = float(t.at[c, "valley_peak_ratio_min"])
            if ratio > 0:
                for tv, tp in _valley_peak_pairs(inp, per):
                    pairs[c, tv, tp] = ratio
    m.import_valley_peak = pyo.Constraint(
        list(pairs), rule=lambda _m, c, tv, tp: _m.imp[c, tv] >= pairs[c, tv, tp] * _m.imp[c, tp],
        doc="each valley block delivers at least the set share of the day's peak block (MW)")


def _valley_peak_pairs(inp: Inputs, per: np.ndarray) -> list[tuple[int, int]]:
    """(first step of a valley block, first step of the day's peak block) for every day and valley block."""
    dates = inp.time.normalize()
    out = []
    for day in pd.unique(dates):
        steps = np.flatnonzero(dates == day)
        labels = per[steps]
        starts = [j for j in range(len(steps)) if j == 0 or labels[j] != labels[j - 1]]
        peaks = [int(steps[j]) for j in starts if labels[j] == "peak"]
        if peaks:
            out += [(int(steps[j]), peaks[0]) for j in starts if labels[j] == "valley"]
    return out
