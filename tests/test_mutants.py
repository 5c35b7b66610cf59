"""Hand-worked tiny systems that kill the survivors of benchmarks/mutmut_campaign.py (see benchmarks/MUTANTS.md).

Each test names the mutant(s) it kills (file:line of the campaign's snapshot) and works out its optimum by hand in
its comment; re-run a mutant with ``python benchmarks/mutmut_campaign.py --only ID``. Conventions as in
tests/test_constraints.py: each hour weighs 1 h, discount rate 0, coal 300 CNY/MWh and 0.6 tCO2/MWh, gas 600
CNY/MWh and 0.2 tCO2/MWh.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from test_constraints import COAL, GAS, solve
from test_constraints_operation import DAY_LOAD, DAY_SHAPE

from optimizer.errors import InfeasibleError, InputError
from optimizer.run import run
from tiny import CARRIERS, make_config, write_case

UC_COAL = {**COAL, "committable": "true", "min_stable_frac": 0.5}  # as in tests/test_constraints_operation.py


def energy_policy(non_power_tce: dict[str, float], **extra: Any) -> dict[str, Any]:
    """The energy basis with ``non_power_tce`` burnt outside the power sector."""
    return {"share_basis": "energy", "energy_accounting": {"non_power_tce": non_power_tce}, **extra}


def test_retirable_unit_cannot_grow(tmp_path):
    # Kills capacity.py:86 (a retirable unit's "new" capacity at most +1 MW instead of 0). Coal (100 MW,
    # retirable, 300 CNY/MWh) and gas (100 MW, 600 CNY/MWh) meet 110 MW: coal runs at its 100 MW, gas gives
    # the other 10. Cost 100 x 300 + 10 x 600 = 36,000; were coal allowed 101 MW it would be 35,700.
    ds = solve(tmp_path, [{**COAL, "retirable": "true"}, GAS], [110]).dataset
    assert float(ds["capacity_new_mw"].sel(technology="coal")) == pytest.approx(0, abs=1e-6)
    assert ds["generation_mw"].sel(generator="gas").values.tolist() == pytest.approx([10])
    assert float(ds.objective_cny) == pytest.approx(36_000)


def test_build_limit_counts_the_capacity_in_service(tmp_path):
    # Kills capacity.py:88 (the room to build taken as max_total + existing). PV: 50 MW in service, at most
    # 80 MW in all, 100 CNY per MW built (0.1 CNY/kW, 1-year life), capacity factor 1; load 100 MW. Each MW of
    # PV saves 300 CNY of coal, so PV is built to its limit: 30 MW new (3,000 CNY), coal gives 20 MW
    # (6,000 CNY); objective 9,000. With the room taken as 130 MW, 50 MW would be built and coal idle (5,000).
    pv = {"name": "pv", "kind": "generator", "carrier": "solar", "extendable": "true", "profile": "pv",
          "existing_mw": 50, "max_total_mw": 80, "capex_cny_per_kw": 0.1, "lifetime_yr": 1}
    ds = solve(tmp_path, [COAL, pv], [100], {"pv": [1.0]}).dataset
    assert float(ds["capacity_new_mw"].sel(technology="pv")) == pytest.approx(30)
    assert ds["generation_mw"].sel(generator="coal").values.tolist() == pytest.approx([20])
    assert float(ds.objective_cny) == pytest.approx(9_000)


def test_a_small_non_power_fuel_still_counts(tmp_path):
    # Kills carbon.py:49 (fuels of at most 1 tce skipped instead of none). Outside the power sector 1 tce of
    # coal is burnt: 1 x 2 tCO2/tce = 2 t. Power: 100 MWh of coal at 0.6 t/MWh = 60 t; the city 62 t.
    ds = solve(tmp_path, [COAL], [100], policy=energy_policy({"coal": 1}, co2_scope="city")).dataset
    assert float(ds.co2_non_power_t) == pytest.approx(2)
    assert float(ds.co2_t) == pytest.approx(60)
    assert float(ds.co2_city_t) == pytest.approx(62)


def test_minimum_up_time_in_two_hour_steps(tmp_path):
    # Kills commitment.py:58 (a window of hours x step instead of hours / step steps). The case of
    # test_minimum_up_time_keeps_started_capacity_online in 2-hour steps: hourly load 20 20 80 80 10 ... 10 is
    # averaged to 20, 80, 10, 10, 10, 10 MW; a 4 h up time is 2 steps. Capacity started for step 1 stays
    # committed in step 2, where 10 MW of load hold at most 20 MW at the 0.5 minimum, so step 1 commits at
    # most 60 MW and gas gives 20 MW: (120 MW coal x 300 + 20 MW gas x 600) x 2 h = 96,000 CNY. Without the
    # rows (a window of 8 steps does not fit the 6-step horizon) coal follows the load: 140 x 300 x 2 = 84,000.
    load = [20, 20, 80, 80, *[10] * 8]
    ds = solve(tmp_path, [{**UC_COAL, "min_up_h": 4}, GAS], load, time={"resolution_h": 2})
    assert ds.dataset["generation_mw"].sel(generator="coal").values.tolist()[1] == pytest.approx(60, abs=1e-5)
    assert float(ds.dataset.objective_cny) == pytest.approx(96_000)


def test_must_run_share_of_an_extendable_class(tmp_path):
    # Kills commitment.py:85 and :87 (the must-run share of classes whose capacity is a decision dropped or
    # left without its Param) and :109 (must-run / availability). Coal: 100 MW in service, may be built to
    # 200 MW (at 1,000 CNY/kW it never is), committable, must-run 0.5, minimum stable 0.5, availability 0.8.
    # PV (100 MW, free) could meet the 50 MW load alone, but 0.5 x 0.8 x 100 = 40 MW stay committed and run
    # at least at half of that: coal 20 MW (6,000 CNY), PV 30 MW. (Must-run / availability: 62.5 MW committed,
    # coal 31.25 MW, 9,375 CNY; no must-run row: coal idle, 0 CNY.)
    coal = {**UC_COAL, "extendable": "true", "max_total_mw": 200, "capex_cny_per_kw": 1000, "lifetime_yr": 1,
            "must_run_frac": 0.5, "availability": 0.8}
    pv = {"name": "pv", "kind": "generator", "carrier": "solar", "existing_mw": 100, "profile": "pv"}
    ds = solve(tmp_path, [coal, pv], [50], {"pv": [1.0]}).dataset
    assert float(ds["capacity_new_mw"].sel(technology="coal")) == pytest.approx(0, abs=1e-6)
    assert ds["committed_mw"].sel(committable="coal").values.tolist() == pytest.approx([40], abs=1e-6)
    assert ds["generation_mw"].sel(generator="coal").values.tolist() == pytest.approx([20], abs=1e-6)
    assert float(ds.objective_cny) == pytest.approx(6_000)


def test_committed_extraction_unit_counts_its_heat_both_ways(tmp_path):
    # Kills commitment.py:117 and :120 (the committed limits of an extraction CHP unit on p + c_v h). The unit
    # (100 MW, c_b 0.5, c_v 0.2, 300 CNY per MWh of p + c_v h) is committable with must-run 1 (always 100 MW
    # committed) and a 0.5 minimum, so 50 <= p + 0.2 h <= 100; hydro (100 MW, 100 CNY/MWh) and gas (600).
    # Hour 0, load 200, heat 100: p <= 100 - 20 = 80 (the maximum binds), hydro 100, gas 20:
    #   100 x 300 + 100 x 100 + 20 x 600 = 52,000.
    # Hour 1, load 100, heat 20: p >= 50 - 4 = 46 (the minimum binds; the back-pressure line asks only 10),
    #   hydro 54: 50 x 300 + 54 x 100 = 20,400.
    chp = {**UC_COAL, "name": "chp", "chp_mode": "extraction", "power_to_heat": 0.5, "power_loss_per_heat": 0.2,
           "must_run_frac": 1}
    hydro = {"name": "hydro", "kind": "import", "carrier": "hydro", "existing_mw": 100, "price_cny_per_mwh": 100,
             "nonfossil_fraction": 1}
    data = write_case(tmp_path / "case", [chp, hydro, GAS], [200, 100], heat_mw=[100, 20])
    ds = run(make_config(data, tmp_path), write=False).dataset
    assert ds["generation_mw"].sel(generator="chp").values.tolist() == pytest.approx([80, 46], abs=1e-5)
    assert ds["generation_mw"].sel(generator="gas").values.tolist() == pytest.approx([20, 0], abs=1e-5)
    assert float(ds.objective_cny) == pytest.approx(52_000 + 20_400)


def test_start_up_cost_counts_each_start_once_in_two_hour_steps(tmp_path):
    # Kills commitment.py:144 (a start weighted by weight x step, or by the weight alone, instead of weight /
    # step: how often the step occurs). test_unit_must_stay_on_through_a_valley in 2-hour steps: load 80, 20,
    # 80 MW for 2 h each, starts at 500 CNY/MW. Keeping a MW committed at the peaks (a >= 40) and restarting
    # a - 40: coal (2a + 20) MW x 2 h x 300 + gas 2 (80 - a) x 2 h x 600 + (a - 40) x 500 = 184,000 - 700 a,
    # so coal cycles fully: a = 80, 128,000 CNY, of which 20,000 for 40 MW started once. (Starts at 2 x 500:
    # 148,000; at 4 x 500 coal stays on through the valley: 156,000.)
    coal = {**UC_COAL, "startup_cost_cny_per_mw": 500}
    ds = solve(tmp_path, [coal, GAS], [80, 80, 20, 20, 80, 80], time={"resolution_h": 2}).dataset
    assert ds["committed_mw"].sel(committable="coal").values.tolist() == pytest.approx([80, 40, 80], abs=1e-5)
    assert float(ds["cost_cny"].sel(component="startup", owner="coal")) == pytest.approx(20_000)
    assert float(ds.objective_cny) == pytest.approx(128_000)


def test_start_ups_close_each_typical_day(tmp_path):
    # Kills commitment.py:158 (the first step of each typical day starts from that day's last step). A year of
    # two day types: even days 80 MW for 23 h then 20 MW, odd days 60 MW then 20 MW; two typical days are
    # these two. In each typical day's cycle coal (0.5 minimum) holds at most 40 MW committed in the 20 MW
    # hour, and starting a MW costs 500 CNY against 23 h x 300 CNY/MWh saved on gas: it cycles fully, so the
    # first step of a typical day starts its peak - 40 MW (40 and 20). Starts: 500 x (40 x 182 even days
    # + 20 x 183 odd days) = 5,470,000 CNY/yr.
    hours = pd.date_range("2025-01-01", periods=8760, freq="h")
    peak = np.where(hours.dayofyear.to_numpy() % 2 == 0, 80.0, 60.0)
    load = np.where(hours.hour.to_numpy() == 23, 20.0, peak).tolist()
    coal = {**UC_COAL, "startup_cost_cny_per_mw": 500}
    data = write_case(tmp_path / "case", [coal, GAS], load)
    cfg = make_config(data, tmp_path, time={"start": None, "end": None, "typical_days": 2, "scale_to_year": True})
    ds = run(cfg, write=False).dataset
    spd = int(ds["typical_day"].attrs["steps_per_day"])
    starts = ds["startup_mw"].sel(committable="coal").values.reshape(-1, spd)
    committed = ds["committed_mw"].sel(committable="coal").values.reshape(-1, spd)
    assert sorted(committed[:, 0].tolist()) == pytest.approx([60, 80], abs=1e-5)
    assert starts[:, 0].tolist() == pytest.approx((committed[:, 0] - 40).tolist(), abs=1e-5)
    assert float(ds["cost_cny"].sel(component="startup", owner="coal")) == pytest.approx(5_470_000, rel=1e-6)


def test_minimum_up_time_of_a_start_in_the_first_step(tmp_path):
    # Kills commitment.py:165 (the up-time rows begin a step late and miss the window of a start in step 0).
    # test_minimum_up_time_keeps_started_capacity_online turned so that the peak is the first step: load 80,
    # 10, 10, 10, 10, 20 (a cycle), starts free, 2 h up time. What starts in step 0 (from the 20 MW of step 5,
    # at most 40 committed) stays committed in step 1, where 10 MW hold at most 20: coal at most 60 MW in step
    # 0, gas 20: coal 120 MWh x 300 + gas 20 MWh x 600 = 48,000 (following the load: 42,000).
    coal = {**UC_COAL, "min_up_h": 2}
    ds = solve(tmp_path, [coal, GAS], [80, 10, 10, 10, 10, 20]).dataset
    assert float(ds["generation_mw"].sel(generator="coal")[0]) == pytest.approx(60, abs=1e-5)
    assert float(ds.objective_cny) == pytest.approx(48_000)


def test_minimum_down_time_of_an_extendable_class(tmp_path):
    # Kills commitment.py:189 (the down-time row of a class whose capacity is a decision without the capacity
    # committed before the window). test_minimum_down_time_counts_capacity_that_was_off with coal extendable
    # (to 200 MW at 1,000 CNY/kW: never built): capacity committed at hour 0 plus capacity started in hours 1-2
    # fits in the 100 MW: a + (a - 40) <= 100, a = 70, 82,000 - 100 x 70 = 75,000 (without the row 74,000).
    coal = {**UC_COAL, "startup_cost_cny_per_mw": 500, "min_down_h": 2, "extendable": "true", "max_total_mw": 200,
            "capex_cny_per_kw": 1000, "lifetime_yr": 1}
    ds = solve(tmp_path, [coal, GAS], [80, 20, 80]).dataset
    assert float(ds["capacity_new_mw"].sel(technology="coal")) == pytest.approx(0, abs=1e-6)
    assert ds["committed_mw"].sel(committable="coal").values.tolist() == pytest.approx([70, 40, 70], abs=1e-5)
    assert float(ds.objective_cny) == pytest.approx(75_000)


def test_reserve_of_an_extraction_unit_counts_its_heat(tmp_path):
    # Kills commitment.py:226 (the reserve headroom of a committed extraction unit on p + c_v h). The unit of
    # test_committed_extraction_unit_counts_its_heat_both_ways (without must-run) holds all of a 30 MW reserve
    # and makes 50 MW of heat (c_v h = 10): r + p + 10 <= 100, so p <= 60 and gas gives 20 of the 80 MW load:
    # (60 + 10) x 300 + 20 x 600 = 33,000. (Heat left out: p = 70, 30,000; reserve left out: p = 80, 27,000.)
    chp = {**UC_COAL, "name": "chp", "chp_mode": "extraction", "power_to_heat": 0.5, "power_loss_per_heat": 0.2,
           "reserve_frac": 1}
    data = write_case(tmp_path / "case", [chp, GAS], [80], heat_mw=[50])
    reserve = {"load_frac": 0, "largest_unit": False, "fixed_mw": 30}
    ds = run(make_config(data, tmp_path, policy={"share_basis": "electricity", "operating_reserve": reserve}),
             write=False).dataset
    assert ds["generation_mw"].sel(generator="chp").values.tolist() == pytest.approx([60], abs=1e-5)
    assert float(ds.objective_cny) == pytest.approx(33_000)


def test_reserve_rate_limits_what_committed_capacity_delivers(tmp_path):
    # Kills commitment.py:231 (the reserve rate row as a floor). Committed coal (100 MW) delivers 20 % of its
    # committed capacity within the activation time: at most 20 of the 30 MW reserve, whatever its output, so
    # coal meets the 80 MW load and 10 MW are short at 1,000 CNY/MW/h: 80 x 300 + 10 x 1,000 = 34,000.
    # (As a floor, coal would hold 30 MW and gas give 10: 27,000.)
    coal = {**COAL, "committable": "true", "reserve_frac": 0.2}
    reserve = {"load_frac": 0, "largest_unit": False, "fixed_mw": 30, "shortfall_cny_per_mw_h": 1000}
    ds = solve(tmp_path, [coal, GAS], [80], policy={"share_basis": "electricity", "operating_reserve": reserve})
    ds = ds.dataset
    assert float(ds["reserve_shortfall_mw"].values.ravel()[0]) == pytest.approx(10, abs=1e-5)
    assert float(ds.objective_cny) == pytest.approx(34_000)


def test_cheap_demand_response_is_still_paid(tmp_path):
    # Kills demand_response.py:71 (compensation of at most 1 CNY/MWh left out). Load 110 against 100 MW of
    # coal; interruptible load (20 MW) at 1 CNY/MWh is cheaper than coal and curtails all it may: coal 90 MW,
    # 90 x 300 + 20 x 1 = 27,020 (unpaid: 27,000).
    dr = {"name": "dr", "kind": "demand_response", "carrier": "electricity", "existing_mw": 20,
          "vom_cny_per_mwh": 1}
    ds = solve(tmp_path, [COAL, GAS, dr], [110]).dataset
    assert float(ds["cost_cny"].sel(component="vom", owner="dr")) == pytest.approx(20)
    assert ds["generation_mw"].sel(generator="coal").values.tolist() == pytest.approx([90], abs=1e-5)
    assert float(ds.objective_cny) == pytest.approx(27_020)


def test_demand_response_reserve_within_its_available_share(tmp_path):
    # Kills demand_response.py:88-89 (reserve and curtailment within reserve_frac x availability x contract).
    # A 30 MW reserve; committed coal (100 MW) holds its headroom, interruptible load (20 MW contract,
    # availability 0.8, 50 % counts as reserve) at most 0.5 x 0.8 x 20 = 8 MW. Load 80: coal leaves 22 MW of
    # headroom, so it runs at 78 and gas gives 2: 78 x 300 + 2 x 600 = 24,600. (Were the DR share 10 MW or
    # more, coal would run at 80: 24,000.)
    coal = {**COAL, "committable": "true", "reserve_frac": 1}
    dr = {"name": "dr", "kind": "demand_response", "carrier": "electricity", "existing_mw": 20,
          "vom_cny_per_mwh": 400, "reserve_frac": 0.5, "availability": 0.8}
    reserve = {"load_frac": 0, "largest_unit": False, "fixed_mw": 30}
    ds = solve(tmp_path, [coal, GAS, dr], [80], policy={"share_basis": "electricity", "operating_reserve": reserve})
    ds = ds.dataset
    assert float(ds["reserve_dr_mw"].values.ravel()[0]) == pytest.approx(8, abs=1e-5)
    assert ds["generation_mw"].sel(generator="coal").values.tolist() == pytest.approx([78], abs=1e-5)
    assert float(ds.objective_cny) == pytest.approx(24_600)


def test_boiler_fuel_counts_on_the_energy_basis(tmp_path):
    # Kills dispatch.py:115 (the fuel of heat on the energy basis). Coal power 100 MWh at 300 gce/kWh = 30 tce;
    # a coal boiler makes 50 MWh of heat at 150 gce/kWh = 7.5 tce. Both are coal: total and coal accounts
    # 37.5 tce, coal share 1.
    boiler = {"name": "boiler", "kind": "boiler", "carrier": "coal", "existing_mw": 100, "heat_rate_gce_per_kwh": 150}
    data = write_case(tmp_path / "case", [COAL, boiler], [100], heat_mw=[50])
    ds = run(make_config(data, tmp_path, policy={"share_basis": "energy"}), write=False).dataset
    assert float(ds.account_total) == pytest.approx(37.5)
    assert float(ds.account_coal) == pytest.approx(37.5)
    assert float(ds.objective_cny) == pytest.approx(37.5 * 1000)


@pytest.mark.parametrize("extendable", [False, True])
def test_extraction_unit_maximum_counts_its_heat(tmp_path, extendable):
    # Kills heat.py:88 and :92 (the maximum of a free extraction unit, fixed or extendable, on p + c_v h).
    # The unit (100 MW, c_b 0.5, c_v 0.2, 300 CNY per MWh of p + c_v h; extendable to 200 MW at 1,000 CNY/kW,
    # never worth it) makes 100 MW of heat, so p <= 100 - 20 = 80; gas gives the other 70 of the 150 MW load:
    # 100 x 300 + 70 x 600 = 72,000.
    chp = {**COAL, "name": "chp", "chp_mode": "extraction", "power_to_heat": 0.5, "power_loss_per_heat": 0.2}
    if extendable:
        chp |= {"extendable": "true", "max_total_mw": 200, "capex_cny_per_kw": 1000, "lifetime_yr": 1}
    data = write_case(tmp_path / "case", [chp, GAS], [150], heat_mw=[100])
    ds = run(make_config(data, tmp_path), write=False).dataset
    assert ds["generation_mw"].sel(generator="chp").values.tolist() == pytest.approx([80], abs=1e-5)
    assert float(ds.objective_cny) == pytest.approx(72_000)


def test_gas_supply_capability_is_pipeline_plus_lng(tmp_path):
    # Kills gas_supply.py:80 (the capability reported). Pipeline 20,000 m3/yr and up to 10,000 m3 of LNG:
    # 30,000 m3. Load 100 MWh of gas power = 20,000 m3 (0.2 tce/MWh at 1 kgce/m3): within the pipeline.
    gs = {"pipeline_bcm": {"value": 20000 / 1e9}, "lng_bcm_max": 10000 / 1e9, "lng_premium_cny_per_m3": 0.1,
          "kgce_per_m3": 1.0}
    ds = solve(tmp_path, [GAS], [100], policy={"share_basis": "electricity", "gas_supply": gs}).dataset
    assert float(ds.gas_supply_capability_m3) == pytest.approx(30_000)
    assert float(ds.gas_lng_m3) == pytest.approx(0, abs=1e-6)


def test_extendable_boiler_with_variable_cost(tmp_path):
    # Kills heat.py:98 (an extendable boiler forced to at least 1 MW) and :122-123 (a boiler's variable O&M of
    # at most 1 CNY/MWh, or not per MWh). A coal boiler (none in service, 100 CNY per MW built, 150 gce/kWh =
    # 150 CNY/MWh of heat, variable O&M 1 CNY/MWh) meets heat of 50 then 0 MW; coal power 10 MW twice.
    # Built 50 MW: 5,000; heat 50 MWh x (150 + 1) = 7,550; power 20 x 300 = 6,000; in all 18,550.
    boiler = {"name": "boiler", "kind": "boiler", "carrier": "coal", "extendable": "true", "capex_cny_per_kw": 0.1,
              "lifetime_yr": 1, "heat_rate_gce_per_kwh": 150, "vom_cny_per_mwh": 1}
    data = write_case(tmp_path / "case", [COAL, boiler], [10, 10], heat_mw=[50, 0])
    ds = run(make_config(data, tmp_path), write=False).dataset
    assert ds["boiler_heat_mw"].sel(boiler="boiler").values.tolist() == pytest.approx([50, 0], abs=1e-6)
    assert float(ds["cost_cny"].sel(component="vom", owner="boiler")) == pytest.approx(50)
    assert float(ds.objective_cny) == pytest.approx(18_550)


def test_unserved_heat_at_the_value_of_lost_load(tmp_path):
    # Kills heat.py:137 and :139 (the annual heat not met over every network and step, priced at the value of
    # lost load). Two steam networks: a coal boiler of 30 MW (150 CNY/MWh of heat) against 50 MW of heat on a,
    # one of 40 MW against 45 MW on b: 20 + 5 MW unserved at 10,000 CNY/MWh = 250,000; boilers 70 x 150 =
    # 10,500; power 10 MW of coal = 3,000; in all 263,500.
    boilers = [{"name": f"boiler_{n}", "kind": "boiler", "carrier": "coal", "existing_mw": mw,
                "heat_rate_gce_per_kwh": 150, "heat_network": n} for n, mw in (("a", 30), ("b", 40))]
    data = write_case(tmp_path / "case", [COAL, *boilers], [10])
    pd.DataFrame({"timestamp": ["2025-01-01 00:00"], "a": [50.0], "b": [45.0]}).to_csv(tmp_path / "heat.csv",
                                                                                       index=False)
    data["inputs"]["heat_load"] = str(tmp_path / "heat.csv")
    cfg = make_config(data, tmp_path, economics={"allow_unserved": True, "voll_cny_per_mwh": 10000,
                                                 "discount_rate": 0.0})
    ds = run(cfg, write=False).dataset
    assert float(ds["heat_unserved_mw"].sum()) == pytest.approx(25, abs=1e-6)
    assert float(ds.objective_cny) == pytest.approx(263_500)


def test_power_bounds_of_the_month_modelled(tmp_path):
    # Kills imports.py:89 (each step takes the power bounds of the month after its own). Hydro (100 MW, at
    # 700 CNY/MWh dearer than gas) must deliver at least 30 MW in January and 60 MW in February; the two hours
    # modelled are in January: hydro 30, gas 50, 2 x (30 x 700 + 50 x 600) = 102,000.
    hydro = {"name": "hydro", "kind": "import", "carrier": "hydro", "existing_mw": 100, "price_cny_per_mwh": 700,
             "nonfossil_fraction": 1}
    sched = [{"corridor": "hydro", "month": mo, "energy_min_mwh": "", "energy_max_mwh": "", "power_min_mw": p,
              "power_max_mw": ""} for mo, p in ((1, 30), (2, 60))]
    data = write_case(tmp_path / "case", [hydro, GAS], [80, 80], schedules=sched)
    ds = run(make_config(data, tmp_path), write=False).dataset
    assert ds["import_mw"].sel(corridor="hydro").values.tolist() == pytest.approx([30, 30], abs=1e-6)
    assert float(ds.objective_cny) == pytest.approx(102_000)


def test_power_bounds_of_a_typical_day_standing_for_one_day(tmp_path):
    # Kills imports.py:84 and :87 (the months a typical day's steps stand for, and their power bounds). A year
    # of 80 MW but 60 MW on 1 January; two typical days: that one day, and the rest. Hydro (100 MW, 700
    # CNY/MWh, dearer than gas) must deliver at least 30 MW in every month, so in both typical days (the first
    # stands for one day of January only) hydro gives 30 MW and gas the rest:
    # 30 x 8,760 x 700 + gas (30 x 24 + 50 x 24 x 364) x 600 = 446,472,000 CNY.
    hydro = {"name": "hydro", "kind": "import", "carrier": "hydro", "existing_mw": 100, "price_cny_per_mwh": 700,
             "nonfossil_fraction": 1}
    sched = [{"corridor": "hydro", "month": mo, "energy_min_mwh": "", "energy_max_mwh": "", "power_min_mw": 30,
              "power_max_mw": ""} for mo in range(1, 13)]
    load = [60.0] * 24 + [80.0] * (8760 - 24)
    data = write_case(tmp_path / "case", [hydro, GAS], load, schedules=sched)
    cfg = make_config(data, tmp_path, time={"start": None, "end": None, "typical_days": 2, "scale_to_year": True})
    ds = run(cfg, write=False).dataset
    assert ds["import_mw"].sel(corridor="hydro").values == pytest.approx(30, abs=1e-6)
    assert float(ds.objective_cny) == pytest.approx(446_472_000, rel=1e-6)


def test_power_minimum_above_capacity_names_the_hour(tmp_path):
    # Kills imports.py:97 (the hour named when power_min_mw exceeds what the corridor can carry). Hydro (100
    # MW) on a profile of 1.0 then 0.2 can carry 20 MW in hour 1, below its 30 MW minimum: the message names
    # 01:00 and the 20 MW.
    hydro = {"name": "hydro", "kind": "import", "carrier": "hydro", "existing_mw": 100, "price_cny_per_mwh": 100,
             "nonfossil_fraction": 1, "profile": "hydro"}
    sched = [{"corridor": "hydro", "month": 1, "energy_min_mwh": "", "energy_max_mwh": "", "power_min_mw": 30,
              "power_max_mw": ""}]
    data = write_case(tmp_path / "case", [hydro, GAS], [80, 80], {"hydro": [1.0, 0.2]}, schedules=sched)
    with pytest.raises(InputError, match=r"power_min_mw 30 MW exceeds the 20 MW .* at 2025-01-01 01:00"):
        run(make_config(data, tmp_path), write=False)


def test_extendable_corridor_delivers_its_available_capacity(tmp_path):
    # Kills imports.py:120 (imports of a corridor whose capacity is a decision at most availability x
    # capacity). Hydro: none in service, 100 CNY per MW built, 100 CNY/MWh, availability 0.5; gas 600 CNY/MWh.
    # A MW built delivers 0.5 MW and saves 0.5 x 500 = 250 CNY against its 100: hydro is built to carry all
    # 80 MW, 160 MW: 16,000 + 80 x 100 = 24,000.
    hydro = {"name": "hydro", "kind": "import", "carrier": "hydro", "extendable": "true", "capex_cny_per_kw": 0.1,
             "lifetime_yr": 1, "price_cny_per_mwh": 100, "nonfossil_fraction": 1, "availability": 0.5}
    ds = solve(tmp_path, [hydro, GAS], [80]).dataset
    assert float(ds["capacity_new_mw"].sel(technology="hydro")) == pytest.approx(160)
    assert float(ds.objective_cny) == pytest.approx(24_000)


def test_shaped_import_price_weighted_to_a_year(tmp_path):
    # Kills imports.py:156-157 (the hourly price of a shaped corridor, however low its base price, times the
    # hours each step stands for). The day of tests/test_constraints_operation.py scaled to a year (each hour
    # weighs 365 h); the provincial grid costs 1 CNY/MWh x 0.5 at night, x 1.5 in the peak block, x 1.0 in
    # the evening, and meets all load: 365 x (0.5 x 240 + 1.5 x 920 + 1.0 x 240) = 365 x 1,740 = 635,100.
    grid = {"name": "grid", "kind": "import", "carrier": "hydro", "existing_mw": 200, "price_cny_per_mwh": 1,
            "nonfossil_fraction": 1, "price_shape": "day"}
    data = write_case(tmp_path / "case", [grid, GAS], DAY_LOAD, price_shapes=DAY_SHAPE)
    cfg = make_config(data, tmp_path, time={"scale_to_year": True})
    ds = run(cfg, write=False).dataset
    assert float(ds.objective_cny) == pytest.approx(365 * 1_740)


def test_monthly_energy_of_a_one_hour_run(tmp_path):
    # Kills imports.py:201 (a month the run covers for one hour only skipped). As in
    # test_monthly_energy_forces_delivery, a January contract of 744 x 70 MWh is an average of 70 MW, here
    # over the single hour modelled: hydro (700 CNY/MWh) 70, gas 10: 49,000 + 6,000 = 55,000.
    hydro = {"name": "hydro", "kind": "import", "carrier": "hydro", "existing_mw": 100, "price_cny_per_mwh": 700,
             "nonfossil_fraction": 1}
    sched = [{"corridor": "hydro", "month": 1, "energy_min_mwh": 744 * 70, "energy_max_mwh": "",
              "power_min_mw": "", "power_max_mw": ""}]
    data = write_case(tmp_path / "case", [hydro, GAS], [80], schedules=sched)
    ds = run(make_config(data, tmp_path), write=False).dataset
    assert ds["import_mw"].sel(corridor="hydro").values.tolist() == pytest.approx([70], abs=1e-6)
    assert float(ds.objective_cny) == pytest.approx(55_000)


def test_yearly_energy_maximum_in_typical_days(tmp_path):
    # Kills imports.py:192 (with typical days, a maximum in every month is the year's sum). The year of
    # test_power_bounds_of_a_typical_day_standing_for_one_day (700,320 MWh of load); hydro at 100 CNY/MWh
    # may deliver 10 MW on average in each month: 87,600 MWh in the year, gas the rest:
    # 87,600 x 100 + 612,720 x 600 = 376,392,000 CNY.
    hydro = {"name": "hydro", "kind": "import", "carrier": "hydro", "existing_mw": 100, "price_cny_per_mwh": 100,
             "nonfossil_fraction": 1}
    days = pd.Series(pd.date_range("2025-01-01", periods=365, freq="D").month).value_counts()
    sched = [{"corridor": "hydro", "month": mo, "energy_min_mwh": "", "energy_max_mwh": 10 * 24 * days[mo],
              "power_min_mw": "", "power_max_mw": ""} for mo in range(1, 13)]
    load = [60.0] * 24 + [80.0] * (8760 - 24)
    data = write_case(tmp_path / "case", [hydro, GAS], load, schedules=sched)
    cfg = make_config(data, tmp_path, time={"start": None, "end": None, "typical_days": 2, "scale_to_year": True})
    ds = run(cfg, write=False).dataset
    assert float(ds["energy_mwh"].sel(technology="hydro")) == pytest.approx(87_600, rel=1e-6)
    assert float(ds.objective_cny) == pytest.approx(376_392_000, rel=1e-6)


def test_monthly_energy_maximum_as_average_power(tmp_path):
    # Kills imports.py:208 (a monthly maximum of energy as the month's average power). Hydro at 100 CNY/MWh
    # may deliver 744 x 30 MWh in January, an average of 30 MW: 60 MWh over the two hours modelled (how they
    # are split does not matter), gas 100 MWh: 60 x 100 + 100 x 600 = 66,000.
    hydro = {"name": "hydro", "kind": "import", "carrier": "hydro", "existing_mw": 100, "price_cny_per_mwh": 100,
             "nonfossil_fraction": 1}
    sched = [{"corridor": "hydro", "month": 1, "energy_min_mwh": "", "energy_max_mwh": 744 * 30,
              "power_min_mw": "", "power_max_mw": ""}]
    data = write_case(tmp_path / "case", [hydro, GAS], [80, 80], schedules=sched)
    ds = run(make_config(data, tmp_path), write=False).dataset
    assert float(ds["import_mw"].sel(corridor="hydro").sum()) == pytest.approx(60, abs=1e-6)
    assert float(ds.objective_cny) == pytest.approx(66_000)


def test_scheduled_block_cannot_fall_within_the_block(tmp_path):
    # Kills imports.py:233 (delivery constant within a block, not merely non-increasing). The day of
    # test_scheduled_corridor_cannot_follow_load with the peak block turned round: 90 MW for 8 h, then 50 for
    # 4 h. The block level is at most 50 all the same; gas covers 40 MW for 8 h: hydro 8 x 30 + 12 x 50 + 4 x 60
    # = 1,080 MWh x 100, gas 320 MWh x 600: 300,000.
    hydro = {"name": "hydro", "kind": "import", "carrier": "hydro", "existing_mw": 100, "price_cny_per_mwh": 100,
             "nonfossil_fraction": 1, "schedule_shape": "day"}
    load = [30] * 8 + [90] * 8 + [50] * 4 + [60] * 4
    data = write_case(tmp_path / "case", [hydro, GAS], load, price_shapes=DAY_SHAPE)
    ds = run(make_config(data, tmp_path), write=False).dataset
    assert ds["import_mw"].sel(corridor="hydro").values.tolist() == pytest.approx([30] * 8 + [50] * 12 + [60] * 4,
                                                                                   abs=1e-5)
    assert float(ds.objective_cny) == pytest.approx(300_000)


def test_valley_share_of_each_day_own_peak(tmp_path):
    # Kills imports.py:252 (each day's valley and peak blocks found among that day's steps only). Two days; the
    # night (valley) level must be at least 0.8 of the same day's peak level. Day 1: night 90, peak block 50 then
    # 90, evening 60: peak level 50 (the valley rule is slack), gas 40 MW for 8 h. Day 2 is the day of
    # test_valley_block_at_least_a_share_of_the_peak_block: night 30 holds the peak level to 37.5, gas 12.5 MW
    # for 4 h and 52.5 for 8 h. Hydro 1,560 + 930 = 2,490 MWh x 100, gas 790 MWh x 600: 723,000.
    hydro = {"name": "hydro", "kind": "import", "carrier": "hydro", "existing_mw": 100, "price_cny_per_mwh": 100,
             "nonfossil_fraction": 1, "schedule_shape": "day", "valley_peak_ratio_min": 0.8}
    load = [90] * 8 + [50] * 4 + [90] * 8 + [60] * 4 + DAY_LOAD
    data = write_case(tmp_path / "case", [hydro, GAS], load, price_shapes=DAY_SHAPE)
    ds = run(make_config(data, tmp_path), write=False).dataset
    imp = ds["import_mw"].sel(corridor="hydro").values
    assert imp[8:20].tolist() == pytest.approx([50] * 12, abs=1e-5)
    assert imp[32:44].tolist() == pytest.approx([37.5] * 12, abs=1e-5)
    assert float(ds.objective_cny) == pytest.approx(723_000)


def test_valley_hour_at_midnight_is_its_own_block(tmp_path):
    # Kills imports.py:254 (the first step of a day starts a block even when the day ends in the same period).
    # Valley at 0-1 h and 23-24 h, peak 1-23 h; each valley block at least 0.8 of the peak level. Load 30 at
    # hour 0, 100 in the peak block, 90 at hour 23. Hydro at hour 0 is at most 30, so the peak level is at most
    # 37.5 (gas 62.5 MW for 22 h): hydro 30 + 22 x 37.5 + 90 = 945 MWh x 100, gas 1,375 MWh x 600: 919,500.
    shape = [{"shape": "night", "months": "1-12", "hours": "0-1", "period": "valley", "multiplier": 1.0},
             {"shape": "night", "months": "1-12", "hours": "1-23", "period": "peak", "multiplier": 1.0},
             {"shape": "night", "months": "1-12", "hours": "23-24", "period": "valley", "multiplier": 1.0}]
    hydro = {"name": "hydro", "kind": "import", "carrier": "hydro", "existing_mw": 100, "price_cny_per_mwh": 100,
             "nonfossil_fraction": 1, "schedule_shape": "night", "valley_peak_ratio_min": 0.8}
    data = write_case(tmp_path / "case", [hydro, GAS], [30] + [100] * 22 + [90], price_shapes=shape)
    ds = run(make_config(data, tmp_path), write=False).dataset
    imp = ds["import_mw"].sel(corridor="hydro").values
    assert imp.tolist() == pytest.approx([30] + [37.5] * 22 + [90], abs=1e-5)
    assert float(ds.objective_cny) == pytest.approx(919_500)


def test_reserve_share_of_each_hour_load(tmp_path):
    # Kills operating_reserve.py:58 (the requirement per step from that step's load). 10 % of load, held by
    # committed coal (100 MW). Hour 0: load 80, 8 MW reserve fit in the headroom, coal 80. Hour 1: load 95,
    # 9.5 MW reserve: coal at most 90.5, gas 4.5. 170.5 x 300 + 4.5 x 600 = 53,850.
    coal = {**COAL, "committable": "true", "reserve_frac": 1}
    reserve = {"load_frac": 0.1, "largest_unit": False}
    ds = solve(tmp_path, [coal, GAS], [80, 95], policy={"share_basis": "electricity", "operating_reserve": reserve})
    ds = ds.dataset
    assert ds["reserve_requirement_mw"].values.tolist() == pytest.approx([8, 9.5])
    assert ds["generation_mw"].sel(generator="gas").values.tolist() == pytest.approx([0, 4.5], abs=1e-5)
    assert float(ds.objective_cny) == pytest.approx(53_850)


def test_a_small_reserve_without_providers_is_infeasible(tmp_path):
    # Kills operating_reserve.py:80 (a requirement of at most 1 MW with nobody to hold it passed over). A 1 MW
    # reserve, and no technology has a reserve_frac: the run cannot hold it and says so.
    with pytest.raises(InfeasibleError, match="no technology holds reserve"):
        solve(tmp_path, [COAL, GAS], [80], policy={"share_basis": "electricity", "operating_reserve": {
            "load_frac": 0, "largest_unit": False, "fixed_mw": 1}})


def test_exact_capacity_target_is_not_a_floor(tmp_path):
    # Kills registry.py:194 (as campaigned; a row of sense == stated as >=). The case of
    # test_expansion_stops_where_value_falls_below_cost, where PV alone would be built to 120 MW, with a
    # target of exactly 50 MW: PV gives 0, 50, 25 MW against the load 50, 80, 60; coal 115 MWh.
    # 50 x 100 + 115 x 300 = 39,500 (as a floor: 120 MW, 27,000).
    pv = {"name": "pv", "kind": "generator", "carrier": "solar", "extendable": "true", "profile": "pv",
          "capex_cny_per_kw": 0.1, "lifetime_yr": 1}
    policy = {"share_basis": "electricity",
              "capacity_targets": [{"name": "pv", "value": 50, "technologies": ["pv"], "sense": "=="}]}
    ds = solve(tmp_path, [COAL, pv], [50, 80, 60], {"pv": [0.0, 1.0, 0.5]}, policy=policy).dataset
    assert float(ds["capacity_total_mw"].sel(technology="pv")) == pytest.approx(50)
    assert float(ds.objective_cny) == pytest.approx(39_500)


def test_each_zone_balances_its_own_technologies(tmp_path):
    # Kills sets.py:105 (a technology counted in the zones whose name sorts at or before its own). Two zones
    # without links: coal (100 MW) in zone a meets a's 50 MW, gas (100 MW) in zone b meets b's 30 MW:
    # 50 x 300 + 30 x 600 = 33,000. (Gas counted in zone a as well: coal 20, 24,000.)
    data = write_case(tmp_path / "case", [{**COAL, "zone": "a"}, {**GAS, "zone": "b"}], [0.0])
    load = pd.read_csv(data["inputs"]["load"])
    load[["a", "b"]] = [[50.0, 30.0]]
    load.drop(columns="load_mw").to_csv(data["inputs"]["load"], index=False)
    ds = run(make_config(data, tmp_path, zones=["a", "b"]), write=False).dataset
    assert ds["generation_mw"].sel(generator="coal").values.tolist() == pytest.approx([50])
    assert ds["generation_mw"].sel(generator="gas").values.tolist() == pytest.approx([30])
    assert float(ds.objective_cny) == pytest.approx(33_000)


def test_clean_electricity_share_over_the_load_of_every_hour(tmp_path):
    # Kills shares.py:79 (annual load summed over the zones of each hour, then weighted). PV (50 MW, free) on a
    # profile of 0 then 1 against a load of 50 then 80 MW: 50 MWh of clean electricity over 130 MWh of load.
    pv = {"name": "pv", "kind": "generator", "carrier": "solar", "existing_mw": 50, "profile": "pv"}
    ds = solve(tmp_path, [COAL, pv], [50, 80], {"pv": [0.0, 1.0]}).dataset
    assert float(ds.clean_electricity_share) == pytest.approx(50 / 130)


def test_storage_in_two_hour_steps(tmp_path):
    # Kills storage.py:72 (energy stored per MW charged over a step of 2 h). test_storage_shifts_energy_with_losses
    # in 2-hour steps: PV (100 MW) makes 100 MW in step 0 only, load 50 MW. The battery (100 MW, 100 MWh, 90 %
    # each way) charges the 50 MW surplus for 2 h: 0.9 x 50 x 2 = 90 MWh; in step 1 it gives 90 x 0.9 / 2 h =
    # 40.5 MW, gas 9.5 MW for 2 h: 19 MWh x 600 = 11,400.
    pv = {"name": "pv", "kind": "generator", "carrier": "solar", "existing_mw": 100, "profile": "pv"}
    bat = {"name": "bat", "kind": "storage", "carrier": "electricity", "existing_mw": 100, "existing_mwh": 100,
           "efficiency_charge": 0.9, "efficiency_discharge": 0.9}
    ds = solve(tmp_path, [pv, GAS, bat], [50] * 4, {"pv": [1.0, 1.0, 0.0, 0.0]}, time={"resolution_h": 2}).dataset
    assert ds["storage_soc_mwh"].sel(storage="bat").values.tolist() == pytest.approx([90, 0], abs=1e-6)
    assert ds["storage_discharge_mw"].sel(storage="bat").values.tolist() == pytest.approx([0, 40.5], abs=1e-6)
    assert float(ds.objective_cny) == pytest.approx(11_400)


def test_storage_reserve_within_its_discharge_headroom(tmp_path):
    # Kills storage.py:129 (reserve plus discharge less charge within the power capacity). A 30 MW reserve held
    # by a lossless battery alone (50 MW, 500 MWh: energy never binds). PV (100 MW) makes 100 MW in hour 0 only;
    # load 50 then 80. In hour 1 the battery may discharge 50 - 30 = 20 MW of the PV surplus it stored; coal
    # gives the other 60: 18,000. (Without the headroom it would discharge 50 MW: 9,000.)
    pv = {"name": "pv", "kind": "generator", "carrier": "solar", "existing_mw": 100, "profile": "pv"}
    bat = {"name": "bat", "kind": "storage", "carrier": "electricity", "existing_mw": 50, "existing_mwh": 500,
           "efficiency_charge": 1.0, "efficiency_discharge": 1.0, "reserve_frac": 1}
    reserve = {"load_frac": 0, "largest_unit": False, "fixed_mw": 30}
    ds = solve(tmp_path, [COAL, pv, bat], [50, 80], {"pv": [1.0, 0.0]},
               policy={"share_basis": "electricity", "operating_reserve": reserve}).dataset
    assert ds["storage_discharge_mw"].sel(storage="bat").values.tolist() == pytest.approx([0, 20], abs=1e-6)
    assert float(ds.objective_cny) == pytest.approx(18_000)



def _midnight_pv_year(tmp_path: Path, bat: dict[str, Any]) -> Any:
    """A year of two day types (even days 50 MW, odd days 40 MW of load) on two typical days; PV (100 MW)
    makes 100 MW at midnight only, gas (600 CNY/MWh) covers what PV and the battery ``bat`` do not."""
    hours = pd.date_range("2025-01-01", periods=8760, freq="h")
    load = np.where(hours.dayofyear.to_numpy() % 2 == 0, 50.0, 40.0).tolist()
    pv = {"name": "pv", "kind": "generator", "carrier": "solar", "existing_mw": 100, "profile": "pv"}
    cf = np.where(hours.hour == 0, 1.0, 0.0).tolist()
    data = write_case(tmp_path / "case", [pv, GAS, bat], load, {"pv": cf})
    cfg = make_config(data, tmp_path, time={"start": None, "end": None, "typical_days": 2, "scale_to_year": True})
    return run(cfg, write=False).dataset


BIG_BATTERY = {"name": "bat", "kind": "storage", "carrier": "electricity", "existing_mw": 100, "existing_mwh": 1000,
               "efficiency_charge": 0.9, "efficiency_discharge": 1.0}


def test_typical_day_storage_charged_in_its_first_hour(tmp_path):
    # Kills storage.py:164 (the intra-day state of charge of a typical day starts from what its first step
    # charges and discharges). In _midnight_pv_year a battery (100 MW, 1,000 MWh, 90 % charging) stores the
    # midnight surplus, 50 MW on even days and 60 on odd ones (45 and 54 MWh), and gives it back the same day
    # (charging from gas would lose 10 %). Of the 394,080 MWh of load (182 x 24 x 50 + 183 x 24 x 40) PV covers
    # 182 x (50 + 45) + 183 x (40 + 54) = 34,492 MWh, gas 359,588 MWh x 600.
    ds = _midnight_pv_year(tmp_path, BIG_BATTERY)
    spd = int(ds["typical_day"].attrs["steps_per_day"])
    first = ds["storage_charge_mw"].sel(storage="bat").values.reshape(-1, spd)[:, 0]
    soc = ds["storage_soc_mwh"].sel(storage="bat").values.reshape(-1, spd)[:, 0]
    assert sorted(first.tolist()) == pytest.approx([50, 60], abs=1e-6)
    assert soc.tolist() == pytest.approx((0.9 * first).tolist(), abs=1e-6)
    assert float(ds.objective_cny) == pytest.approx(359_588 * 600, rel=1e-6)


def test_typical_day_storage_within_its_energy_capacity(tmp_path):
    # Kills storage.py:180 (stored energy at most the energy capacity on every day, the intra-day high
    # included). As above with a battery of 50 MWh whose energy may be extended at 1,000 CNY/kWh (never worth
    # it; so no bound on the intra-day state but this row): odd days store 50 of the 54 MWh their surplus could
    # give, so gas gives 183 x 4 MWh more: 360,320 MWh x 600.
    bat = {**BIG_BATTERY, "existing_mwh": 50, "extendable": "true", "max_total_mw": 100,
           "capex_cny_per_kwh": 1000, "lifetime_yr": 1}
    ds = _midnight_pv_year(tmp_path, bat)
    assert float(ds["energy_capacity_new_mwh"].sel(storage="bat")) == pytest.approx(0, abs=1e-6)
    assert float(ds["storage_soc_mwh"].sel(storage="bat").max()) == pytest.approx(50, abs=1e-4)
    assert float(ds.objective_cny) == pytest.approx(360_320 * 600, rel=1e-6)


def test_capacity_target_bounds_from_the_table_limits(tmp_path):
    # Kills targets.py:78-79 (the least and most the counted capacity can be: in service plus the bounds of
    # the new capacity) and :88 (a ceiling above that most holds by construction). PV: 50 MW in service, at
    # least 80 and at most 120 MW in all (new 30 to 70 MW), 1 CNY per MW built; no load in its hour, so it is
    # built to its minimum. A floor of 60 MW holds by construction (80 MW cannot be retired); a ceiling of
    # 100 MW does not (PV could reach 120 MW): the solution decides; a ceiling of 150 MW holds by construction.
    pv = {"name": "pv", "kind": "generator", "carrier": "solar", "existing_mw": 50, "extendable": "true",
          "min_total_mw": 80, "max_total_mw": 120, "capex_cny_per_kw": 0.001, "lifetime_yr": 1, "profile": "pv"}
    targets = [{"name": "floor", "value": 60, "technologies": ["pv"], "sense": ">="},
               {"name": "ceiling", "value": 100, "technologies": ["pv"], "sense": "<="},
               {"name": "high", "value": 150, "technologies": ["pv"], "sense": "<="}]
    ds = solve(tmp_path, [COAL, pv], [100], {"pv": [0.0]},
               policy={"share_basis": "electricity", "capacity_targets": targets}).dataset
    why = dict(zip(ds["policy"].values.tolist(), ds["policy_by_construction"].values.tolist(), strict=True))
    assert "(80 MW) already reaches it" in str(why["cap_floor"])
    assert str(why["cap_ceiling"]) == ""
    assert "cannot exceed 120 MW" in str(why["cap_high"])
    assert float(ds["capacity_total_mw"].sel(technology="pv")) == pytest.approx(80)


def test_typical_day_storage_carried_within_its_energy_capacity(tmp_path):
    # Kills storage.py:180 (energy carried into a day counts against the energy capacity). Days come in pairs:
    # two sunny days (PV 100 MW at midnight, 10 MW of load then, none after), two dark days (no PV, 10 MW all
    # day); the year ends and begins sunny (days 365, 1, 2). Two typical days, so every sunny day charges the
    # same c and nothing is used before the next dark day: three sunny days in a row hold 3c <= 50 MWh in a
    # lossless battery (100 MW, 50 MWh), c = 50/3, and the battery delivers 183 x 50/3 = 3,050 MWh in the year
    # (were carried energy not counted, 50 a sunny day). Load 183 x 10 + 182 x 240 = 45,510 MWh; PV meets 1,830
    # directly; gas 45,510 - 1,830 - 3,050 = 40,630 MWh x 600.
    hours = pd.date_range("2025-01-01", periods=8760, freq="h")
    sunny = ((hours.dayofyear.to_numpy() - 1) // 2) % 2 == 0
    midnight = hours.hour.to_numpy() == 0
    load = np.where(sunny & ~midnight, 0.0, 10.0).tolist()
    cf = np.where(sunny & midnight, 1.0, 0.0).tolist()
    pv = {"name": "pv", "kind": "generator", "carrier": "solar", "existing_mw": 100, "profile": "pv"}
    bat = {**BIG_BATTERY, "existing_mwh": 50, "efficiency_charge": 1.0}
    data = write_case(tmp_path / "case", [pv, GAS, bat], load, {"pv": cf})
    cfg = make_config(data, tmp_path, time={"start": None, "end": None, "typical_days": 2, "scale_to_year": True})
    ds = run(cfg, write=False).dataset
    assert float(ds["energy_mwh"].sel(technology="gas")) == pytest.approx(40_630, rel=1e-6)
    assert float(ds.objective_cny) == pytest.approx(40_630 * 600, rel=1e-6)


# --- second campaign (2026-12-07, seed 2026 + transmission.py) ---


def test_extendable_link_within_its_limit_pays_fixed_costs(tmp_path):
    # Kills transmission.py:67-68 (room to build max_total - existing, at least 0 and no more), :82 (the flow
    # b -> a within the new capacity too), :90 and :92 (the zones of a link matched exactly: here zone_a is
    # south, which sorts after north) and :109-110 (fixed O&M of 0.1 CNY/kW/yr on the total capacity). The
    # two-zone case of tests/test_transmission.py with the link stated south -> north, 60 MW in service, at
    # most 60.5 MW, 200 CNY per MW built and 100 CNY per MW a year. Each MW more saves 2 x (0.9 x 500 - 100)
    # = 700 > 300 CNY: 0.5 MW are built. The north sends (b -> a) 50 / 0.9, 60.5, 60.5 MW; the dear unit
    # gives 80 - 54.45 = 25.55 and 60 - 54.45 = 5.55 MW: 176.56 x 100 + 31.1 x 500 + 0.5 x 200 + 60.5 x 100
    # = 17,655.6 + 15,550 + 100 + 6,050 = 39,355.6 CNY.
    from test_transmission import LINK, _case

    link = {**LINK, "zone_a": "south", "zone_b": "north", "extendable": "true", "max_total_mw": 60.5,
            "capex_cny_per_kw": 0.2, "lifetime_yr": 1, "fom_cny_per_kw_yr": 0.1}
    ds = run(_case(tmp_path, [link]), write=False).dataset
    assert float(ds["link_capacity_new_mw"].sel(link="n_s")) == pytest.approx(0.5, abs=1e-6)
    assert ds["link_bwd_mw"].sel(link="n_s").values == pytest.approx([50 / 0.9, 60.5, 60.5], abs=1e-5)
    assert ds["link_fwd_mw"].sel(link="n_s").values == pytest.approx([0, 0, 0], abs=1e-5)
    assert ds["generation_mw"].sel(generator="dear").values == pytest.approx([0, 25.55, 5.55], abs=1e-5)
    assert float(ds["cost_cny"].sel(component="fom", owner="n_s")) == pytest.approx(6_050)
    assert float(ds.objective_cny) == pytest.approx((50 / 0.9 + 121) * 100 + 15_550 + 100 + 6_050)


def test_zonal_reserve_margin_of_three_zones(tmp_path):
    # Kills reserve.py:58-59 (firm capacity carried over a link counted in the zone it reaches and against the
    # zone it leaves, and in no other). Zones a, b, c, each needing 1.2 x its peak: a has load 80 (needs 96)
    # and a unit of its own; b a cheap 100 MW unit and no load; c load 50 (needs 60), 30 MW of its own and a
    # link from b (60 MW, 10 % lost), which must carry (60 - 30) / 0.9 = 33.3 MW of firm capacity. With 96 MW
    # firm in a (100 MW at a credit of 0.96) the margin holds (a's row must not count b -> c against a); at a
    # credit of 0.4 a is short (its row must not count b -> c as reaching a).
    units = [{"name": f"g{z}", "kind": "generator", "carrier": "biomass", "existing_mw": mw, "vom_cny_per_mwh": 100,
              "zone": z, "firm_capacity_credit": credit} for z, mw, credit in (("a", 100, 0.96), ("b", 100, 1),
                                                                               ("c", 30, 1))]
    data = write_case(tmp_path / "case", units, [0.0])
    load = pd.read_csv(data["inputs"]["load"]).drop(columns="load_mw").assign(a=80.0, b=0.0, c=50.0)
    load.to_csv(data["inputs"]["load"], index=False)
    pd.DataFrame([{"name": "b_c", "zone_a": "b", "zone_b": "c", "existing_mw": 60, "loss_frac": 0.1,
                   "source": "hand-worked test"}]).to_csv(tmp_path / "links.csv", index=False)
    data["inputs"]["links"] = str(tmp_path / "links.csv")
    cfg = make_config(data, tmp_path, zones=["a", "b", "c"], policy={
        "share_basis": "electricity", "reserve_margin": 0.2, "reserve_margin_scope": "zone"})
    ds = run(cfg, write=False).dataset
    assert float(ds["policy_lhs"].sel(policy="reserve_margin_c")) >= 60 - 1e-6
    with pytest.raises(InfeasibleError, match="reserve_margin_a"):
        run(cfg.model_copy(update={"technologies": {"ga": {"firm_capacity_credit": 0.4}}}), write=False)


# PV of test_exact_capacity_target_is_not_a_floor: 100 CNY per MW built, load 50, 80, 60 against a profile 0,
# 1, 0.5; alone it is built to 120 MW (each MW beyond 80 still saves 0.5 x 300 = 150 CNY).
EXTENDABLE_PV = {"name": "pv", "kind": "generator", "carrier": "solar", "extendable": "true", "profile": "pv",
                 "capex_cny_per_kw": 0.1, "lifetime_yr": 1}


@pytest.mark.parametrize(("target", "pv_mw", "cost"), [
    # exactly 150 MW: more than pays; PV 0, 80, 60, coal 50: 15,000 + 15,000 (as a ceiling: 120 MW, 27,000)
    ({"value": 150, "sense": "=="}, 150, 30_000),
    # 100 MW within 10 %: the ceiling 110 binds; PV 0, 80, 55, coal 55 MWh: 11,000 + 16,500 (the ceiling
    # 100 x (1 - 10 %) = 90: 9,000 + 65 x 300 = 28,500)
    ({"value": 100, "sense": "==", "tolerance": 0.1}, 110, 27_500),
])
def test_exact_capacity_target_binds_both_ways(tmp_path, target, pv_mw, cost):
    # Kills registry.py:274 (a row of sense == stated as <=) and targets.py:58 and :60 (the ceiling of a
    # target within a tolerance at value x (1 + tolerance), and its description).
    policy = {"share_basis": "electricity", "capacity_targets": [{"name": "pv", "technologies": ["pv"], **target}]}
    ds = solve(tmp_path, [COAL, EXTENDABLE_PV], [50, 80, 60], {"pv": [0.0, 1.0, 0.5]}, policy=policy).dataset
    assert float(ds["capacity_total_mw"].sel(technology="pv")) == pytest.approx(pv_mw)
    assert float(ds.objective_cny) == pytest.approx(cost)
    if "tolerance" in target:
        assert str(ds["policy_description"].sel(policy="cap_pv_max").values).endswith("(+10%)")
        assert str(ds["policy_description"].sel(policy="cap_pv_min").values).endswith("(-10%)")


def test_capacity_floor_reached_up_to_float_rounding(tmp_path):
    # Kills targets.py:86 (a floor reached by the capacity in service only to within float rounding is still
    # reached by construction). Two biomass units of 0.7 and 0.1 MW in service: 0.7 + 0.1 = 0.7999999999999999
    # in floats, a floor of 0.8 MW holds whatever the optimum.
    units = [{"name": n, "kind": "generator", "carrier": "biomass", "existing_mw": mw} for n, mw in
             (("old_a", 0.7), ("old_b", 0.1))]
    targets = [{"name": "floor", "value": 0.8, "technologies": ["old_a", "old_b"], "sense": ">="}]
    ds = solve(tmp_path, [COAL, *units], [10], policy={"share_basis": "electricity", "capacity_targets": targets})
    why = dict(zip(ds.dataset["policy"].values.tolist(), ds.dataset["policy_by_construction"].values.tolist(),
                   strict=True))
    assert "already reaches it" in str(why["cap_floor"])


def test_import_of_partly_non_fossil_power_at_its_full_capacity(tmp_path):
    # Kills imports.py:96 (a power minimum equal to the corridor's capacity is allowed) and :167 (the
    # non-fossil account counts nonfossil_fraction x the energy). Hydro (100 MW, 700 CNY/MWh, half of it
    # non-fossil) must deliver 100 MW in January; load 120: gas 20. 100 x 700 + 20 x 600 = 82,000; the
    # non-fossil account 50 MWh of the 120.
    hydro = {"name": "hydro", "kind": "import", "carrier": "hydro", "existing_mw": 100, "price_cny_per_mwh": 700,
             "nonfossil_fraction": 0.5}
    sched = [{"corridor": "hydro", "month": 1, "energy_min_mwh": "", "energy_max_mwh": "", "power_min_mw": 100,
              "power_max_mw": ""}]
    data = write_case(tmp_path / "case", [hydro, GAS], [120], schedules=sched)
    ds = run(make_config(data, tmp_path), write=False).dataset
    assert ds["import_mw"].sel(corridor="hydro").values.tolist() == pytest.approx([100], abs=1e-6)
    assert float(ds.account_nonfossil) == pytest.approx(50)
    assert float(ds.account_total) == pytest.approx(120)
    assert float(ds.objective_cny) == pytest.approx(82_000)


def test_yearly_energy_minimum_in_typical_days(tmp_path):
    # Kills imports.py:200 (on typical days the monthly minima add up to a yearly floor). Hydro (100 MW, 700
    # CNY/MWh, dearer than gas) must deliver at least 1,000 MWh a month: 12,000 MWh in the year, no more. Load
    # 80 MW on even days, 60 on odd ones (182 x 24 x 80 + 183 x 24 x 60 = 612,960 MWh):
    # 12,000 x 700 + 600,960 x 600 = 368,976,000 CNY.
    hydro = {"name": "hydro", "kind": "import", "carrier": "hydro", "existing_mw": 100, "price_cny_per_mwh": 700,
             "nonfossil_fraction": 1}
    sched = [{"corridor": "hydro", "month": mo, "energy_min_mwh": 1000, "energy_max_mwh": "", "power_min_mw": "",
              "power_max_mw": ""} for mo in range(1, 13)]
    days = pd.date_range("2025-01-01", periods=8760, freq="h").dayofyear.to_numpy()
    data = write_case(tmp_path / "case", [hydro, GAS], np.where(days % 2 == 0, 80.0, 60.0).tolist(), schedules=sched)
    cfg = make_config(data, tmp_path, time={"start": None, "end": None, "typical_days": 2, "scale_to_year": True})
    ds = run(cfg, write=False).dataset
    assert float(ds.objective_cny) == pytest.approx(12_000 * 700 + 600_960 * 600, rel=1e-9)


def test_clean_electricity_share_in_two_hour_steps(tmp_path):
    # Kills shares.py:79 (the annual load weights each step by the hours it stands for). PV (50 MW, free) on a
    # profile 0, 0, 1, 1 against a load of 50, 50, 80, 80 MW, in 2-hour steps: 100 MWh of clean electricity
    # over 260 MWh of load.
    pv = {"name": "pv", "kind": "generator", "carrier": "solar", "existing_mw": 50, "profile": "pv"}
    ds = solve(tmp_path, [COAL, pv], [50, 50, 80, 80], {"pv": [0.0, 0.0, 1.0, 1.0]}, time={"resolution_h": 2})
    assert float(ds.dataset.clean_electricity_share) == pytest.approx(100 / 260)


def test_storage_reserve_headroom_grows_while_charging(tmp_path):
    # Kills storage.py:136 (what storage charges adds to its reserve headroom: r + d - c <= capacity). An
    # 80 MW reserve, held only by a lossless battery (50 MW, 500 MWh: energy never binds), short reserve at
    # 1,000 CNY/MW/h. PV (100 MW) makes 100 MW in hour 0 only; load 50 both hours. Shifting d MW from hour 0
    # to hour 1 (d <= 30): hour 0 holds 50 + d, 30 - d short; hour 1 holds 50 - d, 30 + d short; coal 50 - d:
    # 300 (50 - d) + 1,000 x 60 = 75,000 - 300 d, least at d = 30: 66,000. (Were the charge not counted,
    # hour 0 would hold 50 whatever the charge: d = 0, 75,000.)
    pv = {"name": "pv", "kind": "generator", "carrier": "solar", "existing_mw": 100, "profile": "pv"}
    bat = {"name": "bat", "kind": "storage", "carrier": "electricity", "existing_mw": 50, "existing_mwh": 500,
           "efficiency_charge": 1.0, "efficiency_discharge": 1.0, "reserve_frac": 1}
    reserve = {"load_frac": 0, "largest_unit": False, "fixed_mw": 80, "shortfall_cny_per_mw_h": 1000}
    ds = solve(tmp_path, [COAL, pv, bat], [50, 50], {"pv": [1.0, 0.0]},
               policy={"share_basis": "electricity", "operating_reserve": reserve}).dataset
    assert ds["storage_discharge_mw"].sel(storage="bat").values.tolist()[1] == pytest.approx(30, abs=1e-6)
    assert float(ds.objective_cny) == pytest.approx(66_000)


def test_a_cheap_fuel_is_still_paid(tmp_path):
    # Kills dispatch.py:107 (fuel of at most 1 CNY/tce left unpaid). Coal at 1 CNY/tce: 100 MWh at 0.3 tce/MWh
    # cost 30 CNY.
    carriers = [("coal", 1.0, 2.0, True, True, False), *[c for c in CARRIERS if c[0] != "coal"]]
    data = write_case(tmp_path / "case", [COAL], [100], carriers=carriers)
    ds = run(make_config(data, tmp_path), write=False).dataset
    assert float(ds["cost_cny"].sel(component="fuel", owner="coal")) == pytest.approx(30)
    assert float(ds.objective_cny) == pytest.approx(30)


def test_idle_boiler_and_extendable_unit_class_may_stay_off(tmp_path):
    # Kills heat.py:98 (a boiler in service may make no heat) and commitment.py:76 (an extendable unit class
    # may commit nothing). Free PV (100 MW) meets the 50 MW load; no heat is needed; coal (100 MW, may be built
    # to 200 at 1,000 CNY/kW, committable, 0.5 minimum) and a coal boiler (100 MW) stay off: 0 CNY. (One MW
    # committed runs at least 0.5 MW: 150 CNY; a boiler held at 1 MW makes heat nobody takes.)
    coal = {**UC_COAL, "extendable": "true", "max_total_mw": 200, "capex_cny_per_kw": 1000, "lifetime_yr": 1}
    pv = {"name": "pv", "kind": "generator", "carrier": "solar", "existing_mw": 100, "profile": "pv"}
    boiler = {"name": "boiler", "kind": "boiler", "carrier": "coal", "existing_mw": 100, "heat_rate_gce_per_kwh": 150}
    data = write_case(tmp_path / "case", [coal, pv, boiler], [50], {"pv": [1.0]}, heat_mw=[0.0])
    ds = run(make_config(data, tmp_path), write=False).dataset
    assert ds["committed_mw"].sel(committable="coal").values.tolist() == pytest.approx([0], abs=1e-6)
    assert ds["boiler_heat_mw"].sel(boiler="boiler").values.tolist() == pytest.approx([0], abs=1e-6)
    assert float(ds.objective_cny) == pytest.approx(0, abs=1e-6)


def test_extendable_demand_response_within_its_available_share(tmp_path):
    # Kills demand_response.py:60 (curtailment of an extendable contract at most availability x contract).
    # Load 110 against 100 MW of coal and gas at 600; a DR contract may be signed up to 20 MW at 100 CNY per MW
    # (0.1 CNY/kW, 1 year), half of it available, 1 CNY per MWh curtailed. Each MW signed curtails 0.5 MW of
    # gas (299.5 CNY saved > 100): 20 MW signed, 10 curtailed, no gas: 30,000 + 2,000 + 10 = 32,010.
    dr = {"name": "dr", "kind": "demand_response", "carrier": "electricity", "extendable": "true",
          "max_total_mw": 20, "capex_cny_per_kw": 0.1, "lifetime_yr": 1, "vom_cny_per_mwh": 1, "availability": 0.5}
    ds = solve(tmp_path, [COAL, GAS, dr], [110]).dataset
    assert float(ds["capacity_new_mw"].sel(technology="dr")) == pytest.approx(20)
    assert ds["generation_mw"].sel(generator="gas").values.tolist() == pytest.approx([0], abs=1e-6)
    assert float(ds.objective_cny) == pytest.approx(32_010)


def test_lossy_storage_carried_to_the_last_hour_of_a_typical_day(tmp_path):
    # Linked typical days with standing losses against the full year (the existing check is lossless). A year
    # of alternating sunny days (PV 10:00-15:00) and dark days, the last day bright all day; 10 MW of load at
    # 23:00 only. A battery with a 2 %/h standing loss carries PV from each sunny day to the next dark day's
    # 23:00, where it holds keep ** 24 of what the day began with: drawn in the day's last step, the carried
    # energy's decay is exact in the linked scheme, so three typical days (sunny, dark, bright) must give the
    # full-resolution optimum. Kills storage.py:191 with the day's lowest state dropped (its survivor, keep ** 24
    # -> keep, holds here too: the next day's start, never negative, implies the bound; see the next test).
    n = 8760
    hour, day = np.arange(n) % 24, np.arange(n) // 24
    pv = np.where((day % 2 == 0) & (hour >= 10) & (hour < 15), 1.0, 0.0)
    pv[day == 364] = 1.0
    load = np.where(hour == 23, 10.0, 0.0)
    gas = {**GAS, "existing_mw": 20}
    pv_row = {"name": "pv", "kind": "generator", "carrier": "solar", "extendable": "true", "profile": "pv",
              "capex_cny_per_kw": 20, "lifetime_yr": 1}
    bat = {"name": "bat", "kind": "storage", "carrier": "electricity", "extendable": "true", "capex_cny_per_kwh": 5,
           "capex_cny_per_kw": 1, "lifetime_yr": 1, "firm_capacity_credit": 0, "standing_loss_frac_per_h": 0.02}
    data = write_case(tmp_path / "c", [gas, pv_row, bat], load.tolist(), {"pv": pv.tolist()})
    data["time"] = {"scale_to_year": True}
    full = run(make_config(data, tmp_path), write=False).dataset
    td = run(make_config(data, tmp_path, time={"scale_to_year": True, "typical_days": 3}), write=False).dataset
    assert float(full["energy_capacity_total_mwh"].sel(storage="bat")) > 10  # it carries a day's 23:00 and more
    assert float(td.objective_cny) == pytest.approx(float(full.objective_cny), rel=1e-6)


@pytest.mark.parametrize(("load_mw", "relaxed"), [(0.8, "coal_share"), (0.4, "cap_pv")])
def test_diagnosis_weighs_a_share_by_the_whole_energy_account(tmp_path, load_mw, relaxed):
    # Kills shares.py:81 (the share rows' scale is the year's whole energy account: the load at chi tce/MWh
    # plus the fuels outside the power sector), which weighs their relaxation in the infeasibility diagnosis.
    # Energy basis, chi = 0.3 tce/MWh, load L MW for one hour, gas 0.2 L tce outside the power sector; only
    # coal (0.3 tce/MWh) may run, PV is capped at 0 MW, coal at most 50 %: total 0.5 L tce, coal 0.3 L. The
    # conflict relaxes either the share by 0.3 L - 0.25 L = 0.05 L tce or the PV cap by L / 6 MW. Weights
    # (run._diagnose): top / scale, the share's scale S = 0.5 L, the cap's 1 (its value 0, at least 1); with
    # S < 1 the top is 1, so the share costs 0.05 L / S = 0.1 and the cap L / 6: L = 0.8 relaxes the share
    # (0.1 < 0.133), L = 0.4 the cap (0.067 < 0.1). Without the outside fuel in S (0.3 L) the share would cost
    # 0.167 and L = 0.8 relax the cap; without chi (S = 1.2 L) 0.042, and L = 0.4 relax the share.
    pv = {"name": "pv", "kind": "generator", "carrier": "solar", "extendable": "true", "profile": "pv",
          "capex_cny_per_kw": 0.001, "lifetime_yr": 1}
    policy = {"share_basis": "energy", "coal_share_max": {"value": 0.5},
              "energy_accounting": {"non_power_tce": {"gas": 0.2 * load_mw}, "coal_equivalent_gce_per_kwh": 300},
              "capacity_targets": [{"name": "pv", "value": 0, "technologies": ["pv"], "sense": "<="}]}
    with pytest.raises(InfeasibleError) as err:
        solve(tmp_path, [COAL, pv], [load_mw], {"pv": [1.0]}, policy=policy)
    relaxation = str(err.value).split("smallest relaxation: ")[1]
    assert relaxation.split(" ")[0] == relaxed, str(err.value)


def test_typical_day_storage_bounds_are_safe_against_the_days_decay(tmp_path):
    # Kills storage.py:191 (the lowest state of a linked typical day bounded with one step's decay of the
    # energy carried in, keep x X, not the whole day's, keep ** spd x X). Every day alike, in 12-hour steps
    # (spd = 2): 10 MW of load in the night step, free PV in the day step; a battery loses 10 % of what it
    # holds per step (keep 0.9, 0.81 a day), gas is the dear alternative, so the battery carries the night.
    # Full year: the day starts with X, the night draws 120 MWh, X = 120 / 0.9 = 133.3 MWh is the energy
    # capacity. Linked typical days bound the stored energy safely, as if the day's whole decay came before
    # its lowest state and none before its highest: 0.81 X - 120 >= 0 (X = 148.1) and E >= X + (the day
    # step's intra-day state, 0.9 x (-120) + 12 C with 12 C = 0.19 X + 108, so 0.19 X): E = 1.19 x 148.1 =
    # 176.3 MWh. With keep x X the night would need X = 133.3 only (E = 158.7).
    n = 8760
    hour = np.arange(n) % 24
    pv = {"name": "pv", "kind": "generator", "carrier": "solar", "existing_mw": 100, "profile": "pv"}
    bat = {"name": "bat", "kind": "storage", "carrier": "electricity", "extendable": "true", "capex_cny_per_kwh": 5,
           "capex_cny_per_kw": 0.001, "lifetime_yr": 1, "efficiency_charge": 1.0, "efficiency_discharge": 1.0,
           "standing_loss_frac_per_h": 1 - 0.9 ** (1 / 12), "firm_capacity_credit": 0}
    data = write_case(tmp_path / "c", [GAS, pv, bat], np.where(hour < 12, 10.0, 0.0).tolist(),
                      {"pv": np.where(hour >= 12, 1.0, 0.0).tolist()})
    data["time"] = {"scale_to_year": True}
    energy = {}
    for label, days in (("full", None), ("typical", 2)):
        time = {"scale_to_year": True, "resolution_h": 12, "typical_days": days}
        ds = run(make_config(data, tmp_path, time=time), write=False).dataset
        energy[label] = float(ds["energy_capacity_total_mwh"].sel(storage="bat"))
    assert energy["full"] == pytest.approx(120 / 0.9, rel=1e-6)
    assert energy["typical"] == pytest.approx(1.19 * 120 / 0.81, rel=1e-6)
