"""The annual dispatch report: tables against the results, HTML, Excel, figures, Chinese, errors, browser.

One two-week cut of the Suzhou 2025 case is solved once per module (a few seconds) and its report
built in English and Chinese; the tables are checked against the results file they come from.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from optimizer.config import load_config
from optimizer.errors import InputError
from optimizer.report import build_report, i18n, report_command
from optimizer.report import figures as F
from optimizer.report import html as H
from optimizer.report import tables as T
from optimizer.results import read_results, write_results
from optimizer.run import run

REPO = Path(__file__).resolve().parents[1]
CFG_2025 = REPO / "configs" / "suzhou_2025.yaml"
REL = 1e-9


@pytest.fixture(scope="module")
def results_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "two_weeks"
    run(load_config(CFG_2025, ["time.end=2025-01-14 23:00"]), out_dir=out)
    return out


@pytest.fixture(scope="module")
def ds(results_dir: Path) -> xr.Dataset:
    return read_results(results_dir)


@pytest.fixture(scope="module")
def report_en(results_dir: Path) -> Path:
    return build_report(results_dir)


@pytest.fixture(scope="module")
def report_zh(results_dir: Path) -> Path:
    out = results_dir / "report_zh"
    out.mkdir()  # a previous report, with a file the new one does not have: replaced as a whole
    (out / "report.html").write_text("<html>a previous report</html>")
    (out / "stale.txt").write_text("a previous report")
    return build_report(results_dir, out, lang="zh")


def load_energy(ds: xr.Dataset) -> float:
    return float((ds["load_mw"].sum("zone") * ds["weight_h"]).sum())


# ----------------------------------------------------------------------------- tables vs results

def test_capacity_table_adds_up_by_kind(ds: xr.Dataset) -> None:
    cap = T.capacity_table(ds)
    rows = cap[[not T.is_total_row(k) for k in cap.index]]
    assert sorted(rows.index) == sorted(ds["technology"].values)
    kinds = ds["kind"].to_series().set_axis(ds["technology"].values)
    assert set(cap.index) - set(rows.index) == {f"total_{k}" for k in set(kinds)}  # no grand total
    for col, var in (("existing_mw", "capacity_existing_mw"), ("new_mw", "capacity_new_mw"),
                     ("total_mw", "capacity_total_mw")):
        np.testing.assert_allclose(rows[col].to_numpy(dtype=float), ds[var].sel(technology=list(rows.index)).values)
        for kind in set(kinds):  # each subtotal is its own kind only: corridors are not added to local plant
            techs = list(kinds.index[kinds == kind])
            assert cap.loc[f"total_{kind}", col] == pytest.approx(float(ds[var].sel(technology=techs).sum()), rel=REL)
    assert cap.loc["total_storage", "energy_total_mwh"] == pytest.approx(float(ds["energy_capacity_total_mwh"].sum()))
    assert np.isnan(cap.loc["coal_large", "energy_total_mwh"])  # not a storage


def test_energy_table_adds_up_to_load(ds: xr.Dataset) -> None:
    en = T.energy_table(ds)
    w = ds["weight_h"].values
    for g in ds["generator"].values:
        assert en.loc[g, "energy_gwh"] * 1e3 == pytest.approx(float(w @ ds["generation_mw"].sel(generator=g).values),
                                                              rel=REL, abs=1e-6)
        assert en.loc[g, "energy_gwh"] * 1e3 == pytest.approx(float(ds["energy_mwh"].sel(technology=g)), abs=1e-3)
    for c in ds["corridor"].values:
        assert en.loc[c, "energy_gwh"] * 1e3 == pytest.approx(float(ds["energy_mwh"].sel(technology=c)), abs=1e-3)
    # generation + imports + discharge - charging + unserved = annual load energy (the balance closes)
    assert en.loc[T.TOTAL, "energy_gwh"] * 1e3 == pytest.approx(load_energy(ds), rel=1e-8)
    assert en.drop(index=T.TOTAL)["energy_gwh"].sum() == pytest.approx(en.loc[T.TOTAL, "energy_gwh"], rel=REL)
    assert en.loc[T.TOTAL, "share_of_load_pct"] == pytest.approx(100.0, rel=1e-8)
    curt = float((ds["curtailment_mw"] * ds["weight_h"]).sum()) / 1e3
    assert en.loc[T.TOTAL, "curtailment_gwh"] == pytest.approx(curt, abs=1e-9)


def test_imports_table(ds: xr.Dataset) -> None:
    imp = T.imports_table(ds)
    w = ds["weight_h"].values
    for c in ds["corridor"].values:
        flow = ds["import_mw"].sel(corridor=c).values
        assert imp.loc[c, "energy_gwh"] * 1e3 == pytest.approx(float(w @ flow), rel=REL)
        assert imp.loc[c, "peak_mw"] == pytest.approx(float(flow.max()))
        cap = float(ds["capacity_total_mw"].sel(technology=c))
        if cap > 0:  # a corridor not built (north-Jiangsu wind in 2025) has no utilisation
            assert imp.loc[c, "utilisation_pct"] == pytest.approx(float(w @ flow) / cap / w.sum() * 100)
    assert imp.loc[T.TOTAL, "cost_m_cny"] * 1e6 == pytest.approx(
        float(ds["cost_cny"].sel(owner=list(ds["corridor"].values)).sum()), rel=REL)


def test_emissions_table_totals_co2(ds: xr.Dataset) -> None:
    em = T.emissions_table(ds)
    assert em.loc[T.TOTAL, "emissions_mt"] * 1e6 == pytest.approx(float(ds["co2_t"]), rel=1e-8)
    np.testing.assert_allclose(em.drop(index=T.TOTAL)["emissions_mt"].to_numpy(dtype=float) * 1e6,
                               ds["emissions_t"].values)
    assert em.loc[T.TOTAL, "share_pct"] == pytest.approx(100.0)


def test_cost_tables_total_the_objective(ds: xr.Dataset) -> None:
    comp = T.cost_by_component(ds)
    total = float(ds["total_cost_cny"])
    assert comp.loc[T.TOTAL, "cost_m_cny"] * 1e6 == pytest.approx(total, rel=1e-9)
    for c in ds["component"].values:
        assert comp.loc[c, "cost_m_cny"] * 1e6 == pytest.approx(float(ds["cost_cny"].sel(component=c).sum()),
                                                                rel=REL, abs=1e-6)
    # per-MWh cost = total cost / annual load energy (load x weight)
    assert comp.loc[T.TOTAL, "cost_cny_per_mwh"] == pytest.approx(total / load_energy(ds), rel=1e-9)
    tech = T.cost_by_technology(ds)
    assert tech.loc[T.TOTAL, T.TOTAL] * 1e6 == pytest.approx(total, rel=1e-9)
    assert tech.loc["coal_large", "fuel"] * 1e6 == pytest.approx(
        float(ds["cost_cny"].sel(owner="coal_large", component="fuel")), rel=REL)
    head = T.headline_table(ds)["value"]
    assert head["cost_per_mwh"] == pytest.approx(total / load_energy(ds), rel=1e-12)
    assert head["total_cost_bn_cny"] * 1e9 == pytest.approx(total, rel=1e-12)


# ----------------------------------------------------------------------------- targets

def test_targets_table_maps_every_policy_row(ds: xr.Dataset) -> None:
    tt = T.targets_table(ds)
    rows = {r.strip() for cell in tt["rows"] for r in cell.split(",") if r.strip()}
    assert rows == set(ds["policy"].values.astype(str))
    # a solved optimum meets every plan target it imposes (binding, or met whatever the optimum: said so);
    # a target only checked may be missed
    modelled = tt[tt["rows"] != ""]
    imposed = modelled[modelled["note"] != "checked_note"]
    assert set(imposed["status"]) <= {"met", "binding", "by_construction", "model_constraint"}
    assert tt.loc["pv_capacity_2025", "status"] == "by_construction"  # 5.3 GW in service, plan 4.6 GW
    cap = ds["capacity_total_mw"].to_series()
    pv = tt.loc["pv_capacity_2025"]
    assert pv["achieved"] == pytest.approx(cap[["pv_utility", "pv_rooftop"]].sum() / 1e3)
    assert pv["plan_value"] == pytest.approx(4.6)
    assert pv["clause"] == "三(二)1 光伏方面"
    assert "460 万千瓦" in pv["quote"]
    gas = tt.loc["gas_capacity_2025"]
    assert gas["rows"] == "cap_gas_min, cap_gas_max"
    assert (gas["lower"], gas["upper"]) == pytest.approx((6.175, 6.825))
    assert gas["achieved"] == pytest.approx(cap[["gas_chp_f", "gas_chp_e", "gas_ccgt_new"]].sum() / 1e3)
    coal = tt.loc["coal_share_2025"]
    assert coal["achieved"] == pytest.approx(float(ds["coal_share"]) * 100)
    assert coal["upper"] == pytest.approx(55.0)
    assert tt.loc["nonfossil_share_2025", "achieved"] == pytest.approx(float(ds["nonfossil_share"]) * 100)
    # no CO2 cap in 2025: the CO2 row shows the city-wide emissions (the peak's scope), citing the plan's clause
    co2 = tt.loc["carbon_peak_2030"]
    assert co2["status"] == "no_target" and co2["note"] == "no_cap_city_note"
    assert co2["achieved"] == pytest.approx(float(ds["co2_city_t"]) / 1e6)
    assert float(ds["co2_city_t"]) == pytest.approx(float(ds["co2_t"]) + float(ds["co2_non_power_t"]))
    assert "碳达峰" in co2["quote"]
    rm = tt.loc["reserve_margin"]
    assert rm["status"] == "model_constraint" and rm["achieved"] >= rm["lower"] * (1 - 1e-9)  # firm capacity, GW
    # the stored left-hand side of every capacity row equals the capacities it sums
    cap_rows = T._capacity_target_rows(T.config(ds))
    for row in cap_rows:
        lhs = float(ds["policy_lhs"].sel(policy=row))
        assert lhs == pytest.approx(T._achieved(ds.drop_vars("policy_lhs"), row, cap_rows), rel=1e-9, abs=1e-6)


def test_a_cap_given_as_a_plain_value_gets_a_verdict(tmp_path: Path) -> None:
    """A CO2 cap given as a number (no target id, as the shipped 2030 config has it) is still met or not."""
    out = tmp_path / "capped"
    run(load_config(CFG_2025, ["time.end=2025-01-07 23:00", "policy.co2_cap_t.value=900000000"]), out_dir=out)
    tt = T.targets_table(read_results(out))
    assert tt.loc["co2_cap", "status"] == "met"


def test_targets_table_flags_a_missed_target(ds: xr.Dataset) -> None:
    bad = ds.copy(deep=True)
    bad["coal_share"] = xr.DataArray(0.56)  # above the 55 % ceiling
    bad["capacity_total_mw"].loc[{"technology": "gas_ccgt_new"}] = 7000.0  # above 6.5 GW + 5 %
    tt = T.targets_table(bad)
    assert tt.loc["coal_share_2025", "status"] == "not_met"
    assert tt.loc["gas_capacity_2025", "status"] == "not_met"
    assert tt.loc["pv_capacity_2025", "status"] == "by_construction"


def test_is_met_uses_a_relative_tolerance() -> None:
    assert T.is_met(4600 * (1 - 5e-7), ">=", 4600)
    assert not T.is_met(4600 * (1 - 5e-6), ">=", 4600)
    assert T.is_met(25000 * (1 + 5e-7), "<=", 25000)
    assert not T.is_met(25001, "<=", 25000)
    assert T.is_met(0.55 + 1e-7, "<=", 0.55)
    assert not T.is_met(0.5501, "<=", 0.55)
    assert not T.is_met(6.6, "==", 6.5)
    assert T.is_met(float("nan"), ">=", 1.0) is None


# ----------------------------------------------------------------------------- weeks

def _load_ds(load: pd.Series) -> xr.Dataset:
    return xr.Dataset(
        {"load_mw": (("time", "zone"), load.to_numpy()[:, None]),
         "weight_h": ("time", np.ones(len(load)))},
        coords={"time": load.index.values, "zone": ["z"]})


def test_select_weeks_full_year() -> None:
    t = pd.date_range("2025-01-01", "2025-12-31 23:00", freq="h")
    load = pd.Series(100.0, index=t)
    load[pd.Timestamp("2025-04-10 12:00")] = 900.0   # the annual peak, but in spring
    load[pd.Timestamp("2025-07-16 15:00")] = 500.0   # the summer peak
    load[pd.Timestamp("2025-01-20 10:00")] = 400.0   # the winter peak
    load["2025-10-06":"2025-10-12 23:00"] = 10.0     # the lowest week, Monday to Sunday
    weeks = {w.key: w for w in T.select_weeks(_load_ds(load))}
    s, w, lo = weeks["week_summer"], weeks["week_winter"], weeks["week_lowest"]
    assert s.start <= pd.Timestamp("2025-07-16 15:00") < s.end
    assert w.start <= pd.Timestamp("2025-01-20 10:00") < w.end
    assert lo.start == pd.Timestamp("2025-10-06")
    for wk in (s, w, lo):
        assert wk.end - wk.start == pd.Timedelta(days=7)
        assert wk.start == wk.start.normalize() and wk.n_steps == 168 and wk.note == ""
    assert s.max_load_mw == 500.0 and w.max_load_mw == 400.0


def test_select_weeks_at_the_ends_of_the_year() -> None:
    t = pd.date_range("2025-01-01", "2025-12-31 23:00", freq="h")
    load = pd.Series(100.0 + np.arange(len(t)) * 1e-3, index=t)
    load[pd.Timestamp("2025-12-31 20:00")] = 800.0   # winter peak in the last hours of the year
    weeks = {w.key: w for w in T.select_weeks(_load_ds(load))}
    w = weeks["week_winter"]
    assert w.end == pd.Timestamp("2026-01-01") and w.n_steps == 168  # shifted to stay inside the year
    assert weeks["week_lowest"].start == pd.Timestamp("2025-01-01")   # load rises through the year


def test_select_weeks_short_and_seasonless() -> None:
    t = pd.date_range("2025-04-01", periods=21 * 24, freq="h")  # three spring weeks: no summer, no winter
    load = pd.Series(100.0 + np.sin(np.arange(len(t))), index=t)
    weeks = {w.key: w for w in T.select_weeks(_load_ds(load))}
    assert weeks["week_winter"].start is None and weeks["week_winter"].note == "no_winter"
    assert weeks["week_summer"].note == "no_summer" and weeks["week_summer"].n_steps == 168
    assert T.week_title(weeks["week_summer"]) == "week_peak"
    short = pd.Series(np.linspace(1, 2, 48), index=pd.date_range("2025-07-01", periods=48, freq="h"))
    for wk in T.select_weeks(_load_ds(short)):
        if wk.key == "week_winter":
            assert wk.start is None
        else:
            assert wk.note == "short_results" and wk.n_steps == 48


# ----------------------------------------------------------------------------- files, HTML, Excel

def test_report_files(report_en: Path, results_dir: Path) -> None:
    out = results_dir / "report"
    assert report_en == out / "report.html"
    pngs = sorted((out / "figures").glob("*.png"))
    names = {p.stem for p in pngs}
    assert {"capacity", "energy", "imports", "dispatch_summer", "dispatch_winter", "dispatch_lowest",
            "storage_soc", "duration", "price_heatmap_suzhou", "emissions", "cost"} <= names
    for p in pngs:
        head = p.read_bytes()[:8]
        assert head == b"\x89PNG\r\n\x1a\n" and p.stat().st_size > 5000, p
    assert (out / "report.xlsx").stat().st_size > 0
    assert not list(results_dir.glob(".report.tmp-*"))  # the temporary folder was renamed away


def test_html_is_self_contained_and_complete(report_en: Path, results_dir: Path, ds: xr.Dataset) -> None:
    page = report_en.read_text(encoding="utf-8")
    assert "http://" not in page and "https://" not in page
    srcs = re.findall(r"""src=['"]([^'"]*)""", page)
    assert srcs and all(s.startswith("data:image/png;base64,") for s in srcs)
    assert all(h.startswith("#") for h in re.findall(r"""href=['"]([^'"]*)""", page))
    assert "<link" not in page and "@import" not in page and "url(" not in page
    assert len(srcs) == len(list((results_dir / "report" / "figures").glob("*.png")))
    for sec in (s for s in H.SECTIONS if s not in H.OPTIONAL_SECTIONS):
        assert f"id='{sec}'" in page
        assert H.esc(i18n.label(sec, "en")) in page
    # numbers on the page are the results' numbers
    cost = float(ds["total_cost_cny"])
    m = re.search(r'data-item="total_cost_bn_cny"><td>[^<]*</td><td class="num">([^<]*)<', page)
    assert m and m.group(1) == f"{cost / 1e9:,.2f}"
    assert f"{float(ds['co2_t']) / 1e6:,.2f}" in page
    assert page.count('data-status="met"') + page.count('data-status="binding"') + \
        page.count('data-status="by_construction"') >= 8
    # the one row that can miss is the energy plan's 50 % clean-electricity share, checked, not imposed
    missed = re.findall(r'data-target="([^"]*)" data-status="not_met"', page)
    assert set(missed) <= {"clean_electricity_fyp_2025"}
    assert ds.attrs["inputs_hash"] in page and "optimal" in page
    # a two-week January cut: no summer hours, said on the page
    assert H.esc(i18n.label("no_summer", "en")) in page


