"""Templated constraint families compiled to matrix rows with numpy, a family at a time.

Pyomo's standard-form compiler expands a templated family (a constraint declared inside
:func:`optimizer.model.sets.templated`, which keeps its rule's expression once with symbolic indices,
Pyomo's ``IndexTemplate``) row by row, a few µs a row. :func:`family_rows` walks that expression
**once per family**, with each index template standing for the array of its values over the index
set. Understood: sums, negations, products and divisions where one side is constant, Vars and Params
indexed by the template indices or integer offsets of them (``p[g, t - 1]``), numbers and scalar
Params, sums over a set of a variable expression (``sum(p[g, t] for g in G)``, each member in turn);
``<=``, ``>=`` and ``==``. Everything else (the objective, the annual and policy rows, the families
not stated as templates, and any family :func:`family_rows` raises :class:`Unsupported` for: a fixed
variable, a deactivated row, an index outside its set, a nonlinear term, a row without variables) goes
to Pyomo's own compiler, which then reports any problem as it always has; each family handed back is
logged (logger ``optimizer``, INFO).

Why it stays, measured (2026-12-07, alternating with ``vectorize=False`` in one process, medians
of 4-7, a shared 2-CPU machine under load, so the seconds are inflated and only the ratios carry):
the full-year 2025 case (566,177 rows) compiles in 2.8-3.7 s against 4.9-6.6 s with every row in
Pyomo's compiler (the hand-over, compile plus pass to HiGHS, 3.5 s against 5.8 s), the 24-typical-
day pathway in 1.6-1.7 s against 2.1-2.4 s. The annual rows and the objective once went through a
mirror of Pyomo's linear walker here too; it saved a further 1.3-1.7 s (year) and 0.4 s (pathway)
of a loaded compile, under 0.3 % of a full-year run, and was removed.

Rows come in the model's order; the columns are the model's variables in declaration and index
order, less those with no coefficient anywhere (which Pyomo leaves out too). Tests compile every
shipped configuration both ways and compare the LPs with a tolerance (1e-12 relative). Tested on
Pyomo 6.10 (pinned in pyproject.toml): the template classes are Pyomo's, and changed much between
minor versions.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import product
from operator import attrgetter
from typing import Any

import numpy as np
import pandas as pd
import pyomo.core as pyo
from pyomo.common.numeric_types import native_numeric_types
from pyomo.core.base.component import ActiveComponent
from pyomo.core.base.enums import SortComponents
from pyomo.core.base.indexed_component import IndexedComponent
from pyomo.core.base.param import IndexedParam, ScalarParam
from pyomo.core.base.var import IndexedVar
from pyomo.core.expr import numeric_expr as ne
from pyomo.core.expr import relational_expr as re_
from pyomo.core.expr.template_expr import GetItemExpression, IndexTemplate, TemplateSumExpression
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

log = logging.getLogger("optimizer")


class Unsupported(Exception):
    """The template uses something this module does not vectorise; Pyomo's compiler takes the family."""


@dataclass
class Lin:
    """A linear form per row: ``const + sum(coef * column)``; numbers or arrays over the rows."""

    const: Any = 0.0
    #: (Var component, position of the variable in the component's index order, coefficient)
    terms: list[tuple[Any, np.ndarray, Any]] = field(default_factory=list)

    def scaled(self, k: Any) -> Lin:
        return Lin(self.const * k, [(v, pos, c * k) for v, pos, c in self.terms])

    def divided(self, k: Any) -> Lin:
        """Divided by ``k`` (not times ``1 / k``, which can differ in the last bit), as Pyomo divides."""
        return Lin(self.const / k, [(v, pos, c / k) for v, pos, c in self.terms])

    def plus(self, other: Lin) -> Lin:
        return Lin(self.const + other.const, self.terms + other.terms)


@dataclass
class FamilyRows:
    """The rows of one vectorised constraint family, as the standard-form compiler would state them."""

    constraint: Any
    data: list[Any]  # ConstraintData per row, in the index set's order
    bound_type: int  # 1: body <= rhs, -1: body >= rhs, 0: body == rhs (Pyomo's RowEntry convention)
    rhs: np.ndarray
    terms: list[tuple[Any, np.ndarray, np.ndarray]]  # (Var component, positions, coefficients), per row


