"""Page one of the report (the recommended plan), Chinese units and rounding, no English in the Chinese
outputs, and the bundled CJK font.

A tiny case is solved once for the module: coal (existing 100 MW, 0.6 tCO2/MWh) and gas that must be
built (1,000 CNY/kW, 20 years, 0.2 tCO2/MWh) under a CO2 cap of 90 t over three hours of 100 MW load: the
cap binds, gas is built, and the page must say both in words and numbers equal to the results.
"""

from __future__ import annotations

import logging
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest
import xarray as xr

from optimizer.model.capacity import crf
from optimizer.report import build_report, i18n
from optimizer.report import figures as F
from optimizer.report import tables as T
from optimizer.results import read_results
from optimizer.run import run

# ----------------------------------------------------------------------------- the English-word scan

#: ASCII words a Chinese page may show: units, chemical formulas, acronyms are all caps (LNG, UTC, SHA)
ALLOWED = {"MW", "MWh", "kW", "kWh", "GW", "GWh", "TWh", "CO2", "tCO2", "HiGHS", "HiPO"}
_TOKEN = re.compile(r"[A-Za-z0-9_./:\-]+")


def english_words(text: str) -> list[str]:
    """ASCII words of 3+ letters in ``text`` that are neither allowed units nor acronyms nor identifiers
    (a token with '_' or '/' or an inner '.': an id, a config key, a file name)."""
    out = []
    for tok in _TOKEN.findall(text):
        if not re.search(r"[A-Za-z]{3,}", tok) or re.search(r"[_/]|\.\w", tok):
            continue
        out += [w for w in re.findall(r"[A-Za-z]{3,}[A-Za-z0-9]*", tok) if w not in ALLOWED and not w.isupper()]
    return out


class VisibleText(HTMLParser):
    """The text a reader sees: no script or style, and no code (``<code>``, ``<pre>``, class ``code``)."""

    VOID = frozenset({"br", "img", "meta", "link", "input", "hr"})

    def __init__(self) -> None:
        super().__init__()
        self.hidden: list[bool] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.VOID:
            cls = (dict(attrs).get("class") or "").split()
            self.hidden.append(tag in ("script", "style", "code", "pre") or "code" in cls)

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.VOID and self.hidden:
            self.hidden.pop()

    def handle_data(self, data: str) -> None:
        if not any(self.hidden):
            self.text.append(data)


def visible_text(page: str) -> list[str]:
    p = VisibleText()
    p.feed(page)
    return [t for t in p.text if t.strip()]


def workbook_english(path: Path, scenario: str = "") -> list[tuple[str, str, str]]:
    """(sheet, header, text) of each cell with English words; columns marked as codes (代码), the raw
    config (config.yaml, pathway.yaml) and the scenario's own name are codes; headers are always checked."""
    found = []
    for ws in openpyxl.load_workbook(path).worksheets:
        head = [c.value for c in ws[1]]
        for row in ws.iter_rows():
            for c in row:
                if not isinstance(c.value, str):
                    continue
                col = str(head[c.column - 1])
                if "代码" in col or (c.row > 1 and (col.endswith(".yaml") or c.value == scenario)):
                    continue
                if english_words(c.value):
                    found.append((ws.title, col, c.value[:80]))
    return found


def test_the_scan_finds_english() -> None:
    assert english_words("求解状态: optimal") == ["optimal"]
    assert english_words("元/kWh，CO2，LNG，results.nc，cap_gas_min，figures/") == []
    assert english_words("{'total_s': 168.2}") == []  # an id: the scan leaves codes to the markup
    assert visible_text("<p>光伏<code>pv_rooftop</code><span class='small code'>x y z</span></p>") == ["光伏"]


# ----------------------------------------------------------------------------- a tiny case

