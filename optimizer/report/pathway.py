"""The pathway report: ``optimizer report results/<pathway>`` on a folder holding ``pathway.nc``.

:func:`build_pathway_report` reads ``pathway.nc`` (written by :mod:`optimizer.pathway`), builds the
single-year report of every ``period_<year>/`` folder that holds a usable ``results.nc`` (with
:func:`optimizer.report.build_report`) and writes, atomically, ``<folder>/report/`` with

* ``report.html`` — one self-contained page (inline CSS, figures as base64 PNG, no URL), English or
  Chinese, linking each period's single-year report by a relative path
  (``../period_<year>/report/report.html``);
* ``report.xlsx`` — the same tables, one sheet each, and the pathway config;
* ``figures/*.png`` — stacked capacity, stacked generation, emissions with the peak and the plan's
  carbon-peak milestone, coal and non-fossil shares against their limits, cost per period, and the
  plan's capacity milestones per period.

Every number comes from ``pathway.nc``; the period results supply only what ``pathway.nc`` does not
hold: each technology's kind and carrier, the technologies each capacity target counts (from the
period config), the targets file the run used and the share basis.

How the plan's targets (``seeds/targets.yaml``) are judged per period (:func:`milestones_table`):
a target applies from its year. In that year it is the plan's statement (an "about" target is the
band of the period config's tolerance); in later periods a floor (≥) stays a floor, a ceiling (≤)
stays a ceiling, an "about" target becomes a floor at its band's lower edge and an exact target stays
exact (the plan gives no later number and does not let the system fall back). Before its year a
target does not apply. The carbon peak (碳达峰, "before 2030"): emissions of every period after 2030
at most those of the last period up to 2030 — judged in each later period against that level, and in
the reference period itself from all later periods (it cannot be judged without a later period).

A missing, corrupt or wrong-schema ``pathway.nc`` raises :class:`optimizer.errors.InputError` (one line).
"""

from __future__ import annotations

import base64
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import xarray as xr
from markupsafe import Markup
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from optimizer.errors import InputError, OptimizerError
from optimizer.outputs import built_in_place
from optimizer.report import figures as F
from optimizer.report import html as H
from optimizer.report import i18n
from optimizer.report import tables as T
from optimizer.report.page import Section, render_page

REQUIRED_VARS = ("capacity_total_mw", "energy_mwh", "emissions_t", "built_mw", "retired_early_mw", "cost_cny",
                 "co2_t", "total_cost_cny", "coal_share", "nonfossil_share", "unserved_mwh", "years_represented",
                 "discounted_years")
REQUIRED_COORDS = ("period", "technology", "component")

SECTIONS = ("pw_sec_headline", "pw_sec_milestones", "pw_sec_capacity", "pw_sec_energy", "pw_sec_emissions",
            "pw_sec_shares", "pw_sec_cost", "pw_sec_periods", "pw_sec_metadata")
SHEETS = ("trajectory", "milestones", "capacity", "built", "retired", "energy", "mix", "emissions", "shares",
          "cost", "discounted", "periods")
# wide tables (rows x periods) and the unit of their period columns
WIDE_UNITS = {"capacity": "MW", "built": "MW", "retired": "MW", "energy": "GWh/yr", "mix": "%",
              "emissions": "Mt CO2/yr", "cost": "M CNY/yr"}
_WIDE_FMT = {"capacity": ",.0f", "built": ",.0f", "retired": ",.0f", "energy": ",.1f", "mix": ".1f",
             "emissions": ",.3f", "cost": ",.1f"}
_COL_FMT = {"years_represented": ",.0f", "discounted_years": ",.3f", "capacity_gw": ",.2f", "supply_twh": ",.2f",
            "co2_mt": ",.2f", "coal_share_pct": ".2f", "nonfossil_share_pct": ".2f", "annual_cost_bn_cny": ",.2f",
            "unserved_mwh": ",.0f", "coal_limit_pct": ".2f", "nonfossil_floor_pct": ".2f",
            "annual_operating_cost_bn_cny": ",.2f", "discounted_cost_bn_cny": ",.2f", "co2_city_mt": ",.2f",
            "clean_electricity_share_pct": ".2f", "gas_use_bcm": ",.2f"}
PEAK_STEM = "carbon_peak"
SHARE_STEMS = ("coal_share", "nonfossil_share", "clean_electricity_share")
#: targets of another stem that measure the same quantity (the energy plan's 50 % clean-electricity share)
_SAME_QUANTITY = {"clean_electricity_fyp": "clean_electricity_share"}
#: how the model uses a plan entry that is no row (seeds/targets.yaml ``model``) -> its status in every period
_READING_STATUS = {"input": "scenario_input", "lever": "lever", "not_modelled": "not_modelled"}


# ----------------------------------------------------------------------------- reading

def is_pathway(path: str | Path) -> bool:
    """True for ``pathway.nc`` itself or a folder that is a pathway's (pathway.nc or period_<year>/
    folders, and no results.nc)."""
    p = Path(path)
    if p.is_file():
        return p.name == "pathway.nc"
    if not p.is_dir() or (p / "results.nc").exists():
        return False
    return (p / "pathway.nc").exists() or any(q.is_dir() and re.fullmatch(r"period_\d+", q.name)
                                              for q in p.iterdir())


def load_pathway_results(path: str | Path) -> xr.Dataset:
    """Read and check ``pathway.nc`` (a folder or the file); InputError with one line if unusable."""
    p = Path(path)
    if not p.exists():
        raise InputError("results folder not found", source=str(p))
    f = p if p.is_file() else p / "pathway.nc"
    if not f.is_file():
        raise InputError("no pathway.nc here", source=str(p))
    try:
        with xr.open_dataset(f) as ds:
            ds = ds.load()
    except Exception:  # netCDF4/h5py raise many types on a damaged file; the message says what matters
        raise InputError("pathway.nc cannot be read (corrupt or not NetCDF)", source=str(f)) from None
    missing = [v for v in REQUIRED_VARS if v not in ds.data_vars] + [c for c in REQUIRED_COORDS if c not in ds.coords]
    if missing:
        raise InputError(f"not a pathway file of this optimizer: missing {', '.join(missing[:5])}"
                         + (" ..." if len(missing) > 5 else ""), source=str(f))
    if ds.sizes["period"] == 0 or ds.sizes["technology"] == 0:
        raise InputError("pathway.nc has no periods or no technologies", source=str(f))
    if "discounted_total_cost_cny" not in ds.attrs:
        raise InputError("not a pathway file of this optimizer: no discounted_total_cost_cny", source=str(f))
    return ds


@dataclass
class Period:
    """One period's folder: its single-year results (None if missing, unreadable or stale) and report."""

    year: int
    folder: Path
    ds: xr.Dataset | None = None
    note: str = ""                 # i18n key: results_missing / results_unreadable / results_stale
    detail: str = ""               # the one-line reason (an error message)
    report: Path | None = None     # the period's report.html, when built
    report_note: str = ""


def _periods(ds: xr.Dataset, base: Path) -> list[Period]:
    """Each period's folder and results, checked against pathway.nc (a stale folder is not used)."""
    from optimizer.report import load_results

    out = []
    techs = ds["technology"].values.astype(str).tolist()
    for y in ds["period"].values.tolist():
        per = Period(int(y), base / f"period_{int(y)}")
        if not (per.folder / "results.nc").is_file():
            per.note = "results_missing"
        else:
            try:
                pds = load_results(per.folder)
            except InputError as err:
                per.note, per.detail = "results_unreadable", str(err)
            else:
                row = ds.sel(period=y)
                same = (pds["technology"].values.astype(str).tolist() == techs
                        and np.allclose(pds["capacity_total_mw"].values, row["capacity_total_mw"].values,
                                        rtol=1e-6, atol=1e-6)
                        and np.isclose(float(pds["co2_t"]), float(row["co2_t"]), rtol=1e-6, atol=1e-6))
                if same:
                    per.ds = pds
                else:
                    per.note = "results_stale"
        out.append(per)
    return out


