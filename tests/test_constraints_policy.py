"""Policy constraint families on tiny systems whose optimum is worked out by hand in each test.

The companion of tests/test_constraints.py, with the same conventions (tests/tiny.py): scale_to_year
off (each hour weighs 1 h), discount rate 0, so the annualised capex of a 1-year lifetime is the
overnight cost. Carrier coal costs 1000 CNY/tce and emits 2 tCO2/tce; gas 3000 CNY/tce and 1 tCO2/tce.
On the energy basis the shares are of the city's energy use in tce: the exogenous non-power use by
fuel (``non_power_tce``), plus the fuel of local fossil plants, plus local non-fossil generation and
imported electricity at the configured conversion (coal_equivalent: 303.4 gce/kWh by default;
calorific: 122.9 gce/kWh).
"""

from __future__ import annotations

import pytest
from test_cli import _restore_logging, check_failed, invoke  # noqa: F401  (autouse: the CLI resets logging)
from test_constraints import COAL, GAS, solve

from optimizer import checks
from optimizer.errors import CheckError


def energy_policy(non_power_tce, **extra):
    """An energy-basis policy mapping; ``extra`` keys of energy_accounting go with the policy keys."""
    accounting = {"non_power_tce": non_power_tce}
    for key in ("electricity_conversion", "coal_equivalent_gce_per_kwh", "count_imported_coal_power_as_coal"):
        if key in extra:
            accounting[key] = extra.pop(key)
    return {"share_basis": "energy", "energy_accounting": accounting, **extra}


# --------------------------------------------------------------------------------------------------
# coal and non-fossil shares on the energy basis
# --------------------------------------------------------------------------------------------------


def test_coal_share_on_energy_basis_counts_plant_fuel_and_non_power_use(tmp_path):
    # Outside the power sector the city burns 500 tce of coal, 300 of oil, 100 of gas and uses 100 of
    # non-fossil energy: 1000 tce, of it 500 coal. One hour, load 100 MWh from the coal plant (0.3
    # tce/MWh, 300 CNY/MWh) or the gas plant (0.2 tce/MWh, 600 CNY/MWh); fossil plants count their fuel.
    # With c MWh of coal: coal account 500 + 0.3 c, total 1000 + 0.3 c + 0.2 (100 - c) = 1020 + 0.1 c.
    # Unconstrained c = 100, a coal share of 530 / 1030 = 51.5 %. At most 50 %:
    # 500 + 0.3 c <= 510 + 0.05 c -> c = 40, gas 60: 40 x 300 + 60 x 600 = 48 000 CNY, total 1024 tce.
    # (On the electricity basis 50 % would allow c = 50.) Relaxing the row by b tce: 0.25 c = 10 + b,
    # 4 MWh more coal per tce at 600 - 300 CNY each; one point of share is 0.01 x 1024 tce of the row:
    # 10.24 x 4 x 300 = 12 288 CNY per percentage point.
    policy = energy_policy({"coal": 500, "oil": 300, "gas": 100, "nonfossil": 100})
    free = solve(tmp_path / "free", [COAL, GAS], [100], policy=policy).dataset
    assert float(free["energy_mwh"].sel(technology="coal")) == pytest.approx(100)
    assert float(free.coal_share) == pytest.approx(530 / 1030)
    out = solve(tmp_path / "capped", [COAL, GAS], [100], policy={**policy, "coal_share_max": {"value": 0.5}})
    ds = out.dataset
    assert float(ds["energy_mwh"].sel(technology="coal")) == pytest.approx(40)
    assert float(ds["energy_mwh"].sel(technology="gas")) == pytest.approx(60)
    assert float(ds.account_total) == pytest.approx(1020 + 0.1 * 40)
    assert float(ds.account_coal) == pytest.approx(500 + 0.3 * 40)
    assert float(ds.coal_share) == pytest.approx(0.5)
    assert float(ds.objective_cny) == pytest.approx(40 * 300 + 60 * 600)
    assert float(ds.coal_share_cost_cny_per_pp) == pytest.approx(0.01 * 1024 * 4 * 300)


