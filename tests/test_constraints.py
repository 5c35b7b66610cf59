"""Per-constraint-family tiny systems whose optimum is worked out by hand in each test.

Conventions of the tiny cases (tests/tiny.py): scale_to_year off (each hour weighs 1 h), discount
rate 0, so the annualised capex of a 1-year lifetime is the overnight cost. Carrier coal costs
1000 CNY/tce and emits 2 tCO2/tce; gas 3000 CNY/tce and 1 tCO2/tce.
"""

from __future__ import annotations

import math

import pytest

from optimizer.errors import InfeasibleError
from optimizer.run import run
from tiny import make_config, write_case

COAL = {"name": "coal", "kind": "generator", "carrier": "coal", "existing_mw": 100,
        "heat_rate_gce_per_kwh": 300}  # 0.3 tce/MWh -> 300 CNY/MWh, 0.6 tCO2/MWh
GAS = {"name": "gas", "kind": "generator", "carrier": "gas", "existing_mw": 100,
       "heat_rate_gce_per_kwh": 200}  # 0.2 tce/MWh -> 600 CNY/MWh, 0.2 tCO2/MWh


def solve(tmp_path, techs, load, cf=None, **updates):
    data = write_case(tmp_path / "case", techs, load, cf)
    cfg = make_config(data, tmp_path, **updates)
    return run(cfg, write=False)


def test_merit_order_and_marginal_price(tmp_path):
    # hour 0: coal covers 50; hour 1: coal 100 + gas 50. Prices: coal 300, then gas 600 CNY/MWh.
    out = solve(tmp_path, [COAL, GAS], [50, 150])
    ds = out.dataset
    assert ds["generation_mw"].sel(generator="coal").values.tolist() == pytest.approx([50, 100])
    assert ds["generation_mw"].sel(generator="gas").values.tolist() == pytest.approx([0, 50])
    assert float(ds.objective_cny) == pytest.approx(150 * 300 + 50 * 600)
    assert ds["marginal_price_cny_per_mwh"].values.ravel().tolist() == pytest.approx([300, 600])
    # emissions: 150 MWh coal x 0.6 + 50 MWh gas x 0.2
    assert float(ds.co2_t) == pytest.approx(90 + 10)


def test_expansion_stops_where_value_falls_below_cost(tmp_path):
    # PV costs 100 CNY/MW (0.1 CNY/kW, 1-year life). Each MW saves coal at 300 CNY/MWh in the hours it
    # is used: below 80 MW it saves (1 + 0.5) x 300 = 450, between 80 and 120 MW 0.5 x 300 = 150, above
    # 120 MW nothing, so 120 MW is built and coal runs only in hour 0.
    pv = {"name": "pv", "kind": "generator", "carrier": "solar", "extendable": "true", "profile": "pv",
          "capex_cny_per_kw": 0.1, "lifetime_yr": 1}
    out = solve(tmp_path, [COAL, pv], [50, 80, 60], {"pv": [0.0, 1.0, 0.5]})
    ds = out.dataset
    assert float(ds["capacity_new_mw"].sel(technology="pv")) == pytest.approx(120)
    assert ds["generation_mw"].sel(generator="coal").values.tolist() == pytest.approx([50, 0, 0], abs=1e-6)
    assert float(ds.objective_cny) == pytest.approx(120 * 100 + 50 * 300)
    # curtailment: 120 MW x 1.0 - 80 in hour 1, none in hour 2
    assert ds["curtailment_mw"].sel(generator="pv").values.tolist() == pytest.approx([0, 40, 0], abs=1e-6)
    assert float(ds["cost_cny"].sel(component="capex", owner="pv")) == pytest.approx(12000)


def test_capital_recovery_factor():
    from optimizer.model.capacity import crf

    assert crf(0.0, 20) == pytest.approx(0.05)
    # 8 %, 20 years: 0.08 x 1.08^20 / (1.08^20 - 1) = 0.101852...
    assert crf(0.08, 20) == pytest.approx(0.08 * 1.08**20 / (1.08**20 - 1))
    assert crf(0.08, 20) == pytest.approx(0.1018522, rel=1e-6)


