"""Results as an xarray Dataset: extraction from a solved model, writing and reading.

Everything a report needs is in one NetCDF file per run (``results/<scenario>/results.nc``), with
the resolved config, the inputs hash, package and solver versions, solver status and timings as
attributes. ``summary.csv`` and ``summary.json`` beside it hold the headline table.
"""

from __future__ import annotations

import json
import logging
import math
import platform
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyomo.core as pyo
import xarray as xr
import yaml
from pyomo.common.numeric_types import native_numeric_types
from pyomo.core.base.var import VarData
from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression, ProductExpression, SumExpression

from optimizer import RESULTS_SCHEMA_VERSION, __version__, calibration, plausibility
from optimizer.config import Config
from optimizer.errors import InputError
from optimizer.inputs import Inputs
from optimizer.inputs.loader import heat_network
from optimizer.inputs.techtable import SUPPLY_KINDS
from optimizer.model.dispatch import availability, emission_factor_t_per_mwh
from optimizer.model.imports import import_price
from optimizer.model.operating_reserve import requirement_mw
from optimizer.outputs import RESULT_FILES, built_in_place, check_output_dir, make_parent, remove_stale
from optimizer.solve import SolveResult
from optimizer.vector_compile import in_index_order

log = logging.getLogger(__name__)

COST_COMPONENTS = ("capex", "fom", "vom", "fuel", "startup", "import", "carbon", "reserve", "unserved")


def _values(var: Any, keys: list[Any]) -> np.ndarray:
    out = np.empty(len(keys))
    for j, k in enumerate(keys):
        v = var[k].value
        out[j] = 0.0 if v is None else v
    return out


def _grid(var: Any, names: list[str], n: int) -> np.ndarray:
    """(time, name) array of a variable indexed by (name, t); a variable without a value counts 0."""
    index = var.index_set()
    factors = list(index.subsets()) if index.dimen == 2 else []
    if len(factors) == 2 and len(factors[1]) == n and len(var) == len(index) == len(factors[0]) * n:
        keys = factors[0]
        # the data objects in index order (name-major, then the steps), read in one pass
        values = np.array([d.value for d in in_index_order(var)], dtype=float).reshape(len(keys), n)
        at = {k: j for j, k in enumerate(keys)}
        out = values[[at[name] for name in names]].T if names else np.zeros((n, 0))
        return np.where(np.isnan(out), 0.0, out)
    out = np.zeros((n, len(names)))  # pragma: no cover - every hourly variable is a dense (name, step) grid
    for j, name in enumerate(names):
        for i in range(n):
            v = var[name, i].value
            out[i, j] = 0.0 if v is None else v
    return out


def _entry_sums(groups: dict[Any, list[Any]], n: int) -> dict[Any, np.ndarray]:
    """Each group's ``sum(coefficient * var[key, t])`` over its (coefficient, var, key) entries, per step; every
    variable is read once."""
    keys: dict[int, tuple[Any, list[Any]]] = {}
    for entries in groups.values():
        for _, var, key in entries:
            keys.setdefault(id(var), (var, []))[1].append(key)
    grids = {i: dict(zip(ks, _grid(var, ks, n).T, strict=True)) for i, (var, ks) in keys.items()}
    return {g: sum((c * grids[id(var)][key] for c, var, key in entries), np.zeros(n)) for g, entries in groups.items()}


def _floors(reg: Any, techs: list[str], kinds: list[str], cap_total: dict[str, float], n: int) -> np.ndarray:
    """(time, technology) lowest output of each technology: the highest of the floors its families registered
    (:meth:`optimizer.model.registry.Registry.add_floor`), zero without one, NaN for heat-only boilers."""
    sums = _entry_sums({(k, i): f.entries for k in techs for i, f in enumerate(reg.floors.get(k, []))}, n)
    out = np.zeros((n, len(techs)))
    for j, (k, kind) in enumerate(zip(techs, kinds, strict=True)):
        if kind == "boiler":
            out[:, j] = np.nan
        elif reg.floors.get(k):
            out[:, j] = np.max([sums[k, i] + f.capacity * cap_total[k] + f.mw for i, f in enumerate(reg.floors[k])],
                               axis=0)
    return out


class _NoValue(Exception):
    """A variable without a value: the expression has none (as ``pyo.value(..., exception=False)``)."""


