"""Loading and validation of configs and input files (library level, no solver).

Bad inputs must raise :class:`~optimizer.errors.InputError` with a one-line message naming the file
and the field; the catalogue of bad inputs is ``BREAKAGES`` in tests/conftest.py (tests taking a
``breakage`` argument run once per entry). Good inputs must load into the documented shape.
"""

from __future__ import annotations

import copy
import datetime as dt
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import TinyCase, make_tiny_case, write_override, write_sources

from optimizer.config import config_from_dict, load_config
from optimizer.errors import InputError
from optimizer.inputs import Inputs, load_inputs, resolve_target
from optimizer.model import build_model

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "configs" / "suzhou_2025.yaml"
SHIPPED_TECHS = ["coal_large", "coal_chp", "coal_captive", "coal_usc_new", "gas_chp_f", "gas_chp_e", "gas_ccgt_new",
                 "pv_utility", "pv_rooftop", "wind_onshore", "biomass", "battery", "boiler_gas_coal", "boiler_gas_gas",
                 "demand_response", "import_jinping", "import_baihetan", "import_provincial_ac", "import_nj_wind"]
SHIPPED_LOAD_TWH = 195.755


def energy_mwh(inp: Inputs) -> float:
    """Load energy the model sees: sum over steps of load x hours the step stands for."""
    return float((inp.load_mw.sum(axis=1).to_numpy() * inp.weight_h).sum())


def assert_names(err: InputError, case: TinyCase, file: str, field: str | None, text: str | None = None) -> None:
    """A one-line message that names the file (or the config) and the field."""
    msg = str(err)
    assert err.exit_code == 2
    assert "\n" not in msg and msg.strip(), msg
    if file == "config.yaml":
        assert err.source in ("config", str(case.config_path)), msg
    else:
        assert err.source is not None and Path(err.source).name == file, msg
        assert file in msg
    if field is not None:
        assert field in msg, msg
    if text is not None:
        assert text in msg, msg


# --------------------------------------------------------------------------------------------------
# the shipped case
# --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped() -> Inputs:
    return load_inputs(load_config(SHIPPED))


def test_shipped_config_loads_a_full_hourly_year(shipped: Inputs) -> None:
    assert len(shipped.time) == 8760
    assert shipped.time[0] == pd.Timestamp("2025-01-01 00:00")
    assert shipped.time[-1] == pd.Timestamp("2025-12-31 23:00")
    assert (np.diff(shipped.time.values) == np.timedelta64(1, "h")).all()
    assert shipped.step_h.tolist() == [1.0] * 8760
    assert shipped.weight_h.sum() == pytest.approx(8760.0)
    assert list(shipped.techs.index) == SHIPPED_TECHS
    assert list(shipped.load_mw.columns) == ["suzhou"]


def test_shipped_load_energy(shipped: Inputs) -> None:
    assert energy_mwh(shipped) / 1e6 == pytest.approx(SHIPPED_LOAD_TWH, abs=1e-6)


def test_shipped_capacity_factors_are_per_unit_and_match_the_table(shipped: Inputs) -> None:
    with_profile = [t for t in shipped.techs.index if shipped.techs.at[t, "profile"]]
    assert sorted(shipped.cf.columns) == sorted(with_profile) == [
        "import_nj_wind", "import_provincial_ac", "pv_rooftop", "pv_utility", "wind_onshore"]
    values = shipped.cf.to_numpy()
    assert np.isfinite(values).all()
    assert values.min() >= 0.0 and values.max() <= 1.0
    assert (shipped.cf.index == shipped.time).all()
    # PV is dark at local midnight and produces around noon
    assert shipped.cf.loc[shipped.time.hour == 0, "pv_utility"].max() == 0.0
    assert shipped.cf.loc[shipped.time.hour == 12, "pv_utility"].mean() > 0.2


