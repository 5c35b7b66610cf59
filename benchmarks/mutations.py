"""Single-line mutations of the model's equations, each run against the tests that should catch it.

    python benchmarks/mutations.py [--tests tests/test_equations_pinned.py ...]

Each mutation is applied to a copy of the repository (the working tree is never touched) and the given
tests run there; a mutation the tests do not catch is a *survivor*: either a test is missing, or the
mutation does not change what the model computes (say so in its note). The list starts with the five
mutations that once survived the whole suite (hardening issue); add one when an equation is added.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

#: (name, file, text, replacement, note)
MUTATIONS: list[tuple[str, str, str, str, str]] = [
    ("annuity straight-line", "optimizer/model/capacity.py", "    return rate * a / (a - 1)",
     "    return 1.0 / lifetime_yr", "capital recovery factor replaced by 1/lifetime"),
    ("storage energy capex without annuity", "optimizer/model/capacity.py",
     'reg.add_cost("capex", s, a * t.at[s, "capex_cny_per_kwh"]',
     'reg.add_cost("capex", s, t.at[s, "capex_cny_per_kwh"]', "storage energy paid whole every year"),
    ("ramp-down row as a second ramp-up", "optimizer/model/dispatch.py",
     "rule=lambda _m, k, i: var[k, i - 1] - var[k, i] <= per_step[k]",
     "rule=lambda _m, k, i: var[k, i] - var[k, i - 1] <= per_step[k]", "no limit on falling output"),
    ("inter-day standing loss dropped", "optimizer/model/storage.py",
     "_m.soc_day[s, d + 1] == _m.soc_keep[s] ** spd * _m.soc_day[s, d]", "_m.soc_day[s, d + 1] == _m.soc_day[s, d]",
     "energy carried between linked typical days keeps all of itself"),
    ("availability ignored on profiles", "optimizer/model/dispatch.py",
     'return inp.cf[k].to_numpy() * inp.techs.at[k, "availability"]', "return inp.cf[k].to_numpy()",
     "profile technologies at their capacity factor only"),
    ("retrofit minimum not lowered", "optimizer/model/retrofit.py", "- _m.flex_gain[g] * _m.flex_online[g, i]",
     "- 0 * _m.flex_online[g, i]", "a flexibility retrofit that changes nothing"),
    ("gas supply without LNG", "optimizer/model/gas_supply.py", 'use - m.gas_lng_m3, "<="', 'use, "<="',
     "LNG delivered but not counted against the pipelines"),
]

DEFAULT_TESTS = ["tests/test_equations_pinned.py", "tests/test_plan_fidelity.py", "tests/test_constraints.py"]


def run(tests: list[str]) -> int:
    survivors = 0
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "repo"
        shutil.copytree(REPO, copy, ignore=shutil.ignore_patterns(".venv", ".ci", "results", ".git", "__pycache__"))
        env = {**os.environ, "PYTHONPATH": str(copy)}
        for name, file, old, new, note in MUTATIONS:
            path = copy / file
            text = path.read_text(encoding="utf-8")
            if old not in text:
                print(f"{name}: the text to mutate is gone from {file}; update the list")
                survivors += 1
                continue
            path.write_text(text.replace(old, new, 1), encoding="utf-8")
            proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *tests],
                                  cwd=copy, env=env, capture_output=True, text=True)
            path.write_text(text, encoding="utf-8")
            caught = proc.returncode != 0
            survivors += not caught
            last = (proc.stdout.strip().splitlines() or [""])[-1]
            print(f"{'caught ' if caught else 'SURVIVED'}  {name} ({note}): {last}")
    print(f"{len(MUTATIONS)} mutations, {survivors} survived")
    return 1 if survivors else 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tests", nargs="+", default=DEFAULT_TESTS, help="test files to run against each mutation")
    sys.exit(run(ap.parse_args().tests))


if __name__ == "__main__":
    main()
