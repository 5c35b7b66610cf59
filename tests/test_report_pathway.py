"""The pathway report: tables against pathway.nc and hand-worked numbers, the plan's milestones per
period, HTML, Excel, figures, Chinese, links to the periods' reports, errors and the browser.

One tiny three-period pathway is solved once per module (a few seconds). Each period is three
hours of flat load; coal (100 MW existing, 300 CNY/MWh, 0.6 t/MWh) and gas (extendable, 1 CNY/kW,
30 years, 600 CNY/MWh, 0.2 t/MWh); no discounting, five years per period, no peak constraint.

* 2025, load 100 MW: the plan's coal share ≤ 55 % (electricity basis) and gas "about" 0.05 GW
  (±10 %: 45-55 MW) -> coal 55 MW, gas 45 MW built; CO2 3 h x (55 x 0.6 + 45 x 0.2) = 126 t.
* 2030, load 150 MW, no targets in the period config: coal 100, gas 50 (5 MW more) -> coal share
  2/3, CO2 210 t. The report keeps the 2025 ceiling: coal share NOT met in 2030.
* 2035, load 200 MW: coal 100, gas 100 (50 MW more) -> coal share 1/2, CO2 240 t > 210 t: the carbon
  peak (emissions after 2030 at most 2030's) is NOT met in 2035, hence not in 2030 either.
* Discounted total: 5 x 3 h x (43,500 + 60,000 + 90,000) CNY + gas annuities 1,000 CNY/MW / 30 yr x
  (45 MW x 15 yr + 5 MW x 10 yr + 50 MW x 5 yr) = 2,902,500 + 32,500 = 2,935,000 CNY.
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
import yaml
from test_pathway import COAL, GAS, make_pathway
from test_report import _chromium

from optimizer.errors import InputError
from optimizer.pathway import load_pathway, solve_pathway
from optimizer.report import build_report, i18n, report_command
from optimizer.report import html as H
from optimizer.report import pathway as PR
from optimizer.report import pathway_tables as PT
from optimizer.report import tables as T

REPO = Path(__file__).resolve().parents[1]
YEARS = [2025, 2030, 2035]
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def pathway_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("pathway_report")
    gas = {**GAS, "lifetime_yr": 30}
    path = make_pathway(tmp, {y: [COAL, gas] for y in YEARS},
                        {2025: [100.0] * 3, 2030: [150.0] * 3, 2035: [200.0] * 3},
                        years_per_period=[5, 5, 5], peak_year=None)
    # the plan's own entries (clauses, words), with the gas target scaled to the tiny system
    targets = yaml.safe_load((REPO / "seeds" / "targets.yaml").read_text(encoding="utf-8"))
    targets["gas_capacity_2025"]["value"] = 0.05
    (tmp / "targets.yaml").write_text(yaml.safe_dump(targets, allow_unicode=True, sort_keys=False),
                                      encoding="utf-8")
    for y in YEARS:
        f = tmp / f"tiny_{y}.yaml"
        cfg = yaml.safe_load(f.read_text())
        cfg["inputs"]["targets"] = str(tmp / "targets.yaml")
        if y == 2025:
            cfg["policy"]["coal_share_max"] = {"target": "coal_share_2025"}
            cfg["policy"]["capacity_targets"] = [{"name": "gas", "target": "gas_capacity_2025",
                                                  "technologies": ["gas"], "sense": "==", "tolerance": 0.1}]
        f.write_text(yaml.safe_dump(cfg))
    out = solve_pathway(load_pathway(path), write=True)
    return out.out_dir


@pytest.fixture(scope="module")
def pw(pathway_dir: Path) -> xr.Dataset:
    return PT.load_pathway_results(pathway_dir)


@pytest.fixture(scope="module")
def report_en(pathway_dir: Path) -> Path:
    report_command(pathway_dir, None, "en")  # what `optimizer report <folder>` runs
    return pathway_dir / "report" / "report.html"


@pytest.fixture(scope="module")
def report_zh(pathway_dir: Path, report_en: Path) -> Path:
    # the period reports are there already (report_en): link them without rebuilding
    return PR.build_pathway_report(pathway_dir, pathway_dir / "report_zh", "zh", period_reports=False)


@pytest.fixture(scope="module")
def tbl(pathway_dir: Path, pw: xr.Dataset) -> dict[str, pd.DataFrame]:
    return PT.all_tables(pw, PT._periods(pw, pathway_dir), pathway_dir / "report")


# ----------------------------------------------------------------------------- tables

def test_tables_equal_pathway_nc(tbl: dict[str, pd.DataFrame], pw: xr.Dataset) -> None:
    cols = [str(y) for y in YEARS]
    cap = tbl["capacity"]
    for k in ("coal", "gas"):
        np.testing.assert_allclose(cap.loc[k, cols].to_numpy(float), pw["capacity_total_mw"].sel(technology=k).values)
    assert cap.loc["gas", cols].tolist() == pytest.approx([45, 50, 100], abs=1e-6)
    assert cap.loc[T.TOTAL, cols].tolist() == pytest.approx([145, 150, 200], abs=1e-6)
    assert tbl["built"].loc["gas", cols].tolist() == pytest.approx([45, 5, 50], abs=1e-6)
    assert tbl["built"].loc["coal", cols].tolist() == pytest.approx([0, 0, 0], abs=1e-9)
    assert list(tbl["retired"].index) == [T.TOTAL]  # nothing retires early
    em = tbl["emissions"]
    assert em.loc[T.TOTAL, cols].to_numpy(float) * 1e6 == pytest.approx([126, 210, 240])
    np.testing.assert_allclose(em.loc[T.TOTAL, cols].to_numpy(float), pw["co2_t"].values * 1e-6)
    assert em.drop(index=T.TOTAL).sum().to_numpy(float) == pytest.approx(em.loc[T.TOTAL, cols].to_numpy(float))
    en = tbl["energy"]  # GWh/yr: 3 h x MW
    assert en.loc["coal", cols].to_numpy(float) * 1e3 == pytest.approx([165, 300, 300])
    assert en.loc[T.TOTAL, cols].to_numpy(float) * 1e3 == pytest.approx([300, 450, 600])
    mix = tbl["mix"]
    assert mix.loc["coal", cols].tolist() == pytest.approx([55, 200 / 3, 50])
    assert mix.loc[T.TOTAL, cols].tolist() == pytest.approx([100, 100, 100])
    traj = tbl["trajectory"]
    assert traj["coal_share_pct"].tolist() == pytest.approx([55, 200 / 3, 50])
    assert traj["co2_mt"].to_numpy() * 1e6 == pytest.approx([126, 210, 240])
    assert traj["years_represented"].tolist() == [5, 5, 5]
    assert traj["nonfossil_share_pct"].tolist() == pytest.approx([0, 0, 0], abs=1e-9)


def test_cost_tables_add_up(tbl: dict[str, pd.DataFrame], pw: xr.Dataset) -> None:
    cols = [str(y) for y in YEARS]
    cost = tbl["cost"]
    assert cost.loc[T.TOTAL, cols].to_numpy(float) * 1e6 == pytest.approx(pw["total_cost_cny"].values)
    assert cost.loc[T.TOTAL, cols].to_numpy(float) * 1e6 == pytest.approx([130_500, 180_000, 270_000])
    assert cost.loc["fuel", cols].to_numpy(float) * 1e6 == pytest.approx([130_500, 180_000, 270_000])
    assert cost.drop(index=T.TOTAL).sum().to_numpy(float) == pytest.approx(cost.loc[T.TOTAL, cols].to_numpy(float))
    d = tbl["discounted"]
    assert d.loc[cols, "discounted_cost_bn_cny"].to_numpy(float) * 1e9 == pytest.approx(
        [5 * 130_500, 5 * 180_000, 5 * 270_000])
    assert d.loc["investment_stranded", "discounted_cost_bn_cny"] * 1e9 == pytest.approx(32_500)
    assert d.loc[T.TOTAL, "discounted_cost_bn_cny"] * 1e9 == pytest.approx(2_935_000)
    assert d.loc[T.TOTAL, "discounted_cost_bn_cny"] * 1e9 == pytest.approx(pw.attrs["discounted_total_cost_cny"])
    assert d.drop(index=T.TOTAL)["discounted_cost_bn_cny"].sum() == pytest.approx(
        d.loc[T.TOTAL, "discounted_cost_bn_cny"])
    assert d.loc[T.TOTAL, "years_represented"] == 15


# ----------------------------------------------------------------------------- milestones

def _ms(tbl: dict[str, pd.DataFrame], stem: str) -> pd.DataFrame:
    return tbl["milestones"][tbl["milestones"]["milestone"] == stem].set_index("period")


def test_milestones_per_period(tbl: dict[str, pd.DataFrame]) -> None:
    gas = _ms(tbl, "gas_capacity")
    assert gas["status"].tolist() == ["met", "met", "met"]
    assert (gas.loc[2025, "lower"], gas.loc[2025, "upper"]) == pytest.approx((0.045, 0.055))
    assert gas.loc[2025, "achieved"] == pytest.approx(0.045)
    # later: the 'about' target is a floor at the band's lower edge
    assert gas.loc[2030, "basis"] == "basis_floor_kept" and gas.loc[2030, "lower"] == pytest.approx(0.045)
    assert np.isnan(gas.loc[2030, "upper"])
    coal = _ms(tbl, "coal_share")
    assert coal["status"].tolist() == ["met", "not_met", "met"]  # the 2025 ceiling is kept
    assert coal["upper"].tolist() == pytest.approx([55, 55, 55])
    assert coal.loc[2030, "achieved"] == pytest.approx(200 / 3)
    assert coal["basis"].tolist() == ["basis_target_year", "basis_ceiling_kept", "basis_ceiling_kept"]
    # 2025: the 13 % floor; 2030 on: 持续提升, at least the period before and the 2025 floor
    nf = _ms(tbl, "nonfossil_share")
    assert nf["target_id"].tolist() == ["nonfossil_share_2025", "nonfossil_share_2030", "nonfossil_share_2030"]
    assert nf["status"].tolist() == ["not_met"] * 3 and nf["lower"].tolist() == pytest.approx([13, 13, 13])
    assert nf["basis"].tolist() == ["basis_target_year", "basis_trend", "basis_trend"]
    clean = _ms(tbl, "clean_electricity_share")  # no number: the trend alone, from the second period
    assert clean["status"].tolist() == ["not_applicable", "met", "met"]
    peak = _ms(tbl, "carbon_peak")
    assert peak["status"].tolist() == ["not_applicable", "not_met", "not_met"]
    assert peak.loc[2035, "upper"] * 1e6 == pytest.approx(210)  # the 2030 level
    assert peak.loc[2035, "achieved"] * 1e6 == pytest.approx(240)
    # PV has no technologies in this case's configs: not judged rather than passed
    pv = _ms(tbl, "pv_capacity")
    assert set(pv["status"]) == {"not_evaluated"} and set(pv["basis"]) == {"basis_no_group"}
    assert pv["plan_value"].tolist() == pytest.approx([4.6] * 3)
    assert _ms(tbl, "no_new_captive_coal")["status"].tolist() == ["not_evaluated"] * 3  # no capacity target here
    sh = tbl["shares"]
    assert sh["coal_share_status"].tolist() == ["met", "not_met", "met"]
    assert sh["coal_limit_pct"].tolist() == pytest.approx([55] * 3)
    assert sh["nonfossil_floor_pct"].tolist() == pytest.approx([13] * 3)


def test_peak_rule_met_and_unjudgeable(pw: xr.Dataset) -> None:
    targets = PT.plan_targets([])  # the repository's seeds/targets.yaml
    meta = PT.tech_meta(pw, [])
    lower = pw.copy(deep=True)
    # the peak is judged on city-wide CO2 (here the same as the power sector's: no fuel outside it)
    assert PT._co2_var(lower) == "co2_city_t"
    lower["co2_city_t"].loc[{"period": 2035}] = 200.0  # below 2030's 210 t
    peak = PT.milestones_table(lower, targets, {}, meta).query("milestone == 'carbon_peak'").set_index("period")
    assert peak["status"].tolist() == ["not_applicable", "met", "met"]
    assert PT.peak_period(lower) == (2030, False)
    flat = pw.copy(deep=True)
    flat["co2_city_t"].values[:] = 210.0
    assert PT.peak_period(flat) == (2025, True)  # highest from 2025 on: a plateau
    # ending in 2030, nothing shows whether emissions peaked
    short = pw.isel(period=[0, 1])
    peak = PT.milestones_table(short, targets, {}, meta).query("milestone == 'carbon_peak'").set_index("period")
    assert peak["status"].tolist() == ["not_applicable", "not_evaluated"]
    assert peak.loc[2030, "basis"] == "basis_peak_no_later"
    # the real plan's gas target without its period configs: plan value 6.5 GW, technologies unknown
    gas = PT.milestones_table(pw, targets, {}, meta).query("milestone == 'gas_capacity'")
    assert gas["plan_value"].tolist() == pytest.approx([6.5] * 3) and set(gas["status"]) == {"not_evaluated"}


def test_peak_judged_against_every_later_period(pw: xr.Dataset) -> None:
    # periods 2030, 2035, 2040: 2035 below the 2030 level, 2040 above it -> the peak does not hold
    ds = pw.assign_coords(period=[2030, 2035, 2040])
    ds["co2_city_t"].values[:] = [126.0, 100.0, 240.0]
    peak = PT.milestones_table(ds, PT.plan_targets([]), {}, PT.tech_meta(ds, [])).query(
        "milestone == 'carbon_peak'").set_index("period")
    assert peak["status"].tolist() == ["not_met", "met", "not_met"]
    assert peak["upper"].tolist() == pytest.approx([126e-6] * 3)


def test_discounted_split_with_myopic_capex(pathway_dir: Path, pw: xr.Dataset) -> None:
    """Myopic: each period's results carry the annuity of its own builds as capex; the split still
    gives the investment annuities over the years each build lives (same builds as perfect here)."""
    pathway = load_pathway(pathway_dir.parent / "pathway.yaml")
    settings = pathway.config.pathway.model_copy(update={"foresight": "myopic"})
    pathway.config = pathway.config.model_copy(update={"pathway": settings})
    my = solve_pathway(pathway, write=False).dataset
    assert my["cost_cny"].sel(component="capex").values == pytest.approx(np.array([45, 5, 50]) * 1000 / 30)
    d = PT.discounted_table(my)
    assert d.loc["investment_stranded", "discounted_cost_bn_cny"] * 1e9 == pytest.approx(32_500)
    assert d.loc[T.TOTAL, "discounted_cost_bn_cny"] * 1e9 == pytest.approx(2_935_000)
    np.testing.assert_allclose(d.loc[[str(y) for y in YEARS], "annual_operating_cost_bn_cny"].to_numpy(float),
                               PT.discounted_table(pw).loc[[str(y) for y in YEARS],
                                                           "annual_operating_cost_bn_cny"].to_numpy(float))


def test_technology_kinds(pathway_dir: Path, pw: xr.Dataset) -> None:
    periods = PT._periods(pw, pathway_dir)
    assert PT.tech_meta(pw, periods).to_dict("index") == {"coal": {"kind": "generator", "carrier": "coal"},
                                                          "gas": {"kind": "generator", "carrier": "gas"}}
    # pathway.nc carries kind and carrier itself, so no period folder is needed
    assert PT.tech_meta(pw, []).to_dict("index") == PT.tech_meta(pw, periods).to_dict("index")
    # pathway.nc's own coordinates win: a storage is left out of the generation total
    own = pw.assign_coords(kind=("technology", ["generator", "storage"]), carrier=("technology", ["coal", "x"]))
    meta = PT.tech_meta(own, periods)
    assert meta.loc["gas", "kind"] == "storage"
    en = PT.energy_table(own, meta)
    assert list(en.index) == ["coal", T.TOTAL, "gas"]
    assert en.loc[T.TOTAL, "2035"] * 1e3 == pytest.approx(300)


def test_exact_target_stays_exact_later(pw: xr.Dataset) -> None:
    meta = PT.tech_meta(pw, [])
    targets = {"gas_capacity_2025": {"value": 0.045, "unit": "GW", "year": 2025, "sense": "=="}}
    groups = {"gas_capacity_2025": {"technologies": ["gas"], "tolerance": 0.0}}
    ms = PT.milestones_table(pw, targets, groups, meta).set_index("period")
    assert ms["status"].tolist() == ["met", "not_met", "not_met"]  # 45 MW exactly, then 50 and 100
    assert ms["basis"].tolist() == ["basis_target_year", "basis_exact_kept", "basis_exact_kept"]


# ----------------------------------------------------------------------------- files, HTML, links

FIGS = {"milestones", "capacity", "generation", "emissions", "shares", "cost"}


def _links(page: str) -> list[str]:
    return re.findall(r"""href=['"]([^'"]*)""", page)


