"""Many scenarios in one command: ``optimizer batch CONFIG... [--workers N] [--scheduler tcp://HOST:PORT]``.

A batch is a list of :class:`Scenario` (a name, a config path, ``--set`` overrides and an output
folder). Each scenario runs as one task, by default on a local Dask cluster of worker processes
sized to the machine, or on an existing Dask cluster (``scheduler="tcp://HOST:PORT"``), or in this
process one after the other (``workers=0`` or ``scheduler="synchronous"``).

* A task receives only small things (the scenario's paths and override strings, flags): the worker
  reads the config and every input file itself, so paths must be valid on the workers (a shared
  filesystem for a remote cluster). Each worker solves with one HiGHS thread unless the config sets
  ``solver.threads``, so workers do not oversubscribe cores.
* Results are written atomically by :func:`optimizer.run.run` (temporary sibling folder, renamed when
  complete). A scenario whose ``results.nc`` is optimal and carries the same inputs hash as a fresh
  load of its inputs is skipped unless ``force``.
* One scenario's failure (bad input: exit code 2, infeasible: 3, solver limit: 4, failed check: 5,
  anything else: 1) is recorded with its one-line message and never stops the others; the batch's
  exit code is the largest failing exit code (0 when every scenario is ok or skipped).
* A worker that dies mid-task (killed, out of memory) is noticed by the scheduler, which runs the
  task again on another worker (up to ``distributed.scheduler.allowed-failures`` deaths, then the
  scenario is recorded as failed). Temporary folders left behind by a dead worker are removed by the
  re-run of the same scenario, under the results folder's lock (a run holds it while it writes; the
  kernel releases it when a process dies).
* A summary table (one row per scenario: status, exit code, headline figures, time, message) is
  printed and written atomically as ``batch_summary.csv`` and ``batch_summary.json``.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import math
import os
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from optimizer.errors import InputError, OptimizerError, one_line
from optimizer.scenarios import Scenario, scenarios_from_configs

log = logging.getLogger("optimizer")

OK, SKIPPED, FAILED = "ok", "skipped", "failed"

#: headline figures carried by every scenario's result (from results.nc; None when not available)
HEADLINE = ("total_cost_cny", "co2_t", "coal_share", "nonfossil_share", "carbon_shadow_price_cny_per_t")

#: columns of :meth:`BatchSummary.table`
TABLE_COLUMNS = ("scenario", "status", "exit_code", "total_cost_bn_cny", "co2_mt", "coal_share",
                 "nonfossil_share", "carbon_price", "elapsed_s", "message")

# ------------------------------------------------------------------------------------------ a task


def _num(v: Any) -> float | None:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


def _finished(out_dir: Path, inputs_hash: str) -> tuple[dict[str, float | None], str] | None:
    """(headline figures, run id) of a finished, optimal result for these inputs; None if it must be run."""
    import xarray as xr

    from optimizer import RESULTS_SCHEMA_VERSION

    f = out_dir / "results.nc"
    if not f.is_file():
        return None
    try:
        with xr.open_dataset(f) as ds:
            a = ds.attrs
            if (a.get("inputs_hash") != inputs_hash or a.get("solver_status") != "optimal"
                    or int(a.get("results_schema_version", -1)) != RESULTS_SCHEMA_VERSION):
                return None
            return ({k: (_num(ds[k].values) if k in ds else None) for k in HEADLINE}, str(a.get("run_id", "")))
    except (OSError, ValueError, RuntimeError, KeyError, TypeError):
        return None  # unreadable: run it again


def _remove_stale_temps(out_dir: Path) -> None:
    """Remove temporary folders of this scenario left by an interrupted write (a killed worker).

    Done while holding the folder's lock (:func:`optimizer.outputs.output_lock`): a run writes only
    while it holds that lock, so any temporary folder found then belongs to a run that has died.
    """
    from optimizer.outputs import output_lock, restore_carried

    parent = out_dir.parent
    if not parent.is_dir():
        return
    stale = [p for pattern in (f".{out_dir.name}.tmp-*", f".{out_dir.name}.old-*") for p in parent.glob(pattern)
             if p.is_dir()]
    if stale:
        with output_lock(out_dir):  # BusyError (exit 6) if another run is writing this folder now
            for p in stale:
                if restore_carried(p, out_dir):  # the user's files a killed writer had carried over go back first
                    shutil.rmtree(p, ignore_errors=True)


def _where() -> str:
    if "distributed" in sys.modules:
        try:
            from distributed import get_worker

            return str(get_worker().address)
        except (ImportError, ValueError):
            pass
    return "local"


def _make_report(out_dir: Path, lang: str = "en") -> tuple[str | None, str]:
    """Build the scenario's report in ``lang``; (path, '') or (None, note). Never raises."""
    try:
        from optimizer.report import report_command
    except ImportError as err:
        return None, f"report skipped: {one_line(err)}"
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            report_command(out_dir, None, lang, pdf=False)  # many scenarios: the PDF on demand (optimizer report --pdf)
    except Exception as err:
        return None, f"report failed: {type(err).__name__}: {one_line(err)}"
    path = out_dir / "report" / "report.html"
    return (str(path) if path.is_file() else None), ""


