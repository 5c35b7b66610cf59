"""Sweeps: the reused, warm-started model gives the same answers as independent rebuilds."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
import yaml

from optimizer.errors import InputError
from optimizer.sweep import CAP_KEY, make_grid, parse_range, parse_vary, run_sweep, write_frontier
from tiny import write_case

COAL = {"name": "coal", "kind": "generator", "carrier": "coal", "existing_mw": 100, "heat_rate_gce_per_kwh": 300,
        "ramp_frac_per_h": 0.5}
GAS = {"name": "gas", "kind": "generator", "carrier": "gas", "existing_mw": 50, "extendable": "true",
       "capex_cny_per_kw": 50, "lifetime_yr": 1, "heat_rate_gce_per_kwh": 200}
PV = {"name": "pv", "kind": "generator", "carrier": "solar", "extendable": "true", "profile": "pv",
      "capex_cny_per_kw": 200, "lifetime_yr": 1}
BAT = {"name": "bat", "kind": "storage", "carrier": "electricity", "extendable": "true", "capex_cny_per_kwh": 20,
       "capex_cny_per_kw": 5, "lifetime_yr": 1, "efficiency_charge": 0.95, "efficiency_discharge": 0.95}


@pytest.fixture()
def case(tmp_path):
    load = [60, 55, 50, 70, 90, 110, 120, 100, 80, 70, 65, 60] * 2
    pv = [0, 0, 0.1, 0.4, 0.7, 0.9, 0.8, 0.5, 0.2, 0, 0, 0] * 2
    data = write_case(tmp_path / "case", [COAL, GAS, PV, BAT], load, {"pv": pv})
    data["policy"]["co2_cap_t"] = {"value": 1e9}
    path = tmp_path / "case.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_parse_range_and_vary():
    assert parse_range("80:40:11") == pytest.approx(list(np.linspace(80, 40, 11)))
    assert parse_range("5:5:1") == [5.0]
    for bad in ("80:40", "a:b:3", "80:40:0"):
        with pytest.raises(InputError):
            parse_range(bad)
    assert parse_vary(["a.b=1,2.5,x"]) == [("a.b", [1, 2.5, "x"])]
    with pytest.raises(InputError):
        parse_vary(["novalue"])


def test_grid_is_the_product_with_cap_fastest():
    pts = make_grid([1, 2], [("policy.coal_share_max.value", [0.5, 0.6])])
    assert [p.labels for p in pts] == [
        {"policy.coal_share_max.value": 0.5, CAP_KEY: 1e6},
        {"policy.coal_share_max.value": 0.5, CAP_KEY: 2e6},
        {"policy.coal_share_max.value": 0.6, CAP_KEY: 1e6},
        {"policy.coal_share_max.value": 0.6, CAP_KEY: 2e6},
    ]
    assert pts[0].overrides == ["policy.coal_share_max.value=0.5", f"{CAP_KEY}=1000000.0"]


def _compare(a: xr.Dataset, b: xr.Dataset) -> None:
    assert list(a["status"].values) == list(b["status"].values)
    ok = a["status"].values == "optimal"
    np.testing.assert_allclose(a["total_cost_cny"].values[ok], b["total_cost_cny"].values[ok], rtol=1e-7)
    np.testing.assert_allclose(a["co2_t"].values[ok], b["co2_t"].values[ok], rtol=1e-6, atol=1e-3)
    np.testing.assert_allclose(a["carbon_shadow_price_cny_per_t"].values[ok],
                               b["carbon_shadow_price_cny_per_t"].values[ok], rtol=1e-5, atol=1e-3)


def test_carbon_cap_sweep_reuse_equals_rebuild(case, tmp_path):
    # uncapped emissions of this case are ~750 t over the horizon: sweep the cap through it
    pts = make_grid(list(np.linspace(800e-6, 300e-6, 6)), [])
    reuse = run_sweep(case, pts, mode="reuse")
    rebuild = run_sweep(case, pts, mode="rebuild")
    assert reuse.modes[0] == "cold" and set(reuse.modes[1:]) == {"in-place"}
    assert set(rebuild.modes) == {"rebuild"}
    _compare(reuse.dataset, rebuild.dataset)
    ds = reuse.dataset
    ok = ds["status"].values == "optimal"
    assert ok.sum() >= 4
    cost = ds["total_cost_cny"].values[ok]
    price = ds["carbon_shadow_price_cny_per_t"].values[ok]
    assert np.all(np.diff(cost) >= -1e-6)  # tighter caps never cost less
    assert np.all(np.diff(price) >= -1e-6) and price[-1] > 0  # and the marginal abatement cost rises
    assert np.all(ds["co2_t"].values[ok] <= ds[CAP_KEY].values[ok] * (1 + 1e-9))
    files = write_frontier(ds, tmp_path / "out")
    assert [f.name for f in files] == ["frontier.nc", "frontier.csv", "frontier.png"]
    assert all(f.stat().st_size > 0 for f in files)
    back = xr.open_dataset(files[0])
    assert back.sizes["case"] == 6 and "capacity_total_mw" in back


def test_a_warm_start_over_its_budget_is_abandoned_for_a_cold_solve(case, monkeypatch):
    # budget ~0 (and no floor): every warm re-solve hits its time limit at once and the point is
    # solved cold instead; the answers are the rebuild's, and a time limit is never mistaken for one
    import optimizer.solve

    monkeypatch.setattr(optimizer.solve, "WARM_BUDGET_FLOOR_S", 0.0)
    pts = make_grid(list(np.linspace(800e-6, 300e-6, 4)), [])
    tight = run_sweep(case, pts, base_overrides=["solver.warm_start_budget=1e-12"], mode="reuse")
    assert tight.modes == ["cold"] + ["in-place, cold after the warm-start budget"] * 3
    _compare(tight.dataset, run_sweep(case, pts, mode="rebuild").dataset)
    # no budget: warm starts are kept whatever they take
    free = run_sweep(case, pts, base_overrides=["solver.warm_start_budget=null"], mode="reuse")
    assert free.modes == ["cold"] + ["in-place"] * 3


def test_a_time_limit_applies_to_each_solve_not_to_the_instance_lifetime(case):
    # HiGHS's time limit counts from the instance's creation; a re-solve must get its own allowance
    from optimizer.config import load_config
    from optimizer.inputs import load_inputs
    from optimizer.model import build_model
    from optimizer.solve import HighsModel

    cfg = load_config(case)
    hm = HighsModel(build_model(load_inputs(cfg), cfg), cfg.solver)
    for _ in range(20):  # run the instance's clock up
        assert hm.solve(warm=False).optimal
    used = hm.highs.getRunTime()
    assert used > 0
    hm.cfg = cfg.solver.model_copy(update={"time_limit_s": used / 2})  # less than used; 10 solves' worth
    sol = hm.solve(warm=False)
    assert sol.status == "optimal", sol.highs_status


def test_inplace_sweep_solves_every_point_cold_in_one_instance(case, monkeypatch):
    """``inplace``: one HiGHS instance, the cap moved in place, every point solved cold with the
    configured method (HiPO, crossover as configured: no basis forced, no warm start); the answers
    are the rebuild's."""
    from optimizer import sweep as sweep_mod

    seen = []
    real = sweep_mod.HighsModel.solve

    def spy(self, *, warm=True):
        sol = real(self, warm=warm)
        seen.append((id(self), sol.info["warm_start"], sol.options["solver"], sol.options["run_crossover"]))
        return sol

    monkeypatch.setattr(sweep_mod.HighsModel, "solve", spy)
    pts = make_grid(list(np.linspace(800e-6, 300e-6, 6)), [])
    inplace = run_sweep(case, pts, mode="inplace")
    assert inplace.modes[0] == "cold" and set(inplace.modes[1:]) == {"in-place"}
    assert len(seen) == 6 and len({s[0] for s in seen}) == 1
    assert {s[1:] for s in seen} == {("none", "ipm", "choose")}
    monkeypatch.undo()
    _compare(inplace.dataset, run_sweep(case, pts, mode="rebuild").dataset)
    with pytest.raises(InputError, match="inplace"):
        run_sweep(case, pts, mode="warm")


