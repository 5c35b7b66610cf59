r"""Sets and time weights shared by every constraint family.

=====================  =========================  ===============================================
Symbol                 Pyomo                      Meaning
=====================  =========================  ===============================================
:math:`t \in T`        ``m.T``                    time steps (hour-beginning, local time)
:math:`z \in Z`        ``m.Z``                    zones (one, ``suzhou``, for now)
:math:`g \in G`        ``m.G``                    generators (coal, gas, PV, wind, biomass)
:math:`s \in S`        ``m.S``                    storage (battery)
:math:`i \in I`        ``m.I``                    import corridors
:math:`k \in K`        ``m.K``                    all technologies, :math:`K = G \cup S \cup I`
:math:`\Delta_t`       ``m.step_h[t]``            duration of step *t* (h)
:math:`w_t`            ``m.weight_h[t]``          hours of the year that step *t* stands for (h)
=====================  =========================  ===============================================
"""

from __future__ import annotations

import pyomo.environ as pyo

from optimizer.inputs import Inputs


def add(m: pyo.ConcreteModel, inp: Inputs) -> None:
    """Declare the sets and time parameters on ``m``."""
    n = len(inp.time)
    m.T = pyo.RangeSet(0, n - 1, doc="time steps")
    m.Z = pyo.Set(initialize=list(inp.zones), ordered=True, doc="zones")
    m.G = pyo.Set(initialize=inp.of_kind("generator"), ordered=True, doc="generators")
    m.S = pyo.Set(initialize=inp.of_kind("storage"), ordered=True, doc="storage technologies")
    m.I = pyo.Set(initialize=inp.of_kind("import"), ordered=True, doc="import corridors")
    m.K = pyo.Set(initialize=list(inp.techs.index), ordered=True, doc="all technologies")
    m.step_h = pyo.Param(m.T, initialize=dict(enumerate(inp.step_h.tolist())),
                         doc="duration of each step (h)")
    m.weight_h = pyo.Param(m.T, initialize=dict(enumerate(inp.weight_h.tolist())),
                           doc="hours of the year each step stands for (h)")


def in_zone(inp: Inputs, techs: list[str], zone: str) -> list[str]:
    """The technologies of ``techs`` located in ``zone``."""
    return [k for k in techs if inp.techs.at[k, "zone"] == zone]
