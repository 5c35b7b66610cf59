"""Run configuration: the pydantic schema, YAML loading, ``--set`` overrides and path resolution.

A config is read once, validated completely (unknown keys are errors), and then treated as
immutable: the model build, the solver and the result writer only read it. Relative paths in a
config are resolved against the folder of the config file.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import typing
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from optimizer.errors import InputError

Fraction = Annotated[float, Field(ge=0.0, le=1.0)]
NonNeg = Annotated[float, Field(ge=0.0)]


def _numeric(annotation: Any) -> tuple[bool, bool]:
    """(is a number, is a mapping to numbers) for a field annotation (through Optional/Annotated)."""
    if annotation in (int, float):
        return True, False
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is dict and len(args) == 2:
        return False, _numeric(args[1])[0]
    if origin is Annotated:
        return _numeric(args[0])
    if args and bool not in args:  # Optional[...] / unions
        return any(_numeric(a)[0] for a in args if a is not type(None)), False
    return False, False


class _Strict(BaseModel):
    """Base: unknown keys are errors, numbers must be finite (no ``.inf`` / ``.nan``) and not
    booleans (YAML ``yes``/``true`` would otherwise be read as 1)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_boolean_numbers(cls, v: Any, info: Any) -> Any:
        number, mapping = _numeric(cls.model_fields[info.field_name].annotation)
        if number and isinstance(v, bool):
            raise ValueError(f"expected a number, got {v!r}")
        if mapping and isinstance(v, dict) and any(isinstance(x, bool) for x in v.values()):
            raise ValueError("expected numbers, got a boolean")
        return v


class InputsConfig(_Strict):
    technologies: Path = Field(description="wide technology table (CSV), one row per technology")
    carriers: Path = Field(description="carrier / fuel table (CSV)")
    attributes: Path = Field(description="attribute table: name, unit, type, default (CSV)")
    technology_sources: Path | None = Field(
        default=None, description="source key of every number in the technology and carrier tables"
    )
    sources: Path | None = Field(default=None, description="bibliography of source keys (CSV)")
    load: Path = Field(description="hourly load in MW (NetCDF `load_mw` or CSV timestamp,zone...)")
    capacity_factors: Path | None = Field(
        default=None, description="hourly capacity factors per technology (NetCDF or CSV)"
    )
    profile_overrides: dict[str, Path] = Field(
        default_factory=dict,
        description="technology -> CSV/NetCDF with a timestamp column and one value column",
    )
    targets: Path | None = Field(default=None, description="the plan's targets (seeds/targets.yaml)")
    heat_load: Path | None = Field(
        default=None, description="hourly heat demand in MW of heat (NetCDF `heat_mw` (time, zone) or CSV timestamp,"
        "zone...): with it, each zone gets an hourly heat balance that CHP units and boilers meet")
    price_shapes: Path | None = Field(
        default=None, description="hourly price shapes and delivery periods (CSV shape,months,hours,period,"
        "multiplier), named by the technology table's price_shape and schedule_shape")
    corridor_schedules: Path | None = Field(
        default=None, description="monthly rules of import corridors (CSV corridor,month,energy_min_mwh,"
        "energy_max_mwh,power_min_mw,power_max_mw): contracted monthly energy and hourly power bounds")
    calibration: Path | None = Field(
        default=None, description="public figures the run is compared with (CSV metric,value,unit,tolerance,...; "
        "data/calibration.csv): the comparison goes into the results, the summary and the report")
    links: Path | None = Field(
        default=None, description="transmission links between zones (CSV name,zone_a,zone_b,existing_mw,extendable,"
        "max_total_mw,capex_cny_per_kw,lifetime_yr,fom_cny_per_kw_yr,loss_frac,source); null = no links")