def test_shipped_targets_resolve_in_internal_units(shipped: Inputs) -> None:
    cfg = load_config(SHIPPED)
    coal = resolve_target(cfg.policy.coal_share_max, shipped.targets, unit="per-unit", field="x")
    assert coal == pytest.approx(shipped.targets["coal_share_2025"]["value"] / 100)
    pv = next(t for t in cfg.policy.capacity_targets if t.name == "pv")
    assert resolve_target(pv, shipped.targets, unit="MW", field="x") == pytest.approx(
        shipped.targets["pv_capacity_2025"]["value"] * 1000)


def test_shipped_aggregation_to_three_hours_preserves_energy() -> None:
    hourly = load_inputs(load_config(SHIPPED))
    inp = load_inputs(load_config(SHIPPED, ["time.resolution_h=3"]))
    assert len(inp.time) == 2920
    assert inp.step_h.tolist() == [3.0] * 2920
    assert inp.weight_h.sum() == pytest.approx(8760.0)
    assert energy_mwh(inp) / 1e6 == pytest.approx(SHIPPED_LOAD_TWH, abs=1e-6)
    # each step is the mean of its three hours, stamped with the first of them
    assert inp.time[1] == pd.Timestamp("2025-01-01 03:00")
    assert inp.load_mw.iloc[1, 0] == pytest.approx(hourly.load_mw.iloc[3:6, 0].mean())
    assert inp.cf["pv_rooftop"].to_numpy() == pytest.approx(
        hourly.cf["pv_rooftop"].to_numpy().reshape(-1, 3).mean(axis=1))


# --------------------------------------------------------------------------------------------------
# --set overrides
# --------------------------------------------------------------------------------------------------


def test_set_overrides_reach_the_config_and_leave_the_file_alone() -> None:
    before = SHIPPED.read_bytes()
    mtime = SHIPPED.stat().st_mtime_ns
    cfg = load_config(SHIPPED, [
        "policy.coal_share_max.value=0.5",
        "solver.time_limit_s=60",
        "time.end=2025-01-02 23:00",
        "technologies.gas_ccgt_new.capex_cny_per_kw=3500",
        "economics.allow_unserved=false",
    ])
    assert cfg.policy.coal_share_max.value == 0.5
    assert cfg.policy.coal_share_max.target is None  # the explicit value replaces the cited target
    assert cfg.solver.time_limit_s == 60
    assert cfg.time.end == "2025-01-02 23:00"
    assert cfg.economics.allow_unserved is False
    inp = load_inputs(cfg)
    assert len(inp.time) == 48
    assert inp.techs.at["gas_ccgt_new", "capex_cny_per_kw"] == 3500
    assert SHIPPED.read_bytes() == before
    assert SHIPPED.stat().st_mtime_ns == mtime
    # and the overrides do not leak into a later load
    again = load_config(SHIPPED)
    assert again.policy.coal_share_max.target == "coal_share_2025"
    assert again.policy.coal_share_max.value is None
    assert again.solver.time_limit_s is None


def test_set_into_a_section_switched_off_with_null() -> None:
    assert load_config(SHIPPED).policy.co2_cap_t is None
    cfg = load_config(SHIPPED, ["policy.co2_cap_t.value=50000000.0"])
    assert cfg.policy.co2_cap_t.value == 5e7


def test_set_target_replaces_an_explicit_value(tiny_case: TinyCase) -> None:
    path = tiny_case.write_config({"policy.coal_share_max": {"value": 0.5}})
    cfg = load_config(path, ["policy.coal_share_max.target=coal_cap"])
    assert cfg.policy.coal_share_max.target == "coal_cap"
    assert cfg.policy.coal_share_max.value is None
    inp = load_inputs(cfg)
    assert resolve_target(cfg.policy.coal_share_max, inp.targets, unit="per-unit", field="x") == pytest.approx(0.9)


