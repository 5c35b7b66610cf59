"""Hourly profiles of operation: industrial heat demand, and the provincial AC grid's availability to Suzhou.

* **Heat demand** (``heat_YYYY.nc``, variable ``heat_mw``, MW of heat, dims (time, heat_network)): the
  annual heat (steam) supplied by CHP units and boilers, spread over the year by monthly factors (winter
  above summer), the day-type factors of the electricity load's calendar with heat's own reductions
  (continuous-process industry runs through weekends; most plants stop at the Spring Festival) and an
  hour-of-day shape, and split between steam networks by fixed shares. Deterministic (no noise): the
  annual energy is met exactly.
* **Provincial AC availability** (technology ``provincial_ac`` of ``cf_YYYY.nc``, per-unit): the share of
  Suzhou's AC import capability the province can supply in each hour, lower when the province is near
  its peak: ``1 - depth * clip((x - threshold) / (1 - threshold), 0, 1)`` with ``x`` the provincial load
  relative to its annual peak, from the Jiangsu month and hour-of-day shares (SWITCH-China).

All parameters are in ``data/profile_params.yaml`` (sections ``heat`` and ``provincial_ac``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from optimizer.datagen import PARAMS_RELPATH, param
from optimizer.datagen.load import TIMEZONE_ATTR, _shape_path, day_type_factors, hourly_index, read_shape_file

#: name of the provincial AC availability profile in the capacity-factor files
PROVINCIAL_AC = "provincial_ac"


def heat_targets(year: int, params: Mapping[str, Any]) -> float:
    """Annual heat demand of ``year`` (MWh of heat), compounded from its base year where one is given."""
    key = f"heat.targets.{year}"
    energy = float(param(params, f"{key}.annual_energy"))
    node = params["heat"]["targets"][str(year)]
    if "base_year" in node:
        base = int(param(params, f"{key}.base_year"))
        expect = heat_targets(base, params) * (1.0 + float(param(params, f"{key}.growth"))) ** (year - base)
        if abs(energy / expect - 1.0) > 1e-8:
            raise ValueError(f"{year} heat: stated {energy} differs from growth-derived {expect:.6f}")
    return energy


def make_heat(year: int, params: dict) -> xr.Dataset:
    """Hourly heat demand of ``year`` (variable ``heat_mw``, MW of heat, dims (time, zone))."""
    hours = hourly_index(year)
    monthly = np.asarray(param(params, "heat.monthly_factor"), dtype=float)
    hourly = np.asarray(param(params, "heat.hour_factor"), dtype=float)
    if monthly.shape != (12,) or hourly.shape != (24,) or (monthly <= 0).any() or (hourly <= 0).any():
        raise ValueError("heat.monthly_factor needs 12 and heat.hour_factor 24 positive values")
    days = day_type_factors(year, params, section="heat")
    day = days["factor"].reindex(hours.normalize()).to_numpy()
    shape = monthly[hours.month.to_numpy() - 1] * day * (hourly / hourly.mean())[hours.hour.to_numpy()]
    energy = heat_targets(year, params)
    nets = list(params["heat"]["network_share"])
    shares = np.array([float(param(params, f"heat.network_share.{n}")) for n in nets])
    if abs(shares.sum() - 1.0) > 1e-9 or (shares <= 0).any():
        raise ValueError("heat.network_share must be positive and sum to 1")
    values = (shape * energy / shape.sum())[:, None] * shares[None, :]
    if abs(values.sum() / energy - 1.0) > 1e-12:  # pragma: no cover - arithmetic
        raise AssertionError("heat energy not matched")
    node = params["heat"]["targets"][str(year)]["annual_energy"]
    da = xr.DataArray(
        values, dims=("time", "heat_network"), coords={"time": hours.to_numpy(), "heat_network": nets},
        name="heat_mw",
        attrs={"units": "MW", "long_name": "hourly heat (industrial steam) demand met by CHP units and boilers, "
               "MW of heat", "source": " ".join(str(node["source"]).split()),
               "method": "annual energy x monthly factor x day-type factor (heat's weekend and holiday reductions "
               "on the load's calendar) x hour-of-day factor, normalised to the annual energy, split between the "
               "steam networks by fixed shares; data/profile_params.yaml section heat"})
    ds = da.to_dataset()
    ds.attrs = {
        "title": f"Hourly heat demand of Suzhou, {year}",
        "timezone": TIMEZONE_ATTR,
        "year": int(year),
        "annual_energy_mwh": float(energy),
        "peak_mw": float(values.sum(axis=1).max()),
        "generator": "python -m optimizer.datagen",
        "params_file": PARAMS_RELPATH,
    }
    return ds


def provincial_ac_availability(year: int, params: Mapping[str, Any]) -> np.ndarray:
    """Hourly available share of the provincial AC import capability (per-unit)."""
    hours = hourly_index(year)
    hour_share, month_share = read_shape_file(_shape_path(params))
    x = month_share[hours.month.to_numpy() - 1] * hour_share[hours.hour.to_numpy()]
    x = x / x.max()
    threshold = float(param(params, "provincial_ac.threshold"))
    depth = float(param(params, "provincial_ac.depth"))
    if not (0.0 <= threshold < 1.0 and 0.0 <= depth <= 1.0):
        raise ValueError("provincial_ac.threshold must lie in [0, 1) and depth in [0, 1]")
    return 1.0 - depth * np.clip((x - threshold) / (1.0 - threshold), 0.0, 1.0)


def provincial_ac_source(params: Mapping[str, Any]) -> str:
    """The sources of the availability profile's two parameters, for the file's attributes."""
    return " | ".join(" ".join(str(params["provincial_ac"][k]["source"]).split()) for k in ("threshold", "depth"))


def heat_frame(ds: xr.Dataset) -> pd.DataFrame:
    """The heat demand of a generated dataset as a frame (time x heat network)."""
    return ds["heat_mw"].to_pandas()
