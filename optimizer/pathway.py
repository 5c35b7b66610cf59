r"""The carbon-peak pathway: several periods (e.g. 2025, 2030, 2035) in one plan.

Each period is a full single-year model (its own load, profiles, costs and policy targets, from the
period's config) built as a block; the pathway links them:

.. math::

    \bar P_{p,k} = P^0_{p,k} + \sum_{p' \le p,\ y_p < y_{p'} + L_k} B_{p',k} - R_{p,k}

    \min \sum_p W_p\, C^{op}_p
         + \sum_{p,k} B_{p,k}\, \mathrm{CRF}(r, L_k)\, c_k \sum_{p' \ge p \text{ alive}} W_{p'}
         + \sum_{p,k} D_p\, \sigma_k\, N_{p,k}

    W_p = \sum_{y \in \text{years of } p} (1+r)^{-(y - y_0)}, \qquad D_p = (1+r)^{-(y_p - y_0)}

    E_p \le (1-d)^{y_p - y_{p^*}}\, \hat E_{p^*} \quad \forall p \ge p^* \ \text{(the peak)}, \qquad
    \sum_p n_p E_p \le \overline{E}^{cum}

    B_{p,k} \le \beta_k\,(y_p - y_{p-1}), \qquad
    \frac{A^{clean}_p}{L_p} \ge \frac{A^{clean}_{p-1}}{L_{p-1}}, \qquad
    \frac{A^{nf}_p}{T_p} \ge \frac{A^{nf}_{p-1}}{T_{p-1}}

:math:`P^0_{p,k}` is the existing fleet after its retirement schedule; :math:`B_{p,k}` is built in
period *p* and stays until its lifetime ends; :math:`R_{p,k}` is capacity retired early (only
``retirable`` technologies, cumulative, never un-retired), :math:`N_{p,k} \ge R_{p,k} - R_{p-1,k}`
the newly retired capacity that pays its stranded cost :math:`\sigma_k` once. :math:`E_p` counts the
city's CO2 (``peak_scope: city``) or the power sector's; :math:`\hat E_{p^*}` is the peak year's
emissions in the pathway cut at the peak (:func:`peak_reference`: one LP would raise the peak year's
emissions to loosen every later cap), :math:`d` the post-peak decline. :math:`\beta_k` is the build
rate (``max_build_mw_per_yr``); the shares that may not fall (持续提升, 逐步提升) are stated with data as
denominators: the load :math:`L_p`, and for the non-fossil share a reference total :math:`T_p` (energy
outside the power sector + the load at the conversion factor). :math:`C^{op}_p` is
the period block's annual cost without investment (fixed and variable O&M, fuel, imports, carbon
price, unserved energy); each representative year stands for :math:`n_p` years, discounted to the
base year :math:`y_0`. Investment is paid as annuities while the plant is alive within the horizon.

Two ways to solve: ``perfect`` foresight (one LP over all periods) and ``myopic`` (period by
period, each period's single-year model with the capacity built so far carried forward as existing),
so users can see the cost of foresight; both are evaluated with the same discounted cost formula.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import time
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
import pyomo.core as pyo
import xarray as xr
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from optimizer.checks import check_results
from optimizer.config import Config, default_results_root, format_validation_error, load_config, read_yaml
from optimizer.errors import InfeasibleError, InputError, SolverError, SolverLimitError
from optimizer.inputs import Inputs, load_inputs
from optimizer.model import build_into
from optimizer.model.capacity import KW_PER_MW, crf
from optimizer.model.dispatch import electricity_tce_per_mwh
from optimizer.model.shares import exogenous_tce
from optimizer.outputs import mark_stale_report, output_lock, writing
from optimizer.results import display_coords, extract, write_results
from optimizer.solve import SolveResult, not_optimal_message, solve_model

log = logging.getLogger("optimizer")


class PathwaySettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    periods: list[int] = Field(min_length=1, description="representative years, ascending")
    period_config: dict[int, str] | str = Field(
        description="each period's single-year config: a mapping year -> file, or a pattern with {year}")
    period_overrides: dict[int, list[str]] = Field(default_factory=dict,
                                                   description="--set style overrides per period")
    base_year: int | None = Field(default=None, description="discounting base year (default: first period)")
    discount_rate: Annotated[float, Field(ge=0, le=1)] = 0.08
    years_per_period: list[int] | None = Field(
        default=None, description="years each period stands for (default: gaps between periods; last = previous gap)")
    foresight: Literal["perfect", "myopic"] = "perfect"
    peak_year: int | None = Field(
        default=None, description="emissions after this period at most this period's (default 2030 if modelled)")
    co2_budget_t: Annotated[float, Field(gt=0)] | None = Field(
        default=None, description="cumulative CO2 over all represented years (tCO2)")
    retirements_mw: dict[str, dict[int, Annotated[float, Field(ge=0)]]] = Field(
        default_factory=dict, description="technology -> period -> existing MW retired by then (cumulative)")
    stranded_cost_cny_per_kw: dict[str, Annotated[float, Field(ge=0)]] = Field(
        default_factory=dict, description="one-off cost of retiring a kW early (undepreciated value)")
    peak_scope: Literal["city", "power"] = Field(
        default="city", description="what peaks: 'city' = city-wide CO2 (power and steam supply plus the fuels "
        "burnt outside the power sector, the plan's 碳达峰 scope); 'power' = power and steam supply only")
    post_peak_decline_per_yr: Annotated[float, Field(ge=0, lt=1)] = Field(
        default=0.0, description="after the peak year, emissions at most the peak's times (1 - this)^(years since "
        "the peak): 0 = a plateau at most the peak")
    non_decreasing: dict[Literal["nonfossil_share", "clean_electricity_share"], str | None] = Field(
        default_factory=dict, description="shares that may not fall from one period to the next (the plan's "
        "持续提升 / 逐步提升), each with the id of the target in seeds/targets.yaml it reads (or null)")
    peak_reference: Literal["free", "endogenous"] = Field(
        default="free", description="the level later periods are held to: 'free' = the peak year's emissions "
        "in the pathway cut at the peak year (a first solve: the peak year cannot raise its own emissions to "
        "loosen the later caps); 'endogenous' = the peak year's emissions in the one LP (which can game them)")
    first_period_build_years: Annotated[float, Field(gt=0)] = Field(
        default=1.0, description="years of building before the first period, for the build-rate limits "
        "(max_build_mw_per_yr of the technology table)")

    @model_validator(mode="before")
    @classmethod
    def _default_peak(cls, data: Any) -> Any:
        # the plan: emissions peak before 2030, so by default 2030 is the peak period when modelled
        if isinstance(data, dict) and "peak_year" not in data and 2030 in (data.get("periods") or []):
            data = {**data, "peak_year": 2030}
        return data

    @model_validator(mode="after")
    def _check(self) -> PathwaySettings:
        if self.periods != sorted(set(self.periods)):
            raise ValueError("periods must be distinct and ascending")
        if self.years_per_period is not None and len(self.years_per_period) != len(self.periods):
            raise ValueError("years_per_period needs one entry per period")
        if self.peak_year is not None and self.peak_year not in self.periods:
            raise ValueError(f"peak_year {self.peak_year} is not one of the periods")
        if isinstance(self.period_config, dict) and set(self.period_config) != set(self.periods):
            raise ValueError("period_config must name a config for every period")
        return self


class PathwayConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
    description: str = ""
    pathway: PathwaySettings
    output_dir: str | None = None


def is_pathway_file(path: str | Path) -> bool:
    """True when a YAML file is a pathway config (has a top-level ``pathway`` key)."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return False
    return isinstance(data, dict) and "pathway" in data


