"""Invariants on the Suzhou plan case: a two-week cut of 2025.

The full Suzhou year goes through the CLI in tests/test_calibration.py (the base year: the same physics
and fleet, nothing built), which also checks the invariants below on it; the full-year plan optimum takes
about 3.5 minutes and is measured by benchmarks/bench_core.py instead of being solved in the suite.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from optimizer.config import load_config
from optimizer.inputs import load_inputs
from optimizer.model.dispatch import emission_factor_t_per_mwh
from optimizer.run import run

REPO = Path(__file__).resolve().parents[1]
CFG_2025 = REPO / "configs" / "suzhou_2025.yaml"
CFG_2030 = REPO / "configs" / "suzhou_2030.yaml"


def assert_invariants(ds: xr.Dataset, inp) -> None:
    """Balance closes, costs add up to the objective, emissions equal the sum over dispatch."""
    w = ds["weight_h"].values
    supply = (ds["generation_mw"].sum("generator") + ds["import_mw"].sum("corridor")
              + ds["storage_discharge_mw"].sum("storage") - ds["storage_charge_mw"].sum("storage")
              + ds["unserved_mw"].sum("zone") + ds["curtailed_mw"].sum("demand_response"))
    np.testing.assert_allclose(supply.values, ds["load_mw"].sum("zone").values, rtol=0, atol=1e-3)
    heat = ds["heat_mw"].sum("chp") + ds["boiler_heat_mw"].sum("boiler") + ds["heat_unserved_mw"].sum("heat_network")
    np.testing.assert_allclose(heat.values, ds["heat_load_mw"].sum("heat_network").values, rtol=0, atol=1e-3)
    assert float(ds["cost_cny"].sum()) == pytest.approx(float(ds["objective_cny"]), rel=1e-7)
    e = 0.0
    for g in ds["generator"].values:  # fuel on the condensing-equivalent output: power + c_v x heat
        heat_g = float(w @ ds["heat_mw"].sel(chp=g).values) if g in ds["chp"].values else 0.0
        out = float(w @ ds["generation_mw"].sel(generator=g).values) + inp.techs.at[g, "power_loss_per_heat"] * heat_g
        e += out * emission_factor_t_per_mwh(inp, g)
    for b in ds["boiler"].values:
        e += float(w @ ds["boiler_heat_mw"].sel(boiler=b).values) * emission_factor_t_per_mwh(inp, b)
    for c in ds["corridor"].values:
        e += float(w @ ds["import_mw"].sel(corridor=c).values) * inp.techs.at[c, "co2_t_per_mwh"]
    assert float(ds["co2_t"]) == pytest.approx(e, rel=1e-7)
    # dispatch within available capacity, storage within its limits
    cap = ds["capacity_total_mw"]
    assert (ds["generation_mw"] <= cap.sel(technology=ds["generator"].values).values + 1e-4).all()
    # committed classes run between their minimum stable output and their committed capacity
    for g in ds["committable"].values:
        u, p = ds["committed_mw"].sel(committable=g).values, ds["generation_mw"].sel(generator=g).values
        heat_g = ds["heat_mw"].sel(chp=g).values if g in ds["chp"].values else 0.0
        equiv = p + inp.techs.at[g, "power_loss_per_heat"] * heat_g
        assert (equiv <= u + 1e-3).all()
        # a flexibility retrofit lowers the minimum of the retrofitted capacity online (optimizer.model.retrofit)
        flex = ds["flex_online_mw"].sel(flex_retrofit=g).values if "flex_retrofit" in ds.coords and \
            g in ds["flex_retrofit"].values else 0.0
        gain = inp.techs.at[g, "min_stable_frac"] - inp.techs.at[g, "flex_retrofit_min_stable_frac"]
        assert (equiv >= inp.techs.at[g, "min_stable_frac"] * u - gain * flex - 1e-3).all()
    assert (ds["storage_soc_mwh"] <= ds["energy_capacity_total_mwh"] + 1e-4).all()
    assert (ds["import_mw"] <= cap.sel(technology=ds["corridor"].values).values + 1e-4).all()


def assert_targets_met(ds: xr.Dataset) -> None:
    cap = ds["capacity_total_mw"].to_series()
    assert cap[["pv_utility", "pv_rooftop"]].sum() >= 4600 - 1e-3
    assert cap["biomass"] >= 690 - 1e-3
    assert cap[["pv_utility", "pv_rooftop", "wind_onshore", "biomass"]].sum() >= 5330 - 1e-3
    assert 6500 * 0.95 - 1e-3 <= cap[["gas_chp_f", "gas_chp_e", "gas_ccgt_new"]].sum() <= 6500 * 1.05 + 1e-3
    assert cap["battery"] >= 400 - 1e-3
    assert cap[["import_jinping", "import_baihetan", "import_provincial_ac", "import_nj_wind"]].sum() >= 25000 - 1e-3
    assert float(ds["capacity_new_mw"].sel(technology="pv_rooftop")) >= 100 - 1e-3  # new building PV
    assert float(ds["gas_use_m3"]) - float(ds["gas_lng_m3"]) <= 10e9 * (1 + 1e-7)  # the pipelines' 10 bcm
    assert float(ds["coal_share"]) <= 0.55 + 1e-7
    assert float(ds["nonfossil_share"]) >= 0.13 - 1e-7
    coal = ["coal_large", "coal_chp", "coal_captive"]
    assert cap[coal].sum() == pytest.approx(14610)  # no new coal
    assert float(ds["capacity_new_mw"].sel(technology=coal).sum()) == 0


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


def test_two_weeks_import_schedules_hold(two_weeks):
    """The UHVDC lines keep January's contracted average power, their minimum power and their daily blocks."""
    out, inp = two_weeks
    ds = out.dataset
    for c, sched in inp.schedules.items():
        flow = ds["import_mw"].sel(corridor=c).values
        jan = sched.loc[1]
        assert flow.mean() >= jan["energy_min_mwh"] / 744 * (1 - 1e-7)
        assert flow.mean() <= jan["energy_max_mwh"] / 744 * (1 + 1e-7)
        assert flow.min() >= jan["power_min_mw"] - 1e-4
        per = inp.periods[c]
        same = np.array([i > 0 and per[i] == per[i - 1] for i in range(len(per))])
        np.testing.assert_allclose(flow[same], flow[np.flatnonzero(same) - 1], atol=1e-3)