def test_storage_shifts_energy_with_losses(tmp_path):
    # PV (100 MW, fixed) produces only in hour 0; load is 50 in both hours. The battery (100 MW,
    # 100 MWh, 90 % each way) stores the 50 MW surplus: 45 MWh stored, 40.5 MW delivered in hour 1,
    # gas covers 9.5 MW at 600 CNY/MWh. The cycle closes: the state of charge ends where it began.
    pv = {"name": "pv", "kind": "generator", "carrier": "solar", "existing_mw": 100, "profile": "pv"}
    bat = {"name": "bat", "kind": "storage", "carrier": "electricity", "existing_mw": 100,
           "existing_mwh": 100, "efficiency_charge": 0.9, "efficiency_discharge": 0.9}
    out = solve(tmp_path, [pv, GAS, bat], [50, 50], {"pv": [1.0, 0.0]})
    ds = out.dataset
    assert ds["storage_charge_mw"].sel(storage="bat").values.tolist() == pytest.approx([50, 0], abs=1e-6)
    assert ds["storage_discharge_mw"].sel(storage="bat").values.tolist() == pytest.approx([0, 40.5], abs=1e-6)
    assert ds["storage_soc_mwh"].sel(storage="bat").values.tolist() == pytest.approx([45, 0], abs=1e-6)
    assert float(ds.objective_cny) == pytest.approx(9.5 * 600)
    # downward flexibility: the battery could charge at its full 100 MW in any hour (its floor), so the room
    # to go down is the load (50, PV and gas can fall to zero) plus the 100 MW it could take
    assert ds["min_output_mw"].sel(technology="bat").values.tolist() == pytest.approx([-100, -100])
    from optimizer.report.tables import regulation_table

    reg = regulation_table(ds)
    assert reg.loc["room_total", "valley_room_mw"] == pytest.approx(150, abs=1e-6)
    assert reg.loc["bat", "valley_room_mw"] == pytest.approx(50, abs=1e-6)  # charging 50 of its 100 MW


def test_storage_energy_and_power_sized_separately(tmp_path):
    # Gas costs 600 CNY/MWh in hours 1-2; PV in hour 0 is free. Shifting 1 MWh needs 1 MWh of
    # energy capacity (10 CNY/MWh, lossless) and the power to deliver it over two hours (1 MW per
    # 2 MWh at 1 CNY/MW). Load 20 in hours 1 and 2 -> 40 MWh stored, charge power 40 MW in hour 0,
    # discharge 20 MW: power 40 MW (charging sets it), energy 40 MWh.
    pv = {"name": "pv", "kind": "generator", "carrier": "solar", "existing_mw": 100, "profile": "pv"}
    bat = {"name": "bat", "kind": "storage", "carrier": "electricity", "extendable": "true",
           "capex_cny_per_kw": 0.001, "capex_cny_per_kwh": 0.01, "lifetime_yr": 1}
    out = solve(tmp_path, [pv, GAS, bat], [0, 20, 20], {"pv": [1.0, 0.0, 0.0]})
    ds = out.dataset
    assert float(ds["capacity_new_mw"].sel(technology="bat")) == pytest.approx(40)
    assert float(ds["energy_capacity_new_mwh"].sel(storage="bat")) == pytest.approx(40)
    assert float(ds.objective_cny) == pytest.approx(40 * 1 + 40 * 10)


def test_ramp_limit(tmp_path):
    # Coal can move 10 % of 100 MW per hour: from 10 MW in hour 0 it reaches only 20 MW in hour 1,
    # gas supplies the remaining 30 MW.
    coal = {**COAL, "ramp_frac_per_h": 0.1}
    out = solve(tmp_path, [coal, GAS], [10, 50])
    ds = out.dataset
    assert ds["generation_mw"].sel(generator="coal").values.tolist() == pytest.approx([10, 20])
    assert ds["generation_mw"].sel(generator="gas").values.tolist() == pytest.approx([0, 30])


def test_ramp_limit_can_be_switched_off(tmp_path):
    coal = {**COAL, "ramp_frac_per_h": 0.1}
    out = solve(tmp_path, [coal, GAS], [10, 50], policy={"share_basis": "electricity", "ramp_limits": False})
    assert out.dataset["generation_mw"].sel(generator="coal").values.tolist() == pytest.approx([10, 50])