@dataclasses.dataclass
class Pathway:
    config: PathwayConfig
    path: Path
    periods: list[int]
    configs: dict[int, Config]
    inputs: dict[int, Inputs]
    years: dict[int, int]  # years each period stands for
    weight: dict[int, float]  # discounted years W_p
    discount: dict[int, float]  # D_p at the period's first year
    out_dir: Path


def load_pathway(path: str | Path, overrides: list[str] | None = None) -> Pathway:
    """Read a pathway config and every period's config and inputs."""
    p = Path(path)
    if not p.is_file():
        raise InputError("config file not found", source=str(p))
    raw = read_yaml(p)
    try:
        cfg = PathwayConfig.model_validate(raw)
    except ValidationError as err:
        raise InputError(format_validation_error(err), source=str(p)) from None
    s = cfg.pathway
    base = p.resolve().parent
    configs: dict[int, Config] = {}
    inputs: dict[int, Inputs] = {}
    for year in s.periods:
        name = s.period_config[year] if isinstance(s.period_config, dict) else s.period_config.format(year=year)
        ov = [*s.period_overrides.get(year, []), *(overrides or [])]
        c = load_config(base / name, ov)
        if c.year != year:
            raise InputError(f"period {year} names a config for year {c.year}", source=str(p),
                             field=f"pathway.period_config.{year}")
        configs[year] = c
        inputs[year] = load_inputs(c)
        for msg in inputs[year].plausibility:
            log.warning("%d: implausible: %s", year, msg)
    techs0 = list(inputs[s.periods[0]].techs.index)
    for year in s.periods[1:]:
        if list(inputs[year].techs.index) != techs0:
            raise InputError(f"period {year} has other technologies than {s.periods[0]}", source=str(p),
                             field="pathway.period_config")
    for tech, sched in s.retirements_mw.items():
        if tech not in techs0:
            raise InputError(f"unknown technology {tech!r}", source=str(p), field=f"pathway.retirements_mw.{tech}")
        bad = set(sched) - set(s.periods)
        if bad:
            raise InputError(f"retirement in {sorted(bad)[0]}, which is not a period", source=str(p),
                             field=f"pathway.retirements_mw.{tech}")
    targets = inputs[s.periods[0]].targets
    for quantity, tid in s.non_decreasing.items():
        if tid is not None and (tid not in targets or targets[tid].get("trend") != "non_decreasing"):
            raise InputError(f"{tid!r} is no target with trend non_decreasing in the targets file", source=str(p),
                             field=f"pathway.non_decreasing.{quantity}")
    gaps = [b - a for a, b in zip(s.periods, s.periods[1:], strict=False)]
    years = s.years_per_period or [*gaps, gaps[-1] if gaps else 1]
    y0 = s.base_year if s.base_year is not None else s.periods[0]
    r = s.discount_rate
    weight = {y: sum((1 + r) ** -(y + i - y0) for i in range(n)) for y, n in zip(s.periods, years, strict=True)}
    discount = {y: (1 + r) ** -(y - y0) for y in s.periods}
    out = Path(cfg.output_dir) if cfg.output_dir else default_results_root(base) / cfg.name
    if cfg.output_dir and not out.is_absolute():
        out = (base / out).resolve()
    return Pathway(cfg, p, list(s.periods), configs, inputs, dict(zip(s.periods, years, strict=True)), weight,
                   discount, out)