def test_set_values_are_read_as_yaml(tiny_case: TinyCase) -> None:
    cfg = load_config(tiny_case.config_path, ["zones=[suzhou]", "economics.discount_rate=0.05",
                                              "description=a b=c", "policy.ramp_limits=no"])
    assert cfg.zones == ["suzhou"]
    assert cfg.economics.discount_rate == 0.05
    assert cfg.description == "a b=c"  # only the first '=' splits
    assert cfg.policy.ramp_limits is False


@pytest.mark.parametrize(("item", "named"), [
    ("economics.discount_rate", "--set"),  # no '='
    ("=0.1", "--set"),  # no key
    ("economics..discount_rate=0.1", "economics..discount_rate"),
    ("year.month=1", "year.month"),  # inside a number
    ("economics.bogus=1", "economics.bogus"),
    ("economics.discount_rate=abc", "economics.discount_rate"),
    ("economics.discount_rate=2", "economics.discount_rate"),
    ("solver.time_limit_s=0", "solver.time_limit_s"),
    ("solver.method=fastest", "solver.method"),
    ("policy.capacity_targets.9.value=1", "policy.capacity_targets.9.value"),
    ("policy.capacity_targets.x.value=1", "policy.capacity_targets.x.value"),
])
def test_bad_set_override(item: str, named: str) -> None:
    with pytest.raises(InputError) as info:
        load_config(SHIPPED, [item])
    msg = str(info.value)
    assert "\n" not in msg
    assert named in msg, msg
    assert "--set" in msg, msg  # the message says the problem came from the command line


# --------------------------------------------------------------------------------------------------
# reading the config file
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("content", "text"), [
    ("name: [unclosed\n  year: 2025\n", "not valid YAML"),
    ("name: tiny\n\tyear: 2025\n", "not valid YAML"),
    ("- name\n- year\n", "mapping"),
    ("just a sentence\n", "mapping"),
    ("", "Field required"),
])
def test_config_that_is_not_a_yaml_mapping(tmp_path: Path, content: str, text: str) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_config(path)
    assert info.value.source == str(path)
    assert text in str(info.value) and "\n" not in str(info.value)


def test_config_that_is_not_text(tmp_path: Path) -> None:
    path = tmp_path / "binary.yaml"
    path.write_bytes(b"\xff\xfe\x00\x81name")
    with pytest.raises(InputError, match="UTF-8") as info:
        load_config(path)
    assert info.value.source == str(path)


@pytest.mark.parametrize("name", ["missing.yaml", "a_folder"])
def test_missing_config_file(tmp_path: Path, name: str) -> None:
    (tmp_path / "a_folder").mkdir()
    with pytest.raises(InputError, match="not found") as info:
        load_config(tmp_path / name)
    assert info.value.source == str(tmp_path / name)


def test_unquoted_yaml_dates_select_hours(tiny_case: TinyCase) -> None:
    text = tiny_case.config_path.read_text()
    text = text.replace("start: '2025-01-01 00:00:00'", "start: 2025-01-01")
    text = text.replace("end: '2025-01-01 02:00:00'", "end: 2025-01-01 01:00:00")
    path = tiny_case.folder / "dates.yaml"
    path.write_text(text)
    raw = yaml.safe_load(text)["time"]
    assert isinstance(raw["start"], dt.date) and isinstance(raw["end"], dt.datetime)  # what YAML makes of them
    inp = load_inputs(load_config(path))
    assert list(inp.time) == [pd.Timestamp("2025-01-01 00:00"), pd.Timestamp("2025-01-01 01:00")]


# --------------------------------------------------------------------------------------------------
# paths, hashing, overrides of profiles, time selection
# --------------------------------------------------------------------------------------------------


