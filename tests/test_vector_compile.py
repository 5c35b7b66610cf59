"""The vectorised compile of templated constraint families (optimizer.vector_compile) against Pyomo's.

Every shipped configuration (and the time and zone variants the model has) is compiled both ways and
the LPs compared entry by entry with a tolerance (1e-12 relative), columns and rows matched by name.
Tiny hand-made families check the row arithmetic, the orientation of bounds, and that whatever the
module does not understand is left to Pyomo's compiler with the same result.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyomo.core as pyo
import pytest
import scipy.sparse as sp

from optimizer.config import load_config
from optimizer.inputs import load_inputs
from optimizer.model import build_model
from optimizer.model.sets import templated
from optimizer.pathway import build_pathway, load_pathway
from optimizer.solve import compile_lp
from optimizer.vector_compile import Unsupported, family_rows, standard_form

REPO = Path(__file__).resolve().parents[1]


#: the compiles may add a row's terms in another order: equal to the last bits, not to the bit
RTOL = 1e-12


def _assert_close(fast, slow) -> None:
    """The same LP up to rounding: rows in the same order, columns matched by name, the matrix's
    sparsity pattern equal and its entries, bounds, costs and offset within :data:`RTOL` (relative)."""
    assert [(c.name, b) for c, b in fast.rows] == [(c.name, b) for c, b in slow.rows]  # the model's row order
    names = [v.name for v in fast.columns]
    where = {v.name: j for j, v in enumerate(slow.columns)}
    assert sorted(names) == sorted(where)
    perm = np.array([where[n] for n in names], dtype=np.int64)  # fast's column j is slow's column perm[j]
    a, b = sp.csr_array(fast.A)[:, np.argsort(perm)], sp.csr_array(slow.A)
    a.sort_indices()
    b.sort_indices()
    assert a.shape == b.shape and a.nnz == b.nnz
    assert np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)
    np.testing.assert_allclose(a.data, b.data, rtol=RTOL, atol=0)
    for x, y in ((fast.row_lower, slow.row_lower), (fast.row_upper, slow.row_upper)):
        np.testing.assert_allclose(x, y, rtol=RTOL, atol=0)
    for x, y in ((fast.cost, slow.cost), (fast.col_lower, slow.col_lower), (fast.col_upper, slow.col_upper)):
        np.testing.assert_allclose(x[np.argsort(perm)], y, rtol=RTOL, atol=0)
    assert fast.offset == pytest.approx(slow.offset, rel=RTOL, abs=0)


def _assert_same_lp(m: pyo.Block) -> int:
    _assert_close(compile_lp(m), compile_lp(m, vectorize=False))
    return sum(1 for con in m.component_objects(pyo.Constraint, active=True, descend_into=True)
               if con.is_indexed() and _vectorises(con))


def _vectorises(con) -> bool:
    try:
        family_rows(con)
    except Unsupported:
        return False
    return True


@pytest.mark.parametrize("overrides", [
    [],
    ["policy.share_basis=electricity", "time.end=2025-01-14 23:00"],  # the basis changes annual rows only
    ["time.typical_days=12"],
    ["time.resolution_h=3"],
], ids=["year", "electricity-basis", "typical-days", "3h"])
def test_the_2025_case_compiles_to_the_same_lp_both_ways(overrides):
    cfg = load_config(REPO / "configs" / "suzhou_2025.yaml", overrides)
    m = build_model(load_inputs(cfg), cfg)
    # p_max, storage limits and dynamics, import limits (and the ramps, except at 3 h where they cannot bind)
    assert _assert_same_lp(m) >= 6


def test_the_2030_case_and_the_pathway_compile_to_the_same_lp_both_ways():
    two_weeks = ["time.start=2030-07-01 00:00", "time.end=2030-07-14 23:00"]
    cfg = load_config(REPO / "configs" / "suzhou_2030.yaml", two_weeks)
    assert _assert_same_lp(build_model(load_inputs(cfg), cfg)) >= 7
    pw = load_pathway(REPO / "configs" / "suzhou_pathway.yaml", ["time.resolution_h=24"])
    assert _assert_same_lp(build_pathway(pw)) >= 3 * 5  # the families of every period's block


def test_a_multi_zone_tiny_case_compiles_to_the_same_lp_both_ways(tiny_case):
    m = build_model(tiny_case.inputs(), tiny_case.config())
    assert _assert_same_lp(m) >= 1


def _toy(rule, index="T1"):
    m = pyo.ConcreteModel()
    m.T = pyo.RangeSet(0, 3)
    m.T1 = pyo.RangeSet(1, 3)
    m.K = pyo.Set(initialize=["a", "b"], ordered=True)
    m.x = pyo.Var(m.K, m.T, bounds=(0, None))
    m.y = pyo.Var(m.K)
    m.w = pyo.Param(m.K, m.T, initialize={(k, t): 10 * (k == "b") + t for k in m.K for t in m.T}, mutable=True)
    m.r = pyo.Param(m.K, initialize={"a": 0.5, "b": 2.0})
    m.obj = pyo.Objective(expr=pyo.quicksum(m.x.values()) + m.y["a"] + m.y["b"])
    with templated():
        m.c = pyo.Constraint(m.K, m.component(index), rule=rule)
    return m


def test_rows_of_a_ramp_like_family_worked_by_hand():
    # x[k,t] - x[k,t-1] <= r[k] * (w[k,t] + y[k]), t = 1..3
    m = _toy(lambda m, k, t: m.x[k, t] - m.x[k, t - 1] <= m.r[k] * (m.w[k, t] + m.y[k]))
    f = family_rows(m.c)
    assert f.bound_type == 1 and [d.index() for d in f.data] == [(k, t) for k in "ab" for t in (1, 2, 3)]
    # the constant r*w moves to the right-hand side: a: 0.5*t, b: 2*(10+t)
    assert f.rhs.tolist() == [0.5, 1.0, 1.5, 22.0, 24.0, 26.0]
    by_var = {(v.name, round(float(c[0]), 6)): p.tolist() for v, p, c in f.terms}
    # positions in x's index order (k, t): a -> 0..3, b -> 4..7
    assert by_var[("x", 1.0)] == [1, 2, 3, 5, 6, 7]
    assert by_var[("x", -1.0)] == [0, 1, 2, 4, 5, 6]
    y_coef = next(c for v, _, c in f.terms if v.name == "y")
    assert y_coef.tolist() == [-0.5, -0.5, -0.5, -2.0, -2.0, -2.0]
    _assert_same_lp(m)


def test_a_constant_left_side_is_a_lower_bound_row_as_in_pyomo():
    m = _toy(lambda m, k, t: m.w[k, t] <= m.x[k, t])
    f = family_rows(m.c)
    assert f.bound_type == -1 and f.rhs.tolist() == [1.0, 2.0, 3.0, 11.0, 12.0, 13.0]
    lp = compile_lp(m)
    rows = [r for r, (con, _) in enumerate(lp.rows) if con.parent_component() is m.c]
    assert lp.row_lower[rows].tolist() == [1.0, 2.0, 3.0, 11.0, 12.0, 13.0]
    assert np.isinf(lp.row_upper[rows]).all()
    _assert_same_lp(m)


def test_an_equality_family_and_a_zero_coefficient_match_pyomo():
    m = _toy(lambda m, k, t: m.x[k, t] == (m.w[k, t] - 1) * m.y[k] + m.x[k, t - 1], index="T1")
    assert family_rows(m.c).bound_type == 0
    _assert_same_lp(m)  # w[a,1] - 1 = 0: that entry is left out, as Pyomo leaves it out


def test_sums_over_sets_worked_by_hand():
    # sum_k r[k] x[k,t] - sum_{(k,j) in P} y2[k,j,t] <= 7, t = 0..3
    m = _toy(lambda m, k, t: m.x[k, t] <= 100.0, index="T")  # any family; the sums are tested in m.s
    m.P = pyo.Set(initialize=[("a", 1), ("b", 2)], dimen=2, ordered=True)
    m.J = pyo.Set(initialize=[1, 2], ordered=True)
    m.y2 = pyo.Var(m.K, m.J, m.T)
    with templated():
        m.s = pyo.Constraint(m.T, rule=lambda m, t: sum(m.r[k] * m.x[k, t] for k in m.K)
                             - sum(m.y2[k, j, t] for k, j in m.P) <= 7.0)
    f = family_rows(m.s)
    assert f.bound_type == 1 and f.rhs.tolist() == [7.0] * 4
    got = sorted((v.name, p.tolist(), c.tolist()) for v, p, c in f.terms)
    # x: a -> positions 0..3 (coefficient 0.5), b -> 4..7 (2.0); y2 over (K, J, T): (a,1) -> 0..3, (b,2) -> 12..15
    assert got == [("x", [0, 1, 2, 3], [0.5] * 4), ("x", [4, 5, 6, 7], [2.0] * 4),
                   ("y2", [0, 1, 2, 3], [-1.0] * 4), ("y2", [12, 13, 14, 15], [-1.0] * 4)]
    _assert_same_lp(m)


def test_a_sum_without_variables_is_left_to_pyomo():
    m = _toy(lambda m, k, t: m.x[k, t] <= sum(m.w[j, t] for j in m.K), index="T")
    with pytest.raises(Unsupported, match="without variables"):
        family_rows(m.c)


@pytest.mark.parametrize("case", ["outside-the-set", "scalar-var", "deactivated-row", "strict", "fixed-var"])
def test_what_the_module_does_not_take_is_left_to_pyomo(case):
    if case == "outside-the-set":  # t - 1 at t = 0: Pyomo's compiler reports it, as before
        m = _toy(lambda m, k, t: m.x[k, t] - m.x[k, t - 1] <= 1, index="T")
        with pytest.raises(Unsupported):
            family_rows(m.c)
        with pytest.raises(KeyError):
            compile_lp(m)
        assert m.c.active
        return
    if case == "scalar-var":  # not (yet) understood here
        m = _toy(lambda m, k, t: m.x[k, t] <= m.y["a"], index="T")
    elif case == "fixed-var":  # Pyomo makes a fixed variable a constant: x[a,2] = 5 moves to the bounds
        m = _toy(lambda m, k, t: m.x[k, t] - m.x[k, t - 1] <= m.w[k, t])
        m.x["a", 2].fix(5.0)
    elif case == "deactivated-row":
        m = _toy(lambda m, k, t: m.x[k, t] <= m.w[k, t])
        m.c["a", 2].deactivate()
    else:
        m = _toy(lambda m, k, t: m.x[k, t] <= m.w[k, t])
        m.c.deactivate()
        with templated():
            m.s = pyo.Constraint(m.K, m.T, rule=lambda m, k, t: m.x[k, t] <= m.w[k, t])
    con = m.c if m.c.active else m.s
    if case != "strict":
        with pytest.raises(Unsupported):
            family_rows(con)
    _assert_same_lp(m)
    if case == "deactivated-row":
        assert not m.c["a", 2].active and m.c["a", 1].active and m.c.active


def test_a_family_handed_back_to_pyomo_is_logged(caplog):
    m = _toy(lambda m, k, t: m.x[k, t] <= m.y["a"], index="T")  # a scalar Var: not vectorised
    with caplog.at_level("INFO", logger="optimizer"):
        _assert_same_lp(m)
    assert any("family c handed to Pyomo's compiler" in r.getMessage() for r in caplog.records)


def test_only_unsupported_is_handed_back_any_other_error_is_raised(monkeypatch):
    """A bug in the family compile is an error, not a silent fall-back to Pyomo."""
    from optimizer import vector_compile

    m = _toy(lambda m, k, t: m.x[k, t] <= m.w[k, t])

    def broken(*_a, **_k):
        raise TypeError("a bug")

    monkeypatch.setattr(vector_compile, "family_rows", broken)
    with pytest.raises(TypeError, match="a bug"):
        standard_form(m)
    assert m.c.active


def test_the_families_are_switched_back_on_when_pyomos_compile_fails(monkeypatch):
    from optimizer import vector_compile

    m = _toy(lambda m, k, t: m.x[k, t] <= m.w[k, t])
    m.q = pyo.Constraint(expr=m.y["a"] * m.y["b"] <= 1.0)  # not linear: Pyomo's to report

    def broken(_m):
        assert not m.c.active  # handed over as arrays, not to Pyomo
        assert m.q.active and m.obj.active  # Pyomo's: the objective and rows that are not templates
        raise RuntimeError("boom")

    monkeypatch.setattr(vector_compile, "pyomo_standard_form", broken)
    with pytest.raises(RuntimeError, match="boom"):
        standard_form(m)
    assert m.c.active and all(d.active for d in m.c.values()) and m.obj.active


def test_the_switch_in_the_config_gives_every_row_to_pyomo(monkeypatch, tiny_case):
    from optimizer import vector_compile
    from optimizer.solve import HighsModel

    calls = []
    real = vector_compile.family_rows
    monkeypatch.setattr(vector_compile, "family_rows", lambda *a, **k: calls.append(1) or real(*a, **k))
    cfg = tiny_case.config()
    m = build_model(tiny_case.inputs(), cfg)
    HighsModel(m, cfg.solver.model_copy(update={"vectorize_templates": False}))
    assert calls == []
    HighsModel(m, cfg.solver)
    assert calls


def _annual_toy():
    m = pyo.ConcreteModel()
    m.I = pyo.Set(initialize=[1, 2, 3], ordered=True)
    m.x = pyo.Var(m.I, bounds=(0, 10))
    m.unused = pyo.Var(bounds=(0, 1))  # in no row and not in the objective: no column, as in Pyomo
    m.zero = pyo.Var(bounds=(0, 1))  # only with a zero coefficient: no column either
    m.k = pyo.Param(initialize=0.1, mutable=True)
    m.e = pyo.Expression(expr=m.x[1] + 2 * m.x[2] + m.x[1] * 0.3)  # x[1] twice: summed first, as Pyomo does
    m.obj = pyo.Objective(expr=3 * m.e + m.k * (m.e + m.x[2]) / 7 - m.x[3] + 5 + 0 * m.zero)
    m.ranged = pyo.Constraint(expr=pyo.inequality(1.0, 2 * m.e - m.x[3], 4.0))
    m.both_sides = pyo.Constraint(expr=m.x[1] + 1.5 <= m.x[2] - m.k * m.x[3])
    m.eq = pyo.Constraint(m.I, rule=lambda m, i: m.x[i] * 2 == 3 + i)
    return m


def test_annual_rows_and_the_objective_worked_by_hand():
    m = _annual_toy()
    lp = compile_lp(m)
    names = [v.name for v in lp.columns]
    assert sorted(names) == ["x[1]", "x[2]", "x[3]"]  # unused and zero-only variables are left out
    col = {n: j for j, n in enumerate(names)}
    # objective: 3 e + k/7 (e + x2) - x3 + 5, e = 1.3 x1 + 2 x2
    k = 0.1
    assert lp.cost[col["x[1]"]] == pytest.approx(3 * 1.3 + k / 7 * 1.3)
    assert lp.cost[col["x[2]"]] == pytest.approx(6 + k / 7 * 3)
    assert lp.cost[col["x[3]"]] == -1.0 and lp.offset == 5.0
    dense = lp.A.toarray()
    ranged = [r for r, (c, _) in enumerate(lp.rows) if c is m.ranged]
    assert [lp.rows[r][1] for r in ranged] == [1, -1]  # an upper row, then a lower one, as Pyomo states it
    for r in ranged:
        assert dense[r, col["x[1]"]] == pytest.approx(2.6) and dense[r, col["x[3]"]] == -1.0
    assert lp.row_upper[ranged[0]] == 4.0 and lp.row_lower[ranged[1]] == 1.0
    (both,) = [r for r, (c, _) in enumerate(lp.rows) if c is m.both_sides]
    assert dense[both, [col["x[1]"], col["x[2]"], col["x[3]"]]].tolist() == [1.0, -1.0, k]
    assert lp.row_upper[both] == -1.5
    assert [lp.row_upper[r] for r, (c, _) in enumerate(lp.rows) if c.parent_component() is m.eq] == [4.0, 5.0, 6.0]
    _assert_same_lp(m)


@pytest.mark.parametrize("case", ["fixed", "nonlinear-objective", "no-variables"])
def test_annual_rows_pyomo_moves_or_reports_as_before(case):
    m = _annual_toy()
    if case == "fixed":  # Pyomo moves a fixed variable to the bounds and the offset
        m.x[2].fix(4.0)
    elif case == "nonlinear-objective":
        m.obj.deactivate()
        m.obj2 = pyo.Objective(expr=m.x[1] * m.x[2])
        with pytest.raises(ValueError, match=r"nonlinear|quadratic"):
            compile_lp(m, vectorize=False)
        with pytest.raises(ValueError, match=r"nonlinear|quadratic"):
            compile_lp(m)  # reported by Pyomo, as before
        return
    else:  # trivially satisfied: Pyomo leaves it out
        m.trivial = pyo.Constraint(expr=m.x[1] - m.x[1] + 2 <= 3)
    _assert_same_lp(m)


def _same_both_ways_or_same_error(m):
    errors = []
    for vectorize in (True, False):
        try:
            compile_lp(m, vectorize=vectorize)
        except Exception as err:  # the error itself is compared
            errors.append((type(err), str(err)))
    if errors:
        assert len(errors) == 2 and errors[0] == errors[1], errors
        return errors[0]
    _assert_same_lp(m)
    return None


def _family_toy():
    m = pyo.ConcreteModel()
    m.T = pyo.Set(initialize=[0, 1, 2], ordered=True)
    m.K = pyo.Set(initialize=["a", "b"], ordered=True)
    m.x = pyo.Var(m.K, m.T, bounds=(0, None))
    m.obj = pyo.Objective(expr=pyo.quicksum(m.x.values()))
    return m


@pytest.mark.parametrize("case", ["param-filled-out-of-order", "var-touched-out-of-order", "division",
                                  "zero-row", "zero-row-infeasible", "reference", "unordered-blocks", "sos",
                                  "two-objectives", "sub-block-using-parent-var"])
def test_edge_cases_found_in_review_match_pyomo(case):
    """Cases where the vectorised compile once differed from Pyomo's (a review of the module): data
    stored in another order than the index set's, division rounding, rows left without variables,
    Reference components, the order of an indexed block's rows, components and objectives Pyomo
    refuses, and a block compiled on its own whose rows use its parent's variables."""
    m = _family_toy()
    target = m
    if case == "param-filled-out-of-order":  # only the first and last keys in the index set's place
        keys = [("a", 0), ("b", 1), ("a", 1), ("a", 2), ("b", 0), ("b", 2)]
        m.w = pyo.Param(m.K, m.T, initialize={k: float(i + 1) for i, k in enumerate(keys)}, mutable=True)
        with templated():
            m.c = pyo.Constraint(m.K, m.T, rule=lambda m, k, t: m.x[k, t] <= m.w[k, t])
        lp = compile_lp(m)
        row = next(r for r, (c, _) in enumerate(lp.rows) if c.name == "c[b,1]")
        assert lp.row_upper[row] == 2.0
    elif case == "var-touched-out-of-order":
        m.y = pyo.Var(m.T, dense=False)
        for t in (0, 2, 1):
            m.y[t].setlb(0.0)
        with templated():
            m.c = pyo.Constraint(m.T, rule=lambda m, t: m.y[t] <= t + 1)
    elif case == "division":  # 0.3 / 7, not 0.3 * (1 / 7)
        m.w = pyo.Param(m.T, initialize=0.3, mutable=True)
        m.r = pyo.Param(m.T, initialize=7.0, mutable=True)
        with templated():
            m.c = pyo.Constraint(m.K, m.T, rule=lambda m, k, t: m.x[k, t] <= m.w[t] / m.r[t])
    elif case in ("zero-row", "zero-row-infeasible"):
        m.w = pyo.Param(m.T, initialize={0: 1.0, 1: 0.0, 2: 2.0}, mutable=True)
        with templated():
            if case == "zero-row":  # Pyomo leaves the row without variables out
                m.c = pyo.Constraint(m.K, m.T, rule=lambda m, k, t: m.w[t] * m.x[k, t] <= 0.2)
            else:  # one that cannot hold: whatever Pyomo makes of it, so does the compile
                m.c = pyo.Constraint(m.K, m.T, rule=lambda m, k, t: m.w[t] * m.x[k, t] >= 0.2)
    elif case == "reference":  # (a template over the Reference itself crashes Pyomo 6.10's compiler)
        m.r = pyo.Reference(m.x)
        with templated():
            m.c = pyo.Constraint(m.K, m.T, rule=lambda m, k, t: m.x[k, t] <= 1.0)
        m.d = pyo.Constraint(expr=m.r["a", 1] + m.x["b", 2] >= 0.5)
    elif case == "unordered-blocks":
        m.B = pyo.Set(initialize=["zz", "aa", "mm"], ordered=False)
        m.blk = pyo.Block(m.B, rule=lambda b, i: setattr(b, "c", pyo.Constraint(expr=m.x["a", 0] <= len(i))))
    elif case == "sos":
        m.sos = pyo.SOSConstraint(var=m.x, sos=1)
    elif case == "two-objectives":
        m.obj2 = pyo.Objective(expr=m.x["a", 0])
    else:
        m.b = pyo.Block()
        with templated():
            m.b.c = pyo.Constraint(m.K, m.T, rule=lambda b, k, t: m.x[k, t] <= 1.0)
        m.b.obj = pyo.Objective(expr=m.x["a", 0])
        m.obj.deactivate()
        target = m.b
    error = _same_both_ways_or_same_error(target)
    if case in ("sos", "two-objectives"):
        assert error is not None and error[0] is ValueError
    elif case != "zero-row-infeasible":
        assert error is None


def test_the_2030_cut_compiles_as_pyomo_compiles_it_without_templates(monkeypatch):
    """The reference that does not depend on Pyomo's template compiler (which, in 6.10, drops a
    multiplier applied to a whole template sum that is a row's only term): the same model built
    without templates, one expression per row, compiled by Pyomo, against the vectorised compile."""
    import types

    import optimizer.model.sets as sets

    cfg = load_config(REPO / "configs" / "suzhou_2030.yaml",
                      ["time.start=2030-07-01 00:00", "time.end=2030-07-07 23:00"])
    inp = load_inputs(cfg)
    templated_model = build_model(inp, cfg)  # kept: a compiled LP names its rows through its model
    fast = compile_lp(templated_model)
    monkeypatch.setattr(sets, "_pyomo_constraint", types.SimpleNamespace(TEMPLATIZE_CONSTRAINTS=False))
    plain = build_model(inp, cfg)
    assert not hasattr(plain.balance_suzhou[0], "template_expr")
    slow = compile_lp(plain, vectorize=False)
    _assert_close(fast, slow)