_highs_lock = threading.Lock()
_highs_threads: int | None = None  # HiGHS thread count of the last solve started in this process


def _use_highs_threads(threads: int) -> None:
    """Make HiGHS accept ``threads`` (0 = its default) in this process.

    HiGHS sizes one global thread pool per process at its first solve; a later solve asking for
    another thread count fails (model status kNotset). A worker runs scenarios one after another,
    whose configs may ask for different counts, so the pool is reset when the count changes.
    """
    global _highs_threads
    with _highs_lock:
        if _highs_threads != threads:
            import highspy

            highspy.Highs.resetGlobalScheduler(True)
            _highs_threads = threads


def run_scenario(scenario: Scenario, *, force: bool = False, single_thread: bool = False,
                 report: bool = False, batch_id: str | None = None, report_lang: str = "en") -> dict[str, Any]:
    """Run one scenario where this function executes (a Dask worker or this process); never raises.

    Loads the config and its inputs, skips the scenario if a finished result for the same inputs
    exists (unless ``force``), else solves and writes it atomically. Returns a small dict: name,
    status (ok / skipped / failed), exit_code, message (one line), the headline figures, elapsed_s,
    out_dir, config, worker, note (and report, when one was built).

    ``batch_id`` marks the written result. Dask runs a scenario again when the worker holding its
    finished result dies before handing it over; that second run finds the result written by this
    same batch and reports it as ok (solved), not as skipped.
    """
    t0 = time.perf_counter()
    res: dict[str, Any] = {"name": scenario.name, "status": FAILED, "exit_code": 1, "message": "",
                           **dict.fromkeys(HEADLINE), "elapsed_s": None, "out_dir": str(scenario.out_dir),
                           "config": str(scenario.config), "overrides": list(scenario.overrides),
                           "worker": _where(), "note": ""}
    try:
        from optimizer.config import load_config
        from optimizer.inputs import load_inputs
        from optimizer.run import run

        cfg = load_config(scenario.config, list(scenario.overrides))
        if single_thread and cfg.solver.threads == 0:
            cfg = cfg.model_copy(update={"solver": cfg.solver.model_copy(update={"threads": 1})})
        inp = load_inputs(cfg)
        out_dir = Path(scenario.out_dir)
        _remove_stale_temps(out_dir)
        done = None if force else _finished(out_dir, inp.inputs_hash)
        if done is not None and batch_id and done[1] == batch_id:
            res.update(done[0], status=OK, exit_code=0, message="",
                       note="solved in this batch; its worker was lost before handing the result over")
            if report and not (out_dir / "report" / "report.html").is_file():
                res["report"], res["note"] = _make_report(out_dir, report_lang)
        elif done is not None:
            res.update(done[0], status=SKIPPED, exit_code=0,
                       message=f"inputs unchanged (hash {inp.inputs_hash[:12]}): kept the finished result")
            if report and not (out_dir / "report" / "report.html").is_file():
                res["report"], res["note"] = _make_report(out_dir, report_lang)
        else:
            _use_highs_threads(cfg.solver.threads)
            outcome = run(cfg, out_dir=out_dir, inputs=inp, run_id=batch_id)
            ds = outcome.dataset
            res.update({k: (_num(ds[k].values) if k in ds else None) for k in HEADLINE})
            res.update(status=OK, exit_code=0, message="")
            if report:
                res["report"], res["note"] = _make_report(out_dir, report_lang)
    except OptimizerError as err:
        res.update(status=FAILED, exit_code=int(err.exit_code), message=one_line(err, scenario.config))
    except Exception as err:
        res.update(status=FAILED, exit_code=1, message=f"{type(err).__name__}: {one_line(err)}")
    res["elapsed_s"] = round(time.perf_counter() - t0, 3)
    return res


