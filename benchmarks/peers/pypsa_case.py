r"""The Suzhou LP rebuilt in PyPSA (linopy, HiGHS), from the same :class:`~optimizer.inputs.Inputs`.

``build_network`` maps every technology of the table onto PyPSA components; what PyPSA has no
component for is added by ``add_constraints`` as linopy variables, rows and objective terms on
``n.model`` after ``n.optimize.create_model()``, written from the equations of each family's module
docstring (``optimizer/model/*.py``), not from our Pyomo code. ``objective_constant`` is the constant
that makes the two objectives comparable (see its docstring):
``our objective = n.objective + objective_constant(inputs, config)``.

PyPSA components (our symbol -> PyPSA):

* zone ``z`` -> Bus ``z`` with a Load of ``D_{z,t}``; heat network ``n`` -> Bus ``heat_n`` (carrier
  heat) with a Load of ``H_{n,t}``;
* generator ``g`` -> Generator on its zone: ``p_max_pu = a_{g,t}``, ``p_nom = P^0``, extendable unless
  our ``is_fixed`` (retirable: ``0 <= p_nom <= P^0``), ``capital_cost = CRF c^P + f``, ``marginal_cost =
  v + h pi (+ carbon price x emission factor)``, ``e_sum_max`` = the annual limit, ``ramp_limit_up/down
  = rho Delta`` (chronological runs; PyPSA writes no row for the first snapshot when ``p_init`` is
  unset, exactly our :math:`t \in T^+`);
* heat of CHP unit ``g`` -> Generator ``g@heat`` on its heat bus (no capacity of its own), marginal
  cost = the fuel of the heat extracted, :math:`c^v_g h_g \pi` (+ carbon); boiler ``b`` -> Generator on
  its heat bus; heat not served -> Generator ``heat_unserved_n`` at VoLL;
* import corridor ``i`` -> Generator with ``marginal_cost = pi_i mu_{i,t}`` (the price shape),
  ``e_sum_min/e_sum_max`` (PyPSA sums with the ``generators`` snapshot weighting, set to our ``w_t``);
  a fixed corridor's schedule bounds as ``p_min_pu/p_max_pu``;
* demand response ``k`` -> Generator at its compensation price with ``e_sum_max``;
* storage ``s`` -> a Bus ``s`` + Store ``s`` (energy ``E``, ``standing_loss = lambda``, ``e_cyclic``)
  + Link ``s_charge`` (grid -> store, ``efficiency = eta_c``, ``p_nom = P``, carries the power capex
  and FOM) + Link ``s_discharge`` (store -> grid, ``efficiency = eta_d``; its ``p_nom`` is rated on
  the store side, so it is tied to ``P / eta_d``); the Store dynamics use the ``stores`` snapshot
  weighting, set to our step length ``Delta``, while the objective and energy sums use ``w_t``;
* link ``l`` between zones -> two Links, ``l>`` (a -> b) and ``l<`` (b -> a), ``efficiency = 1 -
  lambda_l``, the second's ``p_nom`` tied to the first's, which carries the capex and FOM;
* unserved load of zone ``z`` -> Generator ``unserved_z`` at VoLL, ``p_nom = max_t D_{z,t}``,
  ``p_max_pu = D_{z,t} / max_t D_{z,t}``.

linopy rows and variables (``add_constraints``): unit commitment (committed and started capacity,
minimum stable output, start-up costs, cycles per year or per typical day), the CHP regions, the
flexibility retrofit, the operating reserve (committed headroom, storage, interruptible load), the
corridors' monthly energy, daily blocks and valley/peak rule and the simultaneous import limit, the
storage coupling (one power rating, duration band, firm storage), typical days (storage states linked
through the calendar, Kotzur et al.: the Store's level :math:`e_t` runs on through the typical days
from zero and the intra-day state is :math:`e_t - \kappa^{j+1} e_{s-1}`, :math:`s` the day's first
step; ramps within each day), and the policies (capacity targets, shares, clean electricity, CO2 cap,
gas supply and LNG, reserve margin of the system or of each zone with firm capacity over links).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import linopy
import numpy as np
import pandas as pd
import pypsa
import xarray as xr

from optimizer.config import Config
from optimizer.inputs import Inputs, resolve_target
from optimizer.inputs.loader import heat_network
from optimizer.inputs.shapes import month_hours
from optimizer.model.capacity import KW_PER_MW, crf, is_fixed
from optimizer.model.carbon import non_power_co2_t
from optimizer.model.commitment import window_steps
from optimizer.model.dispatch import TCE_PER_MWH_PER_GCE_PER_KWH, availability, electricity_tce_per_mwh
from optimizer.model.imports import _valley_peak_pairs, power_bounds
from optimizer.model.operating_reserve import requirement_mw
from optimizer.model.shares import exogenous_tce, non_power_tce
from optimizer.solve import highs_options

pypsa.options.api.legacy_string_dtype = True  # keep today's behaviour, silence the pandas-3 notice

HEAT = "@heat"  # suffix of the Generator that is a CHP unit's heat


# ------------------------------------------------------------------------------------------ numbers


def _tech(inp: Inputs, k: str, col: str) -> Any:
    return inp.techs.at[k, col]


def _extendable(inp: Inputs, k: str) -> bool:
    """Capacity is a decision (new build, or early retirement)."""
    return not is_fixed(inp, k)


def _retirable(inp: Inputs, k: str) -> bool:
    return _extendable(inp, k) and not bool(_tech(inp, k, "extendable"))


def _capex(inp: Inputs, cfg: Config, k: str) -> float:
    """Annualised investment cost of one MW of new power capacity (CNY/MW/yr), as in capacity.py."""
    if not _extendable(inp, k) or _retirable(inp, k) or _tech(inp, k, "capex_cny_per_kw") <= 0:
        return 0.0
    a = crf(cfg.economics.discount_rate, _tech(inp, k, "lifetime_yr"))
    return a * _tech(inp, k, "capex_cny_per_kw") * KW_PER_MW


def _capex_energy(inp: Inputs, cfg: Config, s: str) -> float:
    """Annualised investment cost of one MWh of new storage energy capacity (CNY/MWh/yr)."""
    if not _tech(inp, s, "extendable") or _tech(inp, s, "capex_cny_per_kwh") <= 0:
        return 0.0
    a = crf(cfg.economics.discount_rate, _tech(inp, s, "lifetime_yr"))
    return a * _tech(inp, s, "capex_cny_per_kwh") * KW_PER_MW


def _fom(inp: Inputs, k: str) -> float:
    return float(_tech(inp, k, "fom_cny_per_kw_yr")) * KW_PER_MW


def _link_capex(cfg: Config, links: pd.DataFrame, lk: str) -> float:
    if not bool(links.at[lk, "extendable"]) or links.at[lk, "capex_cny_per_kw"] <= 0:
        return 0.0
    return crf(cfg.economics.discount_rate, float(links.at[lk, "lifetime_yr"])) * float(
        links.at[lk, "capex_cny_per_kw"]) * KW_PER_MW


def _ramp_per_step(inp: Inputs, cfg: Config, k: str) -> float:
    """Our ramp limit per step (fraction of capacity), NaN where no ramp rows are stated."""
    r = float(_tech(inp, k, "ramp_frac_per_h"))
    dt = float(inp.step_h[0])
    if not cfg.policy.ramp_limits or math.isinf(r) or r * dt >= 1.0:
        return float("nan")
    return r * dt


def _committed(inp: Inputs, cfg: Config, g: str) -> bool:
    return bool(cfg.policy.unit_commitment and _tech(inp, g, "committable"))


def _fuel_per_mwh(inp: Inputs, k: str) -> float:
    """tce of fuel per MWh of output (electricity, or heat of a boiler)."""
    return float(_tech(inp, k, "heat_rate_gce_per_kwh")) * TCE_PER_MWH_PER_GCE_PER_KWH


@dataclass
class Flow:
    """One PyPSA Generator's annual output: what each MWh of it costs, emits, burns and counts."""

    tech: str
    cost: float = 0.0  # CNY/MWh (import prices: the base price, times the shape's multiplier)
    co2: float = 0.0  # tCO2/MWh
    fuel: float = 0.0  # tce/MWh of the tech's carrier
    carrier: str = ""
    accounts: dict[str, float] = field(default_factory=dict)  # share account -> coefficient per MWh