def test_report_files(report_en: Path, pathway_dir: Path) -> None:
    out = report_en.parent
    assert report_en.is_file() and (out / "report.xlsx").stat().st_size > 0
    pngs = {p.stem: p for p in (out / "figures").glob("*.png")}
    assert set(pngs) == FIGS
    for p in pngs.values():
        assert p.read_bytes()[:8] == PNG and p.stat().st_size > 5000, p
    assert not [p for p in pathway_dir.iterdir() if p.name.startswith(".report")]  # temp folder renamed away


def test_html_sections_numbers_and_no_urls(report_en: Path, pw: xr.Dataset) -> None:
    page = report_en.read_text(encoding="utf-8")
    assert "http://" not in page and "https://" not in page
    assert "<link" not in page and "@import" not in page and "url(" not in page
    srcs = re.findall(r"""src=['"]([^'"]*)""", page)
    assert len(srcs) == len(FIGS) and all(s.startswith("data:image/png;base64,") for s in srcs)
    for sec in PR.SECTIONS:
        assert f"id='{sec}'" in page and H.esc(i18n.label(sec, "en")) in page
    # the milestone cells carry the statuses worked out by hand
    row = re.search(r'<tr data-milestone="coal_share">.*?</tr>', page).group(0)
    assert re.findall(r'data-period="(\d+)" data-status="(\w+)"', row) == [
        ("2025", "met"), ("2030", "not_met"), ("2035", "met")]
    row = re.search(r'<tr data-milestone="carbon_peak">.*?</tr>', page).group(0)
    assert "顺利实现 2030 年前碳达峰目标" in row and 'data-status="not_met"' in row
    # capacity table: 2035 gas and the total
    cap = re.search(r'<table data-table="pw_capacity">.*?</table>', page).group(0)
    assert re.search(r'<td class="code">gas</td><td class="name">gas</td><td class="num">45</td>'
                     r'<td class="num">50</td><td class="num">100</td>', cap)
    assert '<td class="num">200</td></tr>' in cap
    # page one: what each period builds (MW) and the periods' shares, through the annual report's tables
    plan = re.search(r'<table data-table="pw_plan">.*?</table>', page).group(0)
    assert re.findall(r'<tr><td class="name">(\d{4})</td><td class="num">([\d.]+)</td>', plan) == [
        ("2025", "45"), ("2030", "5"), ("2035", "50")]
    assert i18n.label("pw_model_no_peak", "en") in page
    assert i18n.label("pw_peak_marker", "en", year=2035) in page


