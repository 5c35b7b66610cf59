"""Self-checks of a solved run, recomputed from the result arrays rather than from the model.

* the energy balance closes in every zone and hour, and the heat balance in every steam network: the
  supply is summed over the result arrays from the balance terms the constraint families registered,
  which the results carry as data (``balance_terms``: zone, output, key, coefficient), so a new family's
  terms are checked without a line here (tests/test_registry.py pins the terms to their physics);
* the cost components add up to the objective HiGHS reported;
* emissions recomputed from dispatch and emission factors equal those reported;
* operating costs recomputed from dispatch and prices equal those reported.

A failed check raises :class:`~optimizer.errors.CheckError`.
"""

from __future__ import annotations

import json

import numpy as np
import xarray as xr

from optimizer.errors import CheckError
from optimizer.inputs import Inputs
from optimizer.model.dispatch import emission_factor_t_per_mwh


def _close(a: float, b: float, rel: float, abs_tol: float) -> bool:
    return abs(a - b) <= max(abs_tol, rel * max(abs(a), abs(b)))


def check_results(ds: xr.Dataset, inp: Inputs, *, include_import_emissions: bool = True,
                  rel: float = 1e-6) -> dict[str, float]:
    """Run every check; return the measured residuals, raise CheckError on failure."""
    out: dict[str, float] = {}
    techs = inp.techs
    recipe = json.loads(ds.attrs["balance_terms"])
    for carrier, load_var, dim, key in (("electricity", "load_mw", "zone", "balance_max_abs_mw"),
                                        ("heat", "heat_load_mw", "heat_network", "heat_balance_max_abs_mw")):
        if load_var not in ds:
            continue
        residual = _residual(ds, recipe.get(carrier, []), load_var, dim)
        out[key] = float(np.abs(residual).max()) if residual.size else 0.0
        if out[key] > 1e-5 * (float(ds[load_var].max()) or 1.0) + 1e-6:
            i, a = np.unravel_index(np.abs(residual).argmax(), residual.shape)
            where = "zone" if carrier == "electricity" else "heat network"
            raise CheckError(f"{'energy' if carrier == 'electricity' else 'heat'} balance does not close: "
                             f"{residual[i, a]:.4g} MW in {where} {ds[dim].values[a]} "
                             f"at {str(ds['time'].values[i])[:16].replace('T', ' ')}")

    total = float(ds["cost_cny"].sum())
    obj = float(ds["objective_cny"])
    out["cost_minus_objective_cny"] = total - obj
    if not _close(total, obj, rel, 1.0):
        raise CheckError(f"cost components sum to {total:.6g} CNY but the objective is {obj:.6g} CNY")

    w = ds["weight_h"].values
    recomputed = {}
    heat_of = {}
    if "heat_mw" in ds:
        heat_of = {g: float(w @ ds["heat_mw"].sel(chp=g).values) for g in ds["chp"].values}
    for g in ds["generator"].values:
        # fuel is counted on the condensing-equivalent output: power + c_v x heat extracted
        equiv = float(w @ ds["generation_mw"].sel(generator=g).values) + (
            techs.at[g, "power_loss_per_heat"] * heat_of.get(g, 0.0))
        recomputed[g] = equiv * emission_factor_t_per_mwh(inp, g)
    if "boiler_heat_mw" in ds:
        for b in ds["boiler"].values:
            recomputed[b] = float(w @ ds["boiler_heat_mw"].sel(boiler=b).values) * emission_factor_t_per_mwh(inp, b)
    if "curtailed_mw" in ds:
        for k in ds["demand_response"].values:
            recomputed[k] = 0.0
    for c in ds["corridor"].values:
        ef = techs.at[c, "co2_t_per_mwh"] if include_import_emissions else 0.0
        recomputed[c] = float(w @ ds["import_mw"].sel(corridor=c).values) * ef
    for s in ds["storage"].values:
        recomputed[s] = 0.0
    rep = ds["emissions_t"]
    worst = 0.0
    for k, v in recomputed.items():
        r = float(rep.sel(technology=k))
        worst = max(worst, abs(r - v))
        if not _close(r, v, rel, 1e-3):
            raise CheckError(f"emissions of {k}: reported {r:.6g} t, recomputed from dispatch {v:.6g} t")
    out["emissions_max_abs_diff_t"] = worst
    if not _close(float(rep.sum()), float(ds["co2_t"]), rel, 1e-3):
        raise CheckError(f"emissions by technology sum to {float(rep.sum()):.6g} t, "
                         f"total is {float(ds['co2_t']):.6g} t")

    for c in ds["corridor"].values:
        price = ds["import_price_cny_per_mwh"].sel(corridor=c).values
        cost = float(w @ (ds["import_mw"].sel(corridor=c).values * price))
        r = float(ds["cost_cny"].sel(component="import", owner=c))
        if not _close(r, cost, rel, 1.0):
            raise CheckError(f"import cost of {c}: reported {r:.6g} CNY, recomputed {cost:.6g} CNY")
    for g in ds["generator"].values:
        vom = float(w @ ds["generation_mw"].sel(generator=g).values) * techs.at[g, "vom_cny_per_mwh"]
        r = float(ds["cost_cny"].sel(component="vom", owner=g))
        if not _close(r, vom, rel, 1.0):
            raise CheckError(f"variable O&M of {g}: reported {r:.6g} CNY, recomputed {vom:.6g} CNY")
    return out


def _residual(ds: xr.Dataset, entries: list[list], load_var: str, dim: str) -> np.ndarray:
    """Supply minus load per step and zone (or heat network), the supply summed from the balance's registered
    (zone, output, key, coefficient) entries over the result arrays."""
    zones = [str(z) for z in ds[dim].values]
    residual = -ds[load_var].transpose("time", dim).values.astype(float)
    for zone, name, key, coef in entries:
        var = ds[name]
        other = next(d for d in var.dims if d != "time")
        residual[:, zones.index(zone)] += coef * var.sel({other: key}).values
    return residual
