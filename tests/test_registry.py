"""The registry is the one description the results and the self-checks read: each family registers its
hourly outputs (with the ones that are its technologies' energy) and its balance terms; the results carry the
balances as data and the checks recompute them from it. Here the registered terms are pinned to their physics
(a wrong sign in a family's registration would otherwise be checked against itself)."""

from __future__ import annotations

import json

import pyomo.core as pyo
import pytest

from optimizer.checks import check_results
from optimizer.errors import CheckError
from optimizer.inputs import load_inputs
from optimizer.model.registry import Registry
from optimizer.run import run
from tiny import make_config, write_case

TECHS = [
    {"name": "coal", "kind": "generator", "carrier": "coal", "existing_mw": 60, "heat_rate_gce_per_kwh": 300},
    {"name": "bat", "kind": "storage", "carrier": "electricity", "existing_mw": 10, "existing_mwh": 20},
    {"name": "imp", "kind": "import", "carrier": "hydro", "existing_mw": 10, "price_cny_per_mwh": 100,
     "nonfossil_fraction": 1},
    {"name": "dr", "kind": "demand_response", "carrier": "interruptible_load", "existing_mw": 5,
     "vom_cny_per_mwh": 5000},
]
CARRIERS = [("coal", 1000.0, 2.0, True, True, False), ("hydro", 0.0, 0.0, False, False, True),
            ("electricity", 0.0, 0.0, False, False, False), ("interruptible_load", 0.0, 0.0, False, False, False)]


@pytest.fixture(scope="module")
def solved(tmp_path_factory):
    folder = tmp_path_factory.mktemp("registry")
    data = write_case(folder / "case", TECHS, [50.0, 80.0, 60.0], carriers=CARRIERS)
    cfg = make_config(data, folder, economics={"allow_unserved": True, "voll_cny_per_mwh": 30000.0})
    inp = load_inputs(cfg)
    return run(cfg, write=False, inputs=inp).dataset, inp


def test_balance_terms_are_the_physics(solved):
    ds, _ = solved
    terms = json.loads(ds.attrs["balance_terms"])
    assert sorted(map(tuple, terms["electricity"])) == sorted([
        ("suzhou", "generation_mw", "coal", 1.0), ("suzhou", "storage_discharge_mw", "bat", 1.0),
        ("suzhou", "storage_charge_mw", "bat", -1.0), ("suzhou", "import_mw", "imp", 1.0),
        ("suzhou", "curtailed_mw", "dr", 1.0), ("suzhou", "unserved_mw", "suzhou", 1.0)])
    assert terms["heat"] == []


def test_energy_is_the_registered_energy_outputs(solved):
    ds, _ = solved
    w = ds["weight_h"].values
    expect = {"coal": w @ ds["generation_mw"].sel(generator="coal").values,
              "bat": w @ ds["storage_discharge_mw"].sel(storage="bat").values,
              "imp": w @ ds["import_mw"].sel(corridor="imp").values,
              "dr": w @ ds["curtailed_mw"].sel(demand_response="dr").values}
    for k, v in expect.items():
        assert float(ds["energy_mwh"].sel(technology=k)) == pytest.approx(float(v), abs=1e-9)
    # 80 MW in hour 1 against 60 coal + 10 import + 10 storage + 5 demand response: the load is met
    assert float(ds["unserved_mwh"]) == pytest.approx(0.0, abs=1e-6)


def test_balance_check_catches_a_wrong_value(solved):
    ds, inp = solved
    assert check_results(ds, inp)["balance_max_abs_mw"] < 1e-6
    broken = ds.copy(deep=True)
    broken["storage_charge_mw"].values[1, 0] += 2.0  # charging counts against the balance
    with pytest.raises(CheckError, match=r"energy balance does not close: -2 MW in zone suzhou at 2025-01-01 01:00$"):
        check_results(broken, inp)


def test_a_balance_variable_without_an_output_is_refused():
    m = pyo.ConcreteModel()
    m.x = pyo.Var(["a"], [0])
    reg = Registry()
    reg.add_balance("orphan", lambda z: [(1.0, m.x, "a")])
    with pytest.raises(ValueError, match="uses x, which no output registers"):
        reg.balance_recipe({"electricity": ["z"]})
    reg.add_output("x_mw", m.x, ["a"], "thing", "MW", "a thing")
    assert reg.balance_recipe({"electricity": ["z"]}) == {"electricity": [("z", "x_mw", "a", 1.0)], "heat": []}
