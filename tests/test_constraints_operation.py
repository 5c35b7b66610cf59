"""Tiny hand-worked systems for the operation families: unit commitment, heat (CHP and boilers), corridor
schedules and price shapes, operating reserve and demand response.

Conventions as in test_constraints.py: each hour weighs 1 h, discount rate 0; coal costs 1000 CNY/tce
and emits 2 tCO2/tce, gas 3000 CNY/tce and 1 tCO2/tce. At 300 gce/kWh coal costs 300 CNY/MWh; at 200
gce/kWh gas costs 600 CNY/MWh.
"""

from __future__ import annotations

import pytest

from optimizer.errors import InfeasibleError, InputError
from optimizer.run import run
from tiny import make_config, write_case

COAL = {"name": "coal", "kind": "generator", "carrier": "coal", "existing_mw": 100,
        "heat_rate_gce_per_kwh": 300}  # 300 CNY/MWh, 0.6 tCO2/MWh
GAS = {"name": "gas", "kind": "generator", "carrier": "gas", "existing_mw": 100,
       "heat_rate_gce_per_kwh": 200}  # 600 CNY/MWh, 0.2 tCO2/MWh
HYDRO = {"name": "hydro", "kind": "import", "carrier": "hydro", "existing_mw": 100, "price_cny_per_mwh": 100,
         "nonfossil_fraction": 1}


def solve(tmp_path, techs, load, cf=None, case_kw=None, **updates):
    data = write_case(tmp_path / "case", techs, load, cf, **(case_kw or {}))
    cfg = make_config(data, tmp_path, **updates)
    return run(cfg, write=False).dataset


# --- unit commitment -------------------------------------------------------------------------------

UC_COAL = {**COAL, "committable": "true", "min_stable_frac": 0.5, "startup_cost_cny_per_mw": 500}


def test_unit_must_stay_on_through_a_valley(tmp_path):
    # Load 80, 20, 80 (a cycle). Coal may not run below half its committed capacity, so in hour 1 at most
    # 40 MW stay committed. Keeping a MW committed in hours 0 and 2 (a >= 40 MW) and restarting a - 40:
    # cost(a) = coal (2a + 20) x 300 + gas 2 (80 - a) x 600 + (a - 40) x start = 82,000 - 100 a at 500/MW,
    # so it pays to cycle fully (a = 80: 74,000); at 1,000/MW cost(a) = 62,000 + 400 a: coal stays on
    # through the valley at its minimum (20 MW of 40 committed) and gas covers the peaks (78,000).
    ds = solve(tmp_path, [UC_COAL, GAS], [80, 20, 80])
    assert float(ds.objective_cny) == pytest.approx(74_000)
    assert ds["committed_mw"].sel(committable="coal").values.tolist() == pytest.approx([80, 40, 80], abs=1e-5)
    assert float(ds["cost_cny"].sel(component="startup", owner="coal")) == pytest.approx(20_000)
    ds = solve(tmp_path, [{**UC_COAL, "startup_cost_cny_per_mw": 1000}, GAS], [80, 20, 80])
    assert float(ds.objective_cny) == pytest.approx(78_000)
    assert ds["generation_mw"].sel(generator="coal").values.tolist() == pytest.approx([40, 20, 40], abs=1e-5)
    assert float(ds["cost_cny"].sel(component="startup", owner="coal")) == pytest.approx(0, abs=1e-3)


