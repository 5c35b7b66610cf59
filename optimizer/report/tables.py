"""The report's tables: pure functions from a results Dataset to pandas DataFrames.

Every number comes from ``results.nc``; annual quantities are sums over steps weighted by
``weight_h`` (so a cut of the year scaled to a full year gives annual figures). Tables carry a
``total`` row computed as the sum of their rows, which equals the results' own totals (tests check
this): capacity, energy (= annual load energy), emissions (= ``co2_t``) and cost (= ``total_cost_cny``).

Tables are language-neutral: the index holds ids (technology, component, target), code columns hold
keys (``met``, ``not_met``...), and column names are stable identifiers with their unit
(``existing_mw``). :func:`localize` turns one into display form for a language.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
import yaml

from optimizer.inputs.techtable import KINDS, SUPPLY_KINDS
from optimizer.report import i18n

TOTAL = "total"
MET_RTOL = 1e-6

# results variables the report reads; a results.nc without one of them is not a usable results file
REQUIRED_VARS = (
    "load_mw", "weight_h", "capacity_existing_mw", "capacity_new_mw", "capacity_total_mw",
    "energy_capacity_existing_mwh", "energy_capacity_new_mwh", "energy_capacity_total_mwh",
    "generation_mw", "curtailment_mw", "storage_charge_mw", "storage_discharge_mw", "storage_soc_mwh",
    "import_mw", "unserved_mw", "marginal_price_cny_per_mwh", "energy_mwh", "emissions_t", "cost_cny",
    "policy_rhs", "policy_dual", "total_cost_cny", "co2_t", "unserved_mwh", "coal_share", "nonfossil_share",
    "carbon_shadow_price_cny_per_t",
)
REQUIRED_COORDS = ("time", "technology", "kind", "carrier", "generator", "storage", "corridor", "component",
                   "owner", "policy", "policy_sense", "policy_unit", "policy_target")


# ----------------------------------------------------------------------------- basics

def weights(ds: xr.Dataset) -> np.ndarray:
    """Hours of the year each step stands for (h)."""
    return np.asarray(ds["weight_h"].values, dtype=float)


def load_series(ds: xr.Dataset) -> pd.Series:
    """Load summed over zones (MW), indexed by time."""
    return pd.Series(ds["load_mw"].sum("zone").values, index=pd.DatetimeIndex(ds["time"].values), name="load_mw")


def load_energy_mwh(ds: xr.Dataset) -> float:
    """Annual load energy: sum of load_mw x weight_h over steps and zones (MWh/yr)."""
    return float(ds["load_mw"].sum("zone").values @ weights(ds))


def _annual(da: xr.DataArray, ds: xr.Dataset) -> np.ndarray:
    """Weighted sum over time of a (time, x) array -> MWh/yr per x."""
    return weights(ds) @ np.asarray(da.values, dtype=float)


def _scalar(ds: xr.Dataset, name: str) -> float:
    return float(ds[name].values) if name in ds else float("nan")


def _with_total(df: pd.DataFrame, sum_cols: list[str], **fixed: Any) -> pd.DataFrame:
    total = {c: df[c].sum(min_count=1) for c in sum_cols}
    total.update(fixed)
    row = pd.DataFrame([total], index=pd.Index([TOTAL], name=df.index.name))
    return pd.concat([df, row.reindex(columns=df.columns)])


def parse_attr(ds: xr.Dataset, name: str) -> Any:
    """A JSON (or Python-literal) attribute as data; the raw text if it parses as neither."""
    raw = ds.attrs.get(name)
    if raw is None:
        return None
    if not isinstance(raw, str):
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        pass
    try:
        return ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        return raw


def config(ds: xr.Dataset) -> dict[str, Any]:
    """The resolved config stored with the results (empty if absent or unreadable)."""
    try:
        cfg = yaml.safe_load(ds.attrs.get("config_yaml", "") or "")
    except yaml.YAMLError:
        return {}
    return cfg if isinstance(cfg, dict) else {}


def is_typical_days(ds: xr.Dataset) -> bool:
    """Whether the results come from a typical-day run (they carry the calendar of typical days)."""
    return "typical_day" in ds and "calendar_day" in ds.dims


# time-series variables that follow the calendar when a typical-day run is read back in order
def chronological(ds: xr.Dataset) -> xr.Dataset:
    """A typical-day run read back as the calendar year: each calendar day gets its typical day's steps.

    Annual sums are unchanged (a typical step's weight is its day count times the step, and here
    every calendar step has weight ``step_h``), so every table still adds up to the results. The
    state of charge is rebuilt from the inter-day state :math:`X_d` and the intra-day change
    :math:`x_{k,t}`: :math:`\\kappa^{t+1} X_d + x_{k(d),t}`. Other results are returned unchanged.
    """
    if not is_typical_days(ds):
        return ds
    seq = np.asarray(ds["typical_day"].values, dtype=int)
    spd = int(ds["typical_day"].attrs.get("steps_per_day") or len(ds["time"]) // (int(seq.max()) + 1))
    idx = (seq[:, None] * spd + np.arange(spd)[None, :]).ravel()  # typical step of each calendar step
    step_h = float(np.asarray(ds["step_h"].values)[0])
    days = np.asarray(ds["calendar_day"].values, dtype="datetime64[ns]")
    offsets = (np.arange(spd) * step_h * 3600e9).astype("timedelta64[ns]")
    stamps = pd.DatetimeIndex((days[:, None] + offsets[None, :]).ravel(), name="time")
    out = ds.drop_vars([v for v in ds.data_vars if "time" in ds[v].dims]).drop_dims("time")
    for v in ds.data_vars:  # every hourly result: generation, imports, commitment, heat, reserve, prices, ...
        if "time" in ds[v].dims and v not in ("storage_soc_mwh", "weight_h"):
            out[v] = ds[v].isel(time=idx).assign_coords(time=stamps)
    out["weight_h"] = xr.DataArray(np.full(len(idx), step_h), dims="time", attrs=ds["weight_h"].attrs)
    intra = np.asarray(ds["storage_soc_mwh"].values, dtype=float)[idx]  # (calendar steps, storage)
    start = np.asarray(ds["storage_soc_day_start_mwh"].values, dtype=float)  # (days, storage)
    keep = (np.asarray(ds["storage_keep_per_step"].values, dtype=float) if "storage_keep_per_step" in ds
            else np.ones(start.shape[1]))
    decay = keep[None, None, :] ** (np.arange(1, spd + 1)[None, :, None])  # (1, spd, storage)
    soc = (start[:, None, :] * decay).reshape(-1, start.shape[1]) + intra
    out["storage_soc_mwh"] = xr.DataArray(np.maximum(soc, 0.0), dims=("time", "storage"),
                                          coords={"time": stamps}, attrs={
                                              "units": "MWh", "long_name": "state of charge, end of step "
                                              "(rebuilt from the typical days and the inter-day state)"})
    out.attrs["typical_days_expanded"] = "true"
    return out


# ----------------------------------------------------------------------------- targets

def plan_targets(ds: xr.Dataset) -> dict[str, Any]:
    """The plan's target entries the run used (attrs ``plan_targets``).

    Results written before the run stored them: the targets file named in ``input_files`` if it is
    still there, else the repo's ``seeds/targets.yaml``.
    """
    stored = parse_attr(ds, "plan_targets")
    if isinstance(stored, dict):
        return {str(k): v for k, v in stored.items() if isinstance(v, dict)}
    candidates: list[Path] = []
    files = parse_attr(ds, "input_files")
    if isinstance(files, dict) and files.get("targets"):
        candidates.append(Path(files["targets"]))
    import optimizer

    candidates.append(Path(optimizer.__file__).resolve().parents[1] / "seeds" / "targets.yaml")
    for path in candidates:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError):
            continue
        if isinstance(data, dict):
            return {str(k): v for k, v in data.items() if isinstance(v, dict)}
    return {}


_DISPLAY = {  # model unit -> (display unit, factor)
    "MW": ("GW", 1e-3),
    "MWh": ("GWh", 1e-3),
    "per-unit": ("%", 100.0),
    "tCO2/yr": ("Mt CO2/yr", 1e-6),
    "m3/yr": ("bcm/yr", 1e-9),
}
_PLAN_UNIT = {"GW": ("GW", 1.0), "GWh": ("GWh", 1.0), "percent": ("%", 1.0), "MtCO2/yr": ("Mt CO2/yr", 1.0),
              "MW": ("GW", 1e-3), "bcm/yr": ("bcm/yr", 1.0)}
#: how a plan entry that is no row of the run is read (seeds/targets.yaml ``model``) -> its status
_READING_STATUS = {"trend": "pathway_row", "input": "scenario_input", "lever": "lever", "not_modelled": "not_modelled"}


def _display(unit: str) -> tuple[str, float]:
    return _DISPLAY.get(unit, (unit, 1.0))


def _capacity_target_rows(cfg: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Policy row name -> capacity target definition (from the resolved config)."""
    out: dict[str, dict[str, Any]] = {}
    for ct in (cfg.get("policy") or {}).get("capacity_targets") or []:
        name = ct.get("name")
        if not name:
            continue
        if ct.get("sense") == "==" and float(ct.get("tolerance") or 0.0) > 0:
            out[f"cap_{name}_min"] = ct
            out[f"cap_{name}_max"] = ct
        else:
            out[f"cap_{name}"] = ct
    return out


def _achieved(ds: xr.Dataset, row: str, cap_rows: dict[str, dict[str, Any]]) -> float:
    """The left-hand side of policy row ``row`` at the solution, in the row's unit (NaN if not in the results)."""
    if row in cap_rows:
        ct = cap_rows[row]
        techs = list(ct.get("technologies") or [])
        if ct.get("measure") == "energy":
            var = "energy_capacity_new_mwh" if ct.get("new_only") else "energy_capacity_total_mwh"
            return float(ds[var].sel(storage=techs).sum())
        var = "capacity_new_mw" if ct.get("new_only") else "capacity_total_mw"
        return float(ds[var].sel(technology=techs).sum())
    if row in ("coal_share", "nonfossil_share", "clean_electricity_share"):
        return _scalar(ds, row)
    if row == "co2_cap":  # the cap's own scope (power, or city-wide): the row's left-hand side
        if "policy_lhs" in ds and np.isfinite(float(ds["policy_lhs"].sel(policy=row))):
            return float(ds["policy_lhs"].sel(policy=row))
        return _scalar(ds, "co2_t")
    if "policy_lhs" in ds and row in ds["policy"].values:  # any other row with a constant right-hand side
        return float(ds["policy_lhs"].sel(policy=row))
    return float("nan")


#: |dual| above which an imposed row binds (CNY/yr per unit of the row), as the CLI's "binding policies"
BINDING_DUAL = 1e-6


def _policy_flag(ds: xr.Dataset, coord: str, j: int, default: Any) -> Any:
    """A per-row flag of the policy table (results before schema 3 lack it: the default)."""
    return ds[coord].values[j].item() if coord in ds.coords else default


def is_met(achieved: float, sense: str, rhs: float) -> bool | None:
    """Whether ``achieved sense rhs`` holds within a relative tolerance of 1e-6 (of max(|rhs|, 1))."""
    if not np.isfinite(achieved) or not np.isfinite(rhs):
        return None
    tol = MET_RTOL * max(abs(rhs), 1.0)
    if sense == ">=":
        return achieved >= rhs - tol
    if sense == "<=":
        return achieved <= rhs + tol
    return abs(achieved - rhs) <= tol


