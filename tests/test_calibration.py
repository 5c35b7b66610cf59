"""The base year against the public statistics (data/calibration.csv), and the honest flags of a run.

The base-year case (configs/suzhou_2025_base.yaml: the start-of-2025 fleet, nothing built) is solved
once through the CLI as a planner would run it (about a minute); it must reproduce every figure of the
calibration table within its tolerance. The table's reader and the flags are checked on tiny cases.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from test_suzhou_cases import assert_invariants

from optimizer import calibration as C
from optimizer.config import load_config
from optimizer.errors import InputError
from optimizer.inputs import load_inputs
from optimizer.report import build_report
from optimizer.results import read_results
from optimizer.run import run
from tiny import make_config, write_case

REPO = Path(__file__).resolve().parents[1]
BASE = REPO / "configs" / "suzhou_2025_base.yaml"
CFG_2030 = REPO / "configs" / "suzhou_2030.yaml"
HEADER = "metric,key,value,unit,sense,tolerance,year,source_key,note\n"


@pytest.fixture(scope="module")
def base_year(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess]:
    out = tmp_path_factory.mktemp("base") / "suzhou_2025_base"
    proc = subprocess.run([sys.executable, "-m", "optimizer", "run", str(BASE), "--out", str(out)],
                          capture_output=True, text=True, cwd=REPO, timeout=1200)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return out, proc


@pytest.mark.slow
def test_base_year_reproduces_the_statistics(base_year) -> None:
    out, proc = base_year
    ds = read_results(out)
    cmp = C.read_back(ds)
    assert cmp is not None and len(cmp) == len(C.read_calibration(REPO / "data" / "calibration.csv"))
    missed = cmp[~cmp["ok"]]
    assert missed.empty, f"the base year misses the statistics:\n{missed[['model', 'sense', 'statistic', 'unit']]}"
    # nothing is built in a base year
    assert float(np.abs(ds["capacity_new_mw"]).max()) == 0.0
    # the comparison is printed after the run and written to summary.json
    assert "against the statistics" in proc.stdout and "coal_fleet_hours_h" in proc.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert {r["figure"] for r in summary["calibration"]} == set(cmp.index)
    assert all(r["ok"] for r in summary["calibration"])


@pytest.mark.slow
def test_full_year_invariants(base_year) -> None:
    """The full Suzhou year through the CLI: both balances close, costs add up to the objective, emissions
    equal the sum over dispatch, committed classes run within their limits."""
    out, _ = base_year
    ds = read_results(out)
    inp = load_inputs(load_config(BASE))
    assert ds.sizes["time"] == 8760 and ds.attrs["solver_status"] == "optimal"
    assert ds.attrs["inputs_hash"] == inp.inputs_hash
    assert_invariants(ds, inp)


@pytest.mark.slow
def test_2030_peak_cap_equals_the_base_year_emissions(base_year) -> None:
    """configs/suzhou_2030.yaml caps city-wide CO2 at the base year's: keep that number in step with the data."""
    out, _ = base_year
    co2 = float(read_results(out)["co2_city_t"])
    cfg = load_config(CFG_2030)
    assert cfg.policy.co2_scope == "city"
    cap = cfg.policy.co2_cap_t.value
    assert cap == pytest.approx(co2, rel=5e-3), (
        f"the base year now emits {co2 / 1e6:.2f} Mt: update policy.co2_cap_t in {CFG_2030.name}")


@pytest.mark.slow
def test_base_year_operates_like_a_power_system(base_year) -> None:
    """What a planner checks first: prices move with the hours, storage cycles, every thermal class runs,
    coal never drops below its minimum, the UHVDC lines deliver more in the wet season."""
    out, _ = base_year
    ds = read_results(out)
    price = ds["marginal_price_cny_per_mwh"].values.ravel()
    assert np.percentile(price, 90) > 2 * np.percentile(price, 10)
    w = ds["weight_h"].values
    cycles = float(w @ ds["storage_discharge_mw"].sel(storage="battery").values) / float(
        ds["energy_capacity_total_mwh"].sel(storage="battery"))
    assert cycles > 100
    for g in ("coal_large", "coal_chp", "gas_chp_f", "gas_chp_e"):
        cap = float(ds["capacity_total_mw"].sel(technology=g))
        hours = float(w @ ds["generation_mw"].sel(generator=g).values) / cap
        assert hours > 1000, g
    # the must-run share keeps about three large units online in every hour, each at least at its minimum
    assert float(ds["committed_mw"].sel(committable="coal_large").min()) >= 0.3 * 0.9 * 11050 - 1e-3
    assert float(ds["generation_mw"].sel(generator="coal_large").min()) >= 0.4 * 0.3 * 0.9 * 11050 - 1e-3
    # the UHVDC lines move at most a quarter of their rating from one hour to the next
    for c, rating in (("import_jinping", 7200), ("import_baihetan", 8000)):
        assert np.abs(np.diff(ds["import_mw"].sel(corridor=c).values)).max() <= 0.25 * rating + 1e-3
    assert C.uhvdc_dry_wet_ratio(ds) < 0.8
    assert ds.attrs["flags"] == "[]"


