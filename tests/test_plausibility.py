"""Plausibility rules (optimizer/plausibility.py): a unit slip stops the run with one line naming the
cell; a number that may be meant runs and is reported loudly; ``checks.plausibility=off`` switches them off.

The tiny case (tests/conftest.py) is given plausible numbers here (PV at 3,000 CNY/kW over 25 years, the
load held against its own size), since its hand-worked toy numbers are what the rules exist to stop.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from test_cli import _restore_logging, assert_one_line_error, invoke  # noqa: F401  (autouse fixture: logging)

from optimizer import plausibility as P
from optimizer.config import load_config
from optimizer.errors import InputError
from optimizer.inputs import load_inputs
from optimizer.inputs import shapes as shp
from optimizer.run import run

REPO = Path(__file__).resolve().parents[1]

#: the tiny case's load (50, 80, 60 MW) over its three hours, as a year: 63.33 MW x 8760 h
ANNUAL_TWH = (50 + 80 + 60) / 3 * 8760 / 1e6
PLAUSIBLE = {"checks.plausibility": "on", "checks.annual_load_twh": ANNUAL_TWH, "checks.peak_load_mw": 80.0,
             "technologies.pv.capex_cny_per_kw": 3000.0, "technologies.pv.lifetime_yr": 25}


def _set_cell(case, column: str, value: str, name: str = "pv") -> None:
    path = case.folder / "technologies.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[frame["name"] == name, column] = value
    frame.to_csv(path, index=False)


def _run(case, changes: dict, out: Path):
    return invoke("run", case.write_config({**PLAUSIBLE, **changes}), "--out", out, "-q")


def test_plausible_case_has_no_warning(tiny_case, tmp_path):
    res = _run(tiny_case, {}, tmp_path / "out")
    assert res.exit_code == 0, res.output
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["plausibility_checks"] == "on" and summary["plausibility"] == []


def test_capex_in_cny_per_w_in_the_table_stops_naming_the_cell(tiny_case, tmp_path):
    _set_cell(tiny_case, "capex_cny_per_kw", "3.0")
    changes = {k: v for k, v in PLAUSIBLE.items() if k != "technologies.pv.capex_cny_per_kw"}
    res = invoke("run", tiny_case.write_config(changes), "--out", tmp_path / "out")
    assert_one_line_error(res.exit_code, res.stdout, res.stderr, 2, "technologies.csv", "pv.capex_cny_per_kw",
                          "CNY/W")
    assert not (tmp_path / "out").exists()


def test_capex_override_names_the_config_field(tiny_case):
    with pytest.raises(InputError, match=r"config: technologies\.pv\.capex_cny_per_kw"):
        tiny_case.inputs({**PLAUSIBLE, "technologies.pv.capex_cny_per_kw": 0.5})


@pytest.mark.parametrize(("column", "value"), [
    ("heat_rate_gce_per_kwh", "0.3"),          # kgce/kWh for gce/kWh
    ("existing_mw", "100000"),                 # kW for MW: 1,250 times the peak
])
def test_coal_unit_slips_stop(tiny_case, column, value):
    _set_cell(tiny_case, column, value, name="coal")
    with pytest.raises(InputError, match=rf"technologies\.csv: coal\.{column}"):
        tiny_case.inputs(PLAUSIBLE)


def test_fuel_price_per_kgce_stops(tiny_case):
    with pytest.raises(InputError, match=r"carriers\.coal\.fuel_price_cny_per_tce"):
        tiny_case.inputs({**PLAUSIBLE, "carriers": {"coal": {"fuel_price_cny_per_tce": 0.9}}})


def test_warning_band_runs_and_says_so(tiny_case, tmp_path):
    """A 150-year lifetime may be meant (error band 1-200) but is outside 3-80: the run goes on, and the
    warning naming the cell is on stderr, on stdout's flags, and in summary.json."""
    res = invoke("run", tiny_case.write_config({**PLAUSIBLE, "technologies.pv.lifetime_yr": 150}),
                 "--out", tmp_path / "out")
    assert res.exit_code == 0, res.output
    assert "implausible: config technologies.pv.lifetime_yr" in res.stderr
    assert "flag: implausible: config technologies.pv.lifetime_yr" in res.stdout
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert len(summary["plausibility"]) == 1 and "pv.lifetime_yr: 150 is outside" in summary["plausibility"][0]
    assert any(f.startswith("implausible: ") for f in summary["flags"])