TARGET_COLUMNS = ["rows", "clause", "quote", "sense", "plan_value", "lower", "upper", "achieved", "unit",
                  "status", "marginal_cost", "marginal_cost_unit", "dual", "note", "plan_note", "plan_note_zh", "why"]


def targets_table(ds: xr.Dataset, targets: dict[str, Any] | None = None) -> pd.DataFrame:
    """The plan's targets side by side with what the solution achieves.

    One row per plan target (a target with a tolerance band has two model rows, shown as lower and
    upper bound), one per model row without a target (reserve margin), a CO2 row and any plan entry
    of the run's year that is not a row of this run. Values are in display units (GW, %, Mt CO2/yr);
    ``status`` is ``met``, ``not_met``, ``no_target`` (CO2 without a cap), ``model_constraint`` (a row
    that is not a plan target), ``not_modelled`` (a plan entry that is no row of the run) or
    ``not_evaluated`` (a row whose left-hand side is not in the results).
    """
    targets = plan_targets(ds) if targets is None else targets
    cap_rows = _capacity_target_rows(config(ds))
    year = int(ds.attrs.get("year", 0) or 0)
    pol = ds["policy"].values.astype(str)
    # rows of one target and one family (cap_gas_min + cap_gas_max) form one line of the table
    groups: dict[tuple[str, str], list[int]] = {}
    for j, p in enumerate(pol):
        tid = str(ds["policy_target"].values[j]) or ""
        base = p.removesuffix("_min").removesuffix("_max") if p.startswith("cap_") else p
        groups.setdefault((tid, base), []).append(j)
    tid_count: dict[str, int] = {}
    for tid, _ in groups:
        tid_count[tid] = tid_count.get(tid, 0) + 1

    records: list[dict[str, Any]] = []
    index: list[str] = []
    for (tid, base), idx in groups.items():
        entry = targets.get(tid, {}) if tid else {}
        unit_model = str(ds["policy_unit"].values[idx[0]])
        unit, f = _display(unit_model)
        lower = upper = np.nan
        achieved = np.nan
        statuses: list[bool | None] = []
        duals = []
        for j in idx:
            p, sense, rhs = pol[j], str(ds["policy_sense"].values[j]), float(ds["policy_rhs"].values[j])
            a = _achieved(ds, p, cap_rows)
            achieved = a if np.isfinite(a) else achieved
            if sense in (">=", "=="):
                lower = rhs * f
            if sense in ("<=", "=="):
                upper = rhs * f
            statuses.append(is_met(a, sense, rhs))
            duals.append(float(ds["policy_dual"].values[j]))
        note = ""
        enforced = all(_policy_flag(ds, "policy_enforced", j, True) for j in idx)
        why = next((str(_policy_flag(ds, "policy_by_construction", j, "")) for j in idx
                    if _policy_flag(ds, "policy_by_construction", j, "")), "")
        finite = [d for d in duals if np.isfinite(d)]
        dual = max(finite, key=abs) if finite else np.nan
        if not tid and (pol[idx[0]] == "reserve_margin" or any(s is None for s in statuses)):
            # a row of the model, not of the plan (reserve margin): its value is shown, no verdict
            status = "model_constraint"
            note = "reserve_note" if pol[idx[0]] == "reserve_margin" and not np.isfinite(achieved) else ""
        elif any(s is None for s in statuses):
            status = "not_evaluated"
        elif not all(statuses):
            status = "not_met"
        elif not enforced:
            status, note = "met", "checked_note"
        elif why:  # the model's limits make it hold whatever the optimum: say so, not a plain "met"
            status, note = "by_construction", "by_construction_note"
        else:
            status = "binding" if np.isfinite(dual) and abs(dual) > BINDING_DUAL else "met"
        if not enforced and status == "not_met":
            note = "checked_note"
        mcost, mcost_unit = _marginal_cost(ds, pol[idx[0]], unit_model, dual)
        records.append({
            "rows": ", ".join(pol[j] for j in idx),
            "clause": entry.get("clause", ""),
            "quote": entry.get("quote", ""),
            "sense": entry.get("sense") or str(ds["policy_sense"].values[idx[0]]),
            "plan_value": _plan_value(entry, unit),
            "lower": lower, "upper": upper,
            "achieved": achieved * f,
            "unit": unit, "status": status, "marginal_cost": mcost, "marginal_cost_unit": mcost_unit,
            "dual": dual, "note": note, **_plan_notes(entry), "why": why,
        })
        index.append(base if not tid else tid if tid_count[tid] == 1 else f"{tid} ({base})")

    if "co2_cap" not in pol:
        peak = next((k for k in targets if k.startswith("carbon_peak")), "")
        entry = targets.get(peak, {})
        records.append({
            "rows": "", "clause": entry.get("clause", ""), "quote": entry.get("quote", ""), "sense": "<=",
            "plan_value": np.nan, "lower": np.nan, "upper": np.nan,
            "achieved": _scalar(ds, "co2_city_t" if "co2_city_t" in ds else "co2_t") * 1e-6, "unit": "Mt CO2/yr",
            "status": "no_target", "marginal_cost": np.nan, "marginal_cost_unit": "", "dual": np.nan,
            "note": "no_cap_city_note" if "co2_city_t" in ds else "no_cap_note", **_plan_notes(entry),
        })
        index.append(peak or "co2")

    used = set(index)
    for tid, entry in targets.items():
        if tid in used or _year(entry.get("year")) != year:
            continue
        unit, _ = _PLAN_UNIT.get(str(entry.get("unit")), (str(entry.get("unit")), 1.0))
        # a target the model can impose but this run does not (a base year), or one outside the model
        status = _READING_STATUS.get(str(entry.get("model") or "not_modelled"), "not_in_run")
        rec = {"rows": "", "clause": entry.get("clause", ""), "quote": entry.get("quote", ""),
               "sense": entry.get("sense", ""), "plan_value": _plan_value(entry, unit), "lower": np.nan,
               "upper": np.nan, "achieved": np.nan, "unit": unit, "status": status, "marginal_cost": np.nan,
               "marginal_cost_unit": "", "dual": np.nan,
               "note": "", **_plan_notes(entry)}
        records.append(rec)
        index.append(tid)
    return pd.DataFrame(records, index=pd.Index(index, name="target_id"), columns=TARGET_COLUMNS)


def _year(v: Any) -> int | None:
    """A target entry's year as an int (2025, "2025", 2025.0), None if it is none."""
    try:
        return int(float(v))
    except (TypeError, ValueError):
        return None


def _plan_notes(entry: dict[str, Any]) -> dict[str, str]:
    """How the model reads a plan entry (targets file ``note`` / ``note_zh``), for the report's note column."""
    return {"plan_note": str(entry.get("note") or ""), "plan_note_zh": str(entry.get("note_zh") or "")}


def _marginal_cost(ds: xr.Dataset, row: str, unit: str, dual: float) -> tuple[float, str]:
    """What tightening a row by one unit of the plan would cost: |dual| in a readable unit.

    Capacity rows: CNY/kW/yr (CNY/kWh/yr for energy); shares: M CNY/yr per percentage point (from
    the results' ``*_cost_cny_per_pp``); the CO2 cap: the carbon shadow price in CNY/tCO2.
    """
    if row in ("coal_share", "nonfossil_share", "clean_electricity_share"):
        if row == "clean_electricity_share":  # the row is A - s L >= 0 in MWh: a point of s is L / 100 MWh
            if not np.isfinite(dual) or "load_mw" not in ds:
                return float("nan"), ""
            load = float(ds["weight_h"].values @ ds["load_mw"].values.sum(axis=1))
            return abs(dual) * load * 0.01 / 1e6, "M CNY/yr per pp"
        return abs(_scalar(ds, f"{row}_cost_cny_per_pp")) / 1e6, "M CNY/yr per pp"
    if unit == "m3/yr":
        return (abs(dual), "CNY/m3") if np.isfinite(dual) else (float("nan"), "")
    if row == "co2_cap":
        return abs(_scalar(ds, "carbon_shadow_price_cny_per_t")), "CNY/tCO2"
    if not np.isfinite(dual):
        return float("nan"), ""
    if unit == "MW":
        return abs(dual) / 1e3, "CNY/kW/yr"
    if unit == "MWh":
        return abs(dual) / 1e3, "CNY/kWh/yr"
    return abs(dual), f"CNY/yr per {unit}"


def _plan_value(entry: dict[str, Any], unit: str) -> float:
    v = entry.get("value")
    if v is None:
        return float("nan")
    plan_unit, f = _PLAN_UNIT.get(str(entry.get("unit")), (unit, 1.0))
    return float(v) * f if plan_unit == unit else float("nan")


# ----------------------------------------------------------------------------- capacity, energy, imports

SUBTOTAL_PREFIX = "total_"  # capacity_table: one subtotal row per kind (total_generator, ...)


#: how a row's sense reads (an "about" target is ≈)
SENSE = {">=": "≥", "<=": "≤", "==": "≈"}


def is_total_row(key: object) -> bool:
    """Whether a row id is a total or subtotal row (shown in bold, left out of figures)."""
    return key == TOTAL or (isinstance(key, str) and (
        (key.startswith(SUBTOTAL_PREFIX) and key.removeprefix(SUBTOTAL_PREFIX) in KINDS)
        or key.endswith("|" + TOTAL)))  # a steam network's total in the heat table


def capacity_table(ds: xr.Dataset) -> pd.DataFrame:
    """Installed capacity by technology, existing vs new (MW), storage energy capacity (MWh).

    Rows are grouped by kind (local generators, storage, import corridors), each group followed by
    its subtotal row (``total_<kind>``): local plant, storage power and corridor capacity are not
    added together, since a corridor is no installed capacity of the city.
    """
    techs = ds["technology"].values.astype(str)
    df = pd.DataFrame({
        "kind": ds["kind"].values.astype(str),
        "carrier": ds["carrier"].values.astype(str),
        "existing_mw": ds["capacity_existing_mw"].values,
        "new_mw": ds["capacity_new_mw"].values,
        "total_mw": ds["capacity_total_mw"].values,
    }, index=pd.Index(techs, name="technology"))
    stores = ds["storage"].values.astype(str)
    for col, var in (("energy_existing_mwh", "energy_capacity_existing_mwh"),
                     ("energy_new_mwh", "energy_capacity_new_mwh"),
                     ("energy_total_mwh", "energy_capacity_total_mwh")):
        df[col] = pd.Series(ds[var].values, index=stores).reindex(df.index).astype(float)
    sums = ["existing_mw", "new_mw", "total_mw", "energy_existing_mwh", "energy_new_mwh", "energy_total_mwh"]
    parts = []
    for kind in dict.fromkeys(["generator", "storage", "import", *df["kind"]]):
        grp = df[df["kind"] == kind]
        if len(grp):
            sub = _with_total(grp, sums, kind=kind, carrier="")
            parts.append(sub.rename(index={TOTAL: SUBTOTAL_PREFIX + kind}))
    return pd.concat(parts) if parts else df


CHARGE_SUFFIX = ":charge"