def test_relative_paths_resolve_against_the_config_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "project"
    case = make_tiny_case(project / "data")
    shutil.copy(case.data["inputs"]["attributes"], project / "data" / "attributes.csv")
    write_override(case, {"cf": [0.1, 0.2, 0.3]}, name="pv_override.csv")
    data = case.mapping({"output": None})
    data["inputs"] = {
        "technologies": "../data/technologies.csv", "carriers": "../data/carriers.csv",
        "attributes": "../data/attributes.csv", "load": "../data/load.csv", "capacity_factors": "../data/cf.csv",
        "targets": "../data/targets.yaml", "profile_overrides": {"pv": "../data/pv_override.csv"},
    }
    del data["output"]
    (project / "configs").mkdir()
    path = project / "configs" / "relative.yaml"
    path.write_text(yaml.safe_dump(data))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)

    cfg = load_config(path)
    assert cfg.inputs.technologies == (project / "data" / "technologies.csv").resolve()
    assert cfg.inputs.targets == (project / "data" / "targets.yaml").resolve()
    assert cfg.inputs.profile_overrides["pv"] == (project / "data" / "pv_override.csv").resolve()
    # a config in a project's configs/ folder writes to the project's results/ folder by default
    assert cfg.output.dir == (project / "results" / "tiny").resolve()
    inp = load_inputs(cfg)
    assert inp.cf["pv"].tolist() == pytest.approx([0.1, 0.2, 0.3])
    # an explicit relative output folder is relative to the config's folder too
    assert load_config(path, ["output.dir=out"]).output.dir == (project / "configs" / "out").resolve()


def test_inputs_hash_follows_data_not_solver_options(tiny_case: TinyCase, tmp_path: Path) -> None:
    base = tiny_case.inputs().inputs_hash
    assert base == tiny_case.inputs().inputs_hash  # deterministic
    solver_only = tiny_case.inputs({"solver.method": "simplex", "solver.time_limit_s": 10, "solver.threads": 2,
                                    "output.dir": str(tmp_path / "elsewhere")})
    assert solver_only.inputs_hash == base
    # the same files in another folder: the contents are hashed, not their locations
    moved = make_tiny_case(tmp_path / "moved")
    assert moved.inputs().inputs_hash == base
    # a model setting changes the hash
    assert tiny_case.inputs({"economics.discount_rate": 0.05}).inputs_hash != base
    # a data value changes the hash
    tiny_case.set_cell("load.csv", "2025-01-01 01:00", "load_mw", "81")
    changed = tiny_case.inputs()
    assert changed.load_mw.iloc[1, 0] == 81
    assert changed.inputs_hash != base


def test_profile_override_replaces_a_technology_profile(tiny_case: TinyCase) -> None:
    plain = tiny_case.inputs()
    assert plain.cf["pv"].tolist() == [0.0, 1.0, 0.5]
    path = write_override(tiny_case, {"my_pv": [0.2, 0.3, 0.4]})
    inp = tiny_case.inputs({"inputs.profile_overrides": {"pv": str(path)}})
    assert inp.cf["pv"].tolist() == pytest.approx([0.2, 0.3, 0.4])
    assert list(inp.cf.columns) == ["pv"]
    assert inp.files["profile_override:pv"] == str(path)
    assert inp.inputs_hash != plain.inputs_hash


def test_profile_override_stands_in_for_a_missing_profile_column(tiny_case: TinyCase) -> None:
    tiny_case.edit("cf.csv", lambda t: t.replace("timestamp,pv", "timestamp,pv_old"))
    with pytest.raises(InputError, match="no profile 'pv'"):
        tiny_case.inputs()
    path = write_override(tiny_case, {"cf": [0.2, 0.3, 0.4]})
    # pv_old is now a column matching no technology
    with pytest.raises(InputError, match="'pv_old' matches no technology"):
        tiny_case.inputs({"inputs.profile_overrides": {"pv": str(path)}})


