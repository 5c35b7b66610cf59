"""The command line: ``optimizer run`` and ``optimizer validate``.

Bad input ends with exit code 2 and ONE line on stderr naming the file and field, no traceback, and
nothing written; an infeasible model with exit code 3 and the targets in conflict. Most cases run
in-process with typer's CliRunner (fast); a few run ``python -m optimizer`` as a real subprocess.
Only tiny cases are solved; the full case is only validated.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
import yaml
from conftest import TinyCase
from typer.testing import CliRunner, Result

from optimizer.cli import app
from optimizer.errors import InputError

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "configs" / "suzhou_2025.yaml"


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """The CLI reconfigures logging onto the runner's stderr; put it back for the other tests."""
    root, opt, pyomo = logging.getLogger(), logging.getLogger("optimizer"), logging.getLogger("pyomo")
    saved = (root.handlers[:], root.level, opt.level, pyomo.level)
    yield
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    opt.setLevel(saved[2])
    pyomo.setLevel(saved[3])


def invoke(*args: object) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args])


def python_m(*args: object, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "optimizer", *[str(a) for a in args]], capture_output=True,
                          text=True, cwd=cwd, timeout=300)


def assert_one_line_error(code: int, stdout: str, stderr: str, expected_code: int, *fragments: str | None) -> str:
    """Exit code, exactly one non-empty stderr line starting 'error:', no traceback, nothing on stdout."""
    assert code == expected_code, f"exit {code}\nstdout: {stdout}\nstderr: {stderr}"
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    line = lines[0]
    assert line.startswith("error: ") and line.strip() != "error:", line
    assert "Traceback" not in stderr and "Traceback" not in stdout
    assert stdout == ""
    for fragment in fragments:
        if fragment is not None:
            assert fragment in line, f"{fragment!r} not in {line!r}"
    return line


def check_failed(result: Result, expected_code: int, *fragments: str | None) -> str:
    # an exception other than the CLI's own exit would be a traceback for a user
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    return assert_one_line_error(result.exit_code, result.stdout, result.stderr, expected_code, *fragments)


# --------------------------------------------------------------------------------------------------
# bad input: every entry of the catalogue (tests/conftest.py), through both commands
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["run", "validate"])
def test_bad_input_exits_2_with_one_line(tiny_case: TinyCase, breakage, command: str, tmp_path: Path) -> None:
    config = tiny_case.write_config(breakage.apply(tiny_case))
    out = tmp_path / "new" / "out"  # a parent the run would have to create
    before = sorted(p.name for p in tmp_path.iterdir())
    args = ["run", config, "--out", out] if command == "run" else ["validate", config]
    line = check_failed(invoke(*args), 2, breakage.file, breakage.field, breakage.text)
    if breakage.file == "config.yaml":  # errors found in the config name the config file, not just "config"
        assert str(config) in line
    # nothing at all is left behind: no results, no lock file, no parent folder created for them
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert not tiny_case.results_dir.exists()
    assert not tiny_case.results_dir.parent.exists() or not any(
        p.name.endswith(".lock") for p in tiny_case.results_dir.parent.iterdir())


def test_yaml_merge_keys_are_still_read(tmp_path: Path) -> None:
    from optimizer.config import read_yaml

    path = tmp_path / "m.yaml"
    path.write_text("base: &b {x: 1, y: 2}\nother: {<<: *b, y: 3}\nboth: {<<: [*b], z: 4}\n", encoding="utf-8")
    assert read_yaml(path) == {"base": {"x": 1, "y": 2}, "other": {"x": 1, "y": 3}, "both": {"x": 1, "y": 2, "z": 4}}
    path.write_text("base: &b {x: 1}\nother: {<<: *b, y: 3, y: 4}\n", encoding="utf-8")
    with pytest.raises(InputError, match="duplicate key 'y'"):
        read_yaml(path)


def test_a_key_given_twice_in_the_config_is_refused(tiny_case: TinyCase, tmp_path: Path) -> None:
    # PyYAML keeps the last of two equal keys: a second `policy:` block would silently drop every
    # limit of the first, a plausible-looking wrong answer
    config = tiny_case.write_config()
    config.write_text(config.read_text(encoding="utf-8") + "policy:\n  carbon_price_cny_per_t: 50\n",
                      encoding="utf-8")
    for command in ("validate", "run"):
        check_failed(invoke(command, config, *(["--out", tmp_path / "out"] if command == "run" else [])), 2,
                     str(config), "duplicate key 'policy'", "line ")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("item", "named"), [
    ("solver.time_limit_s=0", "solver.time_limit_s"),
    ("solver.time_limit_s=soon", "solver.time_limit_s"),
    ("economics.bogus=1", "economics.bogus"),
    ("economics.discount_rate", "economics.discount_rate"),  # no value
    ("year.month=1", "year.month"),
    ("policy.capacity_targets.3.value=1", "policy.capacity_targets.3.value"),
    ("policy.capacity_targets.-1.value=1", "policy.capacity_targets.-1.value"),  # not "the last one"
    ("inputs.load=null", "expected a file path"),
    ("x[/]=1", "x[/]"),  # text that looks like rich markup is printed as it is
    ("policy.coal_share_max.value=1.5", "policy.coal_share_max"),
    ("policy.coal_share_max.target=coal_cap_2099", "coal_cap_2099"),
])
def test_bad_set_exits_2(tiny_case: TinyCase, tmp_path: Path, item: str, named: str) -> None:
    line = check_failed(invoke("run", tiny_case.config_path, "--out", tmp_path / "out", "--set", item), 2, named)
    assert "--set" in line or str(tiny_case.config_path) in line
    assert not (tmp_path / "out").exists() and not tiny_case.results_dir.exists()