class TimeConfig(_Strict):
    start: str | None = Field(default=None, description="first timestamp modelled (local time)")
    end: str | None = Field(default=None, description="last timestamp modelled (inclusive)")
    resolution_h: int = Field(default=1, ge=1, le=24, description="hours averaged into one step")
    typical_days: int | None = Field(
        default=None, ge=2, le=364,
        description="cluster the year into this many typical days (tsam), linked through the calendar")
    scale_to_year: bool = Field(
        default=True,
        description="weight the modelled steps so they stand for the full calendar year (8760 h; 8784 in a leap year)",
    )

    @field_validator("start", "end", mode="before")
    @classmethod
    def _date_as_text(cls, v: Any) -> Any:
        # YAML reads an unquoted 2025-07-01 (or 2025-07-01 00:00:00) as a date/datetime, not text
        if isinstance(v, dt.datetime):
            if v.tzinfo is not None:  # 2025-01-07T15:00:00Z: the model's clock is UTC+8
                v = v.astimezone(dt.timezone(dt.timedelta(hours=8))).replace(tzinfo=None)
            return v.strftime("%Y-%m-%d %H:%M:%S")
        if isinstance(v, dt.date):
            return v.isoformat()
        if isinstance(v, str):
            try:
                dt.datetime.fromisoformat(v.strip())
            except ValueError:
                import pandas as pd  # the loader reads times with pandas, which takes a few more forms

                try:
                    pd.Timestamp(v.strip())
                except ValueError:
                    raise ValueError(f"not a date and time that exists: {v!r} (YYYY-MM-DD or YYYY-MM-DD HH:MM)"
                                     ) from None
        return v


class EconomicsConfig(_Strict):
    discount_rate: Annotated[float, Field(ge=0.0, le=1.0)] = Field(
        default=0.08, description="real discount rate for the capital recovery factor"
    )
    allow_unserved: bool = Field(default=True, description="allow load shedding at VoLL")
    voll_cny_per_mwh: NonNeg = Field(default=30000.0, description="value of lost load, CNY/MWh")
    capacity_expansion: bool = Field(
        default=True, description="false: dispatch the fleet in service only (a base-year simulation): nothing is "
        "built or retired, whatever the technology table says")


class TargetRef(_Strict):
    """A policy number: either an entry of seeds/targets.yaml or an explicit value.

    ``value`` is in the model's internal unit for the quantity (MW, per-unit share, tCO2/yr,
    CNY/t). A ``target`` entry is converted from its stated unit.
    """

    target: str | None = Field(default=None, description="id of an entry in seeds/targets.yaml")
    value: float | None = Field(default=None, description="explicit value in internal units")
    source: str | None = Field(default=None, description="where an explicit value comes from")
    enabled: bool = True
    enforce: bool = Field(
        default=True, description="false: the target is evaluated at the solution but not imposed, so the verdict "
        "can be 'not met' (what the least-cost plan does without it)")

    @model_validator(mode="after")
    def _one_of(self) -> TargetRef:
        if self.enabled and (self.target is None) == (self.value is None):
            raise ValueError("give exactly one of 'target' or 'value'")
        if self.value is not None and not math.isfinite(self.value):
            raise ValueError("value must be finite")
        return self


class CapacityTarget(TargetRef):
    name: str = Field(description="short name used in results and messages")
    technologies: list[str] = Field(min_length=1, description="technologies whose capacity counts")
    sense: Literal[">=", "<=", "=="] = ">="
    tolerance: Fraction = Field(
        default=0.0, description="relative band for '==' targets (the plan's 'about')"
    )
    measure: Literal["power", "energy"] = Field(
        default="power", description="power (MW) or, for storage, energy (MWh) capacity"
    )
    new_only: bool = Field(default=False, description="count only newly built capacity")