def flows(inp: Inputs, cfg: Config) -> dict[str, Flow]:
    """Every Generator of the network that burns, costs or counts (the families' cost and account terms)."""
    t = inp.techs
    electricity = cfg.policy.share_basis == "electricity"
    conv = electricity_tce_per_mwh(cfg)
    cprice = cfg.policy.carbon_price_cny_per_t
    out: dict[str, Flow] = {}

    def fuel_flow(name: str, k: str, fuel: float, vom: float, power: bool) -> None:
        carrier = inp.carriers.loc[t.at[k, "carrier"]]
        f = Flow(k, carrier=str(t.at[k, "carrier"]), fuel=fuel)
        f.co2 = fuel * float(carrier["co2_t_per_tce"])
        f.cost = vom + fuel * float(carrier["fuel_price_cny_per_tce"]) + cprice * f.co2
        fossil, coal = inp.carrier_flag(k, "fossil"), inp.carrier_flag(k, "coal")
        acc = f.accounts
        if power:  # dispatch.add_energy_accounts
            if not fossil:
                acc["clean_electricity"] = 1.0
            if electricity:
                acc["total"] = 1.0
                acc["coal"] = 1.0 if coal else 0.0
                acc["nonfossil"] = 0.0 if fossil else 1.0
            elif fossil:
                acc["total"] = fuel
                acc["coal"] = fuel if coal else 0.0
            else:
                acc["total"] = acc["nonfossil"] = conv
        elif not electricity and fuel > 0:  # heat: the fuel burnt, on the energy basis only
            acc["total"] = fuel
            if fossil:
                acc["coal"] = fuel if coal else 0.0
            else:
                acc["nonfossil"] = fuel
        out[name] = f

    for k in t.index:
        kind = t.at[k, "kind"]
        if kind == "generator":
            fuel_flow(k, k, _fuel_per_mwh(inp, k), float(t.at[k, "vom_cny_per_mwh"]), True)
            if t.at[k, "chp_mode"]:
                fuel_flow(k + HEAT, k, _fuel_per_mwh(inp, k) * float(t.at[k, "power_loss_per_heat"]), 0.0, False)
        elif kind == "boiler":
            fuel_flow(k, k, _fuel_per_mwh(inp, k), float(t.at[k, "vom_cny_per_mwh"]), False)
        elif kind == "demand_response":
            out[k] = Flow(k, cost=float(t.at[k, "vom_cny_per_mwh"]))
        elif kind == "import":
            f = Flow(k, carrier=str(t.at[k, "carrier"]))
            f.co2 = float(t.at[k, "co2_t_per_mwh"]) if cfg.policy.include_import_emissions else 0.0
            f.cost = float(t.at[k, "price_cny_per_mwh"])
            factor = 1.0 if electricity else conv
            nf, coal = float(t.at[k, "nonfossil_fraction"]), float(t.at[k, "coal_fraction"])
            f.accounts = {"total": factor, "nonfossil": factor * nf, "clean_electricity": nf}
            if electricity or cfg.policy.energy_accounting.count_imported_coal_power_as_coal:
                f.accounts["coal"] = factor * coal
            out[k] = f
    return out


def _import_cost(inp: Inputs, cfg: Config, f: Flow, k: str) -> np.ndarray:
    """CNY/MWh of each step of a corridor: its price times the shape's multiplier, plus carbon."""
    base = np.full(len(inp.time), f.cost)
    if f.cost > 0 and k in inp.price_mult:
        base = f.cost * np.asarray(inp.price_mult[k], dtype=float)
    return base + cfg.policy.carbon_price_cny_per_t * f.co2


# ------------------------------------------------------------------------------------------ network


