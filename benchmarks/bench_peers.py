"""The same Suzhou LP three ways, side by side: optimizer, PyPSA (linopy) and the bare solver (highspy).

Each path runs in its own subprocess, one after the other, so peak memory (VmHWM) is per path:

* ``ours``  -- optimizer end to end: load inputs, build the Pyomo model, compile + pass to HiGHS,
  solve, load the solution, extract the results dataset and self-check, write the results folder;
* ``pypsa`` -- ``benchmarks/peers/pypsa_case.py``: the same inputs as a PyPSA network plus linopy
  policy rows, solved by HiGHS through linopy's in-memory (``direct``) API with our HiGHS options,
  the solution assigned back to the network, the network written to NetCDF;
* ``bare``  -- ``benchmarks/peers/bare.py``: our LP as arrays (compiled once beforehand, not timed),
  read from an ``.npz``, passed to highspy, solved, ``col_value``/``row_dual`` copied to numpy.

Stages: imports (each path's own Python modules), data load, build, hand-over to HiGHS, HiGHS's
``run``, result extraction, writing; "total" is their sum, "process" the subprocess's wall time.
With ``--repeat N`` the paths run N rounds, interleaved, and the table shows each path's fastest
round (the spread of the totals is printed too: the machine may be shared).

The three objectives must agree to 1e-6 relative (PyPSA's plus the constant of
``pypsa_case.objective_constant``); the script exits with status 1 if they do not.

    python benchmarks/bench_peers.py [CONFIG] [--set key=value ...] [--repeat N] [--paths ours,pypsa] [--json F]
    python benchmarks/bench_peers.py --set "time.end=2025-01-14 23:00"     # two weeks, quick
    python benchmarks/bench_peers.py configs/suzhou_2025_zones.yaml         # six zones, 24 typical days

``--paths`` runs only some of the three (the bare solver costs a third solve of the same LP).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _memory import peak_mib  # benchmarks/_memory.py (this script's folder is on sys.path)

REPO = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
PATHS = ("ours", "pypsa", "bare")
STAGES = (("imports_s", "imports"), ("load_s", "data load"), ("build_s", "build"), ("handover_s", "hand-over"),
          ("highs_s", "HiGHS"), ("extract_s", "extract"), ("write_s", "write"))
TOLERANCE = 1e-6


# ---------------------------------------------------------------------------------------------- workers


#: stage -> (mark where it starts, mark where it ends); every worker records these marks
STAGE_MARKS = {"imports_s": ("start", "imports"), "load_s": ("imports", "load"), "build_s": ("load", "build"),
               "handover_s": ("build", "run_start"), "highs_s": ("run_start", "run_end"),
               "extract_s": ("run_end", "extracted"), "write_s": ("extracted", "written")}


class Clock:
    """Wall (perf_counter) and CPU (process_time: every thread of the process) at named marks."""

    def __init__(self) -> None:
        self.marks: dict[str, tuple[float, float]] = {}
        self.mark("start")

    def mark(self, name: str) -> None:
        self.marks[name] = (time.perf_counter(), time.process_time())

    def stages(self) -> tuple[dict[str, float], dict[str, float]]:
        wall = {k: self.marks[b][0] - self.marks[a][0] for k, (a, b) in STAGE_MARKS.items()}
        cpu = {k: self.marks[b][1] - self.marks[a][1] for k, (a, b) in STAGE_MARKS.items()}
        return wall, cpu


class _TimedHighs:
    """Stands in for a ``highspy.Highs``: marks the start and end of ``run``, passes everything else on."""

    def __init__(self, highs: Any, clock: Clock):
        self._highs = highs
        self._clock = clock

    def run(self) -> Any:
        self._clock.mark("run_start")
        try:
            return self._highs.run()
        finally:
            self._clock.mark("run_end")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._highs, name)


def _highs_info(h: Any) -> dict[str, Any]:
    info = h.getInfo()
    return {"ipm_iterations": int(info.ipm_iteration_count),
            "crossover_iterations": int(info.crossover_iteration_count),
            "simplex_iterations": int(info.simplex_iteration_count)}


def _worker_ours(config: str, overrides: list[str]) -> dict[str, Any]:
    clock = Clock()
    from optimizer.checks import check_results
    from optimizer.config import load_config
    from optimizer.inputs import load_inputs
    from optimizer.model import build_model
    from optimizer.no_dask import hide_dask
    from optimizer.results import extract, write_results
    from optimizer.solve import HighsModel

    hide_dask()  # as the CLI's run does
    clock.mark("imports")
    cfg = load_config(config, overrides)
    inp = load_inputs(cfg)
    clock.mark("load")
    m = build_model(inp, cfg)
    clock.mark("build")
    hm = HighsModel(m, cfg.solver)  # compile to arrays + addRows/addCols
    highs = hm.highs
    runner = getattr(hm, "_run_interruptibly", None)
    if runner is not None:  # HiGHS runs in its own thread (startSolve / wait)
        def timed_runner() -> Any:
            clock.mark("run_start")
            try:
                return runner()
            finally:
                clock.mark("run_end")

        hm._run_interruptibly = timed_runner
    else:
        hm.highs = _TimedHighs(highs, clock)
    sol = hm.solve()  # options, HiGHS run, solution and duals written back into the Pyomo model
    hm.highs = highs
    if not sol.optimal:
        raise RuntimeError(f"HiGHS: {sol.highs_status}")
    ds = extract(m, inp, cfg, sol, {})
    check_results(ds, inp, include_import_emissions=cfg.policy.include_import_emissions)
    clock.mark("extracted")
    with tempfile.TemporaryDirectory() as tmp:
        write_results(ds, Path(tmp) / cfg.name)
        clock.mark("written")
    times, cpu = clock.stages()
    # the solve's own record: HiGHS's state after it may no longer be the run's (the basis duals are read after)
    info = {k: int(sol.info.get(k, -1)) for k in ("ipm_iterations", "crossover_iterations", "simplex_iterations")}
    return {"times": times, "cpu": cpu, "status": sol.highs_status,
            "objective": sol.objective, "size": hm.size,
            "split": {k: sol.times[k] for k in ("compile_s", "pass_s", "load_solution_s") if k in sol.times},
            "info": info}


def _worker_pypsa(config: str, overrides: list[str]) -> dict[str, Any]:
    clock = Clock()
    import linopy
    import linopy.solvers as lsolvers
    import pypsa
    from peers import pypsa_case

    from optimizer.config import load_config
    from optimizer.inputs import load_inputs

    clock.mark("imports")
    run_highs = lsolvers._run_highs_with_keyboard_interrupt

    def timed_run(h: Any) -> None:  # linopy's call of Highs.run(): the boundary between its stages
        clock.mark("run_start")
        try:
            run_highs(h)
        finally:
            clock.mark("run_end")

    lsolvers._run_highs_with_keyboard_interrupt = timed_run

    cfg = load_config(config, overrides)
    inp = load_inputs(cfg)
    clock.mark("load")
    n = pypsa_case.build_network(inp, cfg)
    pypsa_case.create_model(n, inp, cfg)
    clock.mark("build")
    status, condition = pypsa_case.solve(n, cfg)  # hand-over, HiGHS, solution assigned to the network
    clock.mark("extracted")
    if status != "ok":
        raise RuntimeError(f"PyPSA/HiGHS: {status} ({condition})")
    with tempfile.TemporaryDirectory() as tmp:
        n.export_to_netcdf(Path(tmp) / "network.nc")
        clock.mark("written")
    times, cpu = clock.stages()
    h = n.model.solver_model
    constant = pypsa_case.objective_constant(inp, cfg)
    return {"times": times, "cpu": cpu, "status": h.modelStatusToString(h.getModelStatus()),
            "objective": float(n.objective) + constant,
            "objective_pypsa": float(n.objective), "objective_constant": constant,
            "size": {"columns": int(h.getNumCol()), "rows": int(h.getNumRow()), "nonzeros": int(h.getNumNz())},
            "versions": {"pypsa": pypsa.__version__, "linopy": linopy.__version__},
            "info": _highs_info(h)}


def _worker_bare(config: str, overrides: list[str], npz: str) -> dict[str, Any]:
    options = json.loads(Path(npz).with_suffix(".options.json").read_text())  # HiGHS options, from prepare
    clock = Clock()
    import highspy  # noqa: F401  (the bare path's own imports)
    import numpy  # noqa: F401
    from peers import bare

    clock.mark("imports")
    arrays = bare.load_npz(npz)
    clock.mark("load")
    clock.mark("build")  # nothing to build: the arrays were compiled beforehand
    h = bare.pass_model(arrays, options)
    h = _TimedHighs(h, clock)
    h.run()
    x, y = bare.solution(h)
    clock.mark("extracted")
    clock.mark("written")  # nothing written
    times, cpu = clock.stages()
    return {"times": times, "cpu": cpu, "status": h.modelStatusToString(h.getModelStatus()),
            "objective": bare.objective(h, arrays),
            "size": {"columns": int(x.size), "rows": int(y.size), "nonzeros": int(arrays["data"].size)},
            "info": _highs_info(h)}


def _worker_prepare(config: str, overrides: list[str], npz: str) -> dict[str, Any]:
    import highspy
    from peers import bare

    from optimizer.config import load_config
    from optimizer.solve import highs_options

    out = bare.prepare(config, overrides, npz)
    out["options"] = highs_options(load_config(config, overrides).solver)
    Path(npz).with_suffix(".options.json").write_text(json.dumps(out["options"]))
    out["versions"] = {"highspy": _dist_version("highspy"), "highspy-extras": _dist_version("highspy-extras"),
                       "highs": f"{highspy.Highs().version()}" if hasattr(highspy.Highs, "version") else "?"}
    return out


def _dist_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "-"


def worker(args: argparse.Namespace) -> None:
    """Run one path in this process and write its figures (times, objective, peak memory) as JSON."""
    sys.path.insert(0, str(REPO))
    sys.path.insert(0, str(HERE))
    sys.stdout.flush()
    os.dup2(2, 1)  # HiGHS's banner and any solver chatter go to stderr
    if args.worker == "ours":
        out = _worker_ours(args.config, args.overrides)
    elif args.worker == "pypsa":
        out = _worker_pypsa(args.config, args.overrides)
    elif args.worker == "bare":
        out = _worker_bare(args.config, args.overrides, args.npz)
    else:
        out = _worker_prepare(args.config, args.overrides, args.npz)
    out["peak_mib"] = peak_mib()
    Path(args.out).write_text(json.dumps(out, indent=2))


# ---------------------------------------------------------------------------------------------- driver


def _loadavg() -> float:
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def _spawn(kind: str, args: argparse.Namespace, tmp: Path, npz: Path) -> dict[str, Any]:
    out = tmp / f"{kind}.json"
    cmd = [sys.executable, str(Path(__file__).resolve()), args.config, "--worker", kind, "--out", str(out),
           "--npz", str(npz)]
    for o in args.overrides:
        cmd += ["--set", o]
    load_before = _loadavg()
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    if proc.returncode != 0 or not out.is_file():
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit(f"{kind}: worker failed with exit code {proc.returncode}")
    res = json.loads(out.read_text())
    out.unlink()
    res["process_wall_s"] = wall
    res["loadavg_1min"] = [load_before, _loadavg()]
    if "times" in res:
        res["total_s"] = sum(res["times"][k] for k, _ in STAGES)
        res["non_highs_s"] = res["total_s"] - res["times"]["highs_s"]
    return res


def _report(runs: dict[str, list[dict[str, Any]]], prep: dict[str, Any]) -> dict[str, Any]:
    """Print the table of each path's fastest round, the ratios and the objective agreement."""
    runs = {k: v for k, v in runs.items() if v}
    res = {k: min(v, key=lambda r: r["total_s"]) for k, v in runs.items()}
    base = "bare" if "bare" in res else next(iter(res))
    bare_total = res[base]["total_s"]
    head = "".join(f"{label:>11}" for _, label in STAGES)
    print(f"{'path':<7}{head}{'total':>9}{'/ ' + base:>8}{'process':>9}{'peak MiB':>10}")
    for name, r in res.items():
        t = r["times"]
        cells = "".join(f"{t[k]:>11.2f}" for k, _ in STAGES)
        print(f"{name:<7}{cells}{r['total_s']:>9.2f}{r['total_s'] / bare_total:>8.2f}{r['process_wall_s']:>9.2f}"
              f"{r['peak_mib']:>10.0f}")
    print("(wall seconds; total = imports .. write; process = the subprocess's wall time; peak = VmHWM of the "
          "subprocess)")
    print(f"{'CPU s':<7}" + "".join(f"{label:>11}" for _, label in STAGES) + f"{'total':>9}")
    for name, r in res.items():
        c = r["cpu"]
        print(f"{name:<7}" + "".join(f"{c[k]:>11.2f}" for k, _ in STAGES) + f"{sum(c.values()):>9.2f}")
    print("(CPU seconds of the process, all threads: less sensitive to a shared machine than wall time; "
          "HiGHS runs on several threads)")
    if any(len(v) > 1 for v in runs.values()):
        print("spread of the totals over the rounds: " + "; ".join(
            f"{k} {min(r['total_s'] for r in v):.1f}-{max(r['total_s'] for r in v):.1f} s" for k, v in runs.items()))
    loads = [x for v in runs.values() for r in v for x in r["loadavg_1min"]]
    print(f"1-min load average during the runs: {min(loads):.1f}-{max(loads):.1f} (2 cores: above ~2 the "
          "machine was shared)")
    no_imp = {k: r["total_s"] - r["times"]["imports_s"] for k, r in res.items()}
    summary: dict[str, Any] = {"totals_over_" + base: {k: r["total_s"] / bare_total for k, r in res.items()}}
    _print_sizes(res, prep)
    rel = _objectives(runs, res)
    versions = {**prep.get("versions", {}), **res.get("pypsa", {}).get("versions", {})}
    print("versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()) + f", python {sys.version.split()[0]}")
    if "ours" not in res or "pypsa" not in res:
        return {"best": res, "summary": summary, "relative_differences": rel, "versions": versions}
    ours, pyp = res["ours"], res["pypsa"]
    summary |= {
        "ours_over_pypsa_total": ours["total_s"] / pyp["total_s"],
        "ours_over_pypsa_without_imports": no_imp["ours"] / no_imp["pypsa"],
        "ours_non_highs_share": ours["non_highs_s"] / ours["total_s"],
        "ours_non_highs_share_without_imports": (no_imp["ours"] - ours["times"]["highs_s"]) / no_imp["ours"],
        "pypsa_non_highs_share": pyp["non_highs_s"] / pyp["total_s"],
    }
    print(f"our total / PyPSA total = {summary['ours_over_pypsa_total']:.2f} (goal <= 0.80); without imports "
          f"{summary['ours_over_pypsa_without_imports']:.2f}")
    print(f"our non-HiGHS share = {ours['non_highs_s']:.2f} s / {ours['total_s']:.2f} s = "
          f"{summary['ours_non_highs_share']:.1%} (goal <= 10 %); without imports "
          f"{summary['ours_non_highs_share_without_imports']:.1%}; PyPSA's {summary['pypsa_non_highs_share']:.1%}")
    if len(runs["ours"]) > 1 and "bare" in runs:
        # HiGHS's time for one and the same LP moves by 10-20 % between rounds on a shared machine; the
        # per-round ratios show that spread, and the last line takes it out: each path's own work
        # outside HiGHS, around the bare solver's HiGHS time of the same round
        rounds = list(zip(runs["ours"], runs["pypsa"], runs["bare"], strict=True))
        per_round = [o["total_s"] / q["total_s"] for o, q, _ in rounds]
        same_solve = [(o["non_highs_s"] + b["times"]["highs_s"]) / (q["non_highs_s"] + b["times"]["highs_s"])
                      for o, q, b in rounds]
        summary["ours_over_pypsa_per_round"] = per_round
        summary["ours_over_pypsa_same_solve_per_round"] = same_solve
        print("our total / PyPSA total, round by round: " + ", ".join(f"{x:.2f}" for x in per_round)
              + f" (median {statistics.median(per_round):.2f})")
        print("the same with both around the bare solver's HiGHS time of the round: "
              + ", ".join(f"{x:.2f}" for x in same_solve) + f" (median {statistics.median(same_solve):.2f})")
    return {"best": res, "summary": summary, "relative_differences": rel, "versions": versions}


def _print_sizes(res: dict[str, dict[str, Any]], prep: dict[str, Any]) -> None:
    """The hand-over split of ours and the LP each path hands to HiGHS."""
    if "ours" in res:
        split = res["ours"].get("split", {})
        print(f"our hand-over: compile {split.get('compile_s', float('nan')):.2f} s + pass "
              f"{split.get('pass_s', float('nan')):.2f} s; solution back into Pyomo "
              f"{split.get('load_solution_s', float('nan')):.2f} s (in 'extract')"
              + (f"; bare arrays compiled beforehand in {prep['compile_s']:.2f} s (not timed)" if "compile_s" in prep
                 else ""))
    print("LP before presolve (columns x rows, nonzeros); HiGHS iterations (IPM / crossover), HiGHS status:")
    for name, r in res.items():
        s, i = r["size"], r["info"]
        print(f"  {name:<6}{s['columns']:>10,} x {s['rows']:>9,}{s['nonzeros']:>12,}   "
              f"{i['ipm_iterations']:>4} / {i['crossover_iterations']:>6}   {r['status']}")


def _objectives(runs: dict[str, list[dict[str, Any]]], res: dict[str, dict[str, Any]]) -> dict[str, float]:
    """Print the objectives and their relative differences (every pair of paths, and over all rounds)."""
    text = []
    for k, r in res.items():
        extra = (f" (n.objective {r['objective_pypsa']:.12e} + constant {r['objective_constant']:.12e})"
                 if k == "pypsa" else "")
        text.append(f"{k} {r['objective']:.12e}{extra}")
    print("objectives (CNY/yr): " + ", ".join(text))
    names = list(res)
    rel = {f"{a}_vs_{b}": abs(res[a]["objective"] - res[b]["objective"]) / abs(res[b]["objective"])
           for i, a in enumerate(names) for b in names[i + 1:]}
    objs = [r["objective"] for v in runs.values() for r in v]
    rel["largest_over_all_rounds"] = max(abs(a - b) / abs(b) for a in objs for b in objs)
    print("relative differences: " + ", ".join(f"{k.replace('_', ' ')} {v:.2e}" for k, v in rel.items())
          + f" (tolerance {TOLERANCE:g})")
    return rel


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("config", nargs="?", default=str(REPO / "configs" / "suzhou_2025.yaml"))
    ap.add_argument("--set", action="append", default=[], dest="overrides", metavar="KEY=VALUE")
    ap.add_argument("--repeat", type=int, default=1, help="rounds of the three paths; the fastest round counts")
    ap.add_argument("--json", help="also write every figure to this JSON file")
    ap.add_argument("--paths", default=",".join(PATHS), help="comma-separated paths to run (default: all three)")
    ap.add_argument("--worker", choices=(*PATHS, "prepare"), help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    ap.add_argument("--npz", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args)
        return

    paths = [p for p in PATHS if p in args.paths.split(",")]
    if len(paths) < 2:
        raise SystemExit(f"--paths: name at least two of {', '.join(PATHS)}")
    runs: dict[str, list[dict[str, Any]]] = {k: [] for k in paths}
    with tempfile.TemporaryDirectory(prefix="bench_peers_") as tmpdir:
        tmp = Path(tmpdir)
        npz = tmp / "lp.npz"
        print(f"config {args.config} {' '.join('--set ' + repr(o) for o in args.overrides)}".rstrip(), flush=True)
        prep = _spawn("prepare", args, tmp, npz) if "bare" in paths else {}
        for rnd in range(max(1, args.repeat)):
            for kind in paths:
                r = _spawn(kind, args, tmp, npz)
                runs[kind].append(r)
                print(f"  round {rnd + 1} {kind}: total {r['total_s']:.1f} s (HiGHS {r['times']['highs_s']:.1f} s), "
                      f"objective {r['objective']:.12e}", flush=True)
    report = _report(runs, prep)
    if args.json:
        Path(args.json).write_text(json.dumps({"config": args.config, "overrides": args.overrides,
                                               "prepare": prep, "runs": runs, **report}, indent=2))
    bad = {k: v for k, v in report["relative_differences"].items() if not v <= TOLERANCE}
    if bad:
        raise SystemExit(f"objectives disagree beyond {TOLERANCE:g}: {bad}")


if __name__ == "__main__":
    main()