def _period_inputs(pw: Pathway, year: int, carried: dict[str, float] | None = None,
                   carried_mwh: dict[str, float] | None = None, retired: dict[str, float] | None = None) -> Inputs:
    """A period's inputs with the scheduled retirements applied (and, myopic, the capacity carried)."""
    inp = pw.inputs[year]
    techs = inp.techs.copy()
    s = pw.config.pathway
    for tech, sched in s.retirements_mw.items():
        gone = max([v for y, v in sched.items() if y <= year], default=0.0)
        techs.at[tech, "existing_mw"] = max(0.0, techs.at[tech, "existing_mw"] - gone)
        techs.at[tech, "min_total_mw"] = min(techs.at[tech, "min_total_mw"], techs.at[tech, "existing_mw"])
    for tech, mw in (carried or {}).items():
        techs.at[tech, "existing_mw"] += mw
    for tech, mwh in (carried_mwh or {}).items():
        techs.at[tech, "existing_mwh"] += mwh
    for tech, mw in (retired or {}).items():
        techs.at[tech, "existing_mw"] = max(0.0, techs.at[tech, "existing_mw"] - mw)
    for tech in techs.index:  # the existing fleet may have grown past a period's own upper bound
        techs.at[tech, "max_total_mw"] = max(techs.at[tech, "max_total_mw"], techs.at[tech, "existing_mw"])
    return dataclasses.replace(inp, techs=techs)


def _alive(pw: Pathway, built: int, year: int, lifetime: float) -> bool:
    return built <= year < built + lifetime


def build_pathway(pw: Pathway, peak_reference_t: float | None = None) -> pyo.ConcreteModel:
    """One LP over all periods (perfect foresight).

    ``peak_reference_t``: the peak year's emissions as a number (the two-stage peak, see
    :func:`peak_reference`); None: the peak year's emissions as the solution has them (one LP).
    """
    M = pyo.ConcreteModel(name=pw.config.name)
    M.P = pyo.Set(initialize=pw.periods, ordered=True, doc="periods (representative years)")
    blocks: dict[int, Any] = {}
    for y in pw.periods:
        b = pyo.Block(doc=f"the single-year model of period {y}")
        M.add_component(f"period_{y}", b)
        build_into(b, _period_inputs(pw, y), pw.configs[y], capex_external=True)
        b.objective.deactivate()
        blocks[y] = b
    first = pw.inputs[pw.periods[0]]
    t = first.techs
    ext = [k for k in t.index if t.at[k, "extendable"]]
    ext_s = [k for k in ext if t.at[k, "kind"] == "storage"]
    ret = [k for k in t.index if t.at[k, "retirable"] and not t.at[k, "extendable"]]
    M.build_mw = pyo.Var(M.P, ext, within=pyo.NonNegativeReals, doc="power capacity built in a period (MW)")
    M.build_mwh = pyo.Var(M.P, ext_s, within=pyo.NonNegativeReals, doc="storage energy built in a period (MWh)")
    M.retired_mw = pyo.Var(M.P, ret, within=pyo.NonNegativeReals,
                           doc="existing capacity retired early by a period, cumulative (MW)")
    M.newly_retired_mw = pyo.Var(M.P, ret, within=pyo.NonNegativeReals,
                                 doc="capacity retired early during a period (MW)")

    def life(k: str) -> float:
        return float(pw.inputs[pw.periods[0]].techs.at[k, "lifetime_yr"])

    M.link_new = pyo.Constraint(
        M.P, ext, rule=lambda _M, y, k: blocks[y].new_mw[k] == pyo.quicksum(
            _M.build_mw[q, k] for q in pw.periods if _alive(pw, q, y, life(k))),
        doc="capacity in a period is what was built before and is still alive (MW)")
    M.link_new_e = pyo.Constraint(
        M.P, ext_s, rule=lambda _M, y, k: blocks[y].new_mwh[k] == pyo.quicksum(
            _M.build_mwh[q, k] for q in pw.periods if _alive(pw, q, y, life(k))),
        doc="storage energy in a period is what was built before and is still alive (MWh)")
    M.link_retired = pyo.Constraint(M.P, ret, rule=lambda _M, y, k: blocks[y].new_mw[k] == -_M.retired_mw[y, k],
                                    doc="capacity retired early is missing from the period (MW)")
    prev = {y: (pw.periods[i - 1] if i else None) for i, y in enumerate(pw.periods)}

    def sched(k: str, y: int | None) -> float:
        if y is None:
            return 0.0
        return max([v for q, v in pw.config.pathway.retirements_mw.get(k, {}).items() if q <= y], default=0.0)

    M.retire_monotone = pyo.Constraint(
        M.P, ret, rule=lambda _M, y, k: pyo.Constraint.Skip if prev[y] is None else
        _M.retired_mw[y, k] >= _M.retired_mw[prev[y], k] - (sched(k, y) - sched(k, prev[y])),
        doc="early retirement is never undone (scheduled retirements may absorb it) (MW)")
    M.retire_new = pyo.Constraint(
        M.P, ret, rule=lambda _M, y, k: _M.newly_retired_mw[y, k] >= _M.retired_mw[y, k]
        - (_M.retired_mw[prev[y], k] if prev[y] is not None else 0.0),
        doc="capacity newly retired early in a period (MW)")

    rate = pw.config.pathway.discount_rate
    terms = [pw.weight[y] * blocks[y].total_cost for y in pw.periods]
    for k in ext:
        c_kw = float(t.at[k, "capex_cny_per_kw"])
        a = crf(rate, life(k))
        for q in pw.periods:
            w_alive = sum(pw.weight[y] for y in pw.periods if _alive(pw, q, y, life(k)))
            if c_kw > 0:
                terms.append(w_alive * a * c_kw * KW_PER_MW * M.build_mw[q, k])
            if k in ext_s and float(t.at[k, "capex_cny_per_kwh"]) > 0:
                terms.append(w_alive * a * float(t.at[k, "capex_cny_per_kwh"]) * KW_PER_MW * M.build_mwh[q, k])
    for k in ret:
        sigma = pw.config.pathway.stranded_cost_cny_per_kw.get(k, 0.0)
        if sigma > 0:
            terms.extend(pw.discount[y] * sigma * KW_PER_MW * M.newly_retired_mw[y, k] for y in pw.periods)
    M.total_cost = pyo.Expression(expr=pyo.quicksum(terms), doc="discounted total cost of the pathway (CNY)")
    M.objective = pyo.Objective(expr=M.total_cost, sense=pyo.minimize, doc="minimise discounted total cost (CNY)")

    s = pw.config.pathway
    if s.peak_year is not None:
        co2 = {y: _co2(blocks[y], s.peak_scope, pw.path) for y in pw.periods}
        decline = {y: (1 - s.post_peak_decline_per_yr) ** (y - s.peak_year) for y in pw.periods}
        if peak_reference_t is None:
            later = [y for y in pw.periods if y > s.peak_year]
            M.peak = pyo.Constraint(
                later, rule=lambda _M, y: co2[y] <= decline[y] * co2[s.peak_year],
                doc=f"{s.peak_scope} emissions after the peak year at most the peak year's, on the decline path "
                    "(tCO2/yr)")
        else:
            later = [y for y in pw.periods if y >= s.peak_year]
            M.peak = pyo.Constraint(
                later, rule=lambda _M, y: co2[y] <= decline[y] * peak_reference_t,
                doc=f"{s.peak_scope} emissions from the peak year on at most the reference peak, on the decline path "
                    "(tCO2/yr)")
    _trend_rows(M, pw, blocks, prev)
    _build_rate_rows(M, pw, ext)
    flex = [g for g in getattr(blocks[pw.periods[0]], "G_flex", [])
            if all(g in getattr(blocks[y], "G_flex", []) for y in pw.periods)]
    M.flex_kept = pyo.Constraint(
        M.P, flex, rule=lambda _M, y, g: pyo.Constraint.Skip if prev[y] is None
        else blocks[y].flex_mw[g] >= blocks[prev[y]].flex_mw[g],
        doc="a flexibility retrofit once made stays (MW)")
    if s.co2_budget_t is not None:
        M.co2_budget = pyo.Constraint(expr=pyo.quicksum(pw.years[y] * _co2(blocks[y], s.peak_scope, pw.path)
                                                        for y in pw.periods)
                                      <= s.co2_budget_t, doc="cumulative CO2 over the represented years (tCO2)")
    M.blocks = blocks
    return M


