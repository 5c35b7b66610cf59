"""The solver boundary: what HighsModel hands to HiGHS, and how it reads the answer back.

Annual rows (a sum over every time step) go to HiGHS divided by the period's hours; the model, the
duals and the results stay in MWh/yr, tCO2/yr and CNY. HiPO's failures without a verdict are retried
once with IPX. The crossover setting is a word (on / off / choose), with true/false still read.
"""

from __future__ import annotations

import highspy
import numpy as np
import pytest

from optimizer.config import SolverConfig
from optimizer.model import build_model
from optimizer.solve import HighsModel, annual_row_scale, highs_options, period_hours


def _model(tiny_case, **solver):
    """The tiny case (coal and PV, three hours) with a carbon cap 10 % below its uncapped emissions:
    the cap row sums over every hour, binds, and has a dual."""
    import pyomo.environ as pyo

    cfg = tiny_case.config()
    m = build_model(tiny_case.inputs(), cfg)
    assert HighsModel(m, cfg.solver).solve(warm=False).optimal
    cap = 0.9 * pyo.value(m.co2_t)
    assert cap > 0
    cfg = tiny_case.config({"policy.co2_cap_t": {"value": cap}, "economics.allow_unserved": True,  # shedding meets it
                            **{f"solver.{k}": v for k, v in solver.items()}})
    return build_model(tiny_case.inputs(), cfg), cfg


def test_annual_rows_go_to_highs_as_period_averages(tiny_case) -> None:
    m, cfg = _model(tiny_case)
    hm = HighsModel(m, cfg.solver)
    steps, hours = period_hours(m)
    assert (steps, hours) == (3, 3.0)  # the tiny case: three one-hour steps
    nnz = np.bincount(hm.lp.A.indices, minlength=len(hm.lp.rows))
    annual = nnz >= steps
    assert annual.any() and not annual.all()
    assert np.array_equal(hm.row_scale, np.where(annual, 1.0 / hours, 1.0))
    assert hm.size["rows_scaled"] == int(annual.sum())
    lp = hm.highs.getLp()
    assert np.allclose(np.asarray(lp.row_upper_), hm.lp.row_upper * hm.row_scale, rtol=1e-15, equal_nan=True)
    assert np.allclose(np.asarray(lp.row_lower_), hm.lp.row_lower * hm.row_scale, rtol=1e-15, equal_nan=True)
    names = {r[0].parent_component().name for r, a in zip(hm.lp.rows, annual, strict=True) if a}
    assert "balance_z1" not in names and any(n.startswith("policy_") for n in names), names


@pytest.mark.parametrize("objective_scale", [1.0, 1e-3])
def test_highs_holds_the_compiled_lp_exactly(tiny_case, objective_scale) -> None:
    """The arrays are passed to HiGHS through the pointer form of passModel: every cost, bound,
    coefficient and the offset must arrive as compiled (times the boundary scalings), all columns
    continuous."""
    import dataclasses

    m, cfg = _model(tiny_case, objective_scale=objective_scale)
    compiled = HighsModel(m, cfg.solver).lp
    assert compiled.offset == 0.0  # the tiny case has no constant cost: give it one
    hm = HighsModel.from_lp(dataclasses.replace(compiled, offset=1234.5), cfg.solver, m)
    lp, c = hm.highs.getLp(), hm.lp
    assert (lp.num_col_, lp.num_row_) == (len(c.columns), len(c.rows))
    assert np.array_equal(np.asarray(lp.col_cost_), c.cost * objective_scale)
    assert np.array_equal(np.asarray(lp.col_lower_), c.col_lower)
    assert np.array_equal(np.asarray(lp.col_upper_), c.col_upper)
    assert np.array_equal(np.asarray(lp.row_lower_), c.row_lower * hm.row_scale)
    assert np.array_equal(np.asarray(lp.row_upper_), c.row_upper * hm.row_scale)
    a = lp.a_matrix_
    assert np.array_equal(np.asarray(a.start_), c.A.indptr)
    assert np.array_equal(np.asarray(a.index_), c.A.indices)
    assert np.array_equal(np.asarray(a.value_), c.A.data * hm.row_scale[c.A.indices])
    assert lp.offset_ == 1234.5 * objective_scale
    assert all(v == highspy.HighsVarType.kContinuous for v in lp.integrality_)  # no integer columns


