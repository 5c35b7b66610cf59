r"""Generator dispatch: availability, ramp limits, variable cost, fuel, emissions, energy accounts.

.. math::

    0 \le p_{g,t} \le a_{g,t}\, \bar P_g \qquad \forall g, t

    -\rho_g \bar P_g \Delta \le p_{g,t} - p_{g,t-1} \le \rho_g \bar P_g \Delta
    \qquad \forall g \text{ with a ramp limit},\ t \in T^+

    \sum_t w_t\, p_{g,t} \le \overline{Y}_g \qquad \forall g \text{ with an annual limit}

    C^{vom} + C^{fuel} = \sum_{g,t} w_t\, p_{g,t} \left(v_g + h_g\, \pi_{c(g)}\right),
    \qquad
    e_g = \sum_t w_t\, p_{g,t}\, h_g\, \epsilon_{c(g)}

:math:`a_{g,t}` is the hourly capacity factor for technologies with a profile, else the constant
availability. :math:`h_g` is converted from gce/kWh to tce/MWh (divide by 1000).

=====================  ==============================  ==============================================
Symbol                 Pyomo                           Meaning (unit)
=====================  ==============================  ==============================================
:math:`p_{g,t}`        ``m.p[g, t]``                   output of generator *g* (MW)
:math:`a_{g,t}`        ``m.avail[g, t]``               available fraction of capacity (-), profile x availability
:math:`\rho_g`         ``ramp_frac_per_h``             ramp limit (fraction of capacity per hour)
:math:`\rho_g \Delta`  ``m.ramp_per_step[g]``          ramp limit per step (fraction of capacity)
:math:`\overline{Y}_g`  ``annual_energy_max_mwh``      annual generation plan or fuel quota (MWh/yr)
(rows)                 ``m.gen_energy_max[g]``         the annual limit
:math:`v_g`            ``vom_cny_per_mwh``             variable O&M (CNY/MWh)
:math:`h_g`            ``heat_rate_gce_per_kwh``       fuel per output (tce/MWh after conversion)
:math:`\pi_c`          ``fuel_price_cny_per_tce``      fuel price of carrier *c* (CNY/tce)
:math:`\epsilon_c`     ``co2_t_per_tce``               emission factor of carrier *c* (tCO2/tce)
:math:`e_g`            ``registry.emissions[g]``       annual emissions of *g* (tCO2/yr)
=====================  ==============================  ==============================================

Energy accounts (see :mod:`optimizer.model.shares`): on the electricity basis a generator adds
:math:`\sum_t w_t p_{g,t}` (MWh) to ``total`` and to ``coal`` or ``nonfossil`` by its carrier; on the
energy basis a fossil generator adds its fuel :math:`\sum_t w_t p_{g,t} h_g` (tce) and a non-fossil
one its output times the configured electricity conversion factor.
"""

from __future__ import annotations

import math

import numpy as np
import pyomo.core as pyo

from optimizer.config import Config
from optimizer.inputs import Inputs
from optimizer.model.capacity import is_fixed, total_mw
from optimizer.model.registry import BalanceEntry, Registry
from optimizer.model.sets import hourly_param, in_zone, templated, weighted_sum

TCE_PER_MWH_PER_GCE_PER_KWH = 1e-3


def availability(inp: Inputs, k: str) -> np.ndarray:
    """Per-step available fraction of capacity of a generator or corridor."""
    if inp.techs.at[k, "profile"]:
        return inp.cf[k].to_numpy() * inp.techs.at[k, "availability"]
    return np.full(len(inp.time), inp.techs.at[k, "availability"])


def electricity_tce_per_mwh(cfg: Config) -> float:
    """tce counted per MWh of electricity not made from local fuel (energy basis)."""
    ea = cfg.policy.energy_accounting
    gce = ea.coal_equivalent_gce_per_kwh if ea.electricity_conversion == "coal_equivalent" else (
        ea.calorific_gce_per_kwh)
    return gce * TCE_PER_MWH_PER_GCE_PER_KWH