def test_time_selection_and_three_hour_averaging(tmp_path: Path) -> None:
    load = [float(100 + h) for h in range(24)]
    cf = [round(h / 23, 6) for h in range(24)]
    case = make_tiny_case(tmp_path / "day", load=load, cf={"pv": cf})
    full = case.inputs()
    assert len(full.time) == 24

    sel = case.inputs({"time.start": "2025-01-01 03:00", "time.end": "2025-01-01 08:00"})
    assert list(sel.time) == list(pd.date_range("2025-01-01 03:00", periods=6, freq="h"))
    assert sel.load_mw.iloc[:, 0].tolist() == load[3:9]
    assert sel.cf["pv"].tolist() == pytest.approx(cf[3:9])
    assert sel.weight_h.tolist() == [1.0] * 6  # scale_to_year off in tiny cases

    agg = case.inputs({"time.start": "2025-01-01 03:00", "time.end": "2025-01-01 08:00", "time.resolution_h": 3})
    assert list(agg.time) == [pd.Timestamp("2025-01-01 03:00"), pd.Timestamp("2025-01-01 06:00")]
    assert agg.step_h.tolist() == [3.0, 3.0]
    assert agg.load_mw.iloc[:, 0].tolist() == pytest.approx([104.0, 107.0])
    assert agg.cf["pv"].tolist() == pytest.approx([np.mean(cf[3:6]), np.mean(cf[6:9])])
    assert energy_mwh(agg) == pytest.approx(sum(load[3:9]))

    day = case.inputs({"time.resolution_h": 3})
    assert energy_mwh(day) == pytest.approx(sum(load))
    scaled = case.inputs({"time.resolution_h": 3, "time.scale_to_year": True})
    assert scaled.weight_h.sum() == pytest.approx(8760.0)
    assert energy_mwh(scaled) == pytest.approx(sum(load) * 365)


def test_build_model_does_not_mutate_inputs_or_config(tiny_case: TinyCase) -> None:
    cfg = tiny_case.config({
        "policy.coal_share_max": {"target": "coal_cap"},
        "policy.capacity_targets": [{"name": "pv", "target": "pv_floor", "technologies": ["pv"]}],
        "technologies": {"coal": {"existing_mw": 120}},
    })
    inp = load_inputs(cfg)
    frames = {name: getattr(inp, name).copy(deep=True) for name in ("techs", "carriers", "load_mw", "cf",
                                                                    "attributes")}
    arrays = {name: getattr(inp, name).copy() for name in ("step_h", "weight_h")}
    targets, files, time, dump = copy.deepcopy(inp.targets), dict(inp.files), inp.time.copy(), cfg.dump()

    build_model(inp, cfg)
    build_model(inp, cfg, elastic=True)

    for name, before in frames.items():
        pd.testing.assert_frame_equal(getattr(inp, name), before, obj=name)
    for name, before in arrays.items():
        np.testing.assert_array_equal(getattr(inp, name), before)
    assert inp.targets == targets and inp.files == files
    assert inp.time.equals(time)
    assert cfg.dump() == dump
    assert inp.techs.at["coal", "existing_mw"] == 120


# --------------------------------------------------------------------------------------------------
# bad inputs
# --------------------------------------------------------------------------------------------------


def test_tiny_case_is_valid(tiny_case: TinyCase) -> None:
    """The baseline every bad input breaks: without the breakage it loads."""
    inp = tiny_case.inputs()
    assert len(inp.time) == 3 and list(inp.techs.index) == ["coal", "pv"]
    assert load_inputs(load_config(tiny_case.config_path)).inputs_hash == inp.inputs_hash


def test_bad_input_is_a_one_line_input_error(tiny_case: TinyCase, breakage) -> None:
    changes = breakage.apply(tiny_case)
    with pytest.raises(InputError) as info:
        tiny_case.inputs(changes)
    assert_names(info.value, tiny_case, breakage.file, breakage.field, breakage.text)