def test_excel_has_the_same_numbers(report_en: Path, ds: xr.Dataset) -> None:
    book = pd.read_excel(report_en.parent / "report.xlsx", sheet_name=None)
    assert {"headline", "targets", "capacity", "energy", "imports", "emissions", "cost by component",
            "cost by technology", "weeks", "metadata", "config"} <= set(book)
    L = lambda k: i18n.label(k, "en")  # noqa: E731
    cap = book["capacity"].set_index(L("id"))
    local = ds["kind"].values.astype(str) == "generator"
    # cells are rounded two digits past what they show (MW: 0.01), no float noise (20.99999999999586)
    assert cap.loc["total_generator", L("total_mw")] == pytest.approx(
        float(ds["capacity_total_mw"].values[local].sum()), abs=0.005)
    new_pv = float(ds["capacity_new_mw"].sel(technology="pv_rooftop"))
    assert cap.loc["pv_rooftop", L("new_mw")] == pytest.approx(new_pv, abs=0.005)
    en = book["energy"].set_index(L("id"))
    assert en.loc["total", L("energy_gwh")] * 1e3 == pytest.approx(load_energy(ds), rel=1e-8)
    comp = book["cost by component"].set_index(L("id"))
    assert comp.loc["total", L("cost_m_cny")] * 1e6 == pytest.approx(float(ds["total_cost_cny"]), abs=500)
    em = book["emissions"].set_index(L("id"))
    assert em.loc["total", L("emissions_mt")] * 1e6 == pytest.approx(float(ds["co2_t"]), abs=5)
    tg = book["targets"].set_index(L("id"))
    assert tg.loc["coal_share_2025", L("achieved")] == pytest.approx(float(ds["coal_share"]) * 100, abs=5e-5)
    assert tg.loc["pv_capacity_2025", L("status")] == L("by_construction")
    dispatch = [name for name in book if name.startswith("dispatch ")]  # hourly data behind the figures
    # three weeks, and the typical days: highest and lowest load, a winter working day (January: no summer)
    assert len(dispatch) == 6 and "dispatch Peak-load week" in dispatch, dispatch
    assert {"dispatch Highest-load day", "dispatch Lowest-load day", "dispatch Typical winter day"} <= set(dispatch)
    assert len(book["dispatch Highest-load day"]) == 24
    week = book["dispatch Winter week"]
    assert len(week) == 168
    assert week[f"{L('load')} (MW)"].max() == pytest.approx(float(ds["load_mw"].max()))
    assert "".join(book["config"]["config.yaml"].astype(str)).count("suzhou_2025") >= 1