def add_energy_accounts(reg: Registry, inp: Inputs, cfg: Config, k: str, energy_mwh: object) -> None:
    """Register a generator's annual output in the share accounts of the configured basis."""
    fossil = inp.carrier_flag(k, "fossil")
    coal = inp.carrier_flag(k, "coal")
    if not fossil:
        reg.add_account("clean_electricity", k, energy_mwh)
    if cfg.policy.share_basis == "electricity":
        reg.add_account("total", k, energy_mwh)
        if coal:
            reg.add_account("coal", k, energy_mwh)
        if not fossil:
            reg.add_account("nonfossil", k, energy_mwh)
        return
    if fossil:
        fuel_tce = inp.techs.at[k, "heat_rate_gce_per_kwh"] * TCE_PER_MWH_PER_GCE_PER_KWH * energy_mwh
        reg.add_account("total", k, fuel_tce)
        if coal:
            reg.add_account("coal", k, fuel_tce)
    else:
        conv = electricity_tce_per_mwh(cfg)
        reg.add_account("total", k, conv * energy_mwh)
        reg.add_account("nonfossil", k, conv * energy_mwh)


def add_fuel_use(reg: Registry, inp: Inputs, cfg: Config, k: str, output_mwh: object, hourly: list[BalanceEntry],
                 *, power: bool = False) -> None:
    """Fuel cost, CO2 and share accounts of ``output_mwh`` (MWh/yr) of technology ``k`` at its heat rate;
    ``hourly``: the same output in each step, as ``(coefficient, var, key)`` entries on MW variables.

    ``power``: the output is electricity (its accounts on either basis); otherwise heat, or a CHP unit's
    heat extraction, which count only on the energy basis, as the fuel burnt.
    """
    t = inp.techs
    carrier = inp.carriers.loc[t.at[k, "carrier"]]
    fuel_tce_per_mwh = t.at[k, "heat_rate_gce_per_kwh"] * TCE_PER_MWH_PER_GCE_PER_KWH
    if fuel_tce_per_mwh > 0 and carrier["fuel_price_cny_per_tce"] > 0:
        reg.add_cost("fuel", k, fuel_tce_per_mwh * carrier["fuel_price_cny_per_tce"] * output_mwh)
    if fuel_tce_per_mwh > 0:
        reg.add_fuel(str(t.at[k, "carrier"]), k, fuel_tce_per_mwh * output_mwh,
                     [(fuel_tce_per_mwh * c, var, key) for c, var, key in hourly])
    ef = fuel_tce_per_mwh * carrier["co2_t_per_tce"]
    if ef > 0:
        reg.add_emission(k, ef * output_mwh, power=power)
    if power:
        add_energy_accounts(reg, inp, cfg, k, output_mwh)
    elif cfg.policy.share_basis == "energy" and fuel_tce_per_mwh > 0:
        fuel_tce = fuel_tce_per_mwh * output_mwh
        if inp.carrier_flag(k, "fossil"):
            reg.add_account("total", k, fuel_tce)
            if inp.carrier_flag(k, "coal"):
                reg.add_account("coal", k, fuel_tce)
        else:
            reg.add_account("total", k, fuel_tce)
            reg.add_account("nonfossil", k, fuel_tce)