def energy_table(ds: xr.Dataset) -> pd.DataFrame:
    """Annual energy by source (GWh/yr): generation, imports, storage discharge and charging, unserved.

    Storage charging is a negative row, so the total equals the annual load energy (the hourly
    balance closes). Curtailment and full-load hours are given per generator.
    """
    rows: list[dict[str, Any]] = []
    index: list[str] = []
    load = load_energy_mwh(ds)
    cap = ds["capacity_total_mw"].to_series()
    gens = ds["generator"].values.astype(str)
    gen_e = _annual(ds["generation_mw"], ds)
    curt = _annual(ds["curtailment_mw"], ds)
    for j, g in enumerate(gens):
        index.append(g)
        rows.append({"kind": "generator", "energy_gwh": gen_e[j] / 1e3, "curtailment_gwh": curt[j] / 1e3,
                     "full_load_hours": gen_e[j] / cap[g] if cap[g] > 0 else np.nan})
    cors = ds["corridor"].values.astype(str)
    imp_e = _annual(ds["import_mw"], ds)
    for j, c in enumerate(cors):
        index.append(c)
        rows.append({"kind": "import", "energy_gwh": imp_e[j] / 1e3, "curtailment_gwh": np.nan,
                     "full_load_hours": imp_e[j] / cap[c] if cap[c] > 0 else np.nan})
    if "curtailed_mw" in ds:  # demand response: the load it curtails stands in for supply
        dr_e = _annual(ds["curtailed_mw"], ds)
        for j, k in enumerate(ds["demand_response"].values.astype(str)):
            index.append(k)
            rows.append({"kind": "demand_response", "energy_gwh": dr_e[j] / 1e3, "curtailment_gwh": np.nan,
                         "full_load_hours": dr_e[j] / cap[k] if cap[k] > 0 else np.nan})
    stores = ds["storage"].values.astype(str)
    dis = _annual(ds["storage_discharge_mw"], ds)
    chg = _annual(ds["storage_charge_mw"], ds)
    for j, s in enumerate(stores):
        index.append(s)
        rows.append({"kind": "storage", "energy_gwh": dis[j] / 1e3, "curtailment_gwh": np.nan,
                     "full_load_hours": dis[j] / cap[s] if cap[s] > 0 else np.nan})
    for j, s in enumerate(stores):
        index.append(s + CHARGE_SUFFIX)
        rows.append({"kind": "storage", "energy_gwh": -chg[j] / 1e3, "curtailment_gwh": np.nan,
                     "full_load_hours": np.nan})
    index.append("unserved")
    rows.append({"kind": "unserved", "energy_gwh": float(_annual(ds["unserved_mw"], ds).sum()) / 1e3,
                 "curtailment_gwh": np.nan, "full_load_hours": np.nan})
    df = pd.DataFrame(rows, index=pd.Index(index, name="source"))
    df["share_of_load_pct"] = df["energy_gwh"] * 1e3 / load * 100 if load else np.nan
    vre = variable_renewables(ds)
    offered = df["energy_gwh"] + df["curtailment_gwh"]
    df["renewable_utilisation_pct"] = np.where(df.index.isin(vre) & (offered > 0), df["energy_gwh"] / offered * 100,
                                               np.nan)
    df = df[["kind", "energy_gwh", "share_of_load_pct", "curtailment_gwh", "renewable_utilisation_pct",
             "full_load_hours"]]
    out = _with_total(df, ["energy_gwh", "share_of_load_pct", "curtailment_gwh"], kind="")
    out.loc[TOTAL, "renewable_utilisation_pct"] = renewable_utilisation(ds) * 100  # PV and wind together
    return out


def imports_table(ds: xr.Dataset) -> pd.DataFrame:
    """Per import corridor: capacity, annual energy, peak flow, utilisation, emissions and cost."""
    cors = ds["corridor"].values.astype(str)
    w = weights(ds)
    imp = np.asarray(ds["import_mw"].values, dtype=float)
    cap = ds["capacity_total_mw"].sel(technology=cors).values
    energy = w @ imp if len(cors) else np.zeros(0)
    cost = ds["cost_cny"].sum("component").sel(owner=cors).values
    df = pd.DataFrame({
        "capacity_mw": cap,
        "energy_gwh": energy / 1e3,
        "peak_mw": imp.max(axis=0) if imp.size else np.zeros(len(cors)),
        "utilisation_pct": np.where(cap > 0, energy / np.where(cap > 0, cap, 1.0) / w.sum() * 100, np.nan),
        "emissions_mt": ds["emissions_t"].sel(technology=cors).values / 1e6,
        "cost_m_cny": cost / 1e6,
    }, index=pd.Index(cors, name="corridor"))
    out = _with_total(df, ["capacity_mw", "energy_gwh", "emissions_mt", "cost_m_cny"])
    tot_cap = float(df["capacity_mw"].sum())
    out.loc[TOTAL, "utilisation_pct"] = (float(energy.sum()) / tot_cap / w.sum() * 100) if tot_cap else np.nan
    return out


def corridor_months_table(ds: xr.Dataset) -> pd.DataFrame:
    """Energy received through each corridor by month (``m01`` ... ``m12``, GWh), in the wet (June-October)
    and dry (December-April) seasons of the hydro corridors (:data:`optimizer.calibration.WET`, ``DRY``)
    with the corridor's utilisation in each season. Months the results do not cover are left out; a
    typical-day run is read along the calendar."""
    from optimizer.calibration import DRY, WET

    cors = ds["corridor"].values.astype(str)
    if not len(cors):
        return pd.DataFrame()
    w = weights(ds)
    month = pd.DatetimeIndex(ds["time"].values).month
    imp = np.asarray(ds["import_mw"].values, dtype=float)
    cap = ds["capacity_total_mw"].sel(technology=cors).values
    out = pd.DataFrame(index=pd.Index(cors, name="corridor"))
    for mo in range(1, 13):
        sel = month == mo
        if sel.any():
            out[f"m{mo:02d}"] = w[sel] @ imp[sel] / 1e3
    hydro = ds["carrier"].sel(technology=cors).values.astype(str) == "hydro"  # the seasons are the rivers'
    for season, months in (("wet", WET), ("dry", DRY)):
        sel = np.isin(month, months)
        if not sel.any() or not hydro.any():
            continue
        e = w[sel] @ imp[sel]
        out[f"{season}_gwh"] = np.where(hydro, e / 1e3, np.nan)
        hours = float(w[sel].sum())
        out[f"{season}_utilisation_pct"] = np.where(hydro & (cap > 0), e / np.where(cap > 0, cap, 1.0) / hours * 100,
                                                    np.nan)
    return out


GAS_ROWS = ("power_heat", "non_power", TOTAL, "pipeline")


def gas_months_table(ds: xr.Dataset) -> pd.DataFrame:
    """Natural gas by month (million m3, ``m01`` ... ``m12``): burnt by power plants, CHP units and boilers (the
    year's ``gas_use_power_m3`` split along the hourly gas burnt, ``fuel_tce_per_h``), used outside the power
    sector (the year's figure spread over the hours: the config gives it by the year), their total, and the
    pipeline capability spread likewise (the ``gas_supply`` row's limit, which the model holds by the year, so
    a month above it shows where the winter peak would need storage or LNG). Months the results do not cover
    are left out; empty for results without gas."""
    if "fuel_tce_per_h" not in ds or "gas" not in ds["fuel"].values or "gas_use_power_m3" not in ds:
        return pd.DataFrame()
    w = weights(ds)
    month = pd.DatetimeIndex(ds["time"].values).month
    fuel = ds["fuel_tce_per_h"].sel(fuel="gas").values.astype(float)
    burnt = float(w @ fuel)
    power = float(ds["gas_use_power_m3"])
    other = float(ds["gas_use_non_power_m3"]) if "gas_use_non_power_m3" in ds else 0.0
    pipe = float(ds["policy_rhs"].sel(policy="gas_supply")) if "gas_supply" in ds["policy"].values else np.nan
    hours = float(w.sum())
    out = pd.DataFrame(index=pd.Index(list(GAS_ROWS), name="item"))
    for mo in range(1, 13):
        sel = month == mo
        if sel.any():
            share_h = float(w[sel].sum()) / hours
            p = power * float(w[sel] @ fuel[sel]) / burnt if burnt > 0 else 0.0
            out[f"m{mo:02d}"] = np.array([p, other * share_h, p + other * share_h, pipe * share_h]) / 1e6
    return out


# ----------------------------------------------------------------------------- emissions and cost

def emissions_table(ds: xr.Dataset) -> pd.DataFrame:
    """Annual CO2 emissions by technology (Mt/yr), intensity and share; the total equals ``co2_t``."""
    techs = ds["technology"].values.astype(str)
    e = ds["emissions_t"].values.astype(float)
    energy = ds["energy_mwh"].values.astype(float)
    total = float(e.sum())
    df = pd.DataFrame({
        "kind": ds["kind"].values.astype(str),
        "energy_gwh": energy / 1e3,
        "emissions_mt": e / 1e6,
        "intensity_t_per_mwh": np.where(energy > 0, e / np.where(energy > 0, energy, 1.0), np.nan),
        "share_pct": e / total * 100 if total else np.zeros_like(e),
    }, index=pd.Index(techs, name="technology"))
    out = _with_total(df, ["emissions_mt", "share_pct"], kind="")
    supply = float(energy[np.isin(ds["kind"].values.astype(str), SUPPLY_KINDS)].sum())
    out.loc[TOTAL, "energy_gwh"] = supply / 1e3
    out.loc[TOTAL, "intensity_t_per_mwh"] = total / supply if supply else np.nan
    return out


def cost_by_component(ds: xr.Dataset) -> pd.DataFrame:
    """Annual cost by component (M CNY/yr), per MWh of load and share; the total equals ``total_cost_cny``."""
    comp = ds["component"].values.astype(str)
    c = ds["cost_cny"].sum("owner").values.astype(float)
    load = load_energy_mwh(ds)
    total = float(c.sum())
    df = pd.DataFrame({
        "cost_m_cny": c / 1e6,
        "cost_cny_per_mwh": c / load if load else np.nan,
        "share_pct": c / total * 100 if total else np.zeros_like(c),
    }, index=pd.Index(comp, name="component"))
    return _with_total(df, list(df.columns))


def cost_by_technology(ds: xr.Dataset) -> pd.DataFrame:
    """Annual cost by technology (rows) and component (columns), M CNY/yr, with totals."""
    cost = ds["cost_cny"].transpose("owner", "component")
    df = pd.DataFrame(cost.values / 1e6, index=pd.Index(ds["owner"].values.astype(str), name="owner"),
                      columns=ds["component"].values.astype(str))
    df = df.loc[(df.abs().sum(axis=1) > 0) | (df.index != "unserved")]
    df[TOTAL] = df.sum(axis=1)
    return _with_total(df, list(df.columns))


def _annual_ef(ds: xr.Dataset, name: str) -> float:
    from optimizer.results import annual_emission_factor

    v = annual_emission_factor(ds, name)
    return np.nan if v is None else v


def renewable_utilisation(ds: xr.Dataset) -> float:
    """新能源利用率: PV and wind energy used over what the weather offered (used + curtailed), per unit;
    NaN without PV or wind."""
    vre = variable_renewables(ds)
    if not vre:
        return np.nan
    w = weights(ds)
    used = float(w @ ds["generation_mw"].sel(generator=vre).sum("generator").values)
    curt = float(w @ ds["curtailment_mw"].sel(generator=vre).sum("generator").values)
    return used / (used + curt) if used + curt > 0 else np.nan