class _Values:
    """Values of the registry's expressions after a solve, several times faster than ``pyo.value``.

    The annual cost, emission and account terms are sums of coefficient x variable over every step,
    often wrapped as ``factor x named expression`` (``vom x gen_mwh[g]``), and the same named
    expression recurs in several terms. Sums, products and monomials are evaluated here directly,
    named expressions once each; anything else goes to ``pyo.value``. An expression with a variable
    that has no value counts 0.0, as before.
    """

    def __init__(self) -> None:
        self._named: dict[int, float] = {}

    def __call__(self, expr: Any) -> float:
        try:
            return float(self._value(expr))
        except _NoValue:
            return 0.0

    def _value(self, e: Any) -> float:
        cls = e.__class__
        if cls in native_numeric_types:
            return e
        if cls in _SUMS:
            total = 0.0
            for a in e.args:
                if a.__class__ is MonomialTermExpression:
                    coef, var = a.args
                    v = var.value
                    if v is not None and coef.__class__ in native_numeric_types:
                        total += coef * v
                        continue
                total += self._value(a)
            return total
        if cls is MonomialTermExpression or cls is ProductExpression:
            a, b = e.args
            return self._value(a) * self._value(b)
        if isinstance(e, VarData):
            if e.value is None:
                raise _NoValue
            return e.value
        named = getattr(e, "is_named_expression_type", None)
        if named is not None and named():
            key = id(e)
            if key not in self._named:
                self._named[key] = self._value(e.expr)
            return self._named[key]
        v = pyo.value(e, exception=False)
        if v is None:
            raise _NoValue
        return v


_SUMS = (SumExpression, LinearExpression)


def versions() -> dict[str, str]:
    import netCDF4
    import pyomo

    from optimizer.solve import new_highs

    hs = new_highs()
    try:
        from importlib.metadata import version

        extras = version("highspy-extras")
    except Exception:  # not installed: HiGHS falls back to IPX for 'ipm'
        extras = "not installed"
    return {
        "highspy_extras": extras,
        "optimizer": __version__,
        "python": platform.python_version(),
        "pyomo": pyomo.__version__,
        "highs": hs.version(),
        "xarray": xr.__version__,
        "pandas": pd.__version__,
        "numpy": np.__version__,
        "netcdf4": netCDF4.__version__,
    }


def display_coords(t: pd.DataFrame) -> dict[str, tuple[str, list[str]]]:
    """The technologies' display names and colours as the technology table gives them, as coordinates on
    ``technology`` (an empty one: the report's own)."""
    return {f"technology_{c}": ("technology", t[c].astype(str).tolist()) for c in ("name_en", "name_zh", "color")}


