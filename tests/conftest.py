"""Shared fixture for the input-validation and CLI tests: a tiny, valid case on disk.

The case (written by :func:`tiny.write_case`) has three hours of load (50, 80, 60 MW), an existing
100 MW coal unit and extendable PV with the profile ``pv`` (0, 1, 0.5), plus a small targets file.
Tests break copies of it under ``tmp_path``; files in the repository are never modified.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from optimizer.config import Config, config_from_dict
from optimizer.inputs import Inputs, load_inputs
from tiny import write_case

COAL = {"name": "coal", "kind": "generator", "carrier": "coal", "existing_mw": 100,
        "heat_rate_gce_per_kwh": 300}
PV = {"name": "pv", "kind": "generator", "carrier": "solar", "extendable": "true", "profile": "pv",
      "capex_cny_per_kw": 0.1, "lifetime_yr": 1}
LOAD = [50.0, 80.0, 60.0]
CF = {"pv": [0.0, 1.0, 0.5]}
TARGETS = """\
coal_cap: {value: 90, unit: percent}
pv_floor: {value: 0.01, unit: GW}
no_number: {unit: GW, quote: "a target the plan states without a number"}
"""

@pytest.fixture(autouse=True, scope="session")
def _no_pdf_unless_asked() -> None:
    """Reports print no PDF in the tests (each print costs a browser start, ~5 s), except where a test names
    the browser itself (tests/test_report_pdf.py); subprocesses inherit the setting."""
    import os

    from optimizer.report.pdf import BROWSER_ENV

    os.environ.setdefault(BROWSER_ENV, "none")


#: in :meth:`TinyCase.mapping` changes, this value deletes the key
DELETE = object()


def set_dotted(data: dict[str, Any], dotted: str, value: Any) -> None:
    """Set (or with DELETE remove) ``a.b.c`` in a nested mapping, creating mappings on the way."""
    *path, last = dotted.split(".")
    node = data
    for k in path:
        node = node.setdefault(k, {})
    if value is DELETE:
        node.pop(last, None)
    else:
        node[last] = value


class TinyCase:
    """A tiny valid case in ``folder``; helpers return broken or changed copies of its config."""

    def __init__(self, folder: Path, data: dict[str, Any]):
        self.folder = folder
        self.data = data
        self.config_path = folder / "config.yaml"
        self.results_dir = Path(data["output"]["dir"])  # where `run` writes without --out

    def mapping(self, changes: dict[str, Any] | None = None) -> dict[str, Any]:
        out = copy.deepcopy(self.data)
        for key, value in (changes or {}).items():
            set_dotted(out, key, value)
        return out

    def config(self, changes: dict[str, Any] | None = None) -> Config:
        return config_from_dict(self.mapping(changes), base_dir=self.folder, source=str(self.config_path))

    def inputs(self, changes: dict[str, Any] | None = None) -> Inputs:
        return load_inputs(self.config(changes))

    def write_config(self, changes: dict[str, Any] | None = None, name: str = "config.yaml") -> Path:
        path = self.folder / name
        path.write_text(yaml.safe_dump(self.mapping(changes), sort_keys=False), encoding="utf-8")
        return path

    def edit(self, filename: str, fn: Callable[[str], str]) -> Path:
        """Rewrite a data file of the case through ``fn`` (text in, text out)."""
        path = self.folder / filename
        before = path.read_text(encoding="utf-8")
        after = fn(before)
        assert after != before, f"the edit of {filename} changed nothing"
        path.write_text(after, encoding="utf-8")
        return path

    def read_table(self, filename: str) -> pd.DataFrame:
        return pd.read_csv(self.folder / filename, dtype=str, keep_default_na=False)

    def write_table(self, filename: str, frame: pd.DataFrame) -> None:
        frame.to_csv(self.folder / filename, index=False)

    def set_cell(self, filename: str, name: str, column: str, value: str) -> None:
        """Set one cell of a CSV whose first column (``name`` or ``timestamp``) identifies the row."""
        frame = self.read_table(filename)
        key = frame.columns[0]
        rows = frame.index[frame[key] == name]
        assert len(rows) == 1, f"no single row {name!r} in {filename}"
        frame.loc[rows[0], column] = value
        self.write_table(filename, frame)


def make_tiny_case(folder: Path, *, load: list[float] | None = None,
                   cf: dict[str, list[float]] | None = None) -> TinyCase:
    data = write_case(folder, [COAL, PV], load or LOAD, cf or CF)
    (folder / "targets.yaml").write_text(TARGETS, encoding="utf-8")
    data["inputs"]["targets"] = str(folder / "targets.yaml")
    case = TinyCase(folder, data)
    case.write_config()
    return case


@pytest.fixture
def tiny_case(tmp_path: Path) -> TinyCase:
    """A valid three-hour case in ``tmp_path/case`` (config at ``case.config_path``)."""
    return make_tiny_case(tmp_path / "case")


# --------------------------------------------------------------------------------------------------
# A catalogue of bad inputs, shared by tests/test_inputs.py (library) and tests/test_cli.py (CLI).
# Each breaks a fresh tiny case (files and/or config) and names the file and field the one-line
# error must mention. Any test that takes a ``breakage`` argument runs once per entry.
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Breakage:
    id: str
    apply: Callable[[TinyCase], dict[str, Any] | None]  # breaks files; returns config changes
    file: str  # base name of the file the message must name ("config.yaml" = the config itself)
    field: str | None  # text naming the field (column, key path, technology.attribute)
    text: str | None = None  # a further fragment of the message, when it matters


def _changes(changes: dict[str, Any]) -> Callable[[TinyCase], dict[str, Any]]:
    return lambda _case: changes


def _cell(filename: str, name: str, column: str, value: str) -> Callable[[TinyCase], None]:
    return lambda case: case.set_cell(filename, name, column, value)


def _frame(filename: str, fn: Callable[[pd.DataFrame], pd.DataFrame]) -> Callable[[TinyCase], None]:
    return lambda case: case.write_table(filename, fn(case.read_table(filename)))


def _drop_last_row(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.iloc[:-1]


def _duplicate_second_timestamp(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    out.iloc[1, 0] = out.iloc[0, 0]
    return out


def _gap_before_last(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    out.iloc[-1, 0] = "2025-01-01 03:00"  # 00:00, 01:00, 03:00
    return out


def _swap_first_rows(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.iloc[[1, 0, 2]]


def _add_column(name: str, value: str) -> Callable[[pd.DataFrame], pd.DataFrame]:
    return lambda frame: frame.assign(**{name: value})


def _append_row(values: dict[str, str]) -> Callable[[pd.DataFrame], pd.DataFrame]:
    return lambda frame: pd.concat([frame, pd.DataFrame([values])], ignore_index=True).fillna("")


def _missing(role: str, name: str) -> Callable[[TinyCase], dict[str, Any]]:
    return lambda case: {f"inputs.{role}": str(case.folder / name)}


def _edit(filename: str, old: str, new: str) -> Callable[[TinyCase], None]:
    def apply(case: TinyCase) -> None:
        case.edit(filename, lambda text: text.replace(old, new))
    return apply


def _target_share_of_150(case: TinyCase) -> dict[str, Any]:
    case.edit("targets.yaml", lambda text: text + "too_big: {value: 150, unit: percent}\n")
    return {"policy.coal_share_max": {"target": "too_big"}}


def write_override(case: TinyCase, columns: dict[str, list[float]], name: str = "override.csv") -> Path:
    """A profile-override CSV (timestamp + the given columns) over the case's three hours."""
    path = case.folder / name
    stamps = ["2025-01-01 00:00", "2025-01-01 01:00", "2025-01-01 02:00"]
    pd.DataFrame({"timestamp": stamps, **columns}).to_csv(path, index=False)
    return path


