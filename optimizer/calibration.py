"""The run against public statistics: calibration metrics, the comparison table, and honest flags.

``data/calibration.csv`` lists public figures (``metric, key, value, unit, sense, tolerance, year,
source_key, note``). Each metric is computed from a run's results by a function of :data:`METRICS`;
the comparison (model value, statistic, relative difference, within tolerance or not) is stored in the
results, printed after the run and shown in the report. ``sense`` ``=`` asks for the model within
``tolerance`` (relative) of the value, ``>=`` / ``<=`` for the model at or beyond it (less the tolerance).

:func:`flags` lists what a planner would call implausible in any run (flat prices, storage that never
cycles, plant that never runs, capacity held only by a target, load shed, calibration misses).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from optimizer.errors import InputError

COLUMNS = ("metric", "key", "value", "unit", "sense", "tolerance", "year", "source_key", "note")
SENSES = ("=", ">=", "<=")
#: UHVDC wet (June-October) and dry (December-April) months
WET, DRY = (6, 7, 8, 9, 10), (12, 1, 2, 3, 4)


def _annual(ds: xr.Dataset, var: str, dim: str, keys: list[str]) -> float:
    """MWh/yr of an hourly (time, dim) result summed over ``keys``."""
    if not keys:
        return 0.0
    return float((ds[var].sel({dim: keys}).sum(dim) * ds["weight_h"]).sum())


def _kinds(ds: xr.Dataset, kind: str, carrier: str | None = None) -> list[str]:
    techs = ds["technology"].values.astype(str)
    ok = ds["kind"].values.astype(str) == kind
    if carrier is not None:
        ok &= ds["carrier"].values.astype(str) == carrier
    return [str(k) for k in techs[ok]]


def consumption_twh(ds: xr.Dataset, key: str = "") -> float:
    """Annual electricity demand (TWh/yr)."""
    return float((ds["load_mw"].sum("zone") * ds["weight_h"]).sum()) / 1e6


def peak_load_mw(ds: xr.Dataset, key: str = "") -> float:
    """Highest hourly load of the modelled steps (MW)."""
    return float(ds["load_mw"].sum("zone").max())


def fleet_hours_h(ds: xr.Dataset, carrier: str) -> float:
    """Full-load hours of the local generators burning ``carrier``: energy / capacity (h)."""
    gens = _kinds(ds, "generator", carrier)
    cap = float(ds["capacity_total_mw"].sel(technology=gens).sum()) if gens else 0.0
    return _annual(ds, "generation_mw", "generator", gens) / cap if cap else math.nan


def coal_fleet_hours_h(ds: xr.Dataset, key: str = "") -> float:
    """Full-load hours of the local coal fleet (h)."""
    return fleet_hours_h(ds, "coal")


def gas_fleet_hours_h(ds: xr.Dataset, key: str = "") -> float:
    """Full-load hours of the local gas fleet (h)."""
    return fleet_hours_h(ds, "gas")


def corridor_energy_twh(ds: xr.Dataset, key: str = "") -> float:
    """Energy received through corridor ``key`` over the year (TWh/yr)."""
    return _annual(ds, "import_mw", "corridor", [key]) / 1e6


def uhvdc_dry_wet_ratio(ds: xr.Dataset, key: str = "") -> float:
    """Average power of the hydro corridors in the dry months over that of the wet months (-)."""
    hydro = _kinds(ds, "import", "hydro")
    flow = ds["import_mw"].sel(corridor=hydro).sum("corridor")
    month = ds["time"].dt.month
    dry, wet = flow.where(month.isin(DRY)).mean(), flow.where(month.isin(WET)).mean()
    return float(dry / wet) if float(wet) else math.nan


def green_power_share(ds: xr.Dataset, key: str = "") -> float:
    """Renewable electricity (local solar, wind, biomass and hydro imports) over consumption (-)."""
    green = 0.0
    for kind, var, dim in (("generator", "generation_mw", "generator"), ("import", "import_mw", "corridor")):
        techs = [k for k in _kinds(ds, kind) if str(ds["carrier"].sel(technology=k).values) in RENEWABLE]
        green += _annual(ds, var, dim, techs)
    return green / (consumption_twh(ds) * 1e6)


#: carriers counted as green power (data/carriers.csv flags them renewable)
RENEWABLE = ("solar", "wind", "biomass", "hydro")


def grid_emission_factor_t_per_mwh(ds: xr.Dataset, key: str = "") -> float:
    """CO2 of the electricity consumed: local power plants (their heat's share left out) and imports,
    over consumption (tCO2/MWh)."""
    total = float(ds["emissions_t"].sum())
    heat = float(ds["heat_emissions_t"].sum()) if "heat_emissions_t" in ds else 0.0
    return (total - heat) / (consumption_twh(ds) * 1e6)


def max_import_mw(ds: xr.Dataset, key: str = "") -> float:
    """Highest hourly import over all corridors (MW)."""
    return float(ds["import_mw"].sum("corridor").max())


METRICS: dict[str, tuple[Callable[[xr.Dataset, str], float], str]] = {
    "consumption_twh": (consumption_twh, "TWh/yr"),
    "peak_load_mw": (peak_load_mw, "MW"),
    "coal_fleet_hours_h": (coal_fleet_hours_h, "h"),
    "gas_fleet_hours_h": (gas_fleet_hours_h, "h"),
    "corridor_energy_twh": (corridor_energy_twh, "TWh/yr"),
    "uhvdc_dry_wet_ratio": (uhvdc_dry_wet_ratio, "-"),
    "green_power_share": (green_power_share, "-"),
    "grid_emission_factor_t_per_mwh": (grid_emission_factor_t_per_mwh, "tCO2/MWh"),
    "max_import_mw": (max_import_mw, "MW"),
}


#: metrics whose key names a technology, by the kind it must be
KEYED = {"corridor_energy_twh": "import"}


def read_calibration(path: Path, techs: pd.DataFrame | None = None) -> pd.DataFrame:
    """The calibration table, checked: known metrics, keys (against ``techs``), numbers, senses and tolerances."""
    from optimizer.inputs.techtable import read_csv

    src = str(path)
    df = read_csv(path, "calibration table", "inputs.calibration")
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise InputError(f"missing column {missing[0]!r}", source=src)
    rows = []
    for n, r in enumerate(df.to_dict("records"), start=1):
        metric, key = str(r["metric"]).strip(), str(r["key"]).strip()
        where = f"{metric}{'.' + key if key else ''} (row {n})"
        if metric not in METRICS:
            raise InputError(f"unknown metric {metric!r}; known: {', '.join(METRICS)}", source=src,
                             field=f"{where}.metric")
        unit = METRICS[metric][1]
        if str(r["unit"]).strip() != unit:
            raise InputError(f"unit must be {unit!r} for {metric}, got {r['unit']!r}", source=src,
                             field=f"{where}.unit")
        if str(r["sense"]).strip() not in SENSES:
            raise InputError(f"sense must be one of {', '.join(SENSES)}, got {r['sense']!r}", source=src,
                             field=f"{where}.sense")
        vals = {}
        for col in ("value", "tolerance"):
            try:
                vals[col] = float(str(r[col]).strip())
            except ValueError:
                raise InputError(f"expected a number, got {r[col]!r}", source=src, field=f"{where}.{col}") from None
            if not math.isfinite(vals[col]):
                raise InputError("must be finite", source=src, field=f"{where}.{col}")
        if not 0.0 <= vals["tolerance"] <= 1.0:
            raise InputError(f"tolerance is relative and must lie in [0, 1], got {vals['tolerance']}", source=src,
                             field=f"{where}.tolerance")
        if not str(r["source_key"]).strip():
            raise InputError("every figure needs a source_key", source=src, field=f"{where}.source_key")
        if vals["value"] == 0:
            raise InputError("the tolerance is relative: a figure of 0 cannot be compared", source=src,
                             field=f"{where}.value")
        kind = KEYED.get(metric)
        if kind is None and key:
            raise InputError(f"{metric} takes no key", source=src, field=f"{where}.key")
        if kind is not None and techs is not None and (key not in techs.index or techs.at[key, "kind"] != kind):
            raise InputError(f"{metric} needs the name of an {kind} technology of the table, got {key!r}",
                             source=src, field=f"{where}.key")
        rows.append({**{c: str(r[c]).strip() for c in COLUMNS}, **vals})
    return pd.DataFrame(rows, columns=list(COLUMNS))


def compare(ds: xr.Dataset, table: pd.DataFrame) -> pd.DataFrame:
    """Model against statistics: one row per figure with ``model``, ``difference`` (relative) and ``ok``."""
    out = table.copy()
    model, diff, ok = [], [], []
    for r in table.itertuples():
        fn = METRICS[r.metric][0]
        v = fn(ds, r.key)
        d = (v - r.value) / r.value if r.value else math.nan
        slack = r.tolerance + 1e-6  # a figure held by a constraint is met to the solver's tolerance
        if r.sense == "=":
            good = abs(d) <= slack
        elif r.sense == ">=":
            good = d >= -slack
        else:
            good = d <= slack
        model.append(v)
        diff.append(d)
        ok.append(bool(good) and math.isfinite(v))
    out["model"], out["difference"], out["ok"] = model, diff, ok
    return out


def to_dataset_vars(cmp: pd.DataFrame) -> dict[str, xr.Variable]:
    """The comparison as results variables over a ``calibration`` dimension."""
    dims = ("calibration",)
    return {
        "calibration_statistic": xr.Variable(dims, cmp["value"].to_numpy(float), attrs={
            "units": "metric unit", "long_name": "public figure the run is compared with (data/calibration.csv)"}),
        "calibration_model": xr.Variable(dims, cmp["model"].to_numpy(float), attrs={
            "units": "metric unit", "long_name": "the same figure computed from this run"}),
        "calibration_tolerance": xr.Variable(dims, cmp["tolerance"].to_numpy(float), attrs={
            "units": "1", "long_name": "relative tolerance"}),
        "calibration_ok": xr.Variable(dims, cmp["ok"].to_numpy(bool).astype(np.int8), attrs={
            "units": "1", "long_name": "1 if the model is within the tolerance of the statistic"}),
    }


def coords(cmp: pd.DataFrame) -> dict[str, tuple[str, list[str]]]:
    """Coordinates of the calibration dimension (label, metric, key, unit, sense, source, note)."""
    labels = [f"{m}{':' + k if k else ''}" for m, k in zip(cmp["metric"], cmp["key"], strict=True)]
    return {
        "calibration": ("calibration", labels),
        "calibration_metric": ("calibration", cmp["metric"].tolist()),
        "calibration_unit": ("calibration", cmp["unit"].tolist()),
        "calibration_sense": ("calibration", cmp["sense"].tolist()),
        "calibration_year": ("calibration", cmp["year"].tolist()),
        "calibration_source": ("calibration", cmp["source_key"].tolist()),
        "calibration_note": ("calibration", cmp["note"].tolist()),
    }


def read_back(ds: xr.Dataset) -> pd.DataFrame | None:
    """The comparison stored in a results dataset, or None."""
    if "calibration" not in ds.dims:
        return None
    return pd.DataFrame({
        "metric": ds["calibration_metric"].values.astype(str),
        "unit": ds["calibration_unit"].values.astype(str),
        "sense": ds["calibration_sense"].values.astype(str),
        "statistic": ds["calibration_statistic"].values,
        "model": ds["calibration_model"].values,
        "tolerance": ds["calibration_tolerance"].values,
        "ok": ds["calibration_ok"].values.astype(bool),
        "year": ds["calibration_year"].values.astype(str),
        "source": ds["calibration_source"].values.astype(str),
        "note": ds["calibration_note"].values.astype(str),
    }, index=pd.Index(ds["calibration"].values.astype(str), name="figure"))


# ------------------------------------------------------------------------------------------ flags

#: a price is "flat" when this share of the hours lies within FLAT_BAND of the median price
FLAT_SHARE, FLAT_BAND = 0.9, 0.01
#: storage "never cycles" below this many equivalent full cycles a year
MIN_CYCLES = 10.0
#: a thermal class "never runs" below this many full-load hours
MIN_HOURS = 200.0


def flags(ds: xr.Dataset) -> list[str]:
    """Plain sentences on what a planner would question in this run (empty when nothing)."""
    out: list[str] = []
    w = ds["weight_h"]
    per_year = 8760.0 / float(w.sum())  # a run over part of a year, not scaled to it, is read as a rate
    price = ds["marginal_price_cny_per_mwh"]
    if not bool(price.isnull().all()):
        p = price.sum("zone").values if price.sizes.get("zone", 1) == 1 else price.mean("zone").values
        med = float(np.nanmedian(p))
        near = np.abs(p - med) <= FLAT_BAND * max(abs(med), 1.0)
        if float(np.mean(near)) >= FLAT_SHARE:
            out.append(f"prices are nearly flat: {float(np.mean(near)):.0%} of the hours lie within 1 % of "
                       f"{med:,.1f} CNY/MWh, so the hourly dispatch shown is one of many optimal ones and the "
                       "price carries no signal for storage or demand response")
    for s in ds["storage"].values.astype(str):
        e = float(ds["energy_capacity_total_mwh"].sel(storage=s))
        if e <= 0:
            continue
        cycles = float((ds["storage_discharge_mw"].sel(storage=s) * w).sum()) / e * per_year
        if cycles < MIN_CYCLES:
            held = _held_by(ds, s)
            out.append(f"{s} ({float(ds['capacity_total_mw'].sel(technology=s)):,.0f} MW / {e:,.0f} MWh) makes only "
                       f"{cycles:.1f} full cycles a year" + (f"; it is held by {held}" if held else ""))
    for g in ds["generator"].values.astype(str):
        carrier = str(ds["carrier"].sel(technology=g).values)
        cap = float(ds["capacity_total_mw"].sel(technology=g))
        if carrier not in ("coal", "gas") or cap <= 1.0:
            continue
        hours = float((ds["generation_mw"].sel(generator=g) * w).sum()) / cap * per_year
        if hours < MIN_HOURS:
            held = _held_by(ds, g)
            out.append(f"{g}: {cap:,.0f} MW run only {hours:,.0f} full-load hours a year"
                       + (f"; its capacity is held by {held}" if held else ""))
    for j, p in enumerate(ds["policy"].values.astype(str)):
        d = float(ds["policy_dual"].values[j])
        if p.startswith("cap_") and math.isfinite(d) and abs(d) > 1e-6:
            out.append(f"the capacity target {p} binds (shadow price {abs(d) / 1e3:,.0f} CNY/kW/yr): the mix it asks "
                       "for costs more than the least-cost one")
    if "chp" in ds.dims and ds.sizes["chp"] and "heat_load_mw" not in ds:
        out.append("the CHP units have no steam duty (the run names no heat demand, inputs.heat_load): they run "
                   "as power plants only")
    unserved = float(ds["unserved_mwh"])
    if unserved >= 0.5:  # below half a MWh a year: the interior point's noise
        out.append(f"{unserved:,.0f} MWh of load are shed over the year")
    if "heat_unserved_mw" in ds:
        short = float((ds["heat_unserved_mw"].sum(ds["heat_unserved_mw"].dims[1]) * w).sum())
        if short >= 0.5:
            out.append(f"{short:,.0f} MWh of heat demand are not met")
    cmp = read_back(ds)
    if cmp is not None:
        for label, r in cmp[~cmp["ok"]].iterrows():
            out.append(f"calibration: {label} is {r['model']:,.4g} {r['unit']} against {r['sense']} "
                       f"{r['statistic']:,.4g} ({(r['model'] - r['statistic']) / r['statistic']:+.0%}, "
                       f"tolerance {r['tolerance']:.0%})")
    return out


def _held_by(ds: xr.Dataset, tech: str) -> str:
    """The binding capacity target(s) counting ``tech`` (by their description), or ''."""
    names = []
    for j, p in enumerate(ds["policy"].values.astype(str)):
        d = float(ds["policy_dual"].values[j])
        # "capacity target <name>: <tech>+<tech> <sense> <value> <unit>" (optimizer.model.targets)
        counted = str(ds["policy_description"].values[j]).split(": ", 1)[-1].split(" ", 1)[0].split("+")
        if p.startswith("cap_") and math.isfinite(d) and abs(d) > 1e-6 and tech in counted:
            names.append(p)
        elif p == "reserve_margin" and math.isfinite(d) and abs(d) > 1e-6:
            names.append(p)
    return " and ".join(f"the {n} row" for n in names)
