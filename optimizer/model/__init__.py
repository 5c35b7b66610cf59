"""The Pyomo model, one module per constraint family.

``build_model`` calls the modules in a fixed, visible order. Each module's ``add(m, inputs,
config, registry)`` declares its own variables and constraints and registers its terms in the
shared :class:`~optimizer.model.registry.Registry`; ``balance`` and ``objective`` come last and only
sum what was registered.
"""

from __future__ import annotations

from types import ModuleType

import pyomo.core as pyo

from optimizer.config import Config
from optimizer.gc_pause import gc_paused
from optimizer.inputs import Inputs
from optimizer.model import (
    balance,
    capacity,
    carbon,
    commitment,
    demand_response,
    dispatch,
    gas_supply,
    heat,
    imports,
    objective,
    operating_reserve,
    reserve,
    retrofit,
    sets,
    shares,
    storage,
    targets,
    transmission,
    unserved,
)
from optimizer.model.registry import Registry

#: constraint families in build order (sets come first, see ``build_model``)
FAMILIES: tuple[ModuleType, ...] = (
    capacity,
    dispatch,
    heat,
    commitment,
    retrofit,
    storage,
    imports,
    transmission,
    demand_response,
    unserved,
    operating_reserve,
    reserve,
    targets,
    shares,
    carbon,
    gas_supply,
    balance,
    objective,
)


def build_model(inputs: Inputs, config: Config, *, elastic: bool = False) -> pyo.ConcreteModel:
    """Build the LP for ``inputs`` and ``config``; ``elastic`` adds penalised policy slacks."""
    return build_into(pyo.ConcreteModel(name=config.name), inputs, config, elastic=elastic)


def build_into(b: pyo.Block, inputs: Inputs, config: Config, *, elastic: bool = False,
               capex_external: bool = False) -> pyo.Block:
    """Build one year's model on a model or block ``b`` (a pathway builds one block per period)."""
    # the build makes about a million small objects that reference each other; Python's cyclic
    # garbage collector would scan them again and again while they are made (about 40 % of the build
    # time), and none of them is garbage. Pyomo's writers pause it the same way (see optimizer.gc_pause).
    with gc_paused():
        b.registry = Registry(elastic=elastic, capex_external=capex_external)
        sets.add(b, inputs)
        for family in FAMILIES:
            family.add(b, inputs, config, b.registry)
    return b


__all__ = ["FAMILIES", "Registry", "build_into", "build_model"]


class _DropSparseIteritems:
    """Pyomo 6.10 templating calls its own deprecated ``sparse_iteritems``; the warning is noise."""

    def filter(self, record: object) -> bool:
        return "sparse_iteritems" not in str(getattr(record, "msg", ""))


for _name in ("pyomo.core.base.param", "pyomo.core"):
    _logger = __import__("logging").getLogger(_name)
    if not any(isinstance(f, _DropSparseIteritems) for f in _logger.filters):
        _logger.addFilter(_DropSparseIteritems())