def test_period_reports_built_and_linked(report_en: Path, pathway_dir: Path) -> None:
    page = report_en.read_text(encoding="utf-8")
    links = [h for h in _links(page) if not h.startswith("#")]
    assert links == [f"../period_{y}/report/report.html" for y in YEARS]
    for y, href in zip(YEARS, links, strict=True):
        target = (report_en.parent / href).resolve()
        assert target.is_file() and target == (pathway_dir / f"period_{y}" / "report" / "report.html").resolve()
        single = target.read_text(encoding="utf-8")
        assert f"tiny_{y}" in single and "data-report-check" in single  # a single-year report of that period
        assert (target.parent / "report.xlsx").is_file()


def test_excel_reads_back(report_en: Path, pw: xr.Dataset) -> None:
    book = pd.read_excel(report_en.parent / "report.xlsx", sheet_name=None)
    L = lambda k: i18n.label(k, "en")  # noqa: E731
    assert {L(f"pw_sheet_{n}") for n in PR.SHEETS} | {"metadata", "config"} == set(book)
    cap = book[L("pw_sheet_capacity")].set_index(L("id"))
    for y in YEARS:
        np.testing.assert_allclose(cap.loc[["coal", "gas"], f"{y} (MW)"].to_numpy(float),
                                   pw["capacity_total_mw"].sel(period=y).values)
    # cells hold the value rounded two digits beyond those shown (emissions: 3 decimals of Mt), noise as 0
    em = book[L("pw_sheet_emissions")].set_index(L("id"))
    assert [em.loc["total", f"{y} (Mt CO2/yr)"] for y in YEARS] == [0.0, 0.0, 0.0]  # 126-240 t: below 0.0005 Mt
    en = book[L("pw_sheet_energy")].set_index(L("id"))
    assert [en.loc["total", f"{y} (GWh/yr)"] for y in YEARS] == pytest.approx(
        [round(v * 1e-3, 3) for v in pw["energy_mwh"].sum("technology").values])
    disc = book[L("pw_sheet_discounted")].set_index(L("item"))
    assert disc.loc[L("total"), L("years_represented")] == 15
    ms = book[L("pw_sheet_milestones")]
    coal = ms[ms[L("milestone")] == "coal_share"]
    assert coal[L("status")].tolist() == [L("met"), L("not_met"), L("met")]
    assert coal[L("achieved")].tolist() == [55, round(200 / 3, 4), 50]
    per = book[L("pw_sheet_periods")]
    assert per[L("report")].tolist() == [f"../period_{y}/report/report.html" for y in YEARS]
    assert "peak_year" in "".join(book["config"]["pathway.yaml"].astype(str))


