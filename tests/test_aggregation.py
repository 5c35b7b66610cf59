"""Time aggregation: averaging to coarser steps and linked typical days reproduce exact cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from optimizer.errors import InputError
from optimizer.inputs import load_inputs
from optimizer.run import run
from tiny import make_config, write_case

GAS = {"name": "gas", "kind": "generator", "carrier": "gas", "existing_mw": 20, "heat_rate_gce_per_kwh": 200}
PV = {"name": "pv", "kind": "generator", "carrier": "solar", "extendable": "true", "profile": "pv",
      "capex_cny_per_kw": 20, "lifetime_yr": 1}
BAT = {"name": "bat", "kind": "storage", "carrier": "electricity", "extendable": "true", "capex_cny_per_kwh": 5,
       "capex_cny_per_kw": 1, "lifetime_yr": 1, "efficiency_charge": 0.9, "efficiency_discharge": 0.9,
       "firm_capacity_credit": 0}


@pytest.fixture(scope="module")
def alternating(tmp_path_factory):
    """A year of sunny (PV 10:00-15:00) and dark days, alternating; flat 10 MW load.

    Storage must carry energy from each sunny day into the following dark day, so typical days
    without linking through the calendar would get this wrong. The last day (364) is bright all
    day, so the year holds whole sunny-dark pairs and a self-sufficient day: three typical days
    cluster it exactly, and the linked scheme must reproduce the full-resolution optimum. (With an
    odd number of alternating days, every sunny day of a cluster would have to net the same energy,
    a genuine limit of typical days, and the optimum would differ.)
    """
    folder = tmp_path_factory.mktemp("alt")
    n = 8760
    hour = np.arange(n) % 24
    day = np.arange(n) // 24
    pv = np.where((day % 2 == 0) & (hour >= 10) & (hour < 15), 1.0, 0.0)
    pv[day == 364] = 1.0
    data = write_case(folder, [GAS, PV, BAT], [10.0] * n, {"pv": pv.tolist()})
    data["time"] = {"scale_to_year": True}
    return data, folder


def test_linked_typical_days_match_full_resolution(alternating):
    data, folder = alternating
    full = run(make_config(data, folder), write=False).dataset
    td = run(make_config(data, folder, time={"scale_to_year": True, "typical_days": 3}), write=False).dataset
    assert td.sizes["time"] == 72
    assert float(td.objective_cny) == pytest.approx(float(full.objective_cny), rel=1e-6)
    for k in ("pv", "bat"):
        assert float(td["capacity_total_mw"].sel(technology=k)) == pytest.approx(
            float(full["capacity_total_mw"].sel(technology=k)), rel=1e-5)
    # storage really carries energy across days: more energy than one day's PV surplus is held
    assert float(full["energy_capacity_total_mwh"].sel(storage="bat")) > 24
    assert float(td["weight_h"].sum()) == pytest.approx(8760)


def test_typical_day_weights_and_sequence(alternating):
    data, folder = alternating
    inp = load_inputs(make_config(data, folder, time={"scale_to_year": True, "typical_days": 3}))
    assert inp.steps_per_day == 24 and len(inp.day_sequence) == 365
    assert sorted(np.bincount(inp.day_sequence).tolist()) == [1, 182, 182]
    np.testing.assert_array_equal(inp.day_sequence[:4], [0, 1, 0, 1])
    assert inp.day_sequence[-1] == 2
    assert inp.peak_load_mw.iloc[0] == pytest.approx(10)


def test_averaging_keeps_energy(alternating):
    data, folder = alternating
    full = load_inputs(make_config(data, folder))
    coarse = load_inputs(make_config(data, folder, time={"scale_to_year": True, "resolution_h": 3}))
    assert len(coarse.time) == 2920
    e_full = float((full.load_mw.iloc[:, 0] * full.weight_h).sum())
    e_coarse = float((coarse.load_mw.iloc[:, 0] * coarse.weight_h).sum())
    assert e_coarse == pytest.approx(e_full)
    pv_coarse = float((coarse.cf["pv"] * coarse.weight_h).sum())
    assert pv_coarse == pytest.approx(float((full.cf["pv"] * full.weight_h).sum()))


def test_typical_days_that_lose_the_years_energy_say_so(tmp_path):
    """Two typical days of a year whose peak day replaces the representative of a half-year cluster.

    Flat 10 MW, except day 100 at 30 MW; PV on every other day splits the year into two clusters of
    182-183 days. The peak day stands in for its cluster's day, so the load of 2 typical days totals
    183 x 24 x 30 + 182 x 24 x 10 = 175,440 MWh against the year's 364 x 240 + 720 = 88,080 (+99 %):
    a number the run must not give in silence. Three typical days keep the peak day alone: exact.
    """
    n = 8760
    day, hour = np.arange(n) // 24, np.arange(n) % 24
    pv = np.where((day % 2 == 0) & (hour >= 10) & (hour < 15), 1.0, 0.0)
    load = np.where(day == 100, 30.0, 10.0)
    data = write_case(tmp_path / "c", [GAS, PV, BAT], load.tolist(), {"pv": pv.tolist()})
    data["time"] = {"scale_to_year": True}
    two = load_inputs(make_config(data, tmp_path, time={"scale_to_year": True, "typical_days": 2}))
    assert float((two.load_mw.iloc[:, 0] * two.weight_h).sum()) == pytest.approx(175_440)
    assert two.plausibility == ("time.typical_days: 2 typical days give the load of zone 'suzhou' 175,440.0 MWh/yr "
                                "against the year's 88,080.0 (+99%): too few days to stand for the year; use more",)
    three = load_inputs(make_config(data, tmp_path, time={"scale_to_year": True, "typical_days": 3}))
    assert float((three.load_mw.iloc[:, 0] * three.weight_h).sum()) == pytest.approx(88_080)
    assert three.plausibility == ()


def test_typical_days_need_the_full_year(tmp_path):
    data = write_case(tmp_path / "c", [GAS], [10.0] * 48)
    with pytest.raises(InputError, match="typical"):
        load_inputs(make_config(data, tmp_path, time={"start": "2025-01-01 00:00", "end": "2025-01-02 23:00",
                                                      "typical_days": 2}))


def test_typical_day_results_read_back_along_the_calendar(alternating, tmp_path):
    """The report shows a typical-day run along the calendar: same annual sums, storage dynamics hold."""
    from optimizer.report import build_report
    from optimizer.report import tables as T

    data, folder = alternating
    td = run(make_config(data, folder, time={"scale_to_year": True, "typical_days": 3}),
             out_dir=tmp_path / "results" / "td").dataset
    assert list(td["typical_day"].values[:4]) == [0, 1, 0, 1] and td.attrs["time_aggregation"] == "typical_days_3"
    cal = T.chronological(td)
    assert cal.sizes["time"] == 8760 and float(cal["weight_h"].sum()) == pytest.approx(8760)
    assert pd.Timestamp(cal["time"].values[24 * 200 + 5]) == pd.Timestamp("2025-07-20 05:00")
    for var in ("generation_mw", "import_mw", "storage_charge_mw", "storage_discharge_mw", "load_mw"):
        np.testing.assert_allclose(T._annual(cal[var], cal), T._annual(td[var], td), rtol=1e-9, atol=1e-9)
    # calendar day 200 (even: sunny) shows typical day 0's hours, day 201 (dark) typical day 1's
    np.testing.assert_allclose(cal["generation_mw"].values[24 * 200:24 * 201], td["generation_mw"].values[:24])
    np.testing.assert_allclose(cal["generation_mw"].values[24 * 201:24 * 202], td["generation_mw"].values[24:48])
    # the rebuilt state of charge obeys the storage balance hour by hour across the calendar
    soc = cal["storage_soc_mwh"].sel(storage="bat").values
    ch = cal["storage_charge_mw"].sel(storage="bat").values
    dis = cal["storage_discharge_mw"].sel(storage="bat").values
    np.testing.assert_allclose(np.diff(soc), 0.9 * ch[1:] - dis[1:] / 0.9, atol=1e-6)
    e_max = float(td["energy_capacity_total_mwh"].sel(storage="bat"))
    assert soc.min() >= -1e-9 and soc.max() <= e_max + 1e-6 and soc.max() > 24  # carries energy across days
    # the report is built along the calendar and says so
    page = build_report(tmp_path / "results" / "td").read_text(encoding="utf-8")
    assert "A typical-day run (typical_days_3)" in page
    assert "no June" not in page  # the summer week exists: the calendar has summer days