#: cells of the tiny case whose defaults (availability 1, firm credit 0) have no default_source in
#: data/attributes.csv: a case checked against its sources must state them (values = the defaults)
STATED_DEFAULTS = [("coal", "availability", "1"), ("coal", "firm_capacity_credit", "0"),
                   ("pv", "availability", "1"), ("pv", "firm_capacity_credit", "0")]


def write_complete_sources(case: TinyCase) -> dict:
    """State the tiny case's non-neutral defaults, then write a source row for every number."""
    for tech, attr, value in STATED_DEFAULTS:
        case.set_cell("technologies.csv", tech, attr, value)
    return write_sources(case)


def write_attributes(case: TinyCase, attr: str, default_source: str) -> dict:
    """A copy of data/attributes.csv with another ``default_source`` for ``attr``; the config change."""
    frame = pd.read_csv(case.data["inputs"]["attributes"], dtype=str, keep_default_na=False)
    frame.loc[frame["attribute"] == attr, "default_source"] = default_source
    path = case.folder / "attributes_edited.csv"
    frame.to_csv(path, index=False)
    return {"inputs.attributes": str(path)}


def test_complete_sources_pass(tiny_case: TinyCase) -> None:
    """Baseline of the missing-source breakages: with a row for every number, the case loads.

    Blank cells remain where the default is neutral (coal's upper bound, ramp limit and O&M) or the
    attribute does not apply (capex and lifetime of the coal unit, which may not build; the heat rate
    of PV, whose carrier burns no fuel; every storage and import attribute)."""
    inp = tiny_case.inputs(write_complete_sources(tiny_case))
    assert inp.files["technology_sources"].endswith("technology_sources.csv")
    assert inp.techs.at["coal", "lifetime_yr"] == 25 and inp.techs.at["pv", "heat_rate_gce_per_kwh"] == 0


@pytest.mark.parametrize(("tech", "attr"), [
    ("coal", "availability"),  # default 1: every generator uses it
    ("pv", "firm_capacity_credit"),  # default 0 is not neutral: it decides the reserve margin
    ("pv", "lifetime_yr"),  # default 25 yr: an extendable technology uses it in the capital recovery factor
    ("pv", "capex_cny_per_kw"),  # default 0 for a technology that may build: free capacity
    ("coal", "heat_rate_gce_per_kwh"),  # default 0 for a fuel-burning generator: free, zero-emission coal
])
def test_unsourced_default_in_use_is_an_error(tiny_case: TinyCase, tech: str, attr: str) -> None:
    """A blank cell may not take a default that is neither neutral nor sourced (data/attributes.csv)."""
    write_complete_sources(tiny_case)
    tiny_case.set_cell("technologies.csv", tech, attr, "")
    with pytest.raises(InputError) as info:
        tiny_case.inputs(write_sources(tiny_case))
    assert_names(info.value, tiny_case, "technology_sources.csv", f"technologies.{tech}.{attr}", "default_source")


def test_sourced_default_may_stand_in_for_a_blank_cell(tiny_case: TinyCase) -> None:
    changes = write_complete_sources(tiny_case)
    tiny_case.set_cell("technologies.csv", "coal", "availability", "")
    changes.update(write_sources(tiny_case))
    inp = tiny_case.inputs({**changes, **write_attributes(tiny_case, "availability", "tiny: made up for a test")})
    assert inp.techs.at["coal", "availability"] == 1.0
    with pytest.raises(InputError) as info:  # the key must be one of sources.csv
        tiny_case.inputs({**changes, **write_attributes(tiny_case, "availability", "no_such_source: x")})
    assert_names(info.value, tiny_case, "attributes_edited.csv", "availability.default_source", "no_such_source")


@pytest.mark.parametrize("attr", ["lifetime_yr", "availability", "efficiency_charge", "firm_duration_h"])
def test_only_a_default_that_switches_a_term_off_may_be_neutral(tiny_case: TinyCase, attr: str) -> None:
    with pytest.raises(InputError) as info:
        tiny_case.inputs(write_attributes(tiny_case, attr, "neutral: says who"))
    assert_names(info.value, tiny_case, "attributes_edited.csv", f"{attr}.default_source", "not neutral")


