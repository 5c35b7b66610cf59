"""Tests of the profile generator (optimizer.datagen) and of the shipped data/profiles files."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pandas as pd
import pvlib
import pytest
import xarray as xr

from optimizer.datagen import DEFAULT_YEARS, ParamsError, load_params, main, param, repo_root
from optimizer.datagen.calendar import day_table, festival_dates, holiday_schedule
from optimizer.datagen.load import (
    cyclic_monthly_interp,
    day_type_factors,
    load_targets,
    make_load,
    read_shape_file,
    scale_to_targets,
)
from optimizer.datagen.operation import heat_targets, make_heat, provincial_ac_availability
from optimizer.datagen.renewables import (
    GENERATORS,
    TECHNOLOGIES,
    calibrate_clipped,
    daily_clear_sky_index,
    make_capacity_factors,
    power_curve,
)

YEARS = DEFAULT_YEARS  # every shipped year, the pathway periods included
PROFILES = repo_root() / "data" / "profiles"


@pytest.fixture(scope="module")
def params() -> dict:
    return load_params()


@pytest.fixture(scope="module")
def generated(params):
    """Lazily generated datasets, cached per module: ``generated(kind, year)``."""
    cache: dict[tuple[str, int], xr.Dataset] = {}

    def get(kind: str, year: int) -> xr.Dataset:
        if (kind, year) not in cache:
            make = {"load": make_load, "cf": make_capacity_factors, "heat": make_heat}[kind]
            cache[(kind, year)] = make(year, params)
        return cache[(kind, year)]

    return get


def _load_series(ds: xr.Dataset) -> pd.Series:
    return ds["load_mw"].sel(zone="suzhou").to_series()


def _cf_frame(ds: xr.Dataset) -> pd.DataFrame:
    return ds["capacity_factor"].sel(zone="suzhou").to_pandas()


# --------------------------------------------------------------------------- parameters


def test_params_file_validates_and_has_expected_sections(params):
    for section in ("location", "random", "load", "pv", "wind"):
        assert section in params
    assert param(params, "load.targets.2025.annual_energy") == pytest.approx(195_755_000.0)
    assert param(params, "load.targets.2025.peak") == pytest.approx(32_635.0)
    assert len(param(params, "pv.clearness.monthly_mean")) == 12
    assert len(param(params, "wind.monthly_factor")) == 12


@pytest.mark.parametrize(
    "snippet, message",
    [
        ("a:\n  b: 3\n", "bare number"),
        ("a:\n  value: 3\n  unit: MW\n", "value/unit/source"),
        ("a:\n  value: 3\n  unit: MW\n  source: ''\n", "non-empty"),
        ("a:\n  value: [1, x]\n  unit: MW\n  source: s\n", "list of numbers"),
    ],
)
def test_params_without_unit_or_source_are_rejected(tmp_path: Path, snippet: str, message: str):
    path = tmp_path / "p.yaml"
    path.write_text(snippet, encoding="utf-8")
    with pytest.raises(ParamsError, match=message):
        load_params(path)


def test_growth_targets_are_consistent_and_checked(params):
    e25, p25 = load_targets(2025, params)
    e30, p30 = load_targets(2030, params)
    e35, p35 = load_targets(2035, params)
    assert e30 == pytest.approx(e25 * 1.04**5, rel=1e-8)
    assert p30 == pytest.approx(p25 * 1.04**5, rel=1e-8)
    assert e35 == pytest.approx(e25 * 1.04**5 * 1.03**5, rel=1e-8)
    assert p35 == pytest.approx(p25 * 1.04**5 * 1.03**5, rel=1e-8)
    tampered = copy.deepcopy(params)
    tampered["load"]["targets"]["2030"]["annual_energy"]["value"] *= 1.01
    with pytest.raises(ValueError, match="growth-derived"):
        load_targets(2030, tampered)


# --------------------------------------------------------------------------- calendar


def test_official_2025_holidays_and_makeup_days():
    days = day_table(2025)
    sf = days.loc["2025-01-28":"2025-02-04"]
    assert (sf["holiday_kind"] == "spring_festival").all()
    assert days.loc["2025-01-27", "holiday_kind"] == ""
    assert days.loc["2025-02-05", "holiday_kind"] == ""
    for makeup in ("2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"):
        assert days.loc[makeup, "weekday"] >= 5  # a weekend day ...
        assert days.loc[makeup, "day_type"] == "workday"  # ... worked
    assert (days.loc["2025-10-01":"2025-10-08", "holiday_kind"] == "golden_week").all()
    assert (days.loc["2025-05-01":"2025-05-05", "holiday_kind"] == "golden_week").all()
    assert days.loc["2025-04-04":"2025-04-06", "holiday_kind"].eq("short_holiday").all()
    assert days.loc["2025-05-31":"2025-06-02", "holiday_kind"].eq("short_holiday").all()
    assert int((days["holiday_kind"] != "").sum()) == 1 + 8 + 3 + 5 + 3 + 8
    assert holiday_schedule(2025).official


@pytest.mark.parametrize(
    "year, sf_start, sf_end, mid_autumn",
    [(2030, "2030-02-02", "2030-02-09", "2030-09-12"), (2035, "2035-02-07", "2035-02-14", "2035-09-16")],
)
def test_approximate_schedules(year, sf_start, sf_end, mid_autumn):
    schedule = holiday_schedule(year)
    assert not schedule.official and schedule.makeup_workdays == ()
    sf = schedule.spring_festival()
    assert (str(sf.start), str(sf.end)) == (sf_start, sf_end)
    days = day_table(year)
    assert days.loc[mid_autumn, "holiday_name"] == "Mid-Autumn"
    assert (days.loc[f"{year}-10-01" : f"{year}-10-07", "holiday_name"] == "National Day").all()
    assert days.loc[f"{year}-10-08", "holiday_kind"] == ""


#: the festival table this module held before it read the holidays package (lunar conversions; Qingming
#: checked with the NREL SPA solar longitude): the package must give the same dates, or the profiles change
FORMER_TABLE = {
    2027: ("2027-02-06", "2027-04-05", "2027-06-09", "2027-09-15"),
    2029: ("2029-02-13", "2029-04-04", "2029-06-16", "2029-09-22"),
    2030: ("2030-02-03", "2030-04-05", "2030-06-05", "2030-09-12"),
    2031: ("2031-01-23", "2031-04-05", "2031-06-24", "2031-10-01"),
    2033: ("2033-01-31", "2033-04-04", "2033-06-01", "2033-09-08"),
    2035: ("2035-02-08", "2035-04-05", "2035-06-10", "2035-09-16"),
}


@pytest.mark.parametrize("year", sorted(FORMER_TABLE))
def test_festival_dates_from_the_holidays_package(year):
    f = festival_dates(year)
    assert tuple(str(d) for d in (f.spring_festival, f.qingming, f.dragon_boat, f.mid_autumn)) == FORMER_TABLE[year]


def test_any_later_year_has_a_schedule():
    """2041 had no entry in the former table; the package's calendar gives it (Spring Festival 1 Feb 2041)."""
    sf = holiday_schedule(2041).spring_festival()
    assert str(sf.start) == "2041-01-31" and str(sf.end) == "2041-02-07"


