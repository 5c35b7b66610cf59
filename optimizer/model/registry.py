"""Shared registries that constraint modules add their terms to.

The balance, the objective, the emission total, the energy accounts of the share policies, the
firm-capacity sum of the reserve margin and the capacity expressions of the targets are all sums
over whatever the modules registered. Adding a technology family or a policy therefore means adding
a module, never editing the balance or the objective.

A registry belongs to one build (it lives on the model object as ``m.registry``); nothing here is
global.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pyomo.core as pyo

#: keys of the energy accounts used by the share policies (``clean_electricity`` is always in MWh/yr:
#: the non-fossil electricity consumed, local and imported)
ACCOUNTS = ("coal", "nonfossil", "total", "clean_electricity")


#: one entry of a balance term: (coefficient, a Var indexed by (key, time step), key)
BalanceEntry = tuple[float, Any, Any]


@dataclass
class Output:
    """An hourly variable of a family, as the results show it."""

    var: Any  # a Pyomo Var indexed by (key, time step)
    keys: list[Any]
    dim: str  # the results dimension of the keys (e.g. 'committable', 'heat_source')
    unit: str
    long_name: str
    #: its annual sum is each key's (technology's) energy in the results' ``energy_mwh``
    energy: bool = False


@dataclass
class Floor:
    """A lower limit of a technology's net output in each step, at the solution's commitment, heat and
    schedules: ``sum(coefficient * var[key, t])`` over ``entries``, plus ``capacity`` times its power
    capacity (storage: -1, it can charge at full power), plus ``mw`` (a number or one per step)."""

    entries: list[BalanceEntry]
    capacity: float = 0.0
    mw: Any = 0.0


@dataclass
class CostTerm:
    component: str  # capex, fom, vom, fuel, import, carbon, unserved, ...
    technology: str  # a technology name, or a pseudo-name such as 'unserved'
    expr: Any  # Pyomo expression or constant, CNY/yr


@dataclass
class PolicyRow:
    """Metadata of one policy constraint, for duals, reports and infeasibility diagnosis."""

    name: str
    constraint: Any  # the Pyomo constraint component (scalar)
    sense: str  # '<=', '>=' or '=='
    rhs: float  # right-hand side in the constraint's own unit
    unit: str
    target: str | None  # id in seeds/targets.yaml, if any
    description: str
    slack_up: Any = None  # elastic slack variables (diagnosis mode only)
    slack_down: Any = None
    scale: float = 1.0  # typical magnitude used to normalise the slack penalty
    lhs: Any = None  # the left-hand side, when the right-hand side is a constant (its value is "achieved")
    #: False: the row is evaluated at the solution, not imposed (a target checked against the plan)
    enforced: bool = True
    #: why the row holds whatever the optimum (e.g. no technology could break it); '' when it can bind
    by_construction: str = ""


@dataclass
class Scalar:
    """An annual quantity of a family, as the results show it (a scalar variable)."""

    expr: Any  # Pyomo expression or constant
    unit: str
    long_name: str


@dataclass
class Annual:
    """An annual quantity per key of a family (a link's capacity), as the results show it."""

    dim: str
    keys: list[Any]
    exprs: list[Any]  # one Pyomo expression (or number) per key
    unit: str
    long_name: str


@dataclass
class Registry:
    """Terms registered by the constraint modules during one build."""

    elastic: bool = False
    #: investment costs are accounted outside this block (multi-period pathway)
    capex_external: bool = False
    #: name -> f(zone) returning the MW injected into the zone's balance as (coefficient, Var, key)
    #: entries: the injection at step t is the sum of coefficient * Var[key, t] (see ``add_balance``)
    balance: dict[str, Callable[[str], list[BalanceEntry]]] = field(default_factory=dict)
    costs: list[CostTerm] = field(default_factory=list)
    #: technology -> annual tCO2 expression
    emissions: dict[str, Any] = field(default_factory=dict)
    #: technology -> the part of ``emissions`` that is the fuel of electricity (a CHP unit's heat and
    #: heat-only boilers left out): the emission factors of the electricity consumed add these
    power_emissions: dict[str, Any] = field(default_factory=dict)
    #: account (coal, nonfossil, total) -> list of (label, expression) on the share basis
    accounts: dict[str, list[tuple[str, Any]]] = field(default_factory=lambda: {k: [] for k in ACCOUNTS})
    #: (label, MW of firm capacity) for the reserve margin
    firm: list[tuple[str, Any]] = field(default_factory=list)
    #: technology -> total power capacity (MW) / energy capacity (MWh) / new power capacity (MW)
    capacity_mw: dict[str, Any] = field(default_factory=dict)
    capacity_mwh: dict[str, Any] = field(default_factory=dict)
    new_mw: dict[str, Any] = field(default_factory=dict)
    new_mwh: dict[str, Any] = field(default_factory=dict)
    policies: dict[str, PolicyRow] = field(default_factory=dict)
    #: zone -> the balance constraint of that zone, indexed by time step
    balance_rows: dict[str, Any] = field(default_factory=dict)
    #: the heat balance: name -> f(zone) as for ``balance``, in MW of heat
    heat_balance: dict[str, Callable[[str], list[BalanceEntry]]] = field(default_factory=dict)
    heat_balance_rows: dict[str, Any] = field(default_factory=dict)
    #: operating reserve providers: name -> f(zone) as for ``balance``, MW of upward reserve
    reserve: dict[str, Callable[[str], list[BalanceEntry]]] = field(default_factory=dict)
    #: hourly outputs of the families for the results: name -> :class:`Output`
    outputs: dict[str, Output] = field(default_factory=dict)
    #: unit of the share accounts ('MWh/yr' or 'tce/yr')
    account_unit: str = ""
    #: carrier -> (label, fuel burnt in tce/yr) of every technology that burns it
    fuel_tce: dict[str, list[tuple[str, Any]]] = field(default_factory=dict)
    #: carrier -> the fuel burnt in each step as (tce/MWh, var, key) entries: tce/h = sum of coefficient * var
    fuel_hourly: dict[str, list[BalanceEntry]] = field(default_factory=dict)
    #: annual results of the families (gas use, city-wide CO2, ...): name -> :class:`Scalar`
    scalars: dict[str, Scalar] = field(default_factory=dict)
    #: annual results per key (link capacities, ...): name -> :class:`Annual`
    annual: dict[str, Annual] = field(default_factory=dict)
    #: firm capacity carried between zones for a zonal reserve margin: (from zone, to zone, MW, share kept)
    firm_transfer: list[tuple[str, str, Any, float]] = field(default_factory=list)
    #: technology -> the lower limits of its output (:class:`Floor`); the highest applies, none: zero
    floors: dict[str, list[Floor]] = field(default_factory=dict)

    def add_balance(self, name: str, fn: Callable[[str], list[BalanceEntry]], carrier: str = "electricity") -> None:
        """Register a balance term: ``fn(zone)`` lists ``(coefficient, var, key)``, and the term injects
        ``sum(coefficient * var[key, t])`` MW into the zone at step ``t``.

        Every balance term is a fixed combination of hourly variables, so it is stated as data, not
        as an expression per hour: the balance groups the entries by variable and coefficient and
        states each zone's row once, as a template over the steps (see ``optimizer.model.balance``).
        """
        terms = {"electricity": self.balance, "heat": self.heat_balance, "reserve": self.reserve}[carrier]
        if name in terms:
            raise ValueError(f"{carrier} balance term {name!r} registered twice")
        terms[name] = fn

    def add_floor(self, technology: str, entries: list[BalanceEntry], *, capacity: float = 0.0, mw: Any = 0.0
                  ) -> None:
        """Register a lower limit of ``technology``'s output in each step (:class:`Floor`): the downward
        flexibility (调峰) the results and report show is its output less the highest such limit."""
        self.floors.setdefault(technology, []).append(Floor(list(entries), capacity, mw))

    def add_output(self, name: str, var: Any, keys: list[Any], dim: str, unit: str, long_name: str, *,
                   energy: bool = False) -> None:
        """Register an hourly variable ``var[key, t]`` for the results as ``name`` with dims (time, ``dim``).

        ``energy``: the variable's annual sum is its technologies' energy (generation, imports received,
        storage discharged, boiler heat, load curtailed), the results' ``energy_mwh``. Every variable a
        balance term uses must be registered: the results carry each balance as (output, key, coefficient)
        entries (:meth:`balance_recipe`), and the self-checks recompute the balances from them.
        """
        if name in self.outputs:
            raise ValueError(f"output {name!r} registered twice")
        self.outputs[name] = Output(var, list(keys), dim, unit, long_name, energy)

    def balance_recipe(self, zones: dict[str, list[str]]) -> dict[str, list[tuple[str, str, str, float]]]:
        """Every balance as data: carrier -> ``(zone, output name, key, coefficient)`` entries, the injection
        into the zone being the sum of coefficient x output[key]. ``zones``: carrier -> its zones (heat:
        the steam networks). A balance variable that no output registers is a programming error."""
        output_of = {id(o.var): name for name, o in self.outputs.items()}
        terms = {"electricity": self.balance, "heat": self.heat_balance}
        recipe: dict[str, list[tuple[str, str, str, float]]] = {}
        for carrier, fns in terms.items():
            entries = []
            for term, fn in fns.items():
                for z in zones.get(carrier, []):
                    for coef, var, key in fn(z):
                        if id(var) not in output_of:
                            raise ValueError(f"{carrier} balance term {term!r} uses {var.name}, which no output "
                                             "registers (Registry.add_output)")
                        entries.append((str(z), output_of[id(var)], str(key), float(coef)))
            recipe[carrier] = entries
        return recipe

    def add_annual(self, name: str, dim: str, keys: list[Any], exprs: list[Any], unit: str, long_name: str) -> None:
        """Register an annual quantity per key for the results as ``name`` with dims (``dim``,)."""
        if name in self.annual:
            raise ValueError(f"annual output {name!r} registered twice")
        self.annual[name] = Annual(dim, list(keys), list(exprs), unit, long_name)

    def add_scalar(self, name: str, expr: Any, unit: str, long_name: str) -> None:
        """Register an annual quantity for the results as the scalar variable ``name``."""
        if name in self.scalars:
            raise ValueError(f"scalar {name!r} registered twice")
        self.scalars[name] = Scalar(expr, unit, long_name)

    def add_fuel(self, carrier: str, label: str, tce: Any, hourly: list[BalanceEntry] | None = None) -> None:
        """Add fuel burnt (tce/yr) of ``carrier`` by ``label`` (fuel supply limits sum these); ``hourly``: the
        same fuel in each step as ``(tce/MWh, var, key)`` entries on MW variables (the results' fuel by hour)."""
        self.fuel_tce.setdefault(carrier, []).append((label, tce))
        self.fuel_hourly.setdefault(carrier, []).extend(hourly or [])

    def add_cost(self, component: str, technology: str, expr: Any) -> None:
        self.costs.append(CostTerm(component, technology, expr))

    def add_emission(self, technology: str, expr: Any, *, power: bool = False) -> None:
        """Add annual tCO2 of a technology (a CHP unit registers its power and its heat part);
        ``power``: the fuel of electricity (delivered or imported), not of heat."""
        self.emissions[technology] = expr if technology not in self.emissions else self.emissions[technology] + expr
        if power:
            prev = self.power_emissions.get(technology)
            self.power_emissions[technology] = expr if prev is None else prev + expr

    def add_account(self, account: str, label: str, expr: Any) -> None:
        self.accounts[account].append((label, expr))

    def add_policy(
        self,
        m: pyo.ConcreteModel,
        name: str,
        lhs: Any,
        sense: str,
        rhs: float,
        *,
        unit: str,
        description: str,
        target: str | None = None,
        scale: float = 1.0,
        rhs_expr: Any = None,
        enforce: bool = True,
        by_construction: str = "",
    ) -> PolicyRow:
        """Add a policy constraint ``lhs (sense) rhs`` as ``m.policy_<name>``.

        In elastic mode (infeasibility diagnosis) the constraint gets non-negative slacks; the diagnosis
        (:func:`optimizer.run.diagnose_infeasibility`) minimises their normalised sum, so the re-solve finds
        the smallest relaxation.
        ``rhs_expr`` replaces the constant right-hand side by an expression (shares).
        ``enforce=False`` states the row but deactivates it: the solver never sees it, the results
        evaluate it (a plan target checked, not imposed, whose verdict can be "not met").
        ``by_construction`` says why the row cannot fail whatever the optimum (shown with the verdict).
        """
        right = rhs if rhs_expr is None else rhs_expr
        up = down = None
        body = lhs
        if self.elastic and enforce and not by_construction:
            up = pyo.Var(within=pyo.NonNegativeReals, doc=f"relaxation of {name} upwards ({unit})")
            down = pyo.Var(within=pyo.NonNegativeReals, doc=f"relaxation of {name} downwards ({unit})")
            m.add_component(f"slack_up_{name}", up)
            m.add_component(f"slack_down_{name}", down)
            body = lhs - up + down
        if sense == "<=":
            con = pyo.Constraint(expr=body <= right, doc=description)
        elif sense == ">=":
            con = pyo.Constraint(expr=body >= right, doc=description)
        elif sense == "==":
            con = pyo.Constraint(expr=body == right, doc=description)
        else:  # pragma: no cover - guarded by the config schema
            raise ValueError(sense)
        m.add_component(f"policy_{name}", con)
        if not enforce:
            con.deactivate()
        row = PolicyRow(name, con, sense, rhs, unit, target, description, up, down, max(abs(scale), 1e-9),
                        lhs if rhs_expr is None else None, enforce, by_construction)
        if name in self.policies:
            raise ValueError(f"policy {name!r} registered twice")
        self.policies[name] = row
        return row