def build_network(inputs: Inputs, config: Config) -> pypsa.Network:
    """A PyPSA network whose LP (with :func:`add_constraints`) is our LP for ``inputs`` and ``config``."""
    inp, cfg = inputs, config
    linked = inp.day_sequence is not None
    t = inp.techs
    fl = flows(inp, cfg)
    n = pypsa.Network(name=cfg.name)
    snapshots = pd.DatetimeIndex(inp.time, name="snapshot")
    n.set_snapshots(snapshots)
    n.snapshot_weightings.loc[:, "objective"] = inp.weight_h
    n.snapshot_weightings.loc[:, "generators"] = inp.weight_h
    n.snapshot_weightings.loc[:, "stores"] = inp.step_h  # storage dynamics run on the step length

    heat_techs = [k for k in t.index if t.at[k, "kind"] == "boiler" or (t.at[k, "kind"] == "generator"
                                                                         and t.at[k, "chp_mode"])]
    nets = list(dict.fromkeys(heat_network(t, k) for k in heat_techs))
    if inp.heat_mw is not None:
        nets = list(dict.fromkeys([*inp.heat_mw.columns, *nets]))
    carriers = sorted(set(t["carrier"]) | {"AC", "heat", "unserved", "transmission"})
    n.add("Carrier", carriers)
    n.add("Bus", list(inp.zones), carrier="AC")
    n.add("Load", [f"load_{z}" for z in inp.zones], bus=list(inp.zones),
          p_set=pd.DataFrame({f"load_{z}": inp.load_mw[z].to_numpy() for z in inp.zones}, index=snapshots))
    if nets:
        n.add("Bus", [f"heat_{h}" for h in nets], carrier="heat")
    with_demand = [h for h in nets if inp.heat_mw is not None and h in inp.heat_mw.columns]
    if with_demand:
        n.add("Load", [f"heat_load_{h}" for h in with_demand], bus=[f"heat_{h}" for h in with_demand],
              p_set=pd.DataFrame({f"heat_load_{h}": inp.heat_mw[h].to_numpy() for h in with_demand}, index=snapshots))
    for h in nets:  # a network without a demand balance: heat may go nowhere, as in ours (no row)
        if h not in with_demand:
            n.add("Generator", f"heat_dump_{h}", bus=f"heat_{h}", carrier="heat", p_nom=1e9, p_min_pu=-1.0,
                  p_max_pu=0.0)

    # generators, boilers, demand response and corridors: a PyPSA Generator each
    units = [k for k in t.index if t.at[k, "kind"] in ("generator", "import", "boiler", "demand_response")]
    for profiled in (True, False):
        names = [k for k in units if bool(t.at[k, "profile"]) == profiled]
        if not names:
            continue
        ext = [_extendable(inp, k) for k in names]
        existing = [float(t.at[k, "existing_mw"]) for k in names]
        ramps = [math.nan if linked or t.at[k, "kind"] not in ("generator", "import") else _ramp_per_step(inp, cfg, k)
                 for k in names]
        pmax = pd.DataFrame({k: availability(inp, k) for k in names}, index=snapshots)
        pmin = pd.DataFrame(0.0, index=snapshots, columns=names)
        for k in names:  # a fixed corridor's schedule bounds (with its availability) per unit of its capacity
            if t.at[k, "kind"] == "import" and not _extendable(inp, k):
                lo, hi = power_bounds(inp, k)
                p0 = float(t.at[k, "existing_mw"])
                pmin[k] = lo / p0 if p0 > 0 else 0.0
                pmax[k] = hi / p0 if p0 > 0 else 0.0
        cost = pd.DataFrame({k: (_import_cost(inp, cfg, fl[k], k) if t.at[k, "kind"] == "import"
                                 else np.full(len(snapshots), fl[k].cost)) for k in names}, index=snapshots)
        attrs: dict[str, Any] = {
            "bus": [t.at[k, "zone"] if t.at[k, "kind"] != "boiler" else f"heat_{heat_network(t, k)}" for k in names],
            "carrier": [t.at[k, "carrier"] for k in names],
            "p_nom": existing,
            "p_nom_extendable": ext,
            "p_nom_min": [(0.0 if _retirable(inp, k) else max(e, float(t.at[k, "min_total_mw"]))) if x else 0.0
                          for k, e, x in zip(names, existing, ext, strict=True)],
            "p_nom_max": [(e if _retirable(inp, k) else float(t.at[k, "max_total_mw"])) if x else math.inf
                          for k, e, x in zip(names, existing, ext, strict=True)],
            "capital_cost": [_capex(inp, cfg, k) + _fom(inp, k) if x else 0.0 for k, x in zip(names, ext, strict=True)],
            "marginal_cost": cost,
            "ramp_limit_up": ramps,
            "ramp_limit_down": ramps,
            "e_sum_max": [float(t.at[k, "annual_energy_max_mwh"]) for k in names],
            "e_sum_min": [float(t.at[k, "annual_energy_min_mwh"])
                          if t.at[k, "kind"] == "import" and t.at[k, "annual_energy_min_mwh"] > 0 else -math.inf
                          for k in names],
            "p_max_pu": pmax,
            "p_min_pu": pmin,
        }
        n.add("Generator", names, **attrs)

    chp = [g for g in t.index if t.at[g, "kind"] == "generator" and t.at[g, "chp_mode"]]
    if chp:  # the heat of each CHP unit; its limits are the CHP rows of add_constraints
        n.add("Generator", [g + HEAT for g in chp], bus=[f"heat_{heat_network(t, g)}" for g in chp], carrier="heat",
              p_nom=math.inf, marginal_cost=[fl[g + HEAT].cost for g in chp])

    if cfg.economics.allow_unserved:
        names = [f"unserved_{z}" for z in inp.zones]
        peak = [float(inp.load_mw[z].max()) for z in inp.zones]
        pu = pd.DataFrame({f"unserved_{z}": inp.load_mw[z].to_numpy() / p if p > 0 else 0.0
                           for z, p in zip(inp.zones, peak, strict=True)}, index=snapshots)
        n.add("Generator", names, bus=list(inp.zones), carrier="unserved", p_nom=peak, p_max_pu=pu,
              marginal_cost=cfg.economics.voll_cny_per_mwh)
        if with_demand:
            names = [f"heat_unserved_{h}" for h in with_demand]
            peak = [float(inp.heat_mw[h].max()) for h in with_demand]
            pu = pd.DataFrame({f"heat_unserved_{h}": inp.heat_mw[h].to_numpy() / p if p > 0 else 0.0
                               for h, p in zip(with_demand, peak, strict=True)}, index=snapshots)
            n.add("Generator", names, bus=[f"heat_{h}" for h in with_demand], carrier="unserved", p_nom=peak,
                  p_max_pu=pu, marginal_cost=cfg.economics.voll_cny_per_mwh)

    for s in inp.of_kind("storage"):
        ext_p = _extendable(inp, s)
        ext_e = bool(t.at[s, "extendable"])
        p0, e0 = float(t.at[s, "existing_mw"]), float(t.at[s, "existing_mwh"])
        eta_c, eta_d = float(t.at[s, "efficiency_charge"]), float(t.at[s, "efficiency_discharge"])
        zone = t.at[s, "zone"]
        n.add("Bus", s, carrier=t.at[s, "carrier"])
        if linked:  # the level runs on through the typical days from zero; add_constraints reads the day's change
            n.add("Store", s, bus=s, carrier=t.at[s, "carrier"], e_nom=1.0, e_min_pu=-math.inf, e_max_pu=math.inf,
                  standing_loss=float(t.at[s, "standing_loss_frac_per_h"]), e_cyclic=False, e_initial=0.0)
        else:
            n.add("Store", s, bus=s, carrier=t.at[s, "carrier"], e_nom=e0, e_nom_extendable=ext_e,
                  e_nom_min=e0 if ext_e else 0.0, capital_cost=_capex_energy(inp, cfg, s),
                  standing_loss=float(t.at[s, "standing_loss_frac_per_h"]), e_cyclic=True)
        n.add("Link", f"{s}_charge", bus0=zone, bus1=s, carrier=t.at[s, "carrier"], efficiency=eta_c,
              p_nom=p0, p_nom_extendable=ext_p,
              p_nom_min=(0.0 if _retirable(inp, s) else max(p0, float(t.at[s, "min_total_mw"]))) if ext_p else 0.0,
              p_nom_max=(p0 if _retirable(inp, s) else float(t.at[s, "max_total_mw"])) if ext_p else math.inf,
              capital_cost=(_capex(inp, cfg, s) + _fom(inp, s)) if ext_p else 0.0)
        # p0 of the discharge link is the energy drawn from the store: q_d / eta_d; its VOM is per MWh delivered
        n.add("Link", f"{s}_discharge", bus0=s, bus1=zone, carrier=t.at[s, "carrier"], efficiency=eta_d,
              p_nom=p0 / eta_d, p_nom_extendable=ext_p,
              marginal_cost=float(t.at[s, "vom_cny_per_mwh"]) * eta_d)

    links = inp.links
    if links is not None and not links.empty:
        for lk in links.index:
            ext = bool(links.at[lk, "extendable"])
            l0, keep = float(links.at[lk, "existing_mw"]), 1.0 - float(links.at[lk, "loss_frac"])
            hi = max(float(links.at[lk, "max_total_mw"]), l0) if ext else l0
            common = {"carrier": "transmission", "efficiency": keep, "p_nom": l0, "p_nom_extendable": ext,
                      "p_nom_min": l0 if ext else 0.0, "p_nom_max": hi if ext else math.inf}
            n.add("Link", f"{lk}>", bus0=links.at[lk, "zone_a"], bus1=links.at[lk, "zone_b"],
                  capital_cost=(_link_capex(cfg, links, lk) + float(links.at[lk, "fom_cny_per_kw_yr"]) * KW_PER_MW)
                  if ext else 0.0, **common)
            n.add("Link", f"{lk}<", bus0=links.at[lk, "zone_b"], bus1=links.at[lk, "zone_a"], **common)
    return n