def test_day_type_factors(params):
    f = day_type_factors(2025, params)["factor"]
    sat = param(params, "load.weekend.saturday_reduction")
    sun = param(params, "load.weekend.sunday_reduction")
    sf = param(params, "load.holidays.spring_festival_reduction")
    assert f["2025-03-12"] == 1.0  # ordinary Wednesday
    assert f["2025-03-15"] == pytest.approx(1 - sat)  # Saturday
    assert f["2025-09-21"] == pytest.approx(1 - sun)  # Sunday
    assert f["2025-09-28"] == 1.0  # Sunday, make-up working day
    assert f["2025-01-29"] == pytest.approx(1 - sf)  # Spring Festival
    assert 1 - sf < f["2025-02-05"] < f["2025-02-12"] < 1.0  # recovery after the holiday
    assert 1 - sf < f["2025-01-27"] < f["2025-01-23"] < 1.0  # wind-down before it


def test_mean_preserving_interpolation_keeps_month_means_and_is_continuous():
    monthly = np.array([1.0, 0.5, 2.0, 1.5, 1.0, 3.0, 0.2, 1.0, 1.0, 2.0, 0.7, 1.3])
    pos = (np.arange(8760) + 0.5) / 24.0
    curve = cyclic_monthly_interp(2025, monthly, pos, preserve_means=True)
    month = pd.date_range("2025-01-01", periods=8760, freq="h").month
    np.testing.assert_allclose(pd.Series(curve).groupby(month).mean().to_numpy(), monthly, rtol=1e-10)
    assert np.abs(np.diff(curve)).max() < 0.01  # no jumps at month boundaries


