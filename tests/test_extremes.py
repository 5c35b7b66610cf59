"""Numerically extreme but legal inputs, solver statuses, and infeasible targets on the Suzhou case.

* Tiny systems (tests/tiny.py conventions: each hour weighs 1 h, discount rate 0, coal 300 CNY/MWh)
  with costs of 1e-6 and 1e9 CNY, zero-load hours, an all-zero load and an all-zero PV profile:
  each solves to the optimum worked out by hand in the test, or stops with a documented exit code.
* A result is labelled optimal only when HiGHS said kOptimal: every HiGHS model status is played
  through the CLI and the files it leaves are checked.
* Conflicting targets on two weeks of the Suzhou case: the message names the target and the
  smallest relaxation, and the relaxation is checked by re-solving just either side of it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import highspy
import numpy as np
import pytest
import xarray as xr
from conftest import TinyCase
from test_cli import _restore_logging, check_failed, invoke  # noqa: F401  (autouse fixture: logging)
from test_constraints import COAL, GAS, solve

from optimizer.errors import SolverError
from optimizer.solve import STATUS, HighsModel
from tiny import write_case

REPO = Path(__file__).resolve().parents[1]
SUZHOU = REPO / "configs" / "suzhou_2025.yaml"
TWO_WEEKS = "time.end=2025-01-14 23:00"


def pv(capex_cny_per_kw: float) -> dict[str, object]:
    return {"name": "pv", "kind": "generator", "carrier": "solar", "extendable": "true", "profile": "pv",
            "capex_cny_per_kw": capex_cny_per_kw, "lifetime_yr": 1}


def new_mw(ds: xr.Dataset, tech: str) -> float:
    return float(ds["capacity_new_mw"].sel(technology=tech))


def gen(ds: xr.Dataset, tech: str) -> list[float]:
    return ds["generation_mw"].sel(generator=tech).values.tolist()


#: the exact vertex (crossover always): the default ('choose') stops at the interior point when HiGHS
#: finds it precise, which over fifteen orders of magnitude is exact to about 1e-5, not to the last digit
VERTEX = {"crossover": "on"}


def unserved(voll: float) -> dict[str, object]:
    return {"economics": {"discount_rate": 0, "allow_unserved": True, "voll_cny_per_mwh": voll}}


def assert_optimal(out) -> xr.Dataset:
    assert out.solve.status == "optimal" and out.solve.highs_status == "kOptimal"
    assert out.dataset.attrs["solver_status"] == "optimal" and out.dataset.attrs["optimal"] == "true"
    return out.dataset


# --------------------------------------------------------------------------------------------------
# tiny and huge costs
# --------------------------------------------------------------------------------------------------


def test_capex_of_a_millionth_yuan_per_kw(tmp_path: Path) -> None:
    # PV at 1e-6 CNY/kW = 0.001 CNY/MW: still worth exactly the 120 MW that displace coal (load 80
    # in hour 1, 60 = 0.5 x 120 in hour 2), not a MW more: cost 50 MWh coal + 0.12 CNY
    for method in ("ipm", "simplex"):
        ds = assert_optimal(solve(tmp_path / method, [COAL, pv(1e-6)], [50, 80, 60], {"pv": [0.0, 1.0, 0.5]},
                                  solver={"method": method}))
        assert new_mw(ds, "pv") == pytest.approx(120, abs=1e-6)
        assert gen(ds, "coal") == pytest.approx([50, 0, 0], abs=1e-6)
        assert float(ds.objective_cny) == pytest.approx(50 * 300 + 120 * 1e-3, rel=1e-12)


def test_fuel_of_a_millionth(tmp_path: Path) -> None:
    # a heat rate of 1e-6 gce/kWh: 190 MWh of coal cost 190 x 1e-6 CNY
    ds = assert_optimal(solve(tmp_path, [COAL | {"heat_rate_gce_per_kwh": 1e-6}], [50, 80, 60]))
    assert float(ds.objective_cny) == pytest.approx(190 * 1e-6, rel=1e-9)
    assert float(ds.co2_t) == pytest.approx(190 * 2e-9, rel=1e-9)


def test_shedding_at_a_billion_yuan_rather_than_building_at_a_trillion(tmp_path: Path) -> None:
    # hour 1 needs 50 MW more than the coal unit: gas at 1e9 CNY/kW (5e13 CNY for 50 MW) or
    # shedding at VoLL 1e9 CNY/MWh (5e10 CNY): it sheds
    gas = GAS | {"existing_mw": 0, "extendable": "true", "capex_cny_per_kw": 1e9, "lifetime_yr": 1}
    ds = assert_optimal(solve(tmp_path, [COAL, gas], [50, 150], **unserved(1e9), solver=VERTEX))
    assert new_mw(ds, "gas") == pytest.approx(0, abs=1e-6)
    assert float(ds.unserved_mwh) == pytest.approx(50)
    assert float(ds.objective_cny) == pytest.approx(50 * 1e9 + 150 * 300, rel=1e-12)
    assert ds["marginal_price_cny_per_mwh"].values.ravel().tolist() == pytest.approx([300, 1e9])


def test_building_at_a_trillion_when_shedding_is_not_allowed(tmp_path: Path) -> None:
    gas = GAS | {"existing_mw": 0, "extendable": "true", "capex_cny_per_kw": 1e9, "lifetime_yr": 1}
    ds = assert_optimal(solve(tmp_path, [COAL, gas], [50, 150]))
    assert new_mw(ds, "gas") == pytest.approx(50)
    assert float(ds.objective_cny) == pytest.approx(50 * 1e12 + 150 * 300 + 50 * 600, rel=1e-12)


def test_costs_spanning_fifteen_orders_of_magnitude(tmp_path: Path) -> None:
    # PV at 0.001 CNY/MW with capacity factor 0.2 in hour 1 covers its 150 MW with 750 MW (0.75 CNY)
    # instead of gas at 1e12 CNY/MW or shedding at 1e9 CNY/MWh; coal serves hour 0
    gas = GAS | {"existing_mw": 0, "extendable": "true", "capex_cny_per_kw": 1e9, "lifetime_yr": 1}
    ds = assert_optimal(solve(tmp_path, [COAL, gas, pv(1e-6)], [50, 150, 60], {"pv": [0.0, 0.2, 0.5]},
                              **unserved(1e9), solver=VERTEX))
    assert new_mw(ds, "pv") == pytest.approx(750, rel=1e-9)
    assert float(ds.unserved_mwh) == pytest.approx(0, abs=1e-6)
    assert float(ds.objective_cny) == pytest.approx(50 * 300 + 0.75, rel=1e-12)
    # the default crossover setting ('choose'): the same answer to the interior point's precision
    ds = assert_optimal(solve(tmp_path / "choose", [COAL, gas, pv(1e-6)], [50, 150, 60], {"pv": [0.0, 0.2, 0.5]},
                              **unserved(1e9)))
    assert new_mw(ds, "pv") == pytest.approx(750, rel=1e-5)
    assert float(ds.unserved_mwh) == pytest.approx(0, abs=1e-6)
    assert float(ds.objective_cny) == pytest.approx(50 * 300 + 0.75, rel=1e-8)  # ipm_optimality_tolerance


def test_cost_beyond_the_solver_range_fails_as_a_solver_error(tmp_path: Path) -> None:
    # 1e30 CNY/kW is above HiGHS's infinity (1e20): it reports kUnknown, and nothing is called optimal
    gas = GAS | {"existing_mw": 0, "extendable": "true", "capex_cny_per_kw": 1e30, "lifetime_yr": 1}
    with pytest.raises(SolverError, match=r"no optimal solution: .*\(model status k\w+\).*; nothing written"):
        solve(tmp_path, [COAL, gas], [50, 150])


# --------------------------------------------------------------------------------------------------
# zero load, zero PV
# --------------------------------------------------------------------------------------------------


def test_zero_load_hours(tmp_path: Path) -> None:
    # load only in hour 1: 80 MW of PV (100 CNY/MW) is cheaper than 80 MWh of coal (24,000 CNY);
    # in hour 2 its 40 MW are curtailed, and the price of an hour without load is zero
    ds = assert_optimal(solve(tmp_path, [COAL, pv(0.1)], [0, 80, 0], {"pv": [0.0, 1.0, 0.5]}))
    assert new_mw(ds, "pv") == pytest.approx(80)
    assert gen(ds, "coal") == pytest.approx([0, 0, 0], abs=1e-6)
    assert ds["curtailment_mw"].sel(generator="pv").values.tolist() == pytest.approx([0, 0, 40], abs=1e-6)
    assert float(ds.objective_cny) == pytest.approx(8000)
    assert ds["marginal_price_cny_per_mwh"].values.ravel()[[0, 2]].tolist() == pytest.approx([0, 0], abs=1e-6)


def test_all_zero_load(tmp_path: Path) -> None:
    ds = assert_optimal(solve(tmp_path, [COAL, pv(0.1)], [0, 0, 0], {"pv": [0.0, 1.0, 0.5]}))
    assert float(ds.objective_cny) == pytest.approx(0, abs=1e-9)
    assert new_mw(ds, "pv") == pytest.approx(0, abs=1e-9)
    assert float(ds.account_total) == 0.0
    assert str(float(ds.coal_share)) == "nan"  # a share of nothing is not a number, not 0 % or 100 %


def test_all_zero_load_through_the_cli(tmp_path: Path) -> None:
    data = write_case(tmp_path / "case", [COAL], [0.0, 0.0, 0.0])
    case = TinyCase(tmp_path / "case", data)
    result = invoke("run", case.write_config(), "--out", tmp_path / "out", "-q")
    assert result.exit_code == 0, repr(result.exception)
    assert "Traceback" not in result.stderr


def test_all_zero_pv_profile(tmp_path: Path) -> None:
    # a PV profile of zeros: no PV is built, coal serves 190 MWh
    ds = assert_optimal(solve(tmp_path / "a", [COAL, pv(0.1)], [50, 80, 60], {"pv": [0.0, 0.0, 0.0]}))
    assert new_mw(ds, "pv") == pytest.approx(0, abs=1e-9)
    assert float(ds.objective_cny) == pytest.approx(190 * 300)
    # a PV capacity target is met by building 10 MW that never produce
    ds = assert_optimal(solve(tmp_path / "b", [COAL, pv(0.1)], [50, 80, 60], {"pv": [0.0, 0.0, 0.0]},
                              policy={"share_basis": "electricity", "capacity_targets": [
                                  {"name": "pv", "technologies": ["pv"], "value": 10}]}))
    assert new_mw(ds, "pv") == pytest.approx(10)
    assert float(ds["energy_mwh"].sel(technology="pv")) == pytest.approx(0, abs=1e-9)
    assert float(ds.objective_cny) == pytest.approx(190 * 300 + 10 * 100)


def test_all_zero_pv_and_a_nonfossil_floor_is_infeasible(tmp_path: Path) -> None:
    from optimizer.errors import InfeasibleError

    with pytest.raises(InfeasibleError) as err:
        solve(tmp_path, [COAL, pv(0.1)], [50, 80, 60], {"pv": [0.0, 0.0, 0.0]},
              policy={"share_basis": "electricity", "nonfossil_share_min": {"value": 0.1}})
    assert "nonfossil_share >= 10.0%: closest feasible 0.00% (-10.00 pp)" in str(err.value)


# --------------------------------------------------------------------------------------------------
# no result is labelled optimal unless HiGHS said kOptimal
# --------------------------------------------------------------------------------------------------

LIMITS = {"kTimeLimit", "kIterationLimit", "kInterrupt", "kHighsInterrupt"}


@pytest.mark.parametrize("highs_status", list(highspy.HighsModelStatus.__members__))
def test_only_koptimal_is_labelled_optimal(tiny_case: TinyCase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           highs_status: str) -> None:
    # every solve of the run returns the tiny case's (optimal) solution under another HiGHS status
    real = HighsModel.solve

    def relabelled(self, *args, **kwargs):
        sol = real(self, *args, **kwargs)
        sol.status, sol.highs_status = STATUS.get(highs_status, "error"), highs_status
        return sol

    monkeypatch.setattr(HighsModel, "solve", relabelled)
    out = tmp_path / "out"
    result = invoke("run", tiny_case.config_path, "--out", out, "-q")
    if highs_status == "kOptimal":
        assert result.exit_code == 0, result.stderr
    elif highs_status in LIMITS:  # the best solution is written, marked not optimal
        check_failed(result, 4, f"({highs_status}) without proving optimality", "marked not optimal")
    elif highs_status in ("kInfeasible", "kUnboundedOrInfeasible"):
        check_failed(result, 3, "infeasible")
    else:
        check_failed(result, 1, f"(model status {highs_status})", "nothing written")
    written = (out / "results.nc").is_file()
    assert written == (highs_status == "kOptimal" or highs_status in LIMITS)
    if written:
        with xr.open_dataset(out / "results.nc") as ds:
            attrs = dict(ds.attrs)
        summary = json.loads((out / "summary.json").read_text())
        assert attrs["highs_model_status"] == highs_status
        is_optimal = highs_status == "kOptimal"
        assert (attrs["solver_status"] == "optimal") == is_optimal
        assert (summary["solver_status"] == "optimal") == is_optimal
        assert attrs["optimal"] == ("true" if is_optimal else "false")
        assert is_optimal or attrs["note"].startswith("NOT OPTIMAL")
    assert not tiny_case.results_dir.exists()


# --------------------------------------------------------------------------------------------------
# infeasible targets on two weeks of the Suzhou case
# --------------------------------------------------------------------------------------------------


def test_reserve_margin_without_any_firm_capacity(tiny_case: TinyCase, tmp_path: Path) -> None:
    # the tiny case's coal and PV have no firm capacity credit (default 0): 0 MW >= 1.1 x 80 MW
    config = tiny_case.write_config({"policy.reserve_margin": 0.1}, name="reserve.yaml")
    check_failed(invoke("run", config, "--out", tmp_path / "out", "-q"), 3, "reserve_margin")


def suzhou(tmp_path: Path, *settings: str):
    sets = [a for s in (TWO_WEEKS, *settings) for a in ("--set", s)]
    return invoke("run", SUZHOU, "--out", tmp_path / "out", "-q", *sets)


def test_co2_cap_below_what_the_must_serve_load_allows(tmp_path: Path) -> None:
    # Without load shedding, a zero cap cannot be met: at night the hydro corridors (UHVDC, their
    # annual energy capped), biomass, wind and storage cannot serve the winter load, and gas is held
    # to the plan's "about 6.5 GW". The message names the cap, the least emissions the other limits
    # allow, and the gas target that holds them up.
    line = check_failed(suzhou(tmp_path, "policy.co2_cap_t.value=0", "economics.allow_unserved=false"), 3,
                        "infeasible: this target cannot be met", "co2_cap <= 0 tCO2/yr: closest feasible",
                        "binding against it: cap_gas_max [gas_capacity_2025]")
    assert not (tmp_path / "out").exists()
    least = float(re.search(r"closest feasible ([\d,]+) tCO2/yr", line).group(1).replace(",", ""))
    assert 1e7 < least < 2e8
    # the relaxation is the smallest: a cap just above it is feasible, just below it is not
    above = suzhou(tmp_path, f"policy.co2_cap_t.value={least * 1.001}", "economics.allow_unserved=false")
    assert above.exit_code == 0, above.stderr
    below = suzhou(tmp_path / "below", f"policy.co2_cap_t.value={least * 0.995}", "economics.allow_unserved=false")
    check_failed(below, 3, "co2_cap")


def test_pv_target_above_the_area_limit(tmp_path: Path) -> None:
    # PV may grow to max_total_mw: 3,000 MW utility (data/technologies.csv) + 9,000 MW rooftop (what 2025 can
    # build, configs/suzhou_2025.yaml)
    line = check_failed(suzhou(tmp_path, "policy.capacity_targets.0.value=25000"), 3,
                        "infeasible: this target cannot be met",
                        "cap_pv >= 25,000 MW: closest feasible 12,000 MW (-13,000)",
                        "max_total_mw: pv_utility 3,000 + pv_rooftop 9,000 MW")
    assert "binding against" not in line  # the limit is the table's, not another target
    assert not (tmp_path / "out").exists()


def test_two_conflicting_targets_are_both_named_and_the_relaxation_needs_no_shedding(tmp_path: Path) -> None:
    # PV held at most 3 GW (below the 5.3 GW already in service, plus the 100 MW of new building PV the
    # plan asks: 5.4 GW) and a 26 % non-fossil floor: both must give. Load shedding is no way out in the
    # diagnosis: were it free there, relaxing the PV cap alone would do, by shedding tens of TWh.
    sets = ("policy.nonfossil_share_min.value=0.26", "policy.capacity_targets.0.sense=<=",
            "policy.capacity_targets.0.value=3000", "policy.capacity_targets.2.enabled=false")
    line = check_failed(suzhou(tmp_path, *sets), 3, "infeasible: these targets cannot be met together",
                        "cap_pv <= 3,000 MW: closest feasible 5,400 MW (+2,400)", "nonfossil_share >= 26.0%")
    assert "shed" not in line
    floor = float(re.search(r"nonfossil_share >= 26.0%: closest feasible ([\d.]+)%", line).group(1))
    # the relaxation it names solves without shedding any load
    ok = suzhou(tmp_path / "relaxed", *sets[:1], "policy.capacity_targets.0.sense=<=",
                "policy.capacity_targets.0.value=5400.01", "policy.capacity_targets.2.enabled=false",
                f"policy.nonfossil_share_min.value={(floor - 0.01) / 100}")
    assert ok.exit_code == 0, ok.stderr
    ds = xr.open_dataset(tmp_path / "relaxed" / "out" / "results.nc")
    assert float(ds["unserved_mwh"]) < 1.0


def test_dual_bound_is_a_lower_bound_for_any_duals_and_tight_at_the_optimum(tiny_case: TinyCase) -> None:
    """A run stopped early states its gap from the Lagrangian bound of its duals (solve.HighsModel.dual_bound)."""
    from optimizer.model import build_model

    cfg = tiny_case.config()
    hm = HighsModel(build_model(tiny_case.inputs(), cfg), cfg.solver)
    sol = hm.solve(warm=False)
    assert sol.optimal and sol.info["gap"] != sol.info["gap"]  # an optimal solve needs no gap (NaN)
    y = np.asarray(hm.highs.getSolution().row_dual, dtype=float)
    assert hm.dual_bound(y) == pytest.approx(sol.objective, rel=1e-7)  # strong duality
    rng = np.random.default_rng(1)
    for scale in (0.0, 0.5, 2.0):  # any other duals give a weaker (lower) bound, or -inf
        bound = hm.dual_bound(y * scale + rng.normal(0, 1e-3, len(y)) * (scale > 0))
        assert bound <= sol.objective * (1 + 1e-9)


def test_dual_bound_with_an_empty_column() -> None:
    """A column that appears in no row (here the last one) must not break the bound."""
    import highspy
    import scipy.sparse as sp

    from optimizer.config import SolverConfig
    from optimizer.solve import CompiledLP

    a = sp.csc_matrix(np.array([[1.0, 0.0]]))  # x0 >= 2; x1 in [1, 5] sits in no row
    lp = CompiledLP([None, None], [(None, 0)], a, np.array([3.0, 2.0]), 0.0, np.array([0.0, 1.0]),
                    np.array([np.inf, 5.0]), np.array([2.0]), np.array([np.inf]))
    hm = HighsModel.from_lp(lp, SolverConfig())
    hm.highs.setOptionValue("output_flag", False)
    assert hm.highs.run() == highspy.HighsStatus.kOk
    y = np.asarray(hm.highs.getSolution().row_dual)
    assert hm.dual_bound(y) == pytest.approx(3.0 * 2.0 + 2.0 * 1.0)
    assert hm.dual_bound(y * 0.5) == pytest.approx(3.0 + 2.0)  # weaker: x0 priced at 1.5, bound 1.5*2 + 1.5*0 + 2