@pytest.mark.parametrize(("conversion", "chi"), [("coal_equivalent", 0.3), ("calorific", 0.1229)])
def test_coal_share_on_energy_basis_counts_imports_by_the_convention(tmp_path, conversion, chi):
    # Non-power use: coal 500, oil 400, non-fossil 100 tce. One hour, load 100 MWh from the coal plant
    # (0.3 tce/MWh, 300 CNY/MWh) or a hydro import (350 CNY/MWh) counted chi tce/MWh: coal_equivalent
    # at the configured 300 gce/kWh (0.3), calorific at the default 122.9 gce/kWh (0.1229).
    # Coal account 500 + 0.3 c, total 1000 + 0.3 c + chi (100 - c). Unconstrained c = 100 (530 / 1030).
    # At most 50 %: 500 + 0.3 c <= 500 + 50 chi + 0.5 (0.3 - chi) c -> c = 50 chi / (0.15 + 0.5 chi):
    # coal_equivalent c = 15 / 0.3 = 50 MWh; calorific c = 6.145 / 0.21145 = 29.06 MWh.
    hydro = {"name": "hydro", "kind": "import", "carrier": "hydro", "existing_mw": 100,
             "price_cny_per_mwh": 350, "nonfossil_fraction": 1}
    policy = energy_policy({"coal": 500, "oil": 400, "nonfossil": 100}, electricity_conversion=conversion,
                           coal_equivalent_gce_per_kwh=300, coal_share_max={"value": 0.5})
    out = solve(tmp_path, [COAL, hydro], [100], policy=policy)
    ds = out.dataset
    c = 50 * chi / (0.15 + 0.5 * chi)
    assert float(ds["energy_mwh"].sel(technology="coal")) == pytest.approx(c)
    assert float(ds.account_total) == pytest.approx(1000 + 0.3 * c + chi * (100 - c))
    assert float(ds.coal_share) == pytest.approx(0.5)
    assert float(ds.objective_cny) == pytest.approx(300 * c + 350 * (100 - c))


def test_nonfossil_share_on_energy_basis_counts_local_generation(tmp_path):
    # Local non-fossil generation counts its output at the default coal-equivalent 303.4 gce/kWh; the
    # coal plant counts its fuel (0.3 tce/MWh). Non-power use: coal 1000, non-fossil 100 tce. One hour,
    # load 100 MWh; PV at capacity factor 1 costs 0.4 CNY/kW (400 CNY/MW) against 300 CNY/MWh of coal,
    # so none is built unconstrained (non-fossil share 100 / 1130). With p MW of PV: total
    # 1100 + 0.3 (100 - p) + 0.3034 p = 1130 + 0.0034 p; non-fossil at least 10 %:
    # 100 + 0.3034 p >= 113 + 0.00034 p -> p = 13 / 0.30306 = 42.90 MW; cost 400 p + 300 (100 - p).
    pv = {"name": "pv", "kind": "generator", "carrier": "solar", "extendable": "true", "profile": "pv",
          "capex_cny_per_kw": 0.4, "lifetime_yr": 1}
    policy = energy_policy({"coal": 1000, "nonfossil": 100})
    free = solve(tmp_path / "free", [COAL, pv], [100], {"pv": [1.0]}, policy=policy).dataset
    assert float(free["capacity_new_mw"].sel(technology="pv")) == pytest.approx(0, abs=1e-6)
    assert float(free.nonfossil_share) == pytest.approx(100 / 1130)
    policy["nonfossil_share_min"] = {"value": 0.10}
    ds = solve(tmp_path / "floor", [COAL, pv], [100], {"pv": [1.0]}, policy=policy).dataset
    p = 13 / (0.3034 - 0.1 * 0.0034)
    assert float(ds["capacity_new_mw"].sel(technology="pv")) == pytest.approx(p)
    assert float(ds.account_total) == pytest.approx(1130 + 0.0034 * p)
    assert float(ds.nonfossil_share) == pytest.approx(0.10)
    assert float(ds.objective_cny) == pytest.approx(400 * p + 300 * (100 - p))


# --------------------------------------------------------------------------------------------------
# capacity targets: new capacity only, storage energy
# --------------------------------------------------------------------------------------------------


