"""Load everything a run needs into one immutable :class:`Inputs` object.

(config) -> Inputs is the only place that touches input files. It checks index alignment before
anything is built: the configured number of time steps, technologies in the table equal to those
with profiles, no NaN, every policy target resolvable.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from optimizer.config import Config, TargetRef, read_yaml
from optimizer.errors import InputError
from optimizer.inputs import profiles as prof
from optimizer.inputs import shapes as shp
from optimizer.inputs.aggregate import average_steps, typical_days
from optimizer.inputs.links import read_links
from optimizer.inputs.techtable import (
    build_carriers,
    build_table,
    check_sources,
    defaults_used,
    read_attributes,
    read_csv,
)
from optimizer.plausibility import check_inputs as check_plausibility
from optimizer.plausibility import check_shapes

HOURS_PER_YEAR = 8760.0


def hours_in_year(year: int) -> float:
    """Hours of the calendar year: 8784 in a leap year, else 8760."""
    return 8784.0 if calendar.isleap(year) else HOURS_PER_YEAR

#: conversion of target units to internal units
TARGET_UNITS = {
    "GW": ("MW", 1000.0),
    "MW": ("MW", 1.0),
    "GWh": ("MWh", 1000.0),
    "MWh": ("MWh", 1.0),
    "percent": ("per-unit", 0.01),
    "per-unit": ("per-unit", 1.0),
    "MtCO2/yr": ("tCO2/yr", 1e6),
    "tCO2/yr": ("tCO2/yr", 1.0),
    "bcm/yr": ("m3/yr", 1e9),
}


@dataclass(frozen=True)
class Inputs:
    """Everything the model build reads; never modified after loading."""

    year: int
    zones: tuple[str, ...]
    techs: pd.DataFrame  # technology x attribute, typed
    carriers: pd.DataFrame  # carrier x attribute
    time: pd.DatetimeIndex  # first hour of each modelled step
    step_h: np.ndarray  # duration of each step, h
    weight_h: np.ndarray  # hours of the year each step stands for
    load_mw: pd.DataFrame  # time x zone
    cf: pd.DataFrame  # time x technology (technologies with a profile)
    targets: dict[str, dict[str, Any]]  # seeds/targets.yaml entries
    files: dict[str, str]  # role -> path
    inputs_hash: str
    attributes: pd.DataFrame = field(repr=False)
    #: typical-day runs: the typical day (0..N-1) of each calendar day, else None (chronological)
    day_sequence: np.ndarray | None = field(default=None, repr=False)
    #: typical-day runs: modelled steps per day
    steps_per_day: int = 0
    #: hourly peak load per zone before any time aggregation (MW); None = the modelled load's peak
    hourly_peak_mw: pd.Series | None = field(default=None, repr=False)
    #: heat demand (time x zone, MW of heat); None = no heat balance
    heat_mw: pd.DataFrame | None = field(default=None, repr=False)
    #: technology -> price multiplier of each step (technologies with a price_shape)
    price_mult: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    #: technology -> period label of each step (technologies with a schedule_shape)
    periods: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    #: corridor -> monthly rules (index month 1-12; energy_min/max_mwh, power_min/max_mw, NaN = none)
    schedules: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)
    #: (12, steps): hours of each month that each step stands for
    month_weight_h: np.ndarray | None = field(default=None, repr=False)
    #: public figures to compare the run with (data/calibration.csv), None = none
    calibration: pd.DataFrame | None = field(default=None, repr=False)
    #: plausibility warnings on the inputs (:mod:`optimizer.plausibility`), each naming its cell
    plausibility: tuple[str, ...] = field(default=(), repr=False)
    #: blank cells that took a default the model needs (``tech.attr = value unit``): only without a sources check,
    #: which refuses them
    defaults_used: tuple[str, ...] = field(default=(), repr=False)
    #: transmission links between zones (link x column, :mod:`optimizer.inputs.links`); None = no links
    links: pd.DataFrame | None = field(default=None, repr=False)

    def of_kind(self, kind: str) -> list[str]:
        """Technologies of a kind (generator, storage, import, boiler, demand_response), in table order."""
        return [t for t in self.techs.index if self.techs.at[t, "kind"] == kind]

    def carrier_flag(self, tech: str, flag: str) -> bool:
        """A carrier flag (fossil, coal, renewable) of a technology's carrier."""
        return bool(self.carriers.at[self.techs.at[tech, "carrier"], flag])

    def head(self, n: int) -> Inputs:
        """The same inputs cut to their first ``n`` steps, read as a chronological run (a cheap build)."""
        import dataclasses

        n = min(n, len(self.time))
        return dataclasses.replace(
            self, time=self.time[:n], step_h=self.step_h[:n], weight_h=self.weight_h[:n],
            load_mw=self.load_mw.iloc[:n], cf=self.cf.iloc[:n], day_sequence=None, steps_per_day=0,
            heat_mw=self.heat_mw.iloc[:n] if self.heat_mw is not None else None,
            price_mult={k: v[:n] for k, v in self.price_mult.items()},
            periods={k: v[:n] for k, v in self.periods.items()},
            month_weight_h=self.month_weight_h[:, :n] if self.month_weight_h is not None else None)

    @property
    def peak_load_mw(self) -> pd.Series:
        """Peak load per zone (MW) of the hourly data, before averaging or typical days."""
        return self.hourly_peak_mw if self.hourly_peak_mw is not None else self.load_mw.max()


