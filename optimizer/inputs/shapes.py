"""Price shapes (time-of-use periods and multipliers) and monthly corridor schedules.

``price_shapes`` (CSV, one row per season and block of hours)::

    shape,months,hours,period,multiplier[,note...]
    jiangsu_tou_2025,"1-2,6-8,12",14-22,peak,1.7

``months`` lists months 1-12 (ranges allowed, ``12-2`` wraps), ``hours`` hour-beginnings 0-24 as a
half-open range (``14-22`` is 14:00 to 22:00; ``22-2`` wraps past midnight; ``6`` alone is one hour).
Every (month, hour) of a shape must be covered exactly once; ``period`` is one of :data:`PERIODS`. A
technology names a shape in ``price_shape`` (its price is multiplied hour by hour) or ``schedule_shape``
(its delivery is constant within each contiguous period of a day).

``corridor_schedules`` (CSV, one row per corridor and month)::

    corridor,month,energy_min_mwh,energy_max_mwh,power_min_mw,power_max_mw[,note...]

Blank cells switch a bound off. The monthly energies are read as the month's average power
(energy / hours of the month) so that a run over part of the year, or over typical days, applies
them as the same average.
"""

from __future__ import annotations

import calendar
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from optimizer.errors import InputError
from optimizer.inputs.techtable import read_csv

SHAPE_COLUMNS = ("shape", "months", "hours", "period", "multiplier")
#: the period names of Chinese time-of-use tariffs (尖峰, 高峰, 平段, 低谷, 深谷); the model reads ``peak`` and
#: ``valley`` (the valley/peak rule) and the blocks of any two that differ, so a misspelt name would change
#: the answer in silence
PERIODS = ("critical_peak", "peak", "flat", "valley", "deep_valley")
SCHEDULE_COLUMNS = ("corridor", "month", "energy_min_mwh", "energy_max_mwh", "power_min_mw", "power_max_mw")


@dataclass(frozen=True)
class Shape:
    """A price shape: per month (1-12) and hour (0-23) its period label and price multiplier."""

    name: str
    period: np.ndarray  # (12, 24) str
    multiplier: np.ndarray  # (12, 24) float
    #: (where, multiplier) of each row of the table, ``where`` as messages name it: ``<shape> (line n)``
    rows: tuple[tuple[str, float], ...] = ()


def _ranges(text: str, lo: int, hi: int, *, wrap: bool, half_open: bool, what: str, source: str,
            field: str) -> list[int]:
    """'1-2,6-8,12' -> [1, 2, 6, 7, 8, 12]; hours are half-open ('14-22' = 14..21) and may wrap."""
    out: list[int] = []
    for part in str(text).replace(" ", "").split(","):
        if not part:
            raise InputError(f"empty {what} in {text!r}", source=source, field=field)
        try:
            if "-" in part:
                a_s, b_s = part.split("-", 1)
                a, b = int(a_s), int(b_s)
            else:
                a = int(part)
                b = a + 1 if half_open else a
        except ValueError:
            raise InputError(f"cannot read {what} {part!r} (expected numbers like 1-2,6)", source=source,
                             field=field) from None
        top = hi + 1 if half_open else hi
        if not (lo <= a <= top and lo <= b <= top):
            raise InputError(f"{what} {part!r} outside {lo}-{hi if not half_open else hi + 1}", source=source,
                             field=field)
        span = hi - lo + 1
        if half_open:
            if a == b:
                raise InputError(f"empty {what} range {part!r}", source=source, field=field)
            n = b - a if b > a else b - a + span
        else:
            n = b - a + 1 if b >= a else b - a + span + 1
        if (b < a) and not wrap:
            raise InputError(f"{what} range {part!r} runs backwards", source=source, field=field)
        out += [lo + (a - lo + k) % span for k in range(n)]
    return out