def _lost(scenario: Scenario, err: BaseException) -> dict[str, Any]:
    """Result of a task that never returned (its worker died too often, the cluster went away)."""
    return {"name": scenario.name, "status": FAILED, "exit_code": 1,
            "message": f"{type(err).__name__}: {one_line(err)}", **dict.fromkeys(HEADLINE),
            "elapsed_s": None, "out_dir": str(scenario.out_dir), "config": str(scenario.config),
            "overrides": list(scenario.overrides), "worker": "", "note": ""}


# ---------------------------------------------------------------------------------------- summary


def _clean(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, dict):
        return {k: _clean(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_clean(x) for x in v]
    return v


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@dataclass
class BatchSummary:
    """Every scenario's result (in the order the scenarios were given) and the batch's exit code."""

    results: list[dict[str, Any]]
    elapsed_s: float = 0.0
    summary_dir: Path | None = None
    files: list[Path] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        failed = [int(r.get("exit_code") or 1) for r in self.results if r["status"] == FAILED]
        return max(failed) if failed else 0

    def counts(self) -> dict[str, int]:
        return {s: sum(r["status"] == s for r in self.results) for s in (OK, SKIPPED, FAILED)}

    def table(self) -> pd.DataFrame:
        """One row per scenario: status, exit code, headline figures (bn CNY/yr, Mt/yr, shares, CNY/t)."""

        def scaled(r: dict[str, Any], key: str, div: float) -> float:
            v = r.get(key)
            return float("nan") if v is None else v / div

        rows = [{
            "scenario": r["name"],
            "status": r["status"],
            "exit_code": int(r["exit_code"]),
            "total_cost_bn_cny": scaled(r, "total_cost_cny", 1e9),
            "co2_mt": scaled(r, "co2_t", 1e6),
            "coal_share": scaled(r, "coal_share", 1.0),
            "nonfossil_share": scaled(r, "nonfossil_share", 1.0),
            "carbon_price": scaled(r, "carbon_shadow_price_cny_per_t", 1.0),
            "elapsed_s": scaled(r, "elapsed_s", 1.0),
            "message": r["message"] or r.get("note", ""),
        } for r in self.results]
        return pd.DataFrame(rows, columns=list(TABLE_COLUMNS))

    def write(self, folder: Path) -> list[Path]:
        """Write batch_summary.csv and batch_summary.json into ``folder`` (each atomically); a failure to
        write (a full disk) is one OutputError line."""
        from optimizer.outputs import writing

        folder = Path(folder)
        csv_path, json_path = folder / "batch_summary.csv", folder / "batch_summary.json"
        with writing(folder, "batch summary", intact="the scenarios' own results are not affected"):
            self._write(csv_path, json_path)
        self.summary_dir, self.files = folder, [csv_path, json_path]
        return self.files

    def _write(self, csv_path: Path, json_path: Path) -> None:
        _write_atomic(csv_path, self.table().to_csv(index=False, float_format="%.6g"))
        doc = {
            "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
            "exit_code": self.exit_code,
            "counts": self.counts(),
            "elapsed_s": round(self.elapsed_s, 3),
            "scenarios": self.results,
        }
        _write_atomic(json_path, json.dumps(_clean(doc), indent=2, ensure_ascii=False, default=str) + "\n")


# --------------------------------------------------------------------------------------- progress


class _Progress:
    """A rich progress bar on stderr: done/total, failed, skipped, elapsed, remaining (or nothing)."""

    def __init__(self, total: int, enabled: bool):
        self.bar = None
        self.failed = self.skipped = 0
        if not enabled:
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.bar = Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("[red]{task.fields[failed]} failed[/] {task.fields[skipped]} skipped"),
            TimeElapsedColumn(), TextColumn("remaining"), TimeRemainingColumn(),
            console=Console(stderr=True, emoji=False),
        )
        self.task = self.bar.add_task("batch", total=total, failed=0, skipped=0)

    def __enter__(self) -> _Progress:
        if self.bar is not None:
            self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()

    def advance(self, res: dict[str, Any]) -> None:
        self.failed += res["status"] == FAILED
        self.skipped += res["status"] == SKIPPED
        if self.bar is not None:
            self.bar.update(self.task, advance=1, failed=self.failed, skipped=self.skipped)


# ------------------------------------------------------------------------------------------ batch


def _in_process(scenarios: list[Scenario], kw: dict[str, Any],
                done: Callable[[Scenario, dict[str, Any]], None]) -> None:
    for sc in scenarios:
        done(sc, run_scenario(sc, **kw))