class _Dense:
    """Positions in a dense component indexed by a product of ordered one-dimensional sets."""

    def __init__(self, comp: IndexedComponent, members: dict[int, pd.Index]):
        subsets = _factor_sets(comp.index_set())
        if subsets is None:
            raise Unsupported(f"{comp.name}: index is not a product of ordered sets")
        self.members = []
        for s in subsets:  # each set's members once per compile (the hours are in most indices)
            if id(s) not in members:
                members[id(s)] = pd.Index(list(s))
            self.members.append(members[id(s)])
        self.sizes = [len(x) for x in self.members]
        if len(comp) != int(np.prod(self.sizes)):
            raise Unsupported(f"{comp.name}: not dense")

    def positions(self, keys: list[Any], n: int) -> np.ndarray:
        if len(keys) != len(self.members):
            raise Unsupported("index arity")
        pos = np.zeros(n, dtype=np.int64)
        for key, members, size in zip(keys, self.members, self.sizes, strict=True):
            if np.ndim(key):
                ordinal = members.get_indexer(key)
            else:  # a constant (a member of a summed-over set): looked up once
                ordinal = np.full(n, members.get_indexer([key])[0], dtype=np.int64)
            if (ordinal < 0).any():
                raise Unsupported("index outside its set")
            pos = pos * size + ordinal
        return pos


def in_index_order(comp: IndexedComponent) -> Iterable[Any]:
    """The data objects of a component in its index set's order (Pyomo's ``values()``).

    Reading Pyomo's private data dict instead, once its order was checked, saved 0.1 s per pass over
    the full year's 560,712 variables and parameters (0.10 s against 0.21 s, 2026-12-07): not worth
    a private read, so this is ``values()``, kept as the one name the compile and the results use.
    """
    return comp.values()


def _factor_sets(index_set: Any) -> list[Any] | None:
    """The one-dimensional ordered sets ``index_set`` is the product of (itself when it is one), or
    None when it is not such a product."""
    subsets = [index_set] if index_set.dimen == 1 else list(index_set.subsets())
    if any(s.dimen != 1 or not s.isordered() for s in subsets):
        return None
    return subsets


class _Context:
    """What one compile has learnt about components (their layouts and Param values)."""

    def __init__(self, free_vars: set[int] | None = None) -> None:
        self.dense: dict[int, _Dense] = {}
        self.members: dict[int, pd.Index] = {}
        self.param_values: dict[int, np.ndarray] = {}
        #: Var components known to have no fixed variable (by id)
        self.free_vars: set[int] = set(free_vars or ())

    def free(self, var: IndexedVar) -> None:
        """Pyomo's compiler turns a fixed variable into a constant; a family with one is left to it."""
        if id(var) not in self.free_vars:
            if any(map(attrgetter("fixed"), in_index_order(var))):
                raise Unsupported(f"{var.name}: fixed variables")
            self.free_vars.add(id(var))

    def layout(self, comp: IndexedComponent) -> _Dense:
        d = self.dense.get(id(comp))
        if d is None:
            d = self.dense[id(comp)] = _Dense(comp, self.members)
        return d

    def values(self, param: IndexedParam) -> np.ndarray:
        v = self.param_values.get(id(param))
        if v is None:
            self.layout(param)  # checks the param is dense in its index order
            raw = list(in_index_order(param))
            if raw and raw[0].__class__ not in native_numeric_types:  # a mutable Param's data objects
                raw = list(map(attrgetter("value"), raw))
            v = np.asarray(raw, dtype=float)
            if np.isnan(v).any():  # a value left None: Pyomo decides what that means
                raise Unsupported(f"{param.name}: a value missing")
            self.param_values[id(param)] = v
        return v


def _index(e: Any, env: dict[int, np.ndarray]) -> Any:
    if e.__class__ in native_numeric_types or e.__class__ is str:
        return e
    if e.__class__ is IndexTemplate:
        return env[id(e)]
    if isinstance(e, ne.SumExpression) and not e.is_potentially_variable():
        out = 0
        for a in e.args:
            out = out + _index(a, env)
        return out
    raise Unsupported(f"index expression {type(e).__name__}")