def test_downward_flexibility_at_the_valley(tmp_path):
    # The case above at 1,000 CNY/MW a start: 40 MW of coal stay committed in every hour, so coal cannot go
    # below 20 MW (half of it) anywhere; gas is not committed and can fall to zero. In the valley (hour 1,
    # load 20) coal runs at its floor and gas is off: no room is left to go down (调峰裕度 0), while each
    # peak hour has 20 MW (coal 40 -> 20) + 40 MW (gas) of it.
    from optimizer.report.tables import regulation_table

    ds = solve(tmp_path, [{**UC_COAL, "startup_cost_cny_per_mw": 1000}, GAS], [80, 20, 80])
    assert ds["min_output_mw"].sel(technology="coal").values.tolist() == pytest.approx([20, 20, 20], abs=1e-5)
    assert ds["min_output_mw"].sel(technology="gas").values.tolist() == [0, 0, 0]
    reg = regulation_table(ds)
    assert reg.attrs["steps"]["valley"] == reg.attrs["steps"]["tight"]  # the valley is the tightest step
    assert reg.loc["coal", ["valley_output_mw", "valley_floor_mw", "valley_room_mw"]].tolist() == pytest.approx(
        [20, 20, 0], abs=1e-5)
    assert reg.loc["load", "valley_output_mw"] == pytest.approx(20)
    assert reg.loc["floor_total", "valley_floor_mw"] == pytest.approx(20, abs=1e-5)
    assert reg.loc["room_total", "valley_room_mw"] == pytest.approx(0, abs=1e-5)


def test_gas_burnt_by_hour_and_month(tmp_path):
    # Gas alone serves 10 then 20 MW at 200 gce/kWh = 0.2 tce/MWh: 2 and 4 tce/h, 6 tce in the year, all of it
    # in January; the month's gas for power is the year's (gas_use_power_m3), in million m3.
    from optimizer.config import GasSupplyConfig
    from optimizer.report.tables import gas_months_table

    ds = solve(tmp_path, [GAS], [10, 20])
    assert ds["fuel_tce_per_h"].sel(fuel="gas").values.tolist() == pytest.approx([2, 4])
    gas = gas_months_table(ds)
    assert list(gas.columns) == ["m01"]
    assert gas.at["power_heat", "m01"] * 1e6 == pytest.approx(float(ds["gas_use_power_m3"]))
    kgce = GasSupplyConfig.model_fields["kgce_per_m3"].default  # the default heat content of a m3
    assert float(ds["gas_use_power_m3"]) == pytest.approx(6 / (kgce * 1e-3))
    assert gas.at["total", "m01"] == pytest.approx(gas.at["power_heat", "m01"] + gas.at["non_power", "m01"])


def test_minimum_down_time_counts_capacity_that_was_off(tmp_path):
    # A 2 h down time: capacity committed at hour 0 plus capacity started in hours 1-2 fits in 100 MW
    # (a + (a - 40) <= 100): of the a = 70 MW on at hour 0, 30 shut down in the valley, and 30 MW that
    # were off start for hour 2 (the linear relaxation of identical units). cost(70) = 82,000 - 7,000.
    ds = solve(tmp_path, [{**UC_COAL, "min_down_h": 2}, GAS], [80, 20, 80])
    assert float(ds.objective_cny) == pytest.approx(75_000)
    assert ds["committed_mw"].sel(committable="coal").values.tolist() == pytest.approx([70, 40, 70], abs=1e-5)


def test_minimum_up_time_keeps_started_capacity_online(tmp_path):
    # Load 20, 80, 10, 10, 10, 10, starts free. Without an up time coal follows the load (all 140 MWh
    # at 300 = 42,000). With 2 h, capacity started for hour 1 must stay committed in hour 2, where 10 MW
    # of load hold at most 20 MW at the 0.5 minimum: hour 1 can commit at most u0 + 20 = 60 MW (u0 <= 40),
    # and gas covers 20 MW: coal 120 MWh x 300 + gas 20 MWh x 600 = 48,000.
    coal = {**UC_COAL, "startup_cost_cny_per_mw": 0}
    load = [20, 80, 10, 10, 10, 10]
    ds = solve(tmp_path, [coal, GAS], load)
    assert float(ds.objective_cny) == pytest.approx(42_000)
    ds = solve(tmp_path, [{**coal, "min_up_h": 2}, GAS], load)
    assert float(ds.objective_cny) == pytest.approx(48_000)
    assert float(ds["generation_mw"].sel(generator="coal")[1]) == pytest.approx(60, abs=1e-5)


def test_unit_commitment_can_be_switched_off(tmp_path):
    ds = solve(tmp_path, [UC_COAL, GAS], [80, 20, 80], policy={"share_basis": "electricity",
                                                                 "unit_commitment": False})
    assert float(ds.objective_cny) == pytest.approx(180 * 300)
    assert "committed_mw" not in ds


