"""Writing outputs safely (issue 21): a full disk or any other failure to write is one line with exit code 7,
the previous output intact and a run's new result kept in a temporary folder; a re-run keeps what is not its
own (a report, the user's files) and marks the report stale; ``optimizer report`` takes the folder's lock.

A real full disk needs a small tmpfs (root, ``mount``): that test is skipped where mounting is not permitted.
The others make the write fail by patching it, and run everywhere.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import xarray as xr
from conftest import TinyCase
from test_cli import _restore_logging, assert_one_line_error, check_failed, invoke  # noqa: F401  (autouse fixture)
from test_cli_commands import tiny_config

from optimizer import outputs as res
from optimizer.errors import OutputError
from optimizer.results import read_results

RESULT_FILES = ["config.yaml", "results.nc", "summary.csv", "summary.json"]


def cli(*args: object, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The real CLI in a child process."""
    return subprocess.run([sys.executable, "-m", "optimizer", *[str(a) for a in args]], capture_output=True,
                          text=True, timeout=300, env={**os.environ, **(env or {})})


@pytest.fixture
def kept_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temporary folder a result that cannot be written is kept in (tempfile.gettempdir())."""
    folder = tmp_path / "tempdir"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def kept_folder(line: str) -> Path:
    assert "the new one is kept in " in line, line
    return Path(line.split("the new one is kept in ", 1)[1].split(";")[0].strip())


# --------------------------------------------------------------------------------------------------
# a real full disk: a tiny tmpfs
# --------------------------------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB tmpfs mounted at ``tmp_path/disk``; skipped where mounting is not permitted."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if shutil.which("mount") is None:
        pytest.skip("no mount command")
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(disk)], capture_output=True,
                          text=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {proc.stderr.strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)


def fill(disk: Path, leave: int) -> None:
    """Fill ``disk`` up to ``leave`` bytes free."""
    free = shutil.disk_usage(disk).free
    with open(disk / "filler", "wb") as f:
        f.write(b"\0" * max(0, free - leave))


def test_a_full_disk_is_one_line_with_the_previous_result_intact(tiny_case: TinyCase, small_disk: Path,
                                                                 tmp_path: Path) -> None:
    out = small_disk / "results" / "tiny"
    first = cli("run", tiny_case.config_path, "--out", out, "-q")
    assert first.returncode == 0, first.stderr
    assert cli("report", out).returncode == 0
    before = (out / "results.nc").read_bytes()
    (out / "notes.txt").write_text("mine")
    report = sorted(p.name for p in (out / "report").iterdir())
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    fill(small_disk, 8192)
    proc = cli("run", tiny_case.config_path, "--out", out, "-q", env={"TMPDIR": str(elsewhere)})
    line = assert_one_line_error(proc.returncode, proc.stdout, proc.stderr, 7, f"{out}: cannot write the result",
                                 "no space left on device (", "kB free)", "the previous result is intact")
    # the previous result, the report and the user's file as they were; no temporary folder left behind
    assert (out / "results.nc").read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == sorted([*RESULT_FILES, "notes.txt", "report"])
    assert sorted(p.name for p in (out / "report").iterdir()) == report
    assert sorted(p.name for p in out.parent.iterdir()) == ["tiny"]
    # the new result is kept elsewhere, whole
    kept = kept_folder(line)
    assert kept.parent == elsewhere and sorted(p.name for p in kept.iterdir()) == RESULT_FILES
    assert read_results(kept).attrs["solver_status"] == "optimal"
    # a report on the full disk alike: one line, the previous report intact
    proc = cli("report", out)
    assert_one_line_error(proc.returncode, proc.stdout, proc.stderr, 7, f"{out / 'report'}: cannot write the report",
                          "no space left on device", "the previous report is intact")
    assert sorted(p.name for p in (out / "report").iterdir()) == report
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


# --------------------------------------------------------------------------------------------------
# a failing write, patched: runs everywhere
# --------------------------------------------------------------------------------------------------


def failing_netcdf(monkeypatch: pytest.MonkeyPatch, err: Exception, unless_in: Path | None = None) -> None:
    """Make every ``to_netcdf`` raise ``err`` (except, with ``unless_in``, below that folder)."""
    real = xr.Dataset.to_netcdf

    def to_netcdf(self: xr.Dataset, path: object = None, *args: object, **kwargs: object) -> object:
        if unless_in is not None and str(path).startswith(str(unless_in)):
            return real(self, path, *args, **kwargs)
        raise err

    monkeypatch.setattr(xr.Dataset, "to_netcdf", to_netcdf)


@pytest.mark.parametrize(("err", "free", "cause"), [
    (OSError(errno.ENOSPC, "No space left on device"), None, "no space left on device ("),
    (RuntimeError("NetCDF: HDF error"), 12_000, "no space left on device (12 kB free)"),  # the error names no cause
    (RuntimeError("NetCDF: HDF error"), 80e9, "NetCDF: HDF error (80.0 GB free)"),
    (OSError(errno.EIO, "Input/output error"), None, "Input/output error"),
], ids=["ENOSPC", "HDF-error-full", "HDF-error-space", "EIO"])
def test_a_failed_write_is_one_line_and_the_result_is_kept_elsewhere(
        tiny_case: TinyCase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kept_in: Path,
        err: Exception, free: float | None, cause: str) -> None:
    out = tmp_path / "out"
    assert invoke("run", tiny_case.config_path, "--out", out, "-q").exit_code == 0
    before = (out / "results.nc").read_bytes()
    failing_netcdf(monkeypatch, err, unless_in=kept_in)
    if free is not None:
        monkeypatch.setattr(res, "free_bytes", lambda _where: int(free))
    line = check_failed(invoke("run", tiny_case.config_path, "--out", out, "-q"), 7, str(out),
                        f"cannot write the result: {cause}", "the previous result is intact")
    assert "Traceback" not in line
    assert (out / "results.nc").read_bytes() == before and sorted(p.name for p in out.iterdir()) == RESULT_FILES
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
    kept = kept_folder(line)
    assert kept.parent == kept_in and read_results(kept).attrs["scenario"] == "tiny"


def test_a_result_that_cannot_be_kept_elsewhere_either_says_so(tiny_case: TinyCase, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch,
                                                               kept_in: Path) -> None:
    failing_netcdf(monkeypatch, OSError(errno.ENOSPC, "No space left on device"))
    out = tmp_path / "new"
    check_failed(invoke("run", tiny_case.config_path, "--out", out, "-q"), 7, str(out),
                 "nothing is written there", f"it could not be kept in {kept_in} either (no space left")
    assert not out.exists() and list(kept_in.iterdir()) == []


def test_a_full_disk_while_the_report_is_written(tiny_case: TinyCase, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    assert invoke("run", tiny_case.config_path, "--out", out, "-q").exit_code == 0
    assert invoke("report", out).exit_code == 0
    before = (out / "report" / "report.html").read_bytes()
    from optimizer.report import excel

    def full(*_args: object, **_kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(excel, "write_workbook", full)
    check_failed(invoke("report", out), 7, f"{out / 'report'}: cannot write the report: no space left on device",
                 "the previous report is intact")
    assert (out / "report" / "report.html").read_bytes() == before
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == []


def test_a_full_disk_while_the_frontier_is_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   kept_in: Path) -> None:
    cfg = tiny_config(tmp_path)
    out = tmp_path / "frontier"
    args = ("sweep", cfg, "--carbon-cap", "0.0001:0.00006:2", "--out", out, "-q")
    assert invoke(*args).exit_code == 0
    (out / "notes.txt").write_text("mine")
    failing_netcdf(monkeypatch, RuntimeError("NetCDF: HDF error"), unless_in=kept_in)
    monkeypatch.setattr(res, "free_bytes", lambda _where: 0)
    line = check_failed(invoke(*args), 7, f"{out}: cannot write the frontier: no space left on device (0 kB free)",
                        "the previous frontier is intact")
    assert sorted(p.name for p in out.iterdir()) == ["frontier.csv", "frontier.nc", "frontier.png", "notes.txt"]
    assert sorted(p.name for p in kept_folder(line).iterdir()) == ["frontier.csv", "frontier.nc", "frontier.png"]


def test_a_full_disk_while_the_pathway_trajectory_or_batch_summary_is_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from optimizer import pathway
    from optimizer.batch import BatchSummary

    folder = tmp_path / "pathway"
    folder.mkdir()
    (folder / "pathway.nc").write_text("previous")
    failing_netcdf(monkeypatch, OSError(errno.ENOSPC, "No space left on device"))
    with pytest.raises(OutputError, match=r"pathway: cannot write the pathway trajectory: no space left on device "
                                          r"\(.* free\); the previous pathway.nc, .csv and .png are intact"):
        pathway._write_trajectory(xr.Dataset(), folder)
    assert sorted(p.name for p in folder.iterdir()) == ["pathway.nc"]
    assert (folder / "pathway.nc").read_text() == "previous"

    def full(*_args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("optimizer.batch._write_atomic", full)
    with pytest.raises(OutputError, match="cannot write the batch summary: no space left on device"):
        BatchSummary([]).write(tmp_path / "batch")


def test_a_failed_lock_file_write_on_a_full_disk_is_no_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the holder's pid in the lock file is information only: a full disk does not stop the run there
    def full(_fd: int, _data: bytes) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", full)
    with res.output_lock(tmp_path / "out"):
        assert (tmp_path / ".out.lock").exists()
    assert not (tmp_path / ".out.lock").exists()


# --------------------------------------------------------------------------------------------------
# a re-run keeps what is not its own
# --------------------------------------------------------------------------------------------------


def test_a_rerun_keeps_the_report_and_the_users_files_and_marks_the_report_stale(tiny_case: TinyCase,
                                                                                tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert cli("run", tiny_case.config_path, "--out", out, "-q").returncode == 0
    assert cli("report", out).returncode == 0
    (out / "notes.txt").write_text("mine")
    (out / "mine").mkdir()
    (out / "mine" / "sketch.txt").write_text("also mine")
    report = sorted(p.name for p in (out / "report").iterdir())
    proc = cli("run", tiny_case.config_path, "--out", out, "-q")
    assert proc.returncode == 0, proc.stderr
    assert "error" not in proc.stderr.lower()
    assert f"note: report/ was made from the previous results; run `optimizer report {out}` to renew it" \
        in proc.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted([*RESULT_FILES, "mine", "notes.txt", "report"])
    assert (out / "notes.txt").read_text() == "mine" and (out / "mine" / "sketch.txt").read_text() == "also mine"
    # the report is kept, marked stale where its reader sees it
    assert sorted(p.name for p in (out / "report").iterdir()) == sorted([*report, res.STALE_REPORT])
    assert "STALE: report/ was made from the previous results" in (out / "report" / "report.html").read_text()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
    # a second re-run marks it once; a new report is no longer stale
    assert cli("run", tiny_case.config_path, "--out", out, "-q").returncode == 0
    assert (out / "report" / "report.html").read_text().count("STALE:") == 1
    assert cli("report", out).returncode == 0
    assert sorted(p.name for p in (out / "report").iterdir()) == report
    assert "STALE" not in (out / "report" / "report.html").read_text()
    assert (out / "notes.txt").read_text() == "mine"


def test_a_sweep_rerun_keeps_the_users_files(tmp_path: Path) -> None:
    out = tmp_path / "frontier"
    args = ("sweep", tiny_config(tmp_path), "--carbon-cap", "0.0001:0.00006:2", "--out", out, "-q")
    assert invoke(*args).exit_code == 0
    (out / "notes.txt").write_text("mine")
    assert invoke(*args).exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == ["frontier.csv", "frontier.nc", "frontier.png", "notes.txt"]


def test_a_failed_swap_moves_the_users_files_back(tiny_case: TinyCase, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch, kept_in: Path) -> None:
    out = tmp_path / "out"
    assert invoke("run", tiny_case.config_path, "--out", out, "-q").exit_code == 0
    (out / "notes.txt").write_text("mine")
    (out / "report").mkdir()
    (out / "report" / "report.html").write_text("<main>a report</main>")

    def fails(tmp: Path, _out: Path) -> None:
        assert (tmp / "notes.txt").is_file() and (tmp / "report").is_dir()  # carried over before the swap
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(res, "swap_into_place", fails)
    check_failed(invoke("run", tiny_case.config_path, "--out", out, "-q"), 7, "Input/output error",
                 "the previous result is intact")
    assert sorted(p.name for p in out.iterdir()) == sorted([*RESULT_FILES, "notes.txt", "report"])
    assert (out / "report" / "report.html").read_text() == "<main>a report</main>"  # not marked: still current
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


@pytest.mark.parametrize("cleaner", ["outputs.remove_stale", "batch._remove_stale_temps"])
def test_files_carried_by_a_killed_writer_are_moved_back(tmp_path: Path, cleaner: str) -> None:
    from optimizer import batch
    out = tmp_path / "out"
    out.mkdir()
    (out / "results.nc").write_text("previous")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    tmp = tmp_path / f".out.tmp-{dead}-abcd"  # killed after carrying notes.txt over, before the swap
    tmp.mkdir()
    (tmp / "results.nc").write_text("new, complete")
    (tmp / "notes.txt").write_text("mine")
    (tmp / res.CARRIED).write_text(json.dumps(["notes.txt"]))
    {"outputs.remove_stale": res.remove_stale, "batch._remove_stale_temps": batch._remove_stale_temps}[cleaner](out)
    assert not tmp.exists()
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt", "results.nc"]
    assert (out / "notes.txt").read_text() == "mine"


# --------------------------------------------------------------------------------------------------
# optimizer report takes the folder's lock
# --------------------------------------------------------------------------------------------------


def test_report_waits_for_a_run_writing_the_folder(tiny_case: TinyCase, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert invoke("run", tiny_case.config_path, "--out", out, "-q").exit_code == 0
    with res.output_lock(out):  # a run is writing this folder
        check_failed(invoke("report", out), 6, str(out), "another optimizer run", "is writing this folder")
        assert sorted(p.name for p in out.iterdir()) == RESULT_FILES  # nothing written
        assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == [".out.lock"]
    assert invoke("report", out).exit_code == 0  # and once it has finished, the report is made
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