def _linear(e: Any, env: dict[int, np.ndarray], n: int, ctx: _Context) -> Lin:
    cls = e.__class__
    if cls in native_numeric_types:
        return Lin(float(e))
    if isinstance(e, GetItemExpression):
        comp = e.args[0]
        keys = [_index(a, env) for a in e.args[1:]]
        pos = ctx.layout(comp).positions(keys, n)
        if isinstance(comp, IndexedVar):
            ctx.free(comp)
            return Lin(0.0, [(comp, pos, 1.0)])
        if isinstance(comp, IndexedParam):
            return Lin(ctx.values(comp)[pos])
        raise Unsupported(f"indexed {type(comp).__name__}")
    if isinstance(e, ScalarParam):
        return Lin(float(pyo.value(e)))
    if isinstance(e, (ne.SumExpression, ne.LinearExpression)):
        out = Lin()
        for a in e.args:
            out = out.plus(_linear(a, env, n, ctx))
        return out
    if isinstance(e, ne.NegationExpression):
        return _linear(e.args[0], env, n, ctx).scaled(-1.0)
    if cls is TemplateSumExpression:
        return _template_sum(e, env, n, ctx)
    if isinstance(e, (ne.ProductExpression, ne.MonomialTermExpression)):
        a, b = (_linear(x, env, n, ctx) for x in e.args)
        if not a.terms:
            return b.scaled(a.const)
        if not b.terms:
            return a.scaled(b.const)
        raise Unsupported("product of two variables")
    if isinstance(e, ne.DivisionExpression):
        a, b = (_linear(x, env, n, ctx) for x in e.args)
        if b.terms:
            raise Unsupported("division by a variable")
        if not np.all(b.const):
            raise Unsupported("division by zero")
        return a.divided(b.const)
    raise Unsupported(f"expression {cls.__name__}")


def _template_sum(e: TemplateSumExpression, env: dict[int, np.ndarray], n: int, ctx: _Context) -> Lin:
    """``SUM(body for k in K)``: the body once per member of ``K`` (per combination of members when the
    sum runs over several sets), each time with the member standing for its template everywhere."""
    if not e.is_potentially_variable():  # Pyomo's template compiler rejects a sum of constants: so do we
        raise Unsupported("template sum without variables")
    body, *sets = e.template_args()  # the body, then the set each group of templates runs over
    groups = e.template_iters()
    out = Lin()
    for combo in product(*map(list, sets)):
        inner = dict(env)
        for group, member in zip(groups, combo, strict=True):
            if len(group) == 1:
                inner[id(group[0])] = member
            else:  # a set of tuples: each template takes its position of the member
                for k, tmpl in enumerate(group):
                    inner[id(tmpl)] = member[k]
        out = out.plus(_linear(body, inner, n, ctx))
    return out


def _row_keys(con: Any, ctx: _Context) -> tuple[list[np.ndarray], int]:
    """Each index position's values over the rows, in the index set's order (a product of sets)."""
    layout = ctx.layout(con)
    n = int(np.prod(layout.sizes))
    out = []
    inner = n
    for members in layout.members:
        inner //= len(members)
        outer = n // (inner * len(members))
        vals = members.to_numpy()
        out.append(np.tile(np.repeat(vals, inner), outer))
    return out, n