def tech_meta(ds: xr.Dataset, periods: list[Period]) -> pd.DataFrame:
    """Kind and carrier of each technology: pathway.nc's own coordinates, else a period's results, else ''."""
    techs = ds["technology"].values.astype(str)
    if "kind" in ds.coords and "carrier" in ds.coords:
        return pd.DataFrame({"kind": ds["kind"].values.astype(str), "carrier": ds["carrier"].values.astype(str)},
                            index=pd.Index(techs, name="technology"))
    for per in periods:
        if per.ds is not None:
            return pd.DataFrame({"kind": per.ds["kind"].values.astype(str),
                                 "carrier": per.ds["carrier"].values.astype(str)},
                                index=pd.Index(techs, name="technology"))
    return pd.DataFrame({"kind": "", "carrier": ""}, index=pd.Index(techs, name="technology"))


def capacity_groups(periods: list[Period]) -> dict[str, dict[str, Any]]:
    """Target id -> the capacity target of a period config that cites it (technologies, tolerance ...)."""
    groups: dict[str, dict[str, Any]] = {}
    for per in periods:
        if per.ds is None:
            continue
        for ct in (T.config(per.ds).get("policy") or {}).get("capacity_targets") or []:
            tid = ct.get("target")
            if tid and tid not in groups and ct.get("enabled", True):
                groups[str(tid)] = ct
    return groups


def plan_targets(periods: list[Period]) -> dict[str, Any]:
    """The plan's entries: the targets file the period runs used, else the repository's seeds/targets.yaml."""
    for per in periods:
        if per.ds is not None:
            return T.plan_targets(per.ds)
    return T.plan_targets(xr.Dataset())


# ----------------------------------------------------------------------------- tables

def _years(ds: xr.Dataset) -> list[int]:
    return [int(y) for y in ds["period"].values]


def _wide(ds: xr.Dataset, var: str, factor: float, rows: list[str] | None = None, total: bool = True
          ) -> pd.DataFrame:
    """A (period, technology) variable as technology rows x period columns (str years), with a total row."""
    df = pd.DataFrame(ds[var].transpose("technology", "period").values * factor,
                      index=pd.Index(ds["technology"].values.astype(str), name="technology"),
                      columns=[str(y) for y in _years(ds)])
    if rows is not None:
        df = df.loc[rows]
    if total:
        df.loc[T.TOTAL] = df.sum(axis=0)
    return df


def supply_techs(meta: pd.DataFrame) -> list[str]:
    """Technologies whose energy is generation or imports (storage discharge is energy stored earlier)."""
    return [k for k in meta.index if meta.at[k, "kind"] != "storage"]


def capacity_table(ds: xr.Dataset) -> pd.DataFrame:
    """Installed capacity by technology and period (MW), total row."""
    return _wide(ds, "capacity_total_mw", 1.0)


def built_table(ds: xr.Dataset) -> pd.DataFrame:
    """Capacity built in each period (MW), total row."""
    return _wide(ds, "built_mw", 1.0)


def retired_table(ds: xr.Dataset) -> pd.DataFrame:
    """Existing capacity retired early by each period, cumulative (MW): technologies that retire any, total row."""
    r = ds["retired_early_mw"]
    rows = [str(k) for k in ds["technology"].values if float(abs(r.sel(technology=k)).max()) > 0]
    return _wide(ds, "retired_early_mw", 1.0, rows)


def energy_table(ds: xr.Dataset, meta: pd.DataFrame) -> pd.DataFrame:
    """Annual energy by source and period (GWh/yr): generation and imports, their total, then storage
    discharge (after the total: it is energy generated earlier)."""
    supply = supply_techs(meta)
    df = _wide(ds, "energy_mwh", 1e-3, supply)
    stores = [k for k in meta.index if k not in supply]
    if stores:
        df = pd.concat([df, _wide(ds, "energy_mwh", 1e-3, stores, total=False)])
    return df


def mix_table(ds: xr.Dataset, meta: pd.DataFrame) -> pd.DataFrame:
    """Generation mix: each source's share of generation and imports per period (%), total 100."""
    supply = supply_techs(meta)
    e = _wide(ds, "energy_mwh", 1.0, supply, total=False)
    tot = e.sum(axis=0)
    df = e.div(tot.where(tot != 0)) * 100.0
    df.loc[T.TOTAL] = df.sum(axis=0, min_count=1)
    return df


def emissions_table(ds: xr.Dataset) -> pd.DataFrame:
    """CO2 by emitting technology and period (Mt/yr); the total row equals co2_t."""
    e = ds["emissions_t"]
    rows = [str(k) for k in ds["technology"].values if float(abs(e.sel(technology=k)).max()) > 0]
    df = _wide(ds, "emissions_t", 1e-6, rows, total=False)
    df.loc[T.TOTAL] = ds["co2_t"].values * 1e-6
    return df


def cost_table(ds: xr.Dataset) -> pd.DataFrame:
    """Annual cost by component and period (M CNY/yr) as the periods' results hold it; total row."""
    df = pd.DataFrame(ds["cost_cny"].transpose("component", "period").values * 1e-6,
                      index=pd.Index(ds["component"].values.astype(str), name="component"),
                      columns=[str(y) for y in _years(ds)])
    df.loc[T.TOTAL] = df.sum(axis=0)
    return df


def operating_cost(ds: xr.Dataset) -> np.ndarray:
    """Each period's annual cost without investment (CNY/yr): what the pathway discounts per year."""
    return ds["total_cost_cny"].values - ds["cost_cny"].sel(component="capex").values


def discounted_table(ds: xr.Dataset) -> pd.DataFrame:
    """The discounted total cost, split: each period's operating cost times its discounted years, and
    the rest — investment annuities of the capacity alive in each period and stranded costs."""
    years = [str(y) for y in _years(ds)]
    op = operating_cost(ds)
    w = ds["discounted_years"].values.astype(float)
    df = pd.DataFrame({
        "years_represented": ds["years_represented"].values.astype(float),
        "discounted_years": w,
        "annual_operating_cost_bn_cny": op * 1e-9,
        "discounted_cost_bn_cny": op * w * 1e-9,
    }, index=pd.Index(years, name="item"))
    total = float(ds.attrs["discounted_total_cost_cny"])
    df.loc["investment_stranded"] = [np.nan, np.nan, np.nan, (total - float((op * w).sum())) * 1e-9]
    df.loc[T.TOTAL] = [float(df.loc[years, "years_represented"].sum()), float(w.sum()), np.nan, total * 1e-9]
    return df


def trajectory_table(ds: xr.Dataset, meta: pd.DataFrame) -> pd.DataFrame:
    """Headline figures per period."""
    supply = supply_techs(meta)
    cols = {
        "years_represented": ds["years_represented"].values.astype(float),
        "discounted_years": ds["discounted_years"].values.astype(float),
        "capacity_gw": ds["capacity_total_mw"].sum("technology").values * 1e-3,
        "supply_twh": ds["energy_mwh"].sel(technology=supply).sum("technology").values * 1e-6,
        "co2_mt": ds["co2_t"].values * 1e-6,
    }
    # the plan's scope of the peak, the clean-electricity share and gas use, where the pathway has them
    for col, var, f in (("co2_city_mt", "co2_city_t", 1e-6), ("clean_electricity_share_pct", "clean_electricity_share",
                                                              100.0), ("gas_use_bcm", "gas_use_m3", 1e-9)):
        if var in ds:
            cols[col] = ds[var].values * f
    cols.update({
        "coal_share_pct": ds["coal_share"].values * 100.0,
        "nonfossil_share_pct": ds["nonfossil_share"].values * 100.0,
        "annual_cost_bn_cny": ds["total_cost_cny"].values * 1e-9,
        "unserved_mwh": ds["unserved_mwh"].values.astype(float),
    })
    return pd.DataFrame(cols, index=pd.Index(_years(ds), name="period"))