@pytest.mark.parametrize(("factor", "error"), [(1000.0, True), (1 / 1000.0, True), (10.0, True), (3.0, False),
                                               (1.5, None)])
def test_load_against_the_statistic(tiny_case, factor, error):
    """A load in GW (1,000 times too small against the statistic) stops; 3 times off warns; 1.5 passes."""
    changes = {**PLAUSIBLE, "checks.annual_load_twh": ANNUAL_TWH * factor, "checks.peak_load_mw": 80.0 * factor}
    if error:
        with pytest.raises(InputError, match=r"load\.csv: load_mw: the annual load is .*checks\.annual_load_twh"):
            tiny_case.inputs(changes)
        return
    warned = tiny_case.inputs(changes).plausibility
    if error is None:
        assert warned == ()
    else:
        assert len(warned) == 2 and "annual load" in warned[0] and "peak load" in warned[1]


@pytest.mark.parametrize(("ratio", "severity"), [(0.11, None), (0.11 / 1000, "error"), (0.11 * 1000, "error"),
                                                  (0.005, "warning"), (2.0, "warning")])
def test_heat_demand_against_the_electricity(tiny_case, ratio, severity):
    """Steam demand a tenth of the electricity (Suzhou: 22 of 196 TWh) passes; given in GW or kW (1,000 times
    off) it stops naming the heat file; under 1 % or over the whole electricity it warns."""
    cfg, inp = tiny_case.config(PLAUSIBLE), tiny_case.inputs(PLAUSIBLE)
    heat = inp.load_mw.rename(columns={"suzhou": "steam"}) * ratio

    def check() -> list[str]:
        return P.check_inputs(cfg, inp.techs, inp.carriers, inp.load_mw, tech_file="t.csv", carrier_file="c.csv",
                              load_file="load.csv", heat_mw=heat, heat_file="heat.nc")

    if severity == "error":
        with pytest.raises(InputError, match=rf"heat\.nc: heat_mw: the annual heat demand is .* {ratio:.4g} x"):
            check()
    elif severity == "warning":
        warned = check()
        assert len(warned) == 1 and warned[0].startswith("heat.nc: the annual heat demand is ") \
            and f"{ratio:.4g} x the electricity" in warned[0] and "(plausible 0.01-1)" in warned[0]
    else:
        assert check() == []


def test_fleet_in_service_smaller_than_one_unit_warns(tiny_case):
    """Coal given in GW (0.06 for 60 MW) against units of 50 MW: a warning naming the cell; 60 MW passes, and
    so does 6 MW (a zone's share of a class may hold only smaller units than the class's largest)."""
    slip = tiny_case.inputs({**PLAUSIBLE, "technologies.coal.unit_size_mw": 50.0,
                             "technologies.coal.existing_mw": 0.06}).plausibility
    assert slip == ("config technologies.coal.existing_mw: 0.06 is below 5 MW, 0.1 x its unit size: a fleet in "
                    "service under a tenth of one of its units (GW given as MW?)",)
    for mw in (60.0, 6.0):
        assert tiny_case.inputs({**PLAUSIBLE, "technologies.coal.unit_size_mw": 50.0,
                                 "technologies.coal.existing_mw": mw}).plausibility == ()


def test_retrofit_limit_above_the_fleet_warns(tiny_case):
    """A retrofit limit in kW (x1000) is above the fleet in service and never binds: a warning naming the cell;
    a limit within the fleet passes."""
    fleet = float(tiny_case.inputs(PLAUSIBLE).techs.at["coal", "existing_mw"])
    slip = tiny_case.inputs({**PLAUSIBLE, "technologies.coal.flex_retrofit_max_mw": fleet * 1000}).plausibility
    assert len(slip) == 1 and slip[0].startswith(
        f"config technologies.coal.flex_retrofit_max_mw: {fleet * 1000:,.6g} is above {fleet:,.6g} MW, 1 x its "
        "capacity in service")
    assert tiny_case.inputs({**PLAUSIBLE, "technologies.coal.flex_retrofit_max_mw": fleet / 2}).plausibility == ()