def peak_reference(pw: Pathway) -> float | None:
    """The peak year's emissions when nothing after it constrains them (tCO2/yr, the peak's scope).

    With the peak year's emissions as the cap on later periods, one LP would gain by raising them:
    curtailing clean energy, cycling storage for its losses, importing dirtier power in the peak year,
    all to loosen every later cap. The reference is instead the peak year of the pathway cut at the
    peak (every rule but the peak's); the full pathway then keeps the peak year and every later period
    at most this level on the decline path. None when no period follows the peak.
    """
    s = pw.config.pathway
    if s.peak_year is None or not any(y > s.peak_year for y in pw.periods):
        return None
    head = [y for y in pw.periods if y <= s.peak_year]
    cut = dataclasses.replace(
        pw, config=pw.config.model_copy(update={"pathway": s.model_copy(update={
            "periods": head, "peak_year": None, "years_per_period": [pw.years[y] for y in head],
            "period_config": {y: c for y, c in s.period_config.items() if y in head}
            if isinstance(s.period_config, dict) else s.period_config})}),
        periods=head, configs={y: pw.configs[y] for y in head}, inputs={y: pw.inputs[y] for y in head},
        years={y: pw.years[y] for y in head}, weight={y: pw.weight[y] for y in head},
        discount={y: pw.discount[y] for y in head})
    M = build_pathway(cut)
    sol, _ = solve_model(M, pw.configs[head[0]].solver)
    _check_status(sol, f"the pathway up to the peak year {s.peak_year} (the reference of the peak)")
    ref = float(pyo.value(_co2(M.blocks[s.peak_year], s.peak_scope, pw.path)))
    log.info("peak reference: %s emissions of %d without the peak's rows, %.3f Mt", s.peak_scope, s.peak_year,
             ref / 1e6)
    return ref


#: the emissions of each peak scope: the Pyomo expression of a period and the variable of its results
CO2_OF_SCOPE = {"city": "co2_city_t", "power": "co2_t"}


def _co2(b: Any, scope: str, source: Path) -> Any:
    """A period block's emissions in the peak's scope (tCO2/yr)."""
    if not hasattr(b, CO2_OF_SCOPE[scope]):  # city-wide needs a CO2 factor for every fuel burnt outside power
        raise InputError("peak_scope city needs the CO2 factor of every non-power fuel (a carrier row each)",
                         source=str(source), field="pathway.peak_scope")
    return getattr(b, CO2_OF_SCOPE[scope])


def _reference_total(b: Any, cfg: Config) -> float:
    """The non-fossil share's denominator as data: non-power energy plus the load at the conversion factor."""
    load = float(pyo.value(b.annual_load_mwh))
    if cfg.policy.share_basis != "energy":
        return load
    return exogenous_tce(cfg)["total"] + electricity_tce_per_mwh(cfg) * load


