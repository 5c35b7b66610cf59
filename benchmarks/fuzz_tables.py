"""Fuzz campaign over the cells of the input tables: no silent wrong answer, no traceback.

    python benchmarks/fuzz_tables.py [--limit N] [--seed S] [--days D] [--zonal]

The base case is configs/suzhou_2025.yaml cut to its first ``D`` days (scaled to a year: a capacity
expansion of about a second). On a copy of data/ (the repository is never touched) each input is changed
in one way at a time:

* every cell of data/technologies.csv, carriers.csv, corridor_schedules.csv and price_shapes.csv that
  holds a number: blanked, and x1000 (a unit slip);
* every cell: replaced by text (``abc``);
* each table: saved with semicolons, full-width commas, tabs; a table with Chinese text also in GBK;
* each hourly profile (load, heat, capacity factors): x1000 and /1000 (the whole file in another unit).

``--zonal`` runs configs/suzhou_2025_zones.yaml (hourly, not its typical days) instead, over its own inputs:
every cell of data/zones/model/links.csv and the zones' load and capacity-factor files.

The rule for each run (issue 21): exit 0 only if the solution equals the clean case's (objective to
1e-9 relative, every capacity to 1e-6 MW) or the run warned naming the cell as the tool's messages do
(``<technology>.<attribute>``, ``<corridor>.<month>.<column>``, ``<shape> (line n).<column>``; a
profile: its file);
otherwise it must stop with one of the tool's one-line errors (an OptimizerError: bad input, infeasible).
Counted: inputs tried; refused (one-line error); same answer; changed answer with a warning naming the
cell; **silent** (changed, exit 0, no warning naming the cell: goal 0); **traceback** (any other
exception: goal 0). ``--limit`` samples that many inputs (deterministic for a seed); the default is all.
The in-suite sample is tests/test_fuzz_tables.py.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import random
import shutil
import sys
import tempfile
import time
import traceback
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
#: the tables changed cell by cell, each with how the tool names a row of it (as its messages do)
TABLES = {
    "technologies.csv": lambda r, i: r["name"],
    "carriers.csv": lambda r, i: r["name"],
    "corridor_schedules.csv": lambda r, i: f"{r['corridor']}.{r['month']}",
    "price_shapes.csv": lambda r, i: f"{r['shape']} (line {i + 2})",
}
#: the hourly profiles, each scaled by 1,000 and by 1/1,000 (a unit slip of the whole file)
PROFILES = {"profiles/load_2025.nc": "load_mw", "profiles/heat_2025.nc": "heat_mw",
            "profiles/cf_2025.nc": "capacity_factor"}
#: ``--zonal``: the six-zone case's own inputs (the links between zones, the zones' load and capacity factors)
ZONAL_TABLES = {"zones/model/links.csv": lambda r, i: r["name"]}
ZONAL_PROFILES = {"zones/model/load_2025.nc": "load_mw", "zones/model/cf_2025.nc": "capacity_factor"}
CONFIGS = {False: "suzhou_2025.yaml", True: "suzhou_2025_zones.yaml"}


@dataclass(frozen=True)
class Case:
    """One changed input: ``table``'s cell (row name, column) set to ``value``, or the whole file rewritten."""

    table: str
    how: str  # blank, x1000, text, /1000 (profiles), or a separator / encoding name
    row: str = ""
    column: str = ""
    index: int = -1  # the row's position in the table

    @property
    def cell(self) -> str:
        return f"{self.row}.{self.column}" if self.row else ""

    def label(self) -> str:
        return f"{self.table} {self.cell or '(whole file)'} {self.how}"


