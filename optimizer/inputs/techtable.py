"""The technology/attribute table: read, apply defaults and overrides, validate.

``data/attributes.csv`` is the schema: one row per attribute with its unit, type, default, the
source of that default and the kinds of technology it applies to. ``data/technologies.csv`` is wide
(one row per technology, one column per attribute). ``data/technology_sources.csv`` names a source
for every number. The result is a new DataFrame; the files and the config are never modified.

A blank cell takes the attribute's default. When the sources are checked, a default may only stand
in for a blank cell of a technology it applies to if its ``default_source`` says where the default
comes from: either ``neutral: ...`` (allowed only for a default that switches a bound or cost off,
i.e. 0 or inf, or false for a flag) or ``<source key>: <note>``. An empty ``default_source`` means
the attribute must be filled in, with a source row, for every technology that uses it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from optimizer.errors import InputError
from optimizer.inputs.profiles import check_complete_text

KINDS = ("generator", "storage", "import", "boiler", "demand_response")
#: kinds whose energy is electricity supplied to the balance (the denominator of supply shares); boilers make
#: heat, storage moves energy, demand response curtails load
SUPPLY_KINDS = ("generator", "import")
#: CHP modes of a generator (chp_mode); empty = power only
CHP_MODES = ("", "back_pressure", "extraction")

#: attributes that are fractions and must lie in [0, 1]
FRACTIONS = (
    "availability",
    "firm_capacity_credit",
    "efficiency_charge",
    "efficiency_discharge",
    "standing_loss_frac_per_h",
    "nonfossil_fraction",
    "coal_fraction",
    "min_stable_frac",
    "reserve_frac",
    "valley_peak_ratio_min",
    "must_run_frac",
    "flex_retrofit_min_stable_frac",
)
#: attributes that must not be negative
NONNEGATIVE = (
    "existing_mw",
    "min_total_mw",
    "max_total_mw",
    "capex_cny_per_kw",
    "lifetime_yr",
    "fom_cny_per_kw_yr",
    "vom_cny_per_mwh",
    "heat_rate_gce_per_kwh",
    "ramp_frac_per_h",
    "existing_mwh",
    "capex_cny_per_kwh",
    "min_duration_h",
    "max_build_mw_per_yr",
    "flex_retrofit_capex_cny_per_kw",
    "flex_retrofit_lifetime_yr",
    "flex_retrofit_max_mw",
    "max_duration_h",
    "price_cny_per_mwh",
    "co2_t_per_mwh",
    "annual_energy_max_mwh",
    "annual_energy_min_mwh",
    "startup_cost_cny_per_mw",
    "min_up_h",
    "min_down_h",
    "unit_size_mw",
    "power_to_heat",
    "power_loss_per_heat",
)

#: attributes used only under a further condition; for other technologies a blank cell means "not
#: applicable": investment terms only for technologies that may build (``extendable``), the heat
#: rate only for a generator whose carrier burns fuel (see :func:`_burns_fuel`)
USED_ONLY_IF = {
    "capex_cny_per_kw": "extendable",
    "capex_cny_per_kwh": "extendable",
    "lifetime_yr": "extendable",
    "heat_rate_gce_per_kwh": "fuel",
    "flex_retrofit_capex_cny_per_kw": "flex_retrofit",
    "flex_retrofit_lifetime_yr": "flex_retrofit",
}
#: ``default_source`` prefix of a default that switches its bound or cost term off
NEUTRAL = "neutral"

CARRIER_COLUMNS = {
    "fuel_price_cny_per_tce": "float",
    "co2_t_per_tce": "float",
    "fossil": "bool",
    "coal": "bool",
    "renewable": "bool",
}


def read_csv(path: Path, what: str, field: str | None = None) -> pd.DataFrame:
    """Read a CSV (``#`` comment lines allowed) or fail with one line naming the file (and the config key
    ``field`` that names it)."""
    if not path.is_file():
        raise InputError(f"{what} file not found", source=str(path), field=field)
    check_complete_text(path)  # a table cut off mid-row would otherwise fill the rest with defaults
    _check_separator(path, what, field)
    try:
        df = pd.read_csv(path, comment="#", dtype=str, keep_default_na=False, skipinitialspace=True)
    except UnicodeDecodeError:
        try:
            path.read_bytes().decode("gbk")
            hint = "it reads as GBK (a Chinese Excel export)"
        except UnicodeDecodeError:
            hint = "its encoding is not known"
        raise InputError(f"{what} is not UTF-8 text: {hint}; save it as CSV UTF-8", source=str(path),
                         field=field) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise InputError(f"cannot read {what} CSV ({type(err).__name__})", source=str(path)) from None
    df.columns = [c.strip() for c in df.columns]
    return df


def _check_separator(path: Path, what: str, field: str | None) -> None:
    """A header without commas but with another separator: Excel in a Chinese or European locale."""
    try:
        with path.open(encoding="utf-8") as f:
            header = next((ln for ln in f if ln.strip() and not ln.lstrip().startswith("#")), "")
    except UnicodeDecodeError:
        return  # the reader names the encoding
    if "," in header:
        return
    for sep, name in ((";", "semicolons"), ("，", "full-width commas (，)"), ("\t", "tabs"), ("、", "、")):
        if sep in header:
            raise InputError(f"{what} is separated by {name}: save it as CSV with commas (,)", source=str(path),
                             field=field)


def read_attributes(path: Path) -> pd.DataFrame:
    """The attribute schema, indexed by attribute name."""
    df = read_csv(path, "attribute table")
    need = {"attribute", "unit", "type", "default", "default_source", "applies_to", "description"}
    missing = need - set(df.columns)
    if missing:
        raise InputError(f"missing column(s) {sorted(missing)}", source=str(path))
    df = df.set_index("attribute")
    for attr, spec in df.iterrows():
        if _source_key(spec["default_source"]) == NEUTRAL and not _is_neutral(spec["default"], spec["type"]):
            raise InputError(f"default {spec['default']!r} is not neutral (only 0 or inf, or false, switch a bound "
                             "or cost off): give it a source key or leave default_source empty",
                             source=str(path), field=f"{attr}.default_source")
    df.attrs["source"] = str(path)
    return df


def _source_key(text: str) -> str:
    """The key of a ``default_source`` cell (``key: note``), or ``""`` when the cell is empty."""
    return str(text).split(":", 1)[0].strip()


def _is_neutral(default: str, typ: str) -> bool:
    """A default that switches its term off: 0 or inf for a number, false for a flag."""
    d = str(default).strip().lower()
    if typ == "bool":
        return d in ("false", "0", "no")
    try:
        return float(d) in (0.0, math.inf)
    except ValueError:
        return False


def _convert(raw: str, typ: str, *, source: str, field: str) -> Any:
    raw = raw.strip() if isinstance(raw, str) else raw
    if typ == "str":
        return "" if raw is None else str(raw)
    if typ == "bool":
        if isinstance(raw, bool):
            return raw
        s = str(raw).lower()
        if s in ("true", "1", "yes"):
            return True
        if s in ("false", "0", "no"):
            return False
        raise InputError(f"expected true/false, got {raw!r}", source=source, field=field)
    if typ == "float":
        if isinstance(raw, bool):
            raise InputError(f"expected a number, got {raw!r}", source=source, field=field)
        try:
            val = float(raw)
        except (TypeError, ValueError):
            raise InputError(f"expected a number, got {raw!r}", source=source, field=field) from None
        if math.isnan(val):
            raise InputError("value is NaN", source=source, field=field)
        return val
    raise InputError(f"unknown attribute type {typ!r}", source=source, field=field)


def build_table(
    raw: pd.DataFrame,
    attributes: pd.DataFrame,
    overrides: dict[str, dict[str, Any]],
    *,
    source: str,
    zones: list[str],
    linked: frozenset[str] = frozenset(),
) -> pd.DataFrame:
    """Typed technology table with defaults filled and config overrides applied.

    ``raw`` holds strings as read; ``overrides`` maps technology -> attribute -> value. ``linked``: the
    zones a transmission link reaches (a zone needs a generator, a corridor or a link).
    """
    if "name" not in raw.columns:
        raise InputError("missing column 'name'", source=source)
    unknown_cols = [c for c in raw.columns if c != "name" and c not in attributes.index]
    if unknown_cols:
        raise InputError(f"unknown attribute column {unknown_cols[0]!r}", source=source)
    names = [n.strip() for n in raw["name"]]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise InputError(f"technology {dup[0]!r} appears twice", source=source, field="name")
    if any(not n for n in names):
        raise InputError("a row has an empty name", source=source, field="name")
    for tech, attrs in overrides.items():
        if tech not in names:
            raise InputError(f"unknown technology {tech!r}", source="config", field=f"technologies.{tech}")
        if not isinstance(attrs, dict):
            raise InputError("expected a mapping of attribute: value", source="config",
                             field=f"technologies.{tech}")
        for attr in attrs:
            if attr not in attributes.index:
                raise InputError("unknown attribute", source="config", field=f"technologies.{tech}.{attr}")

    specs = list(attributes.to_dict("index").items())  # plain dicts: pandas row access per cell is slow
    raw_rows = raw.to_dict("records")
    rows: dict[str, dict[str, Any]] = {}
    for i, tech in enumerate(names):
        row: dict[str, Any] = {}
        for attr, spec in specs:
            typ = spec["type"]
            ov = overrides.get(tech, {})
            if attr in ov:
                val = _convert(ov[attr], typ, source="config", field=f"technologies.{tech}.{attr}")
            else:
                cell = raw_rows[i].get(attr, "")
                cell = cell.strip() if isinstance(cell, str) else cell
                if cell == "":
                    cell = spec["default"]
                    if typ == "float" and cell == "":
                        raise InputError("value required (no default)", source=source, field=f"{tech}.{attr}")
                val = _convert(cell, typ, source=source, field=f"{tech}.{attr}")
            row[attr] = val
        rows[tech] = row
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "technology"
    for tech, row in rows.items():  # a colour the figures could not draw
        colour = str(row.get("color", ""))
        if colour and not re.fullmatch(r"[0-9a-fA-F]{6}", colour):
            raise InputError(f"colour {colour!r} is not six hex digits rrggbb (without #)", source=source,
                             field=f"{tech}.color")
    # a number for an attribute the technology's kind does not use would be ignored silently (variable
    # O&M on an import, whose price already carries it): refuse it
    for tech, row in rows.items():
        kind = str(row.get("kind", ""))
        for attr, spec in specs:
            kinds = str(spec["applies_to"]).strip()
            if spec["type"] != "float" or kinds == "all" or kind not in KINDS or kind in kinds.split("|"):
                continue
            default = _convert(spec["default"], "float", source=source, field=attr) if str(spec["default"]).strip() \
                else None
            if row[attr] != default:
                where = ("config", f"technologies.{tech}.{attr}") if attr in overrides.get(tech, {}) else (
                    source, f"{tech}.{attr}")
                raise InputError(f"{attr} does not apply to {kind} technologies (only to {kinds.replace('|', ', ')}) "
                                 "and would be ignored: leave it blank", source=where[0], field=where[1])
    # attributes whose default is "inf" (an absent bound) may be infinite; any other must be finite
    may_be_infinite = frozenset(
        a for a, spec in attributes.iterrows() if spec["type"] == "float" and str(spec["default"]).strip() == "inf")
    _validate(table, source=source, zones=zones, overridden=overrides, may_be_infinite=may_be_infinite,
              linked=linked)
    return table


def _validate(t: pd.DataFrame, *, source: str, zones: list[str],
              overridden: dict[str, dict[str, Any]] | None = None,
              may_be_infinite: frozenset[str] = frozenset(), linked: frozenset[str] = frozenset()) -> None:
    overridden = overridden or {}

    def fail(message: str, tech: str, attr: str) -> InputError:
        # a value set in the config's `technologies:` section is the config's fault, not the table's
        if attr in overridden.get(tech, {}):
            return InputError(message, source="config", field=f"technologies.{tech}.{attr}")
        return InputError(message, source=source, field=f"{tech}.{attr}")

    float_attrs = [a for a in t.columns if pd.api.types.is_float_dtype(t[a])]
    for tech, row in t.iterrows():
        if row["kind"] not in KINDS:
            raise fail(f"kind must be one of {', '.join(KINDS)}, got {row['kind']!r}", tech, "kind")
        if row["zone"] not in zones:
            raise fail(f"zone {row['zone']!r} is not a configured zone {zones}", tech, "zone")
        for attr in float_attrs:
            if attr not in may_be_infinite and math.isinf(row[attr]):
                raise fail(f"must be finite, got {row[attr]}", tech, attr)
        for attr in NONNEGATIVE:
            if row[attr] < 0:
                raise fail(f"must not be negative, got {row[attr]}", tech, attr)
        for attr in FRACTIONS:
            if not 0.0 <= row[attr] <= 1.0:
                raise fail(f"must lie in [0, 1], got {row[attr]}", tech, attr)
        if row["min_total_mw"] > row["max_total_mw"]:
            raise fail("min_total_mw exceeds max_total_mw", tech, "min_total_mw")
        if not row["extendable"] and row["existing_mw"] < row["min_total_mw"] - 1e-9:
            raise fail("min_total_mw exceeds existing_mw but the technology is not extendable", tech, "min_total_mw")
        if row["existing_mw"] > row["max_total_mw"] + 1e-9:
            raise fail("existing_mw exceeds max_total_mw", tech, "existing_mw")
        if row["lifetime_yr"] <= 0 and row["extendable"]:
            raise fail("lifetime must be positive", tech, "lifetime_yr")
        if row["kind"] == "storage":
            if row["efficiency_charge"] <= 0 or row["efficiency_discharge"] <= 0:
                attr = "efficiency_charge" if row["efficiency_charge"] <= 0 else "efficiency_discharge"
                raise fail("storage efficiencies must be positive", tech, attr)
            if row["min_duration_h"] > row["max_duration_h"]:
                raise fail("min_duration_h exceeds max_duration_h", tech, "min_duration_h")
        _validate_operation(row, tech, fail)
        if row["kind"] == "import":
            if row["annual_energy_min_mwh"] > row["annual_energy_max_mwh"]:
                raise fail("annual_energy_min_mwh exceeds annual_energy_max_mwh", tech, "annual_energy_min_mwh")
            if row["nonfossil_fraction"] + row["coal_fraction"] > 1 + 1e-9:
                raise fail("nonfossil_fraction + coal_fraction exceeds 1", tech, "coal_fraction")
    supplied = {row["zone"] for _, row in t.iterrows() if row["kind"] in ("generator", "import")}
    bare = [z for z in zones if z not in supplied and z not in linked]
    if bare:
        raise InputError(f"zone {bare[0]!r} has no generator or import corridor and no link: nothing can meet its "
                         "load; give it technologies or a link (inputs.links), or remove it from `zones`",
                         source="config", field="zones")


def _validate_operation(row: pd.Series, tech: str, fail: Any) -> None:
    """Unit commitment, CHP and schedule attributes: only where they mean something, and consistent."""
    kind = row["kind"]
    if row["committable"] and kind != "generator":
        raise fail("only generators can be committable", tech, "committable")
    if not row["committable"]:
        for attr in ("min_stable_frac", "startup_cost_cny_per_mw", "min_up_h", "min_down_h", "must_run_frac",
                     "flex_retrofit_min_stable_frac"):
            if row[attr] > 0:
                raise fail(f"{attr} needs committable: true (it describes committed capacity)", tech, attr)
    mode = str(row["chp_mode"]).strip()
    if row["flex_retrofit_min_stable_frac"] > 0:
        if str(mode).strip():
            raise fail("a flexibility retrofit is offered to power-only classes (CHP minimum load follows its steam)",
                       tech, "flex_retrofit_min_stable_frac")
        if row["flex_retrofit_lifetime_yr"] <= 0:
            raise fail("a flexibility retrofit needs a positive lifetime (its cost is an annuity over it)", tech,
                       "flex_retrofit_lifetime_yr")
        if row["flex_retrofit_min_stable_frac"] >= row["min_stable_frac"]:
            raise fail("flex_retrofit_min_stable_frac must lie below min_stable_frac (a retrofit lowers it)", tech,
                       "flex_retrofit_min_stable_frac")
    if mode not in CHP_MODES:
        raise fail(f"chp_mode must be empty, back_pressure or extraction, got {mode!r}", tech, "chp_mode")
    if mode and kind != "generator":
        raise fail("only generators can be CHP units", tech, "chp_mode")
    if mode and row["power_to_heat"] <= 0:
        raise fail("a CHP unit needs a positive power_to_heat (MW of power per MW of heat)", tech, "power_to_heat")
    if not mode:
        for attr in ("power_to_heat", "power_loss_per_heat"):
            if row[attr] > 0:
                raise fail(f"{attr} applies to CHP units only: set chp_mode or leave it blank", tech, attr)
    if kind == "generator" and row["reserve_frac"] > 0 and not row["committable"]:
        raise fail("operating reserve is held by units online: a generator with reserve_frac needs committable: true",
                   tech, "reserve_frac")
    if kind == "boiler" and row["profile"]:
        raise fail("boilers take no hourly profile", tech, "profile")
    if kind != "import":
        for attr in ("price_shape", "schedule_shape"):
            if str(row[attr]).strip():
                raise fail(f"{attr} applies to import corridors only", tech, attr)
    if row["valley_peak_ratio_min"] > 0 and not str(row["schedule_shape"]).strip():
        raise fail("valley_peak_ratio_min needs a schedule_shape (the blocks it compares)", tech,
                   "valley_peak_ratio_min")


def build_carriers(raw: pd.DataFrame, overrides: dict[str, dict[str, Any]], *, source: str) -> pd.DataFrame:
    """Typed carrier table indexed by carrier name."""
    need = {"name", *CARRIER_COLUMNS}
    missing = need - set(raw.columns)
    if missing:
        raise InputError(f"missing column(s) {sorted(missing)}", source=source)
    names = [str(n).strip() for n in raw["name"]]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise InputError(f"carrier {dup[0]!r} appears twice", source=source, field="name")
    if any(not n for n in names):
        raise InputError("a row has an empty name", source=source, field="name")
    for c, attrs in overrides.items():
        if c not in names:
            raise InputError(f"unknown carrier {c!r}", source="config", field=f"carriers.{c}")
        for a in attrs:
            if a not in CARRIER_COLUMNS:
                raise InputError("unknown attribute", source="config", field=f"carriers.{c}.{a}")
    rows = {}
    for i, name in enumerate(names):
        row = {}
        for col, typ in CARRIER_COLUMNS.items():
            if col in overrides.get(name, {}):
                src, fld = "config", f"carriers.{name}.{col}"
                row[col] = _convert(overrides[name][col], typ, source=src, field=fld)
            else:
                src, fld = source, f"{name}.{col}"
                cell = raw.iloc[i][col]
                if cell.strip() == "":
                    cell = "false" if typ == "bool" else "0"
                row[col] = _convert(cell, typ, source=src, field=fld)
            if typ == "float" and not 0.0 <= row[col] < math.inf:
                raise InputError(f"must be finite and not negative, got {row[col]}", source=src, field=fld)
        rows[name] = row
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "carrier"
    return out


def check_sources(
    tech_raw: pd.DataFrame, carrier_raw: pd.DataFrame, attributes: pd.DataFrame,
    sources_map: pd.DataFrame, sources: pd.DataFrame | None, *, source: str,
) -> None:
    """Every numeric cell of the shipped tables must name a source key that exists."""
    need = {"table", "name", "attribute", "source_key"}
    if need - set(sources_map.columns):
        raise InputError(f"missing column(s) {sorted(need - set(sources_map.columns))}", source=source)
    keyed = {(r.table, r.name, r.attribute) for r in sources_map.itertuples()}
    known = set(sources["key"]) if sources is not None and "key" in sources.columns else None
    if known is not None:
        bad = [k for k in sources_map["source_key"] if k not in known]
        if bad:
            raise InputError(f"unknown source key {bad[0]!r}", source=source, field="source_key")
    numeric = [a for a, typ in attributes["type"].items() if typ == "float" and a in tech_raw.columns]
    # plain dicts, not iterrows(): a pandas Series per row costs more than the whole check
    for row in tech_raw.to_dict("records"):
        for attr in numeric:
            if str(row[attr]).strip() != "":
                if ("technologies", row["name"].strip(), attr) not in keyed:
                    raise InputError("number has no source row", source=source,
                                     field=f"technologies.{row['name']}.{attr}")
    for row in carrier_raw.to_dict("records"):
        for col, typ in CARRIER_COLUMNS.items():
            if typ == "float" and str(row[col]).strip() != "":
                if ("carriers", row["name"].strip(), col) not in keyed:
                    raise InputError("number has no source row", source=source,
                                     field=f"carriers.{row['name']}.{col}")
    # the other way round: a cell with a source row must hold its number. A blank there is a number lost (a
    # deleted cell would otherwise become the attribute's default, e.g. 0 MW of a 14.9 GW fleet, in silence)
    cells = {("technologies", str(r["name"]).strip(), a): str(r.get(a, "")).strip() for r in tech_raw.to_dict("records")
             for a in numeric}
    cells.update({("carriers", str(r["name"]).strip(), c): str(r.get(c, "")).strip()
                  for r in carrier_raw.to_dict("records") for c, typ in CARRIER_COLUMNS.items() if typ == "float"})
    for key in keyed:
        if cells.get(key) == "":
            raise InputError("blank cell, but technology_sources.csv cites a source for its number: fill it in "
                             "(or remove the source row if the default is meant)", source=source,
                             field=".".join(key))
    _check_defaults(tech_raw, carrier_raw, attributes, known, source=source)


def _burns_fuel(carrier: dict[str, str]) -> bool:
    """A carrier that is fossil or has a fuel price or CO2 factor (blank = 0 / false)."""
    if str(carrier.get("fossil", "")).strip().lower() in ("true", "1", "yes"):
        return True
    for col in ("fuel_price_cny_per_tce", "co2_t_per_tce"):
        try:
            if float(str(carrier.get(col, "")).strip() or 0) > 0:
                return True
        except ValueError:
            return True  # not a number: build_carriers names it; meanwhile assume the heat rate matters
    return False


def _check_defaults(tech_raw: pd.DataFrame, carrier_raw: pd.DataFrame, attributes: pd.DataFrame,
                    known: set[str] | None, *, source: str) -> None:
    """A blank cell may take a numeric default only if ``default_source`` documents that default.

    Applies to the attributes a technology uses: its kind is in ``applies_to`` and the condition of
    :data:`USED_ONLY_IF` holds. ``known`` are the keys of sources.csv (None: not checked).
    """
    where = attributes.attrs.get("source", "attribute table")
    specs = list(attributes.to_dict("index").items())
    for attr, spec in specs:
        key = _source_key(spec["default_source"])
        if key and key != NEUTRAL and known is not None and key not in known:
            raise InputError(f"unknown source key {key!r} (neither {NEUTRAL!r} nor a key of sources.csv)",
                             source=where, field=f"{attr}.default_source")
    blank = next(_undocumented_blanks(tech_raw, carrier_raw, attributes), None)
    if blank is not None:
        name, attr, spec = blank
        raise InputError(
            f"blank cell would take the default {spec['default']} ({spec['unit']}) of the attribute table, which "
            "has no default_source: fill the cell in the technology table and give it a source row",
            source=source, field=f"technologies.{name}.{attr}")


def _undocumented_blanks(tech_raw: pd.DataFrame, carrier_raw: pd.DataFrame,
                         attributes: pd.DataFrame) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(technology, attribute, spec) of each blank cell a technology uses whose default has no
    ``default_source``: a number the model needs, not the neutral "none"."""
    specs = list(attributes.to_dict("index").items())
    fuel = {str(r["name"]).strip(): _burns_fuel(r) for r in carrier_raw.to_dict("records")}

    def cell(row: dict[str, Any], attr: str) -> str:
        value = str(row.get(attr, "")).strip()
        return value if value else str(attributes.at[attr, "default"]).strip()

    for row in tech_raw.to_dict("records"):
        name, kind = str(row["name"]).strip(), cell(row, "kind")
        for attr, spec in specs:
            if spec["type"] != "float" or _source_key(spec["default_source"]):
                continue
            if attr in row and str(row[attr]).strip() != "":
                continue
            kinds = str(spec["applies_to"]).strip()
            if kinds != "all" and kind not in kinds.split("|"):
                continue
            condition = USED_ONLY_IF.get(attr)
            if condition == "extendable" and cell(row, "extendable").lower() not in ("true", "1", "yes"):
                continue
            if condition == "fuel" and not fuel.get(cell(row, "carrier"), False):
                continue
            if condition == "flex_retrofit" and float(cell(row, "flex_retrofit_min_stable_frac") or 0) <= 0:
                continue
            yield name, attr, spec


def defaults_used(tech_raw: pd.DataFrame, carrier_raw: pd.DataFrame, attributes: pd.DataFrame,
                  overrides: dict[str, dict[str, Any]]) -> list[str]:
    """The blank cells that took a default the model needs (not a neutral "none"), as ``tech.attr = value
    unit``: a table without a sources check may leave them blank, and the run says so."""
    return [f"{name}.{attr} = {spec['default']} {spec['unit']}"
            for name, attr, spec in _undocumented_blanks(tech_raw, carrier_raw, attributes)
            if attr not in overrides.get(name, {})]