def test_shipped_neutral_defaults_switch_a_bound_or_cost_off() -> None:
    """The shipped schema: neutral defaults are 0 or inf (bounds, capacity in service, O&M adders);
    every other numeric default (lifetime, availability, efficiencies, firm credit, prices...) has no
    default_source, so the shipped table must state and source it wherever it is used."""
    attrs = pd.read_csv(REPO / "data" / "attributes.csv", dtype=str, keep_default_na=False).set_index("attribute")
    numbers = attrs[attrs["type"] == "float"]
    neutral = numbers[numbers["default_source"].str.startswith("neutral:")]
    assert set(neutral["default"]) <= {"0", "inf"}
    assert set(numbers.index[numbers["default_source"] == ""]) >= {
        "lifetime_yr", "capex_cny_per_kw", "capex_cny_per_kwh", "heat_rate_gce_per_kwh", "availability",
        "firm_capacity_credit", "efficiency_charge", "efficiency_discharge", "standing_loss_frac_per_h",
        "price_cny_per_mwh", "co2_t_per_mwh", "nonfossil_fraction", "coal_fraction", "firm_duration_h"}


def test_config_errors_name_the_config_file(tiny_case: TinyCase) -> None:
    path = tiny_case.write_config({"economics.discont_rate": 0.1}, name="typo.yaml")
    with pytest.raises(InputError) as info:
        load_config(path)
    assert info.value.source == str(path)
    assert str(info.value) == f"{path}: economics.discont_rate: unknown key"


def test_value_errors_count_further_problems(tiny_case: TinyCase) -> None:
    with pytest.raises(InputError, match=r"\(and 1 more problem\)"):
        config_from_dict(tiny_case.mapping({"year": "x", "colour": 1}), base_dir=tiny_case.folder)


def test_a_zone_without_supply_is_refused_in_one_line(tmp_path: Path) -> None:
    """A configured zone whose load no generator or corridor can meet (storage alone cannot) is a
    config mistake: one line naming the zone, before any model is built."""
    from tiny import make_config, write_case

    coal = {"name": "coal", "kind": "generator", "carrier": "coal", "existing_mw": 100, "heat_rate_gce_per_kwh": 300}
    bat = {"name": "bat", "kind": "storage", "carrier": "electricity", "existing_mw": 10, "existing_mwh": 10,
           "zone": "east"}
    data = write_case(tmp_path / "case", [coal, bat], [50, 60])
    load = pd.read_csv(data["inputs"]["load"])
    load = load.rename(columns={"load_mw": "suzhou"}).assign(east=[5.0, 6.0])
    load.to_csv(data["inputs"]["load"], index=False)
    with pytest.raises(InputError, match="zone 'east' has no generator or import corridor") as err:
        load_inputs(make_config(data, tmp_path, zones=["suzhou", "east"]))
    assert "\n" not in str(err.value) and err.value.field == "zones"
    # with a generator there, the same zones load
    gas = {"name": "gas", "kind": "generator", "carrier": "gas", "existing_mw": 20, "heat_rate_gce_per_kwh": 200,
           "zone": "east"}
    data = write_case(tmp_path / "case2", [coal, bat, gas], [50, 60])
    pd.read_csv(data["inputs"]["load"]).rename(columns={"load_mw": "suzhou"}).assign(east=[5.0, 6.0]).to_csv(
        data["inputs"]["load"], index=False)
    assert load_inputs(make_config(data, tmp_path, zones=["suzhou", "east"])).zones == ("suzhou", "east")