def test_min_stable_output_needs_committable(tmp_path):
    with pytest.raises(InputError, match=r"coal\.min_stable_frac: .*committable"):
        solve(tmp_path, [{**COAL, "min_stable_frac": 0.4}, GAS], [50])


# --- heat: CHP and boilers ---------------------------------------------------------------------------

def chp(mode, **kw):
    return {**COAL, "name": "chp", "existing_mw": 200, "chp_mode": mode, "power_to_heat": 0.5, **kw}


def test_chp_heat_duty_forces_power(tmp_path):
    # An extraction unit (c_b 0.5, c_v 0.2) must make 100 MW of heat every hour: it runs at least at
    # 50 MW of power though hydro imports at 100 CNY/MWh are cheaper. Load 150, 60: CHP 50 + hydro 100,
    # then CHP 50 + hydro 10. Fuel on p + c_v h = 70 MWh x 300 per hour = 21,000 twice; hydro 110 x 100.
    ds = solve(tmp_path, [chp("extraction", power_loss_per_heat=0.2), {**HYDRO, "existing_mw": 200}], [150, 60],
               case_kw={"heat_mw": [100, 100]})
    assert ds["generation_mw"].sel(generator="chp").values.tolist() == pytest.approx([50, 50], abs=1e-5)
    assert ds["heat_mw"].sel(chp="chp").values.tolist() == pytest.approx([100, 100], abs=1e-5)
    assert float(ds.objective_cny) == pytest.approx(42_000 + 11_000)
    # one more MW of heat: 0.5 MW more power (displacing 0.5 MW of hydro) and fuel for 0.5 + 0.2 MW
    # = 0.7 x 300 - 0.5 x 100 = 160 CNY per MWh of heat; electricity is priced by hydro
    assert ds["heat_marginal_cost_cny_per_mwh"].values.ravel().tolist() == pytest.approx([160, 160], rel=1e-5)
    assert ds["marginal_price_cny_per_mwh"].values.ravel().tolist() == pytest.approx([100, 100], rel=1e-5)
    # CO2 of the fuel on p + c_v h: 140 MWh x 0.6
    assert float(ds.co2_t) == pytest.approx(140 * 0.6)


def test_back_pressure_unit_and_boiler_share_the_heat(tmp_path):
    # A back-pressure unit makes power and heat in a fixed ratio (p = 0.5 h); a gas boiler makes heat
    # at 150 gce/kWh (450 CNY/MWh of heat). Load 30: the unit can make at most 60 MW of heat with its
    # 30 MW of power; the boiler makes the other 40. Fuel: CHP on p + c_v h = 30 + 0.1 x 60 = 36 MWh x 300.
    boiler = {"name": "boiler", "kind": "boiler", "carrier": "gas", "existing_mw": 100, "heat_rate_gce_per_kwh": 150}
    ds = solve(tmp_path, [chp("back_pressure", power_loss_per_heat=0.1), boiler, HYDRO], [30],
               case_kw={"heat_mw": [100]})
    assert ds["generation_mw"].sel(generator="chp").item() == pytest.approx(30, abs=1e-5)
    assert ds["boiler_heat_mw"].sel(boiler="boiler").item() == pytest.approx(40, abs=1e-5)
    assert float(ds.objective_cny) == pytest.approx(36 * 300 + 40 * 450)
    assert float(ds["energy_mwh"].sel(technology="boiler")) == pytest.approx(40, abs=1e-5)


def test_heat_demand_with_negative_hours_is_refused(tmp_path):
    with pytest.raises(InputError, match=r"heat\.csv: .*heat demand below 0 in 1 hour"):
        solve(tmp_path, [chp("back_pressure"), HYDRO], [30, 30], case_kw={"heat_mw": [10, -1]})


def test_chp_without_power_to_heat_is_refused(tmp_path):
    with pytest.raises(InputError, match=r"chp\.power_to_heat: .*positive power_to_heat"):
        solve(tmp_path, [chp("extraction", power_to_heat="")], [30], case_kw={"heat_mw": [10]})