def objective_constant(inputs: Inputs, config: Config) -> float:
    r"""Constant to add to PyPSA's objective to get ours (CNY/yr).

    PyPSA (``include_objective_constant=False``) charges ``capital_cost x p_nom`` on the *total*
    capacity of extendable assets and nothing on non-extendable ones. Ours charges the annualised
    capex on *new* capacity only and the fixed O&M on the total capacity of every technology and link,
    including those whose capacity is fixed. So

    .. math::  C^{ours} = C^{PyPSA} + \sum_{k\ \mathrm{fixed}} f_k P^0_k
               - \sum_{k\ \mathrm{ext}} \mathrm{CRF}_k c^P_k P^0_k - \sum_{s\ \mathrm{ext}} \mathrm{CRF}_s c^E_s E^0_s
    """
    inp, cfg = inputs, config
    t = inp.techs
    const = 0.0
    for k in t.index:
        p0 = float(t.at[k, "existing_mw"])
        if not _extendable(inp, k):
            const += _fom(inp, k) * p0
        else:
            const -= _capex(inp, cfg, k) * p0
    for s in inp.of_kind("storage"):
        const -= _capex_energy(inp, cfg, s) * float(t.at[s, "existing_mwh"])
    links = inp.links
    if links is not None:
        for lk in links.index:
            l0 = float(links.at[lk, "existing_mw"])
            if bool(links.at[lk, "extendable"]):
                const -= _link_capex(cfg, links, lk) * l0
            else:
                const += float(links.at[lk, "fom_cny_per_kw_yr"]) * KW_PER_MW * l0
    return const


# ------------------------------------------------------------------------------------------ rows


class Aff:
    """An affine expression over a block of rows: ``sum_j c_j x_{label_j} + const`` in each row.

    Each term holds a coefficient and a label array of shape ``rows + (k,)`` (``k`` terms per row), so
    one ``Aff`` states a whole block of rows (technologies x steps) at once with numpy broadcasting;
    labels are linopy variable labels. :meth:`total` sums a block into one row.
    """

    def __init__(self, terms: list[tuple[Any, Any]] | None = None, const: Any = 0.0, *, raw: bool = False):
        if raw:
            self.terms = terms or []
        else:
            self.terms = [(np.asarray(c, dtype=float)[..., None], np.asarray(v)[..., None]) for c, v in terms or []]
        self.const = np.asarray(const, dtype=float)

    @staticmethod
    def of(x: Any) -> Aff:
        return x if isinstance(x, Aff) else Aff(const=x)

    def __add__(self, other: Any) -> Aff:
        o = Aff.of(other)
        return Aff(self.terms + o.terms, self.const + o.const, raw=True)

    __radd__ = __add__

    def __neg__(self) -> Aff:
        return self * -1.0

    def __sub__(self, other: Any) -> Aff:
        return self + (-Aff.of(other))

    def __rsub__(self, other: Any) -> Aff:
        return Aff.of(other) - self

    def __mul__(self, k: Any) -> Aff:
        k = np.asarray(k, dtype=float)
        return Aff([(c * k[..., None], v) for c, v in self.terms], self.const * k, raw=True)

    __rmul__ = __mul__

    def shape(self) -> tuple[int, ...]:
        return np.broadcast_shapes(self.const.shape, *(c.shape[:-1] for c, _ in self.terms),
                                   *(v.shape[:-1] for _, v in self.terms))

    def _full(self) -> tuple[tuple[int, ...], list[tuple[np.ndarray, np.ndarray]], np.ndarray]:
        shp = self.shape()
        full = []
        for c, v in self.terms:
            k = max(c.shape[-1], v.shape[-1])
            full.append((np.broadcast_to(c, (*shp, k)), np.broadcast_to(v, (*shp, k))))
        return shp, full, np.broadcast_to(self.const, shp)

    def __getitem__(self, idx: Any) -> Aff:
        """The rows ``idx`` (numpy indexing over the row dimensions)."""
        _, full, const = self._full()
        return Aff([(c[idx], v[idx]) for c, v in full], const[idx], raw=True)

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(coefficients rows x terms, labels rows x terms, constant per row), rows flattened."""
        shp, full, const = self._full()
        r = int(np.prod(shp)) if shp else 1
        if not full:
            return np.zeros((r, 0)), np.zeros((r, 0), dtype=np.int64), const.reshape(r).copy()
        c = np.concatenate([c.reshape(r, -1) for c, _ in full], axis=1)
        v = np.concatenate([v.reshape(r, -1) for _, v in full], axis=1).astype(np.int64)
        return c, np.where(c == 0, -1, v), const.reshape(r).copy()

    def per_step(self) -> Aff:
        """Rows ``(..., 1)``: a value per technology, to broadcast over the steps."""
        return Aff([(c[..., None, :], v[..., None, :]) for c, v in self.terms], self.const[..., None], raw=True)

    def sum0(self) -> Aff:
        """The sum over the first row dimension (e.g. over technologies, per step)."""
        shp, full, const = self._full()
        terms = [(np.moveaxis(c, 0, -2).reshape(*shp[1:], -1), np.moveaxis(v, 0, -2).reshape(*shp[1:], -1))
                 for c, v in full]
        return Aff(terms, const.sum(axis=0), raw=True)

    def total(self) -> Aff:
        """The sum of every row, as one row."""
        c, v, const = self.arrays()
        return Aff([(c.reshape(-1), v.reshape(-1))], const.sum(), raw=True)


def add_rows(m: linopy.Model, name: str, lhs: Aff, sign: str, rhs: Any = 0.0) -> None:
    """Add the block ``lhs (sign) rhs``, one row per element; rows without a variable are checked, not added."""
    sign = "=" if sign == "==" else sign
    coeffs, labels, const = lhs.arrays()
    right = np.broadcast_to(np.asarray(rhs, dtype=float), lhs.shape()).reshape(-1) - const
    live = (labels >= 0).any(axis=1)
    slack = 1e-6 * np.maximum(1.0, np.abs(right))
    bad = ~live & {"<=": right < -slack, ">=": right > slack, "=": np.abs(right) > slack}[sign]
    if bad.any():
        raise ValueError(f"{name}: a row without variables is infeasible")
    if not live.any():
        return
    dim = f"{name}_row"
    coords = {dim: np.arange(int(live.sum()))}
    expr = linopy.LinearExpression(xr.Dataset({"coeffs": ((dim, "_term"), coeffs[live]),
                                               "vars": ((dim, "_term"), labels[live])}, coords=coords), m)
    m.add_constraints(expr, sign, xr.DataArray(right[live], dims=dim, coords=coords), name=name)


class Case:
    """The linopy side of the network: labels of PyPSA's variables and of our own, by technology."""

    def __init__(self, n: pypsa.Network, inp: Inputs, cfg: Config):
        self.n, self.m, self.inp, self.cfg = n, n.model, inp, cfg
        self.t = inp.techs
        self.nt = len(inp.time)
        self.w = np.asarray(inp.weight_h, dtype=float)
        self.costs: list[Aff] = []
        self.energy_cap: dict[str, Aff] = {}  # typical days: storage energy capacity, our own variable

    def labels(self, var: str, names: list[str]) -> np.ndarray:
        """(names x steps) labels of a PyPSA variable over the snapshots, or (names,) of a capacity."""
        lab = self.m.variables[var].labels.sel(name=names)
        if "snapshot" in lab.dims:
            return lab.transpose("name", "snapshot").values
        return lab.values

    def p(self, names: list[str]) -> Aff:
        """Output of Generators (names x steps)."""
        return Aff([(1.0, self.labels("Generator-p", names))])

    def link_p(self, names: list[str]) -> Aff:
        """Input (``p0``) of Links (names x steps)."""
        return Aff([(1.0, self.labels("Link-p", names))])

    def own(self, name: str, keys: list[str], lower: Any = 0.0, upper: Any = np.inf, steps: int | None = None) -> Aff:
        """A variable of our own over keys (x ``steps``, default every step; 0: no step dimension)."""
        steps = self.nt if steps is None else steps
        coords = [pd.Index(keys, name=f"{name}_key")]
        if steps:
            coords.append(pd.RangeIndex(steps, name=f"{name}_step"))
        shape = tuple(len(c) for c in coords)
        v = self.m.add_variables(lower=np.broadcast_to(np.asarray(lower, dtype=float), shape).copy(),
                                 upper=np.broadcast_to(np.asarray(upper, dtype=float), shape).copy(),
                                 coords=coords, name=name)
        return Aff([(1.0, v.labels.values)])

    def cap(self, keys: list[str]) -> Aff:
        """Total power capacity of technologies (keys,): PyPSA's p_nom where it is a decision, else P^0."""
        t = self.t
        const = np.array([0.0 if _extendable(self.inp, k) else float(t.at[k, "existing_mw"]) for k in keys])
        lab = np.full(len(keys), -1, dtype=np.int64)
        for j, k in enumerate(keys):
            if _extendable(self.inp, k):
                lab[j] = (self.labels("Link-p_nom", [f"{k}_charge"]) if t.at[k, "kind"] == "storage"
                          else self.labels("Generator-p_nom", [k]))[0]
        return Aff([((lab >= 0).astype(float), np.maximum(lab, 0))], const)

    def cap_energy(self, s: str) -> Aff:
        """Total energy capacity of storage ``s`` (a one-element Aff)."""
        if s in self.energy_cap:
            return self.energy_cap[s]
        if not self.t.at[s, "extendable"]:
            return Aff(const=np.array([float(self.t.at[s, "existing_mwh"])]))
        return Aff([(np.ones(1), self.labels("Store-e_nom", [s]))])

    def annual(self, coef: dict[str, float]) -> Aff:
        """sum_k coef_k sum_t w_t p_{k,t} over Generators, one row."""
        coef = {k: c for k, c in coef.items() if c != 0}
        if not coef:
            return Aff()
        names = list(coef)
        return (self.p(names) * (np.array([coef[k] for k in names])[:, None] * self.w[None, :])).total()

    def objective(self) -> float:
        """Add our own cost terms to PyPSA's objective; returns their constant part (CNY/yr)."""
        if not self.costs:
            return 0.0
        rows = [a.total() for a in self.costs]
        coeffs = np.concatenate([a.terms[0][0] for a in rows if a.terms])
        labels = np.concatenate([a.terms[0][1] for a in rows if a.terms]).astype(np.int64)
        keep = (coeffs != 0) & (labels >= 0)
        extra = linopy.LinearExpression(xr.Dataset({"coeffs": (("_term",), coeffs[keep]),
                                                    "vars": (("_term",), labels[keep])}), self.m)
        self.m.add_objective(self.m.objective.expression + extra, overwrite=True)
        return float(sum(float(a.const) for a in rows))