# --------------------------------------------------------------------------- load


@pytest.mark.parametrize("year", YEARS)
def test_load_energy_peak_and_format(generated, params, year):
    ds = generated("load", year)
    assert ds["load_mw"].dims == ("time", "zone")
    assert ds["load_mw"].dtype == np.float64
    s = _load_series(ds)
    assert len(s) == 8760
    assert s.index[0] == pd.Timestamp(f"{year}-01-01 00:00")
    assert s.index[-1] == pd.Timestamp(f"{year}-12-31 23:00")
    assert not s.isna().any() and (s > 0).all()
    energy, peak = load_targets(year, params)
    assert s.sum() == pytest.approx(energy, rel=1e-9)
    assert s.max() == pytest.approx(peak, rel=1e-9)
    assert ds.attrs["annual_energy_mwh"] == energy and ds.attrs["peak_mw"] == peak
    assert 0.6 < ds.attrs["load_factor"] < 0.75  # 2025 target: 195.755 TWh / 32.635 GW


@pytest.mark.parametrize("year", YEARS)
def test_spring_festival_and_weekend_dips(generated, params, year):
    s = _load_series(generated("load", year))
    daily = s.resample("D").mean().to_numpy()
    days = day_type_factors(year, params)
    kind = days["holiday_kind"].to_numpy()
    dtype = days["day_type"].to_numpy()
    pre = param(params, "load.holidays.spring_festival_pre_days")
    jan_work = (dtype == "workday") & (days.index.month == 1) & (days["days_before_sf"].to_numpy() > pre)
    ratio = daily[kind == "spring_festival"].mean() / daily[jan_work].mean()
    assert 0.5 < ratio < 0.75  # a deep dip (~30-40 %) but not a collapse
    plain = (days["days_before_sf"].to_numpy() > pre) | (days["days_after_sf"].to_numpy() > 30)
    weekend = daily[np.isin(dtype, ["saturday", "sunday"]) & plain].mean()
    workday = daily[(dtype == "workday") & plain].mean()
    assert weekend < workday
    assert weekend / workday > 0.85  # only a few per cent


@pytest.mark.parametrize("year", YEARS)
def test_hour_of_day_shape_follows_input_shares(generated, year):
    s = _load_series(generated("load", year))
    hour_share, _ = read_shape_file()
    mean_by_hour = s.groupby(s.index.hour).mean().to_numpy()
    assert np.corrcoef(mean_by_hour, hour_share)[0, 1] > 0.9