def _trend_rows(M: pyo.ConcreteModel, pw: Pathway, blocks: dict[int, Any], prev: dict[int, int | None]) -> None:
    r"""Shares that may not fall between periods (持续提升, 逐步提升).

    The clean-electricity share has data as its denominator (the load), so
    :math:`A^{clean}_p L_{p-1} / L_p \ge A^{clean}_{p-1}` is exact. The non-fossil share's denominator
    (the city's total energy) depends on the dispatch; the row uses its reference value
    :math:`T_p` = energy outside the power sector + the load at the conversion factor, so
    :math:`A^{nf}_p T_{p-1} / T_p \ge A^{nf}_{p-1}` holds the share of a reference total, not of the
    exact one: the results report the exact shares and the pathway report checks them.
    """
    s = pw.config.pathway
    later = [y for y in pw.periods if prev[y] is not None]
    if "clean_electricity_share" in s.non_decreasing:
        load = {y: float(pyo.value(blocks[y].annual_load_mwh)) for y in pw.periods}
        M.trend_clean_electricity = pyo.Constraint(
            later, rule=lambda _M, y: blocks[y].account_clean_electricity * (load[prev[y]] / load[y])
            >= blocks[prev[y]].account_clean_electricity,
            doc="the clean-electricity share at least the previous period's (MWh/yr, at the previous period's load)")
    if "nonfossil_share" in s.non_decreasing:
        ref = {y: _reference_total(blocks[y], pw.configs[y]) for y in pw.periods}
        M.trend_nonfossil = pyo.Constraint(
            later, rule=lambda _M, y: blocks[y].account_nonfossil * (ref[prev[y]] / ref[y])
            >= blocks[prev[y]].account_nonfossil,
            doc="the non-fossil account over its reference total at least the previous period's (tce/yr)")


def _build_rate_rows(M: pyo.ConcreteModel, pw: Pathway, ext: list[str]) -> None:
    """New capacity of a period at most the build rate times the years since the previous period."""
    t = pw.inputs[pw.periods[0]].techs
    limited = [k for k in ext if math.isfinite(float(t.at[k, "max_build_mw_per_yr"]))]
    gaps = {y: (y - pw.periods[i - 1]) if i else pw.config.pathway.first_period_build_years
            for i, y in enumerate(pw.periods)}
    M.build_rate = pyo.Constraint(
        M.P, limited, rule=lambda _M, y, k: _M.build_mw[y, k] <= float(t.at[k, "max_build_mw_per_yr"]) * gaps[y],
        doc="capacity built in a period at most the build rate times the years since the previous period (MW)")


@dataclasses.dataclass
class PathwayOutcome:
    dataset: xr.Dataset
    periods: dict[int, xr.Dataset]
    total_cost_cny: float
    times: dict[str, float]
    out_dir: Path | None


def _block_solution(sol: SolveResult, scale: float, objective: float) -> SolveResult:
    duals = {c: d / scale for c, d in sol.duals.items()} if sol.dual_valid else {}
    # the basis's sensitivities are of the whole pathway's LP, not of one period's: none per period
    return dataclasses.replace(sol, duals=duals, objective=objective, basis_duals=None)


def solve_pathway(pw: Pathway, *, write: bool = True) -> PathwayOutcome:
    """Solve the pathway with its configured foresight; write period results and the trajectory."""
    if write:
        with output_lock(pw.out_dir):
            return _solve(pw, write=True)
    return _solve(pw, write=False)


#: the rows a myopic period gets from the pathway, in words
_PATHWAY_ROWS = {"peak": "the peak (emissions at most the peak year's on the decline path)",
                 "trend_clean_electricity": "the clean-electricity share at least the previous period's",
                 "trend_nonfossil": "the non-fossil share at least the previous period's",
                 "build_rate": "the build rates (max_build_mw_per_yr)"}


def _myopic_conflict(m: pyo.ConcreteModel, year: int, solver_cfg: Any) -> str:
    """Which of the pathway's rows makes a myopic period infeasible: each is dropped in turn and the period
    re-solved (a few solves of one period)."""
    freeing = []
    for name, words in _PATHWAY_ROWS.items():
        con = getattr(m, name, None)
        if con is None:
            continue
        con.deactivate()
        sol, _ = solve_model(m, solver_cfg)
        con.activate()
        if sol.optimal:
            freeing.append(words)
    head = f"period {year} (myopic) is infeasible with what the earlier periods built"
    if freeing:
        return f"{head}; it becomes feasible without {' or without '.join(freeing)} (perfect foresight plans ahead)"
    return f"{head}: check the period alone with `optimizer run` for conflicting targets"


def _check_status(sol: SolveResult, what: str) -> None:
    if sol.status in ("infeasible", "infeasible_or_unbounded"):
        raise InfeasibleError(f"{what} is infeasible: check each period alone with `optimizer run` for the "
                              "conflicting targets; the peak constraint or CO2 budget may also be too tight")
    if sol.status in ("time_limit", "iteration_limit", "interrupted"):
        raise SolverLimitError(f"{what}: HiGHS stopped on {sol.status}; nothing written")
    if not sol.optimal:
        raise SolverError(f"{what}: {not_optimal_message(sol)}; nothing written")