def _pos(keys: list[str], sub: list[str]) -> np.ndarray:
    return np.array([keys.index(k) for k in sub], dtype=np.int64)


def _cycles(inp: Inputs) -> tuple[np.ndarray, dict[int, int], int]:
    """Steps with a predecessor (T^+), first step of each cycle -> its last, steps per cycle."""
    n = len(inp.time)
    spd = inp.steps_per_day if inp.day_sequence is not None else n
    t1 = np.array([i for i in range(n) if i % spd], dtype=np.int64)
    return t1, {d: d + spd - 1 for d in range(0, n, spd)}, spd


def add_constraints(n: pypsa.Network, inputs: Inputs, config: Config) -> float:
    """Add to ``n.model`` what PyPSA has no component for; returns the constant of our own cost terms."""
    inp, cfg = inputs, config
    c = Case(n, inp, cfg)
    t = inp.techs
    pol = cfg.policy
    linked = inp.day_sequence is not None
    t1, firsts, spd = _cycles(inp)
    reserve_on = pol.operating_reserve is not None
    reserve_terms: list[Aff] = []  # (providers x steps) blocks of upward reserve

    # ---- CHP regions (heat.py)
    chp = [g for g in t.index if t.at[g, "kind"] == "generator" and t.at[g, "chp_mode"]]
    heat = {g: c.p([g + HEAT])[0] for g in chp}
    cb = {g: float(t.at[g, "power_to_heat"]) for g in chp}
    cv = {g: float(t.at[g, "power_loss_per_heat"]) for g in chp}

    def cond_out(gs: list[str]) -> Aff:
        """p + c_v h of generators (x steps): the condensing-equivalent output (p alone without heat)."""
        out = c.p(gs)
        rows = [j for j, g in enumerate(gs) if g in heat and cv[g] != 0]
        if rows:
            lab = np.full((len(gs), c.nt), -1, dtype=np.int64)
            coef = np.zeros((len(gs), 1))
            for j in rows:
                lab[j] = heat[gs[j]].terms[0][1][..., 0]
                coef[j] = cv[gs[j]]
            out = out + Aff([(coef, np.maximum(lab, 0))])
        return out

    for g in chp:
        if t.at[g, "chp_mode"] == "back_pressure":
            add_rows(c.m, f"{g}-chp_backpressure", c.p([g])[0] - cb[g] * heat[g], "=")
        else:
            add_rows(c.m, f"{g}-chp_line", c.p([g])[0] - cb[g] * heat[g], ">=")
            if not _committed(inp, cfg, g):
                a = availability(inp, g)
                limit = a * float(t.at[g, "existing_mw"]) if not _extendable(inp, g) else a * c.cap([g])[0]
                add_rows(c.m, f"{g}-chp_max", cond_out([g])[0] - limit, "<=")

    # ---- unit commitment (commitment.py) and the flexibility retrofit (retrofit.py)
    uc = [g for g in t.index if t.at[g, "kind"] == "generator" and _committed(inp, cfg, g)]
    if uc:
        avail = np.array([availability(inp, g) for g in uc])
        must = np.array([float(t.at[g, "must_run_frac"]) for g in uc])[:, None]
        fixed = np.array([not _extendable(inp, g) for g in uc])[:, None]
        p0 = np.array([float(t.at[g, "existing_mw"]) for g in uc])[:, None]
        u = c.own("uc_committed", uc, np.where(fixed, must * avail * p0, 0.0), np.where(fixed, avail * p0, np.inf))
        v = c.own("uc_startup", uc)
        ext = [g for g in uc if _extendable(inp, g)]
        if ext:
            j = _pos(uc, ext)
            cap_t = c.cap(ext).per_step() * avail[j]
            add_rows(c.m, "uc_avail", u[j] - cap_t, "<=")
            mj = [i for i, g in zip(j, ext, strict=True) if float(t.at[g, "must_run_frac"]) > 0]
            if mj:
                k = [list(j).index(i) for i in mj]
                add_rows(c.m, "uc_must_run", u[np.array(mj)] - cap_t[np.array(k)] * must[np.array(mj)], ">=")
        out = cond_out(uc)
        add_rows(c.m, "uc_max", out - u, "<=")
        offered = [g for g in uc if cfg.economics.capacity_expansion and t.at[g, "flex_retrofit_min_stable_frac"] > 0
                   and t.at[g, "existing_mw"] > 0]
        with_min = [g for g in uc if t.at[g, "min_stable_frac"] > 0 and g not in offered]
        mu = np.array([float(t.at[g, "min_stable_frac"]) for g in uc])[:, None]
        if with_min:
            j = _pos(uc, with_min)
            add_rows(c.m, "uc_min", out[j] - u[j] * mu[j], ">=")
        add_rows(c.m, "uc_start", v[:, t1] - u[:, t1] + u[:, t1 - 1], ">=")
        f0 = np.array(list(firsts), dtype=np.int64)
        f1 = np.array(list(firsts.values()), dtype=np.int64)
        add_rows(c.m, "uc_start_first", v[:, f0] - u[:, f0] + u[:, f1], ">=")
        if pol.min_up_down_times:
            _up_down(c, inp, uc, u, v, avail, spd)
        occurs = c.w / np.asarray(inp.step_h, dtype=float)
        sigma = np.array([float(t.at[g, "startup_cost_cny_per_mw"]) for g in uc])[:, None]
        c.costs.append(v * (sigma * occurs[None, :]))
        if offered:
            j = _pos(uc, offered)
            hi = [min(float(t.at[g, "existing_mw"]), float(t.at[g, "flex_retrofit_max_mw"])) for g in offered]
            x = c.own("flex_mw", offered, 0.0, np.array(hi), steps=0)
            y = c.own("flex_online", offered)
            gain = np.array([float(t.at[g, "min_stable_frac"] - t.at[g, "flex_retrofit_min_stable_frac"])
                             for g in offered])[:, None]
            add_rows(c.m, "flex_min", c.p(offered) - u[j] * mu[j] + y * gain, ">=")
            add_rows(c.m, "flex_cap", y - x.per_step(), "<=")
            add_rows(c.m, "flex_committed", y - u[j], "<=")
            cost = np.array([crf(cfg.economics.discount_rate, float(t.at[g, "flex_retrofit_lifetime_yr"]))
                             * float(t.at[g, "flex_retrofit_capex_cny_per_kw"]) * KW_PER_MW for g in offered])
            c.costs.append(x * cost)
        res = [g for g in uc if t.at[g, "reserve_frac"] > 0]
        if reserve_on and res:
            j = _pos(uc, res)
            r = c.own("reserve_gen", res)
            add_rows(c.m, "reserve_headroom", r + out[j] - u[j], "<=")
            part = [i for i, g in enumerate(res) if t.at[g, "reserve_frac"] < 1]
            if part:
                frac = np.array([float(t.at[res[i], "reserve_frac"]) for i in part])[:, None]
                add_rows(c.m, "reserve_rate", r[np.array(part)] - u[j[np.array(part)]] * frac, "<=")
            reserve_terms.append(r)

    # ---- ramps within each typical day (chronological runs: PyPSA's ramp limits)
    if linked:
        ramped = [k for k in t.index if t.at[k, "kind"] in ("generator", "import")
                  and not math.isnan(_ramp_per_step(inp, cfg, k))]
        if ramped:
            p = c.p(ramped)
            lim = c.cap(ramped).per_step() * np.array([_ramp_per_step(inp, cfg, k) for k in ramped])[:, None]
            add_rows(c.m, "ramp_up", p[:, t1] - p[:, t1 - 1] - lim, "<=")
            add_rows(c.m, "ramp_down", p[:, t1 - 1] - p[:, t1] - lim, "<=")

    # ---- storage (storage.py, capacity.py)
    firm: list[tuple[str, Aff]] = []
    stores = inp.of_kind("storage")
    for s in stores:
        if linked:
            _linked_storage(c, inp, cfg, s, spd)
        eta_d = float(t.at[s, "efficiency_discharge"])
        p_s = c.cap([s])
        e_s = c.cap_energy(s)
        if _extendable(inp, s):
            dis = Aff([(np.ones(1), c.labels("Link-p_nom", [f"{s}_discharge"]))])
            add_rows(c.m, f"{s}-power_tie", p_s - dis * eta_d, "=")
        d_min, d_max = float(t.at[s, "min_duration_h"]), float(t.at[s, "max_duration_h"])
        if d_min > 0:
            add_rows(c.m, f"{s}-duration_min", e_s - p_s * d_min, ">=")
        if not math.isinf(d_max):
            add_rows(c.m, f"{s}-duration_max", e_s - p_s * d_max, "<=")
        credit = float(t.at[s, "firm_capacity_credit"])
        if credit > 0:
            f = c.own(f"{s}-firm_mw", [s], steps=0)
            add_rows(c.m, f"{s}-firm_power", f - p_s, "<=")
            add_rows(c.m, f"{s}-firm_energy", f * float(t.at[s, "firm_duration_h"]) - e_s, "<=")
            firm.append((s, f * credit))
    res_s = [s for s in stores if t.at[s, "reserve_frac"] > 0]
    if reserve_on and res_s:
        r = c.own("reserve_storage", res_s)
        eta = np.array([float(t.at[s, "efficiency_discharge"]) for s in res_s])[:, None]
        frac = np.array([float(t.at[s, "reserve_frac"]) for s in res_s])[:, None]
        q_d = c.link_p([f"{s}_discharge" for s in res_s]) * eta
        q_c = c.link_p([f"{s}_charge" for s in res_s])
        add_rows(c.m, "reserve_storage_power", r + q_d - q_c - c.cap(res_s).per_step() * frac, "<=")
        if not linked:
            e = Aff([(1.0, c.labels("Store-e", res_s))])
            add_rows(c.m, "reserve_storage_energy", r - e * eta, "<=")
        reserve_terms.append(r)

    # ---- demand response (demand_response.py): its reserve
    res_dr = [k for k in inp.of_kind("demand_response") if t.at[k, "reserve_frac"] > 0]
    if reserve_on and res_dr:
        r = c.own("reserve_dr", res_dr)
        a = np.array([availability(inp, k) for k in res_dr]) * np.array(
            [float(t.at[k, "reserve_frac"]) for k in res_dr])[:, None]
        add_rows(c.m, "dr_reserve_max", r + c.p(res_dr) - c.cap(res_dr).per_step() * a, "<=")
        reserve_terms.append(r)

    # ---- operating reserve (operating_reserve.py)
    if reserve_on:
        need = np.array(requirement_mw(inp, cfg))
        total = Aff(const=np.zeros(c.nt))
        for r in reserve_terms:
            total = total + r.sum0()
        short = pol.operating_reserve.shortfall_cny_per_mw_h
        if short is not None:
            sf = c.own("reserve_shortfall", ["system"], 0.0, need[None, :])
            total = total + sf[0]
            c.costs.append(sf * (short * c.w[None, :]))
        if total.terms or need.max(initial=0.0) > 0:
            add_rows(c.m, "operating_reserve", total, ">=", need)

    # ---- import corridors (imports.py): bounds of extendable ones, schedules, blocks, the import limit
    corridors = inp.of_kind("import")
    for k in corridors:
        if not _extendable(inp, k):
            continue  # p_min_pu / p_max_pu
        lo, hi = power_bounds(inp, k)
        if (lo > 0).any():
            add_rows(c.m, f"{k}-power_min", c.p([k])[0][np.flatnonzero(lo > 0)], ">=", lo[lo > 0])
        if np.isfinite(hi).any():
            add_rows(c.m, f"{k}-power_max", c.p([k])[0][np.flatnonzero(np.isfinite(hi))], "<=", hi[np.isfinite(hi)])
    hours = month_hours(inp.year)
    for k, sched in inp.schedules.items():
        y = c.p([k])[0]
        if linked:  # a typical day stands for days of several months: the year's sum of the months
            lo_y = float(sched["energy_min_mwh"].sum())
            if lo_y > 0:
                add_rows(c.m, f"{k}-year_min", (y * c.w).total(), ">=", lo_y)
            if len(sched) == 12 and sched["energy_max_mwh"].notna().all():
                add_rows(c.m, f"{k}-year_max", (y * c.w).total(), "<=", float(sched["energy_max_mwh"].sum()))
            continue
        for month, row in sched.iterrows():
            wts = inp.month_weight_h[int(month) - 1]
            tot = float(wts.sum())
            if tot <= 0:
                continue
            steps = np.flatnonzero(wts)
            avg = (y[steps] * (wts[steps] / tot)).total()
            mo = int(month)
            if not math.isnan(row["energy_min_mwh"]):
                add_rows(c.m, f"{k}-month_min_{mo}", avg, ">=", float(row["energy_min_mwh"]) / hours[mo])
            if not math.isnan(row["energy_max_mwh"]):
                add_rows(c.m, f"{k}-month_max_{mo}", avg, "<=", float(row["energy_max_mwh"]) / hours[mo])
    day = inp.time.normalize()
    t1set = set(t1.tolist())
    for k in corridors:
        if not t.at[k, "schedule_shape"]:
            continue
        per = inp.periods[k]
        same = np.array([i for i in range(len(per)) if i in t1set and per[i] == per[i - 1] and day[i] == day[i - 1]],
                        dtype=np.int64)
        y = c.p([k])[0]
        if same.size:
            add_rows(c.m, f"{k}-block", y[same] - y[same - 1], "=")
        ratio = float(t.at[k, "valley_peak_ratio_min"])
        pairs = _valley_peak_pairs(inp, per) if ratio > 0 else []
        if pairs:
            tv, tp = (np.array(x, dtype=np.int64) for x in zip(*pairs, strict=True))
            add_rows(c.m, f"{k}-valley_peak", y[tv] - y[tp] * ratio, ">=")
    limit = resolve_target(pol.import_limit_mw, inp.targets, unit="MW", field="policy.import_limit_mw")
    if limit is not None and corridors:
        add_rows(c.m, "import_capability", c.p(corridors).sum0(), "<=", float(limit))

    # ---- transmission (transmission.py): one capacity both ways; firm capacity carried for a zonal margin
    links = inp.links if inp.links is not None and not inp.links.empty else None
    zonal = pol.reserve_margin is not None and pol.reserve_margin_scope == "zone" and len(inp.zones) > 1
    transfer: list[tuple[str, str, Aff, float]] = []
    if links is not None:
        for lk in links.index:
            keep = 1.0 - float(links.at[lk, "loss_frac"])
            if bool(links.at[lk, "extendable"]):
                fwd, bwd = (Aff([(np.ones(1), c.labels("Link-p_nom", [f"{lk}{d}"]))]) for d in "><")
                add_rows(c.m, f"{lk}-capacity_tie", bwd - fwd, "=")
            else:
                fwd = Aff(const=np.array([float(links.at[lk, "existing_mw"])]))
            if zonal:
                rf, rb = c.own(f"{lk}-firm_fwd", [lk], steps=0), c.own(f"{lk}-firm_bwd", [lk], steps=0)
                add_rows(c.m, f"{lk}-firm_max_fwd", rf - fwd, "<=")
                add_rows(c.m, f"{lk}-firm_max_bwd", rb - fwd, "<=")
                a_z, b_z = links.at[lk, "zone_a"], links.at[lk, "zone_b"]
                transfer += [(a_z, b_z, rf, keep), (b_z, a_z, rb, keep)]

    _policies(c, inp, cfg, firm, transfer, zonal)
    return c.objective()