def headline_table(ds: xr.Dataset) -> pd.DataFrame:
    """Headline figures: cost, cost per MWh, load, CO2, shadow prices, shares, unserved, prices, status."""
    load = load_energy_mwh(ds)
    price = ds["marginal_price_cny_per_mwh"]
    w = ds["weight_h"]
    mean_price = (np.nan if bool(price.isnull().all())
                  else float((price * w).sum() / (w * price.notnull()).sum()))
    cost = _scalar(ds, "total_cost_cny")
    vals: dict[str, Any] = {
        "scenario": ds.attrs.get("scenario", ""),
        "year": int(ds.attrs.get("year", 0) or 0),
        "total_cost_bn_cny": cost / 1e9,
        "cost_per_mwh": cost / load if load else np.nan,
        "load_energy_twh": load / 1e6,
        "peak_load_mw": float(ds["load_mw"].sum("zone").max()),
        "co2_mt": _scalar(ds, "co2_t") / 1e6,
        "carbon_shadow_price": _scalar(ds, "carbon_shadow_price_cny_per_t"),
        "coal_share_pct": _scalar(ds, "coal_share") * 100,
        "nonfossil_share_pct": _scalar(ds, "nonfossil_share") * 100,
        "share_basis": "basis_" + str(ds.attrs.get("share_basis", "")),
        "unserved_mwh": _scalar(ds, "unserved_mwh"),
        "mean_price": mean_price,
        "co2_city_mt": _scalar(ds, "co2_city_t") / 1e6 if "co2_city_t" in ds else np.nan,
        "gas_use_bcm": _scalar(ds, "gas_use_m3") / 1e9 if "gas_use_m3" in ds else np.nan,
        "renewable_utilisation_pct": renewable_utilisation(ds) * 100,
        "ef_avg_t_per_mwh": _annual_ef(ds, "emission_factor_avg_t_per_mwh"),
        "ef_marginal_t_per_mwh": _annual_ef(ds, "emission_factor_marginal_t_per_mwh"),
        "coal_share_cost_m_cny_per_pp": _scalar(ds, "coal_share_cost_cny_per_pp") / 1e6,
        "nonfossil_share_cost_m_cny_per_pp": _scalar(ds, "nonfossil_share_cost_cny_per_pp") / 1e6,
        "solver_status": ds.attrs.get("solver_status", ""),
    }
    return pd.DataFrame({"value": pd.Series(vals, dtype=object)}).rename_axis("item")


# ----------------------------------------------------------------------------- weeks and hourly series

@dataclass(frozen=True)
class Week:
    """A window of the results shown as an hourly dispatch stack (``start`` None: missing)."""

    key: str                      # week_summer, week_winter, week_lowest
    start: pd.Timestamp | None
    end: pd.Timestamp | None      # exclusive
    rule: str                     # i18n key of how it was chosen
    note: str = ""                # i18n key of what is missing or short
    note_n: int = 0
    peak_time: pd.Timestamp | None = None
    n_steps: int = 0
    mean_load_mw: float = float("nan")
    max_load_mw: float = float("nan")


_WEEK = pd.Timedelta(days=7)


def _window_around(load: pd.Series, when: pd.Timestamp) -> tuple[pd.Timestamp, pd.Timestamp]:
    """7 days starting at 00:00, the peak's day in the middle, shifted to lie within the results."""
    first = load.index[0].normalize()
    last = load.index[-1]
    start = when.normalize() - pd.Timedelta(days=3)
    start = min(start, (last - _WEEK + pd.Timedelta(hours=1)).ceil("D"))
    start = max(start, first)
    return start, start + _WEEK


def _make_week(key: str, load: pd.Series, start: pd.Timestamp, end: pd.Timestamp, rule: str, note: str = "",
               peak: pd.Timestamp | None = None) -> Week:
    sel = load[(load.index >= start) & (load.index < end)]
    return Week(key=key, start=start, end=end, rule=rule, note=note, note_n=len(load), peak_time=peak,
                n_steps=len(sel), mean_load_mw=float(sel.mean()) if len(sel) else np.nan,
                max_load_mw=float(sel.max()) if len(sel) else np.nan)


def select_weeks(ds: xr.Dataset) -> list[Week]:
    """The summer-peak week, the winter week and the lowest-load week of the results.

    * summer-peak: 7 days from 00:00 around the highest-load hour in June–September (if the results
      have no such hour: around the highest-load hour of the results, said in the note);
    * winter: 7 days around the highest-load hour in December–February (missing if none);
    * lowest-load: the 168 h window starting at 00:00 with the lowest mean load.

    Results shorter than a week give the whole period for each, with a note.
    """
    load = load_series(ds)
    idx = load.index
    if len(load) == 0:
        return [Week(k, None, None, r, "missing") for k, r in
                (("week_summer", "summer_rule"), ("week_winter", "winter_rule"), ("week_lowest", "lowest_rule"))]
    step = (idx[1] - idx[0]) if len(idx) > 1 else pd.Timedelta(hours=1)
    span_end = idx[-1] + step
    short = span_end - idx[0] < _WEEK
    weeks: list[Week] = []

    summer = load[idx.month.isin([6, 7, 8, 9])]
    if len(summer):
        peak = summer.idxmax()
        rule, note = "summer_rule", ""
    else:
        peak = load.idxmax()
        rule, note = "summer_rule_fallback", "no_summer"
    if short:
        weeks.append(_make_week("week_summer", load, idx[0], span_end, rule, "short_results", peak))
    else:
        s, e = _window_around(load, peak)
        weeks.append(_make_week("week_summer", load, s, e, rule, note, peak))

    winter = load[idx.month.isin([12, 1, 2])]
    if not len(winter):
        weeks.append(Week("week_winter", None, None, "winter_rule", "no_winter"))
    elif short:
        weeks.append(_make_week("week_winter", load, idx[0], span_end, "winter_rule", "short_results",
                                winter.idxmax()))
    else:
        peak = winter.idxmax()
        s, e = _window_around(load, peak)
        weeks.append(_make_week("week_winter", load, s, e, "winter_rule", "", peak))

    if short:
        weeks.append(_make_week("week_lowest", load, idx[0], span_end, "lowest_rule", "short_results"))
    else:
        best: tuple[float, pd.Timestamp] | None = None
        day = idx[0].normalize() if idx[0] == idx[0].normalize() else idx[0].ceil("D")
        while day + _WEEK <= span_end:
            window = load[(idx >= day) & (idx < day + _WEEK)]
            m = float(window.mean())
            if best is None or m < best[0]:
                best = (m, day)
            day += pd.Timedelta(days=1)
        if best is None:  # fewer than 7 whole days from the first midnight: start at the first step
            best = (float("nan"), idx[0])
        weeks.append(_make_week("week_lowest", load, best[1], best[1] + _WEEK, "lowest_rule"))
    return weeks


_DAY = pd.Timedelta(days=1)