def _shapes(tmp_path: Path, period: str, multiplier: str) -> dict:
    path = tmp_path / "price_shapes.csv"
    path.write_text("shape,months,hours,period,multiplier\ns,1-12,0-12,valley,0.35\n"
                    f"s,1-12,12-24,{period},{multiplier}\n", encoding="utf-8")
    return shp.read_price_shapes(path)


@pytest.mark.parametrize(("multiplier", "severity"), [("1.7", None), ("1700", "error"), ("5", "warning")])
def test_time_of_use_multipliers(tiny_case, tmp_path, multiplier, severity):
    """Jiangsu's peak at 1.7 passes; 1,700 (a price given as a multiplier) stops naming the row; 5 warns."""
    cfg = tiny_case.config(PLAUSIBLE)

    def check() -> list[str]:
        return P.check_shapes(cfg, _shapes(tmp_path, "peak", multiplier), {}, pd.DataFrame(), hours_in_month={},
                              shape_file="shapes.csv", schedule_file="")

    if severity == "error":
        with pytest.raises(InputError, match=r"shapes\.csv: s \(line 3\)\.multiplier: 1,700 is outside"):
            check()
    else:
        assert check() == ([] if severity is None else
                           ["shapes.csv: s (line 3).multiplier: 5 is outside the plausible band 0.1-3: time-of-use "
                            "multipliers lie between 0.1 and 3 (Jiangsu: 0.35-1.7)"])


def test_misspelt_period_is_refused(tmp_path):
    """'peek' for 'peak' would drop the valley/peak rule in silence: refused naming the row."""
    with pytest.raises(InputError, match=r"s \(line 3\)\.period: period must be one of critical_peak, peak, "
                                         r"flat, valley, deep_valley, got 'peek'"):
        _shapes(tmp_path, "peek", "1.7")


def test_corridor_schedule_rules(tiny_case):
    """A corridor of 100 MW (availability 0.9: 90 MW, 66,960 MWh in a 31-day month). February's ceiling
    in kWh (x1000) never binds, and March's minimum power left blank while eleven months give one: both
    warn naming the cell; a ceiling within reach and a column blank in every month do not."""
    techs = pd.DataFrame({"existing_mw": [100.0], "availability": [0.9], "extendable": [False]}, index=["c"])
    hours = shp.month_hours(2025)
    frame = pd.DataFrame({"energy_min_mwh": 10_000.0, "energy_max_mwh": 60_000.0, "power_min_mw": 10.0,
                          "power_max_mw": float("nan")}, index=pd.Index(range(1, 13), name="month"))
    frame.loc[2, "energy_max_mwh"] = 60_000_000.0
    frame.loc[3, "power_min_mw"] = float("nan")
    warned = P.check_shapes(tiny_case.config(PLAUSIBLE), {}, {"c": frame}, techs, hours_in_month=hours,
                            shape_file="", schedule_file="sched.csv")
    assert [w.split(": ")[:2] for w in warned] == [["sched.csv", "c.3.power_min_mw"],
                                                   ["sched.csv", "c.2.energy_max_mwh"]]
    assert "(60,480 MWh)" in warned[1]  # 90 MW x 672 h
    frame.loc[2, "energy_max_mwh"], frame.loc[3, "power_min_mw"] = 60_000.0, 10.0
    assert P.check_shapes(tiny_case.config(PLAUSIBLE), {}, {"c": frame}, techs, hours_in_month=hours,
                          shape_file="", schedule_file="sched.csv") == []


@pytest.mark.parametrize(("changes", "severity"), [
    ({"economics.voll_cny_per_mwh": 30, "economics.allow_unserved": True}, "error"),  # CNY/kWh for CNY/MWh
    ({"economics.voll_cny_per_mwh": 30, "economics.allow_unserved": False}, None),  # no shedding: not used
    ({"policy.carbon_price_cny_per_t": 0.1}, "error"),        # CNY/kg for CNY/t
    ({"policy.carbon_price_cny_per_t": 60}, None),
    ({"economics.discount_rate": 0.8}, "warning"),            # 8 % as 0.8
])
def test_config_values(tiny_case, changes, severity):
    key = next(iter(changes))
    if severity == "error":
        with pytest.raises(InputError, match=rf"config: {key}: .* is outside the plausible band"):
            tiny_case.inputs({**PLAUSIBLE, **changes})
        return
    warned = tiny_case.inputs({**PLAUSIBLE, **changes}).plausibility
    assert [w.split(":")[0] for w in warned] == ([] if severity is None else [f"config {key}"])