def _on_dask(scenarios: list[Scenario], kw: dict[str, Any], workers: int | None, scheduler: str | None,
             done: Callable[[Scenario, dict[str, Any]], None]) -> None:
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError as err:
        raise OptimizerError(f"Dask distributed is not installed ({err}); use --workers 0 to run "
                             "the scenarios in this process") from None
    cluster = None
    try:
        if scheduler:
            client = Client(scheduler, timeout="20s")
        else:
            n = workers or min(os.cpu_count() or 1, len(scenarios))
            # memory_limit=0: a solver's memory is not Dask-managed data; Dask's per-worker memory
            # limit would terminate a large (legitimate) solve. Choose --workers to fit the memory.
            cluster = LocalCluster(n_workers=max(n, 1), threads_per_worker=1, processes=True,
                                   dashboard_address=None, host="127.0.0.1", memory_limit=0,
                                   silence_logs=logging.ERROR)
            client = Client(cluster)
    except (OSError, TimeoutError) as err:
        if cluster is not None:
            cluster.close()
        what = (f"cannot connect to the Dask scheduler at {scheduler}" if scheduler
                else "cannot start a local Dask cluster")
        raise OptimizerError(f"{what}: {one_line(err)}") from None
    futures = {}
    try:
        for sc in scenarios:
            fut = client.submit(run_scenario, sc, **kw, pure=False, retries=2,
                                key=f"scenario-{sc.name}-{kw['batch_id'][:8]}")
            futures[fut] = sc
        # loop=client.loop: as_completed otherwise waits on the *default* client's event loop, which
        # is another client's when the caller has one of its own ("bound to a different event loop")
        for fut in as_completed(futures, loop=client.loop):
            sc = futures[fut]
            try:
                res = fut.result()
            except Exception as err:  # KilledWorker (died too often), CancelledError, lost scheduler
                res = _lost(sc, err)
            done(sc, res)
    finally:
        with contextlib.suppress(Exception):
            client.cancel(list(futures))
        with contextlib.suppress(Exception):
            client.close()
        if cluster is not None:
            with contextlib.suppress(Exception):
                cluster.close()


def run_batch(scenarios: Sequence[Scenario], *, workers: int | None = None, scheduler: str | None = None,
              force: bool = False, progress: bool = True, report: bool = False, report_lang: str = "en",
              summary_dir: Path | None = None,
              on_result: Callable[[dict[str, Any]], None] | None = None) -> BatchSummary:
    """Run every scenario; one's failure never stops the others.

    ``workers=0`` or ``scheduler="synchronous"`` (or a single scenario with neither given): in this
    process, one after another. Otherwise on Dask: ``scheduler="tcp://HOST:PORT"`` uses an existing
    cluster, else a local cluster of ``workers`` processes (default: one per core, at most one per
    scenario) is started and closed; each worker solves with one HiGHS thread unless the config sets
    ``solver.threads``.
    ``on_result`` is called (in this process) with each result as it arrives. The summary is written
    to ``summary_dir`` (default: the folder holding the scenarios' output folders, if they share one).
    """
    scenarios = list(scenarios)
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise InputError("scenario names repeat: " + ", ".join(sorted({n for n in names if names.count(n) > 1})),
                         source="batch")
    t0 = time.perf_counter()
    results: dict[str, dict[str, Any]] = {}
    # one scenario and no cluster asked for: no need for Dask (and the solver may use every core)
    in_process = workers == 0 or scheduler == "synchronous" or (
        workers is None and scheduler is None and len(scenarios) == 1)
    kw = {"force": force, "single_thread": not in_process, "report": report, "batch_id": uuid.uuid4().hex,
          "report_lang": report_lang}
    with _Progress(len(scenarios), progress) as bar:

        def done(sc: Scenario, res: dict[str, Any]) -> None:
            results[sc.name] = res
            bar.advance(res)
            if on_result is not None:
                on_result(res)

        if scenarios:
            if in_process:
                _in_process(scenarios, kw, done)
            else:
                _on_dask(scenarios, kw, workers, scheduler, done)
    summary = BatchSummary([results[n] for n in names], elapsed_s=time.perf_counter() - t0)
    if summary_dir is None and scenarios:
        parents = {s.out_dir.parent for s in scenarios}
        summary_dir = parents.pop() if len(parents) == 1 else Path(os.path.commonpath([str(p) for p in parents]))
    if summary_dir is not None:
        summary.write(summary_dir)
    return summary


# -------------------------------------------------------------------------------------------- CLI