def test_monthly_energy_follows_input_shares_in_reference_year(generated, params):
    ref = param(params, "load.holidays.reference_calendar_year")
    s = _load_series(generated("load", ref))
    _, month_share = read_shape_file()
    shares = (s.groupby(s.index.month).sum() / s.sum()).to_numpy()
    np.testing.assert_allclose(shares, month_share, rtol=0.05)
    # February is the lowest month, July/August the highest, as in the input
    assert shares.argmin() == 1 and shares.argmax() in (6, 7)


def test_scale_to_targets_hits_energy_and_peak_exactly():
    rng = np.random.default_rng(0)
    shape = 1.0 + 0.2 * rng.random(500)
    out, a, b = scale_to_targets(shape, energy_mwh=1000.0, peak_mw=3.0)
    assert out.sum() == pytest.approx(1000.0, rel=1e-12)
    assert out.max() == pytest.approx(3.0, rel=1e-12)
    np.testing.assert_allclose(out, a * (shape / shape.max()) ** b, rtol=1e-12)
    with pytest.raises(ValueError):
        scale_to_targets(shape, energy_mwh=1000.0, peak_mw=1.5)  # peak below the mean


def test_seed_changes_the_load(generated, params):
    other = copy.deepcopy(params)
    other["random"]["seed"]["value"] += 1
    a = _load_series(generated("load", 2025)).to_numpy()
    b = _load_series(make_load(2025, other)).to_numpy()
    assert not np.allclose(a, b)
    assert b.sum() == pytest.approx(a.sum(), rel=1e-9)  # targets still hold


# --------------------------------------------------------------------------- capacity factors


@pytest.mark.parametrize("year", YEARS)
def test_capacity_factor_format_range_and_flh(generated, params, year):
    ds = generated("cf", year)
    assert ds["capacity_factor"].dims == ("time", "zone", "technology")
    assert list(ds["technology"].values) == list(TECHNOLOGIES)
    assert ds["capacity_factor"].dtype == np.float64
    cf = _cf_frame(ds)
    assert cf.shape == (8760, len(TECHNOLOGIES))
    assert not cf.isna().any().any()
    assert (cf.to_numpy() >= 0).all() and (cf.to_numpy() <= 1).all()
    targets = {
        "pv_utility": param(params, "pv.technologies.pv_utility.target_flh"),
        "pv_rooftop": param(params, "pv.technologies.pv_rooftop.target_flh"),
        "wind_onshore": param(params, "wind.target_flh"),
    }
    for tech, target in targets.items():
        assert cf[tech].sum() == pytest.approx(target, rel=1e-6)
        assert ds.attrs[f"flh_{tech}_h"] == pytest.approx(target, rel=1e-6)


@pytest.mark.parametrize("year", YEARS)
def test_pv_is_zero_at_night_and_positive_by_day(generated, params, year):
    cf = _cf_frame(generated("cf", year))
    lat = param(params, "location.latitude")
    lon = param(params, "location.longitude")
    starts = cf.index.tz_localize("Etc/GMT-8")
    el_start = pvlib.solarposition.get_solarposition(starts, lat, lon)["elevation"].to_numpy()
    el_end = pvlib.solarposition.get_solarposition(starts + pd.Timedelta(hours=1), lat, lon)["elevation"].to_numpy()
    night = (el_start < 0) & (el_end < 0)
    assert 3500 < night.sum() < 5000
    for tech in ("pv_utility", "pv_rooftop"):
        values = cf[tech].to_numpy()
        assert (values[night] == 0).all()
        high_sun = (el_start > 20) & (el_end > 20)
        assert (values[high_sun] > 0).all()


def test_pv_summer_noon_above_winter_noon(generated):
    cf = _cf_frame(generated("cf", 2025))
    noon = cf[cf.index.hour.isin([11, 12])]
    month = noon.index.month
    for tech in ("pv_utility", "pv_rooftop"):
        summer = noon.loc[month.isin([6, 7, 8]), tech].mean()
        winter = noon.loc[month.isin([12, 1, 2]), tech].mean()
        assert summer > winter
    # rooftop (12 deg) yields less than utility (25 deg) in winter
    winter_days = cf[cf.index.month.isin([12, 1, 2])]
    assert winter_days["pv_rooftop"].sum() < winter_days["pv_utility"].sum()