def test_import_annual_energy_limit_and_price(tmp_path):
    # Hydro at 100 CNY/MWh, 100 MW, at most 120 MWh over the horizon; load 100 in two hours.
    hydro = {"name": "hydro", "kind": "import", "carrier": "hydro", "existing_mw": 100,
             "price_cny_per_mwh": 100, "annual_energy_max_mwh": 120, "nonfossil_fraction": 1}
    out = solve(tmp_path, [COAL, hydro], [100, 100])
    ds = out.dataset
    assert float(ds["energy_mwh"].sel(technology="hydro")) == pytest.approx(120)
    assert float(ds.objective_cny) == pytest.approx(120 * 100 + 80 * 300)
    assert float(ds["cost_cny"].sel(component="import", owner="hydro")) == pytest.approx(12000)
    assert float(ds.nonfossil_share) == pytest.approx(0.6)


def test_import_minimum_take(tmp_path):
    # Contracted at least 150 MWh although coal is cheaper.
    grid = {"name": "grid", "kind": "import", "carrier": "grid_mix", "existing_mw": 100,
            "price_cny_per_mwh": 500, "annual_energy_min_mwh": 150, "co2_t_per_mwh": 0.5}
    out = solve(tmp_path, [COAL, grid], [100, 100])
    ds = out.dataset
    assert float(ds["energy_mwh"].sel(technology="grid")) == pytest.approx(150)
    assert float(ds["emissions_t"].sel(technology="grid")) == pytest.approx(75)


def test_co2_cap_and_shadow_price(tmp_path):
    # One hour, load 100. Coal 300 CNY/MWh & 0.6 t/MWh, gas 600 CNY/MWh & 0.2 t/MWh. Cap 30 t:
    # 0.6 x + 0.2 (100 - x) <= 30 -> x = 25 MW coal. Shadow price (600-300)/(0.6-0.2) = 750 CNY/t.
    out = solve(tmp_path, [COAL, GAS], [100],
                policy={"share_basis": "electricity", "co2_cap_t": {"value": 30, "source": "test"}})
    ds = out.dataset
    assert float(ds["energy_mwh"].sel(technology="coal")) == pytest.approx(25)
    assert float(ds.objective_cny) == pytest.approx(25 * 300 + 75 * 600)
    assert float(ds.carbon_shadow_price_cny_per_t) == pytest.approx(750)


def test_a_slack_co2_cap_has_a_shadow_price_of_plus_zero(tmp_path):
    # Cap 100 t; all-coal emits 60 t: the cap does not bind, its price is 0 (printed "0.0", never "-0.0")
    out = solve(tmp_path, [COAL, GAS], [100],
                policy={"share_basis": "electricity", "co2_cap_t": {"value": 100, "source": "test"}})
    price = float(out.dataset.carbon_shadow_price_cny_per_t)
    assert price == 0.0 and not math.copysign(1.0, price) < 0
    assert f"{price:,.1f}" == "0.0"


def test_carbon_price_switches_to_gas(tmp_path):
    # At 1000 CNY/t, coal costs 300 + 600 = 900 and gas 600 + 200 = 800 CNY/MWh: gas runs.
    out = solve(tmp_path, [COAL, GAS], [100], policy={"share_basis": "electricity", "carbon_price_cny_per_t": 1000})
    ds = out.dataset
    assert float(ds["energy_mwh"].sel(technology="gas")) == pytest.approx(100)
    assert float(ds.objective_cny) == pytest.approx(80000)
    assert float(ds["cost_cny"].sel(component="carbon").sum()) == pytest.approx(20000)


def test_coal_share_on_electricity_basis(tmp_path):
    # Coal share at most 40 % of 200 MWh: coal 80, gas 120. Tightening by one percentage point moves
    # 2 MWh from coal to gas: +2 x 300 = 600 CNY.
    out = solve(tmp_path, [COAL, GAS], [100, 100],
                policy={"share_basis": "electricity", "coal_share_max": {"value": 0.4}})
    ds = out.dataset
    assert float(ds["energy_mwh"].sel(technology="coal")) == pytest.approx(80)
    assert float(ds.coal_share) == pytest.approx(0.4)
    assert float(ds.coal_share_cost_cny_per_pp) == pytest.approx(600)


