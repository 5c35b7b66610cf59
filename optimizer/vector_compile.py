"""Templated constraint families compiled to matrix rows with numpy, a whole family at a time.

A constraint declared inside :func:`optimizer.model.sets.templated` keeps its rule's expression once,
with symbolic indices (Pyomo's ``IndexTemplate``), beside its index set. Pyomo's standard-form
compiler expands that template row by row in Python (3-4 µs a row: about 0.4 s of the 0.6 s it takes
to compile a one-zone year). The template holds everything needed to make all of a family's rows at
once: this module walks the expression tree **once per family**, with each index template standing
for the array of its values over the index set, and returns the rows as arrays.

The Pyomo model stays the only statement of the LP: nothing here knows what a family means, it reads
the same expression Pyomo's compiler reads. Only a small linear part of Pyomo's expression language
is understood: sums, negations, products and divisions where one side is constant, Vars and Params
indexed by the template indices or integer offsets of them (``p[g, t - 1]``), numbers and scalar
Params, sums over a set of a variable expression (``sum(p[g, t] for g in G)``, each member in
turn); ``<=``, ``>=`` and ``==``. A family using anything else, or indexing outside its sets, is
left to Pyomo's compiler, which then reports the problem as it always has. Tests compile every
shipped configuration both ways and compare the LPs entry by entry.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import product, repeat
from operator import attrgetter
from typing import Any

import numpy as np
import pandas as pd
import pyomo.core as pyo
from pyomo.common.numeric_types import native_numeric_types
from pyomo.core.base.component import ActiveComponent
from pyomo.core.base.indexed_component import IndexedComponent
from pyomo.core.base.param import IndexedParam, ScalarParam
from pyomo.core.base.var import IndexedVar
from pyomo.core.expr import numeric_expr as ne
from pyomo.core.expr import relational_expr as re_
from pyomo.core.expr.template_expr import GetItemExpression, IndexTemplate, TemplateSumExpression
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler


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
        index_set = comp.index_set()
        subsets = list(index_set.subsets()) if index_set.dimen != 1 else [index_set]
        if any(s.dimen != 1 or not s.isordered() for s in subsets):
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
    """The data objects of a dense component in its index set's order (what ``values()`` gives).

    Pyomo's ``values()`` looks each index up through a Python function (0.4 µs a call); the data dict
    holds the same objects and, for a component constructed over its whole index, in the same order,
    which is checked at both ends before it is used.
    """
    data = getattr(comp, "_data", None)
    index_set = comp.index_set()
    if data.__class__ is dict and data and len(data) == len(index_set) and index_set.isordered():
        ends = _ends(index_set)
        if ends is not None and next(iter(data)) == ends[0] and next(reversed(data)) == ends[1]:
            return data.values()
    return comp.values()


def _ends(index_set: Any) -> tuple[Any, Any] | None:
    """First and last member of an ordered set. A product's ``first()`` and ``last()`` would walk (or
    list) the whole product; its ends are the tuples of its factors' ends."""
    if index_set.dimen == 1:
        return index_set.first(), index_set.last()
    subsets = list(index_set.subsets())
    if index_set.dimen is None or any(s.dimen != 1 or not s.isordered() for s in subsets):
        return None
    return tuple(s.first() for s in subsets), tuple(s.last() for s in subsets)


class _Context:
    """What one compile has learnt about components (their layouts and Param values)."""

    def __init__(self) -> None:
        self.dense: dict[int, _Dense] = {}
        self.members: dict[int, pd.Index] = {}
        self.param_values: dict[int, np.ndarray] = {}
        self.free_vars: set[int] = set()

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
            v = self.param_values[id(param)] = np.asarray(raw, dtype=float)
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
        return a.scaled(1.0 / b.const)
    raise Unsupported(f"expression {cls.__name__}")


def _template_sum(e: TemplateSumExpression, env: dict[int, np.ndarray], n: int, ctx: _Context) -> Lin:
    """``SUM(body for k in K)``: the body once per member of ``K`` (per combination of members when the
    sum runs over several sets), each time with the member standing for its template everywhere."""
    if not e.is_potentially_variable():  # Pyomo's template compiler rejects a sum of constants: so do we
        raise Unsupported("template sum without variables")
    (body,) = e._local_args_
    groups = e.template_iters()
    out = Lin()
    for combo in product(*(list(group[0]._set) for group in groups)):
        inner = dict(env)
        for group, member in zip(groups, combo, strict=True):
            if len(group) == 1:
                inner[id(group[0])] = member
            else:  # a set of tuples: each template takes its position of the member
                for tmpl in group:
                    inner[id(tmpl)] = member[tmpl._index]
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


