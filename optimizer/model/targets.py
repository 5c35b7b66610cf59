r"""The plan's capacity targets as configurable bounds on groups of technologies.

.. math::

    \sum_{k \in K_n} \bar P_k \;\{\ge, \le\}\; \tau_n
    \qquad\text{or, for the plan's "about" targets,}\qquad
    (1-\delta_n)\,\tau_n \le \sum_{k \in K_n} \bar P_k \le (1+\delta_n)\,\tau_n

A target may count energy capacity :math:`\bar E_s` (MWh) instead of power, or only new capacity
:math:`P^{new}_k`. The dual of each row is the cost of the target per MW (CNY/MW/yr).

=====================  ==============================  ============================================
Symbol                 Pyomo                           Meaning (unit)
=====================  ==============================  ============================================
:math:`K_n`            ``capacity_targets[n].technologies``  technologies counted by target *n*
:math:`\tau_n`         ``m.policy_cap_<n>``            target value (MW or MWh), from seeds/targets.yaml
:math:`\delta_n`       ``tolerance``                   relative band of an "about" target (-)
=====================  ==============================  ============================================
"""

from __future__ import annotations

import pyomo.core as pyo

from optimizer.config import Config
from optimizer.errors import InputError
from optimizer.inputs import Inputs, resolve_target
from optimizer.model.registry import Registry


def add(m: pyo.ConcreteModel, inp: Inputs, cfg: Config, reg: Registry) -> None:
    for n, tgt in enumerate(cfg.policy.capacity_targets):
        field = f"policy.capacity_targets.{n}"
        unit = "MWh" if tgt.measure == "energy" else "MW"
        value = resolve_target(tgt, inp.targets, unit=unit, field=field)
        if value is None:
            continue
        if value < 0:
            raise InputError("target value must not be negative", source="config", field=f"{field}.value")
        source = (reg.new_mwh if tgt.new_only else reg.capacity_mwh) if tgt.measure == "energy" else (
            reg.new_mw if tgt.new_only else reg.capacity_mw)
        missing = [k for k in tgt.technologies if k not in source]
        if missing:
            kind = "storage technology" if tgt.measure == "energy" else "technology"
            raise InputError(f"unknown {kind} {missing[0]!r}", source="config", field=f"{field}.technologies")
        lhs = pyo.quicksum(source[k] for k in tgt.technologies)
        desc = f"capacity target {tgt.name}: {'+'.join(tgt.technologies)} {tgt.sense} {value:g} {unit}"
        scale = max(value, 1.0)
        if tgt.sense == "==" and tgt.tolerance > 0:
            reg.add_policy(m, f"cap_{tgt.name}_min", lhs, ">=", value * (1 - tgt.tolerance), unit=unit,
                           description=desc + f" (-{tgt.tolerance:.0%})", target=tgt.target, scale=scale)
            reg.add_policy(m, f"cap_{tgt.name}_max", lhs, "<=", value * (1 + tgt.tolerance), unit=unit,
                           description=desc + f" (+{tgt.tolerance:.0%})", target=tgt.target, scale=scale)
        else:
            reg.add_policy(m, f"cap_{tgt.name}", lhs, tgt.sense, value, unit=unit, description=desc,
                           target=tgt.target, scale=scale)