def test_two_weeks_inputs_not_mutated():
    cfg = load_config(CFG_2025, ["time.end=2025-01-02 23:00"])
    inp = load_inputs(cfg)
    techs, load = inp.techs.copy(), inp.load_mw.copy()
    dumped = cfg.dump()
    run(cfg, write=False, inputs=inp)
    pd.testing.assert_frame_equal(techs, inp.techs)
    pd.testing.assert_frame_equal(load, inp.load_mw)
    assert cfg.dump() == dumped


@pytest.mark.parametrize("overrides", [
    ["time.typical_days=4"],
    ["time.resolution_h=24"],
    ["time.resolution_h=3", "time.end=2025-01-14 23:00"],
], ids=["typical-days", "daily-steps", "3h-steps"])
def test_aggregated_runs_keep_the_operation_rules(overrides):
    """Typical days stand for days of several months, coarse steps for several periods of a day: the UHVDC
    schedules, delivery blocks, commitment and steam duties still solve, and both balances close."""
    cfg = load_config(CFG_2025, overrides)
    inp = load_inputs(cfg)
    out = run(cfg, write=False, inputs=inp)
    assert out.solve.status == "optimal"
    ds = out.dataset
    assert float(ds["unserved_mwh"]) < 1.0
    if inp.day_sequence is None:  # (typical-day results are per typical step, checked by the run's own checks)
        assert_invariants(ds, inp)
    # each line keeps every month's contracted average power over the days the run stands for (typical
    # days: the year's sum of the months)
    w = inp.month_weight_h
    for c, sched in inp.schedules.items():
        flow = ds["import_mw"].sel(corridor=c).values
        if inp.day_sequence is not None:
            assert float(inp.weight_h @ flow) >= sched["energy_min_mwh"].sum() * (1 - 1e-6)
            continue
        for month, r in sched.iterrows():
            if w[month - 1].sum() > 0:
                avg = float(w[month - 1] @ flow) / float(w[month - 1].sum())
                assert avg >= r["energy_min_mwh"] / (24 * pd.Period(f"2025-{month:02d}").days_in_month) * (1 - 1e-6)
