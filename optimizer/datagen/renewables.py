"""Hourly capacity factors of PV (utility, rooftop) and onshore wind for Suzhou.

One synthetic *weather year* (seeded cloudiness and wind processes) is mapped onto each
calendar year's hours, so ``cf_2025``, ``cf_2030`` and ``cf_2035`` share weather but have
their own timestamps and solar geometry. All numbers come from
``data/profile_params.yaml``.

PV, per 15-minute sub-step (averaged to hour-beginning hourly values):

1. solar position (NREL SPA, ``pvlib.solarposition``), at the sub-step centre;
2. clear-sky irradiance: Ineichen-Perez with the monthly SoDa Linke turbidity stored in the
   yaml (no external files are read);
3. GHI = clear-sky GHI x hourly clear-sky index; the daily index is a Beta-distributed
   value with a seasonal mean (plum-rain season cloudy), made persistent by an AR(1) latent
   normal mapped through the normal CDF; an hourly AR(1) log-normal factor adds intra-day
   variability;
4. Erbs decomposition, Hay-Davies transposition to a fixed south-facing plane;
5. SAPM cell temperature with a monthly ambient-temperature climatology plus a diurnal
   cosine, linear power temperature coefficient, flat system losses;
6. calibration: ``cf = min(1, m * raw)`` with the scalar ``m`` solved so the annual
   full-load hours equal the target (the clip is part of the solved equation).

Wind: hourly AR(1) latent normal mapped to a Weibull marginal whose scale varies with the
season and the hour of day, passed through a generic power curve with flat losses; the
Weibull scale level is solved so that the annual full-load hours equal the target.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pvlib
import xarray as xr
from scipy.optimize import brentq
from scipy.special import ndtr
from scipy.stats import beta as beta_dist

from optimizer.datagen import PARAMS_RELPATH, param
from optimizer.datagen.load import (
    TIMEZONE_ATTR,
    ar1,
    cyclic_monthly_interp,
    hourly_index,
    remove_monthly_mean,
)
from optimizer.datagen.operation import PROVINCIAL_AC, provincial_ac_availability, provincial_ac_source

#: generating technologies of the capacity-factor files
GENERATORS: tuple[str, ...] = ("pv_utility", "pv_rooftop", "wind_onshore", "wind_offshore")
#: every profile of the capacity-factor files: the generators and the provincial AC grid's availability
TECHNOLOGIES: tuple[str, ...] = (*GENERATORS, "provincial_ac")
PV_TECHNOLOGIES: tuple[str, ...] = ("pv_utility", "pv_rooftop")
#: numpy stream ids (second element of the seed sequence); see data/profile_params.yaml.
CLOUD_DAILY_STREAM = 2
CLOUD_HOURLY_STREAM = 3
WIND_STREAM = 4
#: Length of the synthetic weather year (long enough for a leap year).
WEATHER_YEAR_DAYS = 366
WEATHER_YEAR_HOURS = 24 * WEATHER_YEAR_DAYS
#: Relative tolerance to which the full-load hours are asserted after calibration.
FLH_RTOL = 1e-9
#: Lower bound of the daily clear-sky index (heavy overcast still lets some light through).
MIN_DAILY_INDEX = 0.02


def _seed(params: Mapping[str, Any]) -> int:
    return int(param(params, "random.seed"))


def _tz(params: Mapping[str, Any]) -> str:
    offset = int(param(params, "location.utc_offset"))
    # POSIX sign convention: Etc/GMT-8 is UTC+8.
    return f"Etc/GMT{-offset:+d}"


def _day_positions(n_days: int) -> np.ndarray:
    return np.arange(n_days) + 0.5


def daily_clear_sky_index(year: int, params: Mapping[str, Any]) -> pd.Series:
    """Daily clear-sky index (daily GHI / clear-sky daily GHI) of the synthetic weather.

    Beta marginal with the seasonal mean ``pv.clearness.monthly_mean`` (interpolated to
    each day) and concentration ``pv.clearness.concentration``; day-to-day persistence via
    an AR(1) latent normal with lag-1 correlation ``pv.clearness.daily_phi``.
    """
    dates = pd.date_range(f"{year}-01-01", f"{year}-12-31", freq="D", name="date")
    n = len(dates)
    rng = np.random.default_rng([_seed(params), CLOUD_DAILY_STREAM])
    z = ar1(rng, WEATHER_YEAR_DAYS, float(param(params, "pv.clearness.daily_phi")), 1.0)[:n]
    z = remove_monthly_mean(year, z, _day_positions(n))  # typical year
    mean = cyclic_monthly_interp(
        year,
        np.array(param(params, "pv.clearness.monthly_mean")),
        _day_positions(n),
        preserve_means=False,
    )
    conc = float(param(params, "pv.clearness.concentration"))
    k = beta_dist.ppf(ndtr(z), mean * conc, (1.0 - mean) * conc)
    return pd.Series(np.maximum(k, MIN_DAILY_INDEX), index=dates, name="clear_sky_index")


def hourly_clear_sky_index(year: int, params: Mapping[str, Any]) -> np.ndarray:
    """Hourly clear-sky index: daily index times an AR(1) log-normal intra-day factor."""
    daily = daily_clear_sky_index(year, params).to_numpy()
    n = 24 * len(daily)
    k_day = np.repeat(daily, 24)
    rng = np.random.default_rng([_seed(params), CLOUD_HOURLY_STREAM])
    x = ar1(rng, WEATHER_YEAR_HOURS, float(param(params, "pv.clearness.intraday_phi")), 1.0)[:n]
    sigma = float(param(params, "pv.clearness.intraday_sigma")) * 4.0 * k_day * (1.0 - k_day)
    k = k_day * np.exp(sigma * x - 0.5 * sigma * sigma)
    return np.clip(k, 0.0, float(param(params, "pv.clearness.hourly_max")))


@dataclass(frozen=True)
class SolarYear:
    """Irradiance inputs of one calendar year at the PV sub-steps (all arrays 1-D)."""

    times: pd.DatetimeIndex  # tz-aware sub-step centres
    steps_per_hour: int
    elevation: np.ndarray  # true (not refraction-corrected) solar elevation, deg
    apparent_zenith: np.ndarray
    azimuth: np.ndarray
    ghi: np.ndarray
    dni: np.ndarray
    dhi: np.ndarray
    dni_extra: np.ndarray
    temp_air: np.ndarray


def solar_year(year: int, params: Mapping[str, Any]) -> SolarYear:
    """Solar geometry, all-sky irradiance and air temperature at the sub-steps of ``year``."""
    lat = float(param(params, "location.latitude"))
    lon = float(param(params, "location.longitude"))
    alt = float(param(params, "location.altitude"))
    steps = int(param(params, "pv.substeps_per_hour"))
    hours = hourly_index(year)
    n_hours = len(hours)
    offsets = (np.arange(steps) + 0.5) / steps  # fraction of the hour
    hour_pos = np.repeat(np.arange(n_hours, dtype=float), steps) + np.tile(offsets, n_hours)
    naive = hours[0] + pd.to_timedelta(hour_pos, unit="h")
    times = naive.tz_localize(_tz(params))
    day_pos = hour_pos / 24.0

    sp = pvlib.solarposition.get_solarposition(times, lat, lon, altitude=alt)
    elevation = sp["elevation"].to_numpy()
    app_zen = sp["apparent_zenith"].to_numpy()
    up = elevation > 0.0

    doy = times.day_of_year.to_numpy()  # local day of year (pvlib would use UTC; negligible)
    dni_extra = np.asarray(pvlib.irradiance.get_extra_radiation(doy), dtype=float)
    turb = cyclic_monthly_interp(year, np.array(param(params, "pv.linke_turbidity")), day_pos, preserve_means=False)
    am_rel = pvlib.atmosphere.get_relative_airmass(app_zen)
    am_abs = pvlib.atmosphere.get_absolute_airmass(am_rel, pvlib.atmosphere.alt2pres(alt))
    with np.errstate(divide="ignore", invalid="ignore"):  # night-time air mass is NaN
        cs = pvlib.clearsky.ineichen(app_zen, am_abs, turb, altitude=alt, dni_extra=dni_extra)
    ghi_cs = np.where(up, np.nan_to_num(np.asarray(cs["ghi"], dtype=float)), 0.0)

    k_hour = hourly_clear_sky_index(year, params)
    ghi = ghi_cs * np.repeat(k_hour, steps)
    dec = pvlib.irradiance.erbs(ghi, sp["zenith"].to_numpy(), doy)
    dni = np.where(up, np.nan_to_num(np.asarray(dec["dni"], dtype=float)), 0.0)
    dhi = np.where(up, np.nan_to_num(np.asarray(dec["dhi"], dtype=float)), 0.0)

    amp = float(param(params, "pv.air_temperature_diurnal_amplitude"))
    peak_hour = float(param(params, "pv.air_temperature_peak_hour"))
    clock = np.asarray(hour_pos % 24.0)
    temp_air = cyclic_monthly_interp(
        year, np.array(param(params, "pv.air_temperature")), day_pos, preserve_means=False
    ) + amp * np.cos(2.0 * np.pi * (clock - peak_hour) / 24.0)

    return SolarYear(
        times=times,
        steps_per_hour=steps,
        elevation=elevation,
        apparent_zenith=app_zen,
        azimuth=sp["azimuth"].to_numpy(),
        ghi=ghi,
        dni=dni,
        dhi=dhi,
        dni_extra=dni_extra,
        temp_air=temp_air,
    )


def pv_raw_output(sy: SolarYear, params: Mapping[str, Any], tech: str) -> np.ndarray:
    """Uncalibrated hourly PV output per unit of capacity (before the multiplier/clip)."""
    key = f"pv.technologies.{tech}"
    poa = pvlib.irradiance.get_total_irradiance(
        surface_tilt=float(param(params, f"{key}.tilt")),
        surface_azimuth=float(param(params, f"{key}.azimuth")),
        solar_zenith=sy.apparent_zenith,
        solar_azimuth=sy.azimuth,
        dni=sy.dni,
        ghi=sy.ghi,
        dhi=sy.dhi,
        dni_extra=sy.dni_extra,
        albedo=float(param(params, "pv.albedo")),
        model="haydavies",
    )
    poa_global = np.nan_to_num(np.asarray(poa["poa_global"], dtype=float))
    poa_global = np.where(sy.elevation > 0.0, np.maximum(poa_global, 0.0), 0.0)
    mount = pvlib.temperature.TEMPERATURE_MODEL_PARAMETERS["sapm"][str(param(params, f"{key}.mount"))]
    t_cell = pvlib.temperature.sapm_cell(
        poa_global,
        sy.temp_air,
        float(param(params, "pv.wind_speed_for_cell_temperature")),
        mount["a"],
        mount["b"],
        mount["deltaT"],
    )
    gamma = float(param(params, "pv.temperature_coefficient"))
    losses = float(param(params, f"{key}.losses"))
    p = poa_global / 1000.0 * (1.0 + gamma * (np.asarray(t_cell) - 25.0)) * (1.0 - losses)
    p = np.maximum(p, 0.0)
    return p.reshape(-1, sy.steps_per_hour).mean(axis=1)


def calibrate_clipped(raw: np.ndarray, target_flh: float) -> tuple[np.ndarray, float]:
    """Return ``(min(1, m * raw), m)`` with ``m`` such that the sum equals ``target_flh``."""
    raw = np.asarray(raw, dtype=float)
    if (raw < 0).any() or not np.isfinite(raw).all():
        raise ValueError("raw output must be finite and non-negative")
    if target_flh >= np.count_nonzero(raw > 0):
        raise ValueError("target full-load hours exceed the hours with output")

    def excess(m: float) -> float:
        return float(np.minimum(1.0, m * raw).sum() - target_flh)

    hi = 1.0
    while excess(hi) < 0:
        hi *= 2.0
    lo = hi / 2.0
    while excess(lo) > 0:
        lo /= 2.0
    m = float(brentq(excess, lo, hi, xtol=1e-15, rtol=4 * np.finfo(float).eps, maxiter=500))
    cf = np.minimum(1.0, m * raw)
    if abs(cf.sum() / target_flh - 1.0) >= FLH_RTOL:
        raise AssertionError("PV full-load hours not matched")
    return cf, m


def power_curve(v: np.ndarray, cut_in: float, rated: float, cut_out: float) -> np.ndarray:
    """Generic turbine power curve (per unit): cubic from cut-in to rated, 1 up to cut-out."""
    v = np.asarray(v, dtype=float)
    ramp = (v**3 - cut_in**3) / (rated**3 - cut_in**3)
    return np.where((v < cut_in) | (v >= cut_out), 0.0, np.where(v >= rated, 1.0, np.clip(ramp, 0.0, 1.0)))


def wind_speed_shape(year: int, params: Mapping[str, Any]) -> np.ndarray:
    """Hourly hub-height wind speed for a unit Weibull scale level (m/s per m/s)."""
    hours = hourly_index(year)
    n = len(hours)
    rng = np.random.default_rng([_seed(params), WIND_STREAM])
    z = ar1(rng, WEATHER_YEAR_HOURS, float(param(params, "wind.hourly_phi")), 1.0)[:n]
    positions = (np.arange(n) + 0.5) / 24.0
    z = remove_monthly_mean(year, z, positions)  # typical year
    monthly = np.array(param(params, "wind.monthly_factor"))
    season = cyclic_monthly_interp(year, monthly / monthly.mean(), positions, preserve_means=False)
    amp = float(param(params, "wind.diurnal_amplitude"))
    peak = float(param(params, "wind.diurnal_peak_hour"))
    diurnal = 1.0 + amp * np.cos(2.0 * np.pi * (hours.hour.to_numpy() + 0.5 - peak) / 24.0)
    k = float(param(params, "wind.weibull_shape"))
    # Weibull quantile of U = Phi(z); -log(1 - U) computed as -log(Phi(-z)) for accuracy
    return season * diurnal * (-np.log(ndtr(-z))) ** (1.0 / k)


def wind_capacity_factor(year: int, params: Mapping[str, Any],
                         target_key: str = "wind.target_flh") -> tuple[np.ndarray, float, np.ndarray]:
    """Return ``(cf, weibull_scale_ms, speed_ms)`` calibrated to the full-load hours at ``target_key``.

    Offshore wind (``wind_offshore.target_flh``) shares the synthetic weather of the onshore series
    (the same synoptic systems pass over the Jiangsu coast a few hours apart) at a larger Weibull scale.
    """
    shape = wind_speed_shape(year, params)
    ci = float(param(params, "wind.cut_in"))
    rated = float(param(params, "wind.rated"))
    co = float(param(params, "wind.cut_out"))
    eta = 1.0 - float(param(params, "wind.losses"))
    target = float(param(params, target_key))

    def excess(scale: float) -> float:
        return float(eta * power_curve(scale * shape, ci, rated, co).sum() - target)

    lo, hi = 0.5, 20.0
    if excess(lo) > 0 or excess(hi) < 0:
        raise ValueError("wind target full-load hours outside the reachable range")
    scale = float(brentq(excess, lo, hi, xtol=1e-14, rtol=4 * np.finfo(float).eps, maxiter=500))
    speed = scale * shape
    cf = eta * power_curve(speed, ci, rated, co)
    if abs(cf.sum() / target - 1.0) >= FLH_RTOL:
        raise RuntimeError(
            "wind full-load hours not matched (a cut-out discontinuity at the solution); perturb the wind parameters"
        )
    return cf, scale, speed


def make_capacity_factors(year: int, params: dict) -> xr.Dataset:
    """Hourly capacity factors of ``year`` (variable ``capacity_factor``, per unit).

    Dims ``("time", "zone", "technology")`` with zone ``"suzhou"`` and technologies
    :data:`TECHNOLOGIES`; time is a naive local-time (UTC+8) hour-beginning index. Annual
    full-load hours equal the configured targets to within ``FLH_RTOL``.
    """
    hours = hourly_index(year)
    sy = solar_year(year, params)
    columns: dict[str, np.ndarray] = {}
    attrs: dict[str, Any] = {}
    for tech in PV_TECHNOLOGIES:
        raw = pv_raw_output(sy, params, tech)
        cf, m = calibrate_clipped(raw, float(param(params, f"pv.technologies.{tech}.target_flh")))
        columns[tech] = cf
        attrs[f"calibration_multiplier_{tech}"] = m
        attrs[f"raw_flh_{tech}_h"] = float(raw.sum())
        attrs[f"clipped_hours_{tech}"] = int(np.count_nonzero(m * raw >= 1.0))
    wind_cf, scale, speed = wind_capacity_factor(year, params)
    columns["wind_onshore"] = wind_cf
    columns["wind_offshore"], attrs["wind_offshore_weibull_scale_ms"], _ = wind_capacity_factor(
        year, params, "wind_offshore.target_flh")
    columns[PROVINCIAL_AC] = provincial_ac_availability(year, params)
    attrs["wind_weibull_scale_ms"] = scale
    attrs["wind_mean_speed_ms"] = float(speed.mean())

    data = np.stack([columns[t] for t in TECHNOLOGIES], axis=1)[:, np.newaxis, :]
    if not (np.isfinite(data).all() and data.min() >= 0.0 and data.max() <= 1.0):
        raise AssertionError("capacity factors must be finite and within [0, 1]")
    flh = {t: float(columns[t].sum()) for t in GENERATORS}
    annual_ghi = float(sy.ghi.sum() / sy.steps_per_hour / 1000.0)

    sources = (
        "pv_utility target: "
        + " ".join(str(params["pv"]["technologies"]["pv_utility"]["target_flh"]["source"]).split())
        + " | pv_rooftop target: "
        + " ".join(str(params["pv"]["technologies"]["pv_rooftop"]["target_flh"]["source"]).split())
        + " | wind_onshore target: "
        + " ".join(str(params["wind"]["target_flh"]["source"]).split())
        + " | wind_offshore target: "
        + " ".join(str(params["wind_offshore"]["target_flh"]["source"]).split())
        + " | provincial_ac: "
        + provincial_ac_source(params)
        + " | Linke turbidity: SoDa climatology via pvlib; solar position: NREL SPA (pvlib "
        + pvlib.__version__
        + "). Weather is synthetic (seeded), not observed."
    )
    method = (
        "PV: 15-min solar position, Ineichen clear sky with monthly Linke turbidity, "
        "synthetic daily Beta clear-sky index (seasonal mean, AR(1) latent persistence) with "
        "hourly log-normal AR(1) intra-day variability, Erbs decomposition, Hay-Davies "
        "transposition to a fixed south-facing plane, SAPM cell temperature with a monthly "
        "ambient climatology, linear temperature coefficient and flat losses; cf = "
        "min(1, m*raw) with m solved for the target full-load hours. Wind: AR(1) latent normal "
        "mapped to a Weibull speed at hub height with seasonal and diurnal scale factors, "
        "generic power curve and flat losses; Weibull scale solved for the target full-load "
        "hours. The same synthetic weather year is used for every calendar year. provincial_ac: "
        "the share of Suzhou's AC import capability available each hour, lower near the provincial peak "
        "(optimizer.datagen.operation). All parameters in data/profile_params.yaml."
    )
    da = xr.DataArray(
        data,
        dims=("time", "zone", "technology"),
        coords={"time": hours.to_numpy(), "zone": ["suzhou"], "technology": list(TECHNOLOGIES)},
        name="capacity_factor",
        attrs={
            "units": "1 (per-unit of installed capacity)",
            "long_name": "hourly capacity factor (average output over the hour / capacity)",
            "source": sources,
            "method": method,
        },
    )
    ds = da.to_dataset()
    ds.attrs = {
        "title": f"Hourly capacity factors of PV, onshore and offshore wind, and the provincial AC grid's "
                 f"availability, Suzhou, {year}",
        "timezone": TIMEZONE_ATTR,
        "year": int(year),
        "units": "1 (per-unit of installed capacity)",
        **{f"flh_{t}_h": flh[t] for t in GENERATORS},
        **attrs,
        "annual_ghi_kwh_m2": annual_ghi,
        "sources": sources,
        "method": method,
        "generator": "python -m optimizer.datagen",
        "seed": _seed(params),
        "params_file": PARAMS_RELPATH,
    }
    return ds