# --- corridor schedules and price shapes ---------------------------------------------------------------

#: one day: valley 0-8, peak 8-20, flat 20-24 (every month)
DAY_SHAPE = [
    {"shape": "day", "months": "1-12", "hours": "0-8", "period": "valley", "multiplier": 0.5},
    {"shape": "day", "months": "1-12", "hours": "8-20", "period": "peak", "multiplier": 1.5},
    {"shape": "day", "months": "1-12", "hours": "20-24", "period": "flat", "multiplier": 1.0},
]
#: load 30 at night, 50 then 90 in the peak block, 60 in the evening
DAY_LOAD = [30] * 8 + [50] * 4 + [90] * 8 + [60] * 4


def test_scheduled_corridor_cannot_follow_load(tmp_path):
    # Delivery is constant within each block. In the peak block load is 50 for 4 h, then 90 for 8 h:
    # the block level cannot exceed 50, and gas covers 40 MW for 8 h. Night 30, evening 60 are met
    # by hydro alone. Hydro 8x30 + 12x50 + 4x60 = 1,080 MWh x 100; gas 320 MWh x 600.
    hydro = {**HYDRO, "schedule_shape": "day"}
    ds = solve(tmp_path, [hydro, GAS], DAY_LOAD, case_kw={"price_shapes": DAY_SHAPE})
    imp = ds["import_mw"].sel(corridor="hydro").values
    assert imp.tolist() == pytest.approx([30] * 8 + [50] * 12 + [60] * 4, abs=1e-5)
    assert float(ds.objective_cny) == pytest.approx(1_080 * 100 + 320 * 600)
    # a free corridor follows the load
    free = solve(tmp_path, [HYDRO, GAS], DAY_LOAD)
    assert free["import_mw"].sel(corridor="hydro").values.tolist() == pytest.approx(DAY_LOAD, abs=1e-5)


def test_valley_block_at_least_a_share_of_the_peak_block(tmp_path):
    # The night (valley) level must be at least 0.8 of the peak level; night load is 30, so the peak
    # level is at most 37.5 MW: gas covers 12.5 MW for 4 h and 52.5 MW for 8 h.
    hydro = {**HYDRO, "schedule_shape": "day", "valley_peak_ratio_min": 0.8}
    ds = solve(tmp_path, [hydro, GAS], DAY_LOAD, case_kw={"price_shapes": DAY_SHAPE})
    imp = ds["import_mw"].sel(corridor="hydro").values
    assert imp[8:20].tolist() == pytest.approx([37.5] * 12, abs=1e-5)
    gas = 4 * 12.5 + 8 * 52.5
    assert float(ds.objective_cny) == pytest.approx((8 * 30 + 12 * 37.5 + 4 * 60) * 100 + gas * 600)


def test_price_shape_multiplies_the_import_price(tmp_path):
    # The provincial import costs 100 x 0.5 at night, x 1.5 in the peak block, x 1.0 in the evening;
    # gas at 600 never competes. Cost = 100 x (0.5 x 240 + 1.5 x 920 + 1.0 x 240) MWh.
    grid = {**HYDRO, "name": "grid", "existing_mw": 200, "price_shape": "day"}
    ds = solve(tmp_path, [grid, GAS], DAY_LOAD, case_kw={"price_shapes": DAY_SHAPE})
    assert float(ds.objective_cny) == pytest.approx(100 * (0.5 * 240 + 1.5 * 920 + 1.0 * 240))
    price = ds["marginal_price_cny_per_mwh"].values.ravel()
    assert price.tolist() == pytest.approx([50] * 8 + [150] * 12 + [100] * 4, rel=1e-5)
    assert ds["import_price_cny_per_mwh"].sel(corridor="grid").values[9] == pytest.approx(150)