def test_chinese_report(report_zh: Path) -> None:
    page = report_zh.read_text(encoding="utf-8")
    assert "lang='zh-CN'" in page
    for word in ("碳达峰", "煤炭占能源消费总量比重", "非化石能源消费比重", "天然气装机", "达标", "未达标", "尚未适用",
                 "沿用2025年上限", "折现总成本"):
        assert word in page, word
    for sec in PR.SECTIONS:
        assert H.esc(i18n.label(sec, "zh")) in page and H.esc(i18n.label(sec, "en")) not in page
    assert "Installed capacity" not in page and "NOT MET" not in page
    # the period reports are linked from the other folder too (relative to report_zh/)
    links = [h for h in _links(page) if not h.startswith("#")]
    assert links == [f"../period_{y}/report/report.html" for y in YEARS]
    assert all((report_zh.parent / h).is_file() for h in links)
    book = pd.read_excel(report_zh.parent / "report.xlsx", sheet_name=None)
    assert "装机容量" in book and "2030（万千瓦）" in book["装机容量"].columns  # the plan's units
    assert book["装机容量"].set_index("代码").loc["gas", "2035（万千瓦）"] == 10  # 100 MW
    for name, df in book.items():
        assert len(set(df.columns)) == len(df.columns), name  # translated headers stay distinct


