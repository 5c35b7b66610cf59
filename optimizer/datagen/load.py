"""Hourly electricity demand of Suzhou (MW, local time UTC+8).

Method (all numbers from ``data/profile_params.yaml``):

1. **Seasonal level** – the 12 Jiangsu monthly energy shares (SWITCH-China) are turned into
   per-day levels and divided by the mean day-type factor of each month under a reference
   holiday calendar (the shares already contain a typical year's holiday dips). The
   resulting monthly levels are interpolated linearly between mid-month anchors, with the
   anchors solved so every month keeps its mean (no jumps at month ends).
2. **Day type** – multiplicative factors for Saturdays, Sundays, public holidays
   (Spring Festival, golden weeks, short holidays) and linear ramps before/after the Spring
   Festival block; make-up working days count as working days.
3. **Hour of day** – the Jiangsu 24-hour shares; on weekends and holidays the swing around
   the daily mean is flattened.
4. **Day-to-day noise** – AR(1) on the daily log-level (seeded), with its monthly means
   removed (so months keep their energy shares), anchored at noon and interpolated hourly.
5. **Scaling** – ``L = a * s**b`` with ``b`` solved so that peak/mean matches the target and
   ``a`` so that the annual energy matches; both are asserted.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from scipy.optimize import brentq
from scipy.special import logsumexp

from optimizer.datagen import PARAMS_RELPATH, param, repo_root
from optimizer.datagen.calendar import (
    GOLDEN_WEEK,
    SHORT_HOLIDAY,
    SPRING_FESTIVAL,
    day_table,
    holiday_schedule,
)

#: numpy stream id (second element of the seed sequence) of the day-to-day noise.
LOAD_NOISE_STREAM = 1
#: Relative tolerance to which energy and peak are asserted after scaling.
SCALING_RTOL = 1e-9
#: Days generated for the synthetic weather year (enough for a leap year).
WEATHER_YEAR_DAYS = 366
TIMEZONE_ATTR = "UTC+8 (Asia/Shanghai), timestamps naive local time, hour-beginning"


def hourly_index(year: int) -> pd.DatetimeIndex:
    """Naive hourly local-time index from ``year``-01-01 00:00 to ``year``-12-31 23:00."""
    return pd.date_range(f"{year}-01-01 00:00", f"{year}-12-31 23:00", freq="h", name="time")


def read_shape_file(path: str | Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Read the hour-of-day (24) and month (12) shares; each set sums to 1."""
    p = Path(path) if path is not None else repo_root() / "data/raw/jiangsu_load_shape.csv"
    df = pd.read_csv(p, comment="#")
    hours = df[df["kind"] == "hour"].sort_values("index")
    months = df[df["kind"] == "month"].sort_values("index")
    if hours["index"].tolist() != list(range(24)) or months["index"].tolist() != list(range(1, 13)):
        raise ValueError(f"{p}: expected hours 0..23 and months 1..12")
    h = hours["share"].to_numpy(dtype=float)
    m = months["share"].to_numpy(dtype=float)
    for name, arr in (("hour", h), ("month", m)):
        if not np.isclose(arr.sum(), 1.0, atol=1e-6) or (arr <= 0).any():
            raise ValueError(f"{p}: {name} shares must be positive and sum to 1")
    return h, m


def load_targets(year: int, params: Mapping[str, Any]) -> tuple[float, float]:
    """Configured (annual energy in MWh, peak in MW) of ``year``.

    For a year defined by growth from a base year, the stated values are checked
    against ``base * (1 + growth) ** (year - base_year)``.
    """
    key = f"load.targets.{year}"
    energy = float(param(params, f"{key}.annual_energy"))
    peak = float(param(params, f"{key}.peak"))
    targets = params["load"]["targets"][str(year)]
    if "base_year" in targets:
        base = int(param(params, f"{key}.base_year"))
        base_energy, base_peak = load_targets(base, params)
        n = year - base
        expect_e = base_energy * (1.0 + float(param(params, f"{key}.energy_growth"))) ** n
        expect_p = base_peak * (1.0 + float(param(params, f"{key}.peak_growth"))) ** n
        for label, got, expect in (("energy", energy, expect_e), ("peak", peak, expect_p)):
            if abs(got / expect - 1.0) > 1e-8:
                raise ValueError(f"{year} {label}: stated {got} differs from growth-derived {expect:.6f}")
    if not 0.0 < energy / 8760.0 < peak:
        raise ValueError(f"{year}: peak must exceed the mean load")
    return energy, peak