def print_batch_summary(summary: BatchSummary) -> None:
    """The summary table on stdout (rich)."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(emoji=False) if sys.stdout.isatty() else Console(width=160, emoji=False)
    table = Table(title="batch summary")
    name_width = min(max((len(r["name"]) for r in summary.results), default=8), 40)
    for col, justify in (("scenario", "left"), ("status", "left"), ("exit", "right"), ("cost bn CNY", "right"),
                         ("CO2 Mt", "right"), ("coal", "right"), ("non-fossil", "right"),
                         ("carbon CNY/t", "right"), ("time s", "right"), ("message", "left")):
        wraps = col in ("scenario", "message")
        table.add_column(col, justify=justify, overflow="fold" if col == "scenario" else "ellipsis",
                         no_wrap=not wraps, min_width=name_width if col == "scenario" else None,
                         max_width=48 if col == "message" else None)
    style = {OK: "green", SKIPPED: "cyan", FAILED: "red"}

    def fmt(v: float, spec: str) -> str:
        return "" if v != v else format(v, spec)

    for _, r in summary.table().iterrows():
        table.add_row(escape(str(r["scenario"])), f"[{style[r['status']]}]{r['status']}[/]", str(r["exit_code"]),
                      fmt(r["total_cost_bn_cny"], ",.3f"), fmt(r["co2_mt"], ",.3f"), fmt(r["coal_share"], ".1%"),
                      fmt(r["nonfossil_share"], ".1%"), fmt(r["carbon_price"], ",.1f"), fmt(r["elapsed_s"], ".1f"),
                      escape(str(r["message"])))
    console.print(table)
    for r in summary.results:  # full messages, one line each (the table's column may cut them)
        if r["status"] == FAILED or r.get("note"):
            label = f"failed {r['name']} (exit {r['exit_code']})" if r["status"] == FAILED else r["name"]
            console.print(f"[{style[r['status']]}]{escape(label)}[/]: {escape(r['message'] or r['note'])}",
                          highlight=False, soft_wrap=True)
    c = summary.counts()
    line = f"{c[OK]} ok, {c[SKIPPED]} skipped, {c[FAILED]} failed in {summary.elapsed_s:.1f} s"
    if summary.files:
        line += f"; summary: {summary.files[0]}"
    console.print(line, highlight=False, soft_wrap=True)


def check_batch_dir(out: Path) -> Path:
    """A batch root may be new or any folder, but not a file and not an output that is replaced whole
    (a results, sweep or pathway folder): the scenarios' results would be deleted with it."""
    from optimizer.outputs import WHOLE_OUTPUTS, make_parent

    p = Path(os.path.realpath(Path(out).expanduser()))
    if p.exists() and not p.is_dir():
        raise InputError("exists and is not a folder; choose another --out", source=str(p))
    found = next((m for m in WHOLE_OUTPUTS for d in (p, *p.parents) if (d / m).is_file()), None)
    if found is not None:
        raise InputError(f"is or lies inside an output folder that holds {found} and is replaced whole; choose "
                         "another --out for the batch", source=str(p))
    make_parent(p / "x")  # the folder itself can be made (one line if a file is in the way)
    return p


def batch_command(configs: list[Path], out: Path | None, workers: int | None, scheduler: str | None,
                  force: bool, set_: list[str] | None, report: bool, lang: str = "en") -> int:
    """CLI entry of ``optimizer batch``: run, print the summary table, return the exit code.

    A scenario's failure is a row of the table (the exit code is the largest failing one); only a
    malformed ``--set``, no config at all or an unreachable scheduler end the batch early (one line
    on stderr).
    """
    from rich.console import Console
    from rich.markup import escape

    err_console = Console(stderr=True, emoji=False)
    try:
        if not configs:
            raise InputError("no config given", source="batch")
        if out is not None:
            check_batch_dir(out)
        scenarios = scenarios_from_configs(configs, set_, out)
        summary = run_batch(scenarios, workers=workers, scheduler=scheduler, force=force,
                            progress=True, report=report, report_lang=lang, summary_dir=out)
    except OptimizerError as err:
        err_console.print(f"[bold red]error:[/] {escape(one_line(err))}", highlight=False, soft_wrap=True)
        return err.exit_code
    except KeyboardInterrupt as err:  # Ctrl-C, or SIGTERM delivered as an interrupt by the CLI (143)
        err_console.print("[bold red]interrupted[/]: finished scenarios are written, the others are not")
        code = 143 if type(err).__name__ == "Terminated" else 130
        from optimizer.solve import exit_if_solver_abandoned

        exit_if_solver_abandoned(err, code)  # a scenario solved in this process left HiGHS running
        return code
    print_batch_summary(summary)
    return summary.exit_code