def _read(path: Path) -> tuple[list[str], pd.DataFrame]:
    """The table's comment lines and its cells as text."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    comments = [ln for ln in lines if ln.startswith("#")]
    frame = pd.read_csv(path, comment="#", dtype=str, keep_default_na=False)
    return comments, frame


def _number(text: str) -> float | None:
    try:
        v = float(text)
    except ValueError:
        return None
    return v if np.isfinite(v) else None


def cases(data: Path, zonal: bool = False) -> list[Case]:
    """Every change of the campaign (of the six-zone case's own inputs if ``zonal``), in a fixed order."""
    out: list[Case] = []
    for table, key in (ZONAL_TABLES if zonal else TABLES).items():
        _, frame = _read(data / table)
        for i, r in frame.iterrows():
            row = key(r, i)
            for col in frame.columns:
                if col in ("name", "description", "note"):
                    continue
                text = str(r[col]).strip()
                if _number(text) is not None:
                    out += [Case(table, "blank", row, col, i), Case(table, "x1000", row, col, i)]
                out.append(Case(table, "text", row, col, i))
        out += [Case(table, sep) for sep in ("semicolons", "full-width commas", "tabs")]
        if any(ord(ch) > 127 for ch in (data / table).read_text(encoding="utf-8")):
            out.append(Case(table, "gbk"))
    out += [Case(f, how) for f in (ZONAL_PROFILES if zonal else PROFILES) for how in ("x1000", "/1000")]
    return out


def apply(case: Case, clean: Path, target: Path) -> None:
    """Write ``clean`` changed by ``case`` to ``target``."""
    var = {**PROFILES, **ZONAL_PROFILES}.get(case.table)
    if var:
        import xarray as xr

        ds = xr.load_dataset(clean)
        ds[var] = ds[var] * (1000.0 if case.how == "x1000" else 0.001)
        ds.to_netcdf(target)
        return
    text = clean.read_text(encoding="utf-8")
    if not case.row:
        if case.how == "gbk":
            target.write_bytes(text.encode("gbk", errors="replace"))
            return
        sep = {"semicolons": ";", "full-width commas": "，", "tabs": "\t"}[case.how]
        comments, frame = _read(clean)
        body = frame.to_csv(index=False, sep=sep) if sep != "，" else frame.to_csv(index=False).replace(",", "，")
        target.write_text("".join(comments) + body, encoding="utf-8")
        return
    comments, frame = _read(clean)
    i = case.index
    old = str(frame.at[i, case.column]).strip()
    new = {"blank": "", "text": "abc", "x1000": f"{(_number(old) or 0.0) * 1000:.10g}"}[case.how]
    frame.at[i, case.column] = new
    target.write_text("".join(comments) + frame.to_csv(index=False), encoding="utf-8")


def _answer(ds: object) -> tuple[float, np.ndarray]:
    return float(ds["objective_cny"]), np.asarray(ds["capacity_total_mw"].values, dtype=float)


def solve(config: Path, days: int) -> tuple[str, object, str]:
    """(outcome, answer, message): outcome 'ok', 'error' (one-line OptimizerError) or 'traceback'."""
    from optimizer.config import load_config
    from optimizer.errors import OptimizerError
    from optimizer.run import run

    end = pd.Timestamp("2025-01-01") + pd.Timedelta(days=days) - pd.Timedelta(hours=1)
    try:
        cfg = load_config(config, [f"time.end={end:%Y-%m-%d %H:%M}", "time.typical_days=null",
                                   "solver.diagnose_infeasibility=false"])
        out = run(cfg, write=False)
    except OptimizerError as err:
        return "error", None, str(err).splitlines()[0] if str(err) else type(err).__name__
    except Exception:  # the campaign counts what a user would see as a traceback
        return "traceback", None, traceback.format_exc(limit=3).strip().splitlines()[-1]


    # what the run said of its inputs: the plausibility warnings and the blank cells that took a default
    warned = [*json.loads(out.dataset.attrs.get("plausibility", "[]")),
              *json.loads(out.dataset.attrs.get("defaults_used", "[]"))]
    return "ok", (_answer(out.dataset), warned), ""


def campaign(limit: int | None, seed: int, days: int, verbose: bool = True, only: list[Case] | None = None,
             show: str = "", zonal: bool = False) -> Counter:
    """Run the campaign (or just the cases ``only``) on the one-zone case or, ``zonal``, the six-zone one;
    return the counts by verdict, print the bad ones (and those of the verdict ``show``)."""
    logging.getLogger("optimizer").setLevel(logging.ERROR)
    counts: Counter = Counter()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for folder in ("configs", "data", "seeds"):
            shutil.copytree(REPO / folder, root / folder)
        clean_dir = root / "clean"
        clean_dir.mkdir()
        for table in [*TABLES, *PROFILES, *ZONAL_TABLES, *ZONAL_PROFILES]:
            (clean_dir / table).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(root / "data" / table, clean_dir / table)
        config = root / "configs" / CONFIGS[zonal]
        status, base, msg = solve(config, days)
        if status != "ok":
            raise SystemExit(f"the clean case does not solve: {msg}")
        (obj0, cap0), _ = base
        todo = cases(root / "data", zonal) if only is None else list(only)
        if limit is not None and limit < len(todo):
            todo = random.Random(seed).sample(todo, limit)
        t0 = time.perf_counter()
        for n, case in enumerate(todo, 1):
            apply(case, clean_dir / case.table, root / "data" / case.table)
            try:
                status, answer, msg = solve(config, days)
            finally:
                shutil.copy(clean_dir / case.table, root / "data" / case.table)
            if status == "ok":
                (obj, cap), warned = answer
                same = abs(obj - obj0) <= 1e-9 * abs(obj0) and cap.shape == cap0.shape and \
                    np.allclose(cap, cap0, rtol=0, atol=1e-6)
                if same:
                    verdict = "same answer"
                elif any((case.cell or case.table) in w for w in warned):
                    verdict = "warned naming the cell"
                else:
                    verdict = "SILENT"
                    msg = f"objective {obj / obj0 - 1:+.3%}" + (f"; warnings: {warned}" if warned else "")
            else:
                verdict = {"error": "refused (one line)", "traceback": "TRACEBACK"}[status]
            counts[verdict] += 1
            if verbose and (verdict in ("SILENT", "TRACEBACK") or verdict == show):
                print(f"{verdict}: {case.label()}: {msg}", flush=True)
            if verbose and n % 100 == 0:
                print(f"... {n}/{len(todo)} ({time.perf_counter() - t0:.0f} s)", file=sys.stderr, flush=True)
    return counts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=None, help="sample this many inputs (default: all)")
    ap.add_argument("--seed", type=int, default=20261207)
    ap.add_argument("--days", type=int, default=3, help="days of 2025 in the base case (scaled to a year)")
    ap.add_argument("--show", default="", help="also print the inputs of this verdict, e.g. 'warned naming the cell'")
    ap.add_argument("--zonal", action="store_true", help="the six-zone case: its links and zonal profiles")
    a = ap.parse_args()
    t0 = time.perf_counter()
    counts = campaign(a.limit, a.seed, a.days, show=a.show, zonal=a.zonal)
    buf = io.StringIO()
    total = sum(counts.values())
    print(f"{total} inputs in {time.perf_counter() - t0:.0f} s: " + ", ".join(
        f"{k} {v}" for k, v in sorted(counts.items())), file=buf)
    print(buf.getvalue().strip())
    sys.exit(1 if counts["SILENT"] or counts["TRACEBACK"] else 0)


if __name__ == "__main__":
    main()