def _hash_files(paths: dict[str, Path], config: Config) -> str:
    h = hashlib.sha256()
    for role in sorted(paths):
        p = paths[role]
        h.update(role.encode())
        h.update(hashlib.sha256(p.read_bytes()).digest())
    cfg = config.dump()
    cfg.pop("output", None)
    cfg.pop("inputs", None)  # file contents are hashed, not their locations
    cfg.pop("solver", None)  # solver options do not change the optimum
    h.update(json.dumps(cfg, sort_keys=True, default=str).encode())
    return h.hexdigest()


def _typical_day_gap(n_days: int, what: str, column: str, year: float, kept: float) -> str:
    """A plausibility warning: ``n_days`` typical days do not keep a profile column's annual total."""
    if what == "cf":
        amounts = f"{kept:,.0f} full-load h/yr against the year's {year:,.0f}"
    else:
        div, unit = (1e6, "TWh") if abs(year) >= 1e6 else (1.0, "MWh")
        amounts = f"{kept / div:,.1f} {unit}/yr against the year's {year / div:,.1f}"
    name = {"load": "load of zone", "heat": "heat demand of", "cf": "capacity factor of"}[what]
    return (f"time.typical_days: {n_days} typical days give the {name} {column!r} {amounts} "
            f"({kept / year - 1:+.0%}): too few days to stand for the year; use more")


def _time_index(load: pd.DataFrame, config: Config, source: str) -> pd.DatetimeIndex:
    idx = load.index
    year = config.year
    years = set(idx.year)
    if year not in years:  # hours outside the modelled year (a converted time zone's edge) are ignored
        raise InputError(f"covers year(s) {sorted(years)}, config year is {year}{prof.converted_note(load)}",
                         source=source, field="time")
    start = pd.Timestamp(f"{year}-01-01 00:00")
    end = pd.Timestamp(f"{year}-12-31 23:00")
    def local(text: str) -> pd.Timestamp:
        """A config time as the model's local clock (UTC+8); one with a UTC offset is converted."""
        ts = pd.Timestamp(text)
        return ts.tz_convert(prof.LOCAL_TZ).tz_localize(None) if ts.tz is not None else ts

    try:
        if config.time.start is not None:
            start = local(config.time.start)
        if config.time.end is not None:
            end = local(config.time.end)
    except ValueError:
        raise InputError("cannot parse time.start/time.end", source="config", field="time") from None
    if start.year != year or end.year != year or end < start:
        raise InputError(f"time.start/time.end must lie in {year}, in order", source="config", field="time")
    expected = pd.date_range(start, end, freq="h")
    missing = expected.difference(idx)
    if len(missing):
        raise InputError(
            f"{len(idx)} hourly steps, {len(missing)} modelled hour(s) missing (first {missing[0]}); "
            f"expected {len(expected)} from {start} to {end}, the file covers {idx[0]} to {idx[-1]}"
            f"{prof.converted_note(load)}", source=source, field="time")
    sel = expected
    if len(sel) == 0:
        raise InputError("time.start/time.end select no hours", source="config", field="time")
    r = config.time.resolution_h
    if len(sel) % r:
        raise InputError(f"{len(sel)} selected hours are not a multiple of resolution_h={r}",
                         source="config", field="time.resolution_h")
    return sel