def peak_period(ds: xr.Dataset) -> tuple[int, bool]:
    """The first period with the highest emissions (within 1e-6), and whether later periods stay at it
    (city-wide emissions when the pathway has them: the plan's scope)."""
    co2 = ds[_co2_var(ds)].values.astype(float)
    top = float(co2.max())
    near = np.abs(co2 - top) <= T.MET_RTOL * max(abs(top), 1.0)
    i = int(np.argmax(near))
    return _years(ds)[i], bool(near[i + 1:].all()) and i < len(co2) - 1


# ----------------------------------------------------------------------------- milestones

MILESTONE_COLUMNS = ["milestone", "period", "target_id", "plan_year", "sense", "plan_value", "lower", "upper",
                     "achieved", "unit", "status", "basis", "basis_year"]


def _stem(tid: str) -> str:
    return re.sub(r"_\d{4}$", "", tid)


def _milestone_groups(targets: dict[str, Any]) -> dict[str, list[tuple[int, str, dict[str, Any]]]]:
    """Target entries by stem (``nonfossil_share_2025`` and ``_2030`` are one milestone), sorted by year."""
    groups: dict[str, list[tuple[int, str, dict[str, Any]]]] = {}
    for tid, e in targets.items():
        try:
            year = int(e.get("year"))
        except (TypeError, ValueError):
            continue
        groups.setdefault(_stem(tid), []).append((year, tid, e))
    for g in groups.values():
        g.sort(key=lambda x: x[0])
    return groups


def _achieved_model(ds: xr.Dataset, stem: str, entries: list[tuple[int, str, dict[str, Any]]],
                    groups: dict[str, dict[str, Any]], meta: pd.DataFrame) -> tuple[np.ndarray | None, str, float]:
    """(achieved per period in the model unit, the model unit, the display factor); None: not evaluable."""
    unit = str(entries[-1][2].get("unit"))
    stem = _SAME_QUANTITY.get(stem, stem)
    if unit == "percent" and stem in SHARE_STEMS:
        return (ds[stem].values.astype(float), "per-unit", 100.0) if stem in ds else (None, "per-unit", 100.0)
    if unit == "MtCO2/yr":
        return ds[_co2_var(ds)].values.astype(float), "tCO2/yr", 1e-6
    if unit == "bcm/yr" and "gas_use_m3" in ds and stem == "gas_supply":  # gas use less LNG against the pipelines
        return (ds["gas_use_m3"] - ds.get("gas_lng_m3", 0.0)).values.astype(float), "m3/yr", 1e-9
    if unit in ("GW", "MW"):
        ct = next((groups[tid] for _, tid, _ in entries if tid in groups), None)
        if ct is not None:
            techs = [str(t) for t in ct.get("technologies") or []]
            if (ct.get("measure", "power") != "power" or ct.get("new_only")
                    or not set(techs) <= set(ds["technology"].values.astype(str))):
                return None, "MW", 1e-3
            return ds["capacity_total_mw"].sel(technology=techs).sum("technology").values, "MW", 1e-3
        return None, "MW", 1e-3
    return None, unit, 1.0


_MODEL_FACTOR = {"GW": 1e3, "MW": 1.0, "percent": 0.01, "MtCO2/yr": 1e6, "bcm/yr": 1e9}  # plan unit -> model unit


def _co2_var(ds: xr.Dataset) -> str:
    """The emissions the peak is judged on: the scope the pathway imposed (city-wide by default, the plan's)."""
    if ds.attrs.get("peak_scope") == "power":
        return "co2_t"
    return "co2_city_t" if "co2_city_t" in ds else "co2_t"


def milestones_table(ds: xr.Dataset, targets: dict[str, Any], groups: dict[str, dict[str, Any]],
                     meta: pd.DataFrame) -> pd.DataFrame:
    """Each plan target (by stem) in each period: the bound that applies, the achieved value and a status.

    Status: ``met``, ``not_met``, ``not_applicable`` (before the target's year) or ``not_evaluated``
    (the pathway does not hold the value, or the peak has no later period to be judged by). Values
    are in display units (GW, %, Mt CO2/yr); the check is in model units with the single-year
    report's tolerance (:func:`optimizer.report.tables.is_met`).
    """
    years = _years(ds)
    rows: list[dict[str, Any]] = []
    for stem, entries in _milestone_groups(targets).items():
        achieved, munit, f = _achieved_model(ds, stem, entries, groups, meta)
        disp_unit = T._display(munit)[0]
        is_peak = stem == PEAK_STEM or (entries[-1][2].get("value") is None and munit == "tCO2/yr")
        for i, y in enumerate(years):
            applicable = [e for e in entries if e[0] <= y]
            year, tid, e = applicable[-1] if applicable else entries[0]
            sense = str(e.get("sense", ""))
            value = e.get("value")
            rec = {"milestone": stem, "period": y, "target_id": tid, "plan_year": year, "sense": sense,
                   "plan_value": float(value) if value is not None else np.nan, "lower": np.nan, "upper": np.nan,
                   "achieved": float(achieved[i]) * f if achieved is not None else np.nan, "unit": disp_unit,
                   "status": "not_evaluated", "basis": "", "basis_year": year}
            reading = _READING_STATUS.get(str(e.get("model") or ""))
            if reading is not None:  # not a quantity of the solution: say how the model takes it
                rec["status"] = reading
            elif is_peak:
                _peak_row(rec, ds, year, i)
            elif not applicable:
                rec.update(status="not_applicable", basis="basis_before")
            elif value is None and e.get("trend") == "non_decreasing" and achieved is not None:
                floors = [float(x[2]["value"]) * _MODEL_FACTOR.get(str(x[2].get("unit")), 1.0)
                          for x in applicable if x[2].get("value") is not None and x[2].get("sense") == ">="]
                _trend_row(rec, achieved, f, i, years, floors[-1] if floors else None)
            elif value is None:
                rec["basis"] = "basis_no_value"
            else:
                rhs = float(value) * _MODEL_FACTOR.get(str(e.get("unit")), 1.0)
                tol = float((groups.get(tid) or {}).get("tolerance") or 0.0)
                if year == y:
                    basis = "basis_target_year"
                    bounds = {">=": (rhs, None), "<=": (None, rhs), "==": (rhs * (1 - tol), rhs * (1 + tol))}
                else:
                    basis = {">=": "basis_floor_kept", "<=": "basis_ceiling_kept"}.get(
                        sense, "basis_floor_kept" if tol > 0 else "basis_exact_kept")
                    bounds = {">=": (rhs, None), "<=": (None, rhs),
                              "==": (rhs * (1 - tol), None) if tol > 0 else (rhs, rhs)}
                lo, hi = bounds.get(sense, (None, None))
                rec.update(basis=basis, lower=lo * f if lo is not None else np.nan,
                           upper=hi * f if hi is not None else np.nan)
                if achieved is None:
                    rec["basis"] = "basis_no_group" if munit == "MW" else basis
                else:
                    a = float(achieved[i])
                    checks = [T.is_met(a, ">=", lo) if lo is not None else True,
                              T.is_met(a, "<=", hi) if hi is not None else True]
                    if any(c is None for c in checks):
                        rec["status"] = "not_evaluated"
                    else:
                        rec["status"] = "met" if all(checks) else "not_met"
            rows.append(rec)
    return pd.DataFrame(rows, columns=MILESTONE_COLUMNS)


def _trend_row(rec: dict[str, Any], achieved: np.ndarray, f: float, i: int, years: list[int],
               floor: float | None) -> None:
    """持续提升 / 逐步提升: the value of period ``i`` at least the previous period's, and at least the last
    number the plan gave before (``floor``, model units) -- a share that keeps rising from 13 % stays above 13 %."""
    if i == 0:
        rec.update(status="not_applicable", basis="basis_trend_first")
        return
    lower = max(float(achieved[i - 1]), floor if floor is not None else -np.inf)
    rec.update(basis="basis_trend", basis_year=years[i - 1], lower=lower * f,
               status="met" if T.is_met(float(achieved[i]), ">=", lower) else "not_met")


