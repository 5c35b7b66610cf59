"""Interruption and solver limits end cleanly: prompt exit, documented code, nothing half-written."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from optimizer.results import read_results

REPO = Path(__file__).resolve().parents[1]
CFG = REPO / "configs" / "suzhou_2025.yaml"


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_signal_during_solve_stops_promptly(tmp_path, sig, code):
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "optimizer", "run", str(CFG), "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
    # wait until the model is built, then a little into the hand-over / solve
    deadline = time.time() + 120
    seen = []
    while time.time() < deadline:
        line = proc.stderr.readline()
        seen.append(line)
        if "model built" in line or not line:
            break
    assert any("model built" in ln for ln in seen), "".join(seen)
    time.sleep(4)
    t0 = time.time()
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert time.time() - t0 < 15, "did not stop promptly"
    assert proc.returncode == code, err
    assert "interrupted" in err and "Traceback" not in err
    assert not out.exists()
    assert not list(tmp_path.glob(".out.tmp-*"))


@pytest.mark.parametrize("delay_s", [0.5, 1.0, 1.5, 2.5])
def test_sigterm_while_starting_up_or_loading_ends_cleanly(tmp_path, delay_s):
    """Early in a run (imports, config, data loading) SIGTERM either kills the process before the
    command starts (signal death, nothing begun) or stops it with the usual message and exit 143."""
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "optimizer", "run", str(CFG), "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
    time.sleep(delay_s)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode in (143, -signal.SIGTERM), (proc.returncode, err)
    if proc.returncode == 143:
        assert "interrupted" in err and "Traceback" not in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no results, no lock, no temporary folder


def test_time_limit_exits_4_and_never_labels_a_result_optimal(tmp_path):
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "optimizer", "run", str(CFG), "--out", str(out), "-q",
                           "--set", "time.end=2025-01-14 23:00", "--set", "solver.method=simplex",
                           "--set", "solver.time_limit_s=0.01"], capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 4, proc.stderr
    assert "time limit" in proc.stderr and "without proving optimality" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    if out.exists():  # HiGHS had a feasible point when it stopped: kept, and clearly marked
        assert "marked not optimal" in proc.stderr
        ds = read_results(out)
        assert ds.attrs["solver_status"] == "time_limit" and ds.attrs["optimal"] == "false"
        assert ds.attrs["note"].startswith("NOT OPTIMAL")
    else:
        assert "nothing written" in proc.stderr


def test_second_run_on_the_same_folder_stops_with_a_clear_message(tmp_path):
    out = tmp_path / "out"
    first = subprocess.Popen([sys.executable, "-m", "optimizer", "run", str(CFG), "--out", str(out)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            line = first.stderr.readline()
            if "inputs loaded" in line or not line:
                break
        second = subprocess.run([sys.executable, "-m", "optimizer", "run", str(CFG), "--out", str(out), "-q"],
                                capture_output=True, text=True, cwd=REPO, timeout=120)
        assert second.returncode == 6, second.stderr
        assert "another optimizer run" in second.stderr and f"pid {first.pid}" in second.stderr
        assert len(second.stderr.strip().splitlines()) == 1
    finally:
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=60)
    assert not out.exists()
