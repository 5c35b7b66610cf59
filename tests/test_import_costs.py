"""Imports a run does not need: dask, dask.array and dask.distributed (xarray, about 1.6 s; hidden by
the CLI in every command but batch), scipy.stats / integrate / spatial (Pyomo's scipy callback,
about 1 s) and pyomo.environ's plugins (about 0.3 s).

Each test runs in a fresh interpreter: whether a module has been imported is a fact about a process.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from optimizer.cli import USES_DASK


def _python(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_cli_run_never_imports_dask_nor_pyomo_environ(tiny_case, tmp_path: Path) -> None:
    """pyomo.environ loads every Pyomo plugin (solver interfaces, GDP, MindtPy, ...): about 0.3 s a
    run needs none of; the model is written against pyomo.core."""
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
imported = sorted(k for k in sys.modules if k.split(".")[0] in ("dask", "distributed") and sys.modules[k] is not None)
import netCDF4
with netCDF4.Dataset({str(out / "results.nc")!r}) as nc:
    objective = float(nc.variables["objective_cny"][...])
print(json.dumps({{"code": code, "imported": imported, "objective": objective,
                  "environ": "pyomo.environ" in sys.modules}}))
""")
    assert got["code"] == 0
    assert got["objective"] > 0
    assert got["imported"] == []
    assert got["environ"] is False


def test_without_hiding_xarray_imports_dask_and_distributed(tmp_path: Path) -> None:
    """The control: the same dataset work does import dask (decoding) and dask.distributed (writing)
    when dask is not hidden (else the test above could not fail)."""
    got = _python(f"""
import json, sys
import numpy as np, xarray as xr
ds = xr.Dataset({{"a": ("x", np.arange(3.0))}}) * 2
after_dataset = "dask" in sys.modules
ds.to_netcdf({str(tmp_path / "a.nc")!r})
print(json.dumps({{"dask": after_dataset, "distributed": "distributed" in sys.modules}}))
""")
    assert got == {"dask": True, "distributed": True}


def test_a_process_that_uses_dask_is_left_alone() -> None:
    got = _python("""
import json
import dask.array as da, xarray as xr
from optimizer.no_dask import hide_dask
hidden = hide_dask()
a = xr.DataArray(da.ones(4, chunks=2))
print(json.dumps({"hidden": hidden, "chunked": a.chunks is not None}))
""")
    assert got == {"hidden": False, "chunked": True}


def test_hiding_after_xarray_was_imported_keeps_its_work_intact(tmp_path: Path) -> None:
    """xarray caches "is dask installed?" at import; hiding later must still work (the benchmarks and
    library users import xarray first), and files still round-trip."""
    got = _python(f"""
import json, sys
import numpy as np, pandas as pd, xarray as xr
from optimizer.no_dask import hide_dask
hidden = hide_dask()
t = pd.date_range("2025-01-01", periods=3, freq="h")
xr.Dataset({{"a": ("time", np.arange(3.0))}}, coords={{"time": t}}).to_netcdf({str(tmp_path / "a.nc")!r})
with xr.open_dataset({str(tmp_path / "a.nc")!r}) as ds:
    total = float((ds.a * 2).sum())
    hour = int(ds.time.dt.hour[-1])
imported = sorted(k for k in sys.modules if k.split(".")[0] in ("dask", "distributed") and sys.modules[k] is not None)
print(json.dumps({{"hidden": hidden, "total": total, "hour": hour, "imported": imported}}))
""")
    assert got == {"hidden": True, "total": 6.0, "hour": 2, "imported": []}


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


def test_the_compile_pauses_the_garbage_collector_and_restores_it(tiny_case, monkeypatch) -> None:
    import gc

    from optimizer import solve, vector_compile
    from optimizer.model import build_model

    seen = []
    real = vector_compile.LinearStandardFormCompiler

    class Spy(real):
        def write(self, *args, **kwargs):
            seen.append(gc.isenabled())
            return super().write(*args, **kwargs)

    m = build_model(tiny_case.inputs(), tiny_case.config())
    monkeypatch.setattr(vector_compile, "LinearStandardFormCompiler", Spy)
    assert gc.isenabled()
    lp = solve.compile_lp(m, vectorize=False)
    assert seen == [False] and len(lp.rows) > 0  # paused while Pyomo compiles
    assert gc.isenabled()
    # and while the model's own compile runs (the default, which leaves nothing to Pyomo here)
    real_rows = vector_compile.family_rows
    monkeypatch.setattr(vector_compile, "family_rows", lambda *a: seen.append(gc.isenabled()) or real_rows(*a))
    assert solve.compile_lp(m).A.nnz == lp.A.nnz
    assert seen[0] is False and set(seen[1:]) == {False} and len(seen) > 1
    assert gc.isenabled()


def test_an_interrupt_inside_one_of_pyomos_own_gc_pauses_stays_an_interrupt(tiny_case, monkeypatch) -> None:
    """Ctrl-C or SIGTERM can land inside a GC pause Pyomo opens itself, leaving it open. Around such a
    pause, Pyomo's PauseGC raised "exiting out of order" on the way out, and that RuntimeError replaced
    the interrupt (a stopped run ended with a traceback, exit 1, not its message and exit 143; seen
    when SIGTERM landed in the compile). The project's own pause lets the interrupt through and
    turns the collector back on."""
    import gc

    from pyomo.common import gc_manager

    from optimizer import solve, vector_compile
    from optimizer.model import build_model

    m = build_model(tiny_case.inputs(), tiny_case.config())
    real = vector_compile.LinearStandardFormCompiler

    class Interrupted(real):
        def write(self, *args, **kwargs):
            gc_manager.PauseGC().__enter__()  # one of Pyomo's pauses, never left: the interrupt came first
            raise KeyboardInterrupt

    monkeypatch.setattr(vector_compile, "LinearStandardFormCompiler", Interrupted)
    depth = gc_manager.PauseGCCompanion._stack_depth
    try:
        with pytest.raises(KeyboardInterrupt):
            solve.compile_lp(m, vectorize=False)
        assert gc.isenabled()
        # the control: Pyomo's own pause around the same block turns the interrupt into its RuntimeError
        with pytest.raises(RuntimeError, match="out of order"), gc_manager.PauseGC():
            Interrupted().write(m)
    finally:
        gc_manager.PauseGCCompanion._stack_depth = depth  # leave Pyomo's bookkeeping as it was
        gc.enable()


def test_a_command_run_in_process_leaves_dask_importable(tiny_case, tmp_path: Path) -> None:
    """The CLI hides dask only while a command runs: called in-process (tests, notebooks), a later
    batch or dask user in the same process must find it (the control: hidden during the command)."""
    out = tmp_path / "out"
    got = _python(f"""
import json, sys
from optimizer import cli
seen = []
import optimizer.run as run_module
orig = run_module.run
def spy(*a, **k):
    seen.append(sys.modules.get("dask", False) is None)
    return orig(*a, **k)
run_module.run = spy
sys.argv = ["optimizer", "run", {str(tiny_case.config_path)!r}, "--out", {str(out)!r}, "-q"]
try:
    cli.main()
except SystemExit:
    pass
import dask, distributed  # importable again
print(json.dumps({{"hidden_during": seen, "after": "dask" in sys.modules and sys.modules["dask"] is not None}}))
""")
    assert got == {"hidden_during": [True], "after": True}