def _peak_row(rec: dict[str, Any], ds: xr.Dataset, year: int, i: int) -> None:
    """The carbon peak in period ``i``: emissions after ``year`` at most those of the last period up to it."""
    years = _years(ds)
    co2 = ds[_co2_var(ds)].values.astype(float)
    upto = [j for j, y in enumerate(years) if y <= year]
    rec["sense"] = "<="
    if not upto:
        rec.update(status="not_evaluated", basis="basis_no_reference")
        return
    r = upto[-1]
    rec["basis_year"] = years[r]
    if i < r:
        rec.update(status="not_applicable", basis="basis_before")
    elif i == r:
        later = list(range(r + 1, len(years)))
        rec["basis"] = "basis_peak_reference"
        rec["upper"] = co2[r] * 1e-6
        if later:
            rec["status"] = "met" if all(T.is_met(co2[j], "<=", co2[r]) for j in later) else "not_met"
        else:  # a peak shows only in a later period
            rec["basis"] = "basis_peak_no_later"
    else:
        rec.update(basis="basis_after_peak", upper=co2[r] * 1e-6,
                   status="met" if T.is_met(co2[i], "<=", co2[r]) else "not_met")


def shares_table(ds: xr.Dataset, ms: pd.DataFrame) -> pd.DataFrame:
    """Coal and non-fossil shares per period against the plan's limits that apply (%)."""
    out = pd.DataFrame(index=pd.Index(_years(ds), name="period"))
    for stem, col, bound, var in (("coal_share", "coal_limit_pct", "upper", "coal_share"),
                                  ("nonfossil_share", "nonfossil_floor_pct", "lower", "nonfossil_share")):
        out[f"{stem}_pct"] = ds[var].values * 100.0
        m = ms[ms["milestone"] == stem].set_index("period")
        out[col] = m[bound].reindex(out.index) if len(m) else np.nan
        out[f"{stem}_status"] = m["status"].reindex(out.index).fillna("not_evaluated") if len(m) else "not_evaluated"
    return out


def periods_table(periods: list[Period], out: Path) -> pd.DataFrame:
    """Each period's folder, results status and the relative link to its single-year report."""
    rows = []
    for per in periods:
        link = Path(os.path.relpath(per.report, out)).as_posix() if per.report is not None else ""
        rows.append({"folder": per.folder.name, "results": per.note or "results_ok",
                     "solver_status": str(per.ds.attrs.get("solver_status", "")) if per.ds is not None else "",
                     "share_basis": ("basis_" + str(per.ds.attrs.get("share_basis", ""))) if per.ds is not None
                     else "", "report": link, "note": per.report_note or per.detail})
    return pd.DataFrame(rows, index=pd.Index([p.year for p in periods], name="period"))


def metadata_table(ds: xr.Dataset) -> pd.DataFrame:
    """The pathway's settings and identity as (item, value) rows."""
    rows = []
    for key in ("scenario", "foresight", "discount_rate", "base_year", "peak_year", "discounted_total_cost_cny",
                "times_s"):
        if key in ds.attrs:
            rows.append((key, str(ds.attrs[key])))
    return pd.DataFrame(rows, columns=["item", "value"])


def all_tables(ds: xr.Dataset, periods: list[Period], out: Path, targets: dict[str, Any] | None = None
               ) -> dict[str, pd.DataFrame]:
    """Every table of the pathway report, by name (language-neutral)."""
    meta = tech_meta(ds, periods)
    targets = plan_targets(periods) if targets is None else targets
    ms = milestones_table(ds, targets, capacity_groups(periods), meta)
    return {
        "trajectory": trajectory_table(ds, meta),
        "milestones": ms,
        "capacity": capacity_table(ds),
        "built": built_table(ds),
        "retired": retired_table(ds),
        "energy": energy_table(ds, meta),
        "mix": mix_table(ds, meta),
        "emissions": emissions_table(ds),
        "shares": shares_table(ds, ms),
        "cost": cost_table(ds),
        "discounted": discounted_table(ds),
        "periods": periods_table(periods, out),
        "metadata": metadata_table(ds),
    }


# ----------------------------------------------------------------------------- display

def _row_label(key: str, lang: str, meta: pd.DataFrame | None = None) -> str:
    if key in ("investment_stranded",):
        return i18n.label(key, lang)
    if re.fullmatch(r"\d{4}", key):
        return key
    name = T.row_label(key, lang)
    if meta is not None and key in meta.index and meta.at[key, "kind"] == "storage":
        name += " – " + i18n.label("pw_discharge_not_in_total", lang)
    return name


def header(name: str, col: str, lang: str) -> str:
    """Display header of column ``col`` of table ``name``."""
    if name in WIDE_UNITS and re.fullmatch(r"\d{4}", col):
        return f"{col} ({i18n.label(WIDE_UNITS[name], lang)})"
    return i18n.label(col, lang)


def localize(name: str, df: pd.DataFrame, lang: str, meta: pd.DataFrame | None = None) -> pd.DataFrame:
    """Display form of a table for Excel: ids kept in the first column, names and codes translated."""
    out = df.copy()
    if name == "milestones":
        out.insert(1, "term", [i18n.term(t, "", lang) for t in out["target_id"]])
        out["status"] = [status_label(s, lang) for s in out["status"]]
        out["basis"] = [i18n.label(b, lang, year=y) if b else "" for b, y in zip(out["basis"], out["basis_year"],
                                                                                 strict=True)]
        out["sense"] = out["sense"].replace({">=": "≥", "<=": "≤", "==": "≈"})
        out = out.drop(columns=["basis_year"])
    elif name == "metadata":
        out["item"] = [i18n.label(k, lang) for k in out["item"]]
    elif name in ("trajectory", "shares", "periods"):
        for c in ("coal_share_status", "nonfossil_share_status"):
            if c in out:
                out[c] = [status_label(v, lang) for v in out[c]]
        for c in ("results", "share_basis"):
            if c in out:
                out[c] = [i18n.label(v, lang) if v else "" for v in out[c]]
        out = out.reset_index()
    else:
        ids = [str(k) for k in out.index]
        out.insert(0, "name", [_row_label(k, lang, meta if name == "energy" else None) for k in ids])
        out.insert(0, "id", ids)
        out = out.reset_index(drop=True)
    out.columns = [header(name, str(c), lang) for c in out.columns]
    return out


def _fmt(v: Any, spec: str) -> str:
    """A number for reading ('—' if missing); a small non-zero value keeps three significant digits, and one
    below 0.001 reads 0."""
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "—"
    if isinstance(v, str):
        return v
    x = float(v) + 0.0
    if abs(x) < 1e-3:  # below any unit's meaning here: an interior point's noise (0.000589 MWh of load shed)
        x = 0.0
    if 0 < abs(x) < 0.1 and abs(x) < 10 ** -_decimals(spec):
        return format(x, ".3g")
    s = format(x, spec)
    return s[1:] if s.startswith("-") and s.strip("-0.,") == "" else s


def _decimals(spec: str) -> int:
    m = re.search(r"\.(\d+)f", spec)
    return int(m.group(1)) if m else 6


_UNIT_FMT = {"GW": ",.3f", "%": ".2f", "Mt CO2/yr": ",.2f"}


def status_label(status: str, lang: str) -> str:
    """Display text of a milestone status."""
    return i18n.label("pw_not_evaluated" if status == "not_evaluated" else status, lang)


def _badge(status: str, lang: str) -> str:
    cls = status if status in ("met", "not_met") else "other"
    return f"<span class='badge {cls}'>{H.esc(status_label(status, lang))}</span>"


def wide_html(name: str, df: pd.DataFrame, lang: str, meta: pd.DataFrame | None = None) -> str:
    """A rows x periods table as HTML, numbers formatted, the total row in bold."""
    spec = _WIDE_FMT[name]
    cols = list(df.columns)
    first = i18n.label("component" if name == "cost" else "source" if name in ("energy", "mix") else "technology",
                       lang)
    head = f"<th>{H.esc(first)}</th>" + "".join(f"<th class='num'>{H.esc(header(name, c, lang))}</th>" for c in cols)
    body = []
    for key, row in df.iterrows():
        cls = " class='total'" if key == T.TOTAL else ""
        cells = "".join(f"<td class='num'>{H.esc(_fmt(row[c], spec))}</td>" for c in cols)
        body.append(f"<tr{cls} data-row='{H.esc(key)}'><td class='name'>"
                    f"{H.esc(_row_label(str(key), lang, meta if name == 'energy' else None))}</td>{cells}</tr>")
    return (f"<div class='scroll'><table data-table='{H.esc(name)}'><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table></div>")