def _override(tech: str, columns: dict[str, list[float]]) -> Callable[[TinyCase], dict[str, Any]]:
    return lambda case: {"inputs.profile_overrides": {tech: str(write_override(case, columns))}}


def _sources_without(missing: tuple[str, str, str] | None,
                     unknown_key: bool = False) -> Callable[[TinyCase], dict[str, Any]]:
    return lambda case: write_sources(case, missing=missing, unknown_key=unknown_key)


def _min_above_max(case: TinyCase) -> None:
    case.set_cell("technologies.csv", "pv", "min_total_mw", "50")
    case.set_cell("technologies.csv", "pv", "max_total_mw", "10")


def write_sources(case: TinyCase, *, missing: tuple[str, str, str] | None = None,
                  unknown_key: bool = False) -> dict[str, Any]:
    """Write technology_sources.csv and sources.csv naming a source for every number of the case's
    two tables, except ``missing`` (table, name, attribute); return the config changes using them."""
    attrs = pd.read_csv(case.data["inputs"]["attributes"])
    numeric = set(attrs.loc[attrs["type"] == "float", "attribute"])
    rows = []
    for table, filename, columns in (("technologies", "technologies.csv", numeric),
                                     ("carriers", "carriers.csv", {"fuel_price_cny_per_tce", "co2_t_per_tce"})):
        frame = case.read_table(filename)
        for _, r in frame.iterrows():
            for col in sorted(columns & set(frame.columns)):
                if r[col].strip():
                    rows.append({"table": table, "name": r["name"], "attribute": col, "source_key": "tiny"})
    keyed = [r for r in rows if (r["table"], r["name"], r["attribute"]) != missing]
    assert missing is None or len(keyed) == len(rows) - 1, f"{missing} is not a number of the tables"
    if unknown_key:
        keyed[0]["source_key"] = "no_such_source"
    pd.DataFrame(keyed).to_csv(case.folder / "technology_sources.csv", index=False)
    pd.DataFrame([{"key": "tiny", "citation": "made up for a test"}]).to_csv(case.folder / "sources.csv", index=False)
    return {"inputs.technology_sources": str(case.folder / "technology_sources.csv"),
            "inputs.sources": str(case.folder / "sources.csv")}