def add(m: pyo.ConcreteModel, inp: Inputs, cfg: Config, reg: Registry) -> None:
    t = inp.techs
    avail = {g: availability(inp, g) for g in m.G}

    upper = {g: (avail[g] * float(t.at[g, "existing_mw"])).tolist() for g in m.G if is_fixed(inp, g)}

    def p_bounds(_m: pyo.ConcreteModel, g: str, i: int) -> tuple[float, float | None]:
        return (0.0, upper[g][i]) if g in upper else (0.0, None)

    m.p = pyo.Var(m.G, m.T, within=pyo.NonNegativeReals, bounds=p_bounds,
                  doc="generator output (MW)")
    extendable = [g for g in m.G if not is_fixed(inp, g)]
    m.G_ext = pyo.Set(initialize=extendable, ordered=True, dimen=1, doc="generators whose capacity is a decision")
    hourly_param(m, "avail", (m.G_ext, m.T), {(g, i): float(v) for g in extendable for i, v in enumerate(avail[g])},
                 doc="available fraction of capacity of extendable generators (-)")
    # committable generators are limited by their committed capacity, extraction CHP units by their
    # condensing-equivalent output (optimizer.model.commitment, optimizer.model.heat)
    m.G_ext_free = pyo.Set(initialize=[g for g in extendable if not limited_elsewhere(inp, cfg, g)], ordered=True,
                           dimen=1, doc="extendable generators whose output is limited by their capacity alone")
    with templated():
        m.p_max = pyo.Constraint(m.G_ext_free, m.T,
                                 rule=lambda _m, g, i: _m.p[g, i] <= _m.avail[g, i] * total_mw(_m, g),
                                 doc="output at most available capacity (MW)")

    add_ramp_rows(m, inp, cfg, list(m.G), m.p, ("G_ramp", "ramp_per_step", "ramp_up", "ramp_down"), "output")

    w = [float(x) for x in inp.weight_h]
    m.gen_mwh = pyo.Expression(m.G, rule=lambda _m, g: weighted_sum(w, [_m.p[g, i] for i in _m.T]),
                               doc="annual generation (MWh/yr)")
    m.gen_energy_max = pyo.Constraint(
        m.G, rule=lambda _m, g: pyo.Constraint.Skip if math.isinf(t.at[g, "annual_energy_max_mwh"])
        else _m.gen_mwh[g] <= float(t.at[g, "annual_energy_max_mwh"]),
        doc="annual generation at most the plan or fuel quota (MWh/yr)")
    for g in m.G:
        energy = m.gen_mwh[g]
        vom = t.at[g, "vom_cny_per_mwh"]
        if vom > 0:
            reg.add_cost("vom", g, vom * energy)
        reg.add_emission(g, 0.0)  # every generator has an entry, fuel or not
        add_fuel_use(reg, inp, cfg, g, energy, [(1.0, m.p, g)], power=True)

    by_zone = {z: in_zone(inp, list(m.G), z) for z in m.Z}
    reg.add_balance("generation", lambda z: [(1.0, m.p, g) for g in by_zone[z]])
    reg.add_output("generation_mw", m.p, list(m.G), "generator", "MW", "generator output", energy=True)


def add_ramp_rows(m: pyo.ConcreteModel, inp: Inputs, cfg: Config, techs: list[str], var: pyo.Var,
                  names: tuple[str, str, str, str], what: str) -> None:
    """Ramp limits of ``var[k, t]`` for the technologies of ``techs`` with a finite ``ramp_frac_per_h`` that
    can bind at the step length: ``names`` are those of the set, the per-step Param and the two row blocks."""
    t = inp.techs
    dt = float(inp.step_h[0])
    ramped = [k for k in techs if cfg.policy.ramp_limits and not math.isinf(t.at[k, "ramp_frac_per_h"])
              and t.at[k, "ramp_frac_per_h"] * dt < 1.0]
    kset = pyo.Set(initialize=ramped, ordered=True, dimen=1, doc=f"technologies whose {what} has a ramp limit")
    m.add_component(names[0], kset)
    per_step = pyo.Param(kset, initialize={k: t.at[k, "ramp_frac_per_h"] * dt for k in ramped},
                         doc="ramp limit per step (fraction of capacity)")
    m.add_component(names[1], per_step)
    up = pyo.Constraint(kset, m.T1, rule=lambda _m, k, i: var[k, i] - var[k, i - 1] <= per_step[k] * total_mw(_m, k),
                        doc=f"ramp-up limit of {what} (MW per step)")
    down = pyo.Constraint(kset, m.T1, rule=lambda _m, k, i: var[k, i - 1] - var[k, i] <= per_step[k] * total_mw(_m, k),
                          doc=f"ramp-down limit of {what} (MW per step)")
    with templated():
        m.add_component(names[2], up)
        m.add_component(names[3], down)


def committed(inp: Inputs, cfg: Config, g: str) -> bool:
    """A committable generator, with unit commitment switched on."""
    return bool(cfg.policy.unit_commitment and inp.techs.at[g, "committable"])


def limited_elsewhere(inp: Inputs, cfg: Config, g: str) -> bool:
    """The output limit of ``g`` is stated by the commitment or heat family rather than by ``p_max``."""
    return committed(inp, cfg, g) or inp.techs.at[g, "chp_mode"] == "extraction"


def emission_factor_t_per_mwh(inp: Inputs, g: str) -> float:
    """tCO2 per MWh of a generator's output (heat rate x carrier emission factor)."""
    hr = inp.techs.at[g, "heat_rate_gce_per_kwh"] * TCE_PER_MWH_PER_GCE_PER_KWH
    return hr * float(inp.carriers.at[inp.techs.at[g, "carrier"], "co2_t_per_tce"])