def columns_html(name: str, df: pd.DataFrame, lang: str, index_key: str) -> str:
    """A table with one row per period (or item) and named columns."""
    cols = list(df.columns)
    head = f"<th>{H.esc(i18n.label(index_key, lang))}</th>" + "".join(
        f"<th class='{'num' if c in _COL_FMT else ''}'>{H.esc(i18n.label(c, lang))}</th>" for c in cols)
    body = []
    for key, row in df.iterrows():
        cls = " class='total'" if key == T.TOTAL else ""
        cells = []
        for c in cols:
            v = row[c]
            if c in _COL_FMT:
                cells.append(f"<td class='num'>{H.esc(_fmt(v, _COL_FMT[c]))}</td>")
            elif c.endswith("_status"):
                cells.append(f"<td>{_badge(str(v), lang)}</td>")
            else:
                cells.append(f"<td>{H.esc(v)}</td>")
        body.append(f"<tr{cls} data-row='{H.esc(key)}'><td class='name'>{H.esc(_row_label(str(key), lang))}</td>"
                    f"{''.join(cells)}</tr>")
    return (f"<div class='scroll'><table data-table='{H.esc(name)}'><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table></div>")


_SENSE = {">=": "≥", "<=": "≤", "==": "≈"}


def milestones_html(ms: pd.DataFrame, targets: dict[str, Any], lang: str) -> str:
    """The plan's milestones as rows and the periods as columns: achieved value, bound and status."""
    L = lambda k, **f: H.esc(i18n.label(k, lang, **f))  # noqa: E731
    years = sorted(ms["period"].unique().tolist())
    head = (f"<tr><th>{L('term')}</th><th>{L('clause')} / {L('quote')}</th><th class='num'>{L('plan_value')}</th>"
            + "".join(f"<th class='num'>{y}</th>" for y in years) + "</tr>")
    rows = []
    for stem, g in ms.groupby("milestone", sort=False):
        g = g.set_index("period")
        entries = [(tid, targets.get(tid, {})) for tid in dict.fromkeys(g["target_id"])]
        term = i18n.term(entries[0][0], "", lang)
        plans, clauses = [], []
        for _, e in entries:
            v = e.get("value")
            unit = T._PLAN_UNIT.get(str(e.get("unit")), (str(e.get("unit")), 1.0))[0]
            sym = _SENSE.get(str(e.get("sense")), str(e.get("sense", "")))
            txt = f"{sym} {float(v):,.4g} {unit}" if v is not None else i18n.label("pw_peak_plan", lang)
            plans.append(f"{H.esc(e.get('year', ''))}: {H.esc(txt)}")
            clauses.append(f"<span class='clause'>{H.esc(e.get('clause', ''))}</span><br>"
                           f"<span class='quote'>{H.esc(e.get('quote', ''))}</span>")
        cells = []
        for y in years:
            r = g.loc[y]
            bound = ""
            spec = _UNIT_FMT.get(str(r["unit"]), ",.4g")
            if not np.isnan(r["lower"]) and not np.isnan(r["upper"]) and r["lower"] != r["upper"]:
                bound = f"{_fmt(r['lower'], spec)} – {_fmt(r['upper'], spec)}"
            elif not np.isnan(r["lower"]):
                bound = ("= " if r["lower"] == r["upper"] else "≥ ") + _fmt(r["lower"], spec)
            elif not np.isnan(r["upper"]):
                bound = "≤ " + _fmt(r["upper"], spec)
            basis = i18n.label(r["basis"], lang, year=r["basis_year"]) if r["basis"] else ""
            cells.append(
                f"<td class='ms' data-period='{y}' data-status='{H.esc(r['status'])}'>"
                f"<b>{H.esc(_fmt(r['achieved'], spec))}</b> <span class='small'>{H.esc(r['unit'])}</span><br>"
                f"{_badge(str(r['status']), lang)}<div class='small'>{H.esc(bound)}</div>"
                f"<div class='small'>{H.esc(basis)}</div></td>")
        rows.append(f"<tr data-milestone='{H.esc(stem)}'><td><b>{H.esc(term)}</b><div class='small'>"
                    f"{H.esc('; '.join(t for t, _ in entries))}</div></td><td>{'<br>'.join(clauses)}</td>"
                    f"<td class='num'>{'<br>'.join(plans)}</td>{''.join(cells)}</tr>")
    return (f"<div class='scroll'><table data-table='milestones'><thead>{head}</thead>"
            f"<tbody>{''.join(rows)}</tbody></table></div>")


def periods_html(df: pd.DataFrame, lang: str) -> str:
    """The periods' folders and links to their single-year reports (relative links)."""
    L = lambda k: H.esc(i18n.label(k, lang))  # noqa: E731
    head = (f"<tr><th>{L('period')}</th><th>{L('folder')}</th><th>{L('results')}</th><th>{L('solver_status')}</th>"
            f"<th>{L('share_basis')}</th><th>{L('report')}</th><th>{L('note')}</th></tr>")
    rows = []
    for y, r in df.iterrows():
        link = (f"<a href='{H.esc(r['report'])}' data-period-report='{y}'>{H.esc(r['report'])}</a>"
                if r["report"] else "—")
        rows.append(f"<tr data-row='{y}'><td>{y}</td><td>{H.esc(r['folder'])}/</td><td>{L(r['results'])}</td>"
                    f"<td>{H.esc(r['solver_status'])}</td><td>{L(r['share_basis']) if r['share_basis'] else ''}</td>"
                    f"<td>{link}</td><td class='small'>{H.esc(r['note'])}</td></tr>")
    return (f"<div class='scroll'><table data-table='periods'><thead>{head}</thead>"
            f"<tbody>{''.join(rows)}</tbody></table></div>")


# ----------------------------------------------------------------------------- figures

@dataclass
class Fig:
    key: str
    section: str
    path: Path
    title: str


def _colors(meta: pd.DataFrame) -> xr.Dataset:
    """A dataset carrying the carriers, for :func:`optimizer.report.figures.color`."""
    return xr.Dataset(coords={"technology": meta.index.values, "carrier": ("technology", meta["carrier"].values)})


def _stack(ax: plt.Axes, x: list[str], df: pd.DataFrame, cds: xr.Dataset, lang: str) -> None:
    """Stacked bars (rows of ``df`` over the columns ``x``), positive upwards and negative downwards."""
    pos, neg = np.zeros(len(x)), np.zeros(len(x))
    for i, (k, row) in enumerate(df.iterrows()):
        v = row.to_numpy(dtype=float)
        if np.abs(v).max() <= 1e-9:
            continue
        base = np.where(v >= 0, pos, neg)
        ax.bar(x, v, bottom=base, color=F.color(cds, str(k), i), label=i18n.tech(str(k), lang), width=0.6,
               edgecolor="white", linewidth=0.5)
        pos += np.where(v >= 0, v, 0)
        neg += np.where(v < 0, v, 0)


