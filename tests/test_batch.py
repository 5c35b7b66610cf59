"""Batch runs (``optimizer batch``): many scenarios in this process, on a local Dask cluster, and on a
real ``dask scheduler`` with two ``dask worker`` processes, one of which is killed mid-batch.

The scenarios are tiny cases (tests/tiny.py) whose optimum is known by hand: load 50, 80, 60 MW;
100 MW of existing coal at 300 CNY/MWh and 0.6 tCO2/MWh; extendable PV at 100 CNY/MW with the
profile 0, 1, 0.5. The optimum builds 120 MW of PV (12,000 CNY) and burns coal only in hour 0
(50 MWh: 15,000 CNY, 30 t), so the total cost is 27,000 CNY. A carbon price of 100 CNY/t adds 60
CNY/MWh to coal, which does not change the mix: 12,000 + 50 x 360 = 30,000 CNY.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import xarray as xr
import yaml

from optimizer.batch import TABLE_COLUMNS, BatchSummary, batch_command, run_batch, run_scenario
from optimizer.errors import InputError, OptimizerError
from optimizer.scenarios import Scenario, scenarios_from_configs, scenarios_from_sweep
from tiny import write_case

COAL = {"name": "coal", "kind": "generator", "carrier": "coal", "existing_mw": 100,
        "heat_rate_gce_per_kwh": 300}
PV = {"name": "pv", "kind": "generator", "carrier": "solar", "extendable": "true", "profile": "pv",
      "capex_cny_per_kw": 0.1, "lifetime_yr": 1}


def _set(data: dict[str, Any], dotted: str, value: Any) -> None:
    *path, last = dotted.split(".")
    for k in path:
        data = data.setdefault(k, {})
    data[last] = value


def tiny_case(folder: Path, load: list[float] | None = None) -> dict[str, Any]:
    """The three-hour case's files in ``folder``; returns its config mapping (no output.dir)."""
    data = write_case(folder, [COAL, PV], load or [50.0, 80.0, 60.0], {"pv": [0.0, 1.0, 0.5]})
    del data["output"]
    return data


