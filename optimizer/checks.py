"""Self-checks of a solved run, recomputed from the result arrays rather than from the model.

* the energy balance closes in every zone and hour;
* the cost components add up to the objective HiGHS reported;
* emissions recomputed from dispatch and emission factors equal those reported;
* operating costs recomputed from dispatch and prices equal those reported.

A failed check raises :class:`~optimizer.errors.CheckError`.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from optimizer.errors import CheckError
from optimizer.inputs import Inputs
from optimizer.inputs.loader import heat_network
from optimizer.model.dispatch import emission_factor_t_per_mwh


def _close(a: float, b: float, rel: float, abs_tol: float) -> bool:
    return abs(a - b) <= max(abs_tol, rel * max(abs(a), abs(b)))


def check_results(ds: xr.Dataset, inp: Inputs, *, include_import_emissions: bool = True,
                  rel: float = 1e-6) -> dict[str, float]:
    """Run every check; return the measured residuals, raise CheckError on failure."""
    out: dict[str, float] = {}
    techs = inp.techs
    zones = list(ds["zone"].values)
    peak = float(ds["load_mw"].max()) or 1.0
    residual = np.zeros((ds.sizes["time"], len(zones)))
    for a, z in enumerate(zones):
        gens = [g for g in ds["generator"].values if techs.at[g, "zone"] == z]
        stores = [s for s in ds["storage"].values if techs.at[s, "zone"] == z]
        cors = [c for c in ds["corridor"].values if techs.at[c, "zone"] == z]
        supply = ds["generation_mw"].sel(generator=gens).sum("generator").values
        supply = supply + ds["import_mw"].sel(corridor=cors).sum("corridor").values
        net_storage = ds["storage_discharge_mw"] - ds["storage_charge_mw"]
        supply = supply + net_storage.sel(storage=stores).sum("storage").values
        supply = supply + ds["unserved_mw"].sel(zone=z).values
        supply = supply + _zone_sum(ds, "curtailed_mw", "demand_response", techs, z)
        residual[:, a] = supply - ds["load_mw"].sel(zone=z).values
    out["balance_max_abs_mw"] = float(np.abs(residual).max())
    if out["balance_max_abs_mw"] > 1e-5 * peak + 1e-6:
        i, a = np.unravel_index(np.abs(residual).argmax(), residual.shape)
        raise CheckError(f"energy balance does not close: {residual[i, a]:.4g} MW in zone {zones[a]} "
                         f"at {str(ds['time'].values[i])[:16]}")
    if "heat_load_mw" in ds:
        nets = list(ds["heat_network"].values)
        heat_res = np.zeros((ds.sizes["time"], len(nets)))
        for a, z in enumerate(nets):
            made = (_zone_sum(ds, "heat_mw", "chp", techs, z, key="heat_network")
                    + _zone_sum(ds, "boiler_heat_mw", "boiler", techs, z, key="heat_network"))
            if "heat_unserved_mw" in ds:
                made = made + ds["heat_unserved_mw"].sel(heat_network=z).values
            heat_res[:, a] = made - ds["heat_load_mw"].sel(heat_network=z).values
        out["heat_balance_max_abs_mw"] = float(np.abs(heat_res).max())
        heat_peak = float(ds["heat_load_mw"].max()) or 1.0
        if out["heat_balance_max_abs_mw"] > 1e-5 * heat_peak + 1e-6:
            i, a = np.unravel_index(np.abs(heat_res).argmax(), heat_res.shape)
            raise CheckError(f"heat balance does not close: {heat_res[i, a]:.4g} MW in heat network {nets[a]} "
                             f"at {str(ds['time'].values[i])[:16]}")

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


def _zone_sum(ds: xr.Dataset, var: str, dim: str, techs: object, zone: str, key: str = "zone") -> np.ndarray | float:
    """Hourly sum of a (time, dim) result over the members of ``dim`` located in ``zone`` (or, with ``key``
    ``heat_network``, supplying that heat network); 0 if the result is absent."""
    if var not in ds:
        return 0.0
    where = (lambda k: heat_network(techs, k)) if key == "heat_network" else (lambda k: techs.at[k, "zone"])
    keys = [k for k in ds[dim].values if where(k) == zone]
    return ds[var].sel({dim: keys}).sum(dim).values
