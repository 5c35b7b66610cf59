"""Hourly average and marginal emission factors of the electricity consumed, on hand-worked tiny systems.

Conventions of tests/test_constraints.py: each hour weighs 1 h; coal 300 CNY/MWh and 0.6 tCO2/MWh, gas 600
CNY/MWh and 0.2 tCO2/MWh.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_constraints import COAL, GAS
from test_constraints_operation import HYDRO, chp
from test_constraints_operation import solve as solve_ds

from optimizer.calibration import grid_emission_factor_t_per_mwh
from optimizer.inputs import load_inputs
from optimizer.model import build_model
from optimizer.results import headline
from optimizer.run import run
from optimizer.solve import solve_model
from tiny import make_config, write_case


def test_merit_order_sets_the_marginal_factor(tmp_path):
    # Load 80 then 150. Hour 0: coal alone (80 MW, 48 t): average 0.6, and one MW more is coal's: 0.6.
    # Hour 1: coal 100 (60 t) + gas 50 (10 t): average 70 / 150 = 0.4667; one MW more is gas's: 0.2.
    ds = solve_ds(tmp_path, [COAL, {**GAS, "existing_mw": 200}], [80, 150])
    assert ds["emission_factor_avg_t_per_mwh"].values.tolist() == pytest.approx([0.6, 70 / 150])
    assert ds["emission_factor_marginal_t_per_mwh"].values.ravel().tolist() == pytest.approx([0.6, 0.2])
    h = headline(ds)
    assert h["emission_factor_avg_t_per_mwh"] == pytest.approx(118 / 230)  # = co2_t / load
    assert h["emission_factor_avg_t_per_mwh"] == pytest.approx(float(ds.co2_t) / 230)
    assert h["emission_factor_marginal_mean_t_per_mwh"] == pytest.approx((0.6 * 80 + 0.2 * 150) / 230)


def test_the_fuel_of_heat_is_not_in_the_average_factor(tmp_path):
    # The extraction unit of tests/test_constraints_operation.py: 50 MW of power every hour (30 t on the fuel
    # of p), 100 MW of heat (the fuel of c_v h = 20 MWh, 12 t, is heat's). Hydro (0 t) meets the rest of
    # loads 150 and 60. Average: 30/150 = 0.2, 30/60 = 0.5; one MW more load is hydro's: 0 t.
    ds = solve_ds(tmp_path, [chp("extraction", power_loss_per_heat=0.2), {**HYDRO, "existing_mw": 200}],
                  [150, 60], case_kw={"heat_mw": [100, 100]})
    assert float(ds.co2_t) == pytest.approx(2 * 42)  # heat's part is in the power and steam total
    assert ds["emission_factor_avg_t_per_mwh"].values.tolist() == pytest.approx([0.2, 0.5])
    assert ds["emission_factor_marginal_t_per_mwh"].values.ravel().tolist() == pytest.approx([0, 0], abs=1e-9)
    # the year's load-weighted mean is the calibration's grid emission factor (60 t / 210 MWh)
    assert headline(ds)["emission_factor_avg_t_per_mwh"] == pytest.approx(60 / 210)
    assert grid_emission_factor_t_per_mwh(ds) == pytest.approx(60 / 210)


def test_basis_duals_of_the_objective_are_the_prices(tmp_path):
    # The transposed basis solve with the objective's own coefficients gives HiGHS's row duals: the same
    # sign and scaling as the prices (300 then 600 CNY/MWh in the merit-order case).
    data = write_case(tmp_path / "case", [COAL, {**GAS, "existing_mw": 200}], [80, 150])
    cfg = make_config(data, tmp_path)
    m = build_model(load_inputs(cfg), cfg)
    sol, hm = solve_model(m, cfg.solver)
    assert sol.basis_duals is not None
    rows = m.registry.balance_rows[next(iter(m.registry.balance_rows))]
    by_basis = sol.basis_duals(m.total_cost)
    assert [by_basis[rows[i]] for i in range(2)] == pytest.approx([300, 600])
    assert [sol.duals[rows[i]] for i in range(2)] == pytest.approx([300, 600])
    hm.solve()  # the instance moves on: the old basis's sensitivities are refused, not silently recomputed
    with pytest.raises(RuntimeError, match="solved again"):
        sol.basis_duals(m.total_cost)


def test_an_interior_point_without_a_basis_gives_no_marginal_factor_unless_asked(tmp_path):
    # The two-zone case of tests/test_transmission.py ends its interior point without a basis (HiGHS chooses
    # no crossover): the marginal factors are NaN (not 0), the average ones are still known and the
    # headline mean is None. Asked for, the solve runs crossover and they are known: 0 t/MWh (biomass).
    from test_transmission import LINK, _case

    ds = run(_case(tmp_path / "no", [LINK]), write=False).dataset
    assert np.isnan(ds["emission_factor_marginal_t_per_mwh"].values).all()
    assert ds["emission_factor_avg_t_per_mwh"].values.tolist() == pytest.approx([0, 0, 0])
    assert headline(ds)["emission_factor_marginal_mean_t_per_mwh"] is None
    ds = run(_case(tmp_path / "asked", [LINK], output={"marginal_emission_factors": True}), write=False).dataset
    assert ds["emission_factor_marginal_t_per_mwh"].values.ravel().tolist() == pytest.approx([0] * 6, abs=1e-9)
