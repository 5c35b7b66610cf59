"""The Pyomo model compiled to matrix rows with numpy, many rows at a time.

Pyomo's standard-form compiler builds every row as a Python dict of coefficients, a few µs a row and
about 0.6 s for a one-zone year. This module states the same LP from the same Pyomo model in two parts:

- **Templated families.** A constraint declared inside :func:`optimizer.model.sets.templated` keeps its
  rule's expression once, with symbolic indices (Pyomo's ``IndexTemplate``), beside its index set.
  :func:`family_rows` walks that expression **once per family**, with each index template standing
  for the array of its values over the index set. Understood: sums, negations, products and
  divisions where one side is constant, Vars and Params indexed by the template indices or integer
  offsets of them (``p[g, t - 1]``), numbers and scalar Params, sums over a set of a variable
  expression (``sum(p[g, t] for g in G)``, each member in turn); ``<=``, ``>=`` and ``==``.
- **Annual rows and the objective.** Components of at most :data:`SCALAR_ROWS_MAX` rows (policy
  shares, the CO2 cap, capacity targets, annual energy limits) and the objective go through
  :class:`_Walker`, which does what Pyomo's linear walker does (the same multiplier arithmetic in
  the same order, named expressions once each, a column's coefficients summed in the order met)
  on arrays of columns instead of one dict entry per variable.

Nothing here knows what a row means: both parts read the expressions Pyomo's compiler reads. A
component either part does not understand (a fixed variable, a deactivated row, an index outside
its set, a nonlinear term, a row without variables) goes to Pyomo's compiler, which then reports any
problem as it always has. Rows come in the model's order; the columns are the model's variables in
declaration and index order, less those with no coefficient anywhere (which Pyomo leaves out too).
Tests compile every shipped configuration both ways and compare the LPs entry by entry, to the bit.
"""

from __future__ import annotations

import operator
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
from pyomo.core.base.external import ExternalFunction
from pyomo.core.base.indexed_component import IndexedComponent
from pyomo.core.base.param import IndexedParam, ScalarParam
from pyomo.core.base.suffix import Suffix
from pyomo.core.base.var import IndexedVar
from pyomo.core.expr import numeric_expr as ne
from pyomo.core.expr import relational_expr as re_
from pyomo.core.expr.template_expr import GetItemExpression, IndexTemplate, TemplateSumExpression
from pyomo.network import Port
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler
from pyomo.repn.util import categorize_valid_components


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
    """The data objects of a dense component in its index set's order (what ``values()`` gives).

    Pyomo's ``values()`` looks each index up through a Python function (0.4 µs a call); the data dict
    holds the same objects, in the same order when the component was constructed over its whole
    index. That order is checked key by key against the index set's factors (a few ms for a year)
    before the dict is used; a component filled in another order goes through ``values()``.
    """
    data = getattr(comp, "_data", None)
    index_set = comp.index_set()
    if data.__class__ is dict and data and len(data) == len(index_set) and index_set.isordered():
        factors = _factor_sets(index_set)
        if factors is not None:
            expected = factors[0] if len(factors) == 1 else product(*factors)
            if all(map(operator.eq, data, expected)):
                return data.values()
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
    if not np.logical_or.reduce([c != 0 for _, _, c in terms]).all():
        raise Unsupported(f"{con.name}: a row without variables")  # Pyomo drops it, or reports it infeasible
    return FamilyRows(con, data, bound_type, rhs_values, terms)


class _Repn:
    """Pyomo's linear representation of an expression, ``mult * (const + sum coef * column)``, with the
    linear part as chunks of arrays (columns, coefficients) in the order Pyomo's walk meets them."""

    __slots__ = ("chunks", "const", "mult")

    def __init__(self, mult: float, const: float, chunks: list[tuple[np.ndarray, np.ndarray]]):
        self.mult, self.const, self.chunks = mult, const, chunks

    def duplicate(self) -> _Repn:
        return _Repn(self.mult, self.const, list(self.chunks))

    def append(self, other: Any) -> None:
        """``self + other`` as Pyomo's ``LinearRepn.append`` does it: the child's coefficients summed per
        column first (Pyomo keeps them in a dict), then its multiplier applied."""
        if other.__class__ is not _Repn:  # a constant
            self.const += other
            return
        mult = other.mult
        if mult == 1:
            self.const += other.const
            self.chunks.append(_reduce(other.chunks))
        elif mult:
            if other.const:
                self.const += mult * other.const
            cols, coefs = _reduce(other.chunks)
            self.chunks.append((cols, mult * coefs))


