"""Chinese public holidays and make-up working days ("调休") for the load profiles.

Two kinds of schedule are known:

* **official** – the State Council's published arrangement (only 2025 so far);
* **approximate** – for years whose schedule is not yet published (2027-2035),
  built with a fixed rule (see :func:`approximate_schedule`) from the festival dates of the
  ``holidays`` package (:func:`festival_dates`).
  Make-up working days are *not* modelled for approximate years: they depend on
  weekday placement decided a year ahead, and their effect on annual energy and
  peak is negligible (one or two ordinary working days per holiday).

All tables here are immutable (tuples, frozen dataclasses, ``MappingProxyType``);
nothing in this module is mutable global state.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from types import MappingProxyType

import pandas as pd

#: Holiday kinds; the load model gives each kind its own reduction factor.
SPRING_FESTIVAL = "spring_festival"
GOLDEN_WEEK = "golden_week"
SHORT_HOLIDAY = "short_holiday"
HOLIDAY_KINDS = (SPRING_FESTIVAL, GOLDEN_WEEK, SHORT_HOLIDAY)


@dataclass(frozen=True)
class Holiday:
    """A block of consecutive public-holiday days (both ends inclusive)."""

    name: str
    kind: str
    start: dt.date
    end: dt.date

    def days(self) -> tuple[dt.date, ...]:
        """All dates of the block."""
        n = (self.end - self.start).days + 1
        return tuple(self.start + dt.timedelta(days=i) for i in range(n))


@dataclass(frozen=True)
class YearSchedule:
    """Holidays and make-up working days of one calendar year."""

    year: int
    holidays: tuple[Holiday, ...]
    makeup_workdays: tuple[dt.date, ...]
    official: bool
    source: str

    def spring_festival(self) -> Holiday:
        """The Spring Festival holiday block."""
        blocks = [h for h in self.holidays if h.kind == SPRING_FESTIVAL]
        if len(blocks) != 1:
            raise ValueError(f"{self.year}: expected exactly one Spring Festival block")
        return blocks[0]


@dataclass(frozen=True)
class FestivalDates:
    """Gregorian dates of the movable festivals of one year.

    ``spring_festival`` is the first day of the lunar year (正月初一);
    ``qingming`` is the day of the Qingming solar term.
    """

    spring_festival: dt.date
    qingming: dt.date
    dragon_boat: dt.date
    mid_autumn: dt.date


_d = dt.date

#: Official 2025 arrangement: 国务院办公厅关于2025年部分节假日安排的通知 (State Council
#: General Office notice on the 2025 holiday arrangement, published 12 Nov 2024).
OFFICIAL_SCHEDULES: MappingProxyType[int, YearSchedule] = MappingProxyType(
    {
        2025: YearSchedule(
            year=2025,
            holidays=(
                Holiday("New Year's Day", SHORT_HOLIDAY, _d(2025, 1, 1), _d(2025, 1, 1)),
                Holiday("Spring Festival", SPRING_FESTIVAL, _d(2025, 1, 28), _d(2025, 2, 4)),
                Holiday("Qingming", SHORT_HOLIDAY, _d(2025, 4, 4), _d(2025, 4, 6)),
                Holiday("Labour Day", GOLDEN_WEEK, _d(2025, 5, 1), _d(2025, 5, 5)),
                Holiday("Dragon Boat", SHORT_HOLIDAY, _d(2025, 5, 31), _d(2025, 6, 2)),
                Holiday("National Day + Mid-Autumn", GOLDEN_WEEK, _d(2025, 10, 1), _d(2025, 10, 8)),
            ),
            makeup_workdays=(
                _d(2025, 1, 26),
                _d(2025, 2, 8),
                _d(2025, 4, 27),
                _d(2025, 9, 28),
                _d(2025, 10, 11),
            ),
            official=True,
            source=(
                "State Council General Office, notice on the 2025 holiday arrangement "
                "(国务院办公厅关于2025年部分节假日安排的通知), 12 Nov 2024"
            ),
        ),
    }
)

#: the names of the movable festivals in the ``holidays`` package's Chinese calendar (language en_US)
_FESTIVAL_NAMES = {"spring_festival": "Chinese New Year (Spring Festival)", "qingming": "Tomb-Sweeping Day",
                   "dragon_boat": "Dragon Boat Festival", "mid_autumn": "Mid-Autumn Festival"}


def festival_dates(year: int) -> FestivalDates:
    """The movable festivals of ``year`` from the ``holidays`` package's Chinese lunisolar calendar and solar
    terms (a maintained library rather than a table of our own; its dates for 2027-2035 equal the table this
    module held before, which was checked against the NREL SPA solar longitude for Qingming)."""
    import holidays

    cal = holidays.China(years=year, language="en_US")
    first: dict[str, dt.date] = {}
    for day, names in sorted(cal.items()):
        for name in str(names).split("; "):
            for key, label in _FESTIVAL_NAMES.items():
                if name == label and key not in first:
                    first[key] = day
    missing = sorted(set(_FESTIVAL_NAMES) - set(first))
    if missing:
        raise KeyError(f"no festival dates for {year} ({', '.join(missing)}) in the holidays package")
    return FestivalDates(**first)


def approximate_schedule(year: int, festivals: FestivalDates) -> YearSchedule:
    """Rule-based holiday schedule for a year without a published arrangement.

    Rule (assumption, modelled on the 2025 arrangement):

    * New Year's Day: 1 January only.
    * Spring Festival: lunar New Year's Eve to the 6th day (8 days, D-1 .. D+6),
      as in 2025 (28 Jan - 4 Feb around New Year's Day 29 Jan).
    * Qingming, Dragon Boat, Mid-Autumn: three days starting on the festival day
      (as 2025 Qingming 4-6 Apr and Dragon Boat 31 May - 2 Jun).
      If Mid-Autumn falls within 1-7 October it is merged into National Day, which
      is then extended to 8 October (as in 2025).
    * Labour Day: 1-5 May. National Day: 1-7 October.
    * No make-up working days.
    """
    sf = festivals.spring_festival
    if sf.year != year:
        raise ValueError(f"festival dates are for {sf.year}, not {year}")
    three = dt.timedelta(days=2)
    holidays = [
        Holiday("New Year's Day", SHORT_HOLIDAY, _d(year, 1, 1), _d(year, 1, 1)),
        Holiday(
            "Spring Festival",
            SPRING_FESTIVAL,
            sf - dt.timedelta(days=1),
            sf + dt.timedelta(days=6),
        ),
        Holiday("Qingming", SHORT_HOLIDAY, festivals.qingming, festivals.qingming + three),
        Holiday("Labour Day", GOLDEN_WEEK, _d(year, 5, 1), _d(year, 5, 5)),
        Holiday("Dragon Boat", SHORT_HOLIDAY, festivals.dragon_boat, festivals.dragon_boat + three),
    ]
    mid_autumn = festivals.mid_autumn
    if _d(year, 10, 1) <= mid_autumn <= _d(year, 10, 7):
        holidays.append(Holiday("National Day + Mid-Autumn", GOLDEN_WEEK, _d(year, 10, 1), _d(year, 10, 8)))
    else:
        holidays.append(Holiday("Mid-Autumn", SHORT_HOLIDAY, mid_autumn, mid_autumn + three))
        holidays.append(Holiday("National Day", GOLDEN_WEEK, _d(year, 10, 1), _d(year, 10, 7)))
    holidays.sort(key=lambda h: h.start)
    return YearSchedule(
        year=year,
        holidays=tuple(holidays),
        makeup_workdays=(),
        official=False,
        source=(
            "assumption: rule-based approximation (schedule not yet published); "
            "festival dates from the Chinese lunisolar calendar; no make-up working days"
        ),
    )


def holiday_schedule(year: int) -> YearSchedule:
    """Holiday schedule of ``year``: official if published here, else the rule-based approximation from
    the year's festival dates (any year the ``holidays`` package covers)."""
    if year in OFFICIAL_SCHEDULES:
        return OFFICIAL_SCHEDULES[year]
    return approximate_schedule(year, festival_dates(year))


def day_table(year: int) -> pd.DataFrame:
    """One row per day of ``year`` describing its day type.

    Columns:

    * ``weekday`` – 0 = Monday .. 6 = Sunday;
    * ``holiday_kind`` – one of :data:`HOLIDAY_KINDS` or ``""``;
    * ``holiday_name`` – name of the holiday block or ``""``;
    * ``makeup_workday`` – weekend day worked in exchange for a holiday;
    * ``day_type`` – ``"holiday"``, ``"saturday"``, ``"sunday"`` or ``"workday"``
      (make-up days count as workdays);
    * ``days_before_sf`` – for days before the Spring Festival block, days until its
      first day (1 = the eve of the block), else 0;
    * ``days_after_sf`` – for days after the block, days since its last day, else 0.
    """
    schedule = holiday_schedule(year)
    dates = pd.date_range(f"{year}-01-01", f"{year}-12-31", freq="D")
    kind = pd.Series("", index=dates, dtype=object)
    name = pd.Series("", index=dates, dtype=object)
    for h in schedule.holidays:
        for day in h.days():
            ts = pd.Timestamp(day)
            if ts.year != year:
                continue
            if kind[ts]:
                raise ValueError(f"{day}: overlapping holidays")
            kind[ts] = h.kind
            name[ts] = h.name
    makeup = pd.Series(False, index=dates)
    for day in schedule.makeup_workdays:
        ts = pd.Timestamp(day)
        if kind[ts]:
            raise ValueError(f"{day}: make-up working day is also a holiday")
        makeup[ts] = True

    weekday = dates.day_of_week.to_numpy()
    day_type = pd.Series("workday", index=dates, dtype=object)
    day_type[(weekday == 5) & ~makeup.to_numpy()] = "saturday"
    day_type[(weekday == 6) & ~makeup.to_numpy()] = "sunday"
    day_type[kind != ""] = "holiday"

    sf = schedule.spring_festival()
    ordinal = pd.Series(dates.map(lambda t: t.date().toordinal()), index=dates)
    before = (sf.start.toordinal() - ordinal).clip(lower=0)
    after = (ordinal - sf.end.toordinal()).clip(lower=0)

    return pd.DataFrame(
        {
            "weekday": weekday,
            "holiday_kind": kind,
            "holiday_name": name,
            "makeup_workday": makeup,
            "day_type": day_type,
            "days_before_sf": before.astype(int),
            "days_after_sf": after.astype(int),
        },
        index=pd.DatetimeIndex(dates, name="date"),
    )