def select_days(ds: xr.Dataset) -> list[Week]:
    """典型日: the day of the highest load, the day of the lowest load, and a typical summer (July-August)
    and winter (December-February) working day, each the season's weekday whose daily load is the median
    (a season the results do not cover is left out). Whole days only, from 00:00."""
    load = load_series(ds)
    if len(load) == 0:
        return []
    whole = load.groupby(load.index.normalize()).agg(["size", "sum", "max", "min"])
    steps_per_day = int(whole["size"].max())
    whole = whole[whole["size"] == steps_per_day]
    if not len(whole):
        return []
    picks = [("day_max", whole["max"].idxmax(), "day_max"), ("day_min", whole["min"].idxmin(), "day_min")]
    for key, months in (("day_summer", (7, 8)), ("day_winter", (12, 1, 2))):
        season = whole[whole.index.month.isin(months) & (whole.index.dayofweek < 5)]
        if len(season):
            order = season["sum"].sort_values(kind="stable")
            picks.append((key, order.index[(len(order) - 1) // 2], key))
    return [_make_week(key, load, day, day + _DAY, rule) for key, day, rule in picks]


def week_title(week: Week) -> str:
    """i18n key of a week's heading: a summer week chosen without summer hours is the peak-load week."""
    return "week_peak" if week.rule == "summer_rule_fallback" else week.key


def weeks_table(weeks: list[Week]) -> pd.DataFrame:
    """The chosen weeks: start, end, number of steps, peak hour, mean and max load, rule and note keys."""
    rows = []
    for wk in weeks:
        rows.append({
            "start": wk.start, "end": (wk.end - pd.Timedelta(hours=1)) if wk.end is not None else None,
            "hours": wk.n_steps, "peak_time": wk.peak_time, "mean_load_mw": wk.mean_load_mw,
            "max_load_mw": wk.max_load_mw, "rule": wk.rule, "note": wk.note, "note_n": wk.note_n,
            "title": week_title(wk),
        })
    return pd.DataFrame(rows, index=pd.Index([wk.key for wk in weeks], name="week"))


def moving_units(ds: xr.Dataset, tol: float = 0.01) -> list[str]:
    """Generators and corridors that run strictly inside their range in some step (above ``tol`` of
    capacity and more than ``tol`` of capacity below what is available) and change over the steps:
    the units that share the margin. Wind and PV count as available up to output plus curtailment, so
    one that follows its weather without curtailment is not listed."""
    out = []
    weather = set(variable_renewables(ds))
    for var, dim in (("generation_mw", "generator"), ("import_mw", "corridor")):
        for k in ds[dim].values.astype(str):
            x = np.asarray(ds[var].sel({dim: k}).values, dtype=float)
            cap = float(ds["capacity_total_mw"].sel(technology=k))
            if cap <= 0 or not len(x):
                continue
            avail = x + np.asarray(ds["curtailment_mw"].sel(generator=k).values, dtype=float) if k in weather \
                else np.full_like(x, cap)
            inside = (x > tol * cap) & (x < avail - tol * cap)
            if inside.any() and float(x.max() - x.min()) > tol * cap:
                out.append(k)
    return out


def variable_renewables(ds: xr.Dataset) -> list[str]:
    """Generators whose output follows the weather (carrier solar or wind)."""
    carrier = ds["carrier"].to_series()
    return [g for g in ds["generator"].values.astype(str) if carrier.get(g) in ("solar", "wind")]


def net_load_series(ds: xr.Dataset) -> pd.Series:
    """Load minus available PV and wind output (generation + curtailment), MW."""
    load = load_series(ds)
    vre = variable_renewables(ds)
    if not vre:
        return load.rename("net_load_mw")
    avail = (ds["generation_mw"].sel(generator=vre) + ds["curtailment_mw"].sel(generator=vre)).sum("generator")
    return (load - avail.values).rename("net_load_mw")


def dispatch_frame(ds: xr.Dataset, start: pd.Timestamp | None = None, end: pd.Timestamp | None = None
                   ) -> pd.DataFrame:
    """Hourly supply and use (MW) in [start, end): one column per generator, corridor, storage discharge,
    storage charging (negative, ``<s>:charge``), ``unserved``, ``curtailment`` (total) and ``load``."""
    t = pd.DatetimeIndex(ds["time"].values)
    mask = np.ones(len(t), dtype=bool)
    if start is not None:
        mask &= t >= start
    if end is not None:
        mask &= t < end
    cols: dict[str, np.ndarray] = {}
    for g in ds["generator"].values.astype(str):
        cols[g] = ds["generation_mw"].sel(generator=g).values[mask]
    for c in ds["corridor"].values.astype(str):
        cols[c] = ds["import_mw"].sel(corridor=c).values[mask]
    for s in ds["storage"].values.astype(str):
        cols[s] = ds["storage_discharge_mw"].sel(storage=s).values[mask]
    if "curtailed_mw" in ds:  # demand response: load curtailed meets the load like supply
        for k in ds["demand_response"].values.astype(str):
            cols[k] = ds["curtailed_mw"].sel(demand_response=k).values[mask]
    for s in ds["storage"].values.astype(str):
        cols[s + CHARGE_SUFFIX] = -ds["storage_charge_mw"].sel(storage=s).values[mask]
    cols["unserved"] = ds["unserved_mw"].sum("zone").values[mask]
    cols["curtailment"] = ds["curtailment_mw"].sum("generator").values[mask]
    cols["load"] = ds["load_mw"].sum("zone").values[mask]
    return pd.DataFrame(cols, index=pd.DatetimeIndex(t[mask], name="time"))


def soc_frame(ds: xr.Dataset) -> pd.DataFrame:
    """State of charge per storage (MWh), indexed by time."""
    return pd.DataFrame({s: ds["storage_soc_mwh"].sel(storage=s).values for s in ds["storage"].values.astype(str)},
                        index=pd.DatetimeIndex(ds["time"].values, name="time"))


def duration_frame(ds: xr.Dataset) -> pd.DataFrame:
    """Load and net load sorted from highest to lowest, against cumulative hours of the year."""
    load = load_series(ds)
    net = net_load_series(ds)
    w = weights(ds)
    ol, on = np.argsort(-load.values, kind="stable"), np.argsort(-net.values, kind="stable")
    return pd.DataFrame({
        "hours_load": np.cumsum(w[ol]), "load_mw": load.values[ol],
        "hours_net_load": np.cumsum(w[on]), "net_load_mw": net.values[on],
    })


def price_matrix(ds: xr.Dataset, zone: str | None = None) -> pd.DataFrame:
    """Marginal price (CNY/MWh) as a day x hour-of-day table (rows: dates, columns: 0..23)."""
    price = ds["marginal_price_cny_per_mwh"]
    z = zone if zone is not None else str(ds["zone"].values[0])
    s = pd.Series(price.sel(zone=z).values, index=pd.DatetimeIndex(ds["time"].values))
    df = pd.DataFrame({"date": s.index.normalize(), "hour": s.index.hour, "price": s.values})
    return df.pivot_table(index="date", columns="hour", values="price", aggfunc="mean", dropna=False).reindex(
        columns=range(24))


# ----------------------------------------------------------------------------- metadata

def metadata_table(ds: xr.Dataset) -> pd.DataFrame:
    """The run's metadata as (section, item, value) rows: identity, solver, versions, times, checks, inputs."""
    rows: list[tuple[str, str, str]] = []
    for key in ("scenario", "year", "created_utc", "inputs_hash", "results_schema_version", "share_basis",
                "time_aggregation", "solver_status", "highs_model_status"):
        if key in ds.attrs:
            rows.append(("run", key, str(ds.attrs[key])))
    for section in ("versions", "times_s", "solver_options", "solver_info", "checks", "input_files"):
        data = parse_attr(ds, section)
        if isinstance(data, dict):
            rows += [(section, str(k), _fmt_meta(v)) for k, v in data.items()]
        elif data is not None:
            rows.append((section, "", str(data)))
    return pd.DataFrame(rows, columns=["section", "item", "value"])


def _fmt_meta(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


# ----------------------------------------------------------------------------- all tables, localized

# ----------------------------------------------------------------------------- operation and calibration

def calibration_table(ds: xr.Dataset) -> pd.DataFrame:
    """The run against the public statistics of its calibration table (empty without one)."""
    from optimizer.calibration import read_back

    cmp = read_back(ds)
    if cmp is None:
        return pd.DataFrame(columns=["model", "sense", "statistic", "unit", "difference_pct", "tolerance_pct",
                                     "within", "year", "reference", "note"]).rename_axis("figure")
    return pd.DataFrame({
        "model": cmp["model"], "sense": cmp["sense"], "statistic": cmp["statistic"], "unit": cmp["unit"],
        "difference_pct": (cmp["model"] - cmp["statistic"]) / cmp["statistic"].where(cmp["statistic"] != 0) * 100,
        "tolerance_pct": cmp["tolerance"] * 100, "within": np.where(cmp["ok"], "yes", "no"),
        "year": cmp["year"], "reference": cmp["source"], "note": cmp["note"],
    }, index=pd.Index(cmp.index, name="figure"))


def operation_table(ds: xr.Dataset) -> pd.DataFrame:
    """How each dispatchable technology ran: full-load hours, starts and hours online of the unit classes,
    heat, storage cycles, demand-response hours."""
    w = weights(ds)
    cap = ds["capacity_total_mw"].to_series()
    rows: dict[str, dict[str, Any]] = {}
    committed = set(ds["committable"].values.astype(str)) if "committed_mw" in ds else set()
    heat = ds["heat_mwh"].to_series() if "heat_mwh" in ds else None
    for g in ds["generator"].values.astype(str):
        carrier = str(ds["carrier"].sel(technology=g).values)
        if carrier not in ("coal", "gas", "biomass") or cap[g] <= 0:
            continue
        e = float(w @ ds["generation_mw"].sel(generator=g).values)
        row: dict[str, Any] = {"kind": "generator", "capacity_mw": cap[g], "energy_gwh": e / 1e3,
                               "full_load_hours": e / cap[g]}
        if g in committed:
            u = ds["committed_mw"].sel(committable=g).values
            row["mean_committed_pct"] = float(w @ u) / w.sum() / cap[g] * 100
            occurs = w / np.asarray(ds["step_h"].values, dtype=float)  # a start is an event, not an hour
            row["starts_per_year"] = float(occurs @ ds["startup_mw"].sel(committable=g).values) / cap[g]
        if heat is not None and g in heat.index:
            row["heat_gwh"] = float(heat[g]) / 1e3
        rows[g] = row
    for b in (ds["boiler"].values.astype(str) if "boiler" in ds.dims else []):
        e = float(ds["energy_mwh"].sel(technology=b))
        rows[b] = {"kind": "boiler", "capacity_mw": cap[b], "heat_gwh": e / 1e3,
                   "full_load_hours": e / cap[b] if cap[b] > 0 else np.nan}
    for s in ds["storage"].values.astype(str):
        e_cap = float(ds["energy_capacity_total_mwh"].sel(storage=s))
        dis = float(w @ ds["storage_discharge_mw"].sel(storage=s).values)
        rows[s] = {"kind": "storage", "capacity_mw": cap[s], "energy_gwh": dis / 1e3,
                   "full_load_hours": dis / cap[s] if cap[s] > 0 else np.nan,
                   "cycles_per_year": dis / e_cap if e_cap > 0 else np.nan}
    if "curtailed_mw" in ds:
        for k in ds["demand_response"].values.astype(str):
            e = float(w @ ds["curtailed_mw"].sel(demand_response=k).values)
            rows[k] = {"kind": "demand_response", "capacity_mw": cap[k], "energy_gwh": e / 1e3,
                       "full_load_hours": e / cap[k] if cap[k] > 0 else np.nan}
    cols = ["kind", "capacity_mw", "energy_gwh", "full_load_hours", "mean_committed_pct", "starts_per_year",
            "heat_gwh", "cycles_per_year"]
    return pd.DataFrame.from_dict(rows, orient="index").reindex(columns=cols).rename_axis("technology")


def heat_table(ds: xr.Dataset) -> pd.DataFrame:
    """Annual heat balance of each steam network (GWh of heat): demand, supply by source, unmet, marginal cost."""
    if "heat_load_mw" not in ds:
        return pd.DataFrame(columns=["heat_network", "source", "demand_gwh", "supply_gwh", "share_pct",
                                     "mean_cost_cny_per_mwh"]).rename_axis("row")
    w = weights(ds)
    rows, index = [], []
    sources = []
    if "heat_mw" in ds:
        sources += [(c, "heat_mw", "chp", str(n)) for c, n in zip(ds["chp"].values.astype(str),
                                                                   ds["chp_network"].values.astype(str), strict=True)]
    if "boiler_heat_mw" in ds:
        sources += [(b, "boiler_heat_mw", "boiler", str(n)) for b, n in zip(
            ds["boiler"].values.astype(str), ds["boiler_network"].values.astype(str), strict=True)]
    for net in ds["heat_network"].values.astype(str):
        demand = float(w @ ds["heat_load_mw"].sel(heat_network=net).values)
        price = ds["heat_marginal_cost_cny_per_mwh"].sel(heat_network=net).values
        for k, var, dim, n in sources:
            if n != net:
                continue
            e = float(w @ ds[var].sel({dim: k}).values)
            index.append(f"{net}|{k}")
            rows.append({"heat_network": net, "source": k, "demand_gwh": np.nan, "supply_gwh": e / 1e3,
                         "share_pct": e / demand * 100 if demand else np.nan, "mean_cost_cny_per_mwh": np.nan})
        short = float(w @ ds["heat_unserved_mw"].sel(heat_network=net).values) if "heat_unserved_mw" in ds else 0.0
        index.append(f"{net}|{TOTAL}")
        rows.append({"heat_network": net, "source": TOTAL, "demand_gwh": demand / 1e3,
                     "supply_gwh": (demand - short) / 1e3, "share_pct": (demand - short) / demand * 100 if demand
                     else np.nan, "mean_cost_cny_per_mwh": float(np.nansum(price * w) / w.sum())
                     if not np.isnan(price).all() else np.nan})
    return pd.DataFrame(rows, index=pd.Index(index, name="row"))


# ----------------------------------------------------------------------------- page one: the recommended plan

#: a build, energy or emission below this (MW, MWh, t) is solver noise, shown as 0
ZERO = 1e-3
_COST_COLUMNS = ("capex_cny_per_kw", "capex_cny_per_kwh", "lifetime_yr", "flex_retrofit_capex_cny_per_kw")


def technology_costs(ds: xr.Dataset) -> tuple[pd.DataFrame | None, str]:
    """Overnight costs of the run's technologies (CNY/kW, CNY/kWh, lifetime, retrofit CNY/kW), and the file.

    The results store no technology table: it is read from the file named in ``input_files`` (else the
    config's ``inputs.technologies``), with the config's ``technologies:`` overrides applied as the run
    did. ``(None, path)`` if the file is gone or unreadable (the report says so).
    """
    from optimizer.errors import InputError
    from optimizer.inputs.techtable import read_csv

    files = parse_attr(ds, "input_files")
    cfg = config(ds)
    path = (files.get("technologies") if isinstance(files, dict) else None) or \
        (cfg.get("inputs") or {}).get("technologies") or ""
    if not path:
        return None, ""
    try:
        raw = read_csv(Path(path), "technology table")
    except (InputError, OSError):
        return None, str(path)
    if "name" not in raw:
        return None, str(path)
    out = pd.DataFrame(index=pd.Index(raw["name"].astype(str), name="technology"))
    for c in _COST_COLUMNS:
        out[c] = pd.to_numeric(raw[c], errors="coerce").to_numpy() if c in raw else np.nan
    for tech, attrs in (cfg.get("technologies") or {}).items():
        if tech in out.index and isinstance(attrs, dict):
            for c in _COST_COLUMNS:
                if attrs.get(c) is not None:
                    out.at[tech, c] = float(attrs[c])
    return out, str(path)


def plan_build(ds: xr.Dataset) -> pd.DataFrame:
    """What the plan builds: new power (MW) and storage energy (MWh) per technology, flexibility retrofits,
    their overnight cost (CNY/kW, CNY/kWh) and overnight investment (CNY): MW x CNY/kW x 1000 plus
    MWh x CNY/kWh x 1000. Only rows that build something (above :data:`ZERO`); a ``total`` row. The
    investment is NaN where the technology table cannot be read (``attrs['costs_file']`` names it)."""
    costs, path = technology_costs(ds)
    techs = ds["technology"].values.astype(str)
    new_mw = pd.Series(ds["capacity_new_mw"].values, index=techs, dtype=float)
    new_mwh = pd.Series(ds["energy_capacity_new_mwh"].values, index=ds["storage"].values.astype(str), dtype=float)
    kinds = ds["kind"].to_series().set_axis(techs)
    rows, index = [], []
    for order in ("generator", "storage", "import", "boiler", "demand_response", *dict.fromkeys(kinds)):
        for t in techs[kinds.to_numpy() == order]:
            if t in index:
                continue
            mw, mwh = float(new_mw[t]), float(new_mwh.get(t, 0.0))
            if mw <= ZERO and mwh <= ZERO:
                continue
            c = costs.loc[t] if costs is not None and t in costs.index else None
            per_kw = float(c["capex_cny_per_kw"]) if c is not None else np.nan
            per_kwh = float(c["capex_cny_per_kwh"]) if c is not None else np.nan
            inv = (np.nan if c is None else
                   mw * np.nan_to_num(per_kw) * 1e3 + (mwh * np.nan_to_num(per_kwh) * 1e3 if mwh > ZERO else 0.0))
            rows.append({"kind": order, "new_mw": mw if mw > ZERO else 0.0,
                         "new_mwh": mwh if mwh > ZERO else np.nan, "capex_cny_per_kw": per_kw,
                         "capex_cny_per_kwh": per_kwh if mwh > ZERO else np.nan, "investment_cny": inv})
            index.append(t)
    if "flex_retrofit_mw" in ds and "flex_retrofit" in ds.dims:  # a total (MW) over the retrofittable classes
        mw = float(ds["flex_retrofit_mw"].sum())
        classes = ds["flex_retrofit"].values.astype(str)
        if mw > ZERO:
            per = [float(costs.at[g, "flex_retrofit_capex_cny_per_kw"]) if costs is not None and g in costs.index
                   else np.nan for g in classes]
            per_kw = per[0] if len(set(per)) == 1 else np.nan  # one cost: the split between classes is moot
            rows.append({"kind": "flex_retrofit", "new_mw": mw, "new_mwh": np.nan, "capex_cny_per_kw": per_kw,
                         "capex_cny_per_kwh": np.nan, "investment_cny": mw * per_kw * 1e3})
            index.append((classes[0] if len(classes) == 1 else "flex") + FLEX_SUFFIX)
    df = pd.DataFrame(rows, index=pd.Index(index, name="technology"),
                      columns=["kind", "new_mw", "new_mwh", "capex_cny_per_kw", "capex_cny_per_kwh", "investment_cny"])
    out = _with_total(df, ["investment_cny"], kind="")
    out.attrs["costs_file"] = "" if costs is not None else (path or "?")
    return out


FLEX_SUFFIX = ":flex_retrofit"


def binding_rows(ds: xr.Dataset) -> pd.DataFrame:
    """The imposed rows that bind (|dual| above :data:`BINDING_DUAL`), with what one more unit costs.

    ``value`` is the marginal value of the row in a plain unit (``value_unit``): CNY/yr per MW (or MWh,
    m3) of the right-hand side; M CNY/yr per percentage point of a share; CNY/t of the CO2 cap. ``sense``
    says which way: a floor (>=) costs that much per unit more required, a ceiling (<=) saves that much
    per unit more allowed.
    """
    recs, index = [], []
    for j, p in enumerate(ds["policy"].values.astype(str)):
        dual = float(ds["policy_dual"].values[j])
        if not np.isfinite(dual) or abs(dual) <= BINDING_DUAL or not _policy_flag(ds, "policy_enforced", j, True):
            continue
        unit = str(ds["policy_unit"].values[j])
        value, value_unit = abs(dual), f"CNY/yr per {unit}"
        if p in ("coal_share", "nonfossil_share", "clean_electricity_share"):
            value, value_unit = _marginal_cost(ds, p, unit, dual)
        elif p == "co2_cap":
            value, value_unit = _marginal_cost(ds, p, unit, dual)
        recs.append({"target": str(ds["policy_target"].values[j]), "sense": str(ds["policy_sense"].values[j]),
                     "unit": unit, "rhs": float(ds["policy_rhs"].values[j]), "dual": dual, "value": value,
                     "value_unit": value_unit})
        index.append(p)
    return pd.DataFrame(recs, index=pd.Index(index, name="policy"),
                        columns=["target", "sense", "unit", "rhs", "dual", "value", "value_unit"])


def plan_summary(ds: xr.Dataset, build: pd.DataFrame | None = None) -> dict[str, Any]:
    """Page one's figures: overnight investment (CNY), annual system cost (CNY/yr), annual load (MWh),
    average supply cost (CNY/kWh = total cost / annual load), CO2 of power and city-wide (t/yr)."""
    build = plan_build(ds) if build is None else build
    load = load_energy_mwh(ds)
    cost = _scalar(ds, "total_cost_cny")
    return {
        "investment_cny": float(build.loc[TOTAL, "investment_cny"]) if TOTAL in build.index else 0.0,
        "annual_cost_cny": cost,
        "load_mwh": load,
        "supply_cost_cny_per_kwh": cost / (load * 1e3) if load else np.nan,
        "co2_t": _scalar(ds, "co2_t"),
        "co2_city_t": _scalar(ds, "co2_city_t"),
        "costs_file": build.attrs.get("costs_file", ""),
    }


def balance_flows(ds: xr.Dataset) -> Iterator[tuple[str, str, str, np.ndarray]]:
    """(zone, results variable, key, MW per step) of each entry of the electricity balance as the families
    registered it (``balance_terms``): what the entry injects into its zone."""
    for zone, name, key, coef in (parse_attr(ds, "balance_terms") or {}).get("electricity", []):
        var = ds[name]
        dim = next(d for d in var.dims if d != "time")
        yield zone, name, key, coef * var.sel({dim: key}).values


#: the rows of the power balance below the technologies
BALANCE_ROWS = ("load", "reserve_requirement", "surplus")


def power_balance_table(ds: xr.Dataset) -> pd.DataFrame:
    """电力平衡 at the step of highest load and at the step of lowest load: the supply available and given.

    (Not a full 调峰平衡, which would weigh the downward flexibility at the valley: must-run and minimum
    stable output, fixed corridor schedules and the weather against the valley load.)

    Per technology (heat-only boilers left out): installed capacity, what was available in that step
    (``available_mw``: availability and weather) and what it gave (generation, imports received, storage
    and demand response net of charging). Below: the load, the operating reserve required and the surplus
    (+) or deficit (-) of what was available over load plus reserve. The output is each technology's entries
    of the registered balance (``balance_terms``). Typical-day runs: the modelled steps. Empty when the
    results predate ``available_mw``.
    """
    if "available_mw" not in ds:
        return pd.DataFrame()
    load = ds["load_mw"].sum("zone").values
    steps = {"peak": int(np.argmax(load)), "valley": int(np.argmin(load))}
    out = pd.DataFrame(index=pd.Index(_power_techs(ds), name="technology"))
    out["installed_mw"] = ds["capacity_total_mw"].sel(technology=out.index).values
    given = _given(ds, list(out.index))
    reserve = ds["reserve_requirement_mw"].values if "reserve_requirement_mw" in ds else np.zeros(len(load))
    rows = {}
    for tag, i in steps.items():
        avail = ds["available_mw"].isel(time=i).sel(technology=out.index).values
        out[f"{tag}_available_mw"] = avail
        out[f"{tag}_output_mw"] = given[i]
        rows[tag] = {"load": float(load[i]), "reserve_requirement": float(reserve[i]),
                     "surplus": float(np.nansum(avail)) - float(load[i]) - float(reserve[i])}
    extra = pd.DataFrame(index=pd.Index(list(BALANCE_ROWS), name="technology"), columns=out.columns, dtype=float)
    for tag in steps:
        for r in BALANCE_ROWS:
            extra.at[r, f"{tag}_available_mw"] = rows[tag][r]
    out = pd.concat([out, extra])
    out.attrs["steps"] = {tag: str(ds["time"].values[i])[:16].replace("T", " ") for tag, i in steps.items()}
    return out


def _power_techs(ds: xr.Dataset) -> list[str]:
    """The technologies of the power balance (heat-only boilers left out)."""
    return [str(k) for k, kd in zip(ds["technology"].values, ds["kind"].values, strict=True) if str(kd) != "boiler"]


def _given(ds: xr.Dataset, techs: list[str]) -> np.ndarray:
    """(time, technology) each technology's injection into the power balance, as the families registered it
    (generation, imports received, storage discharge less charging, load curtailed)."""
    out = np.zeros((ds.sizes["time"], len(techs)))
    col = {k: j for j, k in enumerate(techs)}
    for _zone, _name, key, flow in balance_flows(ds):
        if key in col:
            out[:, col[key]] += flow
    return out


#: the rows of the downward-flexibility balance below the technologies
REGULATION_ROWS = ("load", "floor_total", "curtailment", "room_total")


def regulation_table(ds: xr.Dataset) -> pd.DataFrame:
    """调峰平衡, the downward flexibility: at the step of lowest load (``valley``) and at the step where the
    flexibility left is least (``tight``).

    Per technology (heat-only boilers left out): what it gave in the step, the lowest it could have given
    (``min_output_mw``: the minimum stable output of what is committed, the power that comes with the heat
    delivered, a block-scheduled corridor's schedule, a corridor's contracted minimum, storage charging at
    full power) and the room between them (调峰能力). Below: the load, the lowest outputs together, the
    renewable output curtailed in the step, and the room in total (调峰裕度: output less the lowest outputs;
    with none left the step curtails or sheds). Typical-day runs: the modelled steps. Empty for results
    without ``min_output_mw``."""
    if "min_output_mw" not in ds:
        return pd.DataFrame()
    techs = _power_techs(ds)
    given = _given(ds, techs)
    floor = ds["min_output_mw"].sel(technology=techs).transpose("time", "technology").values
    room = given - floor
    load = ds["load_mw"].sum("zone").values
    curtailed = ds["curtailment_mw"].sum("generator").values
    steps = {"valley": int(np.argmin(load)), "tight": int(np.argmin(room.sum(axis=1)))}
    out = pd.DataFrame(index=pd.Index(techs, name="technology"))
    extra = pd.DataFrame(index=pd.Index(list(REGULATION_ROWS), name="technology"), dtype=float)
    for tag, i in steps.items():
        out[f"{tag}_output_mw"], out[f"{tag}_floor_mw"], out[f"{tag}_room_mw"] = given[i], floor[i], room[i]
        extra[f"{tag}_output_mw"] = [load[i], np.nan, curtailed[i], np.nan]
        extra[f"{tag}_floor_mw"] = [np.nan, floor[i].sum(), np.nan, np.nan]
        extra[f"{tag}_room_mw"] = [np.nan, np.nan, np.nan, room[i].sum()]
    out = pd.concat([out, extra])
    out.attrs["steps"] = {tag: str(ds["time"].values[i])[:16].replace("T", " ") for tag, i in steps.items()}
    return out


#: the rows of the firm-capacity balance below the technologies
FIRM_ROWS = ("firm_total", "peak_load", "reserve_required", "firm_surplus")


def firm_balance_table(ds: xr.Dataset) -> pd.DataFrame:
    """电力平衡 on the capacity basis (the planning 电力平衡表): per technology its installed capacity, the share
    counted as firm (its credit; storage: the power backed for ``firm_duration_h``) and the firm capacity
    (``firm_capacity_mw``); below, the firm total, the peak load, the reserve margin's requirement (peak x
    (1 + margin): the ``reserve_margin`` policy row, or the peak alone without one) and the surplus of firm
    capacity over it. Empty for results without ``firm_capacity_mw``."""
    if "firm_capacity_mw" not in ds:
        return pd.DataFrame()
    installed = ds["capacity_total_mw"].to_series()
    firm = ds["firm_capacity_mw"].to_series()
    kinds = ds["kind"].to_series()
    keep = [k for k in firm.index if kinds[k] != "boiler" and (installed[k] > 0 or firm[k] > 0)]
    out = pd.DataFrame({"installed_mw": installed[keep], "firm_credit_pct": np.where(
        installed[keep] > 0, firm[keep] / installed[keep].where(installed[keep] > 0, 1.0) * 100, np.nan),
        "firm_mw": firm[keep]}, index=pd.Index(keep, name="technology"))
    # the hourly peak, as the reserve margin sizes it (a typical-day or averaged run's steps peak lower); the
    # requirement is the margin's row, or the zones' rows together (zonal scope), or the peak alone without one
    peak = (float(ds["peak_load_hourly_mw"].sum()) if "peak_load_hourly_mw" in ds
            else float(ds["load_mw"].sum("zone").max()))
    rows = [str(p) for p in ds["policy"].values if str(p) == "reserve_margin" or str(p).startswith("reserve_margin_")]
    need = float(ds["policy_rhs"].sel(policy=rows).sum()) if rows else peak
    total = float(out["firm_mw"].sum())
    extra = pd.DataFrame({"firm_mw": [total, peak, need, total - need]},
                         index=pd.Index(list(FIRM_ROWS), name="technology"))
    out = pd.concat([out, extra.reindex(columns=out.columns)])
    out.attrs["margin_pct"] = (need / peak - 1) * 100 if peak > 0 else np.nan
    return out


def zone_balance_table(ds: xr.Dataset) -> pd.DataFrame:
    """分区电力平衡 (runs with more than one zone): per zone, at the system's step of highest load and of
    lowest load, the zone's load, the capacity available in it and what its plants gave, what it received
    net over the links (sent: negative, losses on the sending side) and the surplus: available plus net
    received less load. The output and the flows are the zone's entries of the registered balance
    (``balance_terms``): a technology's entries are its own; every other entry is a link's."""
    if ds.sizes.get("zone", 1) < 2 or "available_mw" not in ds:
        return pd.DataFrame()
    load = ds["load_mw"]
    total = load.sum("zone").values
    steps = {"peak": int(np.argmax(total)), "valley": int(np.argmin(total))}
    zones = ds["zone"].values.astype(str)
    techs = set(ds["technology"].values.astype(str))
    tzone = ds["technology_zone"].to_series()
    kinds = ds["kind"].to_series()
    out = pd.DataFrame(index=pd.Index(zones, name="zone"))
    given = {z: np.zeros(len(total)) for z in zones}
    received = {z: np.zeros(len(total)) for z in zones}
    shed = {z: np.zeros(len(total)) for z in zones}
    for zone, name, key, flow in balance_flows(ds):
        if key in techs:
            given[zone] = given[zone] + flow
        elif name.startswith("link_"):
            received[zone] = received[zone] + flow
        else:  # load not served (unserved_mw, keyed by the zone): a shortfall, not an import
            shed[zone] = shed[zone] + flow
    for tag, i in steps.items():
        avail = ds["available_mw"].isel(time=i).to_series()
        out[f"{tag}_zone_load_mw"] = load.isel(time=i).sel(zone=zones).values
        out[f"{tag}_available_mw"] = [float(avail[(tzone == z) & (kinds != "boiler")].sum()) for z in zones]
        out[f"{tag}_output_mw"] = [float(given[z][i]) for z in zones]
        out[f"{tag}_net_import_mw"] = [float(received[z][i]) for z in zones]
        out[f"{tag}_unserved_mw"] = [float(shed[z][i]) for z in zones]
        out[f"{tag}_surplus_mw"] = (out[f"{tag}_available_mw"] + out[f"{tag}_net_import_mw"]
                                    - out[f"{tag}_zone_load_mw"])
    out = out.drop(columns=[c for c in out.columns if c.endswith("_unserved_mw") and not out[c].abs().max() > 1e-6])
    out = _with_total(out, list(out.columns))
    out.attrs["steps"] = {tag: str(ds["time"].values[i])[:16].replace("T", " ") for tag, i in steps.items()}
    return out


def link_ends(ds: xr.Dataset) -> dict[str, dict[str, Any]]:
    """Each link's zones (``a``, ``b``) and the share of the power sent that arrives (``keep``), read from the
    registered balance (``balance_terms``)."""
    ends: dict[str, dict[str, Any]] = {}
    for zone, name, key, coef in (parse_attr(ds, "balance_terms") or {}).get("electricity", []):
        if name == "link_fwd_mw":
            end = ends.setdefault(key, {})
            end["a" if coef < 0 else "b"] = zone
            if coef > 0:
                end["keep"] = coef
    return ends


def zone_firm_table(ds: xr.Dataset) -> pd.DataFrame:
    """电力平衡 per zone on the capacity basis (runs with more than one zone): the firm capacity located in each
    zone, its own peak load, what the reserve margin asks of it (its zonal row; with the system scope its peak
    times the system's margin, for reading), the capacity of the links into it (what its neighbours could send
    at the peak, less losses) and the surplus of the two over the requirement (a deficit: the zone leans on
    more than its links can carry)."""
    if ds.sizes.get("zone", 1) < 2 or "firm_capacity_mw" not in ds or "peak_load_hourly_mw" not in ds:
        return pd.DataFrame()
    zones = ds["zone"].values.astype(str)
    firm = ds["firm_capacity_mw"].to_series()
    tzone = ds["technology_zone"].to_series()
    peak = ds["peak_load_hourly_mw"].to_series()
    rhs = ds["policy_rhs"].to_series()
    factor = float(rhs["reserve_margin"]) / float(peak.sum()) if "reserve_margin" in rhs else 1.0
    link_in = dict.fromkeys(zones, 0.0)
    for k, end in link_ends(ds).items():
        cap = float(ds["link_capacity_total_mw"].sel(link=k)) * end.get("keep", 1.0)
        link_in[end["a"]] += cap
        link_in[end["b"]] += cap
    out = pd.DataFrame(index=pd.Index(zones, name="zone"))
    out["firm_mw"] = [float(firm[tzone == z].sum()) for z in zones]
    out["peak_zone_load_mw"] = peak.reindex(zones).values
    out["reserve_required_mw"] = [float(rhs.get(f"reserve_margin_{z}", peak[z] * factor)) for z in zones]
    out["link_in_mw"] = [link_in[z] for z in zones]
    out["firm_surplus_mw"] = out["firm_mw"] + out["link_in_mw"] - out["reserve_required_mw"]
    return out


def links_table(ds: xr.Dataset) -> pd.DataFrame:
    """Transmission between zones (runs with links): per link its zones, capacity (existing and new), mean flow
    each way, the hours at its capacity (congested) and the congestion rent: what the power received is worth
    at the receiving zone's price less what it was worth where it was sent (CNY/yr, losses included)."""
    if "link" not in ds.dims or not ds.sizes["link"]:
        return pd.DataFrame()
    w = weights(ds)  # the hours each step stands for: sums over them are annual, as in the other tables
    price = ds["marginal_price_cny_per_mwh"]
    ends = link_ends(ds)
    rows = {}
    for k in ds["link"].values.astype(str):
        a, b, keep = ends[k]["a"], ends[k]["b"], ends[k].get("keep", 1.0)
        cap = float(ds["link_capacity_total_mw"].sel(link=k))
        fwd, bwd = ds["link_fwd_mw"].sel(link=k).values, ds["link_bwd_mw"].sel(link=k).values
        pa, pb = price.sel(zone=a).values, price.sel(zone=b).values
        rent = float(w @ (fwd * (keep * pb - pa) + bwd * (keep * pa - pb)))
        rows[k] = {"zone_a": a, "zone_b": b, "capacity_mw": cap,
                   "new_mw": float(ds["link_capacity_new_mw"].sel(link=k)),
                   "mean_fwd_mw": float(w @ fwd / w.sum()), "mean_bwd_mw": float(w @ bwd / w.sum()),
                   "congested_hours": float(w[np.maximum(fwd, bwd) >= cap * (1 - 1e-6) - 1e-6].sum())
                   if cap > 0 else 0.0,
                   "congestion_rent_m_cny": rent / 1e6}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("link")


#: groups of technologies whose capacity change the sensitivity table shows (carrier, or kind)
SENSITIVITY_GROUPS = {"coal": "coal", "gas": "gas", "solar": "pv", "wind": "wind", "biomass": "biomass",
                      "storage": "storage", "import": "import"}


def sensitivity_table(sweep: xr.Dataset, ds: xr.Dataset) -> pd.DataFrame:
    """敏感性分析 from a one-at-a-time sweep (``optimizer sweep --one-at-a-time``): per varied value, the total
    cost and its change from the sweep's base point (%), CO2 and its change (Mt), and the change of capacity
    by group (``d_<group>_mw``: coal, gas, PV, wind, biomass, storage, imports). ``attrs["base_differs"]``:
    the sweep's base point is not this run (another config or other inputs: its cost differs)."""
    labels = sweep["varied"].values.astype(str)
    ok = sweep["status"].values.astype(str) == "optimal"
    base = np.flatnonzero((labels == "base") & ok)
    if not len(base):
        return pd.DataFrame()
    b = int(base[0])
    kinds = ds["kind"].to_series()
    carriers = ds["carrier"].to_series()
    techs = sweep["technology"].values.astype(str)
    group = {t: "storage" if kinds.get(t) == "storage" else "import" if kinds.get(t) == "import"
             else carriers.get(t, "") if kinds.get(t) == "generator" else "" for t in techs}  # no boilers
    cap = sweep["capacity_total_mw"].values
    rows = {}
    cost0, co2_0 = float(sweep["total_cost_cny"][b]), float(sweep["co2_t"][b])
    for i in np.flatnonzero(labels != "base"):
        key, value = labels[i], str(sweep["value"].values[i])
        row: dict[str, Any] = {"parameter": key, "value": value, "solve_status": str(sweep["status"].values[i])}
        if ok[i]:
            cost, co2 = float(sweep["total_cost_cny"][i]), float(sweep["co2_t"][i])
            row |= {"total_cost_bn_cny": cost / 1e9, "cost_change_pct": (cost / cost0 - 1) * 100,
                    "co2_mt": co2 / 1e6, "co2_change_mt": (co2 - co2_0) / 1e6}
            for g, name in SENSITIVITY_GROUPS.items():
                cols = [j for j, t in enumerate(techs) if group[t] == g]
                row[f"d_{name}_mw"] = float(np.nansum(cap[i, cols] - cap[b, cols])) if cols else np.nan
        rows[f"{key}={value}"] = row
    out = pd.DataFrame.from_dict(rows, orient="index").rename_axis("case")
    moved = [c for c in out.columns if c.startswith("d_") and out[c].abs().max() > 0.5]
    out = out.drop(columns=[c for c in out.columns if c.startswith("d_") and c not in moved])
    out.attrs["base"] = {"total_cost_bn_cny": cost0 / 1e9, "co2_mt": co2_0 / 1e6}
    out.attrs["base_differs"] = abs(cost0 - _scalar(ds, "total_cost_cny")) > 1e-6 * max(1.0, abs(cost0))
    return out


def all_tables(ds: xr.Dataset, targets: dict[str, Any] | None = None) -> dict[str, pd.DataFrame]:
    """Every table of the report, by name (language-neutral), each with the technologies' display names
    of the results in its ``attrs["names"]`` (for :func:`localize`)."""
    tables = {
        "headline": headline_table(ds),
        "targets": targets_table(ds, targets),
        "calibration": calibration_table(ds),
        "capacity": capacity_table(ds),
        "firm_balance": firm_balance_table(ds),
        "power_balance": power_balance_table(ds),
        "regulation": regulation_table(ds),
        "zone_balance": zone_balance_table(ds),
        "zone_firm": zone_firm_table(ds),
        "links": links_table(ds),
        "energy": energy_table(ds),
        "imports": imports_table(ds),
        "corridor_months": corridor_months_table(ds),
        "gas_months": gas_months_table(ds),
        "operation": operation_table(ds),
        "heat": heat_table(ds),
        "emissions": emissions_table(ds),
        "cost_component": cost_by_component(ds),
        "cost_technology": cost_by_technology(ds),
        "weeks": weeks_table(select_weeks(ds)),
        "metadata": metadata_table(ds),
        "plan_build": plan_build(ds),
    }
    names = tech_names(ds)
    for df in tables.values():
        df.attrs["names"] = names
    return tables


def tech_names(ds: xr.Dataset) -> dict[str, tuple[str, str]]:
    """technology -> (English, Chinese) display names as the results carry them (the technology table's
    ``name_en`` and ``name_zh``); technologies without one are left out (the report's own names then)."""
    if "technology_name_en" not in ds.coords:
        return {}
    return {str(t): (str(en), str(zh)) for t, en, zh in zip(
        ds["technology"].values, ds["technology_name_en"].values, ds["technology_name_zh"].values, strict=True)
        if str(en) or str(zh)}


def _tech(key: str, lang: str, names: dict[str, tuple[str, str]] | None) -> str:
    pair = (names or {}).get(key)
    chosen = pair[1 if lang == "zh" else 0] if pair else ""
    return chosen or i18n.tech(key, lang)


def tech_label(ds: xr.Dataset, key: str, lang: str) -> str:
    """Display name of a technology: the results' (the technology table's), else the report's own, else the id."""
    return _tech(key, lang, tech_names(ds))


def row_label(key: str, lang: str, names: dict[str, tuple[str, str]] | None = None) -> str:
    """Display name of a row id (technology, corridor, component, charging row, total, headline item);
    ``names``: the technologies' display names of the results (:func:`tech_names`)."""
    if key == TOTAL:
        return i18n.label("total", lang)
    if key.endswith(CHARGE_SUFFIX):
        return f"{_tech(key[: -len(CHARGE_SUFFIX)], lang, names)} – {i18n.label('charging', lang)}"
    if key in ("capex", "fom", "vom", "fuel", "startup", "import", "carbon", "reserve"):
        return i18n.label(key, lang)
    name = _tech(key, lang, names)
    if name != key:
        return name
    return i18n.label(key, lang)


def header_label(name: str, key: str, lang: str) -> str:
    """Display header of column ``key`` of table ``name``."""
    from optimizer.report import units

    if name == "cost_technology" and key not in ("id", "owner"):
        if lang == "zh":
            return f"{i18n.label(key, lang)}（{units.M_CNY[2]}）"
        return f"{i18n.label(key, lang)} ({i18n.label('m_cny', lang)})"
    if name == "metadata" and key in ("item", "value") and lang == "zh":  # program names and values: codes
        return f"{i18n.label(key, lang)}（代码）"
    zh = units.zh_column(name, key) if lang == "zh" else None
    return zh[2] if zh else (units.period_header(name, key, lang) or units.month_header(name, key, lang)
                             or i18n.label(key, lang))


def localize(name: str, df: pd.DataFrame, lang: str, headers: bool = True) -> pd.DataFrame:
    """Display form of table ``name``: translated row names, code values and (if ``headers``) column headers.

    Numbers are left as numbers; the first column keeps the row ids (``id``) so that a
    translated table can still be matched to the results. Without ``headers`` the columns keep
    their keys (for per-column formatting); :func:`header_label` gives their display text.
    """
    from optimizer.report import units

    names = df.attrs.get("names")  # the technologies' display names (all_tables puts them there)
    out = units.scale_frame(name, df, lang)  # the plan's units in Chinese (万千瓦, 亿千瓦时, 亿元, 万吨)
    if name == "targets":
        if lang == "zh":
            out = units.zh_targets(out)
        out.insert(0, "term", [i18n.term(tid, rows.split(",")[0].strip(), lang)
                               for tid, rows in zip(out.index, out["rows"], strict=True)])
        out["status"] = [i18n.label(s, lang) for s in out["status"]]
        out["sense"] = out["sense"].replace(SENSE)
        out["note"] = [i18n.label(n, lang) if n else "" for n in out["note"]]
        out["plan_note"] = [z if lang == "zh" and z else e for e, z in zip(out["plan_note"], out["plan_note_zh"],
                                                                            strict=True)]
        out["clause"] = [i18n.plan_text(x, lang) for x in out["clause"]]
        out["quote"] = [i18n.plan_text(x, lang) for x in out["quote"]]
        out["why"] = [i18n.by_construction(str(w), lang) if isinstance(w, str) else "" for w in out["why"]]
        out["marginal_cost_unit"] = [i18n.label(u, lang) if isinstance(u, str) else "" for u in
                                     out["marginal_cost_unit"]]
        out["unit"] = [i18n.label(u, lang) for u in out["unit"]]
        out = out.drop(columns=["plan_note_zh"]).reset_index().rename(columns={"target_id": "id"})
    elif name == "headline":
        vals = out["value"].tolist()
        items = list(out.index)
        vals = [i18n.label(v, lang) if k in ("share_basis", "solver_status") else v
                for k, v in zip(items, vals, strict=True)]
        zh = units.ZH_COLUMNS if lang == "zh" else {}
        vals = [v * zh[k][0] if k in zh and isinstance(v, int | float) else v for k, v in zip(items, vals, strict=True)]
        out = pd.DataFrame({"item": [zh[k][2] if k in zh else i18n.label(k, lang) for k in items], "value": vals})
    elif name == "weeks":
        out["rule"] = [i18n.label(r, lang) for r in out["rule"]]
        out["title"] = [i18n.label(t, lang) for t in out["title"]]
        out["note"] = [i18n.label(n, lang, n=k) if n else "" for n, k in zip(out["note"], out["note_n"], strict=True)]
        out = out.drop(columns=["note_n"])
        out.index = [i18n.label(k, lang) for k in out.index]
        out = out.rename_axis("week").reset_index()
    elif name == "calibration":  # figures by name, the verdict in words
        ids = list(out.index)
        out.insert(0, "figure", [i18n.label(k.split(":")[0], lang) + (f" ({row_label(k.split(':')[1], lang, names)})"
                                                                     if ":" in k else "") for k in ids])
        out.insert(0, "id", ids)
        out["within"] = [i18n.label(v, lang) for v in out["within"]]
        out = out.reset_index(drop=True)
    elif name == "sensitivity":  # the varied input in words, its config key as the row id
        out.insert(0, "id", list(out.index))
        out["parameter"] = [i18n.parameter(k, lang) for k in out["parameter"]]
        out["solve_status"] = [i18n.label(v, lang) for v in out["solve_status"]]
        out = out.reset_index(drop=True)
    elif name == "heat":  # one row per network and source: name both, no row ids
        out["heat_network"] = [i18n.label(n, lang) for n in out["heat_network"]]
        out["source"] = [row_label(k, lang, names) for k in out["source"]]
        out = out.reset_index(drop=True)
    elif name == "metadata":
        out["section"] = [i18n.label(s, lang) if s != "run" else "" for s in out["section"]]
        out["value"] = [i18n.label(f"basis_{v}", lang) if k == "share_basis"
                        else i18n.label(str(v), lang) if k == "solver_status" else v
                        for k, v in zip(out["item"], out["value"], strict=True)]
        out["item"] = [i18n.label(k, lang) if k in ("scenario", "year", "created_utc", "inputs_hash",
                                                    "results_schema_version", "share_basis", "solver_status",
                                                    "time_aggregation", "highs_model_status") else k
                       for k in out["item"]]
    elif out.index.name in ("period", "item"):  # one row per period (the pathway's): the period first, then words
        out.index = [str(k) if units.is_period(str(k)) else i18n.label(str(k), lang) for k in out.index]
        for c in out.columns:
            if str(c).endswith("_status"):
                out[c] = [i18n.label(str(v), lang) for v in out[c]]
        out = out.rename_axis(df.index.name).reset_index()
    else:
        ids = list(out.index)
        shown = [row_label(k, lang, names) for k in ids]
        if name == "energy":  # a storage row without suffix is its discharge
            shown = [f"{n} – {i18n.label('discharge', lang)}" if kd == "storage" and not k.endswith(CHARGE_SUFFIX)
                     else n for n, k, kd in zip(shown, ids, out["kind"], strict=True)]
        if lang == "zh":  # a technology without a Chinese name: its id stands in the code column alone
            shown = [n if n != k else "" for n, k in zip(shown, ids, strict=True)]
        out.insert(0, out.index.name or "id", shown)
        out.insert(0, "id", ids)
        if "kind" in out:
            out["kind"] = [i18n.kind(k, lang) if k else "" for k in out["kind"]]
        if "carrier" in out:
            out["carrier"] = [i18n.carrier(k, lang) if k else "" for k in out["carrier"]]
        out = out.reset_index(drop=True)
    if headers:
        out.columns = [header_label(name, str(c), lang) for c in out.columns]
    return out