def day_type_factors(year: int, params: Mapping[str, Any], section: str = "load") -> pd.DataFrame:
    """Per-day multiplicative factor and whether the day is non-working.

    Returns a frame indexed by date with columns ``factor`` (float) and ``nonworking``
    (bool: weekend or holiday, used to flatten the intra-day shape) next to the
    columns of :func:`optimizer.datagen.calendar.day_table`. The reductions are read from
    ``<section>.weekend`` and ``<section>.holidays`` (``load``, or ``heat`` for the heat demand).
    """
    days = day_table(year)
    reduction = {
        "workday": 0.0,
        "saturday": float(param(params, f"{section}.weekend.saturday_reduction")),
        "sunday": float(param(params, f"{section}.weekend.sunday_reduction")),
    }
    kind_reduction = {
        SPRING_FESTIVAL: float(param(params, f"{section}.holidays.spring_festival_reduction")),
        GOLDEN_WEEK: float(param(params, f"{section}.holidays.golden_week_reduction")),
        SHORT_HOLIDAY: float(param(params, f"{section}.holidays.short_holiday_reduction")),
    }
    r = np.where(
        days["day_type"] == "holiday",
        days["holiday_kind"].map(kind_reduction).fillna(0.0),
        days["day_type"].map(reduction).fillna(0.0),
    ).astype(float)

    sf_r = kind_reduction[SPRING_FESTIVAL]
    pre = int(param(params, f"{section}.holidays.spring_festival_pre_days"))
    post = int(param(params, f"{section}.holidays.spring_festival_recovery_days"))
    before = days["days_before_sf"].to_numpy()
    after = days["days_after_sf"].to_numpy()
    ramp = np.zeros(len(days))
    in_pre = (before >= 1) & (before <= pre)
    ramp[in_pre] = sf_r * (pre + 1 - before[in_pre]) / (pre + 1)
    in_post = (after >= 1) & (after <= post)
    ramp[in_post] = sf_r * (post + 1 - after[in_post]) / (post + 1)

    out = days.copy()
    out["factor"] = (1.0 - r) * (1.0 - ramp)
    out["nonworking"] = days["day_type"] != "workday"
    return out


def cyclic_monthly_interp(year: int, monthly: np.ndarray, positions: np.ndarray, preserve_means: bool) -> np.ndarray:
    """Interpolate 12 monthly values linearly between mid-month anchors, cyclically.

    ``positions`` are times in days since 1 January 00:00 of ``year``. With
    ``preserve_means`` the anchors are solved (a 12x12 linear system) so that the mean of
    the interpolated curve over the given positions of each month equals ``monthly``
    (``positions`` must then cover the whole year, e.g. all hour or day centres).
    """
    monthly = np.asarray(monthly, dtype=float)
    starts = pd.date_range(f"{year}-01-01", periods=13, freq="MS")
    bounds = ((starts - starts[0]) / pd.Timedelta(days=1)).to_numpy()
    year_len = bounds[-1]
    mids = (bounds[:-1] + bounds[1:]) / 2.0
    xs = np.concatenate(([mids[-1] - year_len], mids, [mids[0] + year_len]))

    def curve(anchors: np.ndarray) -> np.ndarray:
        ys = np.concatenate(([anchors[-1]], anchors, [anchors[0]]))
        return np.interp(positions, xs, ys)

    if not preserve_means:
        return curve(monthly)
    month_of = np.searchsorted(bounds, positions, side="right") - 1
    if month_of.min() < 0 or month_of.max() > 11 or np.bincount(month_of).size < 12:
        raise ValueError("positions must cover every month of the year and lie within it")
    counts = np.bincount(month_of, minlength=12)
    # The curve is linear in the anchors: month means = M @ anchors. Solve M @ a = monthly.
    basis = np.eye(12)
    m = np.column_stack([np.bincount(month_of, weights=curve(basis[j]), minlength=12) / counts for j in range(12)])
    anchors = np.linalg.solve(m, monthly)
    values = curve(anchors)
    means = np.bincount(month_of, weights=values, minlength=12) / counts
    if not np.allclose(means, monthly, rtol=1e-12, atol=1e-12 * np.abs(monthly).max()):
        raise RuntimeError("mean-preserving interpolation failed")
    return values