def test_monthly_energy_forces_delivery(tmp_path):
    # A contracted minimum of 744 x 70 MWh in January is an average of 70 MW over the day modelled:
    # hydro (not scheduled in blocks) must deliver 70 MW on average although gas... is dearer anyway;
    # make hydro dearer than gas (700) and the contract binds: hydro 24 x 70 = 1,680 MWh.
    hydro = {**HYDRO, "price_cny_per_mwh": 700}
    sched = [{"corridor": "hydro", "month": 1, "energy_min_mwh": 744 * 70, "energy_max_mwh": "",
              "power_min_mw": "", "power_max_mw": ""}]
    ds = solve(tmp_path, [hydro, GAS], [80] * 24, case_kw={"schedules": sched})
    assert float(ds["energy_mwh"].sel(technology="hydro")) == pytest.approx(24 * 70, rel=1e-6)
    assert float(ds.objective_cny) == pytest.approx(24 * 70 * 700 + 24 * 10 * 600, rel=1e-6)


def test_monthly_energy_above_capacity_is_refused(tmp_path):
    sched = [{"corridor": "hydro", "month": 1, "energy_min_mwh": 744 * 101, "energy_max_mwh": "",
              "power_min_mw": "", "power_max_mw": ""}]
    with pytest.raises(InputError, match=r"schedules\.csv: hydro\.1\.energy_min_mwh: .*exceeds what the corridor"):
        solve(tmp_path, [HYDRO, GAS], [80] * 24, case_kw={"schedules": sched})


# --- operating reserve and demand response -------------------------------------------------------------

RES_COAL = {**COAL, "committable": "true", "reserve_frac": 1}


def test_operating_reserve_holds_headroom(tmp_path):
    # 30 MW of reserve must be held online; only committed coal can hold it. With load 80 coal runs at
    # 70 and gas covers 10: 70 x 300 + 10 x 600 = 27,000. A MW more reserve costs 600 - 300 = 300.
    reserve = {"load_frac": 0, "largest_unit": False, "fixed_mw": 30}
    ds = solve(tmp_path, [RES_COAL, GAS], [80], policy={"share_basis": "electricity", "operating_reserve": reserve})
    assert ds["generation_mw"].sel(generator="coal").item() == pytest.approx(70, abs=1e-5)
    assert float(ds.objective_cny) == pytest.approx(27_000)
    assert float(ds["reserve_price_cny_per_mw_h"].values[0]) == pytest.approx(300, rel=1e-5)


def test_reserve_shortfall_is_priced(tmp_path):
    # With a scarcity price of 100 CNY/MW/h, missing reserve is cheaper than holding it (300): coal
    # runs at 80 and holds its 20 MW of headroom, 10 MW are short, and the reserve price is the scarcity price.
    reserve = {"load_frac": 0, "largest_unit": False, "fixed_mw": 30, "shortfall_cny_per_mw_h": 100}
    ds = solve(tmp_path, [RES_COAL, GAS], [80], policy={"share_basis": "electricity", "operating_reserve": reserve})
    assert float(ds["reserve_shortfall_mw"].values.ravel()[0]) == pytest.approx(10, abs=1e-5)
    assert float(ds.objective_cny) == pytest.approx(80 * 300 + 10 * 100)
    assert float(ds["reserve_price_cny_per_mw_h"].values[0]) == pytest.approx(100, rel=1e-5)
    assert float(ds["cost_cny"].sel(component="reserve", owner="reserve_shortfall")) == pytest.approx(1_000)


def test_largest_unit_sets_the_reserve(tmp_path):
    # 10 % of load (8 MW) plus the largest unit (25 MW) = 33 MW: coal at 67, gas 13.
    reserve = {"load_frac": 0.1, "largest_unit": True}
    ds = solve(tmp_path, [{**RES_COAL, "unit_size_mw": 25}, GAS], [80],
               policy={"share_basis": "electricity", "operating_reserve": reserve})
    assert float(ds["reserve_requirement_mw"].values[0]) == pytest.approx(33)
    assert ds["generation_mw"].sel(generator="gas").item() == pytest.approx(13, abs=1e-5)


def test_reserve_without_providers_is_infeasible(tmp_path):
    with pytest.raises(InfeasibleError, match="no technology holds reserve"):
        solve(tmp_path, [COAL, GAS], [80], policy={"share_basis": "electricity",
                                                    "operating_reserve": {"fixed_mw": 10}})