def test_capacity_target_on_new_capacity_only(tmp_path):
    # PV: 50 MW in service, more at 1 CNY/kW (1000 CNY/MW); one hour of 100 MW load, capacity factor 1.
    # 'At least 30 MW of PV' on total capacity is met by the 50 MW in service: nothing is built, coal
    # makes 50 MWh (15 000 CNY), the target's dual is 0. Counting new capacity only: 30 MW are built,
    # each replacing 1 MWh of coal (300 CNY) for 1000 CNY -> dual 700 CNY/MW;
    # 30 x 1000 + (100 - 80) x 300 = 36 000 CNY.
    pv = {"name": "pv", "kind": "generator", "carrier": "solar", "existing_mw": 50, "extendable": "true",
          "profile": "pv", "capex_cny_per_kw": 1, "lifetime_yr": 1}
    target = {"name": "pv", "value": 30, "technologies": ["pv"], "sense": ">="}
    total = solve(tmp_path / "total", [COAL, pv], [100], {"pv": [1.0]},
                  policy={"share_basis": "electricity", "capacity_targets": [target]}).dataset
    assert float(total["capacity_new_mw"].sel(technology="pv")) == pytest.approx(0, abs=1e-6)
    assert float(total.objective_cny) == pytest.approx(50 * 300)
    assert float(total["policy_dual"].sel(policy="cap_pv")) == pytest.approx(0, abs=1e-6)
    new = solve(tmp_path / "new", [COAL, pv], [100], {"pv": [1.0]},
                policy={"share_basis": "electricity", "capacity_targets": [{**target, "new_only": True}]}).dataset
    assert float(new["capacity_new_mw"].sel(technology="pv")) == pytest.approx(30)
    assert float(new["capacity_total_mw"].sel(technology="pv")) == pytest.approx(80)
    assert float(new.objective_cny) == pytest.approx(30 * 1000 + 20 * 300)
    assert float(new["policy_dual"].sel(policy="cap_pv")) == pytest.approx(1000 - 300)


@pytest.mark.parametrize(("new_only", "built_mwh"), [(False, 100 - 30), (True, 100)], ids=["total", "new_only"])
def test_capacity_target_on_storage_energy(tmp_path, new_only, built_mwh):
    # The separately sized battery of tests/test_constraints.py (1 CNY/MW, 10 CNY/MWh; optimum 40 MW and
    # 40 MWh) with 30 MWh already in service, so 10 MWh would be added. A target of at least 100 MWh of
    # energy capacity: on the total 70 MWh are built, on new capacity only 100. The power stays at the
    # 40 MW the charging needs (the target counts MWh, not MW); the MWh beyond 40 have no use, so the
    # dual is their cost, 10 CNY/MWh. Cost 40 x 1 + built x 10.
    pv = {"name": "pv", "kind": "generator", "carrier": "solar", "existing_mw": 100, "profile": "pv"}
    bat = {"name": "bat", "kind": "storage", "carrier": "electricity", "extendable": "true", "existing_mwh": 30,
           "capex_cny_per_kw": 0.001, "capex_cny_per_kwh": 0.01, "lifetime_yr": 1}
    target = {"name": "bat_e", "value": 100, "technologies": ["bat"], "measure": "energy", "new_only": new_only}
    out = solve(tmp_path, [pv, GAS, bat], [0, 20, 20], {"pv": [1.0, 0.0, 0.0]},
                policy={"share_basis": "electricity", "capacity_targets": [target]})
    ds = out.dataset
    assert float(ds["energy_capacity_new_mwh"].sel(storage="bat")) == pytest.approx(built_mwh)
    assert float(ds["capacity_new_mw"].sel(technology="bat")) == pytest.approx(40)
    assert float(ds.objective_cny) == pytest.approx(40 * 1 + built_mwh * 10)
    assert float(ds["policy_dual"].sel(policy="cap_bat_e")) == pytest.approx(10)


