r"""Unserved energy: load shedding at the value of lost load (switchable off).

.. math::

    0 \le u_{z,t} \le D_{z,t}, \qquad C^{unserved} = \sum_{z,t} w_t\, \nu\, u_{z,t}

=====================  =========================  ================================================
Symbol                 Pyomo                      Meaning (unit)
=====================  =========================  ================================================
:math:`u_{z,t}`        ``m.unserved[z, t]``       load not served (MW)
:math:`D_{z,t}`        ``inputs.load_mw``         load (MW)
:math:`\nu`            ``voll_cny_per_mwh``       value of lost load (CNY/MWh)
=====================  =========================  ================================================
"""

from __future__ import annotations

import pyomo.core as pyo

from optimizer.config import Config
from optimizer.inputs import Inputs
from optimizer.model.registry import Registry
from optimizer.model.sets import weighted_sum


def add(m: pyo.ConcreteModel, inp: Inputs, cfg: Config, reg: Registry) -> None:
    if not cfg.economics.allow_unserved:
        return
    load = {z: inp.load_mw[z].to_numpy() for z in inp.zones}
    m.unserved = pyo.Var(m.Z, m.T, bounds=lambda _m, z, i: (0.0, float(load[z][i])),
                         doc="unserved load (MW)")
    w = [float(x) for x in inp.weight_h]
    m.unserved_mwh = pyo.Expression(
        expr=weighted_sum(w * len(m.Z), [m.unserved[z, i] for z in m.Z for i in m.T]),
        doc="annual unserved energy (MWh/yr)")
    reg.add_cost("unserved", "unserved", cfg.economics.voll_cny_per_mwh * m.unserved_mwh)
    reg.add_balance("unserved", lambda z: [(1.0, m.unserved, z)])
    reg.add_output("unserved_mw", m.unserved, list(m.Z), "zone", "MW", "unserved load")