def test_plum_rain_season_is_cloudier_than_autumn(params, generated):
    k = daily_clear_sky_index(2025, params)
    assert k.between(0, 1).all()
    plum = k[k.index.month.isin([6, 7])].mean()
    autumn = k[k.index.month.isin([10, 11])].mean()
    assert autumn - plum > 0.05  # clearly cloudier, not a sampling accident (designed gap ~0.09)
    # seasonal means follow the configured climatology (typical-year construction)
    designed = np.array(param(params, "pv.clearness.monthly_mean"))
    realised = k.groupby(k.index.month).mean().to_numpy()
    np.testing.assert_allclose(realised, designed, atol=0.04)
    # day-to-day persistence
    assert np.corrcoef(k.to_numpy()[1:], k.to_numpy()[:-1])[0, 1] > 0.3
    # and it shows in the PV output: June is weaker than May despite longer days
    cf = _cf_frame(generated("cf", 2025))["pv_utility"]
    assert cf[cf.index.month == 6].mean() < cf[cf.index.month == 5].mean()


@pytest.mark.parametrize("year", YEARS)
def test_wind_seasonality_diurnal_cycle_and_persistence(generated, params, year):
    w = _cf_frame(generated("cf", year))["wind_onshore"]
    month = w.index.month
    # monsoon seasonality: clearly stronger in winter/spring (a flat seasonal factor gives ~1.1)
    assert w[month.isin([12, 1, 2, 3, 4, 5])].mean() > 1.3 * w[month.isin([6, 7, 8])].mean()
    assert w.max() <= 1.0 - param(params, "wind.losses") + 1e-12
    assert w[w.index.hour.isin([0, 1, 2, 3, 4])].mean() > w[w.index.hour.isin([12, 13, 14, 15])].mean()
    x = w.to_numpy()
    assert np.corrcoef(x[1:], x[:-1])[0, 1] > 0.85
    assert 0.05 < (x == 0).mean() < 0.4  # calm hours below cut-in exist


def test_calibrate_clipped_respects_the_clip():
    raw = np.linspace(0.0, 2.0, 101)
    cf, m = calibrate_clipped(raw, 60.0)
    assert cf.max() <= 1.0 and (cf == 1.0).sum() > 1  # the clip binds ...
    assert cf.sum() == pytest.approx(60.0, rel=1e-12)  # ... and the target still holds
    np.testing.assert_allclose(cf, np.minimum(1.0, m * raw))
    with pytest.raises(ValueError):
        calibrate_clipped(raw, 200.0)


def test_power_curve():
    v = np.array([0.0, 2.99, 3.0, 7.0, 11.0, 18.0, 24.99, 25.0, 30.0])
    p = power_curve(v, 3.0, 11.0, 25.0)
    expected = [0, 0, 0, (7**3 - 27) / (11**3 - 27), 1, 1, 1, 0, 0]
    np.testing.assert_allclose(p, expected)


# --------------------------------------------------------------------------- determinism & shipped files


def test_deterministic(generated, params):
    np.testing.assert_array_equal(make_load(2025, params)["load_mw"].values, generated("load", 2025)["load_mw"].values)
    np.testing.assert_array_equal(
        make_capacity_factors(2025, params)["capacity_factor"].values,
        generated("cf", 2025)["capacity_factor"].values,
    )


def test_same_weather_year_for_every_calendar_year(generated, params):
    wind = [_cf_frame(generated("cf", y))["wind_onshore"].to_numpy() for y in YEARS]
    np.testing.assert_array_equal(wind[0], wind[1])
    np.testing.assert_array_equal(wind[0], wind[2])
    k25 = daily_clear_sky_index(2025, params).to_numpy()
    np.testing.assert_array_equal(k25, daily_clear_sky_index(2035, params).to_numpy())
    # ...but with each year's own timestamps
    assert _cf_frame(generated("cf", 2030)).index[0] == pd.Timestamp("2030-01-01")