def resolve_target(ref: TargetRef | None, targets: dict[str, dict[str, Any]], *, unit: str,
                   field: str) -> float | None:
    """The internal-unit value of a policy reference, or None when off."""
    if ref is None or not ref.enabled:
        return None
    if ref.value is not None:
        return float(ref.value)
    entry = targets.get(ref.target or "")
    if entry is None:
        raise InputError(f"unknown target {ref.target!r} (not in seeds/targets.yaml)", source="config",
                         field=field)
    if entry.get("value") is None:
        raise InputError(f"target {ref.target!r} has no number; give 'value' instead", source="config",
                         field=field)
    t_unit = entry.get("unit")
    conv = TARGET_UNITS.get(t_unit)
    if conv is None or conv[0] != unit:
        raise InputError(f"target {ref.target!r} is in {t_unit!r}, expected a quantity in {unit}",
                         source="config", field=field)
    return float(entry["value"]) * conv[1]


def _demand_scenario(load: pd.DataFrame, config: Config) -> pd.DataFrame:
    """The load file scaled by ``demand.scale`` plus the electrification loads of ``demand.additions``.

    An addition's day shape repeats on every day of the year and sums to its ``annual_mwh`` over the
    calendar year; each zone gets a part in proportion to its annual load.
    """
    d = config.demand
    out = load * d.scale
    if not d.additions:
        return out
    days = hours_in_year(config.year) / 24.0
    share = out.sum() / float(out.to_numpy().sum())
    hours = pd.DatetimeIndex(out.index).hour.to_numpy()
    for a in d.additions:
        shape = np.asarray(a.hourly_shape, dtype=float)
        mw = a.annual_mwh / days * shape[hours] / shape.sum()  # MW in each hour
        out = out + np.outer(mw, share.to_numpy())
    return out


def _read_targets(path: Path | None) -> dict[str, dict[str, Any]]:
    if path is None:
        return {}
    if not path.is_file():
        raise InputError("targets file not found", source=str(path), field="inputs.targets")
    data = read_yaml(path) or {}
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise InputError("expected a mapping of id -> {value, unit, ...}", source=str(path))
    for tid, entry in data.items():
        v = entry.get("value")
        if v is not None and (isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v)):
            raise InputError(f"expected a finite number, got {v!r}", source=str(path), field=f"{tid}.value")
    return data


def _check_policy(config: Config, techs: pd.DataFrame, targets: dict[str, dict[str, Any]],
                  targets_path: Path | None) -> None:
    """Resolve every policy reference before anything is built.

    The model build resolves them again; checking here means a bad reference fails before any
    progress is logged, with the config field named: unknown target ids, units that do not fit,
    shares outside [0, 1], negative caps, unknown technologies in a capacity target.
    """
    pol = config.policy

    def value(ref: TargetRef | None, unit: str, field: str) -> float | None:
        if ref is not None and ref.enabled and ref.target is not None and ref.target not in targets:
            where = f"not in {targets_path}" if targets_path is not None else "inputs.targets names no targets file"
            raise InputError(f"unknown target {ref.target!r} ({where})", source="config", field=f"{field}.target")
        return resolve_target(ref, targets, unit=unit, field=field)

    for name in ("coal_share_max", "nonfossil_share_min", "clean_electricity_share_min"):
        share = value(getattr(pol, name), "per-unit", f"policy.{name}")
        if share is not None and not 0.0 <= share <= 1.0:
            raise InputError(f"share must lie in [0, 1], got {share}", source="config", field=f"policy.{name}")
    cap = value(pol.co2_cap_t, "tCO2/yr", "policy.co2_cap_t")
    if cap is not None and cap < 0:
        raise InputError(f"CO2 cap must not be negative, got {cap}", source="config", field="policy.co2_cap_t")
    if pol.gas_supply is not None:
        ref = pol.gas_supply.pipeline_bcm
        if ref.value is None:
            value(ref, "m3/yr", "policy.gas_supply.pipeline_bcm")
        elif ref.value < 0:
            raise InputError(f"gas supply capability must not be negative, got {ref.value}", source="config",
                             field="policy.gas_supply.pipeline_bcm.value")
    for n, tgt in enumerate(pol.capacity_targets):
        field = f"policy.capacity_targets.{n}"
        v = value(tgt, "MWh" if tgt.measure == "energy" else "MW", field)
        if v is not None and v < 0:
            raise InputError(f"target value must not be negative, got {v}", source="config", field=f"{field}.value")
        for k in tgt.technologies:
            if k not in techs.index:
                raise InputError(f"unknown technology {k!r}", source="config", field=f"{field}.technologies")
            if tgt.measure == "energy" and techs.at[k, "kind"] != "storage":
                raise InputError(f"{k!r} is not a storage technology (measure: energy)", source="config",
                                 field=f"{field}.technologies")


