"""The Pyomo model, one module per constraint family.

``build_model`` calls the modules in a fixed, visible order. Each module's ``add(m, inputs,
config, registry)`` declares its own variables and constraints and registers its terms in the
shared :class:`~optimizer.model.registry.Registry`; ``balance`` and ``objective`` come last and only
sum what was registered.
"""

from __future__ import annotations

from types import ModuleType

import pyomo.environ as pyo

from optimizer.config import Config
from optimizer.inputs import Inputs
from optimizer.model import (
    balance,
    capacity,
    carbon,
    dispatch,
    imports,
    objective,
    reserve,
    sets,
    shares,
    storage,
    targets,
    unserved,
)
from optimizer.model.registry import Registry

#: constraint families in build order (sets come first, see ``build_model``)
FAMILIES: tuple[ModuleType, ...] = (
    capacity,
    dispatch,
    storage,
    imports,
    unserved,
    reserve,
    targets,
    shares,
    carbon,
    balance,
    objective,
)


def build_model(inputs: Inputs, config: Config, *, elastic: bool = False) -> pyo.ConcreteModel:
    """Build the LP for ``inputs`` and ``config``; ``elastic`` adds penalised policy slacks."""
    m = pyo.ConcreteModel(name=config.name)
    m.registry = Registry(elastic=elastic)
    sets.add(m, inputs)
    for family in FAMILIES:
        family.add(m, inputs, config, m.registry)
    return m


__all__ = ["FAMILIES", "Registry", "build_model"]