def test_off_switches_every_rule(tiny_case, tmp_path):
    _set_cell(tiny_case, "capex_cny_per_kw", "3.0")
    changes = {**{k: v for k, v in PLAUSIBLE.items() if k != "technologies.pv.capex_cny_per_kw"},
               "checks.annual_load_twh": ANNUAL_TWH * 1000}
    res = invoke("run", tiny_case.write_config(changes), "--out", tmp_path / "out", "-q",
                 "--set", "checks.plausibility=off")  # YAML reads a bare off as false: taken as meant
    assert res.exit_code == 0, res.output
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["plausibility_checks"] == "off" and summary["plausibility"] == []


def test_result_rules_on_a_solved_run(tiny_case):
    """Shed load above 1 % of the load warns (20 of 190 MWh shed: coal 60 MW, no PV to build), and so does
    the average supply cost it brings (20 MWh at the value of lost load, 30,000 CNY/MWh, over 190 MWh:
    above 3,000 CNY/MWh); a mean price below zero warns."""
    cfg = tiny_case.config({**PLAUSIBLE, "technologies.coal.existing_mw": 60.0, "technologies.pv.extendable": False,
                            "economics.allow_unserved": True})
    ds = run(cfg, write=False).dataset
    warned = json.loads(ds.attrs["plausibility"])
    assert len(warned) == 2 and "of load shed" in warned[0] and "10.5%" in warned[0]
    assert warned[1].startswith("average supply cost 3,")
    assert not any("price" in m for m in P.check_results(ds))
    negative = ds.assign(marginal_price_cny_per_mwh=-abs(ds["marginal_price_cny_per_mwh"]) - 1.0)
    assert any("mean marginal price" in m for m in P.check_results(negative))


@pytest.mark.parametrize("name", ["suzhou_2025.yaml", "suzhou_2025_base.yaml", "suzhou_2030.yaml",
                                  "suzhou_2025_zones.yaml"])
def test_shipped_configs_raise_no_rule(name):
    inp = load_inputs(load_config(REPO / "configs" / name))
    assert inp.plausibility == ()


def test_every_rule_names_a_known_attribute():
    attrs = set(pd.read_csv(REPO / "data" / "attributes.csv", comment="#")["attribute"])
    carrier_cols = set(pd.read_csv(REPO / "data" / "carriers.csv", comment="#").columns)
    for rule in P.INPUT_RULES:
        assert rule.attribute in (carrier_cols if rule.kinds == "carrier" else attrs), rule
        assert rule.low <= rule.high and rule.severity in ("error", "warning") and rule.why


def test_rules_page_is_generated_from_the_rules():
    doc = (REPO / "docs" / "plausibility.md").read_text(encoding="utf-8")
    assert doc == P.rules_markdown(), "run `python -m optimizer.docs` to refresh docs/plausibility.md"


def test_blank_cells_that_take_a_needed_default_are_listed(tiny_case, tmp_path):
    """Without a sources check a blank availability takes the attribute table's 1: the run lists it (info log,
    summary.json defaults_used); an override fills it, and a neutral default (no ramp limit) is not listed."""
    assert "coal.availability = 1 per-unit" in tiny_case.inputs().defaults_used
    assert not any(d.startswith("coal.ramp_frac_per_h") for d in tiny_case.inputs().defaults_used)
    assert "coal.availability = 1 per-unit" not in tiny_case.inputs(
        {"technologies.coal.availability": 0.9}).defaults_used
    res = invoke("run", tiny_case.config_path, "--out", tmp_path / "out")
    assert res.exit_code == 0, res.output
    assert "took their default" in res.stderr and "coal.availability = 1" in res.stderr
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert "coal.availability = 1 per-unit" in summary["defaults_used"]
    # a quiet run says it on stdout too, among the flags
    quiet = invoke("run", tiny_case.config_path, "--out", tmp_path / "quiet", "-q")
    assert "took their default" not in quiet.stderr
    assert "blank cell(s) took their table's default: " in quiet.stdout and "coal.availability = 1" in quiet.stdout