def test_nonfossil_share_on_energy_basis(tmp_path):
    # Energy basis, coal-equivalent conversion 300 gce/kWh. Non-power use: 1000 tce coal, 100 tce
    # non-fossil. One hour, load 100 MWh: coal plant (0.3 tce/MWh) or hydro import (converted at
    # 0.3 tce/MWh, 350 CNY/MWh). Total = 1100 + 0.3 x 100 = 1130 tce whatever the mix. Non-fossil at
    # least 10 %: 100 + 0.3 h >= 113 -> h = 43.33 MWh of hydro.
    hydro = {"name": "hydro", "kind": "import", "carrier": "hydro", "existing_mw": 100,
             "price_cny_per_mwh": 350, "nonfossil_fraction": 1}
    policy = {
        "share_basis": "energy",
        "energy_accounting": {"electricity_conversion": "coal_equivalent", "coal_equivalent_gce_per_kwh": 300,
                              "non_power_tce": {"coal": 1000, "nonfossil": 100}},
        "nonfossil_share_min": {"value": 0.10},
    }
    out = solve(tmp_path, [COAL, hydro], [100], policy=policy)
    ds = out.dataset
    assert float(ds.account_total) == pytest.approx(1130)
    assert float(ds["energy_mwh"].sel(technology="hydro")) == pytest.approx(13 / 0.3)
    assert float(ds.nonfossil_share) == pytest.approx(0.10)
    # calorific conversion: hydro counts 0.1229 tce/MWh while coal power still counts its fuel, so
    # the total depends on the mix: 100 + 0.1229 h >= 0.1 (1100 + 0.3 (100 - h) + 0.1229 h)
    # -> h (0.1229 + 0.1 x 0.1771) = 13
    policy["energy_accounting"]["electricity_conversion"] = "calorific"
    out = solve(tmp_path, [COAL, hydro], [100], policy=policy)
    h = float(out.dataset["energy_mwh"].sel(technology="hydro"))
    assert h == pytest.approx(13 / (0.1229 + 0.1 * (0.3 - 0.1229)))


def test_reserve_margin_builds_firm_capacity(tmp_path):
    # Peak 100 MW, margin 20 %: 120 MW firm needed; coal (100 MW, credit 1) + 20 MW of new gas at
    # 1 CNY/kW. The energy never needs gas.
    coal = {**COAL, "firm_capacity_credit": 1}
    gas = {**GAS, "existing_mw": 0, "extendable": "true", "capex_cny_per_kw": 1, "lifetime_yr": 1,
           "firm_capacity_credit": 1}
    out = solve(tmp_path, [coal, gas], [100, 60], policy={"share_basis": "electricity", "reserve_margin": 0.2})
    ds = out.dataset
    assert float(ds["capacity_new_mw"].sel(technology="gas")) == pytest.approx(20)
    assert float(ds.objective_cny) == pytest.approx(160 * 300 + 20 * 1000)


def test_storage_counts_as_firm_only_with_enough_energy(tmp_path):
    # Peak 100 MW, no margin, coal gives 80 MW firm. The battery must supply 20 MW firm and, with
    # firm_duration_h = 2 (the default is 4: the attribute must be read), hold 40 MWh behind it:
    # P = 20 MW (1 CNY/kW), E = 40 MWh (2 CNY/kWh).
    coal = {**COAL, "existing_mw": 100, "firm_capacity_credit": 0.8}
    bat = {"name": "bat", "kind": "storage", "carrier": "electricity", "extendable": "true",
           "capex_cny_per_kw": 1, "capex_cny_per_kwh": 2, "lifetime_yr": 1, "firm_capacity_credit": 1,
           "firm_duration_h": 2}
    out = solve(tmp_path, [coal, bat], [100], policy={"share_basis": "electricity", "reserve_margin": 0.0})
    ds = out.dataset
    assert float(ds["capacity_new_mw"].sel(technology="bat")) == pytest.approx(20)
    assert float(ds["energy_capacity_new_mwh"].sel(storage="bat")) == pytest.approx(40)
    assert float(ds.objective_cny) == pytest.approx(100 * 300 + 20 * 1000 + 40 * 2000)