def test_demand_response_curtails_within_its_annual_limit(tmp_path):
    # Load 110 twice against 100 MW of coal. Interruptible load at 400 CNY/MWh is cheaper than gas at 600
    # but may curtail only 15 MWh: DR 15, gas 5. 200 x 300 + 15 x 400 + 5 x 600 = 69,000.
    dr = {"name": "dr", "kind": "demand_response", "carrier": "electricity", "existing_mw": 20,
          "vom_cny_per_mwh": 400, "annual_energy_max_mwh": 15}
    ds = solve(tmp_path, [COAL, GAS, dr], [110, 110])
    assert float(ds["energy_mwh"].sel(technology="dr")) == pytest.approx(15, abs=1e-5)
    assert float(ds.objective_cny) == pytest.approx(69_000)
    assert float(ds["curtailed_mw"].sum()) == pytest.approx(15, abs=1e-5)


def test_demand_response_holds_reserve(tmp_path):
    # Interruptible load holds the part of the 30 MW reserve that coal's headroom at full output (20 MW
    # at load 80) leaves: gas is not needed, 80 x 300 = 24,000. Without it gas would run (27,000).
    dr = {"name": "dr", "kind": "demand_response", "carrier": "electricity", "existing_mw": 20,
          "vom_cny_per_mwh": 400, "reserve_frac": 1}
    reserve = {"load_frac": 0, "largest_unit": False, "fixed_mw": 30}
    ds = solve(tmp_path, [RES_COAL, GAS, dr], [80], policy={"share_basis": "electricity",
                                                             "operating_reserve": reserve})
    assert float(ds.objective_cny) == pytest.approx(24_000)
    assert float(ds["reserve_dr_mw"].values.ravel()[0]) >= 10 - 1e-5


def test_must_run_share_keeps_a_class_online(tmp_path):
    # Hydro at 100 CNY/MWh could meet a load of 80, 30, 80 alone (19,000). With half of its 100 MW kept
    # committed and a 0.4 minimum, coal makes at least 20 MW in every hour at 300: 60 x 300 + 130 x 100.
    coal = {**UC_COAL, "startup_cost_cny_per_mw": 0, "must_run_frac": 0.5, "min_stable_frac": 0.4}
    hydro = {**HYDRO, "existing_mw": 200}
    ds = solve(tmp_path, [{**coal, "must_run_frac": 0}, hydro], [80, 30, 80])
    assert float(ds.objective_cny) == pytest.approx(190 * 100)
    ds = solve(tmp_path, [coal, hydro], [80, 30, 80])
    assert ds["committed_mw"].sel(committable="coal").values.min() >= 50 - 1e-5
    assert ds["generation_mw"].sel(generator="coal").values.tolist() == pytest.approx([20, 20, 20], abs=1e-5)
    assert float(ds.objective_cny) == pytest.approx(60 * 300 + 130 * 100)


def test_corridor_ramp_limits_the_step_between_hours(tmp_path):
    # Hydro at 100 CNY/MWh may change by 20 % of its 100 MW an hour: from 10 MW it reaches 30 and 50,
    # gas covers the rest of a load of 10, 80, 80.
    hydro = {**HYDRO, "ramp_frac_per_h": 0.2}
    ds = solve(tmp_path, [hydro, GAS], [10, 80, 80])
    assert ds["import_mw"].sel(corridor="hydro").values.tolist() == pytest.approx([10, 30, 50], abs=1e-5)
    assert float(ds.objective_cny) == pytest.approx(90 * 100 + 80 * 600)