def _solve(pw: Pathway, *, write: bool) -> PathwayOutcome:
    t0 = time.perf_counter()
    s = pw.config.pathway
    solver_cfg = pw.configs[pw.periods[0]].solver
    period_ds: dict[int, xr.Dataset] = {}
    builds: dict[int, dict[str, float]] = {}
    builds_e: dict[int, dict[str, float]] = {}
    retired: dict[int, dict[str, float]] = {}
    reference = None
    if s.foresight == "perfect":
        reference = peak_reference(pw) if s.peak_reference == "free" else None
        M = build_pathway(pw, reference)
        sol, _ = solve_model(M, solver_cfg)
        _check_status(sol, "the pathway")
        for y in pw.periods:
            b = M.blocks[y]
            inp = _period_inputs(pw, y)
            bs = _block_solution(sol, pw.weight[y], pyo.value(b.total_cost))
            period_ds[y] = extract(b, inp, pw.configs[y], bs, {})
            check_results(period_ds[y], inp, include_import_emissions=pw.configs[y].policy.include_import_emissions)
            builds[y] = {k: float(M.build_mw[y, k].value or 0.0) for (q, k) in M.build_mw if q == y}
            builds_e[y] = {k: float(M.build_mwh[y, k].value or 0.0) for (q, k) in M.build_mwh if q == y}
            retired[y] = {k: float(M.retired_mw[y, k].value or 0.0) for (q, k) in M.retired_mw if q == y}
        objective = sol.objective
    else:
        objective = float("nan")
        flex_done: dict[str, float] = {}
        for i, y in enumerate(pw.periods):
            carried: dict[str, float] = {}
            carried_e: dict[str, float] = {}
            t = pw.inputs[y].techs
            for q in pw.periods[:i]:
                for k, mw in builds[q].items():
                    if _alive(pw, q, y, float(t.at[k, "lifetime_yr"])):
                        carried[k] = carried.get(k, 0.0) + mw
                for k, mwh in builds_e[q].items():
                    if _alive(pw, q, y, float(t.at[k, "lifetime_yr"])):
                        carried_e[k] = carried_e.get(k, 0.0) + mwh
            ret_before = retired[pw.periods[i - 1]] if i else {}
            inp = _period_inputs(pw, y, carried, carried_e, ret_before)
            cfg = pw.configs[y]
            m = pyo.ConcreteModel(name=f"{pw.config.name}_{y}")
            build_into(m, inp, cfg)
            if s.peak_year is not None and y > s.peak_year:
                cap = float(period_ds[s.peak_year][CO2_OF_SCOPE[s.peak_scope]]) * (
                    1 - s.post_peak_decline_per_yr) ** (y - s.peak_year)
                m.peak = pyo.Constraint(expr=_co2(m, s.peak_scope, pw.path) <= cap,
                                        doc="emissions at most the peak year's, on the decline path (tCO2/yr)")
            if i and "clean_electricity_share" in s.non_decreasing:
                last = float(period_ds[pw.periods[i - 1]]["clean_electricity_share"])
                m.trend_clean_electricity = pyo.Constraint(
                    expr=m.account_clean_electricity >= last * m.annual_load_mwh,
                    doc="the clean-electricity share at least the previous period's (MWh/yr)")
            if i and "nonfossil_share" in s.non_decreasing:
                last = float(period_ds[pw.periods[i - 1]]["nonfossil_share"])
                m.trend_nonfossil = pyo.Constraint(expr=m.account_nonfossil >= last * m.account_total,
                                                   doc="the non-fossil share at least the previous period's")
            gap = (y - pw.periods[i - 1]) if i else s.first_period_build_years
            rated = [k for k in inp.techs.index if inp.techs.at[k, "extendable"]
                     and math.isfinite(float(inp.techs.at[k, "max_build_mw_per_yr"]))]
            for g in getattr(m, "G_flex", []):  # a retrofit once made stays
                m.flex_mw[g].setlb(min(flex_done.get(g, 0.0), float(m.flex_mw[g].ub)))
            limit = {k: float(inp.techs.at[k, "max_build_mw_per_yr"]) * gap for k in rated}
            m.build_rate = pyo.Constraint(
                rated, rule=lambda _m, k, limit=limit: _m.new_mw[k] <= limit[k],
                doc="capacity built in the period at most the build rate times the years since the last (MW)")
            sol, _ = solve_model(m, solver_cfg, basis=cfg.output.marginal_emission_factors)
            if sol.status in ("infeasible", "infeasible_or_unbounded"):
                raise InfeasibleError(_myopic_conflict(m, y, solver_cfg))
            _check_status(sol, f"period {y} (myopic)")
            period_ds[y] = extract(m, inp, cfg, sol, {})
            check_results(period_ds[y], inp, include_import_emissions=cfg.policy.include_import_emissions)
            flex_done = {g: float(m.flex_mw[g].value or 0.0) for g in getattr(m, "G_flex", [])}
            tk = inp.techs
            builds[y] = {k: max(0.0, float(m.new_mw[k].value or 0.0)) for k in tk.index if tk.at[k, "extendable"]}
            builds_e[y] = {k: max(0.0, float(m.new_mwh[k].value or 0.0)) for k in tk.index
                           if tk.at[k, "extendable"] and tk.at[k, "kind"] == "storage"}
            retired[y] = {k: float(ret_before.get(k, 0.0)) - min(0.0, float(m.new_mw[k].value or 0.0))
                          for k in tk.index if tk.at[k, "retirable"] and not tk.at[k, "extendable"]}
    total = _discounted_cost(pw, period_ds, builds, builds_e, retired)
    if s.foresight == "perfect" and not math.isclose(total, objective, rel_tol=1e-6, abs_tol=1.0):
        raise SolverError(f"pathway cost recomputed from the periods ({total:.6g}) differs from the objective "
                          f"({objective:.6g})")
    ds = _trajectory(pw, period_ds, builds, builds_e, retired, total)
    ds.attrs["peak_scope"] = s.peak_scope
    if reference is not None:
        ds.attrs["peak_reference_t"] = reference
    ds.attrs["flags"] = json.dumps(_flags(pw, period_ds, M if s.foresight == "perfect" else None, sol),
                                   ensure_ascii=False)
    times = {"total_s": time.perf_counter() - t0}
    ds.attrs["times_s"] = str(times)
    target = None
    if write:
        target = pw.out_dir
        for y, d in period_ds.items():
            with output_lock(target / f"period_{y}"):  # a report of the period waits (BusyError) meanwhile
                write_results(d, target / f"period_{y}", within=target)
        _write_trajectory(ds, target)
    return PathwayOutcome(ds, period_ds, total, times, target)