def test_capacity_target_forces_build_and_reports_dual(tmp_path):
    # PV target 150 MW at 1 CNY/kW; PV is worth 300 CNY/MWh x 1 h only up to the 100 MW load, so the
    # last 50 MW cost 1000 CNY/MW each with no value: dual 1000 CNY/MW.
    pv = {"name": "pv", "kind": "generator", "carrier": "solar", "extendable": "true", "profile": "pv",
          "capex_cny_per_kw": 1, "lifetime_yr": 1}
    policy = {"share_basis": "electricity",
              "capacity_targets": [{"name": "pv", "value": 150, "technologies": ["pv"], "sense": ">="}]}
    out = solve(tmp_path, [COAL, pv], [100], {"pv": [1.0]}, policy=policy)
    ds = out.dataset
    assert float(ds["capacity_total_mw"].sel(technology="pv")) == pytest.approx(150)
    assert float(ds["policy_dual"].sel(policy="cap_pv")) == pytest.approx(1000)


def test_about_target_with_tolerance(tmp_path):
    # 'about 100 MW' with +-5 %: the cheapest point of the band is 95 MW.
    gas = {**GAS, "existing_mw": 0, "extendable": "true", "capex_cny_per_kw": 1, "lifetime_yr": 1}
    policy = {"share_basis": "electricity",
              "capacity_targets": [{"name": "gas", "value": 100, "technologies": ["gas"], "sense": "==",
                                    "tolerance": 0.05}]}
    out = solve(tmp_path, [COAL, gas], [50], policy=policy)
    assert float(out.dataset["capacity_total_mw"].sel(technology="gas")) == pytest.approx(95)


def test_unserved_energy_at_voll(tmp_path):
    out = solve(tmp_path, [COAL], [150], economics={"discount_rate": 0, "allow_unserved": True,
                                                    "voll_cny_per_mwh": 5000})
    ds = out.dataset
    assert float(ds.unserved_mwh) == pytest.approx(50)
    assert float(ds.objective_cny) == pytest.approx(100 * 300 + 50 * 5000)
    assert ds["marginal_price_cny_per_mwh"].values.ravel().tolist() == pytest.approx([5000])


def test_infeasible_targets_are_named(tmp_path):
    # Only coal can serve the load but the coal share must be at most 50 %.
    with pytest.raises(InfeasibleError) as err:
        solve(tmp_path, [COAL], [50], policy={"share_basis": "electricity", "coal_share_max": {"value": 0.5}})
    msg = str(err.value)
    assert "coal_share" in msg and "closest feasible 100.00%" in msg and "+50.00 pp" in msg


def test_conflicting_targets_name_smallest_relaxation(tmp_path):
    # CO2 cap 10 t needs coal <= 16.7 MWh (0.6 t/MWh) but there is nothing else: relax by 20 t to 30.
    with pytest.raises(InfeasibleError) as err:
        solve(tmp_path, [COAL], [50], policy={"share_basis": "electricity", "co2_cap_t": {"value": 10}})
    assert "co2_cap" in str(err.value) and "30" in str(err.value)


def test_weights_scale_a_short_horizon_to_a_year(tmp_path):
    # Two hours standing for 8760: annual energy = mean load x 8760.
    data = write_case(tmp_path / "case", [COAL], [40, 60])
    data["time"]["scale_to_year"] = True
    out = run(make_config(data, tmp_path), write=False)
    assert float(out.dataset["energy_mwh"].sel(technology="coal")) == pytest.approx(50 * 8760)
    assert math.isclose(float(out.dataset.objective_cny), 50 * 8760 * 300, rel_tol=1e-9)


# --------------------------------------------------------------------------------------------------
# storage: standing loss over the cycle, energy-to-power (duration) bounds
# --------------------------------------------------------------------------------------------------