def test_scaling_changes_nothing_the_user_sees(tiny_case) -> None:
    """Same objective, same primal values, same duals (row duals are multiplied back)."""
    out = {}
    for on in (True, False):
        m, cfg = _model(tiny_case, scale_annual_rows=on)
        hm = HighsModel(m, cfg.solver)
        sol = hm.solve(warm=False)
        assert sol.optimal
        assert (hm.size["rows_scaled"] > 0) is on
        out[on] = (sol.objective, [v.value for v in hm.columns],
                   {c.name: d for c, d in sol.duals.items()})
    assert out[True][0] == pytest.approx(out[False][0], rel=1e-12)
    assert out[True][1] == pytest.approx(out[False][1], rel=1e-9, abs=1e-9)
    assert out[True][2].keys() == out[False][2].keys()
    binding = {k: v for k, v in out[False][2].items() if abs(v) > 1e-6}
    assert any(k.startswith("policy_") for k in binding), binding  # a scaled row whose dual matters
    for k, v in out[False][2].items():
        assert out[True][2][k] == pytest.approx(v, rel=1e-8, abs=1e-8), k


def test_in_place_bound_changes_respect_the_scale(tiny_case) -> None:
    m, cfg = _model(tiny_case)
    hm = HighsModel(m, cfg.solver)
    r = int(np.flatnonzero(hm.row_scale != 1.0)[0])
    con = hm.lp.rows[r][0]
    hm.set_row_bounds(con, None, 1234.0)
    assert hm.lp.row_upper[r] == 1234.0  # the model's units
    assert hm.highs.getLp().row_upper_[r] == pytest.approx(1234.0 * hm.row_scale[r], rel=1e-15)  # HiGHS's


def test_no_time_axis_means_no_scaling() -> None:
    import scipy.sparse as sp

    from optimizer.solve import CompiledLP

    lp = CompiledLP([None, None], [(None, 0)], sp.csc_matrix(np.array([[1.0, 1.0]])), np.array([1.0, 1.0]), 0.0,
                    np.zeros(2), np.full(2, np.inf), np.array([2.0]), np.array([np.inf]))
    assert annual_row_scale(lp, None).tolist() == [1.0]
    assert annual_row_scale(lp, (2, 8760.0)).tolist() == [1.0 / 8760.0]
    assert annual_row_scale(lp, (3, 8760.0)).tolist() == [1.0]  # two entries: not a sum over three steps


def test_hipo_without_a_verdict_is_retried_with_ipx(tiny_case, monkeypatch: pytest.MonkeyPatch) -> None:
    m, cfg = _model(tiny_case)
    hm = HighsModel(m, cfg.solver)
    real = HighsModel._model_status
    calls = []

    def first_fails(self):
        calls.append(self.highs.getOptions().solver)
        return "kSolveError" if len(calls) == 1 else real(self)

    monkeypatch.setattr(HighsModel, "_model_status", first_fails)
    sol = hm.solve(warm=False)
    assert calls == ["ipm", "ipx"]
    assert sol.optimal and sol.info["fallback"] == "ipx after HiPO's kSolveError"
    assert sol.options["solver"] == "ipx"


def test_no_retry_when_hipo_decides(tiny_case) -> None:
    m, cfg = _model(tiny_case)
    sol = HighsModel(m, cfg.solver).solve(warm=False)
    assert sol.info["fallback"] == "none" and sol.options["solver"] == "ipm"


@pytest.mark.parametrize(("given", "read"), [(True, "on"), (False, "off"), ("on", "on"), ("off", "off"),
                                             ("choose", "choose")])
def test_crossover_setting(given, read) -> None:
    cfg = SolverConfig(crossover=given)
    assert cfg.crossover == read
    assert highs_options(cfg)["run_crossover"] == read
    # a solve whose basis later re-solves start from needs crossover, unless it is switched off
    assert highs_options(cfg, basis=True)["run_crossover"] == ("off" if read == "off" else "on")