def test_without_period_results(pathway_dir: Path, tmp_path: Path) -> None:
    """pathway.nc alone (and one stale period folder): the report still says what it can."""
    folder = tmp_path / "copy"
    folder.mkdir()
    shutil.copy(pathway_dir / "pathway.nc", folder / "pathway.nc")
    shutil.copytree(pathway_dir / "period_2030", folder / "period_2025", ignore=shutil.ignore_patterns("report*"))
    page = build_report(folder).read_text(encoding="utf-8")
    assert all(h.startswith("#") for h in _links(page))  # no period report to link
    assert not (folder / "period_2025" / "report").exists()  # a stale folder gets no report
    assert i18n.label("results_stale", "en") in page and i18n.label("results_missing", "en") in page
    assert i18n.label("pw_kinds_unknown", "en") not in page  # pathway.nc carries kind and carrier
    ms = pd.read_excel(folder / "report" / "report.xlsx", sheet_name=i18n.label("pw_sheet_milestones", "en"))
    L = lambda k: i18n.label(k, "en")  # noqa: E731
    gas = ms[ms[L("milestone")] == "gas_capacity"]
    assert gas[L("plan_value")].tolist() == pytest.approx([6.5] * 3)  # the repository's plan, not the case's
    assert set(gas[L("status")]) == {L("not_evaluated")}
    coal = ms[ms[L("milestone")] == "coal_share"]
    assert coal[L("status")].tolist() == [L("met"), L("not_met"), L("met")]  # from pathway.nc alone