def test_storage_standing_loss_over_the_cycle(tmp_path):
    # PV (100 MW, fixed) produces only in the last hour; load 20, 20, 70. The 30 MW surplus of hour 2
    # is stored (lossless charge and discharge) and carried round the cycle into hours 0 and 1. The
    # store keeps 90 % of its energy per hour (standing loss 0.1/h), over the wrap 2 -> 0 too:
    # soc2 = 30, soc0 = 0.9 x 30 - d0 = 27 - d0, soc1 = 0.9 soc0 - d1 = 0 (a leftover only decays).
    # Delivered d0 + d1 = d0 + 0.9 (27 - d0) = 24.3 + 0.1 d0: discharge as early as possible, d0 = 20 (the
    # load), soc0 = 7, d1 = 0.9 x 7 = 6.3. Gas (600 CNY/MWh) covers 20 - 6.3 = 13.7 MWh: 8220 CNY.
    # Without the loss all 30 MWh arrive: gas 10 MWh, 6000 CNY.
    pv = {"name": "pv", "kind": "generator", "carrier": "solar", "existing_mw": 100, "profile": "pv"}
    bat = {"name": "bat", "kind": "storage", "carrier": "electricity", "existing_mw": 100,
           "existing_mwh": 100, "standing_loss_frac_per_h": 0.1}
    out = solve(tmp_path / "loss", [pv, GAS, bat], [20, 20, 70], {"pv": [0.0, 0.0, 1.0]})
    ds = out.dataset
    assert ds["storage_charge_mw"].sel(storage="bat").values.tolist() == pytest.approx([0, 0, 30], abs=1e-6)
    assert ds["storage_discharge_mw"].sel(storage="bat").values.tolist() == pytest.approx([20, 6.3, 0], abs=1e-6)
    assert ds["storage_soc_mwh"].sel(storage="bat").values.tolist() == pytest.approx([7, 0, 30], abs=1e-6)
    assert float(ds.objective_cny) == pytest.approx((20 - 6.3) * 600)
    lossless = solve(tmp_path / "lossless", [pv, GAS, {**bat, "standing_loss_frac_per_h": 0}], [20, 20, 70],
                     {"pv": [0.0, 0.0, 1.0]}).dataset
    # gas covers 10 MWh. (How much the lossless store cycles is not unique: charging and discharging
    # in the same hour costs nothing, and an interior-point optimum may do some of it.)
    assert float(lossless["energy_mwh"].sel(technology=GAS["name"])) == pytest.approx(10)
    assert float(lossless.objective_cny) == pytest.approx(10 * 600)


@pytest.mark.parametrize(("bound", "power_mw", "energy_mwh"), [
    # at most 0.5 h: the 40 MWh shifted need 40 / 0.5 = 80 MW; a shifted MWh then costs 10 + 2 x 1 = 12
    # CNY against 600 of gas saved, so all 40 MWh are still shifted
    ({"max_duration_h": 0.5}, 40 / 0.5, 40),
    # at least 4 h: the 40 MW of charging power need 4 x 40 = 160 MWh; a shifted MWh costs 1 + 4 x 10 = 41
    ({"min_duration_h": 4}, 40, 4 * 40),
], ids=["max_duration", "min_duration"])
def test_storage_duration_bounds_bind(tmp_path, bound, power_mw, energy_mwh):
    # The separately sized battery above (1 CNY/MW, 10 CNY/MWh; optimum 40 MW and 40 MWh, 1 h) with an
    # energy-to-power ratio bound that cuts that optimum off.
    pv = {"name": "pv", "kind": "generator", "carrier": "solar", "existing_mw": 100, "profile": "pv"}
    bat = {"name": "bat", "kind": "storage", "carrier": "electricity", "extendable": "true",
           "capex_cny_per_kw": 0.001, "capex_cny_per_kwh": 0.01, "lifetime_yr": 1, **bound}
    out = solve(tmp_path, [pv, GAS, bat], [0, 20, 20], {"pv": [1.0, 0.0, 0.0]})
    ds = out.dataset
    assert float(ds["capacity_new_mw"].sel(technology="bat")) == pytest.approx(power_mw)
    assert float(ds["energy_capacity_new_mwh"].sel(storage="bat")) == pytest.approx(energy_mwh)
    assert float(ds["generation_mw"].sel(generator="gas").sum()) == pytest.approx(0, abs=1e-6)
    assert float(ds.objective_cny) == pytest.approx(power_mw * 1 + energy_mwh * 10)


# --------------------------------------------------------------------------------------------------
# operation and maintenance costs
# --------------------------------------------------------------------------------------------------