def fig_capacity(tbl: dict[str, pd.DataFrame], cds: xr.Dataset, lang: str) -> plt.Figure:
    """Installed capacity stacked by technology per period; built (+) and retired early (−) per period."""
    cap = tbl["capacity"].drop(index=T.TOTAL) / 1e3
    x = list(cap.columns)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(13, 5.2), width_ratios=[1.2, 1])
    _stack(a1, x, cap, cds, lang)
    for xi, t in zip(x, cap.sum(axis=0), strict=True):
        a1.text(xi, t, _fmt(t, ",.1f"), ha="center", va="bottom", fontsize=9)
    a1.set_ylabel(i18n.label("ax_gw", lang))
    a1.set_xlabel(i18n.label("period", lang))
    a1.set_title(i18n.label("pw_fig_capacity", lang))
    a1.set_ylim(top=max(float(cap.clip(lower=0).sum(axis=0).max()), 1e-9) * 1.1)
    change = tbl["built"].drop(index=T.TOTAL) / 1e3
    ret = tbl["retired"].drop(index=T.TOTAL)
    if len(ret):  # cumulative early retirement -> retired during each period
        step = ret.diff(axis=1).fillna(ret.iloc[:, [0]].reindex(columns=ret.columns)).clip(lower=0)
        change = change.sub(step.reindex(change.index).fillna(0.0) / 1e3, fill_value=0.0)
    _stack(a2, x, change, cds, lang)
    a2.axhline(0, color="black", lw=0.8)
    a2.set_ylabel(i18n.label("ax_gw", lang))
    a2.set_xlabel(i18n.label("period", lang))
    a2.set_title(i18n.label("pw_fig_changes", lang))
    handles, labels = a1.get_legend_handles_labels()
    h2, l2 = a2.get_legend_handles_labels()
    for h, lab in zip(h2, l2, strict=True):
        if lab not in labels:
            handles.append(h)
            labels.append(lab)
    a2.legend(handles[::-1], labels[::-1], loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9)
    fig.tight_layout()
    return fig


def fig_energy(tbl: dict[str, pd.DataFrame], cds: xr.Dataset, meta: pd.DataFrame, lang: str) -> plt.Figure:
    """Generation and imports stacked by source per period (TWh/yr), with each period's total."""
    en = tbl["energy"].loc[[k for k in supply_techs(meta)]] / 1e3
    x = list(en.columns)
    fig, ax = plt.subplots(figsize=(11, 5.2))
    _stack(ax, x, en, cds, lang)
    for xi, t in zip(x, en.sum(axis=0), strict=True):
        ax.text(xi, t, _fmt(t, ",.1f"), ha="center", va="bottom", fontsize=9)
    ax.set_ylabel(i18n.label("ax_twh", lang))
    ax.set_xlabel(i18n.label("period", lang))
    ax.set_title(i18n.label("pw_fig_energy", lang))
    ax.set_ylim(top=max(float(en.clip(lower=0).sum(axis=0).max()), 1e-9) * 1.1)
    h, lab = ax.get_legend_handles_labels()
    ax.legend(h[::-1], lab[::-1], loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9)
    return fig


def _status_color(s: str) -> str:
    return {"met": "#2ca02c", "not_met": "#d62728"}.get(s, "#9aa3ad")


def fig_emissions(ds: xr.Dataset, tbl: dict[str, pd.DataFrame], cds: xr.Dataset, lang: str) -> plt.Figure:
    """CO2 stacked by source per period, the highest period marked, and the plan's carbon peak (碳达峰):
    the 2030 line, the reference level after it and each period's met / not met."""
    em = tbl["emissions"].drop(index=T.TOTAL)
    x = list(tbl["emissions"].columns)
    total = tbl["emissions"].loc[T.TOTAL].to_numpy(dtype=float)
    fig, ax = plt.subplots(figsize=(11, 5.4))
    _stack(ax, x, em, cds, lang)
    ax.plot(x, total, "o-", color="black", lw=1.4, label=i18n.label("pw_total_co2", lang), zorder=3)
    peak, plateau = peak_period(ds)
    j = x.index(str(peak))
    ax.annotate(i18n.label("pw_peak_plateau" if plateau else "pw_peak_marker", lang, year=peak),
                (j, total[j]), xytext=(0, 18), textcoords="offset points", ha="center", fontsize=10,
                color="#a61b1b", fontweight="bold", arrowprops={"arrowstyle": "->", "color": "#a61b1b"})
    ms = tbl["milestones"]
    pk = ms[ms["milestone"] == PEAK_STEM].set_index("period")
    handles, labels = ax.get_legend_handles_labels()
    if len(pk):
        plan_year = int(pk["plan_year"].iloc[0])
        years = [int(v) for v in x]
        if years[0] <= plan_year <= years[-1]:
            # just after the plan's year on the categorical axis (between periods when it is not one of them)
            pos = float(np.interp(plan_year, years, range(len(years)))) if len(years) > 1 else 0.0
            ax.axvline(pos + (0.4 if plan_year in years else 0.0), color="#a61b1b", ls="--", lw=1.2)
            handles.append(Line2D([], [], color="#a61b1b", ls="--"))
            labels.append(i18n.label("pw_plan_peak_line", lang, year=plan_year))
        ref = pk[pk["basis"].isin(["basis_peak_reference", "basis_peak_no_later"])]
        if len(ref):
            k = x.index(str(ref.index[0]))
            ax.hlines(float(ref["upper"].iloc[0]), k - 0.3, len(x) - 0.6, colors="#a61b1b", linestyles=":", lw=1.5)
            handles.append(Line2D([], [], color="#a61b1b", ls=":"))
            labels.append(i18n.label("pw_peak_level", lang, year=ref.index[0]))
        top = float(np.nanmax(total)) if len(total) else 1.0
        for y, r in pk.iterrows():
            if r["status"] in ("met", "not_met"):
                k = x.index(str(y))
                ax.text(k, -0.07 * top, i18n.label(r["status"], lang), ha="center", va="top", fontsize=9,
                        color=_status_color(r["status"]), fontweight="bold")
        ax.set_ylim(bottom=-0.14 * top, top=top * 1.25)
    ax.axhline(0, color="black", lw=0.6)
    ax.set_ylabel(i18n.label("ax_mt", lang))
    ax.set_xlabel(i18n.label("period", lang))
    ax.set_title(i18n.label("pw_fig_emissions", lang))
    ax.legend(handles[::-1], labels[::-1], loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9)
    return fig


def fig_shares(tbl: dict[str, pd.DataFrame], lang: str) -> plt.Figure:
    """Coal and non-fossil shares per period against the limits that apply (55 % ceiling, 13 % floor)."""
    sh = tbl["shares"]
    x = [str(y) for y in sh.index]
    fig, ax = plt.subplots(figsize=(11, 5.0))
    for stem, bound, col in (("coal_share", "coal_limit_pct", "#4d4d4d"),
                             ("nonfossil_share", "nonfossil_floor_pct", "#59a14f")):
        v = sh[f"{stem}_pct"].to_numpy(dtype=float)
        ax.plot(x, v, "o-", color=col, lw=2, label=i18n.label(f"{stem}_pct", lang))
        b = sh[bound].to_numpy(dtype=float)
        if np.isfinite(b).any():
            values = ", ".join(f"{v:g} %" for v in dict.fromkeys(b[np.isfinite(b)].round(6).tolist()))
            ax.step(x, b, where="mid", color=col, ls="--", lw=1.2, label=f"{i18n.label(bound, lang)}: {values}")
        for xi, vi, s in zip(x, v, sh[f"{stem}_status"], strict=True):
            ax.scatter([xi], [vi], s=90, facecolor="none", edgecolor=_status_color(s), linewidth=2, zorder=4)
            ax.annotate(f"{vi:.1f} %", (xi, vi), xytext=(6, 6), textcoords="offset points", fontsize=9)
    handles, labels = ax.get_legend_handles_labels()
    handles += [Line2D([], [], marker="o", ls="", markerfacecolor="none", markeredgecolor=_status_color(s),
                       markeredgewidth=2) for s in ("met", "not_met")]
    labels += [i18n.label("met", lang), i18n.label("not_met", lang)]
    ax.set_ylim(bottom=0, top=max(100.0 if sh.filter(like="_pct").max().max() > 60 else 70.0, 1.0))
    ax.set_ylabel("%")
    ax.set_xlabel(i18n.label("period", lang))
    ax.set_title(i18n.label("pw_fig_shares", lang))
    ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9)
    return fig