def test_steam_cannot_move_between_networks(tmp_path):
    # A cheap coal CHP unit (back-pressure, 0.5 MW of power per MW of heat) on network A, a gas boiler on
    # network B. Each network needs 40 MW of heat: B's heat comes from its boiler though A's CHP could make
    # it cheaper; A's CHP makes 20 MW of power, hydro the other 30 of a 50 MW load.
    chp_a = {**chp("back_pressure", power_loss_per_heat=0.1), "heat_network": "a"}
    boiler_b = {"name": "boiler", "kind": "boiler", "carrier": "gas", "existing_mw": 100, "heat_rate_gce_per_kwh": 150,
                "heat_network": "b"}
    data = write_case(tmp_path / "case", [chp_a, boiler_b, HYDRO], [50])
    import pandas as pd

    pd.DataFrame({"timestamp": ["2025-01-01 00:00"], "a": [40.0], "b": [40.0]}).to_csv(tmp_path / "heat.csv",
                                                                                       index=False)
    data["inputs"]["heat_load"] = str(tmp_path / "heat.csv")
    ds = run(make_config(data, tmp_path), write=False).dataset
    assert ds["heat_mw"].sel(chp="chp").item() == pytest.approx(40, abs=1e-5)
    assert ds["boiler_heat_mw"].sel(boiler="boiler").item() == pytest.approx(40, abs=1e-5)
    assert ds["generation_mw"].sel(generator="chp").item() == pytest.approx(20, abs=1e-5)
    # CHP fuel on p + c_v h = 20 + 4 = 24 MWh x 300; boiler 40 x 450; hydro 30 x 100
    assert float(ds.objective_cny) == pytest.approx(24 * 300 + 40 * 450 + 30 * 100)


@pytest.mark.parametrize(("tech", "case_kw", "field", "text"), [
    ({**UC_COAL, "min_stable_frac": 1.2}, {}, "coal.min_stable_frac", "must lie in [0, 1]"),
    ({**COAL, "chp_mode": "backpressure", "power_to_heat": 0.5}, {}, "coal.chp_mode", "chp_mode must be"),
    ({**COAL, "must_run_frac": 0.3}, {}, "coal.must_run_frac", "needs committable"),
    ({**COAL, "reserve_frac": 0.2}, {}, "coal.reserve_frac", "needs committable"),
    ({**HYDRO, "name": "hydro2", "schedule_shape": "night"}, {"price_shapes": DAY_SHAPE}, "hydro2.schedule_shape",
     "is not a shape of"),
    ({**HYDRO, "name": "hydro2", "price_shape": "day"},
     {"price_shapes": DAY_SHAPE[:2]}, "day.hours", "month 1 hour 20 is not covered"),
    ({**HYDRO, "name": "hydro2", "valley_peak_ratio_min": 0.5}, {}, "hydro2.valley_peak_ratio_min",
     "needs a schedule_shape"),
])
def test_bad_operation_data_is_one_line_naming_the_field(tmp_path, tech, case_kw, field, text):
    with pytest.raises(InputError) as err:
        solve(tmp_path, [tech, GAS, HYDRO], [50] * 24, case_kw=case_kw)
    msg = str(err.value)
    assert field in msg and text in msg and "\n" not in msg


def test_heat_for_a_network_nobody_supplies_is_refused(tmp_path):
    data = write_case(tmp_path / "case", [chp("back_pressure"), HYDRO], [30])
    import pandas as pd

    pd.DataFrame({"timestamp": ["2025-01-01 00:00"], "suzhou": [10.0], "elsewhere": [5.0]}).to_csv(
        tmp_path / "heat.csv", index=False)
    data["inputs"]["heat_load"] = str(tmp_path / "heat.csv")
    with pytest.raises(InputError, match=r"heat\.csv: elsewhere: heat network 'elsewhere' has demand but no CHP"):
        run(make_config(data, tmp_path), write=False)


def test_simultaneous_import_capability(tmp_path):
    # Two corridors of 100 MW each at 100 CNY/MWh, but the grid takes at most 120 MW from outside at once:
    # gas covers the rest of a 150 MW load (30 MW at 600).
    second = {**HYDRO, "name": "hydro2"}
    ds = solve(tmp_path, [HYDRO, second, GAS], [150],
               policy={"share_basis": "electricity", "import_limit_mw": {"value": 120}})
    assert float(ds["import_mw"].sum()) == pytest.approx(120, abs=1e-5)
    assert float(ds.objective_cny) == pytest.approx(120 * 100 + 30 * 600)