def test_fixed_om_on_total_capacity(tmp_path):
    # The expansion case above (PV worth 450 CNY/MW up to 80 MW, 150 from 80 to 120 MW) with fixed O&M:
    # PV 0.1 CNY/kW/yr on top of its 0.1 CNY/kW capex, so a MW costs 100 + 100 = 200 CNY/yr and only
    # 80 MW are built (not 120). Coal pays 0.05 CNY/kW/yr on all its 100 MW in service, 5000 CNY,
    # although it runs only 50 + 0 + (60 - 0.5 x 80) = 70 MWh (21 000 CNY of fuel).
    coal = {**COAL, "fom_cny_per_kw_yr": 0.05}
    pv = {"name": "pv", "kind": "generator", "carrier": "solar", "extendable": "true", "profile": "pv",
          "capex_cny_per_kw": 0.1, "lifetime_yr": 1, "fom_cny_per_kw_yr": 0.1}
    out = solve(tmp_path, [coal, pv], [50, 80, 60], {"pv": [0.0, 1.0, 0.5]})
    ds = out.dataset
    assert float(ds["capacity_new_mw"].sel(technology="pv")) == pytest.approx(80)
    assert ds["generation_mw"].sel(generator="coal").values.tolist() == pytest.approx([50, 0, 20], abs=1e-6)
    assert float(ds["cost_cny"].sel(component="fom", owner="coal")) == pytest.approx(100 * 50)
    assert float(ds["cost_cny"].sel(component="fom", owner="pv")) == pytest.approx(80 * 100)
    assert float(ds.objective_cny) == pytest.approx(80 * 100 + 80 * 100 + 100 * 50 + 70 * 300)


def test_variable_om_changes_the_merit_order(tmp_path):
    # Coal with 350 CNY/MWh of variable O&M costs 300 + 350 = 650 CNY/MWh, more than gas (600): gas runs
    # first. Hour 0: gas 50; hour 1: gas 100 + coal 50. Marginal prices 600 and 650 CNY/MWh.
    coal = {**COAL, "vom_cny_per_mwh": 350}
    out = solve(tmp_path / "gen", [coal, GAS], [50, 150])
    ds = out.dataset
    assert ds["generation_mw"].sel(generator="gas").values.tolist() == pytest.approx([50, 100])
    assert ds["generation_mw"].sel(generator="coal").values.tolist() == pytest.approx([0, 50], abs=1e-6)
    assert float(ds["cost_cny"].sel(component="vom", owner="coal")) == pytest.approx(50 * 350)
    assert float(ds.objective_cny) == pytest.approx(150 * 600 + 50 * (300 + 350))
    assert ds["marginal_price_cny_per_mwh"].values.ravel().tolist() == pytest.approx([600, 650])
    # storage pays its variable O&M per MWh discharged: at 650 CNY/MWh the 40.5 MWh the battery of
    # test_storage_shifts_energy_with_losses would deliver cost more than gas (600), so it stays idle
    pv = {"name": "pv", "kind": "generator", "carrier": "solar", "existing_mw": 100, "profile": "pv"}
    bat = {"name": "bat", "kind": "storage", "carrier": "electricity", "existing_mw": 100,
           "existing_mwh": 100, "efficiency_charge": 0.9, "efficiency_discharge": 0.9, "vom_cny_per_mwh": 650}
    ds = solve(tmp_path / "bat", [pv, GAS, bat], [50, 50], {"pv": [1.0, 0.0]}).dataset
    assert float(ds["energy_mwh"].sel(technology="bat")) == pytest.approx(0, abs=1e-6)
    assert float(ds.objective_cny) == pytest.approx(50 * 600)


