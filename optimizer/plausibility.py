"""Plausibility rules: numbers a valid file can hold that no city's power system has.

A table can be well formed and still wrong by a unit: a load given in GW (1,000 times too small), a
capex in CNY/W, a price in CNY/kWh. The model solves such inputs without complaint and writes a
result that is wrong with exit 0. The rules below catch what they can, before the solve (inputs) and
after it (results); all of them, with their thresholds and the reason for each, are in this module's
tables (:data:`INPUT_RULES` on the technology and carrier tables, :data:`CONFIG_RULES`, :data:`LOAD_RULES`,
:data:`HEAT_RULES`, :data:`MULTIPLIER_RULES` and :data:`SCHEDULE_RULES` on the other inputs,
:data:`RESULT_RULES`), printed in docs/plausibility.md by ``python -m optimizer.docs``.

Each rule gives a band. A number outside an ``error`` band is surely wrong (a unit slip: the bands
are an order of magnitude or more beyond any real plant) and stops the run with one line naming the
cell; a number outside a ``warning`` band may be intended (a scenario of cheap storage, a city
twice the size) and is reported loudly: on stderr at once, in the summary, in summary.json
(``plausibility``) and in the report's flags. ``--set checks.plausibility=off`` switches every rule
off, for the expert who knows why; the results say it was off. One warning of the same channels is no
rule and stays on: typical days that do not keep a profile's annual total
(:mod:`optimizer.inputs.aggregate`, too few days for the year) say so, since that is a fact of the
aggregation, not a guess at a slip.

The bands are this project's judgement (assumptions), set wide around the ranges in
data/technology_sources.csv, and checked against the Suzhou data: no rule fires on the shipped
configs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from optimizer.errors import InputError

if TYPE_CHECKING:
    import pandas as pd
    import xarray as xr

    from optimizer.config import Config


@dataclass(frozen=True)
class Rule:
    """A band ``[low, high]`` for one number; outside it is an ``error`` or a ``warning``.

    ``scale``: the band is a multiple of the modelled city's peak load (``peak_mw``), of its annual
    load (``annual_mwh``), of another number of the row (:data:`ROW_SCALES`: ``unit_size_mw``,
    ``existing_mw``; rows where it is 0 are skipped), or absolute (``""``). ``kinds``: technology kinds
    (``|``-separated; ``link``: the links between zones) or ``carrier`` for the carrier table.
    ``only``: ``extendable`` (the number matters only for what may be built), ``fuel`` (a technology
    that burns a priced fuel), ``positive`` (a value of 0 is the neutral "none"), ``finite`` (inf is the
    neutral "no bound").
    """

    attribute: str
    kinds: str
    low: float
    high: float
    severity: str
    why: str
    scale: str = ""
    only: str = ""


_BUILD = "generator|storage|import|boiler|demand_response|link"
#: scales that are another number of the same row (rows where it is 0 are not checked), and how to say them
ROW_SCALES = {"unit_size_mw": "its unit size", "existing_mw": "its capacity in service"}
_PEAK = "peak_mw"

#: rules on the technology and carrier tables (after the config's overrides)
INPUT_RULES: tuple[Rule, ...] = (
    Rule("capex_cny_per_kw", _BUILD, 5.0, 300_000.0, "error", "no power technology costs under 5 or over "
         "300,000 CNY/kW (CNY/W or CNY/MW given?)", only="extendable"),
    Rule("capex_cny_per_kw", _BUILD, 50.0, 30_000.0, "warning", "outside 50-30,000 CNY/kW, the span from demand "
         "response and battery power to offshore wind", only="extendable"),
    Rule("capex_cny_per_kwh", "storage", 1.0, 50_000.0, "error", "no storage energy costs under 1 or over "
         "50,000 CNY/kWh (CNY/Wh or CNY/MWh given?)", only="extendable"),
    Rule("capex_cny_per_kwh", "storage", 50.0, 5_000.0, "warning", "outside 50-5,000 CNY/kWh, the span from "
         "pumped hydro and compressed air to early batteries", only="extendable"),
    Rule("lifetime_yr", _BUILD, 1.0, 200.0, "error", "an economic lifetime is a number of years, 1-200",
         only="extendable"),
    Rule("lifetime_yr", _BUILD, 3.0, 80.0, "warning", "economic lifetimes run from 3 (demand-response contracts) "
         "to 80 years (hydro dams)", only="extendable"),
    Rule("fom_cny_per_kw_yr", _BUILD, 0.0, 10_000.0, "error", "fixed O&M above 10,000 CNY/kW/yr is more than a "
         "plant's capex every year (CNY/MW/yr given?)"),
    Rule("fom_cny_per_kw_yr", _BUILD, 0.0, 1_000.0, "warning", "fixed O&M above 1,000 CNY/kW/yr"),
    Rule("vom_cny_per_mwh", _BUILD, 0.0, 100_000.0, "error", "variable O&M above 100,000 CNY/MWh is above any value "
         "of lost load (CNY/kWh x 1000 twice?)"),
    Rule("vom_cny_per_mwh", "generator|storage|boiler", 0.0, 1_000.0, "warning", "variable O&M above 1,000 CNY/MWh, "
         "twice a coal plant's whole fuel cost"),
    Rule("heat_rate_gce_per_kwh", "generator|boiler", 50.0, 2_000.0, "error", "fuel use per kWh of 50-2,000 gce "
         "(kgce/MWh) spans every plant; outside it a unit slip (kgce/kWh given?)", only="fuel"),
    Rule("heat_rate_gce_per_kwh", "generator|boiler", 100.0, 600.0, "warning", "fuel use outside 100-600 gce/kWh: "
         "a boiler needs ~130 gce per kWh of heat, a waste-to-energy plant ~550 per kWh of power", only="fuel"),
    Rule("price_cny_per_mwh", "import", 1.0, 20_000.0, "error", "a delivered price under 1 or over 20,000 CNY/MWh "
         "(CNY/kWh given?)", only="positive"),
    Rule("price_cny_per_mwh", "import", 100.0, 1_500.0, "warning", "delivered prices lie between 100 and 1,500 "
         "CNY/MWh (Jiangsu's coal benchmark is 391)", only="positive"),
    Rule("co2_t_per_mwh", "import", 0.0, 5.0, "error", "no electricity emits over 5 tCO2/MWh (kg/MWh given?)"),
    Rule("co2_t_per_mwh", "import", 0.0, 1.2, "warning", "above 1.2 tCO2/MWh, more than the least efficient coal "
         "plant"),
    Rule("existing_mw", _BUILD, 0.0, 100.0, "error", "one technology over 100 times the city's peak load (kW given "
         "as MW, or the load in GW?)", scale=_PEAK),
    Rule("existing_mw", _BUILD, 0.0, 3.0, "warning", "one technology over 3 times the city's peak load",
         scale=_PEAK),
    Rule("existing_mw", "generator", 0.1, math.inf, "warning", "a fleet in service under a tenth of one of its "
         "units (GW given as MW?)", scale="unit_size_mw", only="positive"),
    Rule("flex_retrofit_max_mw", "generator", 0.0, 1.0, "warning", "a retrofit limit above the capacity in service "
         "never binds (kW given as MW?)", scale="existing_mw", only="finite"),
    Rule("max_total_mw", _BUILD, 0.0, 100.0, "error", "a potential over 100 times the city's peak load",
         scale=_PEAK, only="finite"),
    Rule("max_total_mw", _BUILD, 0.0, 3.0, "warning", "a potential over 3 times the city's peak load",
         scale=_PEAK, only="finite"),
    Rule("min_total_mw", _BUILD, 0.0, 3.0, "warning", "a floor over 3 times the city's peak load", scale=_PEAK),
    Rule("max_build_mw_per_yr", _BUILD, 0.0, 3.0, "warning", "a build rate over 3 times the city's peak load a "
         "year", scale=_PEAK, only="finite"),
    Rule("existing_mwh", "storage", 0.0, 24.0, "warning", "storage holding more than a day of the city's peak load",
         scale=_PEAK),
    Rule("annual_energy_max_mwh", "demand_response", 0.0, 0.01, "warning", "interruptible load over 1 % of the "
         "city's annual load (contracts cover tens of hours a year)", scale="annual_mwh", only="finite"),
    Rule("annual_energy_max_mwh", "generator|import", 0.0, 2.0, "warning", "an annual limit over "
         "twice the city's annual load can never bind (a unit slip?)", scale="annual_mwh", only="finite"),
    Rule("annual_energy_min_mwh", "import", 0.0, 1.0, "error", "a contracted minimum above the city's whole annual "
         "load", scale="annual_mwh"),
    Rule("unit_size_mw", "generator", 0.0, 2_000.0, "warning", "no single unit is larger than 2,000 MW"),
    Rule("startup_cost_cny_per_mw", "generator", 0.0, 10_000.0, "warning", "a start costing over 10,000 CNY/MW, "
         "about ten times a large coal unit's"),
    Rule("standing_loss_frac_per_h", "storage", 0.0, 0.05, "warning", "storage losing over 5 % of its energy an "
         "hour"),
    Rule("ramp_frac_per_h", "generator|import", 0.0, 1.0, "warning", "a ramp above 1 (100 % of capacity) an hour "
         "does not limit anything; % given for a fraction?", only="finite"),
    Rule("firm_duration_h", "storage", 0.5, 24.0, "warning", "firm capacity from storage is counted over 0.5-24 h"),
    Rule("min_up_h", "generator", 0.0, 168.0, "warning", "a minimum up time beyond a week"),
    Rule("min_down_h", "generator", 0.0, 168.0, "warning", "a minimum down time beyond a week"),
    Rule("flex_retrofit_lifetime_yr", "generator", 1.0, 200.0, "error", "an economic lifetime is a number of years, "
         "1-200", only="positive"),
    Rule("flex_retrofit_lifetime_yr", "generator", 3.0, 80.0, "warning", "a retrofit's lifetime beyond 3-80 years",
         only="positive"),
    Rule("power_to_heat", "generator", 0.0, 5.0, "warning", "a back-pressure ratio above 5 MW of power per MW of "
         "heat (CHP units give 0.3-2)"),
    Rule("power_loss_per_heat", "generator", 0.0, 1.0, "warning", "more than 1 MW of power lost per MW of heat "
         "extracted (extraction units lose 0.1-0.3)"),
    Rule("min_duration_h", "storage", 0.0, 100.0, "warning", "storage that must hold over 100 hours of its power"),
    Rule("max_duration_h", "storage", 0.0, 1_000.0, "warning", "a duration limit over 1,000 hours limits nothing",
         only="finite"),
    Rule("flex_retrofit_capex_cny_per_kw", "generator", 5.0, 5_000.0, "error", "a flexibility retrofit costs "
         "5-5,000 CNY/kW (CNY/W given?)", only="positive"),
    Rule("fuel_price_cny_per_tce", "carrier", 10.0, 100_000.0, "error", "a fuel price under 10 or over 100,000 "
         "CNY/tce (CNY/kgce, or CNY per tonne of gas, given?)", only="positive"),
    Rule("fuel_price_cny_per_tce", "carrier", 100.0, 10_000.0, "warning", "fuel prices lie between 100 (waste) and "
         "10,000 CNY/tce (oil at 150 USD/bbl)", only="positive"),
    Rule("co2_t_per_tce", "carrier", 0.0, 5.0, "error", "no fuel emits over 5 tCO2/tce (coal 2.77)"),
    Rule("co2_t_per_tce", "carrier", 0.0, 3.2, "warning", "above 3.2 tCO2/tce, more than any coal"),
)

#: rules on the config's own numbers: (key, low, high, severity, why); a value of 0 is the neutral "none"
#: and is not checked
CONFIG_RULES: tuple[tuple[str, float, float, str, str], ...] = (
    ("economics.voll_cny_per_mwh", 100.0, 10_000_000.0, "error", "a value of lost load under 100 CNY/MWh is below "
     "the cost of any supply (CNY/kWh given?)"),
    ("economics.voll_cny_per_mwh", 3_000.0, 200_000.0, "warning", "values of lost load lie between 3,000 and "
     "200,000 CNY/MWh (Chinese industry: 20,000-50,000)"),
    ("economics.discount_rate", 0.0, 0.25, "warning", "a real discount rate over 25 % (8 % is 0.08)"),
    ("policy.carbon_price_cny_per_t", 1.0, 10_000.0, "error", "a carbon price under 1 or over 10,000 CNY/t "
     "(CNY/kg, or CNY/kt, given?)"),
    ("policy.carbon_price_cny_per_t", 10.0, 2_000.0, "warning", "carbon prices lie between 10 and 2,000 CNY/t "
     "(China's ETS: 60-100 in 2024)"),
)

#: rules on the load, against the statistic the config names (``checks.annual_load_twh``,
#: ``checks.peak_load_mw``): the band is a factor either way
LOAD_RULES: tuple[tuple[str, float, str, str], ...] = (
    # (figure, factor, severity, why)
    ("annual load", 5.0, "error", "more than 5 times off the city's statistic: the load file's unit (MW, GW, kW)?"),
    ("annual load", 2.0, "warning", "more than twice or less than half the city's statistic"),
    ("peak load", 5.0, "error", "more than 5 times off the city's statistic: the load file's unit (MW, GW, kW)?"),
    ("peak load", 2.0, "warning", "more than twice or less than half the city's statistic"),
)

#: rules on the heat demand (steam networks), as a share of the electricity load's annual energy: no statistic
#: is needed, since a city's industrial steam is a tenth of its electricity or so (Suzhou: 22 TWh of heat,
#: estimate, data/profile_params.yaml, against 196 TWh of electricity: 0.11)
HEAT_RULES: tuple[tuple[float, float, str, str], ...] = (
    # (low, high, severity, why)
    (0.002, 5.0, "error", "heat demand under 0.2 % or over 5 times the electricity: the heat file's unit (MW, GW, "
     "kW)?"),
    (0.01, 1.0, "warning", "heat demand under 1 % or over the whole of the electricity"),
)

#: rules on the price shapes' multipliers (per-unit of a technology's price; Jiangsu's tariff: 0.35-1.7, a
#: critical peak 1.2 x the peak)
MULTIPLIER_RULES: tuple[tuple[float, float, str, str], ...] = (
    # (low, high, severity, why)
    (0.0, 10.0, "error", "a time-of-use multiplier over 10 times the price (percent, or a price, given?)"),
    (0.1, 3.0, "warning", "time-of-use multipliers lie between 0.1 and 3 (Jiangsu: 0.35-1.7)"),
)

#: rules on the corridors' monthly schedules (warnings: each may be meant)
SCHEDULE_RULES: tuple[tuple[str, str], ...] = (
    # (figure, why)
    ("a month's energy_max_mwh above what the corridor can carry in the month", "the ceiling never binds: a unit "
     "slip (kWh given?), or a blank meant"),
    ("a cell blank in some months of a corridor and given in others", "a blank switches the month's bound off: a "
     "figure left out?"),
)

#: rules on the solved run (warnings: a result cannot be an input error, but it can show one)
RESULT_RULES: tuple[tuple[str, float, str], ...] = (
    # (figure, threshold, why)
    ("mean marginal price below", 0.0, "a mean price below zero: the system pays to get rid of energy all year"),
    ("unserved share of load above", 0.01, "more than 1 % of the load shed: the load or the capacities in the "
     "wrong unit?"),
    ("storage energy above hours of peak load", 24.0, "storage holding more than a day of the city's peak load"),
    ("storage discharge above its power times the hours", 1.0, "storage discharging more than its power in every "
     "hour of the year: beyond its physical maximum"),
    ("new capacity above times the peak load", 3.0, "new capacity over 3 times the peak load"),
    ("average supply cost below CNY/MWh", 50.0, "an average supply cost under 50 CNY/MWh"),
    ("average supply cost above CNY/MWh", 3_000.0, "an average supply cost over 3,000 CNY/MWh"),
)


def _where(tech: str, attr: str, overrides: dict[str, dict[str, Any]], table: str, section: str) -> str:
    """The cell a value came from: the config's override, or the table's row and column."""
    if attr in overrides.get(tech, {}):
        return f"config {section}.{tech}.{attr}"
    return f"{table}: {tech}.{attr}"


def _applies(rule: Rule, row: Any, value: float, fuel_priced: bool) -> bool:
    if rule.only == "extendable" and not bool(row.get("extendable", False)):
        return False
    if rule.only == "fuel" and not fuel_priced:
        return False
    if rule.only == "positive" and value == 0.0:
        return False
    return not (rule.only == "finite" and math.isinf(value))


def _fmt(x: float) -> str:
    return f"{x:,.6g}" if abs(x) < 1e6 else f"{x:,.0f}"


def _outside(value: float, bands: Iterable[tuple[float, float, str, str]], say: Callable[[float, float], str], *,
             source: str, field: str) -> str | None:
    """The first of ``bands`` ((low, high, severity, why), errors first) that ``value`` lies outside: an error
    raises InputError, a warning returns its sentence (``say(low, high)``: why); inside every band, None."""
    for low, high, severity, why in bands:
        if low <= value <= high:
            continue
        msg = f"{say(low, high)}: {why}"
        if severity == "error":
            raise InputError(msg + " (--set checks.plausibility=off if it is meant)", source=source, field=field)
        return msg
    return None


def check_inputs(cfg: Config, techs: pd.DataFrame, carriers: pd.DataFrame, load_mw: pd.DataFrame, *,
                 tech_file: str, carrier_file: str, load_file: str, heat_mw: pd.DataFrame | None = None,
                 heat_file: str = "", links: pd.DataFrame | None = None, link_file: str = "") -> list[str]:
    """Apply :data:`CONFIG_RULES`, :data:`LOAD_RULES`, :data:`HEAT_RULES` and :data:`INPUT_RULES`; raise
    InputError on the first error, return the warnings (sentences naming the cell). ``load_mw`` and
    ``heat_mw``: the run's hourly load and heat demand (time x zone or network), before any aggregation;
    a cut of the year is scaled to a year. ``links``: the links between zones (rules of kind ``link``)."""
    if cfg.checks.plausibility == "off":
        return []
    warnings: list[str] = []
    for key in dict.fromkeys(k for k, *_ in CONFIG_RULES):
        value: Any = cfg
        for part in key.split("."):
            value = getattr(value, part)
        if value == 0 or (key == "economics.voll_cny_per_mwh" and not cfg.economics.allow_unserved):
            continue
        msg = _outside(value, [r[1:] for r in CONFIG_RULES if r[0] == key], source="config", field=key,
                       say=lambda lo, hi, v=value: f"{_fmt(v)} is outside the plausible band {_fmt(lo)}-{_fmt(hi)}")
        warnings += [f"config {key}: {msg}"] if msg else []
    total = load_mw.sum(axis=1).to_numpy(dtype=float)
    annual_mwh = float(total.mean()) * 8760.0 if len(total) else 0.0
    peak_mw = float(total.max()) if len(total) else 0.0
    refs = {"annual load": (annual_mwh / 1e6, cfg.checks.annual_load_twh, "TWh/yr", "checks.annual_load_twh"),
            "peak load": (peak_mw, cfg.checks.peak_load_mw, "MW", "checks.peak_load_mw")}
    for figure, factor, severity, why in LOAD_RULES:
        model, ref, unit, key = refs[figure]
        if ref is None or ref <= 0:
            continue
        if model <= 0 or not (ref / factor <= model <= ref * factor):
            msg = (f"the {figure} is {_fmt(model)} {unit} against {_fmt(ref)} {unit} ({key}): {why}")
            if severity == "error":
                raise InputError(msg, source=load_file, field="load_mw")
            warnings.append(f"{load_file}: {msg}")
    heat_mwh = float(heat_mw.to_numpy(dtype=float).sum(axis=1).mean()) * 8760.0 if heat_mw is not None else 0.0
    if heat_mw is not None and len(heat_mw) and annual_mwh > 0:
        ratio = heat_mwh / annual_mwh
        msg = _outside(ratio, HEAT_RULES, source=heat_file, field="heat_mw",
                       say=lambda lo, hi: f"the annual heat demand is {_fmt(heat_mwh / 1e6)} TWh/yr, {ratio:.4g} x the "
                       f"electricity load's {_fmt(annual_mwh / 1e6)} TWh/yr (plausible {lo:g}-{hi:g})")
        warnings += [f"{heat_file}: {msg}"] if msg else []
    scale = {"": 1.0, "peak_mw": max(peak_mw, 1e-9), "annual_mwh": max(annual_mwh, 1e-9)}
    unit_of = {"peak_mw": "x the peak load", "annual_mwh": "x the annual load"}
    flagged: set[tuple[str, str]] = set()
    for rule in INPUT_RULES:  # errors first within each attribute: the table lists them so
        if rule.kinds == "carrier":
            rows = [(c, carriers.loc[c], carrier_file, "carriers", cfg.carriers) for c in carriers.index]
        else:
            kinds = rule.kinds.split("|")
            rows = [(t, techs.loc[t], tech_file, "technologies", cfg.technologies) for t in techs.index
                    if techs.at[t, "kind"] in kinds]
            if "link" in kinds and links is not None:  # the links table: no config overrides
                rows += [(lk, links.loc[lk], link_file, "links", {}) for lk in links.index]
        for name, row, table, section, overrides in rows:
            if rule.attribute not in row.index or (rule.scale in ROW_SCALES and not row.get(rule.scale, 0) > 0):
                continue
            value = float(row[rule.attribute])
            priced = rule.kinds != "carrier" and float(carriers.at[row["carrier"], "fuel_price_cny_per_tce"]) > 0 \
                if rule.only == "fuel" else False
            if not _applies(rule, row, value, priced) or (name, rule.attribute) in flagged:
                continue
            per = float(row[rule.scale]) if rule.scale in ROW_SCALES else scale[rule.scale]
            lo, hi = rule.low * per, rule.high * per
            if lo <= value <= hi:
                continue
            cell = _where(name, rule.attribute, overrides, table, section)
            if rule.scale in ROW_SCALES:  # a bound from the row's own numbers: say which
                below = value < lo
                msg = (f"{_fmt(value)} is {'below' if below else 'above'} {_fmt(lo if below else hi)} MW, "
                       f"{_fmt(rule.low if below else rule.high)} x {ROW_SCALES[rule.scale]}: {rule.why}")
            else:
                band = f"{_fmt(rule.low)}-{_fmt(rule.high)}" + (f" {unit_of[rule.scale]}" if rule.scale else "")
                msg = f"{_fmt(value)} is outside the plausible band {band}: {rule.why}"
            if rule.severity == "error":
                src, _, fld = cell.partition(": ") if not cell.startswith("config ") else ("config", "", cell[7:])
                raise InputError(msg + " (--set checks.plausibility=off if it is meant)", source=src, field=fld)
            flagged.add((name, rule.attribute))
            warnings.append(f"{cell}: {msg}")
    return warnings


def check_shapes(cfg: Config, shapes: dict[str, Any], schedules: dict[str, pd.DataFrame], techs: pd.DataFrame, *,
                 hours_in_month: dict[int, float], shape_file: str, schedule_file: str) -> list[str]:
    """Apply :data:`MULTIPLIER_RULES` and :data:`SCHEDULE_RULES`; raise InputError on the first error, return
    the warnings (sentences naming the cell as the shapes' own messages do)."""
    from optimizer.inputs.shapes import carryable_mw  # here: optimizer.inputs imports this module

    if cfg.checks.plausibility == "off":
        return []
    warnings: list[str] = []
    for shape in shapes.values():
        for where, mult in shape.rows:
            msg = _outside(mult, MULTIPLIER_RULES, source=shape_file, field=f"{where}.multiplier",
                           say=lambda lo, hi, v=mult: f"{_fmt(v)} is outside the plausible band {lo:g}-{hi:g}")
            warnings += [f"{shape_file}: {where}.multiplier: {msg}"] if msg else []
    for c, frame in schedules.items():
        for col in frame.columns:
            blank = frame.index[frame[col].isna()]
            if 0 < len(blank) < len(frame):
                warnings.append(f"{schedule_file}: {c}.{blank[0]}.{col}: blank, so no bound in month {blank[0]}, "
                                f"while {len(frame) - len(blank)} other months of {c} give one: {SCHEDULE_RULES[1][1]}")
        for m, hi in frame["energy_max_mwh"].items():
            most = carryable_mw(techs, c, frame.at[m, "power_max_mw"]) * hours_in_month[int(m)]
            if hi > most * (1 + 1e-9):
                warnings.append(f"{schedule_file}: {c}.{m}.energy_max_mwh: {_fmt(hi)} MWh is above what the corridor "
                                f"can carry in the month ({_fmt(most)} MWh): {SCHEDULE_RULES[0][1]}")
    return warnings


def check_results(ds: xr.Dataset) -> list[str]:
    """Apply :data:`RESULT_RULES` to a solved run; return the warnings."""
    out: list[str] = []
    w = ds["weight_h"].values
    per_year = 8760.0 / float(w.sum())
    load = ds["load_mw"].sum("zone").values if "zone" in ds["load_mw"].dims else ds["load_mw"].values
    annual = float(load @ w) * per_year
    peak = float(load.max()) if load.size else 0.0
    rule = {r[0]: r for r in RESULT_RULES}
    price = ds["marginal_price_cny_per_mwh"]
    if not bool(price.isnull().all()):
        p = price.mean("zone").values if "zone" in price.dims else price.values
        mean = float(np.nansum(p * load * w) / max(float(load @ w), 1e-9))
        if mean < rule["mean marginal price below"][1]:
            out.append(f"the load-weighted mean marginal price is {mean:,.1f} CNY/MWh: "
                       f"{rule['mean marginal price below'][2]}")
    unserved = float(ds["unserved_mwh"]) * per_year
    lim = rule["unserved share of load above"][1]
    if annual > 0 and unserved > lim * annual:
        out.append(f"{unserved / 1e6:,.3g} TWh/yr of load shed, {unserved / annual:.1%} of the load: "
                   f"{rule['unserved share of load above'][2]}")
    for s in ds["storage"].values.astype(str):
        e = float(ds["energy_capacity_total_mwh"].sel(storage=s))
        hours = rule["storage energy above hours of peak load"][1]
        if peak > 0 and e > hours * peak:
            out.append(f"{s}: {e:,.0f} MWh of storage, {e / peak:,.0f} hours of the peak load: "
                       f"{rule['storage energy above hours of peak load'][2]}")
        key = "storage discharge above its power times the hours"
        p_mw = float(ds["capacity_total_mw"].sel(technology=s))
        out_mwh = float((ds["storage_discharge_mw"].sel(storage=s) * ds["weight_h"]).sum())
        if out_mwh > rule[key][1] * p_mw * float(w.sum()) * (1 + 1e-6) + 1e-6:
            out.append(f"{s}: {out_mwh:,.0f} MWh discharged by {p_mw:,.0f} MW over {float(w.sum()):,.0f} h: "
                       f"{rule[key][2]}")
    new = float(ds["capacity_new_mw"].sum()) if "capacity_new_mw" in ds else 0.0
    if peak > 0 and new > rule["new capacity above times the peak load"][1] * peak:
        out.append(f"{new:,.0f} MW of new capacity, {new / peak:,.1f} times the peak load: "
                   f"{rule['new capacity above times the peak load'][2]}")
    if annual > 0:
        avg = float(ds["cost_cny"].sum()) * per_year / annual if "cost_cny" in ds else float("nan")
        if avg < rule["average supply cost below CNY/MWh"][1]:
            out.append(f"average supply cost {avg:,.1f} CNY/MWh: {rule['average supply cost below CNY/MWh'][2]}")
        elif avg > rule["average supply cost above CNY/MWh"][1]:
            out.append(f"average supply cost {avg:,.0f} CNY/MWh: {rule['average supply cost above CNY/MWh'][2]}")
    return out


def rules_markdown() -> str:
    """The rules as a Markdown page (docs/plausibility.md)."""
    lines = ["# Plausibility rules", "", "Generated from `optimizer/plausibility.py` by `python -m optimizer.docs`; "
             "do not edit.", "", "Outside an **error** band the run stops with one line naming the cell; outside a "
             "**warning** band it goes on and says so (stderr, summary, summary.json `plausibility`, report). "
             "`--set checks.plausibility=off` switches them off.", "",
             "## Technology and carrier tables", "",
             "| attribute | applies to | band | unit of the band | only | severity | why |",
             "|---|---|---|---|---|---|---|"]
    for r in INPUT_RULES:
        unit = {"": "the attribute's", "peak_mw": "x peak load", "annual_mwh": "x annual load",
                **{k: f"x the row's {k}" for k in ROW_SCALES}}[r.scale]
        lines.append(f"| `{r.attribute}` | {r.kinds.replace('|', ', ')} | {_fmt(r.low)} - {_fmt(r.high)} | {unit} | "
                     f"{r.only} | {r.severity} | {r.why} |")
    lines += ["", "## Config values (0 = none, not checked)", "", "| key | band | severity | why |",
              "|---|---|---|---|"]
    lines += [f"| `{k}` | {_fmt(lo)} - {_fmt(hi)} | {s} | {why} |" for k, lo, hi, s, why in CONFIG_RULES]
    lines += ["", "## Load (against `checks.annual_load_twh` and `checks.peak_load_mw`)", "",
              "| figure | factor either way | severity | why |", "|---|---|---|---|"]
    lines += [f"| {f} | {k:g} | {s} | {why} |" for f, k, s, why in LOAD_RULES]
    lines += ["", "## Heat demand (annual, as a share of the electricity load's)", "",
              "| band | severity | why |", "|---|---|---|"]
    lines += [f"| {lo:g} - {hi:g} | {s} | {why} |" for lo, hi, s, why in HEAT_RULES]
    lines += ["", "## Price shapes: each row's multiplier", "", "| band | severity | why |", "|---|---|---|"]
    lines += [f"| {lo:g} - {hi:g} | {s} | {why} |" for lo, hi, s, why in MULTIPLIER_RULES]
    lines += ["", "## Corridor schedules (warnings)", "", "| figure | why |", "|---|---|"]
    lines += [f"| {f} | {why} |" for f, why in SCHEDULE_RULES]
    lines += ["", "## Results (warnings)", "", "| figure | threshold | why |", "|---|---|---|"]
    lines += [f"| {f} | {_fmt(k)} | {why} |" for f, k, why in RESULT_RULES]
    return "\n".join(lines) + "\n"