# --------------------------------------------------------------------------------------------------
# import options
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("include", "coal_mwh", "price"), [
    # 0.6 c + 0.5 (100 - c) <= 55 -> c = 50; price (500 - 300) / (0.6 - 0.5) = 2000 CNY/t
    (True, 50, 2000),
    # 0.6 c <= 55 -> c = 91.67; price (500 - 300) / 0.6 = 333.3 CNY/t
    (False, 55 / 0.6, 200 / 0.6),
], ids=["counted", "not_counted"])
def test_import_emissions_can_be_left_out_of_the_cap(tmp_path, include, coal_mwh, price):
    # One hour, load 100 MWh from coal (300 CNY/MWh, 0.6 t/MWh) or a grid import (500 CNY/MWh,
    # 0.5 t/MWh); the cap is 55 t. Left out, the import's emissions are neither capped nor reported.
    grid = {"name": "grid", "kind": "import", "carrier": "grid_mix", "existing_mw": 100,
            "price_cny_per_mwh": 500, "co2_t_per_mwh": 0.5}
    policy = {"share_basis": "electricity", "co2_cap_t": {"value": 55}, "include_import_emissions": include}
    ds = solve(tmp_path, [COAL, grid], [100], policy=policy).dataset
    assert float(ds["energy_mwh"].sel(technology="coal")) == pytest.approx(coal_mwh)
    assert float(ds.objective_cny) == pytest.approx(300 * coal_mwh + 500 * (100 - coal_mwh))
    assert float(ds.carbon_shadow_price_cny_per_t) == pytest.approx(price)
    assert float(ds["emissions_t"].sel(technology="grid")) == pytest.approx(0.5 * (100 - coal_mwh) if include else 0,
                                                                           abs=1e-6)
    assert float(ds.co2_t) == pytest.approx(55)


@pytest.mark.parametrize(("counted", "coal_mwh"), [
    # 500 + 0.3 c <= 522.5 -> c = 75
    (False, 75),
    # 500 + 0.3 c + 0.3 x 0.5 (100 - c) <= 522.5 -> 0.15 c <= 7.5 -> c = 50
    (True, 50),
], ids=["not_counted", "counted"])
def test_imported_coal_power_counted_as_coal(tmp_path, counted, coal_mwh):
    # Energy basis, coal-equivalent at 300 gce/kWh; non-power use coal 500, oil 470 tce. One hour, load
    # 100 MWh from the coal plant (0.3 tce/MWh, 300 CNY/MWh) or a grid import (400 CNY/MWh) half of it
    # coal-fired. Total 970 + 0.3 x 100 = 1000 tce whatever the mix; coal share at most 52.25 %, 522.5 tce.
    grid = {"name": "grid", "kind": "import", "carrier": "grid_mix", "existing_mw": 100,
            "price_cny_per_mwh": 400, "coal_fraction": 0.5}
    policy = energy_policy({"coal": 500, "oil": 470}, coal_equivalent_gce_per_kwh=300,
                           count_imported_coal_power_as_coal=counted, coal_share_max={"value": 0.5225})
    ds = solve(tmp_path, [COAL, grid], [100], policy=policy).dataset
    assert float(ds["energy_mwh"].sel(technology="coal")) == pytest.approx(coal_mwh)
    assert float(ds.account_total) == pytest.approx(1000)
    assert float(ds.account_coal) == pytest.approx(522.5)
    assert float(ds.objective_cny) == pytest.approx(300 * coal_mwh + 400 * (100 - coal_mwh))


# --------------------------------------------------------------------------------------------------
# a run that fails its own self-check
# --------------------------------------------------------------------------------------------------


def test_failed_self_check_exits_5_with_one_line_and_writes_nothing(tiny_case, tmp_path, monkeypatch):
    # The checks recompute each technology's emissions from its dispatch; make the check's emission
    # factor twice the model's. The tiny case's optimum (tests/test_constraints.py) runs coal only in
    # hour 0: 50 MWh x 0.6 t/MWh = 30 t reported, 60 t recomputed.
    real = checks.emission_factor_t_per_mwh
    monkeypatch.setattr(checks, "emission_factor_t_per_mwh", lambda inp, g: 2 * real(inp, g))
    out = tmp_path / "runs" / "out"
    line = check_failed(invoke("run", tiny_case.config_path, "--out", out, "--quiet"), CheckError.exit_code,
                        "emissions of coal", "reported 30 t", "recomputed from dispatch 60 t")
    assert CheckError.exit_code == 5, line
    assert not (tmp_path / "runs").exists()  # no results, no lock file, no parent folder
    assert not tiny_case.results_dir.exists()