def extract(m: pyo.ConcreteModel, inp: Inputs, cfg: Config, sol: SolveResult,
            times: dict[str, float]) -> xr.Dataset:
    """Collect the solution of ``m`` into a Dataset (annual quantities are per year)."""
    reg = m.registry
    _val = _Values()
    n = len(inp.time)
    techs = list(inp.techs.index)
    gens, stores, corridors = list(m.G), list(m.S), list(m.I)
    zones = list(inp.zones)
    t = inp.techs
    w = inp.weight_h

    existing = t["existing_mw"].to_numpy(dtype=float)
    new = _values(m.new_mw, techs)
    # cost owners: the technologies, unserved energy, and any other owner a family registered (reserve shortfall)
    owners = [*techs, "unserved"]
    owners += list(dict.fromkeys(c.technology for c in reg.costs if c.technology not in owners))
    coords: dict[str, Any] = {
        "time": ("time", inp.time.values),
        "zone": ("zone", zones),
        "technology": ("technology", techs),
        "kind": ("technology", t["kind"].tolist()),
        "technology_zone": ("technology", t["zone"].tolist()),
        "carrier": ("technology", t["carrier"].tolist()),
        **display_coords(t),
        "generator": ("generator", gens),
        "storage": ("storage", stores),
        "corridor": ("corridor", corridors),
        "component": ("component", list(COST_COMPONENTS)),
        "owner": ("owner", owners),
    }
    data: dict[str, Any] = {}

    def put(name: str, dims: tuple[str, ...], values: Any, units: str, long_name: str) -> None:
        data[name] = xr.Variable(dims, np.asarray(values, dtype=float),
                                 attrs={"units": units, "long_name": long_name})

    put("load_mw", ("time", "zone"), inp.load_mw[zones].to_numpy(), "MW", "load")
    put("peak_load_hourly_mw", ("zone",), inp.peak_load_mw[zones].to_numpy(), "MW",
        "each zone's peak load in the hourly data, before averaging or typical days (what the reserve margin uses)")
    put("weight_h", ("time",), w, "h", "hours of the year each step stands for")
    put("step_h", ("time",), inp.step_h, "h", "duration of the step")
    put("capacity_existing_mw", ("technology",), existing, "MW", "capacity in service before the study year")
    put("capacity_new_mw", ("technology",), new, "MW", "new capacity built")
    put("capacity_total_mw", ("technology",), existing + new, "MW", "total capacity")
    e_exist = t.loc[stores, "existing_mwh"].to_numpy(dtype=float)
    e_new = _values(m.new_mwh, stores)
    put("energy_capacity_existing_mwh", ("storage",), e_exist, "MWh", "storage energy capacity in service")
    put("energy_capacity_new_mwh", ("storage",), e_new, "MWh", "new storage energy capacity")
    put("energy_capacity_total_mwh", ("storage",), e_exist + e_new, "MWh", "total storage energy capacity")

    # the hourly variables the families registered (generation, storage, imports, commitment, heat, ...)
    for name, out in reg.outputs.items():
        if out.dim not in coords:
            coords[out.dim] = (out.dim, [str(k) for k in out.keys])
        elif list(coords[out.dim][1]) != [str(k) for k in out.keys]:  # pragma: no cover - a programming error
            raise ValueError(f"output {name}: dimension {out.dim} registered with other keys")
        put(name, ("time", out.dim), _grid(out.var, out.keys, n) if out.keys else np.zeros((n, 0)), out.unit,
            out.long_name)
    for name, ann in reg.annual.items():  # annual quantities per key (link capacities, ...)
        if ann.dim not in coords:
            coords[ann.dim] = (ann.dim, [str(k) for k in ann.keys])
        put(name, (ann.dim,), [_val(e) for e in ann.exprs], ann.unit, ann.long_name)
    if "unserved_mw" not in data:  # shedding switched off: no variable, none shed
        put("unserved_mw", ("time", "zone"), np.zeros((n, len(zones))), "MW", "unserved load (shedding off)")
    gen = data["generation_mw"].values
    cap_total = dict(zip(techs, existing + new, strict=True))
    avail = np.column_stack([availability(inp, g) * cap_total[g] for g in gens]) if gens else np.zeros((n, 0))
    has_profile = np.array([bool(t.at[g, "profile"]) for g in gens], dtype=bool)
    curtail = np.where(has_profile[None, :], np.maximum(avail - gen, 0.0), 0.0) if gens else avail
    put("curtailment_mw", ("time", "generator"), curtail, "MW",
        "available renewable output not used (profile technologies)")
    # what each supply technology could give in each step: the power balance (电力平衡) of the report
    available = np.full((n, len(techs)), np.nan)
    for j, k in enumerate(techs):
        kind = t.at[k, "kind"]
        if kind in ("generator", "import"):
            available[:, j] = availability(inp, k) * cap_total[k]
        elif kind in ("storage", "demand_response"):
            available[:, j] = cap_total[k]
    put("available_mw", ("time", "technology"), available, "MW",
        "capacity available in the step: generators and corridors at their availability (and profile), storage "
        "at its power, demand response at its capacity; NaN for heat-only boilers")
    if reg.fuel_hourly:
        coords["fuel"] = ("fuel", list(reg.fuel_hourly))  # the carriers burnt
        fuel = _entry_sums(reg.fuel_hourly, n)
        put("fuel_tce_per_h", ("time", "fuel"), np.column_stack([fuel[c] for c in reg.fuel_hourly]), "tce/h",
            "fuel burnt in the step, per hour, by power plants, CHP units and boilers (its weighted sum is the "
            "year's fuel of each carrier)")
    put("min_output_mw", ("time", "technology"), _floors(reg, techs, t["kind"].tolist(), cap_total, n), "MW",
        "lowest output the technology could give in the step at the solution's commitment, heat and schedules "
        "(the highest floor its families registered; storage: minus its power, charging); output less this is "
        "its downward flexibility (调峰). NaN for heat-only boilers")
    if inp.day_sequence is not None:  # typical days: the calendar, to read the year back in order
        seq = np.asarray(inp.day_sequence, dtype=int)
        coords["calendar_day"] = ("calendar_day", pd.date_range(f"{inp.year}-01-01", periods=len(seq), freq="D"))
        data["typical_day"] = xr.Variable(("calendar_day",), seq, attrs={
            "units": "1", "long_name": "typical day standing for each calendar day (its steps are "
            "time[k*steps_per_day:(k+1)*steps_per_day])", "steps_per_day": int(inp.steps_per_day)})
        put("storage_soc_day_start_mwh", ("calendar_day", "storage"),
            [[pyo.value(m.soc_day[s, d]) for s in stores] for d in range(len(seq))], "MWh",
            "energy stored at the start of each calendar day (typical-day runs)")
        put("storage_keep_per_step", ("storage",), [pyo.value(m.soc_keep[s]) for s in stores], "1",
            "share of stored energy kept over one step (1 - standing loss)")
    put("import_price_cny_per_mwh", ("time", "corridor"),
        np.column_stack([import_price(inp, c) for c in corridors]) if corridors else np.zeros((n, 0)), "CNY/MWh",
        "delivered price of imported energy (base price x the corridor's hourly price shape)")
    if inp.heat_mw is not None:
        nets = list(inp.heat_mw.columns)
        coords["heat_network"] = ("heat_network", nets)
        for dim in ("chp", "boiler"):  # the steam network each CHP unit and boiler supplies
            coords[f"{dim}_network"] = (dim, [heat_network(t, k) for k in coords[dim][1]] if dim in coords else [])
        put("heat_load_mw", ("time", "heat_network"), inp.heat_mw[nets].to_numpy(), "MW", "heat demand (MW of heat)")

    energy = np.zeros(len(techs))  # from the outputs the families marked as their technologies' energy
    for name, out in reg.outputs.items():
        if out.energy:
            annual = w @ data[name].values
            for col, k in enumerate(out.keys):
                energy[techs.index(k)] = float(annual[col])
    put("energy_mwh", ("technology",), energy, "MWh/yr",
        "annual energy: generation, imports received, storage discharged, boiler heat (MWh of heat), load "
        "curtailed by demand response")
    if "heat_mw" in data:
        heat = np.zeros(len(techs))
        chp = list(coords["chp"][1])
        for j, k in enumerate(techs):
            if k in chp:
                heat[j] = float(w @ data["heat_mw"].values[:, chp.index(k)])
            elif t.at[k, "kind"] == "boiler":
                heat[j] = energy[j]
        put("heat_mwh", ("technology",), heat, "MWh/yr", "annual heat supplied (MWh of heat)")
        # the CO2 of the fuel burnt for heat: a CHP unit's c_v x heat at its heat rate, a boiler's all
        heat_co2 = [float(heat[j]) * emission_factor_t_per_mwh(inp, k) * (
            float(t.at[k, "power_loss_per_heat"]) if t.at[k, "kind"] == "generator" else 1.0)
            for j, k in enumerate(techs)]
        put("heat_emissions_t", ("technology",), heat_co2, "tCO2/yr",
            "annual CO2 of the fuel burnt for heat (included in emissions_t)")
    put("emissions_t", ("technology",), [_val(reg.emissions.get(k, 0.0)) for k in techs], "tCO2/yr",
        "annual CO2 emissions")

    firm = dict.fromkeys(techs, 0.0)
    for k, e in reg.firm:
        firm[k] += _val(e)
    put("firm_capacity_mw", ("technology",), [firm[k] for k in techs], "MW",
        "capacity counted as firm for the reserve margin: credit x capacity (storage: the power it holds for "
        "firm_duration_h)")
    cost = np.zeros((len(COST_COMPONENTS), len(owners)))
    for term in reg.costs:
        cost[COST_COMPONENTS.index(term.component), owners.index(term.technology)] += _val(term.expr)
    put("cost_cny", ("component", "owner"), cost, "CNY/yr", "annual cost by component and technology")

    # duals
    balance_dual = np.full((n, len(zones)), np.nan)
    if sol.dual_valid:
        for a, z in enumerate(zones):
            for i in range(n):
                balance_dual[i, a] = sol.duals.get(reg.balance_rows[z][i], 0.0) / w[i]
    put("marginal_price_cny_per_mwh", ("time", "zone"), balance_dual, "CNY/MWh",
        "hourly marginal price: dual of the energy balance divided by the step weight")
    aef, mef = emission_factors(m, inp, sol)
    put("emission_factor_avg_t_per_mwh", ("time",), aef, "tCO2/MWh",
        "average emission factor of the electricity consumed in each step: CO2 of the fuel of the electricity "
        "generated and imported in the step (not of heat) over the load")
    put("emission_factor_marginal_t_per_mwh", ("time", "zone"), mef, "tCO2/MWh",
        "marginal emission factor: change of the system's CO2 per MWh more load in the step and zone, at the "
        "optimal basis (NaN where the solve ended without one: output.marginal_emission_factors asks for it)")
    if inp.heat_mw is not None:
        nets = list(inp.heat_mw.columns)
        heat_dual = np.full((n, len(nets)), np.nan)
        if sol.dual_valid:
            for a, z in enumerate(nets):
                row = reg.heat_balance_rows.get(z)
                if row is not None:
                    heat_dual[:, a] = [sol.duals.get(row[i], 0.0) / w[i] for i in range(n)]
        put("heat_marginal_cost_cny_per_mwh", ("time", "heat_network"), heat_dual, "CNY/MWh",
            "hourly marginal cost of heat: dual of the heat balance divided by the step weight (per MWh of heat)")
    if hasattr(m, "operating_reserve"):
        put("reserve_requirement_mw", ("time",), requirement_mw(inp, cfg), "MW", "operating reserve required")
        res_dual = np.full(n, np.nan)
        if sol.dual_valid:
            res_dual = np.array([sol.duals.get(m.operating_reserve[i], 0.0) / w[i] for i in range(n)])
        put("reserve_price_cny_per_mw_h", ("time",), res_dual, "CNY/MW/h",
            "hourly price of operating reserve: dual of the reserve requirement divided by the step weight")

    pol_names = list(reg.policies)
    coords["policy"] = ("policy", pol_names)
    coords["policy_sense"] = ("policy", [reg.policies[p].sense for p in pol_names])
    coords["policy_unit"] = ("policy", [reg.policies[p].unit for p in pol_names])
    coords["policy_target"] = ("policy", [reg.policies[p].target or "" for p in pol_names])
    coords["policy_description"] = ("policy", [reg.policies[p].description for p in pol_names])
    coords["policy_enforced"] = ("policy", [reg.policies[p].enforced for p in pol_names])
    coords["policy_by_construction"] = ("policy", [reg.policies[p].by_construction for p in pol_names])
    put("policy_rhs", ("policy",), [reg.policies[p].rhs for p in pol_names], "policy unit",
        "target value of each policy constraint")
    duals = [sol.duals.get(reg.policies[p].constraint, np.nan) if sol.dual_valid and reg.policies[p].enforced
             else np.nan for p in pol_names]
    put("policy_dual", ("policy",), duals, "CNY/yr per unit of the constraint row",
        "dual of each policy row (sensitivity of total cost to its right-hand side)")
    put("policy_lhs", ("policy",), [_val(reg.policies[p].lhs) if reg.policies[p].lhs is not None else np.nan
                                    for p in pol_names], "policy unit",
        "left-hand side of each policy row at the solution (what is achieved; NaN for share rows, whose "
        "achieved values are coal_share and nonfossil_share)")
    achieved = []
    acc = {a: _val(getattr(m, f"account_{a}")) for a in ("coal", "nonfossil", "total")}
    # what the families registered (gas use, city-wide CO2, clean-electricity share, ...), evaluated once
    registered = {name: _val(sc.expr) for name, sc in reg.scalars.items()}
    shares = {"coal_share": acc["coal"] / acc["total"] if acc["total"] else np.nan,
              "nonfossil_share": acc["nonfossil"] / acc["total"] if acc["total"] else np.nan}
    shares.update({name: registered[name] for name, sc in reg.scalars.items() if sc.unit == "1"})
    for p in pol_names:
        row = reg.policies[p]
        if p in shares:  # a share row's body is A_x - s A_total; what is achieved is the share itself
            achieved.append(shares[p])
        elif row.lhs is not None:
            achieved.append(_val(row.lhs))
        else:
            achieved.append(_val(row.constraint.body))
    put("policy_achieved", ("policy",), achieved, "policy unit",
        "achieved value of each policy row's left-hand side (shares as per-unit)")
    put("policy_slack_needed", ("policy",),
        [(_val(r.slack_up) + _val(r.slack_down)) if r.slack_up is not None else 0.0
         for r in reg.policies.values()], "constraint row unit", "relaxation used (diagnosis mode only)")

    co2 = _val(m.co2_t)
    total_cost = _val(m.total_cost)
    scalars = {
        "total_cost_cny": (total_cost, "CNY/yr", "total annual system cost"),
        "objective_cny": (sol.objective, "CNY/yr", "objective value reported by HiGHS"),
        "co2_t": (co2, "tCO2/yr", "annual CO2 emissions"),
        "unserved_mwh": (float((data["unserved_mw"].values.sum(axis=1)) @ w), "MWh/yr", "annual unserved energy"),
        "account_coal": (acc["coal"], reg.account_unit, "coal account of the share policies"),
        "account_nonfossil": (acc["nonfossil"], reg.account_unit, "non-fossil account"),
        "account_total": (acc["total"], reg.account_unit, "total account (denominator of the shares)"),
        "coal_share": (shares["coal_share"], "1", f"coal share on the {cfg.policy.share_basis} basis"),
        "nonfossil_share": (shares["nonfossil_share"], "1", f"non-fossil share on the {cfg.policy.share_basis} basis"),
    }
    for name, sc in reg.scalars.items():
        scalars[name] = (registered[name], sc.unit, sc.long_name)
    cap_row = reg.policies.get("co2_cap")
    # + 0.0: a zero dual reads 0, not -0
    cprice = -sol.duals.get(cap_row.constraint, np.nan) + 0.0 if (cap_row and cap_row.enforced and sol.dual_valid) \
        else np.nan
    scalars["carbon_shadow_price_cny_per_t"] = (
        cprice, "CNY/tCO2", "marginal abatement cost: dual of the CO2 cap (NaN when no cap)")
    for p, sign in (("coal_share", -1.0), ("nonfossil_share", 1.0)):
        # row: A_x - s A_total (<= | >=) 0; moving s by ds shifts the row's right-hand side by
        # ds A_total, so tightening the target by one percentage point costs sign*dual*A_total/100
        row = reg.policies.get(p)
        val = np.nan
        if row is not None and row.enforced and sol.dual_valid:
            val = sign * sol.duals.get(row.constraint, 0.0) * acc["total"] * 0.01
        scalars[f"{p}_cost_cny_per_pp"] = (
            val, "CNY/yr per percentage point",
            f"increase of total cost when the {p} target is tightened by one percentage point")
    for name, (value, units, long_name) in scalars.items():
        data[name] = xr.Variable((), float(value), attrs={"units": units, "long_name": long_name})

    ds = xr.Dataset(data_vars=data, coords=coords)
    if inp.calibration is not None:  # model against the public statistics of data/calibration.csv
        cmp = calibration.compare(ds, inp.calibration)
        ds = ds.assign_coords(calibration.coords(cmp)).assign(calibration.to_dataset_vars(cmp))
    ds.attrs.update(
        {
            "title": f"optimizer results: {cfg.name}",
            "scenario": cfg.name,
            "year": cfg.year,
            "results_schema_version": RESULTS_SCHEMA_VERSION,
            "share_basis": cfg.policy.share_basis,
            "config_yaml": yaml.safe_dump(cfg.dump(), sort_keys=False, allow_unicode=True),
            "inputs_hash": inp.inputs_hash,
            "input_files": json.dumps(inp.files),
            "plan_targets": json.dumps(inp.targets, ensure_ascii=False, default=str),
            "time_aggregation": _aggregation(cfg),
            "versions": json.dumps(versions()),
            "solver_status": sol.status,
            "optimal": "true" if sol.optimal else "false",
            "highs_model_status": sol.highs_status,
            "solver_options": json.dumps(sol.options),
            "solver_info": json.dumps(sol.info),
            "times_s": json.dumps({k: round(v, 4) for k, v in times.items()}),
            "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
            "units_note": "internal units: MW, MWh, tCO2, CNY, hours; annual quantities per year",
        }
    )
    # plausibility: the inputs' warnings (found as they were read) and the result's own
    implausible = [*inp.plausibility, *(plausibility.check_results(ds) if cfg.checks.plausibility == "on" else [])]
    # the balances as data, for the self-checks: carrier -> (zone, output, key, coefficient) entries
    nets = list(inp.heat_mw.columns) if inp.heat_mw is not None else []
    ds.attrs["balance_terms"] = json.dumps(reg.balance_recipe({"electricity": zones, "heat": nets}))
    ds.attrs["plausibility_checks"] = cfg.checks.plausibility
    ds.attrs["plausibility"] = json.dumps(implausible, ensure_ascii=False)
    ds.attrs["defaults_used"] = json.dumps(list(inp.defaults_used))
    defaulted = list(inp.defaults_used)  # said in the flags too, so a quiet run says it (issue 21)
    said = [f"{len(defaulted)} blank cell(s) took their table's default: {', '.join(defaulted[:4])}"
            + (", ..." if len(defaulted) > 4 else "") + " (summary.json defaults_used)"] if defaulted else []
    ds.attrs["flags"] = json.dumps([f"implausible: {m}" for m in implausible] + said + calibration.flags(ds),
                                   ensure_ascii=False)
    return ds


