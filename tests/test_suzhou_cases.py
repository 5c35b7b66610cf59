"""Invariants on the Suzhou case: a two-week cut of 2025 (fast) and the full year (one solve, slow).

The full-year run goes through the CLI exactly as a planner would type it, once per test session.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
import yaml

from optimizer.config import load_config
from optimizer.inputs import load_inputs
from optimizer.model.dispatch import emission_factor_t_per_mwh
from optimizer.results import read_results
from optimizer.run import run

REPO = Path(__file__).resolve().parents[1]
CFG_2025 = REPO / "configs" / "suzhou_2025.yaml"
CFG_2030 = REPO / "configs" / "suzhou_2030.yaml"


def assert_invariants(ds: xr.Dataset, inp) -> None:
    """Balance closes, costs add up to the objective, emissions equal the sum over dispatch."""
    w = ds["weight_h"].values
    supply = (ds["generation_mw"].sum("generator") + ds["import_mw"].sum("corridor")
              + ds["storage_discharge_mw"].sum("storage") - ds["storage_charge_mw"].sum("storage")
              + ds["unserved_mw"].sum("zone"))
    np.testing.assert_allclose(supply.values, ds["load_mw"].sum("zone").values, rtol=0, atol=1e-3)
    assert float(ds["cost_cny"].sum()) == pytest.approx(float(ds["objective_cny"]), rel=1e-7)
    e = 0.0
    for g in ds["generator"].values:
        e += float(w @ ds["generation_mw"].sel(generator=g).values) * emission_factor_t_per_mwh(inp, g)
    for c in ds["corridor"].values:
        e += float(w @ ds["import_mw"].sel(corridor=c).values) * inp.techs.at[c, "co2_t_per_mwh"]
    assert float(ds["co2_t"]) == pytest.approx(e, rel=1e-7)
    # dispatch within available capacity, storage within its limits
    cap = ds["capacity_total_mw"]
    assert (ds["generation_mw"] <= cap.sel(technology=ds["generator"].values).values + 1e-4).all()
    assert (ds["storage_soc_mwh"] <= ds["energy_capacity_total_mwh"] + 1e-4).all()
    assert (ds["import_mw"] <= cap.sel(technology=ds["corridor"].values).values + 1e-4).all()


def assert_targets_met(ds: xr.Dataset) -> None:
    cap = ds["capacity_total_mw"].to_series()
    assert cap[["pv_utility", "pv_rooftop"]].sum() >= 4600 - 1e-3
    assert cap["biomass"] >= 690 - 1e-3
    assert cap[["pv_utility", "pv_rooftop", "wind_onshore", "biomass"]].sum() >= 5330 - 1e-3
    assert 6500 * 0.95 - 1e-3 <= cap["gas_ccgt"] <= 6500 * 1.05 + 1e-3
    assert cap["battery"] >= 400 - 1e-3
    assert cap[["import_jinping", "import_baihetan", "import_provincial_ac"]].sum() <= 25000 + 1e-3
    assert float(ds["coal_share"]) <= 0.55 + 1e-7
    assert float(ds["nonfossil_share"]) >= 0.13 - 1e-7
    assert cap["coal_existing"] == pytest.approx(14900)  # no new coal
    assert float(ds["capacity_new_mw"].sel(technology="coal_existing")) == 0


@pytest.fixture(scope="module")
def two_weeks():
    cfg = load_config(CFG_2025, ["time.end=2025-01-14 23:00"])
    inp = load_inputs(cfg)
    return run(cfg, write=False, inputs=inp), inp


def test_two_weeks_invariants_and_targets(two_weeks):
    out, inp = two_weeks
    ds = out.dataset
    assert ds.sizes["time"] == 336
    assert_invariants(ds, inp)
    assert_targets_met(ds)
    # two weeks stand for a year: annual energy = load energy scaled to 8760 h
    load_energy = float(ds["load_mw"].sum()) * 8760 / 336
    served = float(ds["energy_mwh"].where(ds["kind"] != "storage", 0).sum())
    assert served >= load_energy - 1e-3  # storage losses make supply exceed load
    assert out.solve.status == "optimal"


def test_two_weeks_import_limits_hold(two_weeks):
    out, inp = two_weeks
    ds = out.dataset
    for c in ds["corridor"].values:
        e = float(ds["energy_mwh"].sel(technology=c))
        assert e <= inp.techs.at[c, "annual_energy_max_mwh"] * (1 + 1e-7)
        assert e >= inp.techs.at[c, "annual_energy_min_mwh"] * (1 - 1e-7)


def test_two_weeks_inputs_not_mutated():
    cfg = load_config(CFG_2025, ["time.end=2025-01-02 23:00"])
    inp = load_inputs(cfg)
    techs, load = inp.techs.copy(), inp.load_mw.copy()
    dumped = cfg.dump()
    run(cfg, write=False, inputs=inp)
    pd.testing.assert_frame_equal(techs, inp.techs)
    pd.testing.assert_frame_equal(load, inp.load_mw)
    assert cfg.dump() == dumped


@pytest.fixture(scope="module")
def full_year(tmp_path_factory):
    out = tmp_path_factory.mktemp("full") / "suzhou_2025"
    proc = subprocess.run([sys.executable, "-m", "optimizer", "run", str(CFG_2025), "--out", str(out)],
                          capture_output=True, text=True, cwd=REPO, timeout=1500)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return out, proc


@pytest.mark.slow
def test_full_year_2025_through_the_cli(full_year):
    out, proc = full_year
    assert "model built in" in proc.stderr and "solve" in proc.stderr
    assert "least-cost mix" in proc.stdout
    ds = read_results(out)
    inp = load_inputs(load_config(CFG_2025))
    assert ds.sizes["time"] == 8760
    assert ds.attrs["solver_status"] == "optimal"
    assert ds.attrs["inputs_hash"] == inp.inputs_hash
    assert_invariants(ds, inp)
    assert_targets_met(ds)
    prices = ds["marginal_price_cny_per_mwh"].values
    assert np.isfinite(prices).all() and (prices >= -1e-6).all()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["total_cost_cny"] == pytest.approx(float(ds["total_cost_cny"]))
    table = pd.read_csv(out / "summary.csv", index_col=0)
    assert table["total_mw"].sum() == pytest.approx(float(ds["capacity_total_mw"].sum()), rel=1e-5)
    resolved = yaml.safe_load((out / "config.yaml").read_text())
    assert resolved["name"] == "suzhou_2025" and resolved["policy"]["share_basis"] == "energy"


@pytest.mark.slow
def test_2030_peak_cap_equals_2025_emissions(full_year):
    """configs/suzhou_2030.yaml caps CO2 at the 2025 optimum: keep that number in step with the data."""
    out, _ = full_year
    co2_2025 = float(read_results(out)["co2_t"])
    cap = load_config(CFG_2030).policy.co2_cap_t.value
    assert cap == pytest.approx(co2_2025, rel=5e-3), (
        f"2025 emissions are now {co2_2025 / 1e6:.2f} Mt: update policy.co2_cap_t in {CFG_2030.name}")