def _flags(pw: Pathway, period_ds: dict[int, xr.Dataset], M: Any, sol: SolveResult) -> list[str]:
    """What a planner would question in the pathway: load shed in a period, and a share held down in one
    period to ease a binding trend row into the next (perfect foresight can curtail renewables rather than
    build later)."""
    out: list[str] = []
    for y, d in period_ds.items():  # the plausibility rules' warnings on each period's inputs and results
        out += [f"{y}: implausible: {m}" for m in json.loads(d.attrs.get("plausibility", "[]"))]
    for y, d in period_ds.items():  # shedding is the last resort: the rules cannot be met otherwise
        shed = float(d["unserved_mwh"])
        if shed > 1e-6 * float(d["weight_h"].values @ d["load_mw"].values.sum(axis=1)):
            out.append(f"{y} sheds {shed / 1e6:,.3f} TWh of load: with the options and limits given, the "
                       "pathway's rules (peak, trends, gas, targets) cannot be met without it")
    if M is None or not sol.dual_valid:
        return out
    prev = {y: (pw.periods[i - 1] if i else None) for i, y in enumerate(pw.periods)}
    for name in ("trend_clean_electricity", "trend_nonfossil"):
        con = getattr(M, name, None)
        if con is None:
            continue
        for y in con:
            if abs(sol.duals.get(con[y], 0.0)) <= 1e-6:
                continue
            d = period_ds[prev[y]]
            curtailed = float(d["weight_h"].values @ d["curtailment_mw"].values.sum(axis=1))
            load = float(d["weight_h"].values @ d["load_mw"].values.sum(axis=1))
            if curtailed > 1e-3 * load:
                out.append(f"{name.removeprefix('trend_')} may not fall from {prev[y]} to {y} and the rule binds, "
                           f"while {prev[y]} curtails {curtailed / 1e6:,.2f} TWh of renewable output: perfect "
                           f"foresight may hold {prev[y]}'s share down to ease {y}'s; compare with foresight: myopic")
    return out


def _discounted_cost(pw: Pathway, period_ds: dict[int, xr.Dataset], builds: dict[int, dict[str, float]],
                     builds_e: dict[int, dict[str, float]], retired: dict[int, dict[str, float]]) -> float:
    """The pathway objective, recomputed from the period results and the decisions (both foresights)."""
    rate = pw.config.pathway.discount_rate
    t = pw.inputs[pw.periods[0]].techs
    total = 0.0
    for y, d in period_ds.items():
        opex = float(d["cost_cny"].sum()) - float(d["cost_cny"].sel(component="capex").sum())
        total += pw.weight[y] * opex
    for q, bk in builds.items():
        for k, mw in bk.items():
            life = float(t.at[k, "lifetime_yr"])
            w_alive = sum(pw.weight[y] for y in pw.periods if _alive(pw, q, y, life))
            total += w_alive * crf(rate, life) * float(t.at[k, "capex_cny_per_kw"]) * KW_PER_MW * mw
            total += w_alive * crf(rate, life) * float(t.at[k, "capex_cny_per_kwh"]) * KW_PER_MW * \
                builds_e[q].get(k, 0.0)
    prev: dict[str, float] = {}
    for y in pw.periods:
        for k, r in retired[y].items():
            sigma = pw.config.pathway.stranded_cost_cny_per_kw.get(k, 0.0)
            total += pw.discount[y] * sigma * KW_PER_MW * max(0.0, r - prev.get(k, 0.0))
        prev = retired[y]
    return total