def test_chinese_report(report_zh: Path) -> None:
    # the figures' base64 can spell any word ("Cost" once): the page without them
    page = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", report_zh.read_text(encoding="utf-8"))
    assert "lang='zh-CN'" in page
    for word in ("光伏", "生物质", "天然气", "新型储能", "区外电力受进能力", "煤炭占能源消费总量比重",
                 "非化石能源消费比重", "碳达峰", "达标"):
        assert word in page, word
    for sec in (s for s in H.SECTIONS if s not in H.OPTIONAL_SECTIONS):
        assert H.esc(i18n.label(sec, "zh")) in page
        assert H.esc(i18n.label(sec, "en")) not in page
    assert "Installed capacity" not in page and "Status" not in page
    note = i18n.label("no_cjk_font_note", "zh")
    if F.cjk_font():
        assert note not in page and F.figure_lang("zh") == "zh"
    else:
        assert note in page and F.figure_lang("zh") == "en"
    book = pd.read_excel(report_zh.parent / "report.xlsx", sheet_name=None)
    assert "装机容量" in book and "合计（万千瓦）" in book["装机容量"].columns  # the plan's units


def test_short_results_report(ds: xr.Dataset, tmp_path: Path) -> None:
    short = ds.isel(time=slice(0, 48))
    write_results(short, tmp_path / "short")
    page = build_report(tmp_path / "short").read_text(encoding="utf-8")
    assert i18n.label("short_results", "en", n=48) in page
    assert H.esc(i18n.label("no_summer", "en")) in page
    assert len(list((tmp_path / "short" / "report" / "figures").glob("dispatch_*.png"))) == 3