class EnergyAccountingConfig(_Strict):
    electricity_conversion: Literal["coal_equivalent", "calorific"] = Field(
        default="coal_equivalent",
        description=(
            "how electricity that is not made from local fuel is counted in tce: "
            "coal_equivalent (发电煤耗法) or calorific (电热当量法)"
        ),
    )
    coal_equivalent_gce_per_kwh: NonNeg = Field(
        default=303.4, description="heat rate for the coal-equivalent method, gce/kWh"
    )
    calorific_gce_per_kwh: NonNeg = Field(
        default=122.9, description="calorific value of electricity, gce/kWh"
    )
    non_power_tce: dict[str, NonNeg] = Field(
        default_factory=dict,
        description="city energy use outside the power sector by fuel (coal, oil, gas, nonfossil), tce/yr",
    )
    non_power_source: str | None = Field(default=None, description="where non_power_tce comes from")
    count_imported_coal_power_as_coal: bool = Field(
        default=False,
        description="count the coal-fired part of imported electricity as coal consumption",
    )

    @field_validator("non_power_tce")
    @classmethod
    def _known_fuels(cls, v: dict[str, float]) -> dict[str, float]:
        unknown = set(v) - {"coal", "oil", "gas", "nonfossil"}
        if unknown:
            raise ValueError(f"unknown fuel(s) {sorted(unknown)}; use coal, oil, gas, nonfossil")
        return v


class GasSupplyConfig(_Strict):
    """Natural gas supply capability: the city's gas use (power, steam and outside the power sector) at most
    the pipeline capability plus LNG delivered at a premium, up to the terminals' capability."""

    pipeline_bcm: TargetRef = Field(description="pipeline supply capability (区外管道天然气年供气能力), bcm/yr "
                                    "(a target of seeds/targets.yaml or a value in bcm/yr)")
    lng_bcm_max: NonNeg = Field(default=0.0, description="LNG regasification capability available to the city "
                                "on top of the pipelines, bcm/yr")
    lng_premium_cny_per_m3: NonNeg = Field(default=0.0, description="cost of LNG above the pipeline gas price "
                                           "already in the carrier table, CNY/m3")
    kgce_per_m3: Annotated[float, Field(gt=0)] = Field(
        default=1.2143, description="standard coal equivalent of natural gas, kgce/m3 (GB/T 2589-2020)")
    carrier: str = Field(default="gas", description="the carrier of data/carriers.csv that is natural gas")
    source: str | None = Field(default=None, description="where the numbers come from")


class LoadAddition(_Strict):
    """Extra electricity demand (electrification: EV charging, electric heat, shore power) on top of the
    load profile, with the fuel it displaces outside the power sector."""

    name: str = Field(pattern=r"^[A-Za-z0-9_]+$", description="short name (results, messages)")
    annual_mwh: NonNeg = Field(description="energy added over the year, MWh/yr")
    hourly_shape: list[NonNeg] = Field(
        default_factory=lambda: [1.0] * 24, min_length=24, max_length=24,
        description="relative weight of each hour of the day (0-23, local time); scaled to annual_mwh")
    displaces_tce: dict[str, NonNeg] = Field(
        default_factory=dict, description="non-power fuel it replaces, tce/yr by fuel (coal, oil, gas)")
    source: str | None = Field(default=None, description="where the numbers come from")

    @field_validator("displaces_tce")
    @classmethod
    def _fuels(cls, v: dict[str, float]) -> dict[str, float]:
        unknown = set(v) - {"coal", "oil", "gas"}
        if unknown:
            raise ValueError(f"unknown fuel(s) {sorted(unknown)}; use coal, oil, gas")
        return v

    @field_validator("hourly_shape")
    @classmethod
    def _positive(cls, v: list[float]) -> list[float]:
        if sum(v) <= 0:
            raise ValueError("the hourly shape must have a positive hour")
        return v