BREAKAGES: list[Breakage] = [
    # --- the config itself: schema, types, ranges, policy references
    Breakage("unknown_key", _changes({"colour": "red"}), "config.yaml", "colour", "unknown key"),
    Breakage("unknown_nested_key", _changes({"economics.discont_rate": 0.1}), "config.yaml",
             "economics.discont_rate", "unknown key"),
    Breakage("wrong_type_int", _changes({"year": "twenty"}), "config.yaml", "year"),
    Breakage("wrong_type_list", _changes({"zones": "suzhou"}), "config.yaml", "zones"),
    Breakage("wrong_type_bool", _changes({"economics.allow_unserved": "maybe"}), "config.yaml",
             "economics.allow_unserved"),
    Breakage("nan_number", _changes({"economics.voll_cny_per_mwh": float("nan")}), "config.yaml",
             "economics.voll_cny_per_mwh", "finite"),
    Breakage("infinite_number", _changes({"policy.carbon_price_cny_per_t": float("inf")}), "config.yaml",
             "policy.carbon_price_cny_per_t", "finite"),
    Breakage("rate_above_one", _changes({"economics.discount_rate": 1.5}), "config.yaml", "economics.discount_rate"),
    Breakage("target_and_value", _changes({"policy.coal_share_max": {"target": "coal_cap", "value": 0.5}}),
             "config.yaml", "policy.coal_share_max"),
    Breakage("share_above_one", _changes({"policy.coal_share_max": {"value": 1.5}}), "config.yaml",
             "policy.coal_share_max", "[0, 1]"),
    Breakage("share_negative", _changes({"policy.nonfossil_share_min": {"value": -0.1}}), "config.yaml",
             "policy.nonfossil_share_min", "[0, 1]"),
    Breakage("share_target_150_percent", _target_share_of_150, "config.yaml", "policy.coal_share_max", "[0, 1]"),
    Breakage("unknown_target", _changes({"policy.coal_share_max": {"target": "coal_cap_2099"}}), "config.yaml",
             "policy.coal_share_max", "coal_cap_2099"),
    Breakage("target_without_number", _changes({"policy.coal_share_max": {"target": "no_number"}}), "config.yaml",
             "policy.coal_share_max", "no_number"),
    Breakage("target_in_wrong_unit", _changes({"policy.coal_share_max": {"target": "pv_floor"}}), "config.yaml",
             "policy.coal_share_max", "GW"),
    Breakage("target_without_targets_file",
             _changes({"inputs.targets": DELETE, "policy.coal_share_max": {"target": "coal_cap"}}), "config.yaml",
             "policy.coal_share_max", "coal_cap"),
    Breakage("capacity_target_unknown_technology",
             _changes({"policy.capacity_targets": [{"name": "n", "value": 10, "technologies": ["nuclear"]}]}),
             "config.yaml", "policy.capacity_targets.0.technologies", "nuclear"),
    Breakage("capacity_target_energy_of_generator",
             _changes({"policy.capacity_targets": [{"name": "e", "value": 10, "technologies": ["pv"],
                                                    "measure": "energy"}]}),
             "config.yaml", "policy.capacity_targets.0.technologies", "storage"),
    Breakage("capacity_target_negative",
             _changes({"policy.capacity_targets": [{"name": "n", "value": -10, "technologies": ["pv"]}]}),
             "config.yaml", "policy.capacity_targets.0.value"),
    Breakage("co2_cap_negative", _changes({"policy.co2_cap_t": {"value": -5.0}}), "config.yaml",
             "policy.co2_cap_t"),
    Breakage("override_unknown_technology", _changes({"technologies": {"nuclear": {"existing_mw": 1}}}),
             "config.yaml", "technologies.nuclear"),
    Breakage("override_unknown_attribute", _changes({"technologies": {"coal": {"colour": 1}}}), "config.yaml",
             "technologies.coal.colour"),
    Breakage("override_negative_capacity", _changes({"technologies": {"coal": {"existing_mw": -5}}}),
             "config.yaml", "technologies.coal.existing_mw", "negative"),
    Breakage("override_not_a_number", _changes({"technologies": {"coal": {"existing_mw": "lots"}}}),
             "config.yaml", "technologies.coal.existing_mw"),
    Breakage("carrier_override_negative", _changes({"carriers": {"coal": {"fuel_price_cny_per_tce": -1}}}),
             "config.yaml", "carriers.coal.fuel_price_cny_per_tce", "negative"),
    Breakage("time_unparsable", _changes({"time.start": "yesterday"}), "config.yaml", "time"),
    Breakage("resolution_not_a_divisor", _changes({"time.resolution_h": 2}), "config.yaml", "time.resolution_h"),
    Breakage("profile_override_unknown_technology", _override("nuclear", {"cf": [0.2, 0.3, 0.4]}), "config.yaml",
             "inputs.profile_overrides.nuclear"),
    Breakage("profile_override_technology_without_profile", _override("coal", {"cf": [0.2, 0.3, 0.4]}), "config.yaml",
             "inputs.profile_overrides.coal"),
    # --- the technology table
    Breakage("negative_capacity", _cell("technologies.csv", "coal", "existing_mw", "-100"), "technologies.csv",
             "coal.existing_mw", "negative"),
    Breakage("infinite_capacity", _cell("technologies.csv", "coal", "existing_mw", "inf"), "technologies.csv",
             "coal.existing_mw", "finite"),
    Breakage("capacity_not_a_number", _cell("technologies.csv", "coal", "existing_mw", "abc"), "technologies.csv",
             "coal.existing_mw", "abc"),
    Breakage("availability_above_one", _cell("technologies.csv", "coal", "availability", "1.2"),
             "technologies.csv", "coal.availability", "[0, 1]"),
    Breakage("unknown_attribute_column", _frame("technologies.csv", _add_column("colour", "red")),
             "technologies.csv", "colour", "unknown attribute column"),
    Breakage("duplicate_technology", _frame("technologies.csv", _append_row({"name": "coal", "kind": "generator",
                                                                             "carrier": "coal"})),
             "technologies.csv", "name", "coal"),
    Breakage("unknown_kind", _cell("technologies.csv", "coal", "kind", "reactor"), "technologies.csv", "coal.kind"),
    Breakage("carrier_not_in_carrier_table", _cell("technologies.csv", "coal", "carrier", "lignite"),
             "technologies.csv", "coal.carrier", "lignite"),
    Breakage("min_above_max", _min_above_max, "technologies.csv", "pv.min_total_mw"),
    Breakage("attribute_of_another_kind", _cell("technologies.csv", "coal", "price_cny_per_mwh", "50"),
             "technologies.csv", "coal.price_cny_per_mwh", "does not apply to generator"),
    # --- the carrier table
    Breakage("duplicate_carrier", _frame("carriers.csv", _append_row({"name": "coal", "fuel_price_cny_per_tce": "5",
                                                                      "co2_t_per_tce": "2", "fossil": "true",
                                                                      "coal": "true", "renewable": "false"})),
             "carriers.csv", "name", "coal"),
    Breakage("negative_fuel_price", _cell("carriers.csv", "coal", "fuel_price_cny_per_tce", "-5"), "carriers.csv",
             "coal.fuel_price_cny_per_tce", "negative"),
    Breakage("carrier_number_not_a_number", _cell("carriers.csv", "gas", "co2_t_per_tce", "some"), "carriers.csv",
             "gas.co2_t_per_tce", "some"),
    Breakage("carrier_flag_not_boolean", _cell("carriers.csv", "coal", "fossil", "perhaps"), "carriers.csv",
             "coal.fossil"),
    # --- sources of the numbers
    Breakage("number_without_source_row", _sources_without(("technologies", "coal", "heat_rate_gce_per_kwh")),
             "technology_sources.csv", "technologies.coal.heat_rate_gce_per_kwh", "no source"),
    Breakage("carrier_number_without_source_row", _sources_without(("carriers", "gas", "co2_t_per_tce")),
             "technology_sources.csv", "carriers.gas.co2_t_per_tce", "no source"),
    Breakage("unknown_source_key", _sources_without(None, unknown_key=True), "technology_sources.csv",
             "source_key", "no_such_source"),
    # --- profiles: length, NaN, range, timestamps, technologies
    Breakage("profile_too_short", _frame("cf.csv", _drop_last_row), "cf.csv", "time", "missing"),
    Breakage("profile_column_twice", _frame("cf.csv", lambda f: pd.concat([f, f[["pv"]]], axis=1)), "cf.csv", "pv",
             "appears twice"),
    Breakage("load_in_kw", _cell("load.csv", "2025-01-01 01:00", "load_mw", "80000000"), "load.csv", "suzhou",
             "looks like kW"),
    Breakage("load_hour_numbers", _frame("load.csv", lambda f: f.assign(timestamp=[str(i) for i in range(len(f))])),
             "load.csv", "timestamp", "plain numbers"),
    Breakage("load_too_short", _frame("load.csv", _drop_last_row), "load.csv", "time", "missing"),
    Breakage("profile_nan", _cell("cf.csv", "2025-01-01 01:00", "pv", ""), "cf.csv", "pv", "NaN"),
    Breakage("profile_nan_literal", _cell("cf.csv", "2025-01-01 01:00", "pv", "nan"), "cf.csv", "pv", "NaN"),
    Breakage("load_nan", _cell("load.csv", "2025-01-01 01:00", "load_mw", ""), "load.csv", "suzhou", "NaN"),
    Breakage("load_infinite", _cell("load.csv", "2025-01-01 01:00", "load_mw", "inf"), "load.csv", "suzhou",
             "infinite"),
    Breakage("load_negative", _cell("load.csv", "2025-01-01 01:00", "load_mw", "-80"), "load.csv", "suzhou",
             "below 0"),
    Breakage("load_not_a_number", _cell("load.csv", "2025-01-01 01:00", "load_mw", "eighty"), "load.csv",
             "load_mw", "non-numeric"),
    Breakage("capacity_factor_above_one", _cell("cf.csv", "2025-01-01 01:00", "pv", "1.5"), "cf.csv", "pv",
             "above 1"),
    Breakage("capacity_factor_negative", _cell("cf.csv", "2025-01-01 01:00", "pv", "-0.1"), "cf.csv", "pv",
             "below 0"),
    Breakage("load_duplicate_timestamp", _frame("load.csv", _duplicate_second_timestamp), "load.csv", "time",
             "duplicate"),
    Breakage("profile_duplicate_timestamp", _frame("cf.csv", _duplicate_second_timestamp), "cf.csv", "time",
             "duplicate"),
    Breakage("load_not_hourly", _frame("load.csv", _gap_before_last), "load.csv", "time", "not hourly"),
    Breakage("profile_not_hourly", _frame("cf.csv", _gap_before_last), "cf.csv", "time", "not hourly"),
    Breakage("load_out_of_order", _frame("load.csv", _swap_first_rows), "load.csv", "time", "order"),
    Breakage("load_timestamp_unparsable", _cell("load.csv", "2025-01-01 01:00", "timestamp", "tomorrow"),
             "load.csv", "timestamp", "parsed"),
    Breakage("load_without_timestamp_column", _edit("load.csv", "timestamp,load_mw", "when,load_mw"), "load.csv",
             None, "timestamp"),
    Breakage("load_of_another_year", _changes({"year": 2030, "time.start": DELETE, "time.end": DELETE}),
             "load.csv", "time", "2030"),
    Breakage("selection_beyond_data", _changes({"time.end": "2025-01-01 05:00"}), "load.csv", "time", "missing"),
    Breakage("profile_matches_no_technology", _frame("cf.csv", _add_column("wind", "0.5")), "cf.csv", "wind",
             "matches no technology"),
    Breakage("technology_profile_missing", _edit("cf.csv", "timestamp,pv", "timestamp,pv_old"), "cf.csv",
             "inputs.capacity_factors", "'pv'"),
    Breakage("no_capacity_factor_file", _changes({"inputs.capacity_factors": DELETE}), "config.yaml",
             "inputs.capacity_factors", "'pv'"),
    Breakage("profile_override_two_columns", _override("pv", {"a": [0.1, 0.2, 0.3], "b": [0.1, 0.2, 0.3]}),
             "override.csv", None, "one value column"),
    Breakage("profile_override_nan", _override("pv", {"pv": [0.1, float("nan"), 0.3]}), "override.csv", "pv", "NaN"),
    # --- missing files
    Breakage("missing_technologies", _missing("technologies", "no_technologies.csv"), "no_technologies.csv",
             "inputs.technologies", "not found"),
    Breakage("missing_carriers", _missing("carriers", "no_carriers.csv"), "no_carriers.csv", "inputs.carriers",
             "not found"),
    Breakage("missing_attributes", _missing("attributes", "no_attributes.csv"), "no_attributes.csv", None,
             "not found"),
    Breakage("missing_load", _missing("load", "no_load.csv"), "no_load.csv", "inputs.load", "not found"),
    Breakage("missing_capacity_factors", _missing("capacity_factors", "no_cf.nc"), "no_cf.nc",
             "inputs.capacity_factors", "not found"),
    Breakage("missing_targets", _missing("targets", "no_targets.yaml"), "no_targets.yaml", "inputs.targets",
             "not found"),
    Breakage("missing_technology_sources", _missing("technology_sources", "no_sources.csv"), "no_sources.csv",
             "inputs.technology_sources", "not found"),
    Breakage("missing_profile_override", lambda case: {"inputs.profile_overrides": {"pv": str(case.folder / "no.csv")}},
             "no.csv", "inputs.profile_overrides.pv", "not found"),
    # --- the targets file
    Breakage("targets_not_yaml", _edit("targets.yaml", "coal_cap: {value: 90, unit: percent}",
                                       "coal_cap: {value: 90, unit: percent"), "targets.yaml", None, "YAML"),
    Breakage("targets_duplicate_key", _edit("targets.yaml", "pv_floor: {value: 0.01, unit: GW}",
                                            "pv_floor: {value: 0.01, unit: GW}\ncoal_cap: {value: 99, unit: percent}"),
             "targets.yaml", "line 3", "duplicate key 'coal_cap'"),
    Breakage("target_value_not_a_number", _edit("targets.yaml", "value: 90", "value: ninety"), "targets.yaml",
             "coal_cap.value", "ninety"),
    Breakage("targets_not_a_mapping", _edit("targets.yaml", TARGETS, "- coal_cap\n- pv_floor\n"), "targets.yaml",
             None, "mapping"),
]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "breakage" in metafunc.fixturenames:
        metafunc.parametrize("breakage", BREAKAGES, ids=[b.id for b in BREAKAGES])