def _up_down(c: Case, inp: Inputs, uc: list[str], u: Aff, v: Aff, avail: np.ndarray, spd: int) -> None:
    """Minimum up and down times (windows of k steps inside the cycle)."""
    t = inp.techs
    dt = float(inp.step_h[0])
    for what, attr in (("up", "min_up_h"), ("down", "min_down_h")):
        for j, g in enumerate(uc):
            k = window_steps(float(t.at[g, attr]), dt)
            if k <= 1:
                continue
            first = k - 1 if what == "up" else k
            steps = np.array([i for i in range(c.nt) if i % spd >= first], dtype=np.int64)
            if not steps.size:
                continue
            started = v[j][steps]
            for back in range(1, k):
                started = started + v[j][steps - back]
            if what == "up":
                add_rows(c.m, f"{g}-uc_up", u[j][steps] - started, ">=")
            else:
                cap = c.cap([g])[0] * avail[j][steps]
                add_rows(c.m, f"{g}-uc_down", cap - u[j][steps - k] - started, ">=")


def _linked_storage(c: Case, inp: Inputs, cfg: Config, s: str, spd: int) -> None:
    """Typical days linked through the calendar (storage.py ``_add_linked_days``).

    The Store's level :math:`e_t` runs on from zero through the typical days, so the change since the
    start of typical day :math:`k` is :math:`x_t = e_t - \\kappa^{j+1} e_{s-1}` (:math:`s` its first step,
    :math:`j = t - s`, :math:`e_{-1} = 0`): our intra-day state, on which the calendar rows are stated.
    """
    t = inp.techs
    seq = np.asarray(inp.day_sequence, dtype=np.int64)
    n_typ = c.nt // spd
    keep = (1.0 - float(t.at[s, "standing_loss_frac_per_h"])) ** float(inp.step_h[0])
    e_lab = c.labels("Store-e", [s])[0]
    steps = np.arange(c.nt)
    start = (steps // spd) * spd
    coef = np.where(start > 0, -keep ** (steps - start + 1), 0.0)
    x = Aff([(1.0, e_lab), (coef, e_lab[np.maximum(start - 1, 0)])])
    e0 = float(t.at[s, "existing_mwh"])
    if t.at[s, "extendable"]:
        cap = c.own(f"{s}-e_nom", [s], e0, np.inf, steps=0)
        c.energy_cap[s] = cap
        ce = _capex_energy(inp, cfg, s)
        if ce > 0:
            c.costs.append(cap * ce)
    else:
        cap = c.cap_energy(s)
        add_rows(c.m, f"{s}-soc_max", x, "<=", e0)
        add_rows(c.m, f"{s}-soc_min", x, ">=", -e0)
    hi = c.own(f"{s}-soc_hi", [s], -np.inf, np.inf, steps=n_typ)[0]
    lo = c.own(f"{s}-soc_lo", [s], -np.inf, np.inf, steps=n_typ)[0]
    day = c.own(f"{s}-soc_day", [s], 0.0, np.inf, steps=len(seq) + 1)[0]
    add_rows(c.m, f"{s}-soc_hi_def", hi[steps // spd] - x, ">=")
    add_rows(c.m, f"{s}-soc_lo_def", lo[steps // spd] - x, "<=")
    d = np.arange(len(seq))
    add_rows(c.m, f"{s}-soc_day_link", day[d + 1] - day[d] * keep ** spd - x[seq * spd + spd - 1], "=")
    add_rows(c.m, f"{s}-soc_day_cyclic", day[np.array([len(seq)])] - day[np.array([0])], "=")
    add_rows(c.m, f"{s}-soc_day_max", day[d] + hi[seq] - cap.per_step()[0], "<=")
    add_rows(c.m, f"{s}-soc_day_min", day[d] * keep ** spd + lo[seq], ">=")


def _policies(c: Case, inp: Inputs, cfg: Config, firm: list[tuple[str, Aff]],
              transfer: list[tuple[str, str, Aff, float]], zonal: bool) -> None:
    """Reserve margin, capacity targets, shares, clean electricity, CO2 cap, gas supply (the policy families)."""
    t = inp.techs
    pol = cfg.policy
    fl = flows(inp, cfg)

    # reserve margin (reserve.py)
    if pol.reserve_margin is not None:
        for k in t.index:
            credit = float(t.at[k, "firm_capacity_credit"])
            if credit > 0 and t.at[k, "kind"] != "storage":
                firm.append((k, c.cap([k]) * credit))
        if not zonal:
            need = (1.0 + pol.reserve_margin) * float(inp.peak_load_mw.sum())
            add_rows(c.m, "policy-reserve_margin", sum((a.total() for _, a in firm), Aff()).total(), ">=", need)
        else:
            for z in inp.zones:
                terms = [a for k, a in firm if t.at[k, "zone"] == z]
                terms += [r * kept for src, dst, r, kept in transfer if dst == z]
                terms += [-r for src, dst, r, _ in transfer if src == z]
                need = (1.0 + pol.reserve_margin) * float(inp.peak_load_mw[z])
                add_rows(c.m, f"policy-reserve_margin_{z}", sum((a.total() for a in terms), Aff()).total(), ">=", need)

    # capacity targets (targets.py)
    for i, tgt in enumerate(pol.capacity_targets):
        energy = tgt.measure == "energy"
        value = resolve_target(tgt, inp.targets, unit="MWh" if energy else "MW", field=f"policy.capacity_targets.{i}")
        if value is None or not tgt.enforce:
            continue
        lhs = Aff()
        for k in tgt.technologies:
            if energy:
                lhs = lhs + (c.cap_energy(k) - (float(t.at[k, "existing_mwh"]) if tgt.new_only else 0.0)).total()
            else:
                lhs = lhs + (c.cap([k]) - (float(t.at[k, "existing_mw"]) if tgt.new_only else 0.0)).total()
        lhs = lhs.total()
        if tgt.sense == "==" and tgt.tolerance > 0:
            add_rows(c.m, f"policy-cap_{tgt.name}_min", lhs, ">=", value * (1 - tgt.tolerance))
            add_rows(c.m, f"policy-cap_{tgt.name}_max", lhs, "<=", value * (1 + tgt.tolerance))
        else:
            add_rows(c.m, f"policy-cap_{tgt.name}", lhs, tgt.sense, value)

    # shares (shares.py), on the accounts of every Generator that counts
    acc = {a: {k: f.accounts.get(a, 0.0) for k, f in fl.items()} for a in ("coal", "nonfossil", "total",
                                                                          "clean_electricity")}
    exo = exogenous_tce(cfg)
    ref = pol.coal_share_max
    share = resolve_target(ref, inp.targets, unit="per-unit", field="policy.coal_share_max")
    if share is not None and ref.enforce:
        coef = {k: acc["coal"][k] - share * acc["total"][k] for k in fl}
        add_rows(c.m, "policy-coal_share", c.annual(coef), "<=", share * exo["total"] - exo["coal"])
    ref = pol.nonfossil_share_min
    share = resolve_target(ref, inp.targets, unit="per-unit", field="policy.nonfossil_share_min")
    if share is not None and ref.enforce:
        coef = {k: acc["nonfossil"][k] - share * acc["total"][k] for k in fl}
        add_rows(c.m, "policy-nonfossil_share", c.annual(coef), ">=", share * exo["total"] - exo["nonfossil"])
    ref = pol.clean_electricity_share_min
    share = resolve_target(ref, inp.targets, unit="per-unit", field="policy.clean_electricity_share_min")
    if share is not None and ref.enforce:
        load = float((inp.load_mw.sum(axis=1).to_numpy() * inp.weight_h).sum())
        add_rows(c.m, "policy-clean_electricity_share", c.annual(acc["clean_electricity"]), ">=", share * load)

    # CO2 cap (carbon.py)
    ref = pol.co2_cap_t
    cap = resolve_target(ref, inp.targets, unit="tCO2/yr", field="policy.co2_cap_t")
    if cap is not None and ref.enforce:
        other = non_power_co2_t(inp, cfg) if pol.co2_scope == "city" else 0.0
        add_rows(c.m, "policy-co2_cap", c.annual({k: f.co2 for k, f in fl.items()}), "<=", cap - (other or 0.0))

    # gas supply (gas_supply.py)
    gs = pol.gas_supply
    if gs is not None and gs.pipeline_bcm.enabled and gs.carrier in inp.carriers.index and gs.pipeline_bcm.enforce:
        r = gs.pipeline_bcm
        pipe = r.value * 1e9 if r.value is not None else resolve_target(r, inp.targets, unit="m3/yr",
                                                                         field="policy.gas_supply.pipeline_bcm")
        tce_per_m3 = gs.kgce_per_m3 * 1e-3
        use = c.annual({k: f.fuel / tce_per_m3 for k, f in fl.items() if f.carrier == gs.carrier and f.fuel > 0})
        lng = c.own("gas_lng_m3", ["lng"], 0.0, gs.lng_bcm_max * 1e9, steps=0)
        if gs.lng_premium_cny_per_m3 > 0:
            c.costs.append(lng * gs.lng_premium_cny_per_m3)
        add_rows(c.m, "policy-gas_supply", use - lng.total(), "<=",
                 pipe - non_power_tce(cfg).get("gas", 0.0) / tce_per_m3)


def create_model(n: pypsa.Network, inputs: Inputs, config: Config) -> Any:
    """``n.optimize.create_model`` (no objective constant) plus :func:`add_constraints`."""
    model = n.optimize.create_model(include_objective_constant=False)
    if add_constraints(n, inputs, config) != 0.0:  # pragma: no cover - our cost terms are all linear
        raise RuntimeError("a cost term of add_constraints has a constant part, which objective_constant omits")
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