def test_hourly_parameters_hold_every_input_value(tmp_path):
    """The hourly Params are filled without Pyomo's per-entry index check (``sets.hourly_param``):
    every index must still be there with its input value, and nothing else."""
    from optimizer.inputs import load_inputs
    from optimizer.model import build_model
    from optimizer.model.dispatch import availability

    pv = {"name": "pv", "kind": "generator", "carrier": "solar", "extendable": "true", "profile": "pv"}
    data = write_case(tmp_path / "case", [COAL, pv], [50, 150, 80], {"pv": [0.0, 0.7, 0.25]})
    cfg = make_config(data, tmp_path)
    inp = load_inputs(cfg)
    m = build_model(inp, cfg)
    assert {k: p.value for k, p in m.avail.items()} == {("pv", i): v for i, v in enumerate(availability(inp, "pv"))}
    zone = inp.zones[0]
    assert {k: p.value for k, p in m.component(f"demand_{zone}").items()} == dict(enumerate([50.0, 150.0, 80.0]))
    assert [m.weight_h[i].value for i in m.T] == [1.0, 1.0, 1.0]


@pytest.mark.parametrize("unserved", [False, True])
def test_balance_rows_hold_each_registered_entry_with_its_coefficient(tmp_path, unserved):
    """Balance terms are registered as (coefficient, Var, key) entries and each zone's row is one
    template summing them by group (``balance.entry_groups``): every entry must be in every hour's row with its
    coefficient (charging -1), nothing else; a term registered by another module (a 0.5 injection
    here) enters the same way, with no edit of the balance."""
    import pyomo.core as pyo

    from optimizer.inputs import load_inputs
    from optimizer.model import FAMILIES, balance, objective, sets
    from optimizer.model.registry import Registry
    from optimizer.solve import compile_lp

    bat = {"name": "bat", "kind": "storage", "carrier": "electricity", "existing_mw": 100, "existing_mwh": 100}
    data = write_case(tmp_path / "case", [COAL, GAS, bat], [50, 150, 80])
    cfg = make_config(data, tmp_path, economics={"discount_rate": 0.0, "allow_unserved": unserved})
    inp = load_inputs(cfg)
    m = pyo.ConcreteModel()
    reg = Registry()
    sets.add(m, inp)
    for family in FAMILIES:
        if family is balance:
            m.extra = pyo.Var(m.Z, m.T, bounds=(0.0, 10.0), doc="test injection (MW)")
            reg.add_balance("extra", lambda z: [(0.5, m.extra, z)])
        family.add(m, inp, cfg, reg)
    assert FAMILIES[-2:] == (balance, objective)
    lp = compile_lp(m)
    by_row = lp.A.tocsr()
    zone = inp.zones[0]
    for i in m.T:
        rows = [r for r, (con, _) in enumerate(lp.rows) if con is m.component(f"balance_{zone}")[i]]
        assert len(rows) == 1
        start, end = by_row.indptr[rows[0]], by_row.indptr[rows[0] + 1]
        coefs = {lp.columns[j].name: float(v) for j, v in zip(by_row.indices[start:end], by_row.data[start:end],
                                                              strict=True)}
        expected = {f"p[coal,{i}]": 1.0, f"p[gas,{i}]": 1.0, f"discharge[bat,{i}]": 1.0,
                    f"charge[bat,{i}]": -1.0, f"extra[{zone},{i}]": 0.5}
        if unserved:
            expected[f"unserved[{zone},{i}]"] = 1.0
        assert coefs == expected
        assert lp.row_lower[rows[0]] == lp.row_upper[rows[0]] == [50.0, 150.0, 80.0][i]


@pytest.mark.parametrize("weights", [[1.0, 1.0, 1.0], [2.0, 0.5, 1.0]])
def test_weighted_sum_of_steps(weights):
    """Annual sums are built flat when every step weighs one hour, with products otherwise: the same
    value and the same coefficients either way."""
    import pyomo.core as pyo
    from pyomo.repn.linear import LinearRepnVisitor

    from optimizer.model.sets import weighted_sum

    m = pyo.ConcreteModel()
    m.x = pyo.Var(range(3))
    for i, v in enumerate([3.0, 5.0, 7.0]):
        m.x[i].value = v
    e = weighted_sum(weights, [m.x[i] for i in range(3)])
    assert pyo.value(e) == pytest.approx(sum(w * v for w, v in zip(weights, [3.0, 5.0, 7.0], strict=True)))
    repn = LinearRepnVisitor({}).walk_expression(e)
    assert sorted(repn.linear.values()) == sorted(weights)
    with pytest.raises(ValueError):
        weighted_sum([1.0], [m.x[0], m.x[1]])