def _reduce(chunks: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """One chunk, each column once, its coefficients summed in the order met (each chunk already has
    each column once)."""
    if len(chunks) == 1:
        return chunks[0]
    if not chunks:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    cols = np.concatenate([c for c, _ in chunks])
    coefs = np.concatenate([k for _, k in chunks])
    return _unique(cols, coefs)


def _unique(cols: np.ndarray, coefs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if len(cols) < 2 or (np.diff(cols) > 0).all():
        return cols, coefs
    uniq, inv = np.unique(cols, return_inverse=True)
    if len(uniq) == len(cols):
        return cols, coefs
    return uniq, np.bincount(inv, weights=coefs, minlength=len(uniq))  # sums in the order met, as Pyomo's +=


_ONE = np.ones(1)


class _Walker:
    """Linear forms of Pyomo expressions over the columns of one compile, as Pyomo's linear walker
    computes them: the same multiplier arithmetic in the same order, named expressions once each.

    Understood: numbers, Params and other fixed subexpressions, unfixed variables, sums (flat and
    nested), monomials, products and divisions with one constant side, negations and named
    expressions. Anything else raises :class:`Unsupported` and the component goes to Pyomo.
    """

    def __init__(self, col_of: dict[int, int], fixed: np.ndarray | None):
        self.col_of = col_of
        self.fixed = fixed  # columns of fixed variables (None when there are none)
        self.named: dict[int, Any] = {}

    def _column(self, var: Any) -> int:
        j = self.col_of.get(id(var))
        if j is None:
            raise Unsupported(f"{var.name}: not a variable of this model")
        if self.fixed is not None and self.fixed[j]:
            raise Unsupported(f"{var.name}: fixed")
        return j

    def _monomial(self, e: ne.MonomialTermExpression) -> tuple[Any, int]:
        """(coefficient, column) of ``coefficient * var``."""
        coef, var = e.args
        if coef.__class__ not in native_numeric_types:
            coef = self._constant(coef)
        return coef, self._column(var)

    def _constant(self, e: Any) -> float:
        v = pyo.value(e, exception=False)
        if v is None or v.__class__ not in native_numeric_types:
            raise Unsupported("a constant without a numeric value")
        return v

    def walk(self, e: Any) -> Any:
        """A number, or a :class:`_Repn`."""
        cls = e.__class__
        if cls in native_numeric_types:
            return e
        if cls is ne.LinearExpression:
            return self._linear_expression(e.args)
        if cls is ne.MonomialTermExpression:
            coef, j = self._monomial(e)
            return _Repn(1, 0, [(np.array([j]), np.array([float(coef)]))]) if coef else 0
        if not e.is_potentially_variable():
            return self._constant(e)
        if e.is_variable_type():
            return _Repn(1, 0, [(np.array([self._column(e)]), _ONE)])
        if e.is_named_expression_type():
            key = id(e)
            if key not in self.named:
                got = self.walk(e.expr)
                if got.__class__ is _Repn:  # summed per column once, for every use
                    got.chunks = [_reduce(got.chunks)]
                self.named[key] = got
            got = self.named[key]
            return got.duplicate() if got.__class__ is _Repn else got
        if cls is ne.SumExpression:
            out = _Repn(1, 0, [])
            for a in e.args:
                out.append(self.walk(a))
            return out if out.chunks else out.const
        if cls is ne.NegationExpression:
            return self._scaled(self.walk(e.args[0]), -1)
        if cls is ne.ProductExpression:
            a, b = (self.walk(x) for x in e.args)
            if a.__class__ is not _Repn:
                return self._scaled(b, a)
            if b.__class__ is not _Repn:
                return self._scaled(a, b)
            raise Unsupported("product of two variables")
        if cls is ne.DivisionExpression:
            a, b = (self.walk(x) for x in e.args)
            if b.__class__ is _Repn or not b:
                raise Unsupported("division by a variable or by zero")
            if a.__class__ is not _Repn:
                return a / b
            a.mult /= b
            return a
        raise Unsupported(f"expression {cls.__name__}")

    @staticmethod
    def _scaled(r: Any, k: float) -> Any:
        if r.__class__ is not _Repn:
            return k * r
        r.mult *= k
        return r

    def _linear_expression(self, args: Any) -> Any:
        args = list(args)
        try:  # the common case: plain variables (an annual sum over the hours)
            cols = np.fromiter(map(self.col_of.__getitem__, map(id, args)), dtype=np.int64, count=len(args))
        except KeyError:
            cols = None
        if cols is not None:
            if self.fixed is not None and self.fixed[cols].any():
                raise Unsupported("fixed variables")
            return _Repn(1, 0, [_unique(cols, np.ones(len(cols)))]) if len(cols) else 0
        const = 0
        cols_l: list[int] = []
        coefs_l: list[float] = []
        for a in args:
            if a.__class__ is ne.MonomialTermExpression:
                coef, j = self._monomial(a)
                if coef:  # Pyomo records no zero (adding one to a column already there changes nothing)
                    cols_l.append(j)
                    coefs_l.append(coef)
            elif a.__class__ in native_numeric_types:
                const += a
            elif a.is_variable_type():
                cols_l.append(self._column(a))
                coefs_l.append(1.0)
            else:
                const += self._constant(a)
        if not cols_l:
            return 0 + const
        return _Repn(1, 0 + const, [_unique(np.array(cols_l, dtype=np.int64), np.array(coefs_l, dtype=float))])

    def row(self, e: Any) -> tuple[float, np.ndarray, np.ndarray]:
        """(constant, columns, coefficients) of ``e`` as Pyomo's walker finishes it: coefficients of a
        column summed in the order met, the outer multiplier applied, zeros dropped."""
        r = self.walk(e)
        if r.__class__ is not _Repn:
            return float(r), np.zeros(0, dtype=np.int64), np.zeros(0)
        if not r.chunks or not r.mult:
            return (r.mult * r.const if r.mult else 0.0), np.zeros(0, dtype=np.int64), np.zeros(0)
        cols, coefs = _reduce(r.chunks)
        const = r.const
        if r.mult != 1:
            coefs = r.mult * coefs
            const = r.mult * const
        keep = coefs != 0
        return float(const), cols[keep], coefs[keep]


#: components of at most this many rows (annual sums, policy rows) go through :class:`_Walker`; one row
#: per step, not stated as a template, is left to Pyomo's compiler, which is quicker per small row
SCALAR_ROWS_MAX = 64


@dataclass
class ScalarRows:
    """The rows of a constraint component compiled by :class:`_Walker` (not a template)."""

    constraint: Any
    rows: list[tuple[Any, int]]  # (ConstraintData, bound type)
    rhs: list[float]
    cols: list[np.ndarray]
    coefs: list[np.ndarray]


def scalar_rows(con: Any, walker: _Walker) -> ScalarRows:
    """Rows of a constraint component, each as Pyomo's compiler states it (ranged: an upper row, then a
    lower one); raises :class:`Unsupported` for what Pyomo should take (and report)."""
    out = ScalarRows(con, [], [], [], [])
    for c in con.values(SortComponents.ORDERED_INDICES):
        if not c.active:
            continue
        if hasattr(c, "template_expr"):
            raise Unsupported(f"{con.name}: a template")
        lb, body, ub = c.to_bounded_expression()
        lb = lb if lb is None or lb.__class__ in native_numeric_types else pyo.value(lb)
        ub = ub if ub is None or ub.__class__ in native_numeric_types else pyo.value(ub)
        if lb is None and ub is None:
            continue  # Pyomo leaves an unbounded row out
        offset, cols, coefs = walker.row(body)
        if not len(cols):
            raise Unsupported(f"{c.name}: no variables")  # Pyomo checks it (or reports it infeasible)
        senses = [(0, ub)] if lb == ub else [(b, v) for b, v in ((1, ub), (-1, lb)) if v is not None]
        for bound_type, bound in senses:
            out.rows.append((c, bound_type))
            out.rhs.append(bound - offset)
            out.cols.append(cols)
            out.coefs.append(coefs)
    return out


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
#: the component types Pyomo's standard-form compiler accepts (besides objectives and suffixes)
VALID_COMPONENTS = {pyo.Block, pyo.Constraint, pyo.Var, pyo.Param, pyo.Expression, ExternalFunction, pyo.Set,
                    pyo.RangeSet, Port}


def _unknown_components(m: pyo.Block) -> bool:
    """True when ``m`` holds an active component Pyomo's compiler does not know (an SOS constraint, a
    logical constraint, ...): Pyomo's compiler is then called, and reports it as it always has."""
    _, unknown = categorize_valid_components(
        m, active=True, sort=ORDER, valid=VALID_COMPONENTS, targets={Suffix, pyo.Objective})
    return bool(unknown)


def _cat(parts: list[np.ndarray], dtype: Any) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)


def standard_form(m: pyo.Block, *, vectorize: bool = True) -> StandardForm:
    """Compile ``m``: templated families with numpy where :func:`family_rows` can, other constraints and
    the objective with :class:`_Walker` where it can, the rest with Pyomo's compiler.

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
    spans: list[tuple[int, int, int]] = []  # (Var component, first, last + 1 of its candidates)
    for var in m.component_objects(pyo.Var, descend_into=True, sort=ORDER):
        if var.is_reference():
            continue
        start[id(var)] = len(candidates)
        candidates.extend(in_index_order(var))
        spans.append((id(var), start[id(var)], len(candidates)))
    n_cand = len(candidates)
    col_of = dict(zip(map(id, candidates), range(n_cand), strict=True))
    fixed = np.fromiter(map(attrgetter("fixed"), candidates), dtype=bool, count=n_cand)
    walker = _Walker(col_of, fixed if fixed.any() else None)
    # the families need not look for fixed variables again in the components found free here
    ctx = _Context({v for v, a, b in spans if not fixed[a:b].any()})
    families: dict[int, FamilyRows] = {}
    scalars: dict[int, ScalarRows] = {}
    constraints = list(m.component_objects(pyo.Constraint, active=True, descend_into=True, sort=ORDER))
    for con in constraints:
        try:
            if con.is_indexed() and len(con) and hasattr(next(iter(con.values())), "template_expr"):
                f = family_rows(con, ctx)
                if any(id(v) not in start for v, _, _ in f.terms):
                    raise Unsupported(f"{con.name}: a variable outside this block, or a Reference")
                families[id(con)] = f
            elif len(con) <= SCALAR_ROWS_MAX:
                scalars[id(con)] = scalar_rows(con, walker)
        except Exception:  # Unsupported, or data it cannot read: Pyomo's compiler takes it (and reports)
            pass
    objectives = list(m.component_data_objects(pyo.Objective, active=True, descend_into=True, sort=ORDER))
    cost = np.zeros(n_cand)
    offset = 0.0
    own_objective = None
    if len(objectives) == 1 and not hasattr(objectives[0], "template_expr"):
        try:
            const, cols, coefs = walker.row(objectives[0].expr)
            cost[cols] = coefs
            offset, own_objective = const, objectives[0].parent_component()
        except Exception:
            pass
    withheld = [c for c in constraints if id(c) in families or id(c) in scalars]
    withheld += [own_objective] if own_objective is not None else []

    # Pyomo's compiler skips inactive components; only the component's own flag is switched (the
    # indexed deactivate() would also visit every row), and switched back whatever happens
    repn = None
    if len(withheld) < len(constraints) + len(objectives) or _unknown_components(m):
        for comp in withheld:
            ActiveComponent.deactivate(comp)
        try:
            repn = pyomo_standard_form(m)
        finally:
            for comp in withheld:
                ActiveComponent.activate(comp)

    # Pyomo's part: its columns mapped onto the candidates (one from elsewhere is appended)
    pyomo_A = pyomo_rows = pyomo_rhs = pyomo_senses = None
    if repn is not None:
        extra = [v for v in repn.columns if id(v) not in col_of]
        for v in extra:
            col_of[id(v)] = len(candidates)
            candidates.append(v)
        if extra:
            cost = np.concatenate([cost, np.zeros(len(extra))])
        perm = np.fromiter(map(col_of.__getitem__, map(id, repn.columns)), dtype=np.int64, count=len(repn.columns))
        pyomo_A = repn.A.tocsr()
        pyomo_rows = list(repn.rows)
        pyomo_rhs = np.asarray(repn.rhs, dtype=float)
        pyomo_senses = np.fromiter((r.bound_type for r in pyomo_rows), dtype=np.int8, count=len(pyomo_rows))
        if repn.c.shape[0] > 1:
            raise ValueError(f"{m.name}: {repn.c.shape[0]} active objectives; one is expected")
        if repn.c.shape[0]:
            c = repn.c.tocsr()
            cost[perm[c.indices]] = c.data
        offset += float(repn.c_offset[0]) if len(repn.c_offset) else 0.0
    n_col = len(candidates)

    # rows in the model's order, as (row, column, value) triplets
    spans: dict[int, list[int]] = {}
    for i, r in enumerate(pyomo_rows or ()):
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
        elif key in scalars:
            sr = scalars[key]
            n = len(sr.rows)
            for k, (cols, coefs) in enumerate(zip(sr.cols, sr.coefs, strict=True)):
                r_parts.append(np.full(len(cols), n_row + k))
                c_parts.append(cols)
                v_parts.append(coefs)
            rhs_parts.append(np.asarray(sr.rhs, dtype=float))
            sense_parts.append(np.fromiter((b for _, b in sr.rows), dtype=np.int8, count=n))
            rows.extend(sr.rows)
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
    expected = len(pyomo_rows or ()) + sum(len(f.data) for f in families.values()) + sum(
        len(s.rows) for s in scalars.values())
    if n_row != expected or len(rows) != n_row:  # pragma: no cover - a programming error
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
