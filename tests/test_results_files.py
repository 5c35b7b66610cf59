"""Results folders: atomic replacement (even under kill -9), the schema version, damaged files, and
folders that are not results.

A results folder always holds one complete result, the previous or the new one: the new one is
written to a temporary sibling and swapped into place in one step. ``read_results`` (and so
``optimizer report``) names the schema version it found and the one it reads.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import netCDF4
import pytest
import xarray as xr
from conftest import TinyCase, make_tiny_case
from test_cli import _restore_logging, check_failed, invoke  # noqa: F401  (autouse fixture: logging)

from optimizer import RESULTS_SCHEMA_VERSION, outputs
from optimizer import results as res
from optimizer.config import load_config
from optimizer.errors import InputError
from optimizer.run import run

RESULT_FILES = ["config.yaml", "results.nc", "summary.csv", "summary.json"]


@pytest.fixture(scope="module")
def solved(tmp_path_factory: pytest.TempPathFactory) -> xr.Dataset:
    """The tiny case solved once (not written)."""
    case = make_tiny_case(tmp_path_factory.mktemp("solved") / "case")
    return run(load_config(case.config_path), write=False).dataset


def write_marked(ds: xr.Dataset, out: Path, marker: str) -> Path:
    """Write ``ds`` to ``out`` with a marker attribute telling the versions apart."""
    marked = ds.copy()
    marked.attrs["marker"] = marker
    return res.write_results(marked, out)


def assert_complete(out: Path) -> str:
    """``out`` holds one complete result; return its marker."""
    assert sorted(p.name for p in out.iterdir()) == RESULT_FILES
    ds = res.read_results(out)
    assert ds.attrs["solver_status"] == "optimal"
    return ds.attrs["marker"]


def leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.") and p.is_dir())


# --------------------------------------------------------------------------------------------------
# kill -9 while writing
# --------------------------------------------------------------------------------------------------

# a child that loads the solved dataset and writes it with marker "new"; ``pause`` names where it
# stops: "half_nc" stops with results.nc half written; "each_step" stops after every file-system
# step of the write and waits for a line on stdin before going on
CHILD = textwrap.dedent('''
    import shutil, sys, time
    from pathlib import Path
    import pandas as pd
    import xarray as xr
    from optimizer import outputs, results

    src, out, pause = sys.argv[1:4]
    ds = xr.open_dataset(src).load()
    ds.attrs["marker"] = "new"

    def stop(step):
        print("STEP", step, flush=True)
        sys.stdin.readline()

    if pause == "half_nc":
        orig = xr.Dataset.to_netcdf
        def half(self, path, *a, **k):
            orig(self, path, *a, **k)
            data = Path(path).read_bytes()
            Path(path).write_bytes(data[: len(data) // 2])
            print("HALF", path, flush=True)
            time.sleep(600)
        xr.Dataset.to_netcdf = half
    else:
        def after(owner, name):
            orig = getattr(owner, name)
            def wrapped(*a, **k):
                out = orig(*a, **k)
                stop(name)
                return out
            setattr(owner, name, wrapped)
        after(xr.Dataset, "to_netcdf")
        after(pd.DataFrame, "to_csv")
        after(Path, "write_text")
        after(Path, "mkdir")
        after(Path, "rename")
        after(shutil, "rmtree")
        after(outputs, "_exchange")
    results.write_results(ds, Path(out))
    print("DONE", flush=True)
''')


def child(src: Path, out: Path, pause: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", CHILD, str(src), str(out), pause], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_kill_9_while_results_nc_is_written_keeps_the_previous_result(solved: xr.Dataset, tmp_path: Path) -> None:
    out = write_marked(solved, tmp_path / "scenario", "old")
    proc = child(out / "results.nc", out, "half_nc")
    try:
        line = proc.stdout.readline()
        assert line.startswith("HALF"), line + proc.stderr.read()
        half = Path(line.split(maxsplit=1)[1].strip())
        assert half.parent.name.startswith(".scenario.tmp-") and half.stat().st_size > 0  # really mid-write
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert assert_complete(out) == "old"  # the previous result, whole and readable
    assert leftovers(out) == [half.parent.name]  # the killed writer's temporary folder, hidden
    # the next write (of this scenario) clears the dead writer's folder
    write_marked(solved, out, "third")
    assert assert_complete(out) == "third" and leftovers(out) == []


def test_a_write_stopped_at_any_step_leaves_a_complete_result(solved: xr.Dataset, tmp_path: Path) -> None:
    # Being stopped for good after a step (kill -9) leaves the disk as it is while paused there, so
    # at every pause the folder must hold the old result or the new one, complete. The earlier
    # write renamed the old folder away before renaming the new one in: a moment with no result.
    out = write_marked(solved, tmp_path / "scenario", "old")
    proc = child(out / "results.nc", out, "each_step")
    seen = []
    try:
        for line in proc.stdout:
            if line.startswith("DONE"):
                break
            assert line.startswith("STEP"), line
            seen.append((line.split()[1], assert_complete(out)))
            proc.stdin.write("\n")
            proc.stdin.flush()
    finally:
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    steps = [s for s, _ in seen]
    assert steps[:1] == ["mkdir"] and "to_netcdf" in steps and "to_csv" in steps
    markers = [m for _, m in seen]
    assert markers[0] == "old" and markers[-1] == "new" and markers == sorted(markers, key=["old", "new"].index)
    assert assert_complete(out) == "new" and leftovers(out) == []


def test_exchange_is_atomic_on_this_system(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "x").write_text("a")
    (b / "x").write_text("b")
    if not outputs._exchange(a, b):
        pytest.skip("no renameat2(RENAME_EXCHANGE) here: results are replaced by two renames")
    assert (a / "x").read_text() == "b" and (b / "x").read_text() == "a"


def test_replacement_without_atomic_exchange(solved: xr.Dataset, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    # where renameat2 is missing (not Linux) the old folder is renamed away, then the new one in
    monkeypatch.setattr(outputs, "_exchange", lambda a, b: False)
    out = write_marked(solved, tmp_path / "scenario", "old")
    write_marked(solved, out, "new")
    assert assert_complete(out) == "new" and leftovers(out) == []


def test_results_folder_follows_the_umask(solved: xr.Dataset, tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        out = write_marked(solved, tmp_path / "scenario", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == 0o755  # not 0o700 as a mkdtemp folder would be


# --------------------------------------------------------------------------------------------------
# a run never replaces a folder that is not a results folder
# --------------------------------------------------------------------------------------------------


def test_out_pointing_at_the_config_folder_is_refused(tiny_case: TinyCase) -> None:
    # before the fix a run replaced the folder whole: the config and every data file were deleted
    before = sorted(p.name for p in tiny_case.folder.iterdir())
    result = invoke("run", tiny_case.config_path, "--out", tiny_case.folder, "-q")
    check_failed(result, 2, str(tiny_case.folder), "not a results folder (no results.nc)", "--out")
    assert sorted(p.name for p in tiny_case.folder.iterdir()) == before


def test_out_dot_is_refused_without_a_traceback(tiny_case: TinyCase, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tiny_case.folder)
    before = sorted(p.name for p in tiny_case.folder.iterdir())
    check_failed(invoke("run", "config.yaml", "--out", ".", "-q"), 2, "not a results folder")
    assert sorted(p.name for p in tiny_case.folder.iterdir()) == before


def test_output_dir_of_an_empty_string_is_refused(tiny_case: TinyCase) -> None:
    # `output.dir: ""` resolves to the config's own folder
    config = tiny_case.write_config({"output.dir": ""}, name="here.yaml")
    check_failed(invoke("run", config, "-q"), 2, "not a results folder")
    assert (tiny_case.folder / "load.csv").is_file()


def test_out_that_is_a_file_is_refused(tiny_case: TinyCase, tmp_path: Path) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("keep me")
    check_failed(invoke("run", tiny_case.config_path, "--out", target, "-q"), 2, "not a folder")
    assert target.read_text() == "keep me"


def test_empty_folder_and_previous_result_are_replaced(tiny_case: TinyCase, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    assert invoke("run", tiny_case.config_path, "--out", out, "-q").exit_code == 0
    assert invoke("run", tiny_case.config_path, "--out", out, "-q").exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == RESULT_FILES


# --------------------------------------------------------------------------------------------------
# schema version and damaged results files
# --------------------------------------------------------------------------------------------------


@pytest.fixture
def written(solved: xr.Dataset, tmp_path: Path) -> Path:
    return write_marked(solved, tmp_path / "scenario", "x")


def set_version(folder: Path, version: object) -> None:
    """Edit the schema version attribute of results.nc in place (None removes it)."""
    with netCDF4.Dataset(folder / "results.nc", "a") as nc:
        if version is None:
            nc.delncattr("results_schema_version")
        else:
            nc.setncattr("results_schema_version", version)


@pytest.mark.parametrize(("version", "fragments"), [
    (0, ("written by an older optimizer (results schema version 0)", "re-run the scenario")),
    (99, ("written by a newer optimizer (results schema version 99)", "upgrade optimizer")),
    (None, ("no results_schema_version attribute", "re-run the scenario")),
    ("one", ("results_schema_version is 'one', not a whole number",)),
    (1.5, ("results_schema_version is 1.5, not a whole number",)),
])
def test_results_of_another_schema_version(written: Path, tmp_path: Path, version: object,
                                           fragments: tuple[str, ...]) -> None:
    assert res.read_results(written).attrs["results_schema_version"] == RESULTS_SCHEMA_VERSION
    set_version(written, version)
    with pytest.raises(InputError) as err:
        res.read_results(written)
    msg = str(err.value)
    assert "results.nc" in msg and f"reads results schema version {RESULTS_SCHEMA_VERSION}" in msg
    for fragment in fragments:
        assert fragment in msg, msg
    # `optimizer report` says the same in one line, and writes no report
    check_failed(invoke("report", written), 2, *fragments)
    assert not (written / "report").exists()


def test_current_schema_version_reads(written: Path) -> None:
    set_version(written, RESULTS_SCHEMA_VERSION)  # rewritten, same number
    assert res.read_results(written).attrs["marker"] == "x"


@pytest.mark.parametrize("fraction", [0.0, 0.5, 0.99])
def test_cut_off_results_file(written: Path, fraction: float) -> None:
    path = written / "results.nc"
    raw = path.read_bytes()
    path.write_bytes(raw[: int(len(raw) * fraction)])
    check_failed(invoke("report", written), 2, "results.nc cannot be read (corrupt, cut off or not NetCDF)")
    assert not (written / "report").exists()


def test_folder_without_results(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    check_failed(invoke("report", tmp_path / "empty"), 2, "no results.nc here")


def test_summary_says_what_the_annual_figures_stand_for(written: Path) -> None:
    """A two-week cut scaled to the year gives 'annual' energy and a peak of that fortnight: the summary says
    which span the figures come from, with the peak and the annual energy."""
    import json

    head = json.loads((written / "summary.json").read_text(encoding="utf-8"))
    assert head["peak_load_mw"] > 0 and head["annual_load_mwh"] > 0
    ds = res.read_results(written)
    assert head["time_span"] == res.time_span(ds)
    n = ds.sizes["time"]
    assert ("full year" in head["time_span"]) == (n * float(ds["step_h"].values[0]) >= 8760)
    cut = ds.assign(weight_h=ds["weight_h"] * 8760 / float(ds["weight_h"].sum()))  # the few hours scaled up
    assert res.time_span(cut).endswith(f"({n} h of 1-h steps), scaled to stand for 8,760 h")
    td = ds.assign_attrs(time_aggregation="typical_days_12")
    assert res.time_span(td).startswith("12 typical days standing for the year")
