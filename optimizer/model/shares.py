r"""Policy shares: coal share at most, non-fossil share at least, on a configurable basis.

.. math::

    A^{coal} \le \bar s^{coal}\, A^{total}, \qquad A^{nf} \ge \underline{s}^{nf}\, A^{total}

    A^{x} = A^{x}_{0} + \sum_{k} a^{x}_k \qquad x \in \{coal, nf, total\}

Each :math:`a^x_k` is registered by the module of technology *k* (see
:mod:`optimizer.model.dispatch` and :mod:`optimizer.model.imports`).

*Electricity basis* (``share_basis: electricity``): accounts in MWh/yr of electricity supplied
(local generation plus imports); :math:`A^x_0 = 0`.

*Energy basis* (``share_basis: energy``, the plan's own basis): accounts in tce/yr of the city's
total energy consumption. :math:`A^x_0` is the exogenous energy use outside the power sector by
fuel (config ``non_power_tce``); local fossil plants add their fuel (tce), local non-fossil
generation and imported electricity add their MWh times the conversion factor :math:`\chi`
(``coal_equivalent``, 发电煤耗法, the year's thermal heat rate, default; or ``calorific``,
电热当量法, 0.1229 kgce/kWh).

=======================  ==================================  ========================================
Symbol                   Pyomo                               Meaning (unit)
=======================  ==================================  ========================================
:math:`A^{x}`            ``m.account_coal/_nonfossil/_total`` account totals (MWh/yr or tce/yr)
:math:`A^{x}_0`          ``non_power_tce``                   energy use outside the power sector (tce/yr)
:math:`\bar s^{coal}`    ``m.policy_coal_share``             coal share limit (-)
:math:`\underline{s}^{nf}` ``m.policy_nonfossil_share``      non-fossil share floor (-)
:math:`\chi`             ``electricity_conversion``          tce per MWh of electricity
=======================  ==================================  ========================================
"""

from __future__ import annotations

import pyomo.core as pyo

from optimizer.config import Config
from optimizer.inputs import Inputs, resolve_target
from optimizer.model.dispatch import electricity_tce_per_mwh
from optimizer.model.registry import Registry


def exogenous_tce(cfg: Config) -> dict[str, float]:
    """Energy use outside the power sector added to each account (tce/yr; zero on electricity basis)."""
    if cfg.policy.share_basis != "energy":
        return {"coal": 0.0, "nonfossil": 0.0, "total": 0.0}
    npw = cfg.policy.energy_accounting.non_power_tce
    return {"coal": npw.get("coal", 0.0), "nonfossil": npw.get("nonfossil", 0.0),
            "total": float(sum(npw.values()))}


def add(m: pyo.ConcreteModel, inp: Inputs, cfg: Config, reg: Registry) -> None:
    energy = cfg.policy.share_basis == "energy"
    reg.account_unit = "tce/yr" if energy else "MWh/yr"
    exo = exogenous_tce(cfg)
    for acc in ("coal", "nonfossil", "total"):
        expr = exo[acc] + pyo.quicksum(e for _, e in reg.accounts[acc])
        m.add_component(f"account_{acc}", pyo.Expression(
            expr=expr, doc=f"{acc} account of the share policies ({reg.account_unit})"))
    annual_load = float((inp.load_mw.sum(axis=1).to_numpy() * inp.weight_h).sum())
    scale = annual_load * (electricity_tce_per_mwh(cfg) if energy else 1.0) + exo["total"]

    coal = resolve_target(cfg.policy.coal_share_max, inp.targets, unit="per-unit", field="policy.coal_share_max")
    if coal is not None:
        _check_share(coal, "policy.coal_share_max")
        reg.add_policy(m, "coal_share", m.account_coal - coal * m.account_total, "<=", coal,
                       rhs_expr=0.0, unit="per-unit",
                       description=f"coal share of {'energy' if energy else 'electricity'} at most {coal:.1%}",
                       target=cfg.policy.coal_share_max.target, scale=scale)
    nf = resolve_target(cfg.policy.nonfossil_share_min, inp.targets, unit="per-unit",
                        field="policy.nonfossil_share_min")
    if nf is not None:
        _check_share(nf, "policy.nonfossil_share_min")
        reg.add_policy(m, "nonfossil_share", m.account_nonfossil - nf * m.account_total, ">=", nf,
                       rhs_expr=0.0, unit="per-unit",
                       description=f"non-fossil share of {'energy' if energy else 'electricity'} at least {nf:.1%}",
                       target=cfg.policy.nonfossil_share_min.target, scale=scale)


def _check_share(value: float, field: str) -> None:
    from optimizer.errors import InputError

    if not 0.0 <= value <= 1.0:
        raise InputError(f"share must lie in [0, 1], got {value}", source="config", field=field)