def test_rebuild_replaces_the_report(report_zh: Path, results_dir: Path) -> None:
    out = results_dir / "report_zh"
    assert report_zh == out / "report.html" and not (out / "stale.txt").exists()
    assert not [p for p in results_dir.iterdir() if p.name.startswith(".report_zh.")]  # no temp or old folder


def test_tiny_case_with_a_co2_cap(tmp_path: Path) -> None:
    """No storage, no imports, a CO2 cap: the cap's row shows the carbon shadow price worked out by hand."""
    from tiny import make_config, write_case

    coal = {"name": "coal", "kind": "generator", "carrier": "coal", "existing_mw": 100,
            "heat_rate_gce_per_kwh": 300}  # 300 CNY/MWh, 0.6 tCO2/MWh
    gas = {"name": "gas", "kind": "generator", "carrier": "gas", "existing_mw": 100,
           "heat_rate_gce_per_kwh": 200}  # 600 CNY/MWh, 0.2 tCO2/MWh
    data = write_case(tmp_path / "case", [coal, gas], [100, 100, 100])
    cfg = make_config(data, tmp_path, policy={"share_basis": "electricity",
                                              "co2_cap_t": {"value": 90, "source": "test"}})
    run(cfg, out_dir=tmp_path / "res")
    page = build_report(tmp_path / "res").read_text(encoding="utf-8")
    ds = read_results(tmp_path / "res")
    tt = T.targets_table(ds)
    cap = tt.loc["co2_cap"]
    # 0.6 x + 0.2 (300 - x) <= 90 -> x = 75 MWh coal; shadow price (600 - 300) / (0.6 - 0.2) = 750 CNY/t
    assert cap["status"] == "binding" and cap["achieved"] == pytest.approx(90e-6)
    assert cap["marginal_cost"] == pytest.approx(750) and cap["marginal_cost_unit"] == "CNY/tCO2"
    assert "carbon_peak_2030" not in tt.index  # the cap row is the CO2 row
    assert f"{i18n.label('carbon_shadow_price', 'en')}: 750.00" in page
    assert T.cost_by_component(ds).loc[T.TOTAL, "cost_m_cny"] * 1e6 == pytest.approx(75 * 300 + 225 * 600)
    assert H.esc(i18n.label("no_storage_note", "en")) in page
    assert i18n.label("short_results", "en", n=3) in page