def _aggregation(cfg: Config) -> str:
    """How the year was aggregated: 'none', 'resolution_<r>h', 'typical_days_<N>' (+ '_<r>h')."""
    r = cfg.time.resolution_h
    if cfg.time.typical_days is not None:
        return f"typical_days_{cfg.time.typical_days}" + (f"_{r}h" if r > 1 else "")
    return f"resolution_{r}h" if r > 1 else "none"


def time_span(ds: xr.Dataset) -> str:
    """What the run's steps stand for, in words: the full year, a cut of it, or typical days (a reader of a
    summary must know whether 'annual' figures come from a fortnight scaled to the year)."""
    agg = str(ds.attrs.get("time_aggregation", "none"))
    n = int(ds.sizes["time"])
    if agg.startswith("typical_days_"):
        return f"{agg.split('_')[2]} typical days standing for the year ({n} steps)"
    t = pd.DatetimeIndex(ds["time"].values)
    step = float(ds["step_h"].values[0]) if "step_h" in ds else 1.0
    hours = n * step
    year = int(ds.attrs.get("year", t[0].year))
    calendar_h = 8784.0 if pd.Timestamp(year=year, month=12, day=31).dayofyear == 366 else 8760.0
    if hours >= calendar_h - 1e-6:
        return f"the full year ({n} steps of {step:g} h)"
    weighted = float(ds["weight_h"].values.sum())
    scaled = f", scaled to stand for {weighted:,.0f} h" if weighted > hours + 1e-6 else ", not scaled to the year"
    return f"{t[0]:%Y-%m-%d %H:%M} to {t[-1]:%Y-%m-%d %H:%M} ({hours:,.0f} h of {step:g}-h steps){scaled}"


