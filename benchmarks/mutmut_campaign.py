"""Mutation campaign over optimizer/model/: operator mutants of the equations, run against the fast model tests.

    python benchmarks/mutmut_campaign.py [--sample 240] [--seed 21] [--jobs 2] [--only ID ...] [--list]

Each mutant changes one site of one file of optimizer/model/ in a copy of the repository (the working tree is
never touched) and runs ``pytest -x`` over TESTS there; a mutant the tests do not catch is a *survivor*, to be
killed by a hand-worked test (tests/test_mutants.py) or explained as equivalent (benchmarks/MUTANTS.md).
Operators: ``+``<->``-``, ``*``<->``/``, ``x ** e`` -> ``x``, a term or factor dropped (``a + b`` -> ``a`` or
``b``, ``a * b`` -> ``a``), a sign dropped (``-x`` -> ``x``), comparison senses (``<=``<->``>=``, ``<``<->``>``,
``==`` -> ``<=`` / ``>=``) and numbers (0 -> 1, 1 -> 0, c -> 2c). Docstrings, ``doc=``, f-strings, messages,
asserts, raises and subscripts are left alone. Sites are sampled deterministically (``--seed``) so a run stays
within an hour on two cores; ``--sample 0`` runs them all. ``--only`` takes mutant ids (or parts of them) as
printed, to re-run survivors.

Why not mutmut: mutmut 3.8 (``pip install mutmut``, ``source_paths=optimizer`` and
``only_mutate=optimizer/model/*`` in a setup.cfg of a copy) works with the Pyomo rules but made 5954 mutants
of these files, most of them string and keyword mutants (``"capex"`` -> ``"XXcapexXX"``), at about 1-4 s
each: hours on two cores, and no way to sample. This script keeps to the operators that change an equation.
"""

from __future__ import annotations

import argparse
import ast
import concurrent.futures
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MODEL = "optimizer/model"
TESTS = ["tests/test_mutants.py", "tests/test_equations_pinned.py", "tests/test_constraints.py",
         "tests/test_constraints_operation.py", "tests/test_constraints_policy.py", "tests/test_plan_fidelity.py",
         "tests/test_solver_boundary.py", "tests/test_pathway.py", "tests/test_transmission.py",
         "tests/test_registry.py"]
SKIP_KEYWORDS = {"doc", "dimen", "ordered"}
SKIP_CALLS = {"warn", "warning", "info", "debug", "error", "append_note"}
BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
SWAP = {ast.Add: "-", ast.Sub: "+", ast.Mult: "/", ast.Div: "*"}
CMPS = {ast.LtE: ("<=", [">="]), ast.GtE: (">=", ["<="]), ast.Lt: ("<", [">"]), ast.Gt: (">", ["<"]),
        ast.Eq: ("==", ["<=", ">="])}


@dataclass(frozen=True)
class Mutant:
    """One change of one file: bytes ``start:end`` of ``file`` replaced by ``new``."""

    file: str
    line: int
    col: int
    kind: str
    start: int
    end: int
    old: str
    new: str

    @property
    def id(self) -> str:
        return f"{Path(self.file).name}:{self.line}:{self.col}:{self.kind}"


class Sites(ast.NodeVisitor):
    """Collect the mutants of one source file (``src`` as bytes, for the byte offsets of the ast)."""

    def __init__(self, file: str, src: bytes):
        self.file, self.src, self.out = file, src, []
        self.starts = [0]
        for line in src.splitlines(keepends=True):
            self.starts.append(self.starts[-1] + len(line))

    def span(self, node: ast.AST) -> tuple[int, int]:
        return (self.starts[node.lineno - 1] + node.col_offset, self.starts[node.end_lineno - 1] + node.end_col_offset)

    def text(self, node: ast.AST) -> str:
        a, b = self.span(node)
        return self.src[a:b].decode()

    def add(self, node: ast.AST, kind: str, new: str) -> None:
        a, b = self.span(node)
        self.out.append(Mutant(self.file, node.lineno, node.col_offset, kind, a, b, self.text(node), new))

    # -- parts left alone
    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        pass

    def visit_Assert(self, node: ast.Assert) -> None:
        pass

    def visit_Raise(self, node: ast.Raise) -> None:
        pass

    def visit_Subscript(self, node: ast.Subscript) -> None:
        self.visit(node.value)

    def visit_keyword(self, node: ast.keyword) -> None:
        if node.arg not in SKIP_KEYWORDS:
            self.visit(node.value)

    def visit_Call(self, node: ast.Call) -> None:
        if not (isinstance(node.func, ast.Attribute) and node.func.attr in SKIP_CALLS):
            self.generic_visit(node)

    # -- the mutation operators
    def visit_BinOp(self, node: ast.BinOp) -> None:
        op = type(node.op)
        if op in BINOPS:
            left, right = self.text(node.left), self.text(node.right)
            if op in SWAP:
                self.add(node, f"{BINOPS[op]}->{SWAP[op]}", f"({left}) {SWAP[op]} ({right})")
            self.add(node, "drop-right", f"({left})")
            if op in (ast.Add, ast.Sub):
                self.add(node, "drop-left", f"({right})" if op is ast.Add else f"(-({right}))")
        self.generic_visit(node)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> None:
        if isinstance(node.op, ast.USub):
            self.add(node, "drop-sign", f"({self.text(node.operand)})")
        self.generic_visit(node)

    def visit_Compare(self, node: ast.Compare) -> None:
        strings = any(isinstance(x, ast.Constant) and isinstance(x.value, str) for x in [node.left, *node.comparators])
        if len(node.ops) == 1 and type(node.ops[0]) in CMPS and not strings:
            old, news = CMPS[type(node.ops[0])]
            for new in news:
                self.add(node, f"{old}->{new}", f"({self.text(node.left)}) {new} ({self.text(node.comparators[0])})")
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        v = node.value
        if isinstance(v, int | float) and not isinstance(v, bool):
            new = 1 - v if v in (0, 1) else v * 2
            self.add(node, f"{v!r}->{new!r}", repr(type(v)(new)))


