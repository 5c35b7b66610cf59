"""The pathway report's tables: ``pathway.nc`` read and checked, each period's folder, and the tables
(language-neutral, model-side units in their keys) that :mod:`optimizer.report.pathway` shows through the
annual report's stack (:func:`optimizer.report.tables.localize`, :mod:`optimizer.report.units`).

Every number comes from ``pathway.nc``; the period results supply only what ``pathway.nc`` does not
hold: the technologies each capacity target counts (from the period config), the targets file the run
used and the share basis.

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

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from optimizer.errors import InputError
from optimizer.report import i18n
from optimizer.report import tables as T

REQUIRED_VARS = ("capacity_total_mw", "energy_mwh", "emissions_t", "built_mw", "retired_early_mw", "cost_cny",
                 "co2_t", "total_cost_cny", "coal_share", "nonfossil_share", "unserved_mwh", "years_represented",
                 "discounted_years")
REQUIRED_COORDS = ("period", "technology", "component")

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


def _wide(ds: xr.Dataset, var: str, factor: float, rows: list[str] | None = None, total: bool = True,
          index: str = "technology", after: list[str] | None = None) -> pd.DataFrame:
    """A (period, technology) variable as technology rows x period columns (str years), with a total row;
    the rows ``after`` (heat-only boilers: MW of heat) follow the total, outside it."""
    df = pd.DataFrame(ds[var].transpose("technology", "period").values * factor,
                      index=pd.Index(ds["technology"].values.astype(str), name=index),
                      columns=[str(y) for y in _years(ds)])
    rest = df.loc[[k for k in after or [] if k in df.index and (rows is None or k in rows)]]
    df = df.loc[[k for k in (rows if rows is not None else df.index) if k not in rest.index]]
    if total:
        df.loc[T.TOTAL] = df.sum(axis=0)
    return pd.concat([df, rest]) if len(rest) else df


def boilers(ds: xr.Dataset) -> list[str]:
    """Heat-only boilers: their capacity and energy are heat, left out of the power totals."""
    if "kind" not in ds.coords:
        return []
    return [str(k) for k, kd in zip(ds["technology"].values, ds["kind"].values, strict=True) if str(kd) == "boiler"]


def supply_techs(meta: pd.DataFrame) -> list[str]:
    """Technologies whose energy is generation or imports (storage discharge is energy stored earlier, a
    boiler's is heat)."""
    return [k for k in meta.index if meta.at[k, "kind"] not in ("storage", "boiler")]


def capacity_table(ds: xr.Dataset) -> pd.DataFrame:
    """Installed capacity by technology and period (MW), total row (boilers after it)."""
    return _wide(ds, "capacity_total_mw", 1.0, after=boilers(ds))


def built_table(ds: xr.Dataset) -> pd.DataFrame:
    """Capacity built in each period (MW), total row (boilers after it)."""
    return _wide(ds, "built_mw", 1.0, after=boilers(ds))


def retired_table(ds: xr.Dataset) -> pd.DataFrame:
    """Existing capacity retired early by each period, cumulative (MW): technologies that retire any, total row."""
    r = ds["retired_early_mw"]
    rows = [str(k) for k in ds["technology"].values if float(abs(r.sel(technology=k)).max()) > 0]
    return _wide(ds, "retired_early_mw", 1.0, rows, after=boilers(ds))


def energy_table(ds: xr.Dataset, meta: pd.DataFrame) -> pd.DataFrame:
    """Annual energy by source and period (GWh/yr): generation and imports, their total, then storage
    discharge (after the total: it is energy generated earlier)."""
    supply = supply_techs(meta)
    df = _wide(ds, "energy_mwh", 1e-3, supply, index="source")
    rest = [k for k in meta.index if k not in supply]
    if rest:
        df = pd.concat([df, _wide(ds, "energy_mwh", 1e-3, rest, total=False, index="source")])
    return df


def mix_table(ds: xr.Dataset, meta: pd.DataFrame) -> pd.DataFrame:
    """Generation mix: each source's share of generation and imports per period (%), total 100."""
    supply = supply_techs(meta)
    e = _wide(ds, "energy_mwh", 1.0, supply, total=False, index="source")
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


def plan_table(ds: xr.Dataset, meta: pd.DataFrame) -> pd.DataFrame:
    """Page one, per period: what the period builds (local generation, storage, import capability; MW), its
    overnight investment, the annual cost, CO2 (the plan's city-wide scope where the pathway has it) and
    the two shares the plan limits."""
    built = ds["built_mw"]
    cols: dict[str, Any] = {
        f"new_{kind}_mw": built.sel(technology=[k for k in meta.index if meta.at[k, "kind"] == kind]).sum(
            "technology").values for kind in ("generator", "storage", "import")}
    if "investment_overnight_cny" in ds:
        cols["overnight_investment_bn_cny"] = ds["investment_overnight_cny"].values * 1e-9
    cols["annual_cost_bn_cny"] = ds["total_cost_cny"].values * 1e-9
    cols["co2_city_mt" if "co2_city_t" in ds else "co2_mt"] = ds[_co2_var(ds)].values * 1e-6
    cols["coal_share_pct"] = ds["coal_share"].values * 100.0
    cols["nonfossil_share_pct"] = ds["nonfossil_share"].values * 100.0
    return pd.DataFrame(cols, index=pd.Index(_years(ds), name="period"))


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
    tables = {
        "plan": plan_table(ds, meta),
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
    names = T.tech_names(ds)
    for df in tables.values():
        df.attrs["names"] = names
    # rows after the total: a boiler's heat, a storage's discharge (energy stored earlier)
    outside = {"boiler": "pw_heat_not_in_total", "storage": "pw_discharge_not_in_total"}

    def shown(k: str, lang: str) -> str:
        return f"{T.row_label(k, lang, names)} – {i18n.label(outside[meta.at[k, 'kind']], lang)}"

    def suffixed(kinds: tuple[str, ...]) -> dict[str, tuple[str, str]]:
        return {**names, **{k: (shown(k, "en"), shown(k, "zh")) for k in meta.index if meta.at[k, "kind"] in kinds}}

    for n in ("capacity", "built", "retired"):
        tables[n].attrs["names"] = suffixed(("boiler",))
    tables["energy"].attrs["names"] = suffixed(("boiler", "storage"))
    return tables