@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tiny import make_config, write_case

    base = tmp_path_factory.mktemp("page_one")
    coal = {"name": "coal", "kind": "generator", "carrier": "coal", "existing_mw": 100,
            "heat_rate_gce_per_kwh": 300}  # 300 CNY/MWh, 0.6 tCO2/MWh
    gas = {"name": "gas_new", "kind": "generator", "carrier": "gas", "existing_mw": 0, "extendable": "true",
           "capex_cny_per_kw": 1000, "lifetime_yr": 20, "heat_rate_gce_per_kwh": 200}  # 0.2 tCO2/MWh
    data = write_case(base / "case", [coal, gas], [100, 100, 100])
    cfg = make_config(data, base, policy={"share_basis": "electricity",
                                          "co2_cap_t": {"value": 90, "source": "test"}})
    run(cfg, out_dir=base / "res")
    return base / "res"


@pytest.fixture(scope="module")
def tiny_ds(tiny: Path) -> xr.Dataset:
    return read_results(tiny)


@pytest.fixture(scope="module")
def pages(tiny: Path) -> dict[str, Path]:
    return {lang: build_report(tiny, tiny.parent / f"report_{lang}", lang=lang) for lang in ("en", "zh")}


def _card(page: str, key: str) -> str:
    m = re.search(rf"data-item='{key}'><div class='v'>([^<]*)<", page)
    assert m, key
    return m.group(1)


def _num(text: str) -> float:
    return float(text.replace(",", ""))


def test_page_one_figures_equal_the_results(tiny_ds: xr.Dataset, pages: dict[str, Path]) -> None:
    ds = tiny_ds
    new_gas = float(ds["capacity_new_mw"].sel(technology="gas_new"))
    assert new_gas > 1
    invest = new_gas * 1000 * 1e3  # MW x CNY/kW x 1000
    assert T.plan_summary(ds)["investment_cny"] == pytest.approx(invest)
    cost = float(ds["total_cost_cny"])
    load = float((ds["load_mw"].sum("zone") * ds["weight_h"]).sum())
    for lang, page in ((lang, p.read_text(encoding="utf-8")) for lang, p in pages.items()):
        zh = lang == "zh"
        assert page.index("id='sec_plan'") < page.index("id='sec_headline'")  # page one comes first
        assert _num(_card(page, "plan_new_generation")) == pytest.approx(new_gas / 10 if zh else new_gas, abs=0.01)
        assert _num(_card(page, "plan_investment")) == pytest.approx(invest / 1e8 if zh else invest / 1e9, abs=0.01)
        assert _num(_card(page, "plan_annual_cost")) == pytest.approx(cost / 1e8 if zh else cost / 1e9, abs=0.01)
        assert _num(_card(page, "plan_supply_cost")) == pytest.approx(cost / (load * 1e3), abs=5e-4)
        co2 = float(ds["co2_t"])
        assert _num(_card(page, "plan_co2")) == pytest.approx(co2 / 1e4 if zh else co2 / 1e6, abs=0.05)
        # the binding CO2 cap in one sentence, with the carbon shadow price the results give
        m = re.search(r"<li data-policy='co2_cap'>([^<]*)</li>", page)
        assert m, "the binding CO2 cap is not on page one"
        price = float(ds["carbon_shadow_price_cny_per_t"])
        assert f"{price:,.1f}" in m.group(1) and ("碳影子价格" in m.group(1) if zh else "shadow price" in m.group(1))


def test_overnight_investment_is_the_annuity_the_model_paid(tiny_ds: xr.Dataset) -> None:
    """Overnight cost read back from the technology table x CRF = the annualised capex in the results."""
    build = T.plan_build(tiny_ds)
    paid = float(tiny_ds["cost_cny"].sel(component="capex", owner="gas_new"))
    rate = float(T.config(tiny_ds)["economics"]["discount_rate"])
    assert build.loc["gas_new", "investment_cny"] * crf(rate, 20) == pytest.approx(paid, rel=1e-9)
    assert list(build.index) == ["gas_new", T.TOTAL]  # coal builds nothing: not listed


def test_a_missing_technology_table_is_said(tiny_ds: xr.Dataset, tmp_path: Path) -> None:
    moved = tiny_ds.assign_attrs(input_files='{"technologies": "/nowhere/technologies.csv"}', config_yaml="")
    build = T.plan_build(moved)
    assert build.attrs["costs_file"] == "/nowhere/technologies.csv"
    assert build["investment_cny"].isna().all()
    from optimizer.report import html as H

    page = H.render(moved, {**T.all_tables(moved), "plan_build": build}, [], "zh", results_dir=tmp_path)
    assert "技术参数表 /nowhere/technologies.csv 已不存在" in page