class DemandConfig(_Strict):
    """Demand scenarios on top of the load and heat files: a growth factor and electrification loads."""

    scale: Annotated[float, Field(gt=0)] = Field(
        default=1.0, description="multiplier of the load profile, energy and peak alike (a year between two "
        "profile files, or a growth scenario)")
    heat_scale: Annotated[float, Field(gt=0)] = Field(default=1.0, description="multiplier of the heat demand")
    additions: list[LoadAddition] = Field(
        default_factory=list, description="electrification loads added to every zone in proportion to its "
        "annual load; the fuel they displace leaves the non-power energy use")
    source: str | None = Field(default=None, description="where the scenario comes from")

    @model_validator(mode="after")
    def _unique(self) -> DemandConfig:
        names = [a.name for a in self.additions]
        if len(set(names)) != len(names):
            raise ValueError(f"load addition names repeat: {names}")
        return self


class OperatingReserveConfig(_Strict):
    """Hourly upward operating (spinning) reserve, met by committed headroom, storage and interruptible load."""

    load_frac: Fraction = Field(default=0.0, description="reserve as a share of each hour's load (per-unit)")
    largest_unit: bool = Field(
        default=True, description="add the largest unit_size_mw among committable generators with capacity and "
        "corridors in service (the loss of the largest single infeed)")
    fixed_mw: NonNeg = Field(default=0.0, description="a fixed reserve added in every hour (MW)")
    shortfall_cny_per_mw_h: NonNeg | None = Field(
        default=None, description="price of reserve not held, per MW and hour (a scarcity price); null = the "
        "requirement is a hard limit")
    source: str | None = Field(default=None, description="where the rule comes from")


class PolicyConfig(_Strict):
    share_basis: Literal["energy", "electricity"] = Field(
        default="energy", description="basis of the coal and non-fossil shares"
    )
    energy_accounting: EnergyAccountingConfig = Field(default_factory=EnergyAccountingConfig)
    coal_share_max: TargetRef | None = None
    nonfossil_share_min: TargetRef | None = None
    co2_cap_t: TargetRef | None = None
    co2_scope: Literal["power", "city"] = Field(
        default="power", description="what the CO2 cap counts: 'power' = power and steam supply (imports by "
        "include_import_emissions); 'city' = that plus the fuels burnt outside the power sector "
        "(energy_accounting.non_power_tce at the carrier table's CO2 factors): the plan's 碳达峰 scope")
    clean_electricity_share_min: TargetRef | None = Field(
        default=None, description="share of electricity consumed that is non-fossil (local renewables and the "
        "non-fossil part of imports) over annual load, per-unit: 清洁电量占比")
    gas_supply: GasSupplyConfig | None = Field(
        default=None, description="natural gas supply capability; null = unlimited")
    carbon_price_cny_per_t: NonNeg = 0.0
    include_import_emissions: bool = Field(
        default=True, description="count emissions of imported electricity against the cap"
    )
    capacity_targets: list[CapacityTarget] = Field(default_factory=list)
    reserve_margin: Annotated[float, Field(ge=0.0, le=2.0)] | None = Field(
        default=None, description="firm capacity above peak load, per-unit of peak; null = off"
    )
    reserve_margin_scope: Literal["system", "zone"] = Field(
        default="system", description="system: the firm capacity of all zones covers the sum of the zones' peaks; "
        "zone: each zone's firm capacity, plus firm capacity carried over links (at most their capacity), covers "
        "its own peak")
    ramp_limits: bool = Field(default=True, description="apply thermal ramp limits")
    import_limit_mw: TargetRef | None = Field(
        default=None, description="simultaneous import capability (受进能力): the deliveries of all import corridors "
        "together at most this many MW in every hour (an N-1 and voltage-stability limit of the receiving grid); "
        "null = each corridor limited by its own capacity only")
    operating_reserve: OperatingReserveConfig | None = Field(
        default=None, description="hourly upward operating reserve requirement; null = none")
    unit_commitment: bool = Field(
        default=True, description="linearised unit commitment of committable generators (minimum stable output, "
        "start-up costs, minimum up and down times); false: they dispatch freely between 0 and capacity")
    min_up_down_times: bool = Field(
        default=True, description="state the minimum up and down times of committable generators (min_up_h, "
        "min_down_h). Their rows couple each hour with the hours before it: on the Suzhou 2025 case (eight "
        "weeks, 2026-12-06) they took the solve from 18.1 s to 33.7 s and changed the optimum by less than 1e-6 "
        "(the start-up costs already keep the classes from cycling in the linear relaxation); the shipped configs "
        "switch them off, a run that needs them switches them on")

    @model_validator(mode="after")
    def _unique_names(self) -> PolicyConfig:
        names = [t.name for t in self.capacity_targets]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise ValueError(f"capacity target names repeat: {sorted(dup)}")
        return self