def load_inputs(config: Config) -> Inputs:
    """Read and validate every input file named by ``config``."""
    ic = config.inputs
    # NetCDF profiles are first read by a child process (a damaged file can hang or crash the NetCDF
    # library): start one for all of them now, and read the tables meanwhile
    probes = prof.start_probes([p for p in (ic.load, ic.capacity_factors, ic.heat_load, *ic.profile_overrides.values())
                                if p is not None])
    try:
        return _load_inputs(config, probes)
    finally:
        probes.cancel()


def _load_inputs(config: Config, probes: prof.Probes) -> Inputs:
    ic = config.inputs
    zones = list(config.zones)
    files: dict[str, Path] = {
        "technologies": ic.technologies,
        "carriers": ic.carriers,
        "attributes": ic.attributes,
        "load": ic.load,
    }
    attributes = read_attributes(ic.attributes)
    tech_raw = read_csv(ic.technologies, "technology table", "inputs.technologies")
    carrier_raw = read_csv(ic.carriers, "carrier table", "inputs.carriers")
    if ic.technology_sources is not None:
        files["technology_sources"] = ic.technology_sources
        smap = read_csv(ic.technology_sources, "technology sources", "inputs.technology_sources")
        sources = None
        if ic.sources is not None:
            files["sources"] = ic.sources
            sources = read_csv(ic.sources, "sources", "inputs.sources")
        check_sources(tech_raw, carrier_raw, attributes, smap, sources, source=str(ic.technology_sources))
    links, link_defaults = None, []
    if ic.links is not None:
        files["links"] = ic.links
        links, link_defaults = read_links(ic.links, zones)
    linked = frozenset(links["zone_a"]) | frozenset(links["zone_b"]) if links is not None else frozenset()
    techs = build_table(tech_raw, attributes, config.technologies, source=str(ic.technologies), zones=zones,
                        linked=linked)
    defaulted = (*defaults_used(tech_raw, carrier_raw, attributes, config.technologies), *link_defaults)
    carriers = build_carriers(carrier_raw, config.carriers, source=str(ic.carriers))
    bad_carrier = [t for t in techs.index if techs.at[t, "carrier"] not in carriers.index]
    if bad_carrier:
        t = bad_carrier[0]
        raise InputError(f"carrier {techs.at[t, 'carrier']!r} is not in the carrier table",
                         source=str(ic.technologies), field=f"{t}.carrier")

    if not config.economics.capacity_expansion:  # a base-year simulation: the fleet in service only
        techs = techs.assign(extendable=False, retirable=False)
    shapes = shp.read_price_shapes(ic.price_shapes) if ic.price_shapes is not None else {}
    if ic.price_shapes is not None:
        files["price_shapes"] = ic.price_shapes
    _check_shape_names(techs, shapes, ic.price_shapes, str(ic.technologies))
    schedules: dict[str, pd.DataFrame] = {}
    hours_in_month = shp.month_hours(config.year)
    if ic.corridor_schedules is not None:
        files["corridor_schedules"] = ic.corridor_schedules
        schedules = shp.read_corridor_schedules(ic.corridor_schedules, techs,
                                                hours_in_month=hours_in_month)
    calibration = None
    if ic.calibration is not None:
        from optimizer.calibration import read_calibration

        files["calibration"] = ic.calibration
        calibration = read_calibration(ic.calibration, techs)

    targets = {}
    if ic.targets is not None:
        files["targets"] = ic.targets
        targets = _read_targets(ic.targets)
    _check_policy(config, techs, targets, ic.targets)

    probes.finish()
    load_full = prof.read_load(ic.load, zones)
    sel = _time_index(load_full, config, str(ic.load))
    load = _demand_scenario(prof.align(load_full, sel, source=str(ic.load)), config)
    heat = None
    _check_heat(techs, ic.heat_load)
    if ic.heat_load is not None:
        files["heat_load"] = ic.heat_load
        heat = prof.align(prof.read_load(ic.heat_load, heat_networks(techs), variable="heat_mw", what="heat demand",
                                         field="inputs.heat_load", dim="heat_network",
                                         unused="heat network {!r} has demand but no CHP unit or boiler supplies it "
                                         "(heat_network of the technology table)"),
                          sel, source=str(ic.heat_load)) * config.demand.heat_scale
    implausible = tuple(check_plausibility(config, techs, carriers, load, tech_file=str(ic.technologies),
                                           carrier_file=str(ic.carriers), load_file=str(ic.load), heat_mw=heat,
                                           heat_file=str(ic.heat_load), links=links, link_file=str(ic.links)))
    implausible += tuple(check_shapes(config, shapes, schedules, techs, hours_in_month=hours_in_month,
                                      shape_file=str(ic.price_shapes), schedule_file=str(ic.corridor_schedules)))

    # capacity factors: the set of technologies naming a profile must equal the set provided
    wanted = {t: techs.at[t, "profile"] for t in techs.index if techs.at[t, "profile"]}
    cf_cols: dict[str, pd.Series] = {}
    by_zone: dict[str, pd.DataFrame] = {}
    if ic.capacity_factors is not None:
        # read even when no technology names a profile: its columns would otherwise be ignored unseen
        files["capacity_factors"] = ic.capacity_factors
        for z in sorted({techs.at[t, "zone"] for t in wanted} or set(zones)):
            by_zone[z] = prof.read_capacity_factors(ic.capacity_factors, z)
    for tech, pname in wanted.items():
        if tech in ic.profile_overrides:
            continue
        frame = by_zone.get(techs.at[tech, "zone"])
        if frame is None or pname not in frame.columns:
            src = str(ic.capacity_factors) if ic.capacity_factors else "config"
            raise InputError(f"no profile {pname!r} for technology {tech!r}", source=src,
                             field="inputs.capacity_factors")
        cf_cols[tech] = prof.align(frame[pname], sel, source=str(ic.capacity_factors))
    named = set(wanted.values())
    for frame in by_zone.values():
        extra = sorted(set(frame.columns) - named)
        if extra:
            raise InputError(f"profile {extra[0]!r} matches no technology in the table (no row names it in "
                             "its 'profile' column)", source=str(ic.capacity_factors), field="technology")
    for tech, path in ic.profile_overrides.items():
        if tech not in techs.index:
            raise InputError(f"unknown technology {tech!r}", source="config",
                             field=f"inputs.profile_overrides.{tech}")
        if tech not in wanted:
            raise InputError(f"technology {tech!r} has no profile column in the table", source="config",
                             field=f"inputs.profile_overrides.{tech}")
        files[f"profile_override:{tech}"] = path
        cf_cols[tech] = prof.align(prof.read_single_profile(path, tech), sel, source=str(path))
    cf = pd.DataFrame(cf_cols, index=sel)
    cf.columns.name = "technology"

    r = config.time.resolution_h
    hourly_peak = load.max()
    day_sequence, steps_per_day = None, 0
    if config.time.typical_days is not None:
        if config.time.start is not None or config.time.end is not None:
            raise InputError("typical days need the full year: remove time.start/time.end", source="config",
                             field="time.typical_days")
        td = typical_days(load, cf, config.time.typical_days, r, heat=heat)
        # a fact of the aggregation, not a guess at a unit slip: reported even with checks.plausibility=off
        implausible += tuple(_typical_day_gap(config.time.typical_days, *gap) for gap in td.gaps)
        load, cf, heat = td.load, td.cf, td.heat
        day_sequence, steps_per_day = td.day_sequence, td.steps_per_day
        step_h = np.full(len(load), float(r))
        # each typical step stands for as many steps as its typical day has calendar days
        weight_h = step_h * np.repeat(td.days_per_typical, steps_per_day)
    else:
        load = average_steps(load, r)
        cf = average_steps(cf, r) if len(cf.columns) else pd.DataFrame(index=load.index)
        heat = average_steps(heat, r) if heat is not None else None
        step_h = np.full(len(load), float(r))
        # the steps stand for the calendar year: 8784 h in a leap year (as typical days' weights do)
        year_h = hours_in_year(config.year)
        weight_h = step_h * (year_h / step_h.sum()) if config.time.scale_to_year else step_h.copy()
    time = pd.DatetimeIndex(load.index, name="time")
    month_w = shp.month_weights(time, weight_h, step_h, day_sequence, steps_per_day, config.year)
    typical_w = month_w if day_sequence is not None else None
    price_mult = {t: shp.shape_multiplier(shapes[techs.at[t, "price_shape"]], time, r, typical_w)
                  for t in techs.index if techs.at[t, "price_shape"]}
    periods = {t: shp.shape_periods(shapes[techs.at[t, "schedule_shape"]], time, r)
               for t in techs.index if techs.at[t, "schedule_shape"]}

    return Inputs(
        year=config.year,
        zones=tuple(zones),
        techs=techs,
        carriers=carriers,
        time=time,
        step_h=step_h,
        weight_h=weight_h,
        load_mw=load,
        cf=cf,
        targets=targets,
        files={k: str(v) for k, v in files.items()},
        inputs_hash=_hash_files(files, config),
        attributes=attributes,
        day_sequence=day_sequence,
        steps_per_day=steps_per_day,
        hourly_peak_mw=hourly_peak,
        heat_mw=heat,
        price_mult=price_mult,
        periods=periods,
        schedules=schedules,
        month_weight_h=month_w,
        calibration=calibration,
        plausibility=implausible,
        defaults_used=defaulted,
        links=links,
    )