def standard_form(m: pyo.Block, *, vectorize: bool = True) -> StandardForm:
    """Compile ``m``: templated families with numpy where :func:`family_rows` can, the rest with Pyomo.

    Rows come in the model's constraint order, as Pyomo's compiler gives them; the columns Pyomo's part
    uses come first, in its order, then those only the vectorised families use.
    """
    import scipy.sparse as sp

    families: dict[int, FamilyRows] = {}
    if vectorize:
        ctx = _Context()
        for con in m.component_objects(pyo.Constraint, active=True, descend_into=True):
            if con.is_indexed() and len(con):
                try:
                    families[id(con)] = family_rows(con, ctx)
                except Exception:  # Unsupported, or data it cannot read: Pyomo's compiler takes it (and reports)
                    pass
    # Pyomo's compiler skips inactive components; only the component's own flag is switched (the
    # indexed deactivate() would also visit every row), and switched back whatever happens
    for f in families.values():
        ActiveComponent.deactivate(f.constraint)
    try:
        repn = pyomo_standard_form(m)
    finally:
        for f in families.values():
            ActiveComponent.activate(f.constraint)

    columns = list(repn.columns)
    n_pyomo_rows = len(repn.rows)
    pyomo_rhs = np.asarray(repn.rhs, dtype=float)
    pyomo_senses = np.fromiter((r.bound_type for r in repn.rows), dtype=np.int8, count=n_pyomo_rows)
    pyomo_cost = np.asarray(repn.c.toarray()).ravel() if repn.c.shape[0] else np.zeros(0)
    offset = float(repn.c_offset[0]) if len(repn.c_offset) else 0.0
    if not families:
        A = repn.A.tocsc()
        A.sort_indices()
        cost = np.zeros(len(columns))
        cost[: len(pyomo_cost)] = pyomo_cost
        return StandardForm(columns, list(repn.rows), A, pyomo_rhs, pyomo_senses, cost, offset)

    # a column for every variable the families use; those Pyomo's part did not use are appended
    col_of = dict(zip(map(id, columns), range(len(columns)), strict=True))
    var_data: dict[int, list[Any]] = {}
    var_cols: dict[int, np.ndarray] = {}  # column of each of a Var's data objects, -1 for none yet
    for f in families.values():
        for var, pos, _ in f.terms:
            if id(var) not in var_cols:
                data = var_data[id(var)] = list(in_index_order(var))
                var_cols[id(var)] = np.fromiter(map(col_of.get, map(id, data), repeat(-1)), dtype=np.int64,
                                                count=len(data))
            cols = var_cols[id(var)]
            new = np.unique(pos[cols[pos] < 0])
            if len(new):
                cols[new] = np.arange(len(columns), len(columns) + len(new))
                columns.extend(var_data[id(var)][j] for j in new.tolist())
    n_col = len(columns)

    # row blocks in the model's order: Pyomo's rows grouped by their constraint component
    pyomo_A = repn.A.tocsr() if n_pyomo_rows else None
    spans: dict[int, list[int]] = {}
    for i, r in enumerate(repn.rows):
        span = spans.setdefault(id(r.constraint.parent_component()), [i, i])
        span[1] = i + 1
    blocks_A, blocks_rhs, blocks_sense, rows = [], [], [], []
    for con in m.component_objects(pyo.Constraint, active=True, descend_into=True):
        key = id(con)
        if key in families:
            f = families[key]
            n = len(f.data)
            r_idx = np.concatenate([np.arange(n)] * len(f.terms))
            c_idx = np.concatenate([var_cols[id(v)][pos] for v, pos, _ in f.terms])
            vals = np.concatenate([c for _, _, c in f.terms])
            blocks_A.append(sp.csr_array((vals, (r_idx, c_idx)), shape=(n, n_col)))
            blocks_rhs.append(f.rhs)
            blocks_sense.append(np.full(n, f.bound_type, dtype=np.int8))
            rows.extend(zip(f.data, [f.bound_type] * n, strict=True))
        elif key in spans:
            a, b = spans[key]
            blk = pyomo_A[a:b]
            blocks_A.append(sp.csr_array((blk.data, blk.indices, blk.indptr), shape=(b - a, n_col)))
            blocks_rhs.append(pyomo_rhs[a:b])
            blocks_sense.append(pyomo_senses[a:b])
            rows.extend(repn.rows[a:b])
    if len(rows) != n_pyomo_rows + sum(len(f.data) for f in families.values()):  # pragma: no cover
        raise RuntimeError("row blocks do not cover the compiled rows")
    A = sp.vstack(blocks_A, format="csc")
    A.sum_duplicates()
    A.eliminate_zeros()
    A.sort_indices()
    cost = np.zeros(n_col)
    cost[: len(pyomo_cost)] = pyomo_cost
    return StandardForm(columns, rows, A, np.concatenate(blocks_rhs), np.concatenate(blocks_sense), cost, offset)
