r"""Import corridors: capacity, hourly availability, annual energy limits, price and emissions.

.. math::

    0 \le y_{i,t} \le a_{i,t}\, \bar P_i \qquad \forall i, t

    \underline{Y}_i \le \sum_t w_t\, y_{i,t} \le \overline{Y}_i \qquad \forall i

    C^{import} = \sum_{i,t} w_t\, \pi_i\, y_{i,t}, \qquad
    e_i = \sum_t w_t\, \epsilon_i\, y_{i,t} \quad (\text{if import emissions are counted})

Energy accounts: on the electricity basis a corridor adds :math:`Y_i=\sum_t w_t y_{i,t}` (MWh) to
``total``, :math:`\phi^{nf}_i Y_i` to ``nonfossil`` and :math:`\phi^{coal}_i Y_i` to ``coal``; on
the energy basis the same quantities times the electricity conversion factor (tce/MWh), the coal
part only if ``count_imported_coal_power_as_coal`` is set.

=======================  ===========================  ============================================
Symbol                   Pyomo                        Meaning (unit)
=======================  ===========================  ============================================
:math:`y_{i,t}`          ``m.imp[i, t]``              power received through corridor *i* (MW)
:math:`\bar P_i`         ``m.cap_mw[i]``              corridor capacity (MW)
:math:`a_{i,t}`          ``availability`` / profile   available fraction of capacity (-)
:math:`\underline{Y}_i, \overline{Y}_i`  ``m.import_energy_min/max[i]``  annual energy limits (MWh/yr)
:math:`\pi_i`            ``price_cny_per_mwh``        delivered price (CNY/MWh)
:math:`\epsilon_i`       ``co2_t_per_mwh``            emission factor (tCO2/MWh)
:math:`\phi^{nf}_i, \phi^{coal}_i`  ``nonfossil_fraction, coal_fraction``  shares of the energy (-)
=======================  ===========================  ============================================
"""

from __future__ import annotations

import math

import pyomo.core as pyo

from optimizer.config import Config
from optimizer.inputs import Inputs
from optimizer.model.capacity import is_fixed, total_mw
from optimizer.model.dispatch import availability, electricity_tce_per_mwh
from optimizer.model.registry import Registry
from optimizer.model.sets import hourly_param, in_zone, templated, weighted_sum


def add(m: pyo.ConcreteModel, inp: Inputs, cfg: Config, reg: Registry) -> None:
    t = inp.techs
    avail = {i: availability(inp, i) for i in m.I}

    upper = {c: (avail[c] * float(t.at[c, "existing_mw"])).tolist() for c in m.I if is_fixed(inp, c)}

    def bounds(_m: pyo.ConcreteModel, c: str, j: int) -> tuple[float, float | None]:
        return (0.0, upper[c][j]) if c in upper else (0.0, None)

    m.imp = pyo.Var(m.I, m.T, bounds=bounds, doc="power received through an import corridor (MW)")
    ext = [c for c in m.I if not is_fixed(inp, c)]
    m.I_ext = pyo.Set(initialize=ext, ordered=True, dimen=1, doc="corridors whose capacity is a decision")
    hourly_param(m, "imp_avail", (m.I_ext, m.T), {(c, j): float(v) for c in ext for j, v in enumerate(avail[c])},
                 doc="available fraction of corridor capacity (-)")
    with templated():
        m.imp_max = pyo.Constraint(
            m.I_ext, m.T, rule=lambda _m, c, j: _m.imp[c, j] <= _m.imp_avail[c, j] * total_mw(_m, c),
            doc="imports at most available corridor capacity (MW)")
    w = [float(x) for x in inp.weight_h]
    m.import_mwh = pyo.Expression(m.I, rule=lambda _m, c: weighted_sum(w, [_m.imp[c, j] for j in _m.T]),
                                  doc="annual energy imported (MWh/yr)")

    def e_max(_m: pyo.ConcreteModel, c: str) -> object:
        v = t.at[c, "annual_energy_max_mwh"]
        return pyo.Constraint.Skip if math.isinf(v) else _m.import_mwh[c] <= v

    def e_min(_m: pyo.ConcreteModel, c: str) -> object:
        v = t.at[c, "annual_energy_min_mwh"]
        return pyo.Constraint.Skip if v <= 0 else _m.import_mwh[c] >= v

    m.import_energy_max = pyo.Constraint(m.I, rule=e_max, doc="annual corridor energy limit (MWh/yr)")
    m.import_energy_min = pyo.Constraint(m.I, rule=e_min, doc="annual contracted corridor energy (MWh/yr)")

    conv = electricity_tce_per_mwh(cfg)
    electricity = cfg.policy.share_basis == "electricity"
    for c in m.I:
        energy = m.import_mwh[c]
        if t.at[c, "price_cny_per_mwh"] > 0:
            reg.add_cost("import", c, t.at[c, "price_cny_per_mwh"] * energy)
        ef = t.at[c, "co2_t_per_mwh"] if cfg.policy.include_import_emissions else 0.0
        reg.add_emission(c, ef * energy)
        nf, coal = t.at[c, "nonfossil_fraction"], t.at[c, "coal_fraction"]
        factor = 1.0 if electricity else conv
        reg.add_account("total", c, factor * energy)
        if nf > 0:
            reg.add_account("nonfossil", c, factor * nf * energy)
        if coal > 0 and (electricity or cfg.policy.energy_accounting.count_imported_coal_power_as_coal):
            reg.add_account("coal", c, factor * coal * energy)
    by_zone = {z: in_zone(inp, list(m.I), z) for z in m.Z}
    reg.add_balance("imports", lambda z: [(1.0, m.imp, c) for c in by_zone[z]])
