"""The plan as written: each target's reading, gas supply, city-wide CO2, trends, build rates and levers.

Tiny systems whose optimum is worked out by hand (conventions of tests/test_constraints.py: one-hour
years, discount rate 0, coal 1000 CNY/tce and 2 tCO2/tce, gas 3000 CNY/tce and 1 tCO2/tce). The
last part checks seeds/targets.yaml against the configs that cite it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from test_cli import _restore_logging, check_failed, invoke  # noqa: F401  (autouse: the CLI resets logging)
from test_constraints import COAL, GAS, solve
from test_pathway import make_pathway

from optimizer.config import load_config
from optimizer.errors import InputError
from optimizer.pathway import load_pathway, solve_pathway
from optimizer.report.tables import targets_table
from tiny import CARRIERS, make_config, write_case

REPO = Path(__file__).resolve().parents[1]


def energy_policy(non_power_tce: dict[str, float], **extra) -> dict:
    return {"share_basis": "energy", "energy_accounting": {"non_power_tce": non_power_tce}, **extra}


# --------------------------------------------------------------------------------------------------
# gas supply (区外管道天然气年供气能力)
# --------------------------------------------------------------------------------------------------


def test_gas_supply_limits_gas_use_and_lng_covers_more_at_its_premium(tmp_path):
    # Load 100 MWh, gas is the only plant (0.2 tce/MWh = 200 m3/MWh at 1 kgce/m3); outside the power
    # sector the city burns 5 tce of gas = 5,000 m3. Pipeline capability 20,000 m3: the plant may burn
    # 15,000 m3 = 75 MWh; the other 25 MWh take 5,000 m3 of LNG at 0.1 CNY/m3 over the gas price (500 CNY),
    # or are shed at 10,000 CNY/MWh. LNG is cheaper: 5,000 m3 of LNG, no shedding.
    gs = {"pipeline_bcm": {"value": 20000 / 1e9}, "lng_bcm_max": 10000 / 1e9, "lng_premium_cny_per_m3": 0.1,
          "kgce_per_m3": 1.0}
    pol = {"share_basis": "electricity", "energy_accounting": {"non_power_tce": {"gas": 5}}, "gas_supply": gs}
    ds = solve(tmp_path / "a", [GAS], [100], policy=pol,
               economics={"allow_unserved": True, "voll_cny_per_mwh": 10000, "discount_rate": 0.0}).dataset
    assert float(ds.gas_use_power_m3) == pytest.approx(20000)
    assert float(ds.gas_use_non_power_m3) == pytest.approx(5000)
    assert float(ds.gas_lng_m3) == pytest.approx(5000)
    assert float(ds.unserved_mwh) == pytest.approx(0, abs=1e-6)
    assert float(ds.objective_cny) == pytest.approx(100 * 600 + 5000 * 0.1)
    # the row's dual: one m3 more of pipeline saves the LNG premium
    row = list(ds["policy"].values).index("gas_supply")
    assert abs(float(ds["policy_dual"].values[row])) == pytest.approx(0.1)
    # without LNG the last 25 MWh are shed
    gs_no = {**gs, "lng_bcm_max": 0.0}
    ds = solve(tmp_path / "b", [GAS], [100], policy={**pol, "gas_supply": gs_no},
               economics={"allow_unserved": True, "voll_cny_per_mwh": 10000, "discount_rate": 0.0}).dataset
    assert float(ds.unserved_mwh) == pytest.approx(25)


def test_gas_supply_checked_not_imposed_can_be_not_met(tmp_path):
    gs = {"pipeline_bcm": {"value": 10000 / 1e9, "enforce": False}, "kgce_per_m3": 1.0}
    ds = solve(tmp_path, [GAS], [100], policy={"share_basis": "electricity", "gas_supply": gs}).dataset
    assert float(ds.gas_use_m3) == pytest.approx(20000)  # the limit is not imposed
    tt = targets_table(ds)
    assert tt.loc["gas_supply", "status"] == "not_met"
    assert tt.loc["gas_supply", "note"] == "checked_note"


def test_gas_supply_bad_inputs_fail_with_one_line(tmp_path):
    data = write_case(tmp_path / "case", [GAS], [100])
    with pytest.raises(InputError, match="carrier 'lng'"):
        from optimizer.run import run

        cfg = make_config(data, tmp_path, policy={"gas_supply": {"pipeline_bcm": {"value": 1}, "carrier": "lng"}})
        run(cfg, write=False)
    with pytest.raises(InputError, match=r"policy\.gas_supply\.pipeline_bcm"):
        from optimizer.inputs import load_inputs

        load_inputs(make_config(data, tmp_path, policy={"gas_supply": {"pipeline_bcm": {"value": -1}}}))


# --------------------------------------------------------------------------------------------------
# city-wide CO2 (碳达峰 scope) and the clean-electricity share
# --------------------------------------------------------------------------------------------------


def test_city_scope_cap_counts_non_power_fuels(tmp_path):
    # Outside the power sector: 10 tce coal (x 2 tCO2/tce = 20 t) and 10 tce oil (x 3 t/tce = 30 t): 50 t.
    # Load 100 MWh: coal 0.6 t/MWh at 300 CNY, gas 0.2 t/MWh at 600 CNY. A city-wide cap of 90 t leaves
    # 40 t for power: 0.6 c + 0.2 (100 - c) = 40 -> c = 50. The same number as a power cap: c = 100 (60 t).
    carriers = [*CARRIERS, ("oil", 0.0, 3.0, True, False, False)]
    data = write_case(tmp_path / "case", [COAL, GAS], [100], carriers=carriers)
    from optimizer.run import run

    np_tce = {"coal": 10, "oil": 10}
    city = run(make_config(data, tmp_path, policy=energy_policy(np_tce, co2_scope="city",
                                                                co2_cap_t={"value": 90})), write=False).dataset
    assert float(city["energy_mwh"].sel(technology="coal")) == pytest.approx(50)
    assert float(city.co2_non_power_t) == pytest.approx(50)
    assert float(city.co2_city_t) == pytest.approx(90)
    assert float(city.co2_t) == pytest.approx(40)
    # the report judges the cap on its own scope: a city cap checked, not imposed, is missed by the power plan
    checked = run(make_config(data, tmp_path, policy=energy_policy(np_tce, co2_scope="city", co2_cap_t={
        "value": 90, "enforce": False})), write=False).dataset
    row = targets_table(checked).loc["co2_cap"]
    assert row["achieved"] == pytest.approx(110e-6) and row["status"] == "not_met"
    power = run(make_config(data, tmp_path, policy=energy_policy(np_tce, co2_cap_t={"value": 90})),
                write=False).dataset
    assert float(power["energy_mwh"].sel(technology="coal")) == pytest.approx(100)
    # a city scope without a carrier row for a burnt fuel fails with one line naming the carrier table
    bare = write_case(tmp_path / "bare", [COAL, GAS], [100])
    with pytest.raises(InputError, match="carrier row 'oil'"):
        run(make_config(bare, tmp_path, policy=energy_policy(np_tce, co2_scope="city")), write=False)


def test_clean_electricity_share_floor_and_check(tmp_path):
    # Load 100 MWh; hydro import (non-fossil) at 700 CNY/MWh, up to 100 MW; coal at 300. A 30 % floor on
    # clean electricity takes 30 MWh of hydro: 70 x 300 + 30 x 700.
    hydro = {"name": "hydro", "kind": "import", "carrier": "hydro", "existing_mw": 100, "price_cny_per_mwh": 700,
             "nonfossil_fraction": 1.0}
    ds = solve(tmp_path / "a", [COAL, hydro], [100],
               policy={"share_basis": "electricity", "clean_electricity_share_min": {"value": 0.3}}).dataset
    assert float(ds.clean_electricity_share) == pytest.approx(0.3)
    assert float(ds.objective_cny) == pytest.approx(70 * 300 + 30 * 700)
    assert targets_table(ds).loc["clean_electricity_share", "status"] == "binding"
    # checked, not imposed: the least-cost plan takes no hydro, and the verdict says not met
    ds = solve(tmp_path / "b", [COAL, hydro], [100], policy={
        "share_basis": "electricity", "clean_electricity_share_min": {"value": 0.3, "enforce": False}}).dataset
    assert float(ds.clean_electricity_share) == pytest.approx(0.0, abs=1e-9)
    tt = targets_table(ds)
    assert tt.loc["clean_electricity_share", "status"] == "not_met"
    assert tt.loc["clean_electricity_share", "achieved"] == pytest.approx(0.0, abs=1e-6)


# --------------------------------------------------------------------------------------------------
# verdicts: met, binding, by construction
# --------------------------------------------------------------------------------------------------


def test_capacity_target_met_by_construction_is_said_so(tmp_path):
    # PV: 50 MW in service, not retirable, may be built to 200 MW at 10 CNY/MW (never pays here: no load
    # in its hours). A floor of 40 MW holds whatever the optimum; a floor of 80 MW binds.
    pv = {"name": "pv", "kind": "generator", "carrier": "solar", "existing_mw": 50, "extendable": "true",
          "max_total_mw": 200, "capex_cny_per_kw": 0.01, "lifetime_yr": 1, "profile": "pv"}
    for floor, status in ((40, "by_construction"), (80, "binding")):
        ds = solve(tmp_path / str(floor), [COAL, pv], [100], {"pv": [0.0]}, policy={
            "share_basis": "electricity",
            "capacity_targets": [{"name": "pv", "value": floor, "technologies": ["pv"], "sense": ">="}]}).dataset
        tt = targets_table(ds)
        assert tt.loc["cap_pv", "status"] == status
    # a ceiling on new capacity of a technology that cannot be built (禁止新建燃煤自备电厂)
    ds = solve(tmp_path / "ceiling", [COAL], [100], policy={
        "share_basis": "electricity",
        "capacity_targets": [{"name": "no_new_coal", "value": 0, "technologies": ["coal"], "sense": "<=",
                              "new_only": True}]}).dataset
    assert targets_table(ds).loc["cap_no_new_coal", "status"] == "by_construction"
    row = list(ds["policy"].values).index("cap_no_new_coal")
    assert "cannot exceed 0 MW" in str(ds["policy_by_construction"].values[row])


# --------------------------------------------------------------------------------------------------
# levers: flexibility retrofit, electrification loads
# --------------------------------------------------------------------------------------------------


def test_flexibility_retrofit_lowers_minimum_load_at_its_cost(tmp_path):
    # Coal 100 MW must stay committed (must_run 1) with a 50 % minimum: 50 MW in hour 0, when load is 20
    # and the rest must be shed (VoLL 1000) -- or retrofitted to a 20 % minimum at 100 CNY/kW (1-yr life:
    # 100,000 CNY per MW... too dear) -- so the test prices it at 0.1 CNY/kW = 100 CNY/MW. Load 20 MW in
    # hour 0 and 100 in hour 1; PV gives 30 MW in hour 0 at no cost and must be curtailed unless coal
    # goes below 50 %. Retrofitting x MW lowers the minimum by 0.3 x: coal can go to 50 - 0.3 x; it must
    # reach 20 - 0 = 20 with PV curtailed... Here: hour 0 load 20, PV 30 available -> coal wants 0 but the
    # minimum is 50 - 0.3 x >= 20 (coal output >= minimum, and output <= load): x = 100 gives 20 MW.
    # Without the retrofit the load (20) is below the minimum (50): infeasible without shedding; with
    # unserved energy allowed and no way to spill generation, the retrofit is the only way out.
    coal = {**COAL, "committable": "true", "min_stable_frac": 0.5, "must_run_frac": 1.0,
            "flex_retrofit_min_stable_frac": 0.2, "flex_retrofit_capex_cny_per_kw": 0.1, "flex_retrofit_lifetime_yr": 1}
    ds = solve(tmp_path, [coal], [20, 100], policy={"share_basis": "electricity", "unit_commitment": True,
                                                    "min_up_down_times": False}).dataset
    assert float(ds.flex_retrofit_mw) == pytest.approx(100)
    assert ds["generation_mw"].sel(generator="coal").values.tolist() == pytest.approx([20, 100])
    # cost: 120 MWh x 300 CNY + retrofit 100 MW x 100 CNY/MW (annuity of a 1-yr life at 0 %), counted as fixed cost
    assert float(ds.objective_cny) == pytest.approx(120 * 300 + 100 * 100)
    assert float(ds["cost_cny"].sel(component="fom", owner="coal")) == pytest.approx(100 * 100)


def test_flexibility_retrofit_at_most_its_programme(tmp_path):
    """The same coal unit with load 35 MW in hour 0: its minimum 50 - 0.3 x must come down to 35, so x = 50 MW
    is retrofitted (the least that will do) when flex_retrofit_max_mw allows 60; with 40 allowed the minimum
    stays at 38 > 35 and the load cannot be met (coal cannot spill): infeasible."""
    from optimizer.errors import InfeasibleError

    coal = {**COAL, "committable": "true", "min_stable_frac": 0.5, "must_run_frac": 1.0,
            "flex_retrofit_min_stable_frac": 0.2, "flex_retrofit_capex_cny_per_kw": 0.1, "flex_retrofit_lifetime_yr": 1}
    policy = {"share_basis": "electricity", "unit_commitment": True, "min_up_down_times": False}
    ds = solve(tmp_path / "a", [{**coal, "flex_retrofit_max_mw": 60}], [35, 100], policy=policy).dataset
    assert float(ds.flex_retrofit_mw) == pytest.approx(50)
    with pytest.raises(InfeasibleError):
        solve(tmp_path / "b", [{**coal, "flex_retrofit_max_mw": 40}], [35, 100], policy=policy)


def test_flexibility_retrofit_bad_inputs_fail_with_one_line(tmp_path):
    from optimizer.inputs import load_inputs

    for extra, match in (({"flex_retrofit_min_stable_frac": 0.6}, "must lie below min_stable_frac"),
                         ({"flex_retrofit_min_stable_frac": 0.2, "flex_retrofit_lifetime_yr": 0}, "positive lifetime"),
                         ({"flex_retrofit_min_stable_frac": 0.2, "chp_mode": "back_pressure", "power_to_heat": 1,
                           "heat_network": "steam"}, "power-only")):
        coal = {**COAL, "committable": "true", "min_stable_frac": 0.5, **extra}
        data = write_case(tmp_path / str(len(match)), [coal], [100])
        with pytest.raises(InputError, match=match):
            load_inputs(make_config(data, tmp_path))
    coal = {**COAL, "flex_retrofit_min_stable_frac": 0.2}
    data = write_case(tmp_path / "uc", [coal], [100])
    with pytest.raises(InputError, match="needs committable"):
        load_inputs(make_config(data, tmp_path))


def test_electrification_load_adds_energy_and_displaces_fuel(tmp_path):
    # 48 hours of 100 MW, scaled by 1.1; an EV load of 87,600 MWh over the calendar year (8,760 h) with a flat
    # shape is 10 MW in every hour; it displaces 100 tce of oil outside the power sector.
    data = write_case(tmp_path / "case", [COAL, GAS], [100.0] * 48)
    from optimizer.inputs import load_inputs

    cfg = make_config(data, tmp_path, policy=energy_policy({"oil": 300}), demand={
        "scale": 1.1, "additions": [{"name": "ev", "annual_mwh": 87600, "displaces_tce": {"oil": 100}}]})
    inp = load_inputs(cfg)
    assert inp.load_mw.to_numpy().ravel().tolist() == pytest.approx([120.0] * 48)
    from optimizer.model.shares import non_power_tce

    assert non_power_tce(cfg)["oil"] == pytest.approx(200)
    # an evening shape puts the energy in its hours
    shape = [0.0] * 18 + [1.0] * 6
    cfg = make_config(data, tmp_path, demand={"additions": [{"name": "ev", "annual_mwh": 365 * 60,
                                                            "hourly_shape": shape}]})
    load = load_inputs(cfg).load_mw.to_numpy().ravel()
    assert load[:18].tolist() == pytest.approx([100.0] * 18)
    assert load[18:24].tolist() == pytest.approx([110.0] * 6)
    # displacing more than the city burns fails with one line
    with pytest.raises(InputError, match="displace"):
        make_config(data, tmp_path, policy=energy_policy({"oil": 50}), demand={
            "additions": [{"name": "ev", "annual_mwh": 3650, "displaces_tce": {"oil": 100}}]})
    with pytest.raises(InputError, match="unknown fuel"):
        make_config(data, tmp_path, demand={"additions": [{"name": "ev", "annual_mwh": 1,
                                                           "displaces_tce": {"diesel": 1}}]})


# --------------------------------------------------------------------------------------------------
# pathway: peak with its scope and decline, trends, build rates
# --------------------------------------------------------------------------------------------------


def test_pathway_city_peak_with_decline_and_build_rate(tmp_path):
    # Two one-hour periods, 2030 (the peak) and 2031, 1 year each. Load 100 MWh; coal 300 CNY and 0.6 t/MWh,
    # gas extendable (1 CNY/kW... capex 0 here) at 600 CNY and 0.2 t/MWh. Non-power CO2: 50 t in 2030, 40 t in
    # 2031 (a falling oil use, 3 t/tce). City-wide CO2 in 2031 at most 2030's x 0.9 (10 %/yr decline).
    # 2030: coal 100 MWh, 60 t + 50 = 110 t. 2031: 0.6 c + 0.2 (100 - c) + 40 <= 99 -> c = 97.5.
    # The build rate of gas (20 MW/yr, gas needs 2.5 MW) does not bind; at 1 MW/yr it does: gas at most 1 MW
    # in 2030 (first_period_build_years 1) and 1 more in 2031 -> infeasible with no shedding.
    carriers = [*CARRIERS, ("oil", 0.0, 3.0, True, False, False)]
    gas = {**GAS, "existing_mw": 0, "extendable": "true", "lifetime_yr": 10, "max_build_mw_per_yr": 20}
    files = {}
    for year, oil in ((2030, 50 / 3), (2031, 40 / 3)):
        data = write_case(tmp_path / f"y{year}", [COAL, gas], [100.0], year=year, carriers=carriers)
        data["name"] = f"tiny_{year}"
        data["policy"] = energy_policy({"oil": oil})
        (tmp_path / f"tiny_{year}.yaml").write_text(yaml.safe_dump(data))
        files[year] = f"tiny_{year}.yaml"
    pathway = {"periods": [2030, 2031], "period_config": files, "discount_rate": 0.0, "peak_year": 2030,
               "peak_scope": "city", "post_peak_decline_per_yr": 0.1, "years_per_period": [1, 1]}
    path = tmp_path / "pathway.yaml"
    path.write_text(yaml.safe_dump({"name": "tiny_pathway", "pathway": pathway, "output_dir": str(tmp_path / "o")}))
    out = solve_pathway(load_pathway(path), write=False)
    ds = out.dataset
    assert ds["co2_city_t"].values.tolist() == pytest.approx([110, 99])
    assert ds["energy_mwh"].sel(technology="coal").values.tolist() == pytest.approx([100, 97.5])
    # myopic foresight gives the same here (the peak is the first period)
    data = yaml.safe_load(path.read_text())
    data["pathway"]["foresight"] = "myopic"
    path.write_text(yaml.safe_dump(data))
    out = solve_pathway(load_pathway(path), write=False)
    assert out.dataset["co2_city_t"].values.tolist() == pytest.approx([110, 99])


def test_pathway_peak_year_cannot_raise_its_own_emissions(tmp_path):
    # 2030 (the peak) and 2031, one hour each. Wind 50 MW in service (cf 1, free), coal 0.6 t/MWh at 300 CNY,
    # gas 0.2 t/MWh at 600 CNY. Load 100 MW in 2030, 150 in 2031. Alone, 2030 runs wind 50 + coal 50: 30 t.
    # If 2031 may emit what 2030 emits (one LP), curtailing x MWh of wind in 2030 costs 300 x and raises
    # 2031's cap by 0.6 x, which saves 1.5 x MWh of gas over coal at 300 CNY: 450 x. The LP curtails all 50:
    # 60 t in both years. The two-stage peak holds both years to the 30 t of 2030 alone: 2031 runs coal 25,
    # gas 75 (0.6 x 25 + 0.2 x 75 + 0 = 30).
    wind = {"name": "wind", "kind": "generator", "carrier": "wind", "existing_mw": 50, "profile": "wind"}
    gas = {**GAS, "existing_mw": 200}
    coal = {**COAL, "existing_mw": 200}
    techs = {y: [coal, gas, wind] for y in (2030, 2031)}
    loads = {2030: [100.0], 2031: [150.0]}
    cf = {y: {"wind": [1.0]} for y in (2030, 2031)}
    one = make_pathway(tmp_path / "one", techs, loads, cf, years_per_period=[1, 1], peak_year=2030,
                       peak_scope="power", peak_reference="endogenous")
    ds = solve_pathway(load_pathway(one), write=False).dataset
    assert ds["co2_t"].values.tolist() == pytest.approx([60, 60])
    two = make_pathway(tmp_path / "two", techs, loads, cf, years_per_period=[1, 1], peak_year=2030,
                       peak_scope="power")
    ds = solve_pathway(load_pathway(two), write=False).dataset
    assert ds.attrs["peak_reference_t"] == pytest.approx(30)
    assert ds["co2_t"].values.tolist() == pytest.approx([30, 30])
    assert ds["energy_mwh"].sel(technology="coal").values.tolist() == pytest.approx([50, 25])


def test_pathway_build_rate_limits_each_period(tmp_path):
    # Load 100 MW in 2025 and 2027; coal 60 MW; PV free (capex 0.001) with cf 1 and a build rate of 10 MW/yr:
    # 2025 (one year of building) at most 10 MW, 2027 at most 20 more: 10 and 30 MW in service, gas fills the rest.
    pv = {"name": "pv", "kind": "generator", "carrier": "solar", "extendable": "true", "capex_cny_per_kw": 0.001,
          "lifetime_yr": 20, "profile": "pv", "max_build_mw_per_yr": 10}
    coal = {**COAL, "existing_mw": 60}
    gas = {**GAS, "extendable": "true", "capex_cny_per_kw": 0.001, "lifetime_yr": 20, "existing_mw": 0}
    path = make_pathway(tmp_path, {y: [coal, gas, pv] for y in (2025, 2027)}, {y: [100.0] for y in (2025, 2027)},
                        {y: {"pv": [1.0]} for y in (2025, 2027)}, years_per_period=[2, 2])
    ds = solve_pathway(load_pathway(path), write=False).dataset
    assert ds["built_mw"].sel(technology="pv").values.tolist() == pytest.approx([10, 20])
    assert ds["capacity_total_mw"].sel(technology="pv").values.tolist() == pytest.approx([10, 30])


def test_myopic_period_names_the_pathway_row_it_cannot_meet(tmp_path):
    # Load 100 MW in 2025, 150 in 2026; coal 100 MW; gas at most 10 MW a year, with ten years of building before
    # 2025. Perfect foresight builds at least 40 of the 50 MW of gas in 2025; myopic builds none then (coal
    # suffices) and can add only 10 MW in 2026: infeasible, and the message says the build rates are why.
    gas = {**GAS, "existing_mw": 0, "extendable": "true", "capex_cny_per_kw": 1, "lifetime_yr": 20,
           "max_build_mw_per_yr": 10}
    techs = {y: [COAL, gas] for y in (2025, 2026)}
    loads = {2025: [100.0], 2026: [150.0]}
    path = make_pathway(tmp_path / "p", techs, loads, years_per_period=[1, 1], first_period_build_years=10)
    ds = solve_pathway(load_pathway(path), write=False).dataset
    built = ds["built_mw"].sel(technology="gas").values
    assert built.sum() == pytest.approx(50) and built[1] <= 10 + 1e-6
    path = make_pathway(tmp_path / "m", techs, loads, years_per_period=[1, 1], first_period_build_years=10,
                        foresight="myopic")
    from optimizer.errors import InfeasibleError

    with pytest.raises(InfeasibleError, match=r"period 2026 \(myopic\) .* feasible without the build rates"):
        solve_pathway(load_pathway(path), write=False)


def test_pathway_clean_electricity_never_falls(tmp_path):
    # Wind: 50 MW in service (cf 1, free energy), more at 10 CNY/kW (annuity 500 CNY/MW/yr over 20 yr at 0 %,
    # above the 300 CNY/MWh of coal it saves in a one-hour year: never built for cost). Load 100 MW in 2025,
    # 200 in 2027: the clean share falls from 50 % to 25 % -- unless it may not fall; then 2027 needs 100 MWh
    # of wind: 50 MW built.
    wind = {"name": "wind", "kind": "generator", "carrier": "wind", "existing_mw": 50, "extendable": "true",
            "capex_cny_per_kw": 10, "lifetime_yr": 20, "profile": "wind"}
    coal = {**COAL, "existing_mw": 300}
    techs = {y: [coal, wind] for y in (2025, 2027)}
    loads = {2025: [100.0], 2027: [200.0]}
    cf = {y: {"wind": [1.0]} for y in (2025, 2027)}
    free = solve_pathway(load_pathway(make_pathway(tmp_path / "free", techs, loads, cf, years_per_period=[2, 2])),
                         write=False).dataset
    assert free["clean_electricity_share"].values.tolist() == pytest.approx([0.5, 0.25])
    # myopic: 2025 is solved first (50 %), then 2027 must reach 50 %: 50 MW built
    path = make_pathway(tmp_path / "myopic", techs, loads, cf, years_per_period=[2, 2], foresight="myopic",
                        non_decreasing={"clean_electricity_share": None})
    my = solve_pathway(load_pathway(path), write=False)
    assert my.dataset["clean_electricity_share"].values.tolist() == pytest.approx([0.5, 0.5])
    assert my.dataset["capacity_total_mw"].sel(technology="wind").values.tolist() == pytest.approx([50, 100])
    # perfect foresight sees the cheaper way the rule allows: curtail 25 MWh of wind in 2025 (2 x 25 x 300 CNY
    # of coal instead) rather than build 25 MW more in 2027 (2 x 25 x 500 CNY): 25 % in both periods. The rule
    # holds; the pathway report flags renewable energy curtailed before a binding trend row
    path = make_pathway(tmp_path / "perfect", techs, loads, cf, years_per_period=[2, 2],
                        non_decreasing={"clean_electricity_share": None})
    pf = solve_pathway(load_pathway(path), write=False)
    share = pf.dataset["clean_electricity_share"].values
    assert share[1] >= share[0] - 1e-9 and pf.total_cost_cny <= my.total_cost_cny + 1e-6
    assert share.tolist() == pytest.approx([0.25, 0.25])
    flags = json.loads(pf.dataset.attrs["flags"])
    assert len(flags) == 1 and "curtails" in flags[0] and "foresight: myopic" in flags[0]
    assert json.loads(my.dataset.attrs["flags"]) == []


def test_pathway_settings_bad_inputs_fail_with_one_line(tmp_path):
    path = make_pathway(tmp_path, {2025: [COAL]}, {2025: [100.0]}, non_decreasing={"coal_share": None})
    with pytest.raises(InputError, match="non_decreasing"):
        load_pathway(path)
    path = make_pathway(tmp_path / "b", {2025: [COAL]}, {2025: [100.0]}, post_peak_decline_per_yr=1.5)
    with pytest.raises(InputError, match="post_peak_decline_per_yr"):
        load_pathway(path)
    # a trend must cite a target the targets file reads as a trend
    path = make_pathway(tmp_path / "c", {2025: [COAL]}, {2025: [100.0]},
                        non_decreasing={"nonfossil_share": "nonfossil_share_2025"})
    data = yaml.safe_load((tmp_path / "c" / "tiny_2025.yaml").read_text())
    data["inputs"]["targets"] = str(REPO / "seeds" / "targets.yaml")
    (tmp_path / "c" / "tiny_2025.yaml").write_text(yaml.safe_dump(data))
    with pytest.raises(InputError, match=r"pathway\.non_decreasing\.nonfossil_share"):
        load_pathway(path)


# --------------------------------------------------------------------------------------------------
# seeds/targets.yaml against the configs that cite it
# --------------------------------------------------------------------------------------------------

TARGETS = yaml.safe_load((REPO / "seeds" / "targets.yaml").read_text(encoding="utf-8"))
MODELS = {"constraint", "check", "trend", "input", "lever", "not_modelled"}


def test_every_target_has_its_reading():
    for tid, e in TARGETS.items():
        for key in ("unit", "year", "sense", "clause", "quote", "scope", "model", "note", "note_zh"):
            assert e.get(key) not in (None, ""), f"{tid} lacks {key}"
        assert e["model"] in MODELS, tid
        if e["model"] in ("constraint", "check"):
            assert e.get("value") is not None, f"{tid}: a {e['model']} needs a number"
        if e["model"] == "trend":
            assert e.get("trend") in ("non_decreasing", "peak"), tid


def _cited(cfg) -> dict[str, tuple[str, bool]]:
    """target id -> (the sense the config compares with, whether it is imposed)."""
    pol = cfg.policy
    out = {t.target: (t.sense, t.enforce) for t in pol.capacity_targets if t.target}
    for ref, sense in ((pol.coal_share_max, "<="), (pol.nonfossil_share_min, ">="),
                       (pol.clean_electricity_share_min, ">="), (pol.co2_cap_t, "<=")):
        if ref is not None and ref.target:
            out[ref.target] = (sense, ref.enforce)
    if pol.gas_supply is not None and pol.gas_supply.pipeline_bcm.target:
        out[pol.gas_supply.pipeline_bcm.target] = ("<=", pol.gas_supply.pipeline_bcm.enforce)
    return out


@pytest.mark.parametrize("name", ["suzhou_2025.yaml", "suzhou_2030.yaml"])
def test_configs_read_each_target_with_its_sense(name):
    cfg = load_config(REPO / "configs" / name)
    for tid, (sense, enforce) in _cited(cfg).items():
        e = TARGETS[tid]
        assert e["model"] in ("constraint", "check"), f"{name} imposes {tid}, read as {e['model']}"
        assert enforce == (e["model"] == "constraint"), f"{name}: {tid} is a {e['model']}"
        plan = e["sense"]
        # the plan's 'about' (==) is kept as a floor after its year
        assert sense == plan or (plan == "==" and sense == ">=" and cfg.year > e["year"]), (tid, sense, plan)


def test_pathway_trends_cite_trend_targets():
    pw = yaml.safe_load((REPO / "configs" / "suzhou_pathway.yaml").read_text(encoding="utf-8"))["pathway"]
    for quantity, tid in pw["non_decreasing"].items():
        assert TARGETS[tid]["trend"] == "non_decreasing", quantity
    assert pw["peak_year"] == TARGETS["carbon_peak_2030"]["year"]
    assert pw["peak_scope"] == "city"