class SolverConfig(_Strict):
    @field_validator("crossover", mode="before")
    @classmethod
    def _crossover_bool(cls, v: object) -> object:
        return {True: "on", False: "off"}.get(v, v) if isinstance(v, bool) else v

    method: Literal["ipm", "simplex", "pdlp", "choose"] = "ipm"
    crossover: Literal["on", "off", "choose"] = Field(
        default="choose", description="after the interior point: 'choose' runs crossover only when HiGHS finds the "
        "interior solution imprecise (the fastest reliable setting: full 2025 year 0.7x the time of 'on'; the "
        "optimum is the centre of the optimal face, so degenerate dispatch is spread smoothly instead of jumping "
        "between vertices); 'on' always (a vertex, exact to the last digit, e.g. for costs spanning many orders "
        "of magnitude; sweeps that re-solve in place use it for their first solve whatever is set, except 'off'); "
        "'off' never. true/false mean on/off")
    threads: int = Field(default=0, ge=0, description="0 = HiGHS default")
    hipo_ordering: Literal["choose", "metis", "amd", "rcm"] = Field(
        default="amd", description="fill-reducing ordering of HiPO's factorisation (method 'ipm'). Measured "
        "2026-12-04 (bench_solvers, alternating in one process): 'amd' took 0.87-0.91x the time of HiGHS's own "
        "choice (METIS) on the full 2025 and 2030 years and the two-week cut, 0.94x on the three-period pathway "
        "(with 7 % more memory there): its analysis takes 0.3 s instead of 1.2 s for a year, and the factors are "
        "about as cheap. 'rcm' was far slower")
    time_limit_s: Annotated[float, Field(gt=0)] | None = None
    primal_feasibility_tolerance: Annotated[float, Field(gt=0, lt=1e-2)] = 1e-7
    dual_feasibility_tolerance: Annotated[float, Field(gt=0, lt=1e-2)] = 1e-7
    ipm_optimality_tolerance: Annotated[float, Field(gt=0, lt=1e-2)] = 1e-8
    presolve: bool = True
    objective_scale: Annotated[float, Field(gt=0)] = Field(
        default=1.0, description="cost multiplier at the solver boundary only (e.g. 1e-6: HiGHS sees million "
        "CNY); results, duals and the objective are scaled back. Measured on the full 2025 year: 1e-6 took "
        "98 interior-point iterations and ~5x the time of 1.0 (30 iterations), so CNY stays the default")
    scale_annual_rows: bool = Field(
        default=True, description="hand rows that sum over every time step (energy limits, shares, carbon caps) to "
        "HiGHS divided by the period's hours, i.e. as averages in MW instead of MWh/yr: at the solver boundary only, "
        "duals scaled back. Measured on the full 2025 year: 25 instead of 29-30 interior-point iterations")
    vectorize_templates: bool = Field(
        default=True, description="compile the templated families (availability, ramp, storage, import, balance "
        "rows ...) with numpy from Pyomo's own templates, a family at a time, instead of row by row in Pyomo's "
        "compiler (annual rows and the objective always go to Pyomo); the same LP. Full 2025 year, 2026-12-07, "
        "alternated in one process on a loaded machine: compile 2.76 s instead of 4.91 s; pathway 1.55 instead "
        "of 2.27 s. false gives every row to Pyomo")
    warm_start_budget: Annotated[float, Field(gt=0)] | None = Field(
        default=1.5, description="a re-solve warm-starts the dual simplex from the last basis, for at most this "
        "multiple of the last cold solve's time; past it, the point is solved cold with `method`. Measured on "
        "the full 2030 year: 4 Mt cap steps took 0.1-1.1x a cold solve warm, but the 56 -> 52 Mt step (where "
        "load shedding starts) 149 s warm against 32 s cold. null = no limit")
    log_to_console: bool = False
    diagnose_infeasibility: bool = Field(
        default=True, description="on infeasibility, re-solve with penalised policy slacks"
    )