def _trajectory(pw: Pathway, period_ds: dict[int, xr.Dataset], builds: dict[int, dict[str, float]],
                builds_e: dict[int, dict[str, float]], retired: dict[int, dict[str, float]],
                total: float) -> xr.Dataset:
    techs = list(pw.inputs[pw.periods[0]].techs.index)
    per = pw.periods
    stack = lambda name: np.stack([period_ds[y][name].values for y in per])  # noqa: E731
    data = {
        "capacity_total_mw": (("period", "technology"), stack("capacity_total_mw")),
        "energy_mwh": (("period", "technology"), stack("energy_mwh")),
        "emissions_t": (("period", "technology"), stack("emissions_t")),
        "built_mw": (("period", "technology"), np.array([[builds[y].get(k, 0.0) for k in techs] for y in per])),
        "retired_early_mw": (("period", "technology"),
                             np.array([[retired[y].get(k, 0.0) for k in techs] for y in per])),
        "cost_cny": (("period", "component"), np.stack([period_ds[y]["cost_cny"].sum("owner").values for y in per])),
    }
    # every annual figure the periods share (CO2 by scope, shares, gas use, ...), with its unit
    scalar_attrs: dict[str, dict[str, Any]] = {}
    for name, var in period_ds[per[0]].data_vars.items():
        if var.ndim == 0 and all(name in period_ds[y] and period_ds[y][name].ndim == 0 for y in per):
            data[name] = (("period",), np.array([float(period_ds[y][name]) for y in per]))
            scalar_attrs[name] = dict(var.attrs)
    t = pw.inputs[per[0]].techs
    rate = pw.config.pathway.discount_rate
    invest = []
    overnight = [sum(float(t.at[k, "capex_cny_per_kw"]) * KW_PER_MW * mw
                     + float(t.at[k, "capex_cny_per_kwh"]) * KW_PER_MW * builds_e.get(y, {}).get(k, 0.0)
                     for k, mw in builds.get(y, {}).items()) for y in per]
    stranded = []
    prev: dict[str, float] = {}
    for y in per:
        inv = 0.0
        for q, bk in builds.items():
            for k, mw in bk.items():
                life = float(t.at[k, "lifetime_yr"])
                if _alive(pw, q, y, life):
                    a = crf(rate, life) * KW_PER_MW
                    inv += a * (float(t.at[k, "capex_cny_per_kw"]) * mw
                                + float(t.at[k, "capex_cny_per_kwh"]) * builds_e.get(q, {}).get(k, 0.0))
        invest.append(inv)
        st = sum(pw.config.pathway.stranded_cost_cny_per_kw.get(k, 0.0) * KW_PER_MW * max(0.0, r - prev.get(k, 0.0))
                 for k, r in retired[y].items())
        stranded.append(st)
        prev = retired[y]
    data["investment_cny"] = (("period",), np.array(invest))
    data["investment_overnight_cny"] = (("period",), np.array(overnight))
    data["stranded_cny"] = (("period",), np.array(stranded))
    data["years_represented"] = (("period",), np.array([pw.years[y] for y in per]))
    data["discounted_years"] = (("period",), np.array([pw.weight[y] for y in per]))
    ds = xr.Dataset(data, coords={"period": per, "technology": techs,
                                  "kind": ("technology", t.loc[techs, "kind"].tolist()),
                                  "carrier": ("technology", t.loc[techs, "carrier"].tolist()),
                                  **display_coords(t.loc[techs]),
                                  "component": list(period_ds[per[0]]["component"].values)})
    units = {"capacity_total_mw": "MW", "energy_mwh": "MWh/yr", "emissions_t": "tCO2/yr", "built_mw": "MW",
             "retired_early_mw": "MW", "cost_cny": "CNY/yr", "investment_cny": "CNY/yr",
             "investment_overnight_cny": "CNY", "stranded_cny": "CNY",
             "co2_t": "tCO2/yr", "total_cost_cny": "CNY/yr",
             "coal_share": "1", "nonfossil_share": "1", "unserved_mwh": "MWh/yr", "years_represented": "yr",
             "discounted_years": "yr"}
    for k, a in scalar_attrs.items():
        ds[k].attrs.update(a)
    for k, u in units.items():
        ds[k].attrs["units"] = u
    s = pw.config.pathway
    ds.attrs.update({"scenario": pw.config.name, "foresight": s.foresight, "discount_rate": s.discount_rate,
                     "base_year": s.base_year or per[0], "peak_year": s.peak_year if s.peak_year else "none",
                     "discounted_total_cost_cny": total,
                     "share_basis": pw.configs[per[0]].policy.share_basis,
                     "note": "cost_cny and total_cost_cny are each period's annual operating costs (no investment "
                             "under perfect foresight); investment_cny is the annuity of capacity alive in the "
                             "period, investment_overnight_cny the overnight cost of what the period builds, "
                             "stranded_cny the one-off cost of early retirement in it",
                     "pathway_yaml": yaml.safe_dump(pw.config.model_dump(mode="json"), sort_keys=False)})
    return ds


def _write_trajectory(ds: xr.Dataset, folder: Path) -> None:
    """pathway.nc, pathway.csv and pathway.png into ``folder``, each written beside and renamed into place
    once all are complete; a failure to write (a full disk) is one OutputError line, the previous files
    intact. A pathway report already in the folder is marked stale."""
    new = {folder / f"pathway{x}": folder / f".pathway.tmp{x}" for x in (".nc", ".csv", ".png")}  # png: by suffix
    with writing(folder, "pathway trajectory", intact="the previous pathway.nc, .csv and .png are intact"):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            _write_trajectory_files(ds, *new.values())
            for path, tmp in new.items():
                tmp.replace(path)
        finally:
            for tmp in new.values():
                tmp.unlink(missing_ok=True)
    if (folder / "report" / "report.html").is_file():
        mark_stale_report(folder / "report", folder)


def _write_trajectory_files(ds: xr.Dataset, nc: Path, csv: Path, png: Path) -> None:
    ds.to_netcdf(nc, engine="netcdf4")
    cols = {"co2_mt": ds["co2_t"].values / 1e6, "total_cost_bn_cny": ds["total_cost_cny"].values / 1e9,
            "coal_share": ds["coal_share"].values, "nonfossil_share": ds["nonfossil_share"].values}
    for col, var, f in (("co2_city_mt", "co2_city_t", 1e-6), ("gas_use_bcm", "gas_use_m3", 1e-9),
                        ("clean_electricity_share", "clean_electricity_share", 1.0)):
        if var in ds:
            cols[col] = ds[var].values * f
    table = pd.DataFrame(cols, index=pd.Index(ds["period"].values, name="period"))
    caps = ds["capacity_total_mw"].to_pandas()
    caps.columns = [f"capacity_mw_{c}" for c in caps.columns]
    built = ds["built_mw"].to_pandas()
    built.columns = [f"built_mw_{c}" for c in built.columns]
    table.join(caps).join(built).to_csv(csv, float_format="%.6g")
    _plot(ds, png)


def _plot(ds: xr.Dataset, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    per = [str(p) for p in ds["period"].values]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.8), dpi=110)
    bottom = np.zeros(len(per))
    cap = ds["capacity_total_mw"].values / 1e3
    for j, k in enumerate(ds["technology"].values):
        ax1.bar(per, cap[:, j], bottom=bottom, label=str(k))
        bottom += cap[:, j]
    ax1.set_ylabel("installed capacity (GW)")
    ax1.set_title("capacity by technology")
    ax1.legend(fontsize=7, ncol=2)
    ax2.plot(per, ds["co2_t"].values / 1e6, "o-", color="black", label="CO2, power and steam (Mt/yr)")
    if "co2_city_t" in ds:
        ax2.plot(per, ds["co2_city_t"].values / 1e6, "s-", color="tab:brown", label="CO2, city-wide (Mt/yr)")
    if ds.attrs.get("peak_year") not in (None, "none"):
        ax2.axvline(str(ds.attrs["peak_year"]), color="tab:red", ls="--", label="peak year (plan: before 2030)")
    ax2.set_ylabel("CO2 emissions (Mt/yr)")
    ax2.set_title("emissions trajectory")
    ax2.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