def test_blank_cell_with_a_cited_source_is_an_error(tmp_path: Path) -> None:
    """A number deleted from the technology table must not become the attribute's default in silence: the
    sources table still cites a source for it (a blank existing_mw once made 14.9 GW of coal vanish)."""
    table = pd.read_csv(REPO / "data" / "technologies.csv", dtype=str, keep_default_na=False)
    table.loc[table["name"] == "coal_large", "existing_mw"] = ""
    path = tmp_path / "technologies.csv"
    table.to_csv(path, index=False)
    with pytest.raises(InputError) as err:
        load_inputs(load_config(SHIPPED, [f"inputs.technologies={path}"]))
    assert err.value.field == "technologies.coal_large.existing_mw"
    assert "blank cell" in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize(("sep", "encoding", "text"), [
    (";", "utf-8", "separated by semicolons"),
    ("，", "utf-8", "separated by full-width commas"),
    ("\t", "utf-8", "separated by tabs"),
    (",", "gbk", "not UTF-8 text: it reads as GBK"),
])
def test_table_saved_with_another_separator_or_encoding(tmp_path: Path, sep: str, encoding: str, text: str) -> None:
    """Excel in a Chinese or European locale saves CSV with semicolons, full-width commas or GBK: one line that
    says what to do, not a KeyError."""
    table = pd.read_csv(REPO / "data" / "carriers.csv", dtype=str, keep_default_na=False)
    table.loc[0, "description"] = "动力煤"  # a character GBK encodes differently from UTF-8
    path = tmp_path / "carriers.csv"
    path.write_text(table.to_csv(index=False, sep=sep, lineterminator="\n"), encoding=encoding)
    with pytest.raises(InputError) as err:
        load_inputs(load_config(SHIPPED, [f"inputs.carriers={path}"]))
    assert text in str(err.value) and str(err.value).startswith(str(path)) and "\n" not in str(err.value)


@pytest.mark.parametrize("end", ["2025-02-30", "2025-13-40", "2025-02-28 25:00", "end of February"])
def test_impossible_date_is_one_line(end: str) -> None:
    with pytest.raises(InputError) as err:
        load_config(SHIPPED, [f"time.end={end}"])
    assert "time.end" in str(err.value) and "\n" not in str(err.value)


def test_impossible_date_in_a_config_file_is_one_line(tmp_path: Path) -> None:
    text = (REPO / "configs" / "suzhou_2025.yaml").read_text(encoding="utf-8")
    path = tmp_path / "bad.yaml"
    path.write_text(text.replace("time:\n", "time:\n  end: 2025-02-30\n", 1), encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_config(path)
    assert str(err.value).startswith(str(path)) and "does not exist" in str(err.value)


def test_every_number_attribute_is_tried_off_its_default_by_some_test() -> None:
    """Issue 21: the tiny cases once fixed neutral values (discount 0, lifetime 1, availability 1, ...), so
    the terms behind them were never exercised. Each float attribute of data/attributes.csv must be given a
    value other than its default somewhere in tests/ (a technology dict ``"attr": v``, a keyword ``attr=v``
    or an override ``technologies.<t>.attr``)."""
    import re

    attrs = pd.read_csv(REPO / "data" / "attributes.csv", comment="#", dtype=str, keep_default_na=False)
    source = "\n".join(p.read_text(encoding="utf-8") for p in sorted((REPO / "tests").glob("*.py")))
    num = r"(-?\d[\d_]*(?:\.\d*)?(?:e-?\d+)?)"
    untried = []
    for _, row in attrs[attrs["type"] == "float"].iterrows():
        a = row["attribute"]
        found = re.findall(rf"[\"']{a}[\"']\s*:\s*{num}|\b{a}\s*=\s*{num}|technologies\.\w+\.{a}[\"']?\s*[:=,]\s*"
                           rf"[\"']?{num}", source)
        values = {float(v.replace("_", "")) for groups in found for v in groups if v}
        default = float(row["default"]) if row["default"] else None
        if not values - {default}:
            untried.append(a)
    assert untried == []