@pytest.mark.parametrize(("limit", "chosen"), [(None, "reuse"), (0, "inplace")])
def test_auto_mode_warm_starts_small_lps_and_solves_large_ones_cold(case, monkeypatch, limit, chosen):
    """``auto`` (the default) decides once, from the first point's LP size: warm starts up to
    AUTO_WARM_MAX_COLUMNS columns (the tiny case), cold in-place solves above (the limit set to 0 here)."""
    from optimizer import sweep as sweep_mod

    if limit is not None:
        monkeypatch.setattr(sweep_mod, "AUTO_WARM_MAX_COLUMNS", limit)
    warm_flags = []
    real = sweep_mod.HighsModel.solve

    def spy(self, *, warm=True):
        warm_flags.append((warm, self.basis))
        return real(self, warm=warm)

    monkeypatch.setattr(sweep_mod.HighsModel, "solve", spy)
    pts = make_grid(list(np.linspace(800e-6, 300e-6, 4)), [])
    res = run_sweep(case, pts)
    assert res.dataset.attrs["mode"] == f"auto: {chosen}"
    assert res.modes[0] == "cold" and set(res.modes[1:]) == {"in-place"}
    assert set(warm_flags) == {(chosen == "reuse", chosen == "reuse")}
    monkeypatch.undo()
    _compare(res.dataset, run_sweep(case, pts, mode="rebuild").dataset)


def test_vary_costs_and_shares_reuse_equals_rebuild(case):
    pts = make_grid([0.0006], parse_vary(["carriers.gas.fuel_price_cny_per_tce=2000,3500",
                                          "technologies.pv.capex_cny_per_kw=100,300",
                                          "policy.coal_share_max.value=0.8,0.6"]))
    reuse = run_sweep(case, pts, mode="reuse")
    rebuild = run_sweep(case, pts, mode="rebuild")
    assert "update" in reuse.modes  # numbers changed in place, structure kept
    _compare(reuse.dataset, rebuild.dataset)


def test_structure_change_falls_back_to_a_new_instance(case):
    # switching ramp limits off removes rows: the reused instance cannot take it, a fresh one is built
    pts = make_grid(None, parse_vary(["policy.ramp_limits=true,false,true"]))
    reuse = run_sweep(case, pts, mode="reuse")
    assert reuse.modes == ["cold", "cold", "cold"]
    _compare(reuse.dataset, run_sweep(case, pts, mode="rebuild").dataset)


def test_infeasible_point_is_recorded_and_the_sweep_goes_on(case, tmp_path):
    data = yaml.safe_load(case.read_text())
    data["economics"]["allow_unserved"] = False
    data["technologies"] = {"gas": {"max_total_mw": 50}, "pv": {"max_total_mw": 0}}
    path = tmp_path / "strict.yaml"
    path.write_text(yaml.safe_dump(data))
    # 0 t is impossible with coal and gas only; the next point is fine again
    pts = make_grid([0.001, 0.0, 0.001], [])
    ds = run_sweep(path, pts, mode="reuse").dataset
    assert list(ds["status"].values) == ["optimal", "infeasible", "optimal"]
    assert np.isnan(ds["total_cost_cny"].values[1])
    assert ds["total_cost_cny"].values[0] == pytest.approx(ds["total_cost_cny"].values[2])
