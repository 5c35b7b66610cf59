"""The Python API (optimizer.api): the CLI's functions for notebooks, on the tiny hand-worked case, and the
example notebook (docs/examples/quickstart.py, a jupytext script) run as it stands."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import xarray as xr

import optimizer
from optimizer.api import _override_items

REPO = Path(__file__).resolve().parents[1]


def test_overrides_spell_dots_as_double_underscores():
    items = _override_items({"policy.co2_cap_t.value": 5.0}, {"solver__method": "simplex", "zones": ["a", "b"],
                                                               "policy__carbon_price_cny_per_t": None})
    assert items == ["policy.co2_cap_t.value=5.0", "solver.method=simplex", "zones=[a, b]",
                     "policy.carbon_price_cny_per_t=null"]
    assert _override_items(["time.end=2025-01-01 02:00"], {}) == ["time.end=2025-01-01 02:00"]


def test_case_solves_the_tiny_case(tiny_case, tmp_path):
    """Coal 100 MW at 1,000 CNY/tce x 0.3 tce/MWh = 300 CNY/MWh; PV at 0.1 CNY/kW (lifetime 1, no
    discounting) = 100 CNY/MW a year for 0, 1, 0.5 MWh per MW in the three hours: each MW up to 120 saves
    at least 0.5 MWh x 300 = 150 CNY of coal, so PV is built to 120 MW (its half output meets the third
    hour's 60 MW): 12,000 CNY, and coal meets only the first hour's 50 MWh: 15,000 CNY."""
    case = optimizer.Case.from_yaml(tiny_case.config_path)
    ds = case.solve()
    assert isinstance(ds, xr.Dataset)
    assert float(ds["capacity_new_mw"].sel(technology="pv")) == pytest.approx(120.0)
    assert float(ds["objective_cny"]) == pytest.approx(12_000 + 15_000)
    assert not (tiny_case.results_dir / "results.nc").exists()  # solve() writes nothing
    # at 1,000 CNY/MW a MW of PV saves at most 1.5 MWh x 300 = 450 CNY: none is built, coal meets 190 MWh
    dearer = case.with_overrides(technologies__pv__capex_cny_per_kw=1.0)
    assert case.overrides == () and dearer.overrides == ("technologies.pv.capex_cny_per_kw=1.0",)
    assert float(dearer.solve()["objective_cny"]) == pytest.approx(190 * 300)
    out = case.run(tmp_path / "res").out_dir
    back = optimizer.open_results(out)
    assert float(back["objective_cny"]) == pytest.approx(27_000)


def test_case_errors_are_the_clis(tiny_case):
    with pytest.raises(optimizer.InputError, match=r"solver.methd"):
        optimizer.Case.from_yaml(tiny_case.config_path, solver__methd="simplex")
    with pytest.raises(optimizer.InputError, match="not found"):
        optimizer.Case.from_yaml(tiny_case.folder / "absent.yaml")
    with pytest.raises(optimizer.InfeasibleError):
        optimizer.Case.from_yaml(tiny_case.config_path, {"technologies.coal.existing_mw": 10.0,
                                                         "technologies.pv.extendable": False}).solve()


def test_example_notebook_runs():
    proc = subprocess.run([sys.executable, str(REPO / "docs" / "examples" / "quickstart.py")], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "total cost" in proc.stdout and "plausibility findings: []" in proc.stdout
    assert proc.stdout.count("optimal") == 2