class ChecksConfig(_Strict):
    """Plausibility rules (:mod:`optimizer.plausibility`) and the statistics the load is held against."""

    plausibility: Literal["on", "off"] = Field(
        default="on", description="on: numbers no city's power system has stop the run (error bands) or are reported "
        "(warning bands); off: no rule is applied, and the results say so")
    annual_load_twh: Annotated[float, Field(gt=0)] | None = Field(
        default=None, description="the city's annual electricity consumption (TWh/yr) the load is held against; "
        "null = no check of the load's size")
    peak_load_mw: Annotated[float, Field(gt=0)] | None = Field(
        default=None, description="the city's peak load (MW) the load is held against; null = no check")
    source: str | None = Field(default=None, description="where the two statistics come from")

    @field_validator("plausibility", mode="before")
    @classmethod
    def _on_off(cls, v: Any) -> Any:
        """YAML reads a bare on/off as a boolean: take it as meant."""
        return {True: "on", False: "off"}.get(v, v) if isinstance(v, bool) else v


class OutputConfig(_Strict):
    dir: Path | None = Field(default=None, description="results folder; default results/<name>")
    marginal_emission_factors: bool = Field(
        default=False, description="true: the solve ends with a basis (crossover on), so that the results carry "
        "the hourly marginal emission factors (crossover added about 40 % to the full-year solve of 2026-12-04, "
        "benchmarks/RESULTS.md). Otherwise they are given where the solve ends with a basis anyway (simplex; "
        "crossover where HiGHS chose it) and NaN elsewhere")