# ----------------------------------------------------------------------------- errors

def _one_line(err: pytest.ExceptionInfo[InputError]) -> str:
    msg = str(err.value)
    assert msg and "\n" not in msg
    return msg


def test_errors_are_one_line(tmp_path: Path, ds: xr.Dataset, results_dir: Path) -> None:
    with pytest.raises(InputError) as e:
        build_report(tmp_path / "nowhere")
    assert "not found" in _one_line(e) and "nowhere" in str(e.value)

    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError) as e:
        report_command(tmp_path / "empty", None, "en")
    assert "results.nc" in _one_line(e)
    assert not (tmp_path / "empty" / "report").exists()

    (tmp_path / "corrupt").mkdir()
    (tmp_path / "corrupt" / "results.nc").write_bytes(b"\x00garbage\xff" * 100)
    with pytest.raises(InputError) as e:
        build_report(tmp_path / "corrupt")
    assert "corrupt" in _one_line(e)

    (tmp_path / "truncated").mkdir()
    good = (results_dir / "results.nc").read_bytes()
    (tmp_path / "truncated" / "results.nc").write_bytes(good[: len(good) // 3])
    with pytest.raises(InputError) as e:
        build_report(tmp_path / "truncated")
    _one_line(e)

    (tmp_path / "schema").mkdir()
    ds.drop_vars(["cost_cny", "storage_soc_mwh"]).to_netcdf(tmp_path / "schema" / "results.nc")
    with pytest.raises(InputError) as e:
        build_report(tmp_path / "schema")
    assert "cost_cny" in _one_line(e)

    with pytest.raises(InputError) as e:
        report_command(tmp_path / "schema", None, "fr")
    assert "fr" in _one_line(e)

    (tmp_path / "year").mkdir()
    ds.assign_attrs(year="abc").to_netcdf(tmp_path / "year" / "results.nc")
    with pytest.raises(InputError) as e:
        build_report(tmp_path / "year")
    assert "'year'" in _one_line(e)

    # --out never replaces a folder that is not a report: the results folder itself, a folder holding
    # it, or one with other content stay as they are
    before = sorted(p.name for p in results_dir.iterdir())
    for target in (results_dir, results_dir.parent):
        with pytest.raises(InputError) as e:
            build_report(results_dir, target)
        assert "choose another --out" in _one_line(e)
    assert sorted(p.name for p in results_dir.iterdir()) == before
    (tmp_path / "precious").mkdir()
    (tmp_path / "precious" / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(InputError) as e:
        build_report(results_dir, tmp_path / "precious")
    assert "not a report folder" in _one_line(e)
    assert (tmp_path / "precious" / "notes.txt").read_text(encoding="utf-8") == "keep me"

    (tmp_path / "a_file").write_text("not a folder", encoding="utf-8")
    with pytest.raises(InputError) as e:  # --out below a file: no folder can be made there
        build_report(results_dir, tmp_path / "a_file" / "sub")
    assert "a_file" in _one_line(e)


# ----------------------------------------------------------------------------- honesty of the page

def test_plan_targets_travel_with_the_results(ds: xr.Dataset, report_en: Path, report_zh: Path) -> None:
    """The run stores the plan entries it used; the report reads them from there, notes included."""
    stored = T.parse_attr(ds, "plan_targets")
    assert stored["import_capacity_2025"]["value"] == 25.0
    tt = T.targets_table(ds)
    assert "a level to reach" in tt.loc["import_capacity_2025", "plan_note"]
    moved = ds.assign_attrs(input_files="{}", plan_targets='{"pv_capacity_2025": {"value": 9.9, "unit": "GW", '
                            '"year": 2025, "sense": ">=", "note": "from the results"}}')
    tt = T.targets_table(moved)  # not re-read from seeds/targets.yaml
    assert tt.loc["pv_capacity_2025", "plan_value"] == 9.9 and tt.loc["pv_capacity_2025", "plan_note"] == \
        "from the results"
    assert "a floor on the corridors" in report_en.read_text(encoding="utf-8")
    assert "各通道容量之和的下限" in report_zh.read_text(encoding="utf-8")


def test_a_flat_price_warns_that_the_dispatch_is_not_unique(ds: xr.Dataset, tmp_path: Path) -> None:
    tbl = T.all_tables(ds)
    key = "is not unique"
    flat = ds.copy()
    flat["marginal_price_cny_per_mwh"] = xr.full_like(ds["marginal_price_cny_per_mwh"], 352.5)
    assert key in H.render(flat, tbl, [], "en", results_dir=tmp_path)
    varying = ds.copy()
    price = np.linspace(100.0, 500.0, ds.sizes["time"])[:, None] * np.ones((1, ds.sizes["zone"]))
    varying["marginal_price_cny_per_mwh"] = (("time", "zone"), price)
    assert key not in H.render(varying, tbl, [], "en", results_dir=tmp_path)


def test_a_result_that_is_not_optimal_says_so_at_the_top(ds: xr.Dataset, tmp_path: Path) -> None:
    tbl = T.all_tables(ds)
    assert "NOT OPTIMAL" not in H.render(ds, tbl, [], "en", results_dir=tmp_path)
    stopped = ds.assign_attrs(optimal="false", solver_status="time_limit", note="NOT OPTIMAL: HiGHS stopped")
    page = H.render(stopped, tbl, [], "en", results_dir=tmp_path)
    assert page.index("NOT OPTIMAL") < page.index("id='sec_headline'") or page.index("NOT OPTIMAL") < page.index(
        'data-table="headline"')


def test_units_at_the_margin_leave_out_weather_followers(ds: xr.Dataset) -> None:
    d = ds.copy(deep=True)
    n = d.sizes["time"]
    wave = 0.5 + 0.4 * np.sin(np.arange(n) / 5.0)
    for g in d["generator"].values.astype(str):
        cap = float(d["capacity_total_mw"].sel(technology=g))
        d["generation_mw"].loc[{"generator": g}] = wave * cap  # every unit moves inside its range
        d["curtailment_mw"].loc[{"generator": g}] = 0.0  # and no PV or wind is curtailed
    units = T.moving_units(d)
    assert "coal_large" in units and "gas_ccgt_new" in units
    assert not set(units) & set(T.variable_renewables(d))  # they follow their weather, not the margin
    d["curtailment_mw"].loc[{"generator": "pv_rooftop"}] = 0.1 * float(d["capacity_total_mw"].sel(
        technology="pv_rooftop"))  # curtailed: now it is held below what it could give
    assert "pv_rooftop" in T.moving_units(d)


def test_zh_page_has_no_english_codes_left(ds: xr.Dataset, report_zh: Path) -> None:
    page = report_zh.read_text(encoding="utf-8")
    for english in ("Mt CO2/yr", "optimizer results", ">optimal<", ": optimal"):
        assert english not in page, english
    kinds = T.localize("energy", T.energy_table(ds), "zh", headers=False)["kind"]
    assert "unserved" not in set(kinds) and "失负荷" in set(kinds)


# ----------------------------------------------------------------------------- browser

def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_report_in_headless_chromium(lang: str, report_en: Path, report_zh: Path, tmp_path: Path) -> None:
    exe = _chromium()
    if exe is None:
        pytest.skip("no chromium binary (CI installs Debian's chromium)")
    report = report_en if lang == "en" else report_zh
    # no network at all: every host name fails to resolve and every request goes to a dead proxy
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=http://127.0.0.1:9",
             "--window-size=1400,4000"]
    url = report.resolve().as_uri()
    shot = tmp_path / "shot.png"
    subprocess.run([exe, *flags, f"--user-data-dir={tmp_path / 'profile1'}", f"--screenshot={shot}", url],
                   check=True, capture_output=True, timeout=120)
    from PIL import Image

    with Image.open(shot) as im:
        assert im.size == (1400, 4000)
        colours = im.convert("RGB").resize((140, 400)).getcolors(maxcolors=100000)
        assert colours is not None and len(colours) > 50  # text, tables and figures, not a blank page
    dom = subprocess.run([exe, *flags, f"--user-data-dir={tmp_path / 'profile2'}", "--dump-dom", url],
                         check=True, capture_output=True, text=True, timeout=120).stdout
    check = r'data-report-check="report-ok n_images=(\d+) loaded=(\d+) errors=(\d+) hscroll=(\d) wide_tables=(\d+)'
    m = re.search(check, dom)
    assert m, "the page's load script did not run"
    n, loaded, errors, hscroll, wide = map(int, m.groups())
    assert n == len(list((report.parent / "figures").glob("*.png"))) and n >= 10
    assert loaded == n and errors == 0
    assert hscroll == 0, "the page scrolls sideways at 1400 px"
    assert wide == 0, "a table scrolls sideways at 1400 px: " + dom[m.end():m.end() + 200]
    if lang == "zh":  # what the browser shows, not only what the file holds
        from test_report_page_one import english_words, visible_text

        found = [(t.strip()[:60], english_words(t)) for t in visible_text(dom) if english_words(t)]
        assert not found, found
    # on paper (A4, about 720 px: report.html?print applies the page's print rules): nothing is cut off
    paper = [*flags[:-1], "--window-size=760,4000", f"--user-data-dir={tmp_path / 'profile3'}", "--dump-dom",
             url + "?print"]
    dom = subprocess.run([exe, *paper], check=True, capture_output=True, text=True, timeout=120).stdout
    m = re.search(check, dom)
    assert m and m.group(4) == "0" and m.group(5) == "0", dom[m.end():m.end() + 200] if m else "no check"
    assert "class=\"print\"" in dom