def read_price_shapes(path: Path) -> dict[str, Shape]:
    """Read and validate the price-shape table."""
    src = str(path)
    df = read_csv(path, "price-shape table", "inputs.price_shapes")
    missing = [c for c in SHAPE_COLUMNS if c not in df.columns]
    if missing:
        raise InputError(f"missing column {missing[0]!r}", source=src)
    periods: dict[str, np.ndarray] = {}
    mults: dict[str, np.ndarray] = {}
    lines: dict[str, list[tuple[str, float]]] = {}
    for n, row in enumerate(df.to_dict("records"), start=2):  # line 1 is the header
        name = str(row["shape"]).strip()
        if not name:
            raise InputError("a row has an empty shape name", source=src, field=f"line {n}.shape")
        field = f"{name} (line {n})"
        months = _ranges(row["months"], 1, 12, wrap=True, half_open=False, what="month", source=src,
                         field=f"{field}.months")
        hours = _ranges(row["hours"], 0, 23, wrap=True, half_open=True, what="hour", source=src,
                        field=f"{field}.hours")
        period = str(row["period"]).strip()
        if period not in PERIODS:
            raise InputError(f"period must be one of {', '.join(PERIODS)}, got {period!r}", source=src,
                             field=f"{field}.period")
        try:
            mult = float(row["multiplier"])
        except ValueError:
            raise InputError(f"expected a number, got {row['multiplier']!r}", source=src,
                             field=f"{field}.multiplier") from None
        if not (math.isfinite(mult) and mult >= 0):
            raise InputError(f"must be finite and not negative, got {mult}", source=src, field=f"{field}.multiplier")
        lines.setdefault(name, []).append((field, mult))
        per = periods.setdefault(name, np.full((12, 24), "", dtype=object))
        mul = mults.setdefault(name, np.full((12, 24), np.nan))
        for m in months:
            for h in hours:
                if per[m - 1, h]:
                    raise InputError(f"month {m} hour {h} is covered twice", source=src, field=f"{field}.hours")
                per[m - 1, h] = period
                mul[m - 1, h] = mult
    out = {}
    for name, per in periods.items():
        gaps = np.argwhere(per == "")
        if len(gaps):
            m, h = gaps[0]
            raise InputError(f"month {m + 1} hour {h} is not covered (every month and hour needs a period)",
                             source=src, field=f"{name}.hours")
        out[name] = Shape(name, per.astype(str), mults[name], tuple(lines[name]))
    if not out:
        raise InputError("no shapes in the table", source=src)
    return out


def step_hours(time: pd.DatetimeIndex, step_h: int) -> tuple[np.ndarray, np.ndarray]:
    """(month-1, hour) of every hour each step covers, as (n, step_h) arrays."""
    hours = time.values[:, None] + np.arange(step_h)[None, :] * np.timedelta64(1, "h")
    idx = pd.DatetimeIndex(hours.ravel())
    return (idx.month.to_numpy() - 1).reshape(hours.shape), idx.hour.to_numpy().reshape(hours.shape)


def shape_multiplier(shape: Shape, time: pd.DatetimeIndex, step_h: int,
                     month_weights: np.ndarray | None = None) -> np.ndarray:
    """The price multiplier of each step: the mean over the hours it covers; with ``month_weights`` (12, n)
    (typical days, whose steps stand for days of several months) the months' means, weighted."""
    mo, hr = step_hours(time, step_h)
    if month_weights is None:
        return shape.multiplier[mo, hr].mean(axis=1)
    per_month = shape.multiplier[:, hr].mean(axis=2)  # (12, n): each month's multiplier at the step's hours
    w = month_weights / month_weights.sum(axis=0, keepdims=True)
    return (per_month * w).sum(axis=0)


def shape_periods(shape: Shape, time: pd.DatetimeIndex, step_h: int) -> np.ndarray:
    """The period of each step (that of its first hour)."""
    mo, hr = step_hours(time, step_h)
    return shape.period[mo[:, 0], hr[:, 0]]


def carryable_mw(techs: pd.DataFrame, corridor: str, power_max_mw: float) -> float:
    """What a corridor can carry in an hour (MW): capacity x availability (inf if it may be built), or its
    month's power_max_mw (NaN: none) where that is lower."""
    cap = float(techs.at[corridor, "existing_mw"]) if not techs.at[corridor, "extendable"] else math.inf
    cap *= float(techs.at[corridor, "availability"])
    return min(cap, power_max_mw if not math.isnan(power_max_mw) else math.inf)