@pytest.mark.slow
def test_base_year_report_shows_the_comparison(base_year, tmp_path: Path) -> None:
    out, _ = base_year
    page = build_report(out, tmp_path / "report").read_text(encoding="utf-8")
    assert "Against the statistics" in page and 'data-table="calibration"' in page
    assert 'data-table="operation"' in page and 'data-table="heat"' in page


# ----------------------------------------------------------------------------- the table's reader

@pytest.mark.parametrize(("row", "field", "text"), [
    ("fleet_hours,,4500,h,=,0.1,2023,nea,x", "fleet_hours (row 1).metric", "unknown metric"),
    ("coal_fleet_hours_h,,4500,MWh,=,0.1,2023,nea,x", "coal_fleet_hours_h (row 1).unit", "unit must be 'h'"),
    ("coal_fleet_hours_h,,4500,h,~,0.1,2023,nea,x", "coal_fleet_hours_h (row 1).sense", "sense must be one of"),
    ("coal_fleet_hours_h,,4500,h,=,10,2023,nea,x", "coal_fleet_hours_h (row 1).tolerance", "must lie in [0, 1]"),
    ("coal_fleet_hours_h,,many,h,=,0.1,2023,nea,x", "coal_fleet_hours_h (row 1).value", "expected a number"),
    ("coal_fleet_hours_h,,4500,h,=,0.1,2023,,x", "coal_fleet_hours_h (row 1).source_key", "needs a source_key"),
])
def test_bad_calibration_rows_name_the_file_and_the_field(tmp_path: Path, row: str, field: str, text: str) -> None:
    path = tmp_path / "calibration.csv"
    path.write_text(HEADER + row + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        C.read_calibration(path)
    msg = str(err.value)
    assert msg.startswith(str(path)) and field in msg and text in msg and "\n" not in msg


# ----------------------------------------------------------------------------- comparison and flags on tiny runs

COAL = {"name": "coal", "kind": "generator", "carrier": "coal", "existing_mw": 100, "heat_rate_gce_per_kwh": 300}
GAS = {"name": "gas", "kind": "generator", "carrier": "gas", "existing_mw": 100, "heat_rate_gce_per_kwh": 200}
BAT = {"name": "bat", "kind": "storage", "carrier": "electricity", "existing_mw": 10, "existing_mwh": 20,
       "efficiency_charge": 0.9, "efficiency_discharge": 0.9}


def tiny_run(tmp_path: Path, techs: list[dict], load: list[float], calibration: str | None = None) -> xr.Dataset:
    data = write_case(tmp_path / "case", techs, load)
    if calibration is not None:
        (tmp_path / "cal.csv").write_text(HEADER + calibration, encoding="utf-8")
        data["inputs"]["calibration"] = str(tmp_path / "cal.csv")
    return run(make_config(data, tmp_path), write=False).dataset


def test_comparison_of_fleet_hours(tmp_path: Path) -> None:
    # coal runs 50 MW in each of 4 hours: 200 MWh / 100 MW = 2 h; gas never runs
    cal = ("coal_fleet_hours_h,,2.1,h,=,0.1,2025,assumption,within 10 %\n"
           "gas_fleet_hours_h,,1,h,>=,0,2025,assumption,gas must run\n")
    ds = tiny_run(tmp_path, [COAL, GAS], [50] * 4, cal)
    cmp = C.read_back(ds)
    assert cmp.loc["coal_fleet_hours_h", "model"] == pytest.approx(2.0)
    assert bool(cmp.loc["coal_fleet_hours_h", "ok"])
    assert not bool(cmp.loc["gas_fleet_hours_h", "ok"])
    flags = json.loads(ds.attrs["flags"])
    assert any(f.startswith("calibration: gas_fleet_hours_h") for f in flags)


def test_flags_name_flat_prices_idle_storage_and_idle_plant(tmp_path: Path) -> None:
    # coal meets a flat load alone: one price in every hour, the battery has nothing to do, gas never runs
    flags = json.loads(tiny_run(tmp_path, [COAL, GAS, BAT], [50] * 6).attrs["flags"])
    assert any(f.startswith("prices are nearly flat") for f in flags)
    assert any(f.startswith("bat (10 MW / 20 MWh) makes only 0.0 full cycles") for f in flags)
    assert any(f.startswith("gas: 100 MW run only 0 full-load hours") for f in flags)
    assert not any(f.startswith("coal:") for f in flags)


def test_no_flags_when_the_system_works(tmp_path: Path) -> None:
    # prices alternate between coal and gas, the battery shifts cheap coal into the gas hours every day
    load = [50, 150] * 12
    ds = tiny_run(tmp_path, [COAL, GAS, {**BAT, "existing_mw": 10, "existing_mwh": 10}], load)
    # the tiny rows leave availability blank (its default 1 is listed, a flag of the inputs, not of operation)
    flags = [f for f in json.loads(ds.attrs["flags"]) if "took their table's default" not in f]
    assert flags == [], flags


def test_chp_without_a_heat_demand_is_flagged(tmp_path: Path) -> None:
    chp = {**COAL, "chp_mode": "back_pressure", "power_to_heat": 0.5}
    flags = json.loads(tiny_run(tmp_path, [chp, GAS], [50, 150]).attrs["flags"])
    assert any(f.startswith("the CHP units have no steam duty") for f in flags)