def mutants() -> list[Mutant]:
    """Every mutant of the files of optimizer/model/ that still compiles, in file and line order."""
    out = []
    for path in sorted((REPO / MODEL).glob("*.py")):
        src = path.read_bytes()
        sites = Sites(str(path.relative_to(REPO)), src)
        sites.visit(ast.parse(src))
        for m in sites.out:
            try:
                compile(src[:m.start] + m.new.encode() + src[m.end:], m.file, "exec")
            except SyntaxError:
                continue
            out.append(m)
    return out


def copy_repo(dest: Path) -> dict[str, str]:
    """Copy the repository to ``dest``; return the environment whose ``import optimizer`` is the copy."""
    shutil.copytree(REPO, dest, ignore=shutil.ignore_patterns(".venv", ".ci", ".git", "results", "mutants",
                                                              "__pycache__", "*.egg-info"))
    env = {**os.environ, "PYTHONPATH": str(dest), "PYTHONDONTWRITEBYTECODE": "1"}
    where = subprocess.run([sys.executable, "-c", "import optimizer; print(optimizer.__file__)"], cwd=dest, env=env,
                           capture_output=True, text=True).stdout
    if not where.startswith(str(dest)):
        sys.exit(f"the copy is not what is imported ({where.strip()}): mutants would not be tested")
    return env


def run_tests(copy: Path, env: dict[str, str], tests: list[str], timeout: float) -> tuple[bool, str]:
    """Run the tests in ``copy``; (passed, last line of pytest's report)."""
    try:
        proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
                               f"--basetemp={copy / '.pytest_tmp'}", *tests],
                              cwd=copy, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return False, f"timeout after {timeout:.0f} s"
    return proc.returncode == 0, (proc.stdout.strip().splitlines() or [""])[-1]


def campaign(chosen: list[Mutant], tests: list[str], jobs: int) -> list[Mutant]:
    """Run each mutant in one of ``jobs`` copies; print one line each and return the survivors."""
    survivors: list[Mutant] = []
    with tempfile.TemporaryDirectory() as tmp:
        copies = [(Path(tmp) / f"repo{j}", copy_repo(Path(tmp) / f"repo{j}")) for j in range(jobs)]
        t0 = time.monotonic()
        ok, last = run_tests(*copies[0], tests, timeout=1800)
        base = time.monotonic() - t0
        if not ok:
            sys.exit(f"the tests fail without a mutant: {last}")
        print(f"baseline: {last} ({base:.0f} s); {len(chosen)} mutants on {jobs} copies", flush=True)
        free = list(copies)

        def one(m: Mutant) -> tuple[Mutant, bool, str]:
            copy, env = free.pop()
            path = copy / m.file
            src = path.read_bytes()
            try:
                path.write_bytes(src[:m.start] + m.new.encode() + src[m.end:])
                return (m, *run_tests(copy, env, tests, timeout=max(120.0, 5 * base)))
            finally:
                path.write_bytes(src)
                free.append((copy, env))

        with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
            for n, (m, passed, last) in enumerate(pool.map(one, chosen), 1):
                survivors += [m] if passed else []
                print(f"[{n}/{len(chosen)}] {'SURVIVED' if passed else 'caught  '} {m.id}  {last}", flush=True)
    return survivors


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sample", type=int, default=240, help="mutants drawn at random (0: all)")
    ap.add_argument("--seed", type=int, default=21, help="seed of the draw")
    ap.add_argument("--jobs", type=int, default=2, help="copies of the repository run side by side")
    ap.add_argument("--tests", nargs="+", default=TESTS, help="test files run against each mutant")
    ap.add_argument("--only", nargs="+", help="run only the mutants whose id contains one of these")
    ap.add_argument("--list", action="store_true", help="list the chosen mutants and stop")
    args = ap.parse_args()
    every = mutants()
    if args.only:
        chosen = [m for m in every if any(s in m.id for s in args.only)]
    elif 0 < args.sample < len(every):
        chosen = sorted(random.Random(args.seed).sample(every, args.sample), key=every.index)
    else:
        chosen = every
    print(f"{len(every)} mutants in {MODEL}; running {len(chosen)} (seed {args.seed})", flush=True)
    if args.list:
        for m in chosen:
            print(f"{m.id}  {m.old!r} -> {m.new!r}")
        return
    t0 = time.monotonic()
    survivors = campaign(chosen, args.tests, args.jobs)
    print(f"\n{len(chosen)} mutants, {len(chosen) - len(survivors)} caught, {len(survivors)} survived "
          f"in {(time.monotonic() - t0) / 60:.1f} min")
    for m in survivors:
        old, new = (" ".join(x.split())[:90] for x in (m.old, m.new))
        print(f"SURVIVOR {m.file}:{m.line} {m.kind}: {old!r} -> {new!r}")
    sys.exit(1 if survivors else 0)


if __name__ == "__main__":
    main()