def _check_shape_names(techs: pd.DataFrame, shapes: dict[str, shp.Shape], path: Path | None, source: str) -> None:
    """Every price or schedule shape a technology names is a shape of the price-shape table."""
    for t in techs.index:
        for col in ("price_shape", "schedule_shape"):
            name = techs.at[t, col]
            if not name:
                continue
            if path is None:
                raise InputError(f"{t} names {col} {name!r} but the config names no price-shape table",
                                 source="config", field="inputs.price_shapes")
            if name not in shapes:
                raise InputError(f"{col} {name!r} is not a shape of {path}", source=source, field=f"{t}.{col}")


def makes_heat(techs: pd.DataFrame, t: str) -> bool:
    """A boiler, or a CHP generator."""
    return techs.at[t, "kind"] == "boiler" or (techs.at[t, "kind"] == "generator" and bool(techs.at[t, "chp_mode"]))


def heat_network(techs: pd.DataFrame, t: str) -> str:
    """The heat network a CHP unit or boiler supplies (its zone when none is named)."""
    return str(techs.at[t, "heat_network"]).strip() or str(techs.at[t, "zone"])


def heat_networks(techs: pd.DataFrame) -> list[str]:
    """The heat networks of the technology table, in order of first appearance."""
    return list(dict.fromkeys(heat_network(techs, t) for t in techs.index if makes_heat(techs, t)))


def _check_heat(techs: pd.DataFrame, path: Path | None) -> None:
    """A heat demand needs something that makes heat."""
    if path is None:
        return
    if not heat_networks(techs):
        raise InputError("a heat demand is given but no technology makes heat (no CHP unit or boiler)",
                         source="config", field="inputs.heat_load")