def test_by_construction_rows_say_why(tiny_ds: xr.Dataset) -> None:
    assert i18n.by_construction("the capacity that cannot be retired (5,300 MW) already reaches it", "zh") == \
        "不可退役的现有容量（530.00万千瓦）已达到该值"
    assert i18n.by_construction("the technologies counted cannot exceed 14,610 MW (their table limits)", "zh") == \
        "所计技术的装机上限（1,461.00万千瓦）使其必然满足"
    from optimizer.report import html as H

    assert "badge other" in H.badge("by_construction", "zh")  # not a green 达标


def test_zh_outputs_have_no_english(pages: dict[str, Path]) -> None:
    page = pages["zh"].read_text(encoding="utf-8")
    found = [(t.strip()[:80], english_words(t)) for t in visible_text(page) if english_words(t)]
    assert not found, found
    assert i18n.label("report_title", "zh") in page and "调度报告" not in page
    assert "区外受电：省内" not in page
    book = workbook_english(pages["zh"].parent / "report.xlsx", scenario="tiny")
    assert not book, book


def test_workbook_numbers_are_rounded_and_formatted(pages: dict[str, Path], tiny_ds: xr.Dataset) -> None:
    wb = openpyxl.load_workbook(pages["zh"].parent / "report.xlsx")
    ws = wb[i18n.label("sheet_capacity", "zh")]
    head = [c.value for c in ws[1]]
    assert "新建（万千瓦）" in head and "合计（MW）" not in head
    col = head.index("新建（万千瓦）") + 1
    ids = [c.value for c in ws["A"]]
    cell = ws.cell(row=ids.index("gas_new") + 1, column=col)
    assert cell.number_format == "#,##0.00"
    assert cell.value == round(float(tiny_ds["capacity_new_mw"].sel(technology="gas_new")) / 10, 4)
    for row in ws.iter_rows(min_row=2):  # no float noise written: at most 4 decimals in 万千瓦
        for c in row:
            if isinstance(c.value, float):
                assert c.value == round(c.value, 6)


# ----------------------------------------------------------------------------- the bundled CJK font

def test_bundled_font_draws_chinese(caplog: pytest.LogCaptureFixture, tmp_path: Path) -> None:
    """The font that ships with the package is registered at report time and has the report's glyphs,
    so a machine without any CJK font (a pip-only install) still gets Chinese figures."""
    import matplotlib.pyplot as plt

    assert F.BUNDLED_FONT.is_file() and F.BUNDLED_FONT.stat().st_size < 3e6
    assert (F.BUNDLED_FONT.parent / "LICENSE-Apache-2.0.txt").is_file()
    name = F.bundled_font()
    assert name and F.cjk_font() == name and F.figure_lang("zh") == "zh"
    text = "".join(sorted({i18n.label(k, "zh") for k in ("fig_capacity", "fig_energy", "sec_plan", "report_title")}))
    with caplog.at_level(logging.WARNING), plt.rc_context({"font.family": "sans-serif",
                                                           "font.sans-serif": [name]}):
        fig, ax = plt.subplots()
        ax.set_title(text + "万千瓦亿元")
        fig.savefig(tmp_path / "zh.png")
        plt.close(fig)
    assert not [r for r in caplog.records if "missing from" in r.getMessage()]


def test_chinese_report_uses_the_bundled_font_without_a_system_font(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(F, "system_cjk_font", lambda: None)
    assert F.cjk_fonts() == [F.bundled_font()] and F.figure_lang("zh") == "zh"


@pytest.mark.skipif(shutil.which("chromium") is None, reason="no chromium")
def test_page_one_fits_1400_px(pages: dict[str, Path], tmp_path: Path) -> None:
    import subprocess

    for lang, page in pages.items():
        dom = subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1400,3000",
                              f"--user-data-dir={tmp_path / lang}", "--dump-dom", page.resolve().as_uri()],
                             check=True, capture_output=True, text=True, timeout=120).stdout
        assert "hscroll=0" in dom, lang
