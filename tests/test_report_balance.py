"""The report's power balance (电力平衡: firm capacity, the highest and the lowest load), on the tiny case worked out
in tests/test_api.py: coal 100 MW, PV built to 120 MW with a profile of 0, 1, 0.5 and load 50, 80, 60 MW."""

from __future__ import annotations

import pytest

import optimizer
from optimizer.report.html import render
from optimizer.report.tables import all_tables, firm_balance_table, power_balance_table


def test_power_balance_at_the_peak_and_the_lowest_load(tiny_case):
    ds = optimizer.Case.from_yaml(tiny_case.config_path).solve()
    bal = power_balance_table(ds)
    # the peak is hour 1 (80 MW): coal 100 available and idle, PV 120 available giving 80
    assert bal.at["coal", "peak_available_mw"] == pytest.approx(100.0)
    assert bal.at["pv", "peak_available_mw"] == pytest.approx(120.0)
    assert bal.at["pv", "peak_output_mw"] == pytest.approx(80.0)
    assert bal.at["load", "peak_available_mw"] == pytest.approx(80.0)
    assert bal.at["surplus", "peak_available_mw"] == pytest.approx(100 + 120 - 80)
    # the lowest load is hour 0 (50 MW): no sun, coal gives it all
    assert bal.at["coal", "valley_output_mw"] == pytest.approx(50.0)
    assert bal.at["pv", "valley_available_mw"] == pytest.approx(0.0)
    assert bal.at["surplus", "valley_available_mw"] == pytest.approx(100 - 50)
    assert bal.attrs["steps"] == {"peak": "2025-01-01 01:00", "valley": "2025-01-01 00:00"}
    html = render(ds, all_tables(ds), [], "zh", results_dir=tiny_case.folder)
    assert "高峰与低谷时刻电力平衡" in html and "电力盈余（+）/缺额（−）" in html


def test_firm_capacity_against_the_peak_and_its_margin(tiny_case):
    # Coal counts 90 % (90 MW firm of 100), PV nothing (no credit). Peak 80 MW with a 10 % margin: 88 MW
    # required, 90 firm, surplus 2.
    cfg = tiny_case.write_config({"policy.reserve_margin": 0.1,
                                  "technologies": {"coal": {"firm_capacity_credit": 0.9}}}, name="firm.yaml")
    ds = optimizer.Case.from_yaml(cfg).solve()
    fb = firm_balance_table(ds)
    assert fb.at["coal", "firm_mw"] == pytest.approx(90.0)
    assert fb.at["coal", "firm_credit_pct"] == pytest.approx(90.0)
    assert fb.at["pv", "firm_mw"] == pytest.approx(0.0)
    assert fb.at["peak_load", "firm_mw"] == pytest.approx(80.0)
    assert fb.at["reserve_required", "firm_mw"] == pytest.approx(88.0)
    assert fb.at["firm_total", "firm_mw"] == pytest.approx(90.0)
    assert fb.at["firm_surplus", "firm_mw"] == pytest.approx(2.0)
    assert fb.attrs["margin_pct"] == pytest.approx(10.0)
    html = render(ds, all_tables(ds), [], "zh", results_dir=tiny_case.folder)
    assert "电力平衡（可信容量口径）" in html and "最高负荷加备用" in html


def test_names_and_colours_come_from_the_technology_table(tmp_path):
    # a technology the report has no words for gets them from its table row, in both languages and in the figures
    from optimizer.report import figures as F
    from optimizer.report import tables as T
    from optimizer.run import run
    from tiny import make_config, write_case

    coal = {"name": "coal_x", "kind": "generator", "carrier": "coal", "existing_mw": 100, "heat_rate_gce_per_kwh": 300,
            "name_en": "Coal, unit X", "name_zh": "煤电X厂", "color": "123456"}
    ds = run(make_config(write_case(tmp_path / "case", [coal], [50, 80]), tmp_path), write=False).dataset
    assert T.tech_label(ds, "coal_x", "zh") == "煤电X厂" and T.tech_label(ds, "coal_x", "en") == "Coal, unit X"
    assert F.color(ds, "coal_x") == "#123456"
    shown = T.localize("capacity", all_tables(ds)["capacity"], "zh")
    assert "煤电X厂" in shown.iloc[:, 1].tolist()


def test_a_colour_that_is_not_rrggbb_is_one_line(tmp_path):
    from optimizer.errors import InputError
    from optimizer.inputs import load_inputs
    from tiny import make_config, write_case

    coal = {"name": "coal", "kind": "generator", "carrier": "coal", "existing_mw": 100, "color": "dark grey"}
    with pytest.raises(InputError, match=r"technologies\.csv: coal\.color: colour 'dark grey' is not six hex digits"):
        load_inputs(make_config(write_case(tmp_path / "case", [coal], [50]), tmp_path))


def test_month_columns_in_the_plans_units() -> None:
    """A month column of the gas and corridor tables: 亿立方米 / 亿千瓦时 with two decimals in Chinese (it showed
    one, the English rule), its unit in the English header."""
    from optimizer.report import tables as T
    from optimizer.report import units as U

    assert U.decimals("m01", "zh", "gas_months") == 2 and U.decimals("m01", "en", "gas_months") == 1
    assert U.zh_column("gas_months", "m12") == (1e-2, 2, "12月（亿立方米）")
    assert T.header_label("gas_months", "m01", "en") == "Jan (M m3)"
    assert T.header_label("corridor_months", "m07", "en") == "Jul (GWh)"
    assert U.decimals("2030", "zh", "pw_energy") == 2 and U.decimals("2030", "en", "pw_energy") == 1