# ----------------------------------------------------------------------------- errors

def _one_line(err: pytest.ExceptionInfo[InputError]) -> str:
    msg = str(err.value)
    assert msg and "\n" not in msg
    return msg


def test_errors_are_one_line(tmp_path: Path, pathway_dir: Path, pw: xr.Dataset) -> None:
    with pytest.raises(InputError) as e:
        PR.build_pathway_report(tmp_path / "nowhere")
    assert "not found" in _one_line(e)

    (tmp_path / "no_nc" / "period_2025").mkdir(parents=True)  # period folders but no pathway.nc
    with pytest.raises(InputError) as e:
        report_command(tmp_path / "no_nc", None, "en")
    assert "no pathway.nc" in _one_line(e)

    (tmp_path / "corrupt").mkdir()
    (tmp_path / "corrupt" / "pathway.nc").write_bytes(b"\x00garbage\xff" * 100)
    with pytest.raises(InputError) as e:
        build_report(tmp_path / "corrupt")
    assert "corrupt" in _one_line(e) and "pathway.nc" in str(e.value)
    assert not (tmp_path / "corrupt" / "report").exists()

    (tmp_path / "truncated").mkdir()
    good = (pathway_dir / "pathway.nc").read_bytes()
    (tmp_path / "truncated" / "pathway.nc").write_bytes(good[: len(good) // 3])
    with pytest.raises(InputError) as e:
        build_report(tmp_path / "truncated")
    _one_line(e)

    (tmp_path / "schema").mkdir()
    pw.drop_vars(["capacity_total_mw", "co2_t"]).to_netcdf(tmp_path / "schema" / "pathway.nc")
    with pytest.raises(InputError) as e:
        build_report(tmp_path / "schema" / "pathway.nc")  # the file itself works too
    assert "capacity_total_mw" in _one_line(e)

    with pytest.raises(InputError) as e:
        build_report(pathway_dir, tmp_path / "x", lang="fr")
    assert "fr" in _one_line(e)
    assert PT.is_pathway(pathway_dir) and not PT.is_pathway(pathway_dir / "period_2025")


def test_cli_corrupt_pathway_exit_code(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from optimizer.cli import app

    (tmp_path / "pathway.nc").write_text("not netcdf")
    root, opt = logging.getLogger(), logging.getLogger("optimizer")
    saved = (root.handlers[:], root.level, opt.level)
    try:
        res = CliRunner().invoke(app, ["report", str(tmp_path)])
    finally:  # the CLI reconfigures logging onto the runner's stderr; put it back
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        opt.setLevel(saved[2])
    assert res.exit_code == 2
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and "pathway.nc cannot be read" in lines[0]
    assert not (tmp_path / "report").exists()


# ----------------------------------------------------------------------------- browser

@pytest.mark.parametrize("lang", ["en", "zh"])
def test_pathway_report_in_headless_chromium(lang: str, report_en: Path, report_zh: Path, tmp_path: Path) -> None:
    exe = _chromium()
    if exe is None:
        pytest.skip("no chromium binary (CI installs Debian's chromium)")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=http://127.0.0.1:9",
             "--window-size=1400,3000"]
    url = (report_en if lang == "en" else report_zh).resolve().as_uri()
    dom = subprocess.run([exe, *flags, f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", url],
                         check=True, capture_output=True, text=True, timeout=120).stdout
    check = r'data-report-check="report-ok n_images=(\d+) loaded=(\d+) errors=(\d+) hscroll=(\d) wide_tables=(\d+)'
    m = re.search(check, dom)
    assert m, "the page's load script did not run"
    n, loaded, errors, hscroll, wide = map(int, m.groups())
    assert n == len(FIGS) and loaded == n and errors == 0
    assert hscroll == 0, "the page scrolls sideways at 1400 px"
    assert wide == 0, "a table scrolls sideways at 1400 px: " + dom[m.end():m.end() + 200]
    # on paper (report.html?print applies the print rules at about the width of A4)
    paper = [*flags[:-1], "--window-size=760,3000", f"--user-data-dir={tmp_path / 'profile2'}", "--dump-dom",
             url + "?print"]
    dom = subprocess.run([exe, *paper], check=True, capture_output=True, text=True, timeout=120).stdout
    m = re.search(check, dom)
    assert m and m.group(4) == "0" and m.group(5) == "0", dom[m.end():m.end() + 200] if m else "no check"


def test_chinese_pathway_report_has_no_english(report_zh: Path) -> None:
    """The zh page and workbook in words and the plan's units: the annual report's scan, on the pathway's."""
    from test_report_page_one import english_words, visible_text, workbook_english

    page = report_zh.read_text(encoding="utf-8")
    found = [(t.strip()[:80], english_words(t)) for t in visible_text(page) if english_words(t)]
    assert not found, found
    assert "十亿元" not in page and "百万吨" not in page  # 亿元, 万吨 (the plan's units)
    book = workbook_english(report_zh.parent / "report.xlsx", scenario="tiny_pathway")
    assert not book, book