def fig_cost(tbl: dict[str, pd.DataFrame], lang: str) -> plt.Figure:
    """Annual cost by component per period (bn CNY/yr) and the discounted total, split (bn CNY)."""
    cost = tbl["cost"].drop(index=T.TOTAL) / 1e3
    x = list(cost.columns)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(13, 5.0), width_ratios=[1.1, 1])
    pos = np.zeros(len(x))
    for c, row in cost.iterrows():
        v = row.to_numpy(dtype=float)
        if np.abs(v).max() <= 1e-12:
            continue
        a1.bar(x, v, bottom=pos, color=F._COMPONENT_COLORS.get(str(c), "#888888"), label=i18n.label(str(c), lang),
               width=0.6)
        pos += v
    for xi, t in zip(x, pos, strict=True):
        a1.text(xi, t, _fmt(t, ",.2f"), ha="center", va="bottom", fontsize=9)
    a1.set_ylabel(i18n.label("ax_bn_cny", lang))
    a1.set_xlabel(i18n.label("period", lang))
    a1.set_title(i18n.label("pw_fig_cost", lang))
    a1.set_ylim(top=max(float(pos.max()), 1e-9) * 1.12)
    h, lab = a1.get_legend_handles_labels()
    a1.legend(h[::-1], lab[::-1], loc="upper left", fontsize=9)
    d = tbl["discounted"]["discounted_cost_bn_cny"]
    items = [k for k in d.index if k != T.TOTAL]
    names = [i18n.label("pw_operation_in", lang, year=k) if k in x else i18n.label(k, lang) for k in items]
    vals = d.loc[items].to_numpy(dtype=float)
    left = np.concatenate([[0.0], np.cumsum(vals)[:-1]])
    y = np.arange(len(items) + 1)[::-1]
    cols = ["#4e79a7"] * len(x) + ["#e15759"] * (len(items) - len(x))
    a2.barh(y[:-1], vals, left=left, color=cols)
    a2.barh(y[-1], float(d.loc[T.TOTAL]), color="#1d2733")
    for yi, lf, v in zip(y[:-1], left, vals, strict=True):
        a2.text(lf + v, yi, " " + _fmt(v, ",.1f"), va="center", fontsize=9)
    a2.text(float(d.loc[T.TOTAL]), y[-1], " " + _fmt(float(d.loc[T.TOTAL]), ",.1f"), va="center", fontsize=9,
            fontweight="bold")
    a2.set_yticks(y, [*names, i18n.label("discounted_total", lang)])
    a2.set_xlabel(i18n.label("pw_ax_bn_cny_discounted", lang))
    a2.set_title(i18n.label("pw_fig_discounted", lang))
    a2.margins(x=0.18)
    fig.tight_layout()
    return fig


def fig_milestones(tbl: dict[str, pd.DataFrame], lang: str) -> plt.Figure | None:
    """One panel per capacity milestone: capacity per period, the bound that applies, met / not met."""
    ms = tbl["milestones"]
    cap = ms[(ms["unit"] == "GW") & ms["achieved"].notna()]
    stems = list(dict.fromkeys(cap["milestone"]))
    if not stems:
        return None
    n = len(stems)
    ncol = min(3, n)
    nrow = -(-n // ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(4.3 * ncol, 3.3 * nrow), squeeze=False)
    for ax, stem in zip(axes.ravel(), stems, strict=False):
        g = cap[cap["milestone"] == stem]
        x = [str(p) for p in g["period"]]
        v = g["achieved"].to_numpy(dtype=float)
        ax.bar(x, v, color=[_status_color(s) for s in g["status"]], width=0.6, alpha=0.85)
        for xi, vi in zip(x, v, strict=True):
            ax.text(xi, vi, _fmt(vi, ",.2f"), ha="center", va="bottom", fontsize=8)
        for k, (_, r) in enumerate(g.iterrows()):
            for b, ls in (("lower", "--"), ("upper", ":")):
                if np.isfinite(r[b]):
                    ax.hlines(r[b], k - 0.4, k + 0.4, colors="black", linestyles=ls, lw=1.4)
        tid = str(g["target_id"].iloc[0])
        ax.set_title(i18n.term(tid, "", lang), fontsize=11)
        ax.set_ylabel(i18n.label("ax_gw", lang))
        ax.margins(y=0.15)
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    handles = [Patch(color=_status_color(s), label=i18n.label(k, lang)) for s, k in
               (("met", "met"), ("not_met", "not_met"), ("other", "not_applicable"))]
    handles += [Line2D([], [], color="black", ls="--", label=i18n.label("pw_bound_lower", lang)),
                Line2D([], [], color="black", ls=":", label=i18n.label("pw_bound_upper", lang))]
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), bbox_to_anchor=(0.5, -0.02), fontsize=9)
    fig.suptitle(i18n.label("pw_fig_milestones", lang), fontweight="bold")
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig


def make_figures(ds: xr.Dataset, tbl: dict[str, pd.DataFrame], meta: pd.DataFrame, out_dir: Path, lang: str
                 ) -> list[Fig]:
    """Draw every figure of the pathway report as PNG into ``out_dir``."""
    import logging

    out_dir.mkdir(parents=True, exist_ok=True)
    flang = F.figure_lang(lang)
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    cds = _colors(meta)
    figs: list[Fig] = []
    todo = [
        ("milestones", "pw_sec_milestones", lambda: fig_milestones(tbl, flang), "pw_fig_milestones"),
        ("capacity", "pw_sec_capacity", lambda: fig_capacity(tbl, cds, flang), "pw_fig_capacity"),
        ("generation", "pw_sec_energy", lambda: fig_energy(tbl, cds, meta, flang), "pw_fig_energy"),
        ("emissions", "pw_sec_emissions", lambda: fig_emissions(ds, tbl, cds, flang), "pw_fig_emissions"),
        ("shares", "pw_sec_shares", lambda: fig_shares(tbl, flang), "pw_fig_shares"),
        ("cost", "pw_sec_cost", lambda: fig_cost(tbl, flang), "pw_fig_cost"),
    ]
    for key, section, make, title in todo:
        with plt.rc_context(F._rc(flang)):
            fig = make()
            if fig is None:
                continue
            path = F._save(fig, out_dir / f"{key}.png")
        figs.append(Fig(key, section, path, i18n.label(title, lang)))
    return figs


# ----------------------------------------------------------------------------- page

def _figure_html(fig: Fig) -> str:
    data = base64.b64encode(fig.path.read_bytes()).decode("ascii")
    return (f"<figure id='fig-{H.esc(fig.key)}'><img alt='{H.esc(fig.title)}' src='data:image/png;base64,{data}'>"
            f"<figcaption>{H.esc(fig.title)}</figcaption></figure>")


def _cards(ds: xr.Dataset, tbl: dict[str, pd.DataFrame], lang: str) -> str:
    peak, plateau = peak_period(ds)
    ms = tbl["milestones"]
    n_met = int((ms["status"] == "met").sum())
    n_not = int((ms["status"] == "not_met").sum())
    cards = [
        ("discounted_total_bn_cny", f"{float(ds.attrs['discounted_total_cost_cny']) / 1e9:,.2f}"),
        ("peak_period", f"{peak}" + (" +" if plateau else "")),
        ("pw_peak_co2_mt", f"{float(ds['co2_t'].max()) / 1e6:,.2f}"),
        ("pw_milestones_met", f"{n_met}"),
        ("pw_milestones_not_met", f"{n_not}"),
        ("foresight", i18n.label(f"foresight_{ds.attrs.get('foresight', '')}", lang)),
    ]
    return "<div class='cards'>" + "".join(
        f"<div class='card' data-card='{H.esc(k)}'><div class='v'>{H.esc(v)}</div>"
        f"<div class='k'>{H.esc(i18n.label(k, lang))}</div></div>" for k, v in cards) + "</div>"


EXTRA_CSS = """
.scroll { overflow-x: auto; max-width: 100%; }
td.ms { text-align: right; min-width: 130px; font-variant-numeric: tabular-nums; }
td.ms .badge { margin: 2px 0; }
.rule { background: var(--band); border-left: 4px solid var(--accent); padding: 6px 12px; margin: 8px 0; }
"""


