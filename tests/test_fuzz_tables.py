"""A sample of the table-cell fuzz campaign (benchmarks/fuzz_tables.py): exit 0 only with the clean case's
answer or a warning naming the cell; otherwise one line; never a traceback.

The whole campaign (1,952 inputs, about 20 minutes) is a benchmark script; here: the unit slips that reach
the answer (each must warn naming its cell), every whole-file separator change, and a seeded sample.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

import fuzz_tables as F  # noqa: E402

#: x1000 slips that change the 2025 answer without breaking a hard rule: the warning bands must name them
REACHING = [("coal_large", "vom_cny_per_mwh"), ("coal_large", "annual_energy_max_mwh"),
            ("coal_chp", "power_loss_per_heat"), ("gas_chp_f", "startup_cost_cny_per_mw"),
            ("battery", "standing_loss_frac_per_h"), ("battery", "max_duration_h"),
            ("demand_response", "annual_energy_max_mwh"), ("import_jinping", "ramp_frac_per_h"),
            ("wind_onshore", "max_total_mw"), ("boiler_gas_gas", "existing_mw")]
#: slips of the other tables that reach a January answer: a ceiling in kWh, a month's bound left blank
REACHING_OTHER = [F.Case("corridor_schedules.csv", "x1000", "import_jinping.1", "energy_max_mwh", 0),
                  F.Case("corridor_schedules.csv", "blank", "import_baihetan.1", "power_min_mw", 12)]


def test_table_fuzz_sample_has_no_silent_change_and_no_traceback():
    every = F.cases(REPO / "data")
    whole = [c for c in every if not c.row]
    table = pd.read_csv(REPO / "data" / "technologies.csv", comment="#", dtype=str)
    slips = [F.Case("technologies.csv", "x1000", t, a, int(table.index[table["name"] == t][0])) for t, a in REACHING]
    slips += REACHING_OTHER
    assert all(c in every for c in slips)
    n_sample = 10
    sample = random.Random(7).sample([c for c in every if c.row and c not in slips], n_sample)
    counts = F.campaign(None, 0, 2, verbose=False, only=[*slips, *whole, *sample])
    assert counts["SILENT"] == 0 and counts["TRACEBACK"] == 0, counts
    assert counts["warned naming the cell"] >= len(slips) - 1, counts  # one may leave a 2-day answer unchanged
    assert sum(counts.values()) == len(slips) + len(whole) + n_sample


def test_zonal_fuzz_sample_names_each_link_slip():
    """The six-zone case's links: a blank capacity takes its stated default and the run lists it, a capex in
    CNY/MW (x1000) warns; both name the cell."""
    links = pd.read_csv(REPO / "data" / "zones" / "model" / "links.csv", dtype=str)
    i = int(links.index[links["name"] == "changshu_urban_sip"][0])
    slips = [F.Case("zones/model/links.csv", how, "changshu_urban_sip", col, i)
             for how, col in (("blank", "existing_mw"), ("x1000", "capex_cny_per_kw"))]
    assert all(c in F.cases(REPO / "data", zonal=True) for c in slips)
    counts = F.campaign(None, 0, 2, verbose=False, only=slips, zonal=True)
    assert counts == {"warned naming the cell": 2}, counts