def remove_monthly_mean(year: int, x: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Subtract a smooth curve so that every month's mean of ``x`` becomes zero.

    Used to turn a random realisation into a *typical* year: the sampling noise of the
    monthly means is removed (without jumps at month boundaries), the persistence and the
    within-month variability are kept.
    """
    starts = pd.date_range(f"{year}-01-01", periods=13, freq="MS")
    bounds = ((starts - starts[0]) / pd.Timedelta(days=1)).to_numpy()
    month_of = np.searchsorted(bounds, positions, side="right") - 1
    means = np.bincount(month_of, weights=x, minlength=12) / np.bincount(month_of, minlength=12)
    return x - cyclic_monthly_interp(year, means, positions, preserve_means=True)


def ar1(rng: np.random.Generator, n: int, phi: float, sigma: float) -> np.ndarray:
    """Stationary AR(1) series of length ``n`` with marginal standard deviation ``sigma``."""
    if not 0.0 <= phi < 1.0:
        raise ValueError("phi must be in [0, 1)")
    eps = rng.standard_normal(n)
    x = np.empty(n)
    x[0] = eps[0]
    innov = np.sqrt(1.0 - phi * phi)
    for t in range(1, n):
        x[t] = phi * x[t - 1] + innov * eps[t]
    return sigma * x


def load_shape(year: int, params: Mapping[str, Any]) -> pd.Series:
    """Unscaled hourly load shape (mean 1) before the energy/peak transform."""
    hour_share, month_share = read_shape_file(_shape_path(params))
    times = hourly_index(year)
    n_hours = len(times)
    hour_pos = (np.arange(n_hours) + 0.5) / 24.0  # hour centres, in days since 1 Jan

    # 1. underlying seasonal level, de-convolved with the reference calendar
    ref_year = int(param(params, "load.holidays.reference_calendar_year"))
    ref = day_type_factors(ref_year, params)
    ref_month_factor = ref["factor"].groupby(ref.index.month).mean().to_numpy()
    ref_days = ref.groupby(ref.index.month).size().to_numpy()
    level_monthly = month_share / ref_days / ref_month_factor
    level_monthly = level_monthly / level_monthly.mean()
    level = cyclic_monthly_interp(year, level_monthly, hour_pos, preserve_means=True)

    # 2. day type, stepwise per calendar day
    days = day_type_factors(year, params)
    day_idx = np.arange(n_hours) // 24
    day_factor = days["factor"].to_numpy()[day_idx]
    nonworking = days["nonworking"].to_numpy()[day_idx]

    # 3. hour-of-day shape, flattened on non-working days
    flat = float(param(params, "load.weekend.nonworking_day_flattening"))
    h = hour_share * 24.0
    hour = times.hour.to_numpy()
    hod = np.where(nonworking, 1.0 + (h[hour] - 1.0) * (1.0 - flat), h[hour])

    # 4. day-to-day noise on the log-level, anchored at noon of each day
    seed = int(param(params, "random.seed"))
    rng = np.random.default_rng([seed, LOAD_NOISE_STREAM])
    n_days = len(days)
    noise_daily = ar1(
        rng,
        WEATHER_YEAR_DAYS,
        float(param(params, "load.day_to_day.phi")),
        float(param(params, "load.day_to_day.sigma")),
    )[:n_days]
    noon = np.arange(n_days) + 0.5
    noise_daily = remove_monthly_mean(year, noise_daily, noon)  # keep monthly energy shares
    noise = np.exp(np.interp(hour_pos, noon, noise_daily))

    s = level * day_factor * hod * noise
    s = s / s.mean()
    return pd.Series(s, index=times, name="load_shape")


def _shape_path(params: Mapping[str, Any]) -> Path:
    rel = Path(str(param(params, "load.shape_file")))
    return rel if rel.is_absolute() else repo_root() / rel


def scale_to_targets(shape: np.ndarray, energy_mwh: float, peak_mw: float) -> tuple[np.ndarray, float, float]:
    """Return ``(a * shape**b, a, b)`` with exactly the given energy and peak.

    ``b`` is solved from ``max(shape**b) / mean(shape**b) = peak / mean`` (monotone in
    ``b``), then ``a`` from the energy. Both results are asserted to ``SCALING_RTOL``.
    """
    s = np.asarray(shape, dtype=float)
    if (s <= 0).any() or not np.isfinite(s).all():
        raise ValueError("shape must be positive and finite")
    n = s.size
    target = np.log(peak_mw / (energy_mwh / n))
    log_s = np.log(s)
    log_max = log_s.max()

    def excess(b: float) -> float:
        return b * log_max - (logsumexp(b * log_s) - np.log(n)) - target

    lo, hi = 1e-3, 50.0
    if excess(lo) > 0 or excess(hi) < 0:
        raise ValueError("peak/mean target cannot be reached with a power transform")
    b = float(brentq(excess, lo, hi, xtol=1e-15, rtol=4 * np.finfo(float).eps, maxiter=500))
    sb = np.exp(b * (log_s - log_max))  # shape**b / max**b, in (0, 1]
    a = energy_mwh / sb.sum()
    out = a * sb
    if abs(out.sum() / energy_mwh - 1.0) >= SCALING_RTOL:
        raise AssertionError("annual energy not matched")
    if abs(out.max() / peak_mw - 1.0) >= SCALING_RTOL:
        raise AssertionError("peak not matched")
    return out, float(a), b


def make_load(year: int, params: dict) -> xr.Dataset:
    """Hourly load of ``year`` as an xarray Dataset (variable ``load_mw``, MW).

    Dims ``("time", "zone")`` with the single zone ``"suzhou"``; time is a naive
    local-time (UTC+8) hour-beginning index. Annual energy and peak equal the configured
    targets to within ``SCALING_RTOL``.
    """
    energy, peak = load_targets(year, params)
    shape = load_shape(year, params)
    values, a, b = scale_to_targets(shape.to_numpy(), energy, peak)
    schedule = holiday_schedule(year)
    seed = int(param(params, "random.seed"))
    mean_mw = float(values.mean())

    source = (
        "Hour-of-day and monthly shares: Jiangsu typical load shape from the SWITCH-China "
        "open model (data/raw/jiangsu_load_shape.csv). Annual energy and peak: "
        + str(params["load"]["targets"][str(year)]["annual_energy"]["source"]).strip()
        + " / "
        + str(params["load"]["targets"][str(year)]["peak"]["source"]).strip()
        + f". Holidays: {schedule.source}."
    )
    method = (
        "Seasonal level from monthly shares de-convolved with the day-type factors of the "
        "reference calendar and interpolated mean-preservingly between mid-month anchors; "
        "multiplied by day-type factors (weekends, public holidays, Spring Festival block "
        "with linear pre/post ramps), by the hour-of-day shares (flattened on non-working "
        "days) and by a seeded AR(1) day-to-day noise on the log-level; then "
        f"L = a * s**b with a = {a:.6f} MW, b = {b:.6f} fixing annual energy and peak. "
        "All parameters in data/profile_params.yaml."
    )
    da = xr.DataArray(
        values.reshape(-1, 1),
        dims=("time", "zone"),
        coords={"time": shape.index.to_numpy(), "zone": ["suzhou"]},
        name="load_mw",
        attrs={
            "units": "MW",
            "long_name": "hourly electricity demand (average power over the hour)",
            "source": source,
            "method": method,
        },
    )
    ds = da.to_dataset()
    ds.attrs = {
        "title": f"Hourly electricity demand of Suzhou, {year}",
        "timezone": TIMEZONE_ATTR,
        "year": int(year),
        "annual_energy_mwh": float(energy),
        "peak_mw": float(peak),
        "mean_mw": mean_mw,
        "load_factor": mean_mw / float(peak),
        "transform_a_mw": a,
        "transform_b": b,
        "holiday_schedule": "official" if schedule.official else "approximate (rule-based)",
        "generator": "python -m optimizer.datagen",
        "seed": seed,
        "params_file": PARAMS_RELPATH,
    }
    return ds