def read_corridor_schedules(path: Path, techs: pd.DataFrame, *, hours_in_month: dict[int, float]) -> dict[
        str, pd.DataFrame]:
    """Monthly corridor rules, checked against the corridors' capacity: corridor -> frame indexed by month."""
    src = str(path)
    df = read_csv(path, "corridor schedules", "inputs.corridor_schedules")
    missing = [c for c in SCHEDULE_COLUMNS if c not in df.columns]
    if missing:
        raise InputError(f"missing column {missing[0]!r}", source=src)
    rows: dict[str, dict[int, dict[str, float]]] = {}
    for row in df.to_dict("records"):
        c = str(row["corridor"]).strip()
        if c not in techs.index or techs.at[c, "kind"] != "import":
            raise InputError(f"{c!r} is not an import corridor of the technology table", source=src,
                             field=f"{c}.corridor")
        try:
            month = int(str(row["month"]).strip())
        except ValueError:
            raise InputError(f"month must be 1-12, got {row['month']!r}", source=src, field=f"{c}.month") from None
        if not 1 <= month <= 12:
            raise InputError(f"month must be 1-12, got {month}", source=src, field=f"{c}.month")
        if month in rows.get(c, {}):
            raise InputError(f"month {month} appears twice", source=src, field=f"{c}.{month}.month")
        vals: dict[str, float] = {}
        for col in SCHEDULE_COLUMNS[2:]:
            cell = str(row[col]).strip()
            if cell == "":
                vals[col] = math.nan
                continue
            try:
                v = float(cell)
            except ValueError:
                raise InputError(f"expected a number, got {cell!r}", source=src, field=f"{c}.{month}.{col}") from None
            if not (math.isfinite(v) and v >= 0):
                raise InputError(f"must be finite and not negative, got {v}", source=src, field=f"{c}.{month}.{col}")
            vals[col] = v
        rows.setdefault(c, {})[month] = vals
    out = {}
    for c, months in rows.items():
        frame = pd.DataFrame.from_dict(months, orient="index").sort_index()
        frame.index.name = "month"
        for m, r in frame.iterrows():
            where = f"{c}.{m}"
            lo_e, hi_e, lo_p, hi_p = (r["energy_min_mwh"], r["energy_max_mwh"], r["power_min_mw"], r["power_max_mw"])
            if lo_e > hi_e:
                raise InputError(f"energy_min_mwh {lo_e:,.0f} exceeds energy_max_mwh {hi_e:,.0f}", source=src,
                                 field=f"{where}.energy_min_mwh")
            if lo_p > hi_p:
                raise InputError(f"power_min_mw {lo_p:,.0f} exceeds power_max_mw {hi_p:,.0f}", source=src,
                                 field=f"{where}.power_min_mw")
            top = carryable_mw(techs, c, hi_p)
            if lo_p > top + 1e-9:
                raise InputError(f"power_min_mw {lo_p:,.0f} exceeds what the corridor can carry ({top:,.0f} MW: "
                                 "capacity x availability, or power_max_mw)", source=src, field=f"{where}.power_min_mw")
            most = top * hours_in_month[int(m)]
            if lo_e > most * (1 + 1e-9):
                raise InputError(f"energy_min_mwh {lo_e:,.0f} exceeds what the corridor can deliver in the month "
                                 f"({top:,.0f} MW x {hours_in_month[int(m)]:.0f} h = {most:,.0f} MWh)", source=src,
                                 field=f"{where}.energy_min_mwh")
            least = (0.0 if math.isnan(lo_p) else lo_p) * hours_in_month[int(m)]
            if hi_e < least * (1 - 1e-9):
                raise InputError(f"energy_max_mwh {hi_e:,.0f} is below what power_min_mw delivers in the month "
                                 f"({least:,.0f} MWh)", source=src, field=f"{where}.energy_max_mwh")
        lo_year = float(np.nansum(frame["energy_min_mwh"].to_numpy()))
        if lo_year > float(techs.at[c, "annual_energy_max_mwh"]) * (1 + 1e-9):
            raise InputError(f"monthly energy_min_mwh sum to {lo_year:,.0f} MWh, above the corridor's "
                             f"annual_energy_max_mwh {float(techs.at[c, 'annual_energy_max_mwh']):,.0f}", source=src,
                             field=f"{c}.energy_min_mwh")
        out[c] = frame
    return out


def month_hours(year: int) -> dict[int, float]:
    """Hours of each month (1-12) of a calendar year."""
    return {m: 24.0 * calendar.monthrange(year, m)[1] for m in range(1, 13)}


def month_weights(time: pd.DatetimeIndex, weight_h: np.ndarray, step_h: np.ndarray,
                  day_sequence: np.ndarray | None, steps_per_day: int, year: int) -> np.ndarray:
    """(12, n): hours of month m that step t stands for.

    Chronological steps stand for their own month (with their weight); a typical day's steps stand for
    the calendar days of its cluster, month by month.
    """
    n = len(time)
    out = np.zeros((12, n))
    if day_sequence is None:
        out[time.month.to_numpy() - 1, np.arange(n)] = weight_h
        return out
    days = pd.date_range(f"{year}-01-01", periods=len(day_sequence), freq="D")
    counts = np.zeros((12, int(day_sequence.max()) + 1))
    np.add.at(counts, (days.month.to_numpy() - 1, np.asarray(day_sequence, dtype=int)), 1.0)
    typ = np.arange(n) // steps_per_day
    return counts[:, typ] * step_h[None, :]
