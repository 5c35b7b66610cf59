"""The Suzhou LP rebuilt in PyPSA (linopy, HiGHS), from the same :class:`~optimizer.inputs.Inputs`.

``build_network`` maps every technology of the table onto PyPSA components; what PyPSA has no
component for (the plan's policies, the tie of the battery's two power ratings, its duration band, the
firm-storage auxiliary variable) is added by ``add_constraints`` as linopy rows on ``n.model`` after
``n.optimize.create_model()``. ``objective_constant`` is the constant that makes the two objectives
comparable (see its docstring): ``our objective = n.objective + objective_constant(inputs, config)``.

Mapping (our symbol -> PyPSA):

* zone ``z`` -> Bus ``z`` with a Load of ``D_{z,t}``;
* generator ``g`` -> Generator: ``p_max_pu = a_{g,t}``, ``p_nom = P^0``, extendable unless our
  ``is_fixed``, ``p_nom_min/max = max(P^0, min_total) / max_total``, ``capital_cost = CRF c^P + f``,
  ``marginal_cost = v + h pi (+ carbon price x emission factor)``, ``ramp_limit_up/down = rho Delta``
  (PyPSA: per snapshot, times ``p_nom`` or the ``p_nom`` variable; no row for the first snapshot
  when ``p_init`` is unset -- exactly our :math:`t \\in T^+`, no cycling);
* import corridor ``i`` -> Generator with ``marginal_cost = pi_i`` and ``e_sum_min/e_sum_max`` (PyPSA
  sums with the ``generators`` snapshot weighting, set to our ``w_t``);
* storage ``s`` -> a Bus ``s`` + Store ``s`` (energy ``E``, ``standing_loss = lambda``, ``e_cyclic``)
  + Link ``s_charge`` (grid -> store, ``efficiency = eta_c``, ``p_nom = P``, carries the power capex
  and FOM) + Link ``s_discharge`` (store -> grid, ``efficiency = eta_d``; its ``p_nom`` is rated on
  the store side, so it is tied to ``P / eta_d``); the Store dynamics use the ``stores`` snapshot
  weighting, set to our step length ``Delta`` (1 h), while the objective and energy sums use ``w_t``;
* unserved load of zone ``z`` -> Generator ``unserved_z`` at VoLL, ``p_nom = max_t D_{z,t}``,
  ``p_max_pu = D_{z,t} / max_t D_{z,t}``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pypsa
import xarray as xr

from optimizer.config import Config
from optimizer.inputs import Inputs, resolve_target
from optimizer.model.capacity import KW_PER_MW, crf, is_fixed
from optimizer.model.dispatch import TCE_PER_MWH_PER_GCE_PER_KWH, availability, electricity_tce_per_mwh
from optimizer.model.shares import exogenous_tce
from optimizer.solve import highs_options

pypsa.options.api.legacy_string_dtype = True  # keep today's behaviour, silence the pandas-3 notice


def _capex(inp: Inputs, cfg: Config, k: str) -> float:
    """Annualised investment cost of one MW of new power capacity (CNY/MW/yr), as in capacity.py."""
    t = inp.techs
    if is_fixed(inp, k) or t.at[k, "capex_cny_per_kw"] <= 0:
        return 0.0
    return crf(cfg.economics.discount_rate, t.at[k, "lifetime_yr"]) * t.at[k, "capex_cny_per_kw"] * KW_PER_MW


def _capex_energy(inp: Inputs, cfg: Config, s: str) -> float:
    """Annualised investment cost of one MWh of new storage energy capacity (CNY/MWh/yr)."""
    t = inp.techs
    if not t.at[s, "extendable"] or t.at[s, "capex_cny_per_kwh"] <= 0:
        return 0.0
    return crf(cfg.economics.discount_rate, t.at[s, "lifetime_yr"]) * t.at[s, "capex_cny_per_kwh"] * KW_PER_MW


def _fom(inp: Inputs, k: str) -> float:
    return float(inp.techs.at[k, "fom_cny_per_kw_yr"]) * KW_PER_MW


def _ramp_per_step(inp: Inputs, cfg: Config, g: str) -> float:
    """Our ramp limit per step (fraction of capacity), NaN where dispatch.py adds no ramp rows."""
    r = float(inp.techs.at[g, "ramp_frac_per_h"])
    dt = float(inp.step_h[0])
    if not cfg.policy.ramp_limits or math.isinf(r) or r * dt >= 1.0:
        return float("nan")
    return r * dt


def emission_factor(inp: Inputs, cfg: Config, k: str) -> float:
    """tCO2 per MWh delivered of a generator or an import corridor, as dispatch.py / imports.py count it."""
    t = inp.techs
    if t.at[k, "kind"] == "import":
        return float(t.at[k, "co2_t_per_mwh"]) if cfg.policy.include_import_emissions else 0.0
    hr = t.at[k, "heat_rate_gce_per_kwh"] * TCE_PER_MWH_PER_GCE_PER_KWH
    return float(hr * inp.carriers.at[t.at[k, "carrier"], "co2_t_per_tce"])


def marginal_cost(inp: Inputs, cfg: Config, k: str) -> float:
    """CNY per MWh delivered of a generator or corridor: VOM + fuel (+ carbon price), or import price."""
    t = inp.techs
    if t.at[k, "kind"] == "import":
        cost = float(t.at[k, "price_cny_per_mwh"])
    else:
        hr = t.at[k, "heat_rate_gce_per_kwh"] * TCE_PER_MWH_PER_GCE_PER_KWH
        cost = float(t.at[k, "vom_cny_per_mwh"] + hr * inp.carriers.at[t.at[k, "carrier"], "fuel_price_cny_per_tce"])
    return cost + cfg.policy.carbon_price_cny_per_t * emission_factor(inp, cfg, k)


def build_network(inputs: Inputs, config: Config) -> pypsa.Network:
    """A PyPSA network whose LP (with :func:`add_constraints`) is our LP for ``inputs`` and ``config``."""
    inp, cfg = inputs, config
    if getattr(inp, "day_sequence", None) is not None:
        raise NotImplementedError("typical-day runs (linked storage states) are not reproduced in PyPSA")
    t = inp.techs
    n = pypsa.Network(name=cfg.name)
    snapshots = pd.DatetimeIndex(inp.time, name="snapshot")
    n.set_snapshots(snapshots)
    n.snapshot_weightings.loc[:, "objective"] = inp.weight_h
    n.snapshot_weightings.loc[:, "generators"] = inp.weight_h
    n.snapshot_weightings.loc[:, "stores"] = inp.step_h  # storage dynamics run on the step length

    carriers = sorted(set(t["carrier"]) | {"AC", "unserved"})
    n.add("Carrier", carriers)
    n.add("Bus", list(inp.zones), carrier="AC")
    n.add("Load", [f"load_{z}" for z in inp.zones], bus=list(inp.zones),
          p_set=pd.DataFrame({f"load_{z}": inp.load_mw[z].to_numpy() for z in inp.zones}, index=snapshots))

    gens = [k for k in t.index if t.at[k, "kind"] in ("generator", "import")]
    for profiled in (True, False):
        names = [k for k in gens if bool(t.at[k, "profile"]) == profiled]
        if not names:
            continue
        ext = [not is_fixed(inp, k) for k in names]
        existing = [float(t.at[k, "existing_mw"]) for k in names]
        attrs: dict[str, Any] = {
            "bus": [t.at[k, "zone"] for k in names],
            "carrier": [t.at[k, "carrier"] for k in names],
            "p_nom": existing,
            "p_nom_extendable": ext,
            "p_nom_min": [max(e, float(t.at[k, "min_total_mw"])) if x else 0.0
                          for k, e, x in zip(names, existing, ext, strict=True)],
            "p_nom_max": [float(t.at[k, "max_total_mw"]) if x else math.inf for k, x in zip(names, ext, strict=True)],
            "capital_cost": [_capex(inp, cfg, k) + _fom(inp, k) if x else 0.0 for k, x in zip(names, ext, strict=True)],
            "marginal_cost": [marginal_cost(inp, cfg, k) for k in names],
            "ramp_limit_up": [_ramp_per_step(inp, cfg, k) if t.at[k, "kind"] == "generator" else math.nan
                              for k in names],
            "e_sum_max": [float(t.at[k, "annual_energy_max_mwh"]) if t.at[k, "kind"] == "import" else math.inf
                          for k in names],
            "e_sum_min": [float(t.at[k, "annual_energy_min_mwh"])
                          if t.at[k, "kind"] == "import" and t.at[k, "annual_energy_min_mwh"] > 0 else -math.inf
                          for k in names],
        }
        attrs["ramp_limit_down"] = attrs["ramp_limit_up"]
        if profiled:
            attrs["p_max_pu"] = pd.DataFrame({k: availability(inp, k) for k in names}, index=snapshots)
        else:
            attrs["p_max_pu"] = [float(t.at[k, "availability"]) for k in names]
        n.add("Generator", names, **attrs)

    if cfg.economics.allow_unserved:
        names = [f"unserved_{z}" for z in inp.zones]
        peak = [float(inp.load_mw[z].max()) for z in inp.zones]
        pu = pd.DataFrame({f"unserved_{z}": inp.load_mw[z].to_numpy() / p if p > 0 else 0.0
                           for z, p in zip(inp.zones, peak, strict=True)}, index=snapshots)
        n.add("Generator", names, bus=list(inp.zones), carrier="unserved", p_nom=peak, p_max_pu=pu,
              marginal_cost=cfg.economics.voll_cny_per_mwh)

    for s in inp.of_kind("storage"):
        ext_p = not is_fixed(inp, s)
        ext_e = bool(t.at[s, "extendable"])
        p0, e0 = float(t.at[s, "existing_mw"]), float(t.at[s, "existing_mwh"])
        eta_c, eta_d = float(t.at[s, "efficiency_charge"]), float(t.at[s, "efficiency_discharge"])
        zone = t.at[s, "zone"]
        n.add("Bus", s, carrier=t.at[s, "carrier"])
        n.add("Store", s, bus=s, carrier=t.at[s, "carrier"], e_nom=e0, e_nom_extendable=ext_e,
              e_nom_min=e0 if ext_e else 0.0, capital_cost=_capex_energy(inp, cfg, s),
              standing_loss=float(t.at[s, "standing_loss_frac_per_h"]), e_cyclic=True)
        n.add("Link", f"{s}_charge", bus0=zone, bus1=s, carrier=t.at[s, "carrier"], efficiency=eta_c,
              p_nom=p0, p_nom_extendable=ext_p,
              p_nom_min=max(p0, float(t.at[s, "min_total_mw"])) if ext_p else 0.0,
              p_nom_max=float(t.at[s, "max_total_mw"]) if ext_p else math.inf,
              capital_cost=(_capex(inp, cfg, s) + _fom(inp, s)) if ext_p else 0.0)
        # p0 of the discharge link is the energy drawn from the store: q_d / eta_d; its VOM is per MWh delivered
        n.add("Link", f"{s}_discharge", bus0=s, bus1=zone, carrier=t.at[s, "carrier"], efficiency=eta_d,
              p_nom=p0 / eta_d, p_nom_extendable=ext_p,
              marginal_cost=float(t.at[s, "vom_cny_per_mwh"]) * eta_d)
    return n


def objective_constant(inputs: Inputs, config: Config) -> float:
    r"""Constant to add to PyPSA's objective to get ours (CNY/yr).

    PyPSA (``include_objective_constant=False``) charges ``capital_cost x p_nom`` on the *total*
    capacity of extendable assets and nothing on non-extendable ones. Ours charges the annualised
    capex on *new* capacity only and the fixed O&M on the total capacity of every technology,
    including those whose capacity is fixed. So

    .. math::  C^{ours} = C^{PyPSA} + \sum_{k\ \mathrm{fixed}} f_k P^0_k
               - \sum_{k\ \mathrm{ext}} \mathrm{CRF}_k c^P_k P^0_k - \sum_{s\ \mathrm{ext}} \mathrm{CRF}_s c^E_s E^0_s
    """
    inp, cfg = inputs, config
    t = inp.techs
    const = 0.0
    for k in t.index:
        p0 = float(t.at[k, "existing_mw"])
        if is_fixed(inp, k):
            const += _fom(inp, k) * p0
        else:
            const -= _capex(inp, cfg, k) * p0
    for s in inp.of_kind("storage"):
        const -= _capex_energy(inp, cfg, s) * float(t.at[s, "existing_mwh"])
    return const


def _capacity(n: pypsa.Network, inp: Inputs, k: str, *, energy: bool = False, new_only: bool = False) -> Any:
    """Total (or new) power capacity of technology ``k`` (MW), or storage energy (MWh), as linopy or float."""
    m = n.model
    t = inp.techs
    if energy:
        if not t.at[k, "extendable"]:
            return 0.0 if new_only else float(t.at[k, "existing_mwh"])
        var = m["Store-e_nom"].sel(name=k, drop=True)
        return var - float(t.at[k, "existing_mwh"]) if new_only else 1.0 * var
    if is_fixed(inp, k):
        return 0.0 if new_only else float(t.at[k, "existing_mw"])
    var = m["Link-p_nom"].sel(name=f"{k}_charge", drop=True) if t.at[k, "kind"] == "storage" else (
        m["Generator-p_nom"].sel(name=k, drop=True))
    return var - float(t.at[k, "existing_mw"]) if new_only else 1.0 * var


def _add_row(m: Any, terms: list[Any], sign: str, rhs: float, name: str) -> None:
    """Add ``sum(terms) sign rhs``; ``terms`` mixes linopy expressions and constants (moved to the rhs)."""
    const = sum(float(x) for x in terms if isinstance(x, float))
    variables = [x for x in terms if not isinstance(x, float)]
    if not variables:  # a constant row: nothing for the solver, but it must hold
        ok = {">=": const >= rhs - 1e-9, "<=": const <= rhs + 1e-9, "=": abs(const - rhs) <= 1e-9}[sign]
        if not ok:
            raise ValueError(f"{name}: constant row {const} {sign} {rhs} is infeasible")
        return
    lhs = variables[0]
    for x in variables[1:]:
        lhs = lhs + x
    m.add_constraints(lhs, sign, rhs - const, name=name)


def _annual(n: pypsa.Network, inp: Inputs, coef: dict[str, float]) -> Any:
    """sum_k coef_k sum_t w_t p_{k,t} over generators/corridors (a linopy expression, or 0.0)."""
    coef = {k: c for k, c in coef.items() if c != 0}
    if not coef:
        return 0.0
    names = list(coef)
    p = n.model["Generator-p"].sel(name=names)
    c = xr.DataArray(np.array([coef[k] for k in names]), coords={"name": names}, dims="name")
    w = xr.DataArray(np.asarray(inp.weight_h, dtype=float), coords={"snapshot": p.indexes["snapshot"]},
                     dims="snapshot")
    return (p * (c * w)).sum()


def add_constraints(n: pypsa.Network, inputs: Inputs, config: Config) -> None:
    """Add to ``n.model`` what PyPSA has no component for: our storage coupling and the policy rows."""
    inp, cfg = inputs, config
    m = n.model
    t = inp.techs
    pol = cfg.policy

    # storage: one power rating for charge and discharge, duration band, firm-storage auxiliary
    firm_terms: list[Any] = []
    for s in inp.of_kind("storage"):
        eta_d = float(t.at[s, "efficiency_discharge"])
        p = _capacity(n, inp, s)
        e = _capacity(n, inp, s, energy=True)
        if not is_fixed(inp, s):
            dis = m["Link-p_nom"].sel(name=f"{s}_discharge", drop=True)
            m.add_constraints(p - eta_d * dis == 0, name=f"{s}-power-tie")
        d_min, d_max = float(t.at[s, "min_duration_h"]), float(t.at[s, "max_duration_h"])
        variable = not (isinstance(p, float) and isinstance(e, float))
        if d_min > 0 and variable:
            m.add_constraints(e - d_min * p >= 0, name=f"{s}-duration-min")
        if not math.isinf(d_max) and variable:
            m.add_constraints(e - d_max * p <= 0, name=f"{s}-duration-max")
        credit = float(t.at[s, "firm_capacity_credit"])
        if credit > 0:
            f = m.add_variables(lower=0.0, name=f"{s}-firm_mw")
            m.add_constraints(f - p <= 0, name=f"{s}-firm-power")
            m.add_constraints(float(t.at[s, "firm_duration_h"]) * f - e <= 0, name=f"{s}-firm-energy")
            firm_terms.append(credit * f)

    # reserve margin
    if pol.reserve_margin is not None:
        for k in t.index:
            credit = float(t.at[k, "firm_capacity_credit"])
            if credit > 0 and t.at[k, "kind"] != "storage":
                firm_terms.append(credit * _capacity(n, inp, k))
        need = (1.0 + pol.reserve_margin) * float(inp.peak_load_mw.sum())
        _add_row(m, firm_terms, ">=", need, "policy-reserve_margin")

    # capacity targets
    for i, tgt in enumerate(pol.capacity_targets):
        energy = tgt.measure == "energy"
        value = resolve_target(tgt, inp.targets, unit="MWh" if energy else "MW",
                               field=f"policy.capacity_targets.{i}")
        if value is None:
            continue
        terms = [_capacity(n, inp, k, energy=energy, new_only=tgt.new_only) for k in tgt.technologies]
        if tgt.sense == "==" and tgt.tolerance > 0:
            _add_row(m, terms, ">=", value * (1 - tgt.tolerance), f"policy-cap_{tgt.name}_min")
            _add_row(m, terms, "<=", value * (1 + tgt.tolerance), f"policy-cap_{tgt.name}_max")
        else:
            _add_row(m, terms, {">=": ">=", "<=": "<=", "==": "="}[tgt.sense], value, f"policy-cap_{tgt.name}")

    # share accounts: coefficient of each generator's / corridor's annual MWh (dispatch.add_energy_accounts,
    # imports.py), plus the exogenous energy use (shares.exogenous_tce)
    electricity = pol.share_basis == "electricity"
    conv = electricity_tce_per_mwh(cfg)
    acc: dict[str, dict[str, float]] = {"coal": {}, "nonfossil": {}, "total": {}}
    for k in t.index:
        kind = t.at[k, "kind"]
        if kind == "generator":
            fossil, coal = inp.carrier_flag(k, "fossil"), inp.carrier_flag(k, "coal")
            if electricity:
                acc["total"][k] = 1.0
                acc["coal"][k] = 1.0 if coal else 0.0
                acc["nonfossil"][k] = 0.0 if fossil else 1.0
            elif fossil:
                fuel = t.at[k, "heat_rate_gce_per_kwh"] * TCE_PER_MWH_PER_GCE_PER_KWH
                acc["total"][k] = fuel
                acc["coal"][k] = fuel if coal else 0.0
            else:
                acc["total"][k] = conv
                acc["nonfossil"][k] = conv
        elif kind == "import":
            factor = 1.0 if electricity else conv
            acc["total"][k] = factor
            acc["nonfossil"][k] = factor * float(t.at[k, "nonfossil_fraction"])
            if electricity or pol.energy_accounting.count_imported_coal_power_as_coal:
                acc["coal"][k] = factor * float(t.at[k, "coal_fraction"])
    exo = exogenous_tce(cfg)
    coal_share = resolve_target(pol.coal_share_max, inp.targets, unit="per-unit", field="policy.coal_share_max")
    if coal_share is not None:
        coef = {k: acc["coal"].get(k, 0.0) - coal_share * acc["total"].get(k, 0.0) for k in t.index}
        m.add_constraints(_annual(n, inp, coef) <= coal_share * exo["total"] - exo["coal"],
                          name="policy-coal_share")
    nf_share = resolve_target(pol.nonfossil_share_min, inp.targets, unit="per-unit",
                              field="policy.nonfossil_share_min")
    if nf_share is not None:
        coef = {k: acc["nonfossil"].get(k, 0.0) - nf_share * acc["total"].get(k, 0.0) for k in t.index}
        m.add_constraints(_annual(n, inp, coef) >= nf_share * exo["total"] - exo["nonfossil"],
                          name="policy-nonfossil_share")

    # CO2 cap
    cap = resolve_target(pol.co2_cap_t, inp.targets, unit="tCO2/yr", field="policy.co2_cap_t")
    if cap is not None:
        ef = {k: emission_factor(inp, cfg, k) for k in t.index if t.at[k, "kind"] in ("generator", "import")}
        m.add_constraints(_annual(n, inp, ef) <= cap, name="policy-co2_cap")


def create_model(n: pypsa.Network, inputs: Inputs, config: Config) -> Any:
    """``n.optimize.create_model`` (no objective constant) plus :func:`add_constraints`."""
    model = n.optimize.create_model(include_objective_constant=False)
    add_constraints(n, inputs, config)
    return model


def solve(n: pypsa.Network, config: Config) -> tuple[str, str]:
    """Solve with HiGHS, in memory (linopy's direct API), with our HiGHS options."""
    return n.optimize.solve_model(solver_name="highs", io_api="direct", **highs_options(config.solver))


def solve_network(inputs: Inputs, config: Config) -> tuple[pypsa.Network, float]:
    """Build, solve and return the network and its objective in our terms (with the constant)."""
    n = build_network(inputs, config)
    create_model(n, inputs, config)
    status, condition = solve(n, config)
    if status != "ok":
        raise RuntimeError(f"PyPSA/HiGHS: {status} ({condition})")
    return n, float(n.objective) + objective_constant(inputs, config)