def summary_table(ds: xr.Dataset) -> pd.DataFrame:
    """Per-technology headline table (capacity, energy, emissions, cost)."""
    techs = list(ds["technology"].values)
    cost = ds["cost_cny"].sum("component").sel(owner=techs).values
    supplies = np.isin(ds["kind"].values.astype(str), SUPPLY_KINDS)
    supply = float(ds["energy_mwh"].values[supplies].sum())
    df = pd.DataFrame(
        {
            "kind": ds["kind"].values,
            "existing_mw": ds["capacity_existing_mw"].values,
            "new_mw": ds["capacity_new_mw"].values,
            "total_mw": ds["capacity_total_mw"].values,
            "energy_gwh": ds["energy_mwh"].values / 1e3,
            "supply_share": np.where(supplies, ds["energy_mwh"].values / supply, np.nan)
            if supply else np.nan,
            "emissions_mt": ds["emissions_t"].values / 1e6,
            "cost_million_cny": cost / 1e6,
        },
        index=pd.Index(techs, name="technology"),
    )
    return df


def _weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The ``q`` quantile of ``values`` with each value standing for its weight (NaN values left out)."""
    ok = ~np.isnan(values)
    v, w = values[ok], weights[ok]
    order = np.argsort(v, kind="stable")
    cum = np.cumsum(w[order])
    return float(v[order][np.searchsorted(cum, q * cum[-1])])


def annual_emission_factor(ds: xr.Dataset, name: str) -> float | None:
    """The year's load-weighted mean of an hourly emission factor (tCO2/MWh); None without values
    (results written before the factors existed, or a marginal factor without a basis)."""
    if name not in ds:
        return None
    ef = ds[name]
    load = ds["load_mw"] if "zone" in ef.dims else ds["load_mw"].sum("zone")
    mwh = (load * ds["weight_h"]).where(ef.notnull())
    total = float(mwh.sum())
    return None if total <= 0 else float((ef * mwh).sum()) / total


def _step_of(v: Any, n: int) -> int:
    """The step of a variable that an emission term holds (indexed ``[..., step]``)."""
    idx = v.index()
    step = idx[-1] if isinstance(idx, tuple) else idx
    if not isinstance(step, int) or not 0 <= step < n:  # pragma: no cover - a family's programming error
        raise RuntimeError(f"emission term {v.name} is not indexed by the step")
    return step


def emission_factors(m: pyo.Block, inp: Inputs, sol: SolveResult) -> tuple[np.ndarray, np.ndarray]:
    """Average (per step) and marginal (per step and zone) emission factors of the electricity consumed
    (tCO2/MWh).

    Average: the CO2 of the fuel of the electricity generated and imported in the step, as registered
    with ``power=True`` (a CHP unit's heat and heat-only boilers are left out), over the step's load:
    the attributional figure for the electricity drawn in that hour (storage shifts energy between
    hours; its charging is counted in the hour the energy is generated). Marginal: the derivative of
    the system's CO2 (``m.co2_t``, heat included) with respect to the load of the step and zone at the
    optimal basis (:meth:`optimizer.solve.HighsModel.basis_duals`), divided by the step weight as the
    price is: the consequential figure, including every response the LP makes (dispatch, storage,
    annual limits and, where a step sets the peak, the build).
    """
    from pyomo.repn.standard_repn import generate_standard_repn

    reg = m.registry
    n, w = len(inp.time), np.asarray(inp.weight_h, dtype=float)
    zones = list(inp.zones)
    hourly_t = np.zeros(n)
    if reg.power_emissions:
        repn = generate_standard_repn(pyo.quicksum(reg.power_emissions.values()),
                                      compute_values=True, quadratic=False)
        for v, c in zip(repn.linear_vars, repn.linear_coefs, strict=True):
            hourly_t[_step_of(v, n)] += c * (v.value or 0.0)
    load = inp.load_mw[zones].to_numpy(dtype=float).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        aef = np.where(load > 0, hourly_t / w / load, np.nan)
    mef = np.full((n, len(zones)), np.nan)
    d = sol.basis_duals(m.co2_t) if sol.basis_duals is not None else None
    if d is not None:
        for a, z in enumerate(zones):
            mef[:, a] = [d.get(reg.balance_rows[z][i], 0.0) / w[i] for i in range(n)]
    return aef, mef


def headline(ds: xr.Dataset) -> dict[str, Any]:
    """Scalar headline figures and the policy table as plain data."""
    out: dict[str, Any] = {
        "scenario": ds.attrs["scenario"],
        "year": int(ds.attrs["year"]),
        "solver_status": ds.attrs["solver_status"],
        "share_basis": ds.attrs["share_basis"],
        "inputs_hash": ds.attrs["inputs_hash"],
    }
    for name in ("total_cost_cny", "co2_t", "unserved_mwh", "coal_share", "nonfossil_share",
                 "carbon_shadow_price_cny_per_t", "account_total"):
        v = float(ds[name].values)
        out[name] = None if np.isnan(v) else v
    for name in ("co2_city_t", "co2_non_power_t", "clean_electricity_share", "gas_use_m3", "gas_lng_m3"):
        out[name] = float(ds[name].values) if name in ds else None  # the families that registered them
    price = ds["marginal_price_cny_per_mwh"]
    flat = price.mean("zone").values  # the zones' average price of each step (one zone: its price)
    out["mean_marginal_price_cny_per_mwh"] = (
        None if bool(price.isnull().all()) else float(flat @ ds["weight_h"].values / ds["weight_h"].sum()))
    for q in (10, 90):  # weighted by the hours each step stands for (typical days)
        out[f"marginal_price_p{q}_cny_per_mwh"] = None if np.isnan(flat).all() else _weighted_quantile(
            flat, ds["weight_h"].values, q / 100)
    load = ds["load_mw"].sum("zone")
    out["peak_load_mw"] = float(load.max())
    out["annual_load_mwh"] = float((load * ds["weight_h"]).sum())
    for name, key in (("emission_factor_avg_t_per_mwh", "emission_factor_avg_t_per_mwh"),
                      ("emission_factor_marginal_t_per_mwh", "emission_factor_marginal_mean_t_per_mwh")):
        out[key] = annual_emission_factor(ds, name)
    out["time_span"] = time_span(ds)
    pols = []
    for j, p in enumerate(ds["policy"].values):
        d = float(ds["policy_dual"].values[j])
        pols.append({
            "policy": str(p),
            "sense": str(ds["policy_sense"].values[j]),
            "rhs": float(ds["policy_rhs"].values[j]),
            "unit": str(ds["policy_unit"].values[j]),
            "target": str(ds["policy_target"].values[j]) or None,
            "dual": None if np.isnan(d) else d,
        })
    out["policies"] = pols
    out["times_s"] = json.loads(ds.attrs["times_s"])
    out["flags"] = json.loads(ds.attrs.get("flags", "[]"))
    out["plausibility_checks"] = ds.attrs.get("plausibility_checks", "on")
    out["plausibility"] = json.loads(ds.attrs.get("plausibility", "[]"))
    out["defaults_used"] = json.loads(ds.attrs.get("defaults_used", "[]"))
    cmp = calibration.read_back(ds)
    if cmp is not None:
        out["calibration"] = [
            {"figure": label, "model": float(r["model"]), "statistic": float(r["statistic"]), "unit": r["unit"],
             "sense": r["sense"], "tolerance": float(r["tolerance"]), "ok": bool(r["ok"]), "source": r["source"]}
            for label, r in cmp.iterrows()]
    return out


def write_results(ds: xr.Dataset, out_dir: Path, within: Path | None = None) -> Path:
    """Write results.nc, summary.csv/json and config.yaml atomically into ``out_dir``.

    Files go to a temporary sibling folder first, which is swapped into place in one atomic step
    when complete (Linux; elsewhere two renames), so a write interrupted at any point, even by
    kill -9, never leaves a half-written result and never loses the previous one: the folder holds
    the previous result or the new one, both complete. A killed writer's temporary sibling
    (``.<name>.tmp-<pid>-*``) is removed by the next write. A folder that is not a results folder
    is never replaced (:func:`check_output_dir`).

    What the previous folder holds besides these four files (``report/``, the user's files) is
    carried into the new one; a carried report is marked stale. A failure to write (a full disk)
    raises :class:`OutputError` naming the folder and the cause, with the previous result intact
    and the new one kept in a temporary folder elsewhere if it can be.
    """
    out_dir = check_output_dir(out_dir, within=within)  # within: the pathway folder its periods belong to
    make_parent(out_dir)
    remove_stale(out_dir)

    def fill(folder: Path) -> None:
        ds.to_netcdf(folder / "results.nc", engine="netcdf4")
        summary_table(ds).to_csv(folder / "summary.csv", float_format="%.6g")
        (folder / "summary.json").write_text(json.dumps(headline(ds), indent=2, ensure_ascii=False),
                                             encoding="utf-8")
        (folder / "config.yaml").write_text(ds.attrs["config_yaml"], encoding="utf-8")

    with built_in_place(out_dir, what="result", own=RESULT_FILES, need=int(ds.nbytes), keep=fill) as tmp:
        fill(tmp)
    return out_dir


def read_results(folder: str | Path) -> xr.Dataset:
    """Open a results folder written by :func:`write_results`; one-line error if unusable."""
    p = Path(folder)
    f = p / "results.nc" if p.is_dir() else p
    if not f.is_file():
        raise InputError("no results.nc here", source=str(p))
    from optimizer.inputs.profiles import probe_netcdf

    probe_netcdf(f)  # a damaged file can hang or crash the NetCDF library: try it in a child first
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with xr.open_dataset(f) as ds:
                ds = ds.load()
        except Exception:  # any failure to decode a damaged file is the file's fault
            raise InputError("results.nc cannot be read (corrupt, cut off or not NetCDF)", source=str(f)) from None
    ver = ds.attrs.get("results_schema_version")
    reads = f"this optimizer ({__version__}) reads results schema version {RESULTS_SCHEMA_VERSION}"
    if ver is None:
        raise InputError(f"no results_schema_version attribute: not written by optimizer, or by one older than "
                         f"schema version 1; {reads}: re-run the scenario", source=str(f))
    try:
        num = float(ver)
    except (TypeError, ValueError):
        num = math.nan
    if not num.is_integer():
        shown = ver.item() if hasattr(ver, "item") else ver  # 1.5, not np.float64(1.5)
        raise InputError(f"results_schema_version is {shown!r}, not a whole number; {reads}", source=str(f))
    if num < RESULTS_SCHEMA_VERSION:
        raise InputError(f"written by an older optimizer (results schema version {int(num)}); {reads}: "
                         "re-run the scenario to rewrite it", source=str(f))
    if num > RESULTS_SCHEMA_VERSION:
        raise InputError(f"written by a newer optimizer (results schema version {int(num)}); {reads}: "
                         "upgrade optimizer to read it", source=str(f))
    return ds
