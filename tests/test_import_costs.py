"""Imports a run does not need: dask.array (xarray, about 1 s, kept out by the CLI where no dask
array can exist) and scipy.stats / integrate / spatial (Pyomo's scipy callback, about 1 s).

Each test runs in a fresh interpreter: whether a module has been imported is a fact about a process.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from optimizer.cli import USES_DASK


def _python(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_cli_run_never_imports_dask_array(tiny_case, tmp_path: Path) -> None:
    out = tmp_path / "out"
    got = _python(f"""
import json, sys
from optimizer.cli import main
sys.argv = ["optimizer", "run", {str(tiny_case.config_path)!r}, "--out", {str(out)!r}, "-q"]
try:
    main()
    code = 0
except SystemExit as e:
    code = e.code or 0
import xarray as xr
ds = xr.open_dataset({str(out / "results.nc")!r})
print(json.dumps({{"code": code, "dask_array": "dask.array" in sys.modules, "objective": float(ds.objective_cny)}}))
""")
    assert got["code"] == 0
    assert got["objective"] > 0
    assert got["dask_array"] is False


def test_without_the_mark_xarray_imports_dask_array() -> None:
    """The control: the same dataset work does import dask.array when nothing is marked (else the test above
    could not fail)."""
    got = _python("""
import json, sys
import numpy as np, xarray as xr
xr.Dataset({"a": ("x", np.arange(3.0))}) * 2
print(json.dumps({"dask_array": "dask.array" in sys.modules}))
""")
    assert got["dask_array"] is True


def test_a_process_with_dask_arrays_is_left_alone() -> None:
    got = _python("""
import json
import dask.array as da, xarray as xr
from optimizer.xarray_nodask import skip_dask_arrays
marked = skip_dask_arrays()
a = xr.DataArray(da.ones(4, chunks=2))
print(json.dumps({"marked": marked, "chunked": a.chunks is not None}))
""")
    assert got == {"marked": False, "chunked": True}


def test_the_mark_keeps_numpy_work_intact() -> None:
    got = _python("""
import json, sys
import numpy as np, xarray as xr
from optimizer.xarray_nodask import skip_dask_arrays
marked = skip_dask_arrays()
ds = xr.Dataset({"a": ("x", np.arange(3.0))}, coords={"x": [1, 2, 3]})
total = float((ds.a * 2).sum())
print(json.dumps({"marked": marked, "total": total, "dask_array": "dask.array" in sys.modules}))
""")
    assert got == {"marked": True, "total": 6.0, "dask_array": False}


def test_batch_keeps_dask() -> None:
    assert "batch" in USES_DASK


def test_compiling_a_model_imports_scipy_sparse_only(tiny_case) -> None:
    got = _python(f"""
import json, sys
from optimizer.config import load_config
from optimizer.inputs import load_inputs
from optimizer.model import build_model
from optimizer.solve import compile_lp
cfg = load_config({str(tiny_case.config_path)!r})
lp = compile_lp(build_model(load_inputs(cfg), cfg))
out = {{"sparse": "scipy.sparse" in sys.modules, "stats": "scipy.stats" in sys.modules, "rows": len(lp.rows)}}
import scipy
out["cdf"] = float(scipy.stats.norm.cdf(0.0))  # still there, imported on first use
print(json.dumps(out))
""")
    assert got["sparse"] is True and got["rows"] > 0
    assert got["stats"] is False
    assert got["cdf"] == 0.5


def test_without_the_swap_pyomo_imports_scipy_stats() -> None:
    """The control: Pyomo's own callback does import scipy.stats once scipy is imported."""
    got = _python("""
import json, sys
import pyomo.environ  # noqa: F401
import scipy.sparse  # noqa: F401
print(json.dumps({"stats": "scipy.stats" in sys.modules}))
""")
    assert got["stats"] is True


def test_the_swap_is_skipped_once_scipy_is_imported() -> None:
    got = _python("""
import json
import scipy  # noqa: F401
from optimizer.solve import light_scipy
print(json.dumps({"swapped": light_scipy()}))
""")
    assert got == {"swapped": False}


def test_the_build_pauses_the_garbage_collector_and_restores_it(tiny_case, monkeypatch) -> None:
    import gc

    from optimizer.model import build_model, sets

    seen = []
    real_add = sets.add

    def spy(m, inp):
        seen.append(gc.isenabled())
        return real_add(m, inp)

    monkeypatch.setattr(sets, "add", spy)
    assert gc.isenabled()
    build_model(tiny_case.inputs(), tiny_case.config())
    assert seen == [False]  # paused while the model is built
    assert gc.isenabled()  # and back on afterwards