def family_rows(con: Any, ctx: _Context | None = None) -> FamilyRows:
    """The rows of templated constraint ``con``; raises :class:`Unsupported` for what Pyomo should take."""
    ctx = ctx or _Context()
    data = list(in_index_order(con))
    if not data or not hasattr(data[0], "template_expr"):
        raise Unsupported(f"{con.name}: not a template")
    if not all(map(attrgetter("active"), data)):
        raise Unsupported(f"{con.name}: some rows deactivated")
    expr, templates = data[0].template_expr()
    keys, n = _row_keys(con, ctx)
    if len(keys) != len(templates) or n != len(data):
        raise Unsupported(f"{con.name}: index arity")
    env = {id(t): k for t, k in zip(templates, keys, strict=True)}
    if isinstance(expr, re_.EqualityExpression):
        bound_type = 0
    elif isinstance(expr, re_.InequalityExpression) and not expr.strict:
        bound_type = 1
    else:
        raise Unsupported(f"{con.name}: {type(expr).__name__}")
    lhs, rhs = (_linear(a, env, n, ctx) for a in expr.args)
    # the body and bound as Pyomo's to_bounded_expression states them: a side without variables is the bound
    if not lhs.terms and rhs.terms:
        body, bound = rhs, lhs.const
        bound_type = -bound_type  # lhs <= body: a lower bound (equality stays 0)
    elif not rhs.terms:
        body, bound = lhs, rhs.const
    else:
        body, bound = lhs.plus(rhs.scaled(-1.0)), 0.0
    if not body.terms:
        raise Unsupported(f"{con.name}: no variables")
    rhs_values = np.broadcast_to(np.asarray(bound - body.const, dtype=float), (n,)).copy()
    terms = [(v, pos, np.broadcast_to(np.asarray(c, dtype=float), (n,))) for v, pos, c in body.terms]
    if not np.logical_or.reduce([c != 0 for _, _, c in terms]).all():
        raise Unsupported(f"{con.name}: a row without variables")  # Pyomo drops it, or reports it infeasible
    return FamilyRows(con, data, bound_type, rhs_values, terms)


@dataclass
class StandardForm:
    """A model's LP in Pyomo's mixed standard form: ``A x (<=, >=, ==) rhs`` by each row's bound type."""

    columns: list[Any]  # VarData per column
    rows: list[tuple[Any, int]]  # (ConstraintData, bound type) per row
    A: Any  # scipy.sparse csc, sorted indices, no explicit zeros
    rhs: np.ndarray
    senses: np.ndarray  # int8 bound types
    cost: np.ndarray
    offset: float


def pyomo_standard_form(m: pyo.Block) -> Any:
    """Pyomo's own compile of the active part of ``m`` (``LinearStandardFormInfo``)."""
    return LinearStandardFormCompiler().write(m, mixed_form=True, set_sense=None)


def _pyomo_only(m: pyo.Block) -> StandardForm:
    repn = pyomo_standard_form(m)
    if repn.c.shape[0] > 1:
        raise ValueError(f"{m.name}: {repn.c.shape[0]} active objectives; one is expected")
    A = repn.A.tocsc()
    A.sort_indices()
    cost = np.zeros(len(repn.columns))
    c = np.asarray(repn.c.toarray()).ravel() if repn.c.shape[0] else np.zeros(0)
    cost[: len(c)] = c
    senses = np.fromiter((r.bound_type for r in repn.rows), dtype=np.int8, count=len(repn.rows))
    return StandardForm(list(repn.columns), list(repn.rows), A, np.asarray(repn.rhs, dtype=float), senses, cost,
                        float(repn.c_offset[0]) if len(repn.c_offset) else 0.0)


#: the order Pyomo's compiler lists components and their data in (its default file determinism)
ORDER = SortComponents.ORDERED_INDICES


def _cat(parts: list[np.ndarray], dtype: Any) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)


