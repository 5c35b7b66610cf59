"""The sensitivity section: a one-at-a-time sweep (``optimizer sweep --one-at-a-time``) read by the report.

The tiny case of tests/conftest.py: load 50, 80, 60 MW; coal 100 MW at 1000 CNY/tce x 0.3 tce/MWh = 300 CNY/MWh
(0.6 tCO2/MWh); PV at 100 CNY per MW-year with capacity factors 0, 1, 0.5. Each MW of PV up to 80 saves 1.5 MWh
of coal, and up to 120 MW it still saves 0.5 MWh (hour 2), worth 0.5 x 300 = 150 > 100 CNY: 120 MW are built,
coal gives the 50 MWh of hour 0. Cost 120 x 100 + 50 x 300 = 27,000 CNY; CO2 50 x 0.6 = 30 t.

* coal at 1200 CNY/tce (360 CNY/MWh): the same plan, 12,000 + 50 x 360 = 30,000 (+11.11 %);
* coal at 600 CNY/tce (180 CNY/MWh): the band 80-120 MW saves 0.5 x 180 = 90 < 100 CNY, so only 80 MW of PV;
  coal gives 50 + 20 MWh: 8,000 + 70 x 180 = 20,600 (-23.70 %), PV -40 MW, CO2 +12 t.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_cli import _restore_logging, assert_one_line_error, invoke  # noqa: F401  (autouse fixture: logging)
from test_report_page_one import english_words, visible_text

from optimizer.report import tables as T
from optimizer.report.__init__ import load_sensitivity
from optimizer.results import read_results

KEY = "carriers.coal.fuel_price_cny_per_tce"


@pytest.fixture
def studied(tiny_case, tmp_path: Path) -> tuple[Path, Path]:
    cfg = tiny_case.write_config()
    res = invoke("run", cfg, "--out", tmp_path / "res", "-q")
    assert res.exit_code == 0, res.stderr
    res = invoke("sweep", cfg, "--one-at-a-time", "--vary", f"{KEY}=600,1200", "--out", tmp_path / "sens", "-q")
    assert res.exit_code == 0, res.stderr
    return tmp_path / "res", tmp_path / "sens"


def test_the_sensitivity_table_is_worked_out_by_hand(studied: tuple[Path, Path]) -> None:
    res, sens = studied
    table = T.sensitivity_table(load_sensitivity(sens), read_results(res))
    assert list(table.index) == [f"{KEY}=600", f"{KEY}=1200"]
    assert table.attrs["base"]["total_cost_bn_cny"] * 1e9 == pytest.approx(27_000)
    assert not table.attrs["base_differs"]
    expected = [(20_600 / 27_000 - 1) * 100, (30_000 / 27_000 - 1) * 100]
    assert table["cost_change_pct"].tolist() == pytest.approx(expected)
    assert table["co2_change_mt"].tolist() == pytest.approx([12e-6, 0.0], abs=1e-9)
    assert table["d_pv_mw"].tolist() == pytest.approx([-40, 0], abs=1e-6)
    assert "d_coal_mw" not in table  # only groups whose capacity moves


def test_the_report_shows_the_sensitivity_in_both_languages(studied: tuple[Path, Path], tmp_path: Path) -> None:
    res, sens = studied
    for lang, title in (("en", "Sensitivity to the estimated inputs"), ("zh", "敏感性分析")):
        r = invoke("report", res, "--out", tmp_path / f"rep_{lang}", "--lang", lang, "--sensitivity", sens)
        assert r.exit_code == 0, r.stderr
        page = (tmp_path / f"rep_{lang}" / "report.html").read_text(encoding="utf-8")
        assert title in page and 'data-table="sensitivity"' in page
        assert (tmp_path / f"rep_{lang}" / "figures" / "sensitivity.png").exists()
        if lang == "zh":
            assert "电煤价格" in page and "-23.70" in page
            found = [(t.strip()[:60], w) for t in visible_text(page) if (w := english_words(t))]
            assert not found, found


def test_a_folder_that_is_no_sensitivity_sweep_is_one_line(studied: tuple[Path, Path], tiny_case,
                                                          tmp_path: Path) -> None:
    res, _ = studied
    r = invoke("report", res, "--out", tmp_path / "rep", "--sensitivity", tmp_path / "nowhere")
    assert_one_line_error(r.exit_code, r.stdout, r.stderr, 2, "--sensitivity", "no frontier.nc")
    grid = invoke("sweep", tiny_case.write_config(), "--vary", f"{KEY}=600,1200", "--out", tmp_path / "grid", "-q")
    assert grid.exit_code == 0, grid.stderr
    r = invoke("report", res, "--out", tmp_path / "rep", "--sensitivity", tmp_path / "grid")
    assert_one_line_error(r.exit_code, r.stdout, r.stderr, 2, "--sensitivity", "not a one-at-a-time sweep")
    assert not (tmp_path / "rep").exists()