def render(ds: xr.Dataset, tbl: dict[str, pd.DataFrame], figs: list[Fig], meta: pd.DataFrame,
           targets: dict[str, Any], lang: str, *, folder: Path, notes: list[str]) -> str:
    """The pathway report page as a string."""
    L = lambda k, **f: i18n.label(k, lang, **f)  # noqa: E731
    by_sec: dict[str, list[Fig]] = {}
    for f in figs:
        by_sec.setdefault(f.section, []).append(f)

    def figs_of(sec: str) -> str:
        return "".join(_figure_html(f) for f in by_sec.get(sec, []))

    parts: dict[str, str] = {}
    peak, plateau = peak_period(ds)
    pre = "".join(H.note_html(n) for n in notes)
    peak_txt = L("pw_peak_plateau" if plateau else "pw_peak_marker", year=peak)
    model_peak = ds.attrs.get("peak_year")
    model_txt = L("pw_model_no_peak") if model_peak in (None, "none") else L("pw_model_peak", year=model_peak)
    parts["pw_sec_headline"] = (pre + _cards(ds, tbl, lang) + f"<p>{H.esc(peak_txt)}. {H.esc(model_txt)}</p>"
                                + columns_html("trajectory", tbl["trajectory"], lang, "period"))
    parts["pw_sec_milestones"] = (f"<p class='rule'>{H.esc(L('pw_rule'))}</p>"
                                  + milestones_html(tbl["milestones"], targets, lang) + figs_of("pw_sec_milestones"))
    ret = tbl["retired"]
    parts["pw_sec_capacity"] = (
        f"<h3>{H.esc(L('pw_capacity_installed'))}</h3>" + wide_html("capacity", tbl["capacity"], lang)
        + f"<h3>{H.esc(L('pw_capacity_built'))}</h3>" + wide_html("built", tbl["built"], lang)
        + f"<h3>{H.esc(L('pw_capacity_retired'))}</h3>"
        + (wide_html("retired", ret, lang) if len(ret) > 1 else H.note_html(L("pw_no_retirement")))
        + figs_of("pw_sec_capacity"))
    energy_note = "" if (meta["kind"] != "").any() else H.note_html(L("pw_kinds_unknown"))
    parts["pw_sec_energy"] = (energy_note + wide_html("energy", tbl["energy"], lang, meta)
                              + f"<h3>{H.esc(L('pw_mix'))}</h3>" + wide_html("mix", tbl["mix"], lang)
                              + figs_of("pw_sec_energy"))
    parts["pw_sec_emissions"] = wide_html("emissions", tbl["emissions"], lang) + figs_of("pw_sec_emissions")
    parts["pw_sec_shares"] = columns_html("shares", tbl["shares"], lang, "period") + figs_of("pw_sec_shares")
    capex_note = L("pw_capex_note_" + str(ds.attrs.get("foresight", "perfect")))
    disc_note = L("pw_discounted_note", r=float(ds.attrs.get("discount_rate", 0)), y0=ds.attrs.get("base_year", ""))
    parts["pw_sec_cost"] = (H.note_html(capex_note) + wide_html("cost", tbl["cost"], lang)
                            + f"<h3>{H.esc(L('pw_discounted'))}</h3><p class='small'>{H.esc(disc_note)}</p>"
                            + columns_html("discounted", tbl["discounted"], lang, "item") + figs_of("pw_sec_cost"))
    parts["pw_sec_periods"] = f"<p>{H.esc(L('pw_periods_intro'))}</p>" + periods_html(tbl["periods"], lang)
    rows = "".join(f"<tr><td>{H.esc(L(k))}</td><td>{H.esc(v)}</td></tr>"
                   for k, v in zip(tbl["metadata"]["item"], tbl["metadata"]["value"], strict=True))
    parts["pw_sec_metadata"] = (
        f"<div class='metablock'><table data-table='metadata'><tbody>{rows}</tbody></table></div>"
        f"<p class='small'>{H.esc(L('results_file'))}: {H.esc(folder / 'pathway.nc')}<br>"
        f"{H.esc(L('report_generated'))}: {H.esc(datetime.now(UTC).isoformat(timespec='seconds'))}</p>"
        f"<details><summary>{H.esc(L('pw_config'))}</summary><pre>{H.esc(ds.attrs.get('pathway_yaml', ''))}</pre>"
        "</details>")

    scen = ds.attrs.get("scenario", "")
    years = _years(ds)
    title = f"{L('pw_report_title')}: {scen} ({years[0]}–{years[-1]})"
    sub = (f"{L('period')}: {', '.join(str(y) for y in years)} · "
           f"{L('foresight')}: {L('foresight_' + str(ds.attrs.get('foresight', '')))} · "
           f"{L('discount_rate')}: {float(ds.attrs.get('discount_rate', 0)):.1%}")
    return render_page(lang=lang, title=title, subtitles=[sub, f"{L('pw_tables_note')} {L('excel_note')}"],
                       toc_title=L("toc"), sections=[Section(s, L(s), Markup(parts.get(s, ""))) for s in SECTIONS],
                       css=H.CSS + EXTRA_CSS, head_script=H.HEAD_SCRIPT, load_script=H.LOAD_SCRIPT)


# ----------------------------------------------------------------------------- Excel

def write_workbook(ds: xr.Dataset, tbl: dict[str, pd.DataFrame], meta: pd.DataFrame, path: Path, lang: str) -> Path:
    """Every table (display headers, raw numbers) and the pathway config, one sheet each."""
    from optimizer.report.excel import write_sheets

    sheets = {i18n.label(f"pw_sheet_{n}", lang)[:31]: localize(n, tbl[n], lang, meta) for n in SHEETS}
    sheets[i18n.label("sheet_metadata", lang)[:31]] = localize("metadata", tbl["metadata"], lang)
    sheets[i18n.label("sheet_config", lang)[:31]] = pd.DataFrame(
        {"pathway.yaml": str(ds.attrs.get("pathway_yaml", "")).splitlines()})
    return write_sheets(sheets, path)


# ----------------------------------------------------------------------------- build

def build_period_reports(periods: list[Period], lang: str) -> None:
    """The single-year report of each period with usable results, in its own folder (a failure is noted)."""
    from optimizer.report import build_report

    for per in periods:
        if per.ds is None:
            per.report_note = per.detail
            continue
        try:
            per.report = build_report(per.folder, None, lang)
        except OptimizerError as err:
            per.report, per.report_note = None, str(err).splitlines()[0]


def build_pathway_report(folder: Path, out_dir: Path | None = None, lang: str = "en", *,
                         period_reports: bool = True) -> Path:
    """Write the pathway report of ``folder`` (or of a ``pathway.nc``) into ``out_dir`` (default
    ``<folder>/report``), after building each period's single-year report; return report.html's path.

    Built in a temporary sibling folder renamed into place when complete.
    """
    if lang not in i18n.LANGS:
        raise InputError(f"unknown language {lang!r}; use one of {', '.join(i18n.LANGS)}", field="--lang")
    folder = Path(folder)
    ds = load_pathway_results(folder)
    base = folder if folder.is_dir() else folder.parent
    out = Path(out_dir) if out_dir is not None else base / "report"
    periods = _periods(ds, base)
    if period_reports:
        build_period_reports(periods, lang)
    else:  # link the reports already there
        for per in periods:
            html_path = per.folder / "report" / "report.html"
            per.report = html_path if per.ds is not None and html_path.is_file() else None
    meta = tech_meta(ds, periods)
    targets = plan_targets(periods)
    with built_in_place(out, what="report") as tmp:
        tbl = all_tables(ds, periods, out, targets)
        figs = make_figures(ds, tbl, meta, tmp / "figures", lang)
        notes = []
        if lang == "zh" and F.figure_lang(lang) != "zh":
            notes.append(i18n.label("no_cjk_font_note", lang))
        missing = [p for p in periods if p.ds is None]
        if missing:
            notes.append(i18n.label("pw_missing_periods", lang, years=", ".join(str(p.year) for p in missing)))
        page = render(ds, tbl, figs, meta, targets, lang, folder=base.resolve(), notes=notes)
        (tmp / "report.html").write_text(page, encoding="utf-8")
        write_workbook(ds, tbl, meta, tmp / "report.xlsx", lang)
    return out / "report.html"