def write_config(folder: Path, base: dict[str, Any], name: str, **changes: Any) -> Path:
    """``folder/<name>.yaml``: ``base`` named ``name`` with dotted-key changes (``a__b`` = ``a.b``)."""
    data = json.loads(json.dumps(base))
    data["name"] = name
    for key, value in changes.items():
        _set(data, key.replace("__", "."), value)
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def hidden(folder: Path) -> list[str]:
    """Temporary or leftover entries (``.name.tmp-*``, ``.name.old-*``, ``.name.lock``) in a results root."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def by_name(summary: BatchSummary) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in summary.results}


@pytest.fixture
def configs(tmp_path: Path) -> dict[str, Path]:
    """Four configs on one tiny case: two that solve, one with a bad key, one infeasible."""
    base = tiny_case(tmp_path / "case")
    folder = tmp_path / "configs"
    folder.mkdir()
    return {
        "a": write_config(folder, base, "a"),
        "bad": write_config(folder, base, "bad", colour="red"),
        # no CO2 at all, but hour 0 (PV output 0) can only be served by coal: infeasible
        "inf": write_config(folder, base, "inf", policy__co2_cap_t={"value": 0.0}),
        "b": write_config(folder, base, "b", policy__carbon_price_cny_per_t=100.0),
    }


# ---------------------------------------------------------------------------------- in this process


def test_in_process_batch_records_each_failure_and_runs_the_rest(configs, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    # what a worker killed while writing scenario a leaves behind (removed when a runs again), and a
    # temporary folder of a scenario that is not in this batch (left alone)
    (out / ".a.tmp-killed").mkdir()
    (out / ".a.tmp-killed" / "results.nc").write_bytes(b"CDF\x01 half")
    (out / ".other.tmp-1").mkdir()
    paths = [configs[n] for n in ("a", "bad", "inf", "b")]  # failures before the last ok one
    summary = run_batch(scenarios_from_configs(paths, None, out), workers=0, progress=False)

    res = by_name(summary)
    assert [r["name"] for r in summary.results] == ["a", "bad", "inf", "b"]
    assert {n: (r["status"], r["exit_code"]) for n, r in res.items()} == {
        "a": ("ok", 0), "bad": ("failed", 2), "inf": ("failed", 3), "b": ("ok", 0)}
    assert summary.exit_code == 3  # the largest failing exit code
    assert str(configs["bad"]) in res["bad"]["message"] and "colour: unknown key" in res["bad"]["message"]
    assert res["inf"]["message"].startswith("infeasible") and "co2_cap" in res["inf"]["message"]
    assert all("\n" not in r["message"] for r in summary.results)
    assert res["a"]["total_cost_cny"] == pytest.approx(27_000) and res["a"]["co2_t"] == pytest.approx(30)
    assert res["b"]["total_cost_cny"] == pytest.approx(30_000) and res["b"]["co2_t"] == pytest.approx(30)
    assert res["a"]["coal_share"] == pytest.approx(50 / 190)  # 50 of 190 MWh from coal (electricity basis)
    assert res["a"]["carbon_shadow_price_cny_per_t"] is None  # no CO2 cap
    assert res["inf"]["total_cost_cny"] is None

    # results only for the scenarios that solved, and nothing half-written
    assert sorted(p.name for p in out.iterdir() if p.is_dir() and not p.name.startswith(".")) == ["a", "b"]
    assert (out / "a" / "results.nc").is_file() and (out / "b" / "results.nc").is_file()
    assert hidden(out) == [".other.tmp-1"]
    with xr.open_dataset(out / "b" / "results.nc") as ds:
        assert ds.attrs["scenario"] == "b"
        assert float(ds["total_cost_cny"]) == pytest.approx(30_000)

    table = summary.table()
    assert tuple(table.columns) == TABLE_COLUMNS
    assert table["scenario"].tolist() == ["a", "bad", "inf", "b"]
    assert table.set_index("scenario").loc["a", "total_cost_bn_cny"] == pytest.approx(27_000 / 1e9)
    assert table.set_index("scenario").loc["a", "co2_mt"] == pytest.approx(30 / 1e6)
    assert math.isnan(table.set_index("scenario").loc["inf", "total_cost_bn_cny"])

    csv = pd.read_csv(out / "batch_summary.csv")
    assert tuple(csv.columns) == TABLE_COLUMNS
    assert csv["status"].tolist() == ["ok", "failed", "failed", "ok"]
    assert csv["exit_code"].tolist() == [0, 2, 3, 0]
    assert csv.loc[3, "total_cost_bn_cny"] == pytest.approx(30_000 / 1e9)
    doc = json.loads((out / "batch_summary.json").read_text(encoding="utf-8"))
    assert doc["exit_code"] == 3 and doc["counts"] == {"ok": 2, "skipped": 0, "failed": 2}
    assert [s["name"] for s in doc["scenarios"]] == ["a", "bad", "inf", "b"]
    assert doc["scenarios"][0]["carbon_shadow_price_cny_per_t"] is None  # NaN written as null


def test_exit_code_of_a_batch():
    def r(status, code):
        return {"name": f"s{code}{status}", "status": status, "exit_code": code, "message": ""}

    assert BatchSummary([r("ok", 0), r("skipped", 0)]).exit_code == 0
    assert BatchSummary([r("failed", 2), r("ok", 0), r("failed", 5), r("failed", 3)]).exit_code == 5
    assert BatchSummary([r("failed", 0)]).exit_code == 1  # a failure never exits 0
    assert BatchSummary([]).exit_code == 0


def test_rerun_skips_finished_scenarios_unless_forced_or_inputs_change(configs, tmp_path):
    out = tmp_path / "out"
    nc = out / "a" / "results.nc"

    first = run_batch(scenarios_from_configs([configs["a"]], None, out), workers=0, progress=False)
    assert first.results[0]["status"] == "ok"
    inode = nc.stat().st_ino

    again = run_batch(scenarios_from_configs([configs["a"]], None, out), workers=0, progress=False)
    (r,) = again.results
    assert (r["status"], r["exit_code"], again.exit_code) == ("skipped", 0, 0)
    assert "unchanged" in r["message"]
    assert r["total_cost_cny"] == pytest.approx(27_000)  # headline figures read from the kept result
    assert nc.stat().st_ino == inode  # not rewritten

    # solver options do not change the optimum: same scenario name, same hash, still skipped
    simplex = scenarios_from_configs([configs["a"]], ["solver.method=simplex"], out)
    assert [s.name for s in simplex] == ["a"]
    assert run_batch(simplex, workers=0, progress=False).results[0]["status"] == "skipped"

    forced = run_batch(scenarios_from_configs([configs["a"]], None, out), workers=0, progress=False, force=True)
    assert forced.results[0]["status"] == "ok"
    assert nc.stat().st_ino != inode  # solved and written again
    inode = nc.stat().st_ino

    # a changed data value (hour 0 load 50 -> 70 MW: coal 70 MWh) makes it run again without --force
    load = tmp_path / "case" / "load.csv"
    frame = pd.read_csv(load)
    frame.loc[0, "load_mw"] = 70.0
    frame.to_csv(load, index=False)
    changed = run_batch(scenarios_from_configs([configs["a"]], None, out), workers=0, progress=False)
    (r,) = changed.results
    assert r["status"] == "ok"
    assert r["total_cost_cny"] == pytest.approx(12_000 + 70 * 300)
    assert r["co2_t"] == pytest.approx(70 * 0.6)
    assert nc.stat().st_ino != inode
    assert hidden(out) == []


def test_a_retried_scenario_finding_its_own_batchs_result_reports_ok(configs, tmp_path):
    # Dask re-runs a scenario whose finished result died with its worker before the hand-over; the
    # re-run finds the result this same batch wrote: solved, not "skipped" (CI saw exactly this)
    (sc,) = scenarios_from_configs([configs["a"]], None, tmp_path / "out")
    first = run_scenario(sc, batch_id="b1")
    nc = sc.out_dir / "results.nc"
    with xr.open_dataset(nc) as ds:
        assert ds.attrs["run_id"] == "b1"
    inode = nc.stat().st_ino
    retried = run_scenario(sc, batch_id="b1")
    assert (first["status"], retried["status"], retried["message"]) == ("ok", "ok", "")
    assert "worker was lost" in retried["note"]
    assert retried["total_cost_cny"] == pytest.approx(first["total_cost_cny"])
    assert nc.stat().st_ino == inode  # not solved twice
    assert run_scenario(sc, batch_id="b2")["status"] == "skipped"  # a later batch keeps it
    assert run_scenario(sc)["status"] == "skipped"


def test_scenarios_asking_for_different_solver_threads_share_a_process(configs, tmp_path):
    # HiGHS fixes its thread pool at the first solve of a process; a worker runs many scenarios
    sc = [Scenario("two", configs["a"], ("solver.threads=2",), tmp_path / "two"),
          Scenario("default", configs["b"], (), tmp_path / "default"),
          Scenario("one", configs["a"], ("solver.threads=1",), tmp_path / "one")]
    summary = run_batch(sc, workers=0, progress=False)
    assert [(r["status"], r["message"]) for r in summary.results] == [("ok", "")] * 3
    with xr.open_dataset(tmp_path / "one" / "results.nc") as ds:
        assert json.loads(ds.attrs["solver_options"])["threads"] == 1


# ------------------------------------------------------------------------------- names and folders


def test_scenario_names_and_output_folders(tmp_path):
    base = tiny_case(tmp_path / "case")
    project = tmp_path / "project" / "configs"
    project.mkdir(parents=True)
    a = write_config(project, base, "a")
    other = tmp_path / "elsewhere"
    other.mkdir()
    a_again = write_config(other, base, "a")  # same scenario name in another folder
    own_dir = write_config(other, base, "own", output__dir="runs/own_run")

    # without --out: where `optimizer run` would write (results/ beside configs/, or output.dir)
    sc = scenarios_from_configs([a, own_dir], None, None)
    assert [s.name for s in sc] == ["a", "own"]
    assert sc[0].out_dir == (tmp_path / "project" / "results" / "a").resolve()
    assert sc[1].out_dir == (other / "runs" / "own_run").resolve()
    assert all(s.overrides == () for s in sc)

    # repeated names are made unique, each with its own folder under --out
    sc = scenarios_from_configs([a, a_again], None, tmp_path / "out")
    assert [s.name for s in sc] == ["a", "a-2"]
    assert [s.out_dir for s in sc] == [(tmp_path / "out" / "a").resolve(), (tmp_path / "out" / "a-2").resolve()]
    assert sc[1].overrides == ("name=a-2",)  # the results carry the scenario's own name

    # files that share a name say which file each came from; the file named after it keeps the name
    high_gas = project / "high_gas.yaml"
    high_gas.write_text(a.read_text(encoding="utf-8"), encoding="utf-8")
    sc = scenarios_from_configs([a, high_gas, high_gas], None, tmp_path / "out")
    assert [s.name for s in sc] == ["a", "a-high_gas", "a-high_gas-2"]
    assert sc[1].overrides == ("name=a-high_gas",)

    # overrides that change results rename the scenario; solver options and output.dir do not
    sc = scenarios_from_configs([a], ["policy.carbon_price_cny_per_t=100", "solver.threads=2"], tmp_path / "out")
    assert [s.name for s in sc] == ["a__carbon_price_cny_per_t-100"]
    assert sc[0].overrides[-1] == "name=a__carbon_price_cny_per_t-100"
    sc = scenarios_from_configs([a], ["policy.coal_share_max.value=0.5"], None)
    assert sc[0].name == "a__coal_share_max.value-0.5"
    assert sc[0].out_dir == (tmp_path / "project" / "results" / "a__coal_share_max.value-0.5").resolve()
    assert scenarios_from_configs([a], ["name=mine", "policy.carbon_price_cny_per_t=1"], None)[0].name == "mine"

    # an unreadable config is still a scenario (named after its file); running it reports why
    sc = scenarios_from_configs([tmp_path / "missing.yaml"], None, tmp_path / "out")
    assert [s.name for s in sc] == ["missing"]
    summary = run_batch(sc, workers=0, progress=False)
    assert (summary.results[0]["status"], summary.exit_code) == ("failed", 2)
    assert "config file not found" in summary.results[0]["message"]

    # a config error names the config file, as `optimizer run` does, not just "config"
    cut = write_config(project, base, "cut", time__typical_days=2, time__end="2030-01-02")
    summary = run_batch(scenarios_from_configs([cut], None, tmp_path / "out"), workers=0, progress=False)
    assert summary.results[0]["message"].startswith(f"{cut.resolve()}: time"), summary.results[0]["message"]

    with pytest.raises(InputError, match="key=value"):
        scenarios_from_configs([a], ["policy.carbon_price_cny_per_t"], None)


def test_sweep_points_run_as_named_scenarios(tmp_path):
    base = tiny_case(tmp_path / "case")
    cfg = write_config(tmp_path, base, "base")
    out = tmp_path / "sweep"
    sc = scenarios_from_sweep(cfg, [("price_0", ["policy.carbon_price_cny_per_t=0"]),
                                    ("price_100", ["policy.carbon_price_cny_per_t=100"])], out)
    assert [(s.name, s.out_dir) for s in sc] == [("price_0", (out / "price_0").resolve()),
                                                 ("price_100", (out / "price_100").resolve())]
    summary = run_batch(sc, workers=0, progress=False)
    assert [r["total_cost_cny"] for r in summary.results] == pytest.approx([27_000, 30_000])
    with xr.open_dataset(out / "price_100" / "results.nc") as ds:
        assert ds.attrs["scenario"] == "price_100"
    assert (out / "batch_summary.csv").is_file()


# ----------------------------------------------------------------------------- errors and reports


def test_a_folder_another_run_is_writing_fails_only_that_scenario(configs, tmp_path):
    from optimizer.outputs import output_lock

    out = tmp_path / "out"
    with output_lock(out / "a"):  # another run holds scenario a's folder and is writing it
        (out / ".a.tmp-live").mkdir()
        summary = run_batch(scenarios_from_configs([configs["a"], configs["b"]], None, out), workers=0,
                            progress=False)
        res = by_name(summary)
        assert (res["a"]["status"], res["a"]["exit_code"]) == ("failed", 6)
        assert "another optimizer run" in res["a"]["message"]
        assert res["b"]["status"] == "ok" and summary.exit_code == 6
        assert (out / ".a.tmp-live").is_dir()  # the live run's temporary folder is not touched
        assert not (out / "a").exists()


def test_unexpected_error_is_one_failed_scenario(configs, tmp_path, monkeypatch):
    import optimizer.run

    calls = []

    def broken(cfg, **kw):
        calls.append(cfg.name)
        if cfg.name == "a":
            raise ValueError("something odd\nwith a second line")
        return real(cfg, **kw)

    real = optimizer.run.run
    monkeypatch.setattr(optimizer.run, "run", broken)
    summary = run_batch(scenarios_from_configs([configs["a"], configs["b"]], None, tmp_path / "out"),
                        workers=0, progress=False)
    res = by_name(summary)
    assert calls == ["a", "b"]
    assert (res["a"]["status"], res["a"]["exit_code"], res["a"]["message"]) == (
        "failed", 1, "ValueError: something odd")
    assert res["b"]["status"] == "ok"
    assert summary.exit_code == 1


def test_report_after_each_solved_scenario_never_fails_it(configs, tmp_path, monkeypatch):
    import optimizer.report

    seen = []

    def fake_report(results_dir, out, lang, pdf=None):
        seen.append((Path(results_dir), out, lang, pdf))
        (Path(results_dir) / "report").mkdir()
        (Path(results_dir) / "report" / "report.html").write_text("<html></html>", encoding="utf-8")

    out = tmp_path / "out"
    monkeypatch.setattr(optimizer.report, "report_command", fake_report)
    summary = run_batch(scenarios_from_configs([configs["a"], configs["bad"]], None, out), workers=0,
                        progress=False, report=True)
    # only the solved scenario gets a report; no PDF for each of many scenarios (optimizer report --pdf)
    assert seen == [(out.resolve() / "a", None, "en", False)]
    assert by_name(summary)["a"]["report"] == str(out.resolve() / "a" / "report" / "report.html")

    def failing_report(results_dir, out, lang, pdf=None):
        raise RuntimeError("no fonts")

    monkeypatch.setattr(optimizer.report, "report_command", failing_report)
    summary = run_batch(scenarios_from_configs([configs["b"]], None, out), workers=0, progress=False, report=True)
    (r,) = summary.results
    assert (r["status"], r["exit_code"], summary.exit_code) == ("ok", 0, 0)
    assert r["note"] == "report failed: RuntimeError: no fonts"
    assert summary.table().loc[0, "message"] == "report failed: RuntimeError: no fonts"

    monkeypatch.setitem(sys.modules, "optimizer.report", None)  # the module is not importable
    summary = run_batch(scenarios_from_configs([configs["b"]], None, out), workers=0, progress=False,
                        report=True, force=True)
    (r,) = summary.results
    assert r["status"] == "ok" and r["note"].startswith("report skipped")


def test_batch_command_prints_the_table_and_returns_the_exit_code(configs, tmp_path, capsys):
    out = tmp_path / "out"
    code = batch_command([configs["a"], configs["bad"]], out, 0, None, False, None, False)
    assert code == 2
    stdout = capsys.readouterr().out
    rows = {cells[0]: cells[1:] for ln in stdout.splitlines()
            if len(cells := [c.strip() for c in ln.split("│")[1:-1]]) == 10}
    assert rows["a"][:4] == ["ok", "0", "0.000", "0.000"]  # status, exit, cost bn CNY, CO2 Mt
    assert rows["a"][4] == f"{50 / 190:.1%}"  # coal share
    assert rows["bad"][:2] == ["failed", "2"]
    assert f"failed bad (exit 2): {configs['bad']}: colour: unknown key" in stdout.splitlines()
    assert "1 ok, 0 skipped, 1 failed" in stdout
    assert str(out / "batch_summary.csv") in stdout.replace("\n", "")

    assert batch_command([configs["a"]], out, 0, None, False, ["solver.threads"], False) == 2
    assert "expects key=value" in capsys.readouterr().err
    assert batch_command([], out, 0, None, False, None, False) == 2


# ------------------------------------------------------------------------------------------- Dask


def test_local_cluster_of_two_workers(configs, tmp_path):
    pytest.importorskip("distributed")
    out = tmp_path / "out"
    threads2 = write_config(tmp_path / "configs", yaml.safe_load(configs["b"].read_text()), "c",
                            solver__threads=2)
    scenarios = scenarios_from_configs([configs["a"], configs["bad"], threads2], None, out)
    try:
        summary = run_batch(scenarios, workers=2, progress=True)
    except OptimizerError as err:  # pragma: no cover - only where processes or sockets are forbidden
        if "local Dask cluster" not in str(err):
            raise
        pytest.skip(str(err))
    res = by_name(summary)
    assert {n: r["status"] for n, r in res.items()} == {"a": "ok", "bad": "failed", "c": "ok"}, res
    assert res["bad"]["exit_code"] == 2 and summary.exit_code == 2
    assert res["a"]["total_cost_cny"] == pytest.approx(27_000)
    assert res["c"]["total_cost_cny"] == pytest.approx(30_000)
    assert all(r["worker"].startswith("tcp://127.0.0.1:") for r in summary.results)
    # each worker solves with one HiGHS thread, unless the config asks for more
    for name, threads in (("a", 1), ("c", 2)):
        with xr.open_dataset(out / name / "results.nc") as ds:
            assert json.loads(ds.attrs["solver_options"])["threads"] == threads
    assert hidden(out) == [] and (out / "batch_summary.json").is_file()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def slow_case(folder: Path, hours: int = 300) -> dict[str, Any]:
    """300 hours with PV, gas and a battery to size: a real solve of one or two seconds, whose mix
    moves from coal to PV and storage as the carbon price rises."""
    t = np.arange(hours)
    load = (60 + 30 * np.sin(2 * np.pi * t / 24) + 10 * np.random.default_rng(0).uniform(size=hours)).round(2)
    pv = np.clip(np.sin((t % 24 - 6) / 12 * np.pi), 0, 1).round(3)
    techs = [
        COAL,
        {"name": "gas", "kind": "generator", "carrier": "gas", "existing_mw": 20, "extendable": "true",
         "capex_cny_per_kw": 0.5, "lifetime_yr": 1, "heat_rate_gce_per_kwh": 200},
        {**PV, "capex_cny_per_kw": 30.0},
        {"name": "bat", "kind": "storage", "carrier": "electricity", "extendable": "true",
         "capex_cny_per_kw": 0.05, "capex_cny_per_kwh": 2.0, "lifetime_yr": 1, "efficiency_charge": 0.9,
         "efficiency_discharge": 0.9, "max_duration_h": 8},
    ]
    data = write_case(folder, techs, load.tolist(), {"pv": pv.tolist()})
    del data["output"]
    return data


@pytest.fixture
def dask_cluster(tmp_path):
    """A real ``dask scheduler`` and two ``dask worker`` processes (no nanny) on 127.0.0.1."""
    distributed = pytest.importorskip("distributed")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    logs = tmp_path / "dask_logs"
    logs.mkdir()
    procs: dict[str, subprocess.Popen] = {}

    def start(name: str, args: list[str]) -> None:
        with open(logs / f"{name}.log", "w") as log:
            procs[name] = subprocess.Popen([sys.executable, "-m", *args], stdout=log, stderr=subprocess.STDOUT,
                                           cwd=tmp_path, env={**os.environ, "PYTHONUNBUFFERED": "1"})

    try:
        start("scheduler", ["distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", str(port),
                            "--no-dashboard"])
        for i in (1, 2):
            start(f"worker{i}", ["distributed.cli.dask_worker", address, "--nthreads", "1", "--no-dashboard",
                                 "--no-nanny", "--host", "127.0.0.1", "--name", f"w{i}"])
        client = None
        deadline = time.monotonic() + 60
        while client is None:
            try:
                client = distributed.Client(address, timeout="2s")
            except OSError:
                if time.monotonic() > deadline or procs["scheduler"].poll() is not None:
                    raise
                time.sleep(0.2)
        with client:
            client.wait_for_workers(2, timeout=60)
            yield address, procs, client
    except Exception:
        for p in logs.iterdir():
            print(f"--- {p.name}\n{p.read_text()[-3000:]}")
        raise
    finally:
        for p in procs.values():
            if p.poll() is None:
                p.kill()
        for p in procs.values():
            p.wait(timeout=30)


def test_real_cluster_finishes_the_batch_when_a_worker_dies(dask_cluster, tmp_path):
    address, procs, client = dask_cluster
    pids = client.run(os.getpid)  # worker address -> process id
    worker_procs = {addr: next(p for p in procs.values() if p.pid == pid) for addr, pid in pids.items()}
    assert len(worker_procs) == 2

    cfg = write_config(tmp_path, slow_case(tmp_path / "slow"), "slow")
    out = tmp_path / "out"
    prices = [0, 20, 40, 60, 80, 100]
    scenarios = scenarios_from_sweep(cfg, [(f"p{p}", [f"policy.carbon_price_cny_per_t={p}"]) for p in prices], out)
    killed: dict[str, Any] = {}

    def kill_a_busy_worker(result: dict[str, Any]) -> None:
        if killed:
            return
        deadline = time.monotonic() + 10
        while True:  # a worker that is solving a scenario right now
            busy = {a: keys for a, keys in client.processing().items() if keys and a in worker_procs}
            if busy or time.monotonic() > deadline:
                break
            time.sleep(0.02)
        assert busy, "no worker was solving a scenario when the first result arrived"
        victim = sorted(busy)[0]
        os.kill(worker_procs[victim].pid, signal.SIGKILL)
        killed.update(address=victim, after=result["name"],
                      scenarios=[str(k).split("-")[1] for k in busy[victim]])

    summary = run_batch(scenarios, scheduler=address, progress=False, on_result=kill_a_busy_worker)

    assert killed and worker_procs[killed["address"]].wait(timeout=10) == -signal.SIGKILL
    survivor = next(a for a in worker_procs if a != killed["address"])
    res = by_name(summary)
    assert [r["name"] for r in summary.results] == [f"p{p}" for p in prices]
    assert {n: r["status"] for n, r in res.items()} == {f"p{p}": "ok" for p in prices}, \
        {n: r["message"] for n, r in res.items()}
    assert summary.exit_code == 0
    # the scenario that was being solved on the killed worker was solved again by the survivor
    for name in killed["scenarios"]:
        assert res[name]["worker"] == survivor
    # a higher carbon price never lowers the cost nor raises the emissions (for any optimum of an LP)
    costs = [res[f"p{p}"]["total_cost_cny"] for p in prices]
    co2 = [res[f"p{p}"]["co2_t"] for p in prices]
    assert all(b >= a * (1 - 1e-6) for a, b in itertools.pairwise(costs)) and costs[-1] > costs[0]
    assert all(b <= a * (1 + 1e-6) + 1e-3 for a, b in itertools.pairwise(co2)) and co2[-1] < 0.9 * co2[0]
    for p in prices:
        assert (out / f"p{p}" / "results.nc").is_file()
    assert hidden(out) == []
    assert pd.read_csv(out / "batch_summary.csv")["status"].tolist() == ["ok"] * len(prices)


def test_a_config_with_a_date_that_does_not_exist_fails_alone(configs, tmp_path):
    """YAML reads an unquoted 2025-02-30 as a date and raises: that scenario fails with its one line, the
    batch runs the rest (it once aborted before anything ran)."""
    import re

    bad = configs["a"].parent / "baddate.yaml"
    text = configs["a"].read_text(encoding="utf-8").replace("name: a", "name: baddate")
    bad.write_text(re.sub(r"(?m)^(\s*)end: .*$", r"\1end: 2025-02-30", text), encoding="utf-8")
    out = tmp_path / "out"
    summary = run_batch(scenarios_from_configs([bad, configs["a"]], None, out), workers=0, progress=False)
    res = by_name(summary)
    assert (res["baddate"]["status"], res["baddate"]["exit_code"]) == ("failed", 2)
    assert "does not exist" in res["baddate"]["message"] and "\n" not in res["baddate"]["message"]
    assert res["a"]["status"] == "ok"