def standard_form(m: pyo.Block, *, vectorize: bool = True) -> StandardForm:
    """Compile ``m``: templated families with numpy where :func:`family_rows` can, everything else (the
    other constraints, the objective, and each family it cannot take, logged) with Pyomo's compiler.

    Rows come in the model's constraint order, as Pyomo's compiler gives them. The columns are every
    variable of the model in declaration and index order, less those with no coefficient anywhere
    (which Pyomo's compiler leaves out too).
    """
    if not vectorize:
        return _pyomo_only(m)
    import scipy.sparse as sp

    # the candidate columns, and where each Var component starts among them (a Reference is a view of
    # other components' variables, not variables of its own)
    candidates: list[Any] = []
    start: dict[int, int] = {}
    free: set[int] = set()  # Var components without a fixed variable: the families need not look again
    for var in m.component_objects(pyo.Var, descend_into=True, sort=ORDER):
        if var.is_reference():
            continue
        start[id(var)] = len(candidates)
        data = list(in_index_order(var))
        candidates.extend(data)
        if not any(map(attrgetter("fixed"), data)):
            free.add(id(var))
    col_of = dict(zip(map(id, candidates), range(len(candidates)), strict=True))
    ctx = _Context(free)
    families: dict[int, FamilyRows] = {}
    constraints = list(m.component_objects(pyo.Constraint, active=True, descend_into=True, sort=ORDER))
    for con in constraints:
        if not (con.is_indexed() and len(con) and hasattr(next(iter(con.values())), "template_expr")):
            continue
        try:
            f = family_rows(con, ctx)
            if any(id(v) not in start for v, _, _ in f.terms):
                raise Unsupported(f"{con.name}: a variable outside this block, or a Reference")
        except Unsupported as why:  # Pyomo's compiler takes the family (and reports what is wrong with it)
            log.info("compile: family %s handed to Pyomo's compiler (%s)", con.name, why)
            continue
        families[id(con)] = f

    # Pyomo's compiler skips inactive components; only the component's own flag is switched (the
    # indexed deactivate() would also visit every row), and switched back whatever happens
    withheld = [c for c in constraints if id(c) in families]
    for comp in withheld:
        ActiveComponent.deactivate(comp)
    try:
        repn = pyomo_standard_form(m)
    finally:
        for comp in withheld:
            ActiveComponent.activate(comp)
    if repn.c.shape[0] > 1:
        raise ValueError(f"{m.name}: {repn.c.shape[0]} active objectives; one is expected")

    # Pyomo's part: its columns mapped onto the candidates (one from elsewhere is appended)
    for v in repn.columns:
        if id(v) not in col_of:
            col_of[id(v)] = len(candidates)
            candidates.append(v)
    n_col = len(candidates)
    perm = np.fromiter(map(col_of.__getitem__, map(id, repn.columns)), dtype=np.int64, count=len(repn.columns))
    cost = np.zeros(n_col)
    if repn.c.shape[0]:
        c = repn.c.tocsr()
        cost[perm[c.indices]] = c.data
    offset = float(repn.c_offset[0]) if len(repn.c_offset) else 0.0
    pyomo_A = repn.A.tocsr()
    pyomo_rows = list(repn.rows)
    pyomo_rhs = np.asarray(repn.rhs, dtype=float)
    pyomo_senses = np.fromiter((r.bound_type for r in pyomo_rows), dtype=np.int8, count=len(pyomo_rows))

    # rows in the model's order, as (row, column, value) triplets
    spans: dict[int, list[int]] = {}
    for i, r in enumerate(pyomo_rows):
        span = spans.setdefault(id(r.constraint.parent_component()), [i, i])
        span[1] = i + 1
    r_parts, c_parts, v_parts, rhs_parts, sense_parts, rows = [], [], [], [], [], []
    n_row = 0
    for con in constraints:
        key = id(con)
        if key in families:
            f = families[key]
            n = len(f.data)
            for var, pos, coefs in f.terms:
                r_parts.append(np.arange(n_row, n_row + n))
                c_parts.append(start[id(var)] + pos)
                v_parts.append(coefs)
            rhs_parts.append(f.rhs)
            sense_parts.append(np.full(n, f.bound_type, dtype=np.int8))
            rows.extend(zip(f.data, [f.bound_type] * n, strict=True))
        elif key in spans:
            a, b = spans[key]
            n = b - a
            blk = pyomo_A[a:b]
            r_parts.append(n_row + np.repeat(np.arange(n), np.diff(blk.indptr)))
            c_parts.append(perm[blk.indices])
            v_parts.append(blk.data)
            rhs_parts.append(pyomo_rhs[a:b])
            sense_parts.append(pyomo_senses[a:b])
            rows.extend(pyomo_rows[a:b])
        else:
            continue
        n_row += n
    if n_row != len(pyomo_rows) + sum(len(f.data) for f in families.values()):  # pragma: no cover - a bug
        raise RuntimeError("row blocks do not cover the compiled rows")
    A = sp.csc_array((_cat(v_parts, float), (_cat(r_parts, np.int64), _cat(c_parts, np.int64))), shape=(n_row, n_col))
    A.sum_duplicates()
    A.eliminate_zeros()
    A.sort_indices()
    # Pyomo leaves out a column with no coefficient in any row or in the objective
    used = (np.diff(A.indptr) > 0) | (cost != 0)
    if not used.all():
        A = A[:, used]
        cost = cost[used]
        candidates = [v for v, u in zip(candidates, used.tolist(), strict=True) if u]
    return StandardForm(candidates, rows, A, _cat(rhs_parts, float), _cat(sense_parts, np.int8), cost, offset)
