"""Hand-worked numbers for terms the other tiny cases leave at neutral values.

The tiny cases of tests/test_constraints.py fix a discount rate of 0, lifetimes of 1 year, availability 1,
upward ramps and lossless storage, so a wrong annuity, a missing availability factor, a second ramp-up row in
place of the ramp-down one or a dropped standing loss between linked typical days would pass them. Each test
here sets the term to a non-neutral value and pins the number it must give.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_constraints import COAL, GAS, solve

from optimizer.model.capacity import crf
from optimizer.run import run
from tiny import make_config, write_case

RATE, LIFE = 0.08, 10
CRF = 0.08 * 1.08**10 / (1.08**10 - 1)  # 0.1490295...


def test_capital_recovery_factor_with_a_discount_rate():
    assert crf(RATE, LIFE) == pytest.approx(CRF)
    assert crf(RATE, LIFE) == pytest.approx(0.1490295, rel=1e-6)
    assert crf(RATE, LIFE) != pytest.approx(1 / LIFE)  # not straight-line


def test_power_capex_is_paid_as_an_annuity(tmp_path):
    # A target asks 50 MW of PV (none in service): 50 MW x 1000 kW/MW x 100 CNY/kW x CRF(8 %, 10 yr).
    pv = {"name": "pv", "kind": "generator", "carrier": "solar", "extendable": "true", "profile": "pv",
          "capex_cny_per_kw": 100, "lifetime_yr": LIFE}
    ds = solve(tmp_path, [COAL, pv], [10], {"pv": [0.0]},
               economics={"discount_rate": RATE, "allow_unserved": False},
               policy={"share_basis": "electricity",
                       "capacity_targets": [{"name": "pv", "value": 50, "technologies": ["pv"]}]}).dataset
    assert float(ds["cost_cny"].sel(component="capex", owner="pv")) == pytest.approx(50 * 1000 * 100 * CRF)
    assert float(ds.objective_cny) == pytest.approx(50 * 1000 * 100 * CRF + 10 * 300)


def test_storage_energy_capex_is_paid_as_an_annuity(tmp_path):
    # A target asks 200 MWh of battery energy: 200 MWh x 1000 kWh/MWh x 100 CNY/kWh x CRF(8 %, 10 yr); the
    # power part costs nothing here.
    bat = {"name": "bat", "kind": "storage", "carrier": "electricity", "extendable": "true",
           "capex_cny_per_kwh": 100, "lifetime_yr": LIFE}
    ds = solve(tmp_path, [COAL, bat], [10], economics={"discount_rate": RATE, "allow_unserved": False},
               policy={"share_basis": "electricity", "capacity_targets": [
                   {"name": "e", "value": 200, "technologies": ["bat"], "measure": "energy"}]}).dataset
    assert float(ds["energy_capacity_new_mwh"].sel(storage="bat")) == pytest.approx(200)
    assert float(ds["cost_cny"].sel(component="capex", owner="bat")) == pytest.approx(200 * 1000 * 100 * CRF)


def test_ramp_down_limit(tmp_path):
    # Coal (100 MW, cheap) may move 20 MW an hour; a battery (90 % each way) and dear gas. Load drops from 100
    # to 60 MW and climbs back by 20 MW steps: 100, 60, 60, 60, 80, 100 (the year is a cycle). Coal cannot
    # follow the drop: it falls by exactly its 20 MW limit into hour 1, the battery takes what coal makes above
    # the load there, and total coal exceeds the 460 MWh of load by the battery's losses. Without the
    # ramp-down row coal would follow the load exactly (every rise is within 20 MW) at 460 x 300 CNY.
    coal = {**COAL, "ramp_frac_per_h": 0.2}
    bat = {"name": "bat", "kind": "storage", "carrier": "electricity", "existing_mw": 100, "existing_mwh": 100,
           "efficiency_charge": 0.9, "efficiency_discharge": 0.9}
    ds = solve(tmp_path, [coal, GAS, bat], [100, 60, 60, 60, 80, 100]).dataset
    c = ds["generation_mw"].sel(generator="coal").values
    assert c[0] - c[1] == pytest.approx(20, abs=1e-6)  # the ramp-down row binds
    assert c[1] > 60 + 1  # above the load: the battery charges
    assert float(ds["storage_charge_mw"].sel(storage="bat").values[1]) == pytest.approx(c[1] - 60, abs=1e-6)
    assert np.abs(np.diff(np.append(c, c[0]))).max() <= 20 + 1e-6
    assert float(ds.objective_cny) > 460 * 300 + 1


def test_availability_multiplies_the_profile(tmp_path):
    # 100 MW of PV at a capacity factor of 1 but an availability of 0.5: at most 50 MW; coal covers the rest of
    # the 80 MW load.
    pv = {"name": "pv", "kind": "generator", "carrier": "solar", "existing_mw": 100, "profile": "pv",
          "availability": 0.5}
    ds = solve(tmp_path, [COAL, pv], [80], {"pv": [1.0]}).dataset
    assert ds["generation_mw"].sel(generator="pv").values.tolist() == pytest.approx([50])
    assert ds["generation_mw"].sel(generator="coal").values.tolist() == pytest.approx([30])


def test_standing_loss_between_linked_typical_days(tmp_path):
    # A year on four typical days; PV by day only, sunny and cloudy days alternating, and a battery with 1 %/h
    # standing loss that carries a sunny day's surplus into the cloudy day after it. The state of charge
    # carried from one calendar day to the next loses 1 - 0.99^24 of itself, plus the typical day's own change:
    # soc_day[d+1] = 0.99^24 soc_day[d] + soc[end of the typical day of d]. Checked on every day of the year.
    hours = pd.date_range("2025-01-01", periods=8760, freq="h")
    day = np.where((hours.hour >= 8) & (hours.hour < 16), 1.0, 0.0)
    season = np.where(hours.dayofyear.to_numpy() % 2 == 0, 1.0, 0.1)  # sunny and cloudy days alternate
    load = (50 + 10 * np.sin(2 * np.pi * hours.dayofyear.to_numpy() / 7)).tolist()
    pv = {"name": "pv", "kind": "generator", "carrier": "solar", "existing_mw": 150, "profile": "pv"}
    bat = {"name": "bat", "kind": "storage", "carrier": "electricity", "existing_mw": 60, "existing_mwh": 600,
           "standing_loss_frac_per_h": 0.01}
    data = write_case(tmp_path / "case", [COAL, pv, bat], load, {"pv": (day * season).tolist()})
    cfg = make_config(data, tmp_path, time={"start": None, "end": None, "typical_days": 4, "scale_to_year": True})
    ds = run(cfg, write=False).dataset
    keep = float(ds["storage_keep_per_step"].sel(storage="bat"))
    assert keep == pytest.approx(0.99)
    spd = int(ds["typical_day"].attrs["steps_per_day"])
    seq = ds["typical_day"].values
    start = ds["storage_soc_day_start_mwh"].sel(storage="bat").values
    soc = ds["storage_soc_mwh"].sel(storage="bat").values
    assert start.max() > 1.0  # energy is carried between days
    expected = keep**spd * start[:-1] + soc[seq * spd + spd - 1][:-1]
    np.testing.assert_allclose(start[1:], expected, rtol=0, atol=1e-4)
