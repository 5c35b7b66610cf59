r"""Policy shares: coal share at most, non-fossil share at least, on a configurable basis.

.. math::

    A^{coal} \le \bar s^{coal}\, A^{total}, \qquad A^{nf} \ge \underline{s}^{nf}\, A^{total},
    \qquad A^{clean} \ge \underline{s}^{clean} \sum_t w_t \sum_z L_{z,t}

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
电热当量法, 0.1229 kgce/kWh). Electrification loads (``demand.additions``) take the fuel they
displace out of :math:`A^x_0`.

*Clean electricity* (清洁电量占比, always in MWh): :math:`A^{clean}` is the non-fossil electricity
supplied, local renewables plus the non-fossil part of each corridor's imports, over the annual load
(the electricity the city consumes).

=======================  ==================================  ========================================
Symbol                   Pyomo                               Meaning (unit)
=======================  ==================================  ========================================
:math:`A^{x}`            ``m.account_coal/_nonfossil/_total`` account totals (MWh/yr or tce/yr)
:math:`A^{x}_0`          ``non_power_tce``                   energy use outside the power sector (tce/yr)
:math:`\bar s^{coal}`    ``m.policy_coal_share``             coal share limit (-)
:math:`\underline{s}^{nf}` ``m.policy_nonfossil_share``      non-fossil share floor (-)
:math:`A^{clean}`        ``m.account_clean_electricity``     non-fossil electricity supplied (MWh/yr)
:math:`\underline{s}^{clean}` ``m.policy_clean_electricity_share`` clean electricity share floor (-)
:math:`L_{z,t}`          ``load_mw``                         load incl. electrification (MW)
:math:`\chi`             ``electricity_conversion``          tce per MWh of electricity
=======================  ==================================  ========================================
"""

from __future__ import annotations

import pyomo.core as pyo

from optimizer.config import Config
from optimizer.inputs import Inputs, resolve_target
from optimizer.model.dispatch import electricity_tce_per_mwh
from optimizer.model.registry import Registry


def non_power_tce(cfg: Config) -> dict[str, float]:
    """Energy use outside the power sector by fuel (tce/yr), less what electrification loads displace."""
    npw = dict(cfg.policy.energy_accounting.non_power_tce)
    for a in cfg.demand.additions:
        for fuel, tce in a.displaces_tce.items():
            npw[fuel] = max(0.0, npw.get(fuel, 0.0) - tce)
    return npw


def exogenous_tce(cfg: Config) -> dict[str, float]:
    """Energy use outside the power sector added to each account (tce/yr; zero on electricity basis)."""
    if cfg.policy.share_basis != "energy":
        return {"coal": 0.0, "nonfossil": 0.0, "total": 0.0, "clean_electricity": 0.0}
    npw = non_power_tce(cfg)
    return {"coal": npw.get("coal", 0.0), "nonfossil": npw.get("nonfossil", 0.0),
            "total": float(sum(npw.values())), "clean_electricity": 0.0}


def add(m: pyo.ConcreteModel, inp: Inputs, cfg: Config, reg: Registry) -> None:
    energy = cfg.policy.share_basis == "energy"
    reg.account_unit = "tce/yr" if energy else "MWh/yr"
    exo = exogenous_tce(cfg)
    for acc in ("coal", "nonfossil", "total", "clean_electricity"):
        expr = exo[acc] + pyo.quicksum(e for _, e in reg.accounts[acc])
        unit = "MWh/yr" if acc == "clean_electricity" else reg.account_unit
        m.add_component(f"account_{acc}", pyo.Expression(
            expr=expr, doc=f"{acc} account of the share policies ({unit})"))
    annual_load = float((inp.load_mw.sum(axis=1).to_numpy() * inp.weight_h).sum())
    m.annual_load_mwh = pyo.Expression(expr=annual_load, doc="annual load incl. electrification (MWh/yr)")
    scale = annual_load * (electricity_tce_per_mwh(cfg) if energy else 1.0) + exo["total"]

    coal = resolve_target(cfg.policy.coal_share_max, inp.targets, unit="per-unit", field="policy.coal_share_max")
    if coal is not None:
        _check_share(coal, "policy.coal_share_max")
        reg.add_policy(m, "coal_share", m.account_coal - coal * m.account_total, "<=", coal,
                       rhs_expr=0.0, unit="per-unit",
                       description=f"coal share of {'energy' if energy else 'electricity'} at most {coal:.1%}",
                       target=cfg.policy.coal_share_max.target, scale=scale,
                       enforce=cfg.policy.coal_share_max.enforce)
    nf = resolve_target(cfg.policy.nonfossil_share_min, inp.targets, unit="per-unit",
                        field="policy.nonfossil_share_min")
    if nf is not None:
        _check_share(nf, "policy.nonfossil_share_min")
        reg.add_policy(m, "nonfossil_share", m.account_nonfossil - nf * m.account_total, ">=", nf,
                       rhs_expr=0.0, unit="per-unit",
                       description=f"non-fossil share of {'energy' if energy else 'electricity'} at least {nf:.1%}",
                       target=cfg.policy.nonfossil_share_min.target, scale=scale,
                       enforce=cfg.policy.nonfossil_share_min.enforce)
    ref = cfg.policy.clean_electricity_share_min
    clean = resolve_target(ref, inp.targets, unit="per-unit", field="policy.clean_electricity_share_min")
    if clean is not None:
        _check_share(clean, "policy.clean_electricity_share_min")
        reg.add_policy(m, "clean_electricity_share", m.account_clean_electricity - clean * annual_load, ">=",
                       clean, rhs_expr=0.0, unit="per-unit",
                       description=f"non-fossil (clean) electricity at least {clean:.1%} of load",
                       target=ref.target, scale=max(annual_load, 1.0), enforce=ref.enforce)
    reg.add_scalar("clean_electricity_share", m.account_clean_electricity / max(annual_load, 1e-9), "1",
                   "non-fossil electricity supplied (local and imported) over annual load: 清洁电量占比")


def _check_share(value: float, field: str) -> None:
    from optimizer.errors import InputError

    if not 0.0 <= value <= 1.0:
        raise InputError(f"share must lie in [0, 1], got {value}", source="config", field=field)