class Config(_Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$",
                      description="scenario name (a folder name: letters, digits, _ . -, not starting with . or -)")
    description: str = Field(default="", description="what the scenario is, in words (shown in the report)")
    year: int = Field(ge=2000, le=2100, description="the study year: the profiles' calendar and the targets' year")
    zones: list[str] = Field(default_factory=lambda: ["suzhou"], min_length=1,
                             description="the zones modelled, each with its own load and energy balance")
    inputs: InputsConfig
    time: TimeConfig = Field(default_factory=TimeConfig)
    demand: DemandConfig = Field(default_factory=DemandConfig)
    economics: EconomicsConfig = Field(default_factory=EconomicsConfig)
    technologies: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="per-technology attribute overrides of the technology table",
    )
    carriers: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="per-carrier attribute overrides of the carrier table"
    )
    policy: PolicyConfig = Field(default_factory=PolicyConfig)
    solver: SolverConfig = Field(default_factory=SolverConfig)
    checks: ChecksConfig = Field(default_factory=ChecksConfig)
    output: OutputConfig = Field(default_factory=OutputConfig)

    @model_validator(mode="after")
    def _displacement(self) -> Config:
        """Electrification cannot displace more non-power fuel than the city burns."""
        npw = self.policy.energy_accounting.non_power_tce
        for fuel in ("coal", "oil", "gas"):
            gone = sum(a.displaces_tce.get(fuel, 0.0) for a in self.demand.additions)
            if gone > npw.get(fuel, 0.0) + 1e-9:
                raise ValueError(f"demand.additions displace {gone:,.0f} tce/yr of {fuel}, more than "
                                 f"policy.energy_accounting.non_power_tce.{fuel} ({npw.get(fuel, 0.0):,.0f})")
        return self

    @model_validator(mode="after")
    def _basis_for_marginal_factors(self) -> Config:
        """The marginal emission factors come from the solve's basis: crossover cannot be off."""
        if self.output.marginal_emission_factors and self.solver.crossover == "off":
            raise ValueError("output.marginal_emission_factors needs a basis: set solver.crossover to on or choose")
        return self

    @field_validator("zones")
    @classmethod
    def _unique_zones(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError(f"zones repeat: {v}")
        return v

    def dump(self) -> dict[str, Any]:
        """The resolved config as plain data (paths as strings)."""
        return self.model_dump(mode="json")


#: the two ways of giving a policy number (:class:`TargetRef`); ``--set`` of one replaces the other
_TARGET_OR_VALUE = {"target": "value", "value": "target"}


def _set_dotted(data: dict[str, Any], dotted: str, value: Any) -> None:
    keys = dotted.split(".")
    if any(not k.strip() for k in keys):
        raise InputError("empty key in the dotted path", source="--set", field=dotted)
    node: Any = data

    def item(k: str) -> int:
        """A list position: a whole number from 0 (a negative one would count from the end, silently)."""
        i = int(k)
        if i < 0 or not k.strip().isdigit():
            raise ValueError(k)
        return i

    for k in keys[:-1]:
        if isinstance(node, list):
            try:
                node = node[item(k)]
            except (ValueError, IndexError):
                raise InputError(f"no list item {k!r}", source="--set", field=dotted) from None
            continue
        if not isinstance(node, dict):
            raise InputError("cannot set a key inside a non-mapping value", source="--set", field=dotted)
        if node.get(k) is None:  # absent, or switched off with null in the file
            node[k] = {}
        node = node[k]
    last = keys[-1]
    if isinstance(node, list):
        try:
            node[item(last)] = value
        except (ValueError, IndexError):
            raise InputError(f"no list item {last!r}", source="--set", field=dotted) from None
    elif isinstance(node, dict):
        other = _TARGET_OR_VALUE.get(last)
        if keys[0] == "policy" and other is not None and value is not None:
            node.pop(other, None)  # `--set policy.coal_share_max.value=0.5` replaces the cited target
        node[last] = value
    else:
        raise InputError("cannot set a key inside a non-mapping value", source="--set", field=dotted)


def yaml_text(value: Any) -> str:
    """A value as the YAML text of an override (``key.path=<text>``): flow style, one line."""
    return yaml.safe_dump(value, default_flow_style=True).strip().removesuffix("...").strip()


def parse_overrides(items: list[str] | None) -> list[tuple[str, Any]]:
    """Parse ``key=value`` strings; values are read as YAML (numbers, booleans, lists)."""
    out = []
    for item in items or []:
        if "=" not in item:
            raise InputError(f"expects key=value, got {item!r}", source="--set")
        key, raw = item.split("=", 1)
        key = key.strip()
        if not key:
            raise InputError(f"expects key=value, got {item!r}", source="--set")
        try:
            value = yaml.safe_load(raw)
        except (yaml.YAMLError, ValueError):  # ValueError: an impossible date (2025-02-30) in YAML's own reader
            value = raw
        out.append((key, value))
    return out


def format_validation_error(err: ValidationError, override_keys: list[str] | None = None) -> str:
    first = err.errors()[0]
    loc = ".".join(str(p) for p in first["loc"]) or "(top level)"
    msg = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        msg = "unknown key"
    elif first["type"] == "path_type":
        msg = f"expected a file path, got {first.get('input')!r}"
    from_set = [k for k in override_keys or [] if loc == k or loc.startswith(k + ".") or k.startswith(loc + ".")]
    if from_set:
        msg += f" (from --set {from_set[-1]})"
    more = len(err.errors()) - 1
    tail = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return f"{loc}: {msg}{tail}"


def _resolve_paths(data: dict[str, Any], base: Path) -> None:
    inputs = data.get("inputs")
    if isinstance(inputs, dict):
        for key, val in list(inputs.items()):
            if isinstance(val, str) and val:
                inputs[key] = str((base / val).resolve()) if not Path(val).is_absolute() else val
            elif isinstance(val, dict):
                inputs[key] = {
                    k: (str((base / v).resolve()) if isinstance(v, str) and not Path(v).is_absolute() else v)
                    for k, v in val.items()
                }
    out = data.get("output")
    if isinstance(out, dict) and isinstance(out.get("dir"), str):
        d = out["dir"]
        out["dir"] = str((base / d).resolve()) if not Path(d).is_absolute() else d


def config_from_dict(
    data: dict[str, Any], *, base_dir: Path, source: str = "<config>",
    overrides: list[tuple[str, Any]] | None = None,
) -> Config:
    """Validate a config mapping; relative paths resolve against ``base_dir``."""
    if not isinstance(data, dict):
        raise InputError("the config must be a YAML mapping", source=source)
    data = copy.deepcopy(data)
    for key, value in overrides or []:
        _set_dotted(data, key, value)
    _resolve_paths(data, base_dir)
    try:
        cfg = Config.model_validate(data)
    except ValidationError as err:
        keys = [k for k, _ in overrides or []]
        raise InputError(format_validation_error(err, keys), source=source) from None
    if cfg.output.dir is None:
        repo_results = default_results_root(base_dir)
        cfg = cfg.model_copy(update={"output": cfg.output.model_copy(update={"dir": repo_results / cfg.name})})
    return cfg


def default_results_root(config_dir: Path) -> Path:
    """results/ beside configs/ when the config lives in a project's configs/ folder."""
    if config_dir.name == "configs":
        return (config_dir.parent / "results").resolve()
    return (Path.cwd() / "results").resolve()


class DuplicateKeyError(yaml.YAMLError):
    """A YAML mapping names one key twice (PyYAML would silently keep the last)."""

    def __init__(self, key: object, line: int) -> None:
        super().__init__(f"duplicate key {key!r} at line {line}")
        self.key, self.line = key, line


class _UniqueKeyLoader(yaml.SafeLoader):
    """yaml.SafeLoader that refuses a key given twice in one mapping: the second would silently
    replace the first (a repeated ``policy:`` block would drop every limit of the first)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":  # `<<: *anchor`: merged keys may be overridden
                continue
            key = self.construct_object(key_node, deep=deep)
            try:
                dup = key in seen
            except TypeError:  # an unhashable key: let PyYAML report it
                dup = False
            if dup:
                raise DuplicateKeyError(key, key_node.start_mark.line + 1)
            if not isinstance(key, list | dict):
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


def read_yaml(path: str | Path) -> Any:
    """A YAML file as data, with duplicate keys refused; InputError (one line) for any problem."""
    p = Path(path)
    try:
        return yaml.load(p.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
    except DuplicateKeyError as err:
        raise InputError(f"duplicate key {err.key!r}: the second would silently replace the first",
                         source=str(p), field=f"line {err.line}") from None
    except yaml.YAMLError as err:
        line = getattr(getattr(err, "problem_mark", None), "line", None)
        where = f"line {line + 1}" if line is not None else None
        raise InputError("not valid YAML", source=str(p), field=where) from None
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", source=str(p)) from None
    except ValueError as err:  # YAML's date reader: 2025-02-30, 2025-13-40
        raise InputError(f"a date that does not exist ({err})", source=str(p)) from None
    except OSError as err:
        raise InputError(f"cannot read: {err.strerror or err}", source=str(p)) from None


def load_config(path: str | Path, overrides: list[str] | None = None) -> Config:
    """Read, override and validate a YAML config file."""
    p = Path(path)
    if not p.is_file():
        raise InputError("config file not found", source=str(p))
    data = read_yaml(p)
    return config_from_dict(
        data if data is not None else {}, base_dir=p.resolve().parent, source=str(p),
        overrides=parse_overrides(overrides),
    )