@pytest.mark.parametrize("ordering", [None, "metis", "amd"])
def test_hipo_ordering_reaches_highs(tiny_case, ordering) -> None:
    """AMD by default (measured faster than HiPO's own choice, METIS); HiGHS takes the value and the
    solve uses it; methods other than the interior point are not given the option."""
    m, cfg = _model(tiny_case, **({} if ordering is None else {"hipo_ordering": ordering}))
    hm = HighsModel(m, cfg.solver)
    sol = hm.solve(warm=False)
    assert sol.optimal
    assert sol.options["hipo_ordering"] == hm.highs.getOptionValue("hipo_ordering")[1] == (ordering or "amd")
    assert "hipo_ordering" not in highs_options(SolverConfig(method="simplex"))
    with pytest.raises(ValueError, match="hipo_ordering"):
        SolverConfig(hipo_ordering="nested")


def test_crossover_rejects_other_words() -> None:
    with pytest.raises(ValueError, match="crossover"):
        SolverConfig(crossover="sometimes")


def test_fast_values_equal_pyomo_values(tiny_case) -> None:
    """results._Values (used by extract) gives exactly what pyo.value gives, for every registered term."""
    import pyomo.environ as pyo

    from optimizer.results import _Values

    m, cfg = _model(tiny_case)
    assert HighsModel(m, cfg.solver).solve(warm=False).optimal
    reg = m.registry
    exprs = [t.expr for t in reg.costs] + list(reg.emissions.values()) + [m.co2_t, m.total_cost]
    exprs += [p.lhs for p in reg.policies.values() if p.lhs is not None]
    exprs += [c.body for c in m.component_data_objects(pyo.Constraint) if type(c).__name__ == "ConstraintData"]
    val = _Values()
    for e in exprs:
        assert val(e) == pytest.approx(float(pyo.value(e)), rel=1e-12, abs=1e-9), str(e)[:80]
    assert val(m.co2_t) > 0 and val(m.total_cost) > 0
    # a variable without a value: the expression has none (0.0), as pyo.value(..., exception=False) or 0.0
    v = next(iter(m.component_data_objects(pyo.Var)))
    v.set_value(None)
    assert _Values()(2.0 * v + 1.0) == 0.0
    assert _Values()(pyo.exp(m.co2_t * 0.0)) == pytest.approx(1.0)  # other expressions: pyo.value


def test_grid_reads_each_variable_as_pyomo_holds_it(tiny_case) -> None:
    """results._grid (used by extract) reads the (name, step) grid in one pass over the data objects:
    the same numbers as looking each one up, for any order or subset of names, None as 0."""
    from optimizer.results import _grid

    m, cfg = _model(tiny_case)
    assert HighsModel(m, cfg.solver).solve(warm=False).optimal
    n = len(m.T)
    names = list(m.G)
    m.p[names[-1], 1].set_value(None)
    for subset in (names, names[::-1], names[:1], []):
        got = _grid(m.p, subset, n)
        want = np.array([[m.p[g, i].value or 0.0 for g in subset] for i in range(n)]).reshape(n, len(subset))
        assert got.shape == (n, len(subset)) and np.array_equal(got, want)
    assert _grid(m.p, names, n)[1, -1] == 0.0


def test_hipo_that_does_not_start_is_retried_with_the_metis_ordering(tiny_case, monkeypatch: pytest.MonkeyPatch
                                                                     ) -> None:
    # HiPO returns without running (kNotset) when its factorisation would not fit in memory (the six-zone full
    # year with AMD asked for 61 GB): one retry with METIS, which orders such LPs far more sparsely
    m, cfg = _model(tiny_case)
    hm = HighsModel(m, cfg.solver)
    real = HighsModel._model_status
    calls = []

    def first_does_not_start(self):
        calls.append(self.highs.getOptionValue("hipo_ordering")[1])
        return "kNotset" if len(calls) == 1 else real(self)

    monkeypatch.setattr(HighsModel, "_model_status", first_does_not_start)
    sol = hm.solve(warm=False)
    assert calls == ["amd", "metis"]
    assert sol.optimal and sol.info["fallback"] == "metis ordering after HiPO's kNotset with amd"