@pytest.mark.parametrize("year", YEARS)
def test_shipped_files_match_regeneration(generated, year):
    for kind, var in (("load", "load_mw"), ("cf", "capacity_factor"), ("heat", "heat_mw")):
        path = PROFILES / f"{kind}_{year}.nc"
        assert path.is_file(), f"{path} missing: run python -m optimizer.datagen"
        fresh = generated(kind, year)
        with xr.open_dataset(path) as shipped:
            assert shipped[var].dims == fresh[var].dims
            assert shipped[var].dtype == np.float64
            np.testing.assert_array_equal(shipped["time"].values, fresh["time"].values)
            if kind == "heat":
                assert list(shipped["heat_network"].values) == list(fresh["heat_network"].values)
            else:
                assert list(shipped["zone"].values) == ["suzhou"]
            np.testing.assert_allclose(shipped[var].values, fresh[var].values, rtol=1e-12, atol=1e-12)
            for key in ("title", "timezone", "year", "generator", "params_file"):
                assert shipped.attrs[key] == fresh.attrs[key]
            assert shipped[var].attrs["units"] == fresh[var].attrs["units"]
            if kind == "cf":
                assert list(shipped["technology"].values) == list(TECHNOLOGIES)


def test_main_writes_readable_files(tmp_path: Path, generated):
    paths = main(out_dir=tmp_path, years=(2030,))
    assert sorted(p.name for p in paths) == ["cf_2030.nc", "heat_2030.nc", "load_2030.nc"]
    with xr.open_dataset(tmp_path / "load_2030.nc") as ds:
        assert ds["load_mw"].attrs["units"] == "MW"
        assert ds.attrs["timezone"].startswith("UTC+8")
        assert ds.attrs["params_file"] == "data/profile_params.yaml"
        np.testing.assert_array_equal(ds["load_mw"].values, generated("load", 2030)["load_mw"].values)
    with xr.open_dataset(tmp_path / "cf_2030.nc") as ds:
        assert ds["capacity_factor"].attrs["units"] == "1 (per-unit of installed capacity)"
        for tech in GENERATORS:
            assert f"flh_{tech}_h" in ds.attrs


@pytest.mark.parametrize("year", YEARS)
def test_heat_demand_energy_networks_and_spring_festival(generated, params, year):
    ds = generated("heat", year)
    heat = ds["heat_mw"].to_pandas()
    assert ds["heat_mw"].dims == ("time", "heat_network")
    assert heat.to_numpy().sum() == pytest.approx(heat_targets(year, params), rel=1e-12)
    shares = heat.sum() / heat.to_numpy().sum()
    for net, share in shares.items():
        assert share == pytest.approx(param(params, f"heat.network_share.{net}"), rel=1e-12)
    total = heat.sum(axis=1)
    # the Spring Festival week is the deepest dip; summer below winter (monthly factors)
    daily = total.resample("D").mean()
    assert daily.idxmin().month in (1, 2)
    assert total[total.index.month == 7].mean() < total[total.index.month == 12].mean()
    assert (heat.to_numpy() > 0).all()


def test_provincial_ac_availability_is_lower_near_the_provincial_peak(params, generated):
    a = provincial_ac_availability(2025, params)
    assert a.max() == 1.0 and a.min() == pytest.approx(1 - param(params, "provincial_ac.depth"))
    cf = _cf_frame(generated("cf", 2025))
    np.testing.assert_array_equal(cf["provincial_ac"].to_numpy(), a)
    # the tightest hours are summer days, none at night
    low = cf.index[a < 1]
    assert set(low.month) <= {6, 7, 8, 12, 1} and low.hour.min() >= 8