def test_missing_config_file(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.yaml"
    check_failed(invoke("run", missing, "--out", tmp_path / "out"), 2, str(missing), "not found")
    check_failed(invoke("validate", missing), 2, str(missing), "not found")
    assert not (tmp_path / "out").exists()


def test_config_that_is_not_yaml(tmp_path: Path) -> None:
    path = tmp_path / "notes.yaml"
    path.write_text("name: tiny\n  year: [2025\n")
    check_failed(invoke("run", path, "--out", tmp_path / "out"), 2, str(path), "not valid YAML")
    assert not (tmp_path / "out").exists()


# --- the shipped data, broken in copies; and a few bad inputs through a real process


@pytest.fixture(scope="module")
def shipped_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """configs/ and data/ of the repository copied, with a config pointing at the copies."""
    root = tmp_path_factory.mktemp("shipped")
    data = yaml.safe_load(SHIPPED.read_text())
    for role, rel in data["inputs"].items():
        src = (SHIPPED.parent / rel).resolve()
        dst = root / "data" / src.name
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_bytes(src.read_bytes())
        data["inputs"][role] = f"../data/{src.name}"
    (root / "configs").mkdir()
    (root / "configs" / "suzhou_2025.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    return root


def test_validate_shipped_config() -> None:
    proc = python_m("validate", SHIPPED)
    assert proc.returncode == 0, proc.stderr
    assert "valid (8760 steps, 19 technologies" in proc.stdout
    assert proc.stderr.strip() == ""


def test_validate_shipped_copy_then_break_a_profile(shipped_copy: Path, tmp_path: Path) -> None:
    config = shipped_copy / "configs" / "suzhou_2025.yaml"
    ok = invoke("validate", config)
    assert ok.exit_code == 0, ok.stderr
    assert "valid (8760 steps" in ok.stdout
    # a NaN in one hour of the copied capacity factors
    cf_path = shipped_copy / "data" / "cf_2025.nc"
    with xr.open_dataset(cf_path) as ds:
        ds = ds.load()
    values = ds["capacity_factor"].values.copy()
    tech = list(ds["technology"].values).index("wind_onshore")
    values[1234, ..., tech] = np.nan
    ds["capacity_factor"].values = values
    broken = tmp_path / "cf_nan.nc"
    ds.to_netcdf(broken)
    out = tmp_path / "out"
    proc = python_m("run", config, "--set", f"inputs.capacity_factors={broken}", "--out", out)
    assert_one_line_error(proc.returncode, proc.stdout, proc.stderr, 2, "cf_nan.nc", "wind_onshore", "NaN")
    assert not out.exists() and not (shipped_copy / "results").exists()


@pytest.mark.parametrize(("name", "change", "fragments"), [
    ("load_short", lambda ds: ds.isel(time=slice(0, 8759)), ("load_short.nc", "time", "missing")),
    ("load_duplicate", lambda ds: ds.assign_coords(time=np.r_[ds.time.values[:5], ds.time.values[4:-1]]),
     ("load_duplicate.nc", "time", "duplicate")),
])
def test_broken_shipped_load(shipped_copy: Path, tmp_path: Path, name: str, change,
                             fragments: tuple[str, ...]) -> None:
    with xr.open_dataset(shipped_copy / "data" / "load_2025.nc") as ds:
        ds = ds.load()
    broken = tmp_path / f"{name}.nc"
    change(ds).to_netcdf(broken)
    result = invoke("run", shipped_copy / "configs" / "suzhou_2025.yaml", "--set", f"inputs.load={broken}",
                    "--out", tmp_path / "out")
    check_failed(result, 2, *fragments)
    assert not (tmp_path / "out").exists() and not (shipped_copy / "results").exists()


def test_bad_tiny_inputs_in_a_process(tiny_case: TinyCase, tmp_path: Path) -> None:
    tiny_case.set_cell("cf.csv", "2025-01-01 01:00", "pv", "1.7")
    proc = python_m("run", tiny_case.config_path, "--out", tmp_path / "out")
    assert_one_line_error(proc.returncode, proc.stdout, proc.stderr, 2, "cf.csv", "pv", "above 1")
    unknown = tiny_case.write_config({"policy.coal_share_max": {"target": "coal_cap_2099"}}, name="unknown.yaml")
    proc = python_m("run", unknown, "--out", tmp_path / "out")
    assert_one_line_error(proc.returncode, proc.stdout, proc.stderr, 2, str(unknown), "policy.coal_share_max",
                          "coal_cap_2099")
    assert not (tmp_path / "out").exists() and not tiny_case.results_dir.exists()


# --------------------------------------------------------------------------------------------------
# good runs of a tiny case
# --------------------------------------------------------------------------------------------------


def test_run_tiny_case(tiny_case: TinyCase, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = python_m("run", tiny_case.config_path, "--out", out, "--set", "solver.time_limit_s=30")
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == ["config.yaml", "results.nc", "summary.csv", "summary.json"]
    assert not tiny_case.results_dir.exists()  # --out wins over output.dir
    # summary table on stdout: its title and one row per technology, then the results folder
    assert "tiny (2025): least-cost mix" in proc.stdout
    rows = {line.split()[1] for line in proc.stdout.splitlines() if line.startswith("│")}
    assert {"coal", "pv"} <= rows
    assert f"results: {out}" in proc.stdout
    assert "INFO" not in proc.stdout
    # progress and timings on stderr
    assert re.search(r"model built in \d+\.\d+ s", proc.stderr), proc.stderr
    assert re.search(r"solve \d+\.\d+ s \(optimal\)", proc.stderr), proc.stderr
    assert "error" not in proc.stderr.lower()
    # the optimum of this case (tests/test_constraints.py works it out): 120 MW of PV
    summary = pd.read_csv(out / "summary.csv", index_col=0)
    assert summary.loc["pv", "new_mw"] == pytest.approx(120)
    assert json.loads((out / "summary.json").read_text())
    with xr.open_dataset(out / "results.nc") as ds:
        assert float(ds["capacity_new_mw"].sel(technology="pv")) == pytest.approx(120)
    # the resolved config is written beside the results, with the --set value in it
    written = yaml.safe_load((out / "config.yaml").read_text())
    assert written["name"] == "tiny"
    assert written["solver"]["time_limit_s"] == 30


def test_run_writes_to_output_dir_by_default(tiny_case: TinyCase) -> None:
    result = invoke("run", tiny_case.config_path, "--quiet")
    assert result.exit_code == 0, result.stderr
    assert (tiny_case.results_dir / "results.nc").is_file()
    assert f"results: {tiny_case.results_dir}" in result.stdout


def test_quiet_run_logs_no_progress(tiny_case: TinyCase, tmp_path: Path) -> None:
    result = invoke("run", tiny_case.config_path, "--out", tmp_path / "out", "-q")
    assert result.exit_code == 0, result.stderr
    assert "model built" not in result.stderr and "INFO" not in result.stderr
    loud = invoke("run", tiny_case.config_path, "--out", tmp_path / "loud")
    assert loud.exit_code == 0, loud.stderr
    assert "model built" in loud.stderr


def test_set_overrides_change_the_run(tiny_case: TinyCase, tmp_path: Path) -> None:
    # without PV investment the coal unit must cover all the load: 190 MWh at 300 CNY/MWh
    result = invoke("run", tiny_case.config_path, "--out", tmp_path / "out", "-q",
                    "--set", "technologies.pv.extendable=false", "--set", "solver.time_limit_s=20",
                    "--set", "solver.method=simplex")
    assert result.exit_code == 0, result.stderr
    written = yaml.safe_load((tmp_path / "out" / "config.yaml").read_text())
    assert written["solver"]["time_limit_s"] == 20
    assert written["solver"]["method"] == "simplex"
    assert written["technologies"] == {"pv": {"extendable": False}}
    with xr.open_dataset(tmp_path / "out" / "results.nc") as ds:
        assert float(ds["capacity_new_mw"].sel(technology="pv")) == pytest.approx(0)
        assert float(ds.objective_cny) == pytest.approx(190 * 300)
    assert yaml.safe_load(tiny_case.config_path.read_text()) == tiny_case.mapping()  # the file is untouched


def test_validate_tiny_case_and_set(tiny_case: TinyCase) -> None:
    result = invoke("validate", tiny_case.config_path, "--set", "time.end=2025-01-01 01:00")
    assert result.exit_code == 0, result.stderr
    assert "valid (2 steps, 2 technologies" in result.stdout
    assert result.stderr == ""
    assert not tiny_case.results_dir.exists()


# --------------------------------------------------------------------------------------------------
# an infeasible case: exit 3, the targets named, nothing written
# --------------------------------------------------------------------------------------------------


def infeasible_config(case: TinyCase) -> Path:
    # PV (the only non-fossil source, capacity factor 1) is capped at 20 MW against a 50 MW load, so
    # at most 40 % of the electricity can be non-fossil; the floor asks for 80 %.
    case.edit("cf.csv", lambda t: t.replace(",0.0\n", ",1.0\n").replace(",0.5\n", ",1.0\n"))
    case.set_cell("load.csv", "2025-01-01 01:00", "load_mw", "50")
    case.set_cell("load.csv", "2025-01-01 02:00", "load_mw", "50")
    case.set_cell("load.csv", "2025-01-01 00:00", "load_mw", "50")
    return case.write_config({
        "policy.nonfossil_share_min": {"value": 0.8},
        "policy.capacity_targets": [{"name": "pv_cap", "technologies": ["pv"], "sense": "<=", "value": 20}],
    }, name="infeasible.yaml")


def test_infeasible_case_exits_3(tiny_case: TinyCase, tmp_path: Path) -> None:
    config = infeasible_config(tiny_case)
    out = tmp_path / "out"
    proc = python_m("run", config, "--out", out)
    assert proc.returncode == 3, proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("error: infeasible")
    assert "cannot be met" in last
    assert "nonfossil_share" in last
    assert "40.00%" in last  # how far the floor must come down: to the 40 % that 20 MW of PV can give
    assert not out.exists() and not tiny_case.results_dir.exists()
    # the same case without the PV cap is feasible (so the conflict is between the two)
    feasible = tiny_case.write_config({"policy.nonfossil_share_min": {"value": 0.8}}, name="feasible.yaml")
    assert invoke("run", feasible, "--out", tmp_path / "ok", "-q").exit_code == 0


def test_infeasible_message_names_both_conflicting_targets(tiny_case: TinyCase, tmp_path: Path) -> None:
    result = invoke("run", infeasible_config(tiny_case), "--out", tmp_path / "out", "-q")
    assert result.exit_code == 3
    assert "nonfossil_share" in result.stderr and "pv_cap" in result.stderr


def test_infeasible_quiet_is_one_line(tiny_case: TinyCase, tmp_path: Path) -> None:
    result = invoke("run", infeasible_config(tiny_case), "--out", tmp_path / "out", "--quiet")
    # the HiGHS banner may be printed by the solver library itself, outside the CLI's control
    lines = [ln for ln in result.stderr.strip().splitlines() if not ln.startswith(("Running HiGHS", "Includes"))]
    assert result.exit_code == 3
    assert len(lines) == 1 and lines[0].startswith("error: infeasible"), result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("terminated", [True, False])
def test_an_import_broken_by_sigterm_is_an_interrupt(monkeypatch, terminated):
    """SIGTERM landing inside a C extension's module initialisation (numpy, pandas, netCDF4 while the
    command starts) surfaces as "ImportError: initialization failed", not as the interrupt: after a
    SIGTERM it must still end as one (message, exit 143); without one, the error is not hidden."""
    from optimizer import cli, pathway

    seen: list[bool] = []
    monkeypatch.setattr(cli, "_SIGTERM_SEEN", seen)

    def broken_import(_path):
        if terminated:
            seen.append(True)  # what cli._on_sigterm records before raising the interrupt
        raise ImportError("initialization failed")

    monkeypatch.setattr(pathway, "is_pathway_file", broken_import)
    res = invoke("run", REPO / "configs" / "suzhou_2025.yaml", "-q")
    if terminated:
        assert res.exit_code == 143 and "interrupted" in res.stderr, res.stderr
    else:
        assert res.exit_code == 1 and isinstance(res.exception, ImportError)


@pytest.mark.parametrize("abandoned", [True, False])
def test_an_interrupt_that_left_highs_running_ends_the_process_at_once(monkeypatch, abandoned):
    """When HiGHS does not stop within its grace period (SIGTERM in a long presolve pass), the
    interpreter's shutdown around the still-running solver thread crashed (exit -11) or hung: the CLI
    then ends with os._exit after its message, with the usual code; otherwise the normal exit."""
    from optimizer import cli, pathway

    exits: list[int] = []

    def fake_exit(code: int) -> None:
        exits.append(code)
        raise SystemExit(code)

    def interrupted_solve(_path):
        err = cli.Terminated()
        if abandoned:
            err.solver_abandoned = True  # what Solver._run_interruptibly marks after its grace period
        raise err

    monkeypatch.setattr(os, "_exit", fake_exit)
    monkeypatch.setattr(pathway, "is_pathway_file", interrupted_solve)
    res = invoke("run", REPO / "configs" / "suzhou_2025.yaml", "-q")
    assert res.exit_code == 143 and "interrupted" in res.stderr, res.stderr
    assert exits == ([143] if abandoned else [])
