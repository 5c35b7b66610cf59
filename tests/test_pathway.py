"""The multi-period pathway: capacity carried across periods, lifetimes, the peak, foresight."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from optimizer.pathway import load_pathway, solve_pathway
from tiny import write_case

R = 0.0  # no discounting: each period weighs its years


def make_pathway(tmp_path: Path, techs_by_year: dict[int, list[dict]], load_by_year: dict[int, list[float]],
                 cf_by_year: dict[int, dict] | None = None, **settings) -> Path:
    files = {}
    for year, techs in techs_by_year.items():
        data = write_case(tmp_path / f"y{year}", techs, load_by_year[year], (cf_by_year or {}).get(year), year=year)
        data["name"] = f"tiny_{year}"
        path = tmp_path / f"tiny_{year}.yaml"
        path.write_text(yaml.safe_dump(data))
        files[year] = path.name
    pathway = {"periods": sorted(techs_by_year), "period_config": files, "discount_rate": R, **settings}
    path = tmp_path / "pathway.yaml"
    path.write_text(yaml.safe_dump({"name": "tiny_pathway", "pathway": pathway,
                                    "output_dir": str(tmp_path / "out")}))
    return path


COAL = {"name": "coal", "kind": "generator", "carrier": "coal", "existing_mw": 100, "heat_rate_gce_per_kwh": 300}
GAS = {"name": "gas", "kind": "generator", "carrier": "gas", "extendable": "true", "capex_cny_per_kw": 1,
       "lifetime_yr": 6, "heat_rate_gce_per_kwh": 200}


def test_capacity_lives_until_its_lifetime_ends(tmp_path):
    # Load 150 MW in all three periods (5 years each, no discounting); coal gives 100 MW, so 50 MW of
    # gas is needed in every period. Gas lives 6 years: built in 2025 it serves 2030 (2030 < 2031) but
    # not 2035, so the plan builds 50 MW in 2025 and again 50 MW in 2035.
    years = [2025, 2030, 2035]
    path = make_pathway(tmp_path, {y: [COAL, GAS] for y in years}, {y: [150.0] for y in years},
                        years_per_period=[5, 5, 5])
    out = solve_pathway(load_pathway(path), write=True)
    ds = out.dataset
    assert ds["built_mw"].sel(technology="gas").values.tolist() == pytest.approx([50, 0, 50])
    assert ds["capacity_total_mw"].sel(technology="gas").values.tolist() == pytest.approx([50, 50, 50])
    # cost: each period 5 years x (100 MWh coal x 300 + 50 MWh gas x 600) per (one-hour) year;
    # gas capex annuity CRF(0, 6) = 1/6 x 1000 CNY/MW x 50 MW, paid in each alive period's 5 years
    opex = 5 * (100 * 300 + 50 * 600) * 3
    capex = (1 / 6) * 1000 * 50 * (5 + 5) + (1 / 6) * 1000 * 50 * 5
    assert out.total_cost_cny == pytest.approx(opex + capex)
    # the annuity of capacity alive in each period: 50 MW x 1000/6 CNY/MW/yr in every period
    assert ds["investment_cny"].values.tolist() == pytest.approx([50 * 1000 / 6] * 3)
    # the overnight cost of what each period builds: 50 MW x 1 CNY/kW x 1000 kW/MW in 2025 and in 2035
    assert ds["investment_overnight_cny"].values.tolist() == pytest.approx([50_000, 0, 50_000])
    assert list(ds["kind"].values) == ["generator", "generator"]
    assert (out.out_dir / "pathway.nc").is_file() and (out.out_dir / "period_2030" / "results.nc").is_file()


def test_peak_constraint_binds(tmp_path):
    # Load grows 100 -> 150 MW; coal (cheap, 0.6 t/MWh) could serve both, gas (0.2 t/MWh) is dearer.
    # Peak year 2025 (emissions 60 t): in 2030 coal x and gas 150 - x with 0.6 x + 0.2 (150 - x) <= 60
    # -> x = 75 MW coal, 75 MW gas.
    years = [2025, 2030]
    coal = {**COAL, "existing_mw": 200}
    path = make_pathway(tmp_path, {y: [coal, GAS] for y in years}, {2025: [100.0], 2030: [150.0]},
                        years_per_period=[5, 5], peak_year=2025)
    ds = solve_pathway(load_pathway(path), write=False).dataset
    assert ds["co2_t"].values.tolist() == pytest.approx([60, 60])
    assert float(ds["energy_mwh"].sel(period=2030, technology="coal")) == pytest.approx(75)
    # without the peak, 2030 burns coal only
    path = make_pathway(tmp_path / "free", {y: [coal, GAS] for y in years}, {2025: [100.0], 2030: [150.0]},
                        years_per_period=[5, 5])
    assert solve_pathway(load_pathway(path), write=False).dataset["co2_t"].values.tolist() == pytest.approx([60, 90])


def test_myopic_equals_perfect_foresight_when_foresight_cannot_help(tmp_path):
    years = [2025, 2030]
    kw = dict(years_per_period=[5, 5])
    techs = {y: [COAL, {**GAS, "lifetime_yr": 30}] for y in years}
    load = {2025: [150.0], 2030: [150.0]}
    pf = solve_pathway(load_pathway(make_pathway(tmp_path / "pf", techs, load, foresight="perfect", **kw)),
                       write=False)
    my = solve_pathway(load_pathway(make_pathway(tmp_path / "my", techs, load, foresight="myopic", **kw)),
                       write=False)
    assert my.total_cost_cny == pytest.approx(pf.total_cost_cny, rel=1e-9)
    built_pf = pf.dataset["built_mw"].values.ravel().tolist()
    assert my.dataset["built_mw"].values.ravel().tolist() == pytest.approx(built_pf)


def test_foresight_has_a_value_when_the_future_needs_it(tmp_path):
    # A coal-share-like constraint tightens in 2030 via a CO2 cap; myopic 2025 cannot prepare, but here
    # nothing can be prepared early that is cheaper later, so check only that myopic >= perfect.
    years = [2025, 2030]
    techs = {y: [COAL, {**GAS, "lifetime_yr": 30}] for y in years}
    load = {2025: [150.0], 2030: [200.0]}
    pf = solve_pathway(load_pathway(make_pathway(tmp_path / "pf", techs, load, years_per_period=[5, 5])),
                       write=False)
    my = solve_pathway(load_pathway(make_pathway(tmp_path / "my", techs, load, foresight="myopic",
                                                 years_per_period=[5, 5])), write=False)
    assert my.total_cost_cny >= pf.total_cost_cny - 1e-6


def test_early_retirement_saves_fixed_costs_and_pays_stranded_cost(tmp_path):
    # Coal 100 MW with a fixed O&M of 10 CNY/kW/yr is the only supply; only 40 MW is needed (load 40 MW).
    # Retiring 60 MW saves 10,000 CNY/MW/yr x 10 years = 100,000 CNY/MW against a stranded cost of
    # 50 CNY/kW = 50,000 CNY/MW: the plan retires 60 MW in 2025.
    years = [2025, 2030]
    coal = {**COAL, "fom_cny_per_kw_yr": 10, "retirable": "true"}
    path = make_pathway(tmp_path, {y: [coal] for y in years}, {y: [40.0] for y in years},
                        years_per_period=[5, 5], stranded_cost_cny_per_kw={"coal": 50})
    out = solve_pathway(load_pathway(path), write=False)
    ds = out.dataset
    assert ds["retired_early_mw"].sel(technology="coal").values.tolist() == pytest.approx([60, 60])
    assert ds["capacity_total_mw"].sel(technology="coal").values.tolist() == pytest.approx([40, 40])
    opex = 2 * 5 * (40 * 300 + 40 * 10 * 1000)
    assert out.total_cost_cny == pytest.approx(opex + 60 * 50 * 1000)
    assert ds["stranded_cny"].values.tolist() == pytest.approx([60 * 50 * 1000, 0])


def test_retirement_schedule_reduces_the_existing_fleet(tmp_path):
    # 60 MW of coal retire on schedule by 2030: gas must cover the gap then.
    years = [2025, 2030]
    techs = {y: [COAL, {**GAS, "lifetime_yr": 30}] for y in years}
    path = make_pathway(tmp_path, techs, {y: [80.0] for y in years}, years_per_period=[5, 5],
                        retirements_mw={"coal": {2030: 60}})
    ds = solve_pathway(load_pathway(path), write=False).dataset
    assert ds["capacity_total_mw"].sel(technology="coal").values.tolist() == pytest.approx([100, 40])
    assert ds["built_mw"].sel(technology="gas").values.tolist() == pytest.approx([0, 40])
