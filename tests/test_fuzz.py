"""Config fuzzing (hypothesis): random mutations of a valid config either run correctly or stop with
one line naming the field, never a traceback, never a result file unless the run succeeded.

A valid tiny config that uses every section (targets by id and by value, a CO2 cap, a carbon price,
a reserve margin, a capacity target, energy accounting, technology and carrier overrides, solver
options) is mutated 1-3 times: keys removed, renamed (typos) or added, values replaced by values of
the wrong type (None, text, lists, mappings, booleans, NaN, infinities), negated, or scaled as by a
unit mistake (x1000, x100, /1000, /100; a share of 0.1 becomes 10). Each mutated config goes through
``optimizer validate`` in-process (typer's CliRunner), and through ``optimizer run`` when it is valid
(and for every fourth rejected one, to check that run agrees). The oracle:

* exit codes: validate 0 or 2; run 0 (solved), 2 (bad input), 3 (infeasible: the mutation made the
  targets conflict) or 4 (a mutated time limit was hit); run and validate agree on bad input;
* a failure prints exactly one line, ``error: ...``, no traceback; exit 2 names the field: a
  dotted path (two levels at least) of a mutated key, or for a ``time`` key the data file's
  ``time`` field, or for an ``inputs`` path the file it names;
* exit 0 writes a complete result labelled optimal; 2 and 3 write nothing; 4 writes only a result
  marked not optimal. Nothing is ever written outside ``--out``.

Bounded and reproducible: derandomized, 60 examples, no deadline.
"""

from __future__ import annotations

import copy
import itertools
import math
from pathlib import Path
from typing import Any

import pytest
import xarray as xr
import yaml
from conftest import COAL, PV, TARGETS, TinyCase
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from test_cli import _restore_logging, assert_one_line_error, invoke  # noqa: F401  (autouse fixture: logging)

from tiny import write_case

#: the base config, on top of the tiny case's (tests/conftest.py, with firm capacity credits so the
#: reserve margin has a variable to work with)
BASE_CHANGES: dict[str, Any] = {
    "description": "fuzz base",
    "zones": ["suzhou"],
    "time.resolution_h": 1,
    "economics.discount_rate": 0.05,
    "economics.voll_cny_per_mwh": 30000.0,
    "policy.coal_share_max": {"target": "coal_cap"},  # 90 %
    "policy.nonfossil_share_min": {"value": 0.1, "source": "fuzz"},
    "policy.co2_cap_t": {"value": 1000.0, "source": "fuzz"},
    "policy.carbon_price_cny_per_t": 10.0,
    "policy.reserve_margin": 0.1,
    "policy.capacity_targets": [{"name": "pv", "target": "pv_floor", "technologies": ["pv"], "sense": ">="}],
    "policy.energy_accounting": {"electricity_conversion": "coal_equivalent", "non_power_tce": {"coal": 10.0}},
    "technologies": {"coal": {"vom_cny_per_mwh": 5.0}, "pv": {"capex_cny_per_kw": 0.2}},
    "carriers": {"coal": {"fuel_price_cny_per_tce": 900.0}},
    "solver": {"method": "simplex", "time_limit_s": 60},
}

#: values of the wrong type, sign or size
POOL: list[Any] = [None, "", "abc", -1, 0, 1.5, 55, 1e30, -1e30, [], {}, True, False, "1e3", [1, 2],
                   {"colour": 1}, math.nan, math.inf, -math.inf, 2025.5, "2025-13-01"]
FACTORS = [1000.0, 100.0, 0.01, 0.001]
OPS = ["delete", "rename", "replace", "negate", "unit", "add_key"]

Path_ = tuple[Any, ...]


def paths(node: Any, prefix: Path_ = ()) -> list[Path_]:
    """Every key path (mappings and list items) of a nested config."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    out = []
    for k, v in items:
        out.append((*prefix, k))
        out.extend(paths(v, (*prefix, k)))
    return out


def _get(data: Any, path: Path_) -> Any:
    for k in path:
        data = data[k]
    return data


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def typo(key: str, seed: int) -> str:
    variants = [key[:-1], key + "s", key.upper(), key[1:] + key[0], key.replace("_", "-"), key.replace("_", "")]
    for i in range(len(variants)):
        v = variants[(seed + i) % len(variants)]
        if v and v != key:
            return v
    return key + "x"


def mutate(data: dict[str, Any], mutation: tuple[int, str, int, float]) -> tuple[Path_, str, Path_ | None, Any]:
    """Apply one mutation in place; return (path, operation, renamed path, new value)."""
    seed, op, pick, factor = mutation
    candidates = paths(data)
    if op in ("negate", "unit"):  # a sign or unit mistake: aim at a number
        numbers = [p for p in candidates if _is_number(_get(data, p))]
        candidates = numbers or candidates
    path = candidates[seed % len(candidates)]
    parent = data
    for k in path[:-1]:
        parent = parent[k]
    key = path[-1]
    value = parent[key]
    number = _is_number(value)
    if op == "delete":
        del parent[key]
        return path, op, None, None
    if op == "rename" and isinstance(key, str):
        new = typo(key, seed)
        parent[new] = parent.pop(key)
        return path, op, (*path[:-1], new), value
    if op == "negate" and number and value:
        parent[key] = -value
    elif op == "unit" and number:
        parent[key] = value * factor
    elif op == "add_key" and isinstance(value, dict):
        value["colour"] = 1
    else:
        op = "replace"
        parent[key] = POOL[pick % len(POOL)]
    return path, op, None, parent[key]


def field_names(path: Path_, value: Any) -> set[str]:
    """Texts of which one must appear in an exit-2 message about a mutation at ``path``."""
    keys = [str(k) for k in path]
    names = {".".join(keys[:n]) for n in range(min(2, len(keys)), len(keys) + 1)}
    if isinstance(path[-1], int):
        names.add(".".join(keys[:-1]))  # an item of a list: the list is named
    if keys[0] == "time":
        names.add("time")  # a time selection that the data do not cover is the data file's `time` field
    if keys[0] == "inputs" and isinstance(value, str) and value:
        names.add(Path(value).name)  # a path that does not lead to a usable file names the file
    return names


def assert_names_a_field(line: str, applied: list[tuple[Path_, str, Path_ | None, Any]]) -> None:
    names = set().union(*(field_names(p, v) for p, _, _, v in applied),
                        *(field_names(r, v) for _, _, r, v in applied if r is not None))
    assert any(name in line for name in names), f"{applied}: {line!r} names none of {sorted(names)}"


MUTATIONS = st.lists(st.tuples(st.integers(0, 10**6), st.sampled_from(OPS), st.integers(0, len(POOL) - 1),
                               st.sampled_from(FACTORS)), min_size=1, max_size=3)


@pytest.fixture(scope="module")
def fuzz_case(tmp_path_factory: pytest.TempPathFactory) -> TinyCase:
    folder = tmp_path_factory.mktemp("fuzz") / "case"
    data = write_case(folder, [COAL | {"firm_capacity_credit": 0.9}, PV | {"firm_capacity_credit": 0.2}],
                      [50.0, 80.0, 60.0], {"pv": [0.0, 1.0, 0.5]})
    (folder / "targets.yaml").write_text(TARGETS, encoding="utf-8")
    data["inputs"]["targets"] = str(folder / "targets.yaml")
    case = TinyCase(folder, data)
    case.data = case.mapping(BASE_CHANGES)
    return case


def test_base_config_solves(fuzz_case: TinyCase, tmp_path: Path) -> None:
    # the oracle below means something only if the unmutated config is valid and solves
    config = fuzz_case.write_config(name="base.yaml")
    assert invoke("validate", config).exit_code == 0
    result = invoke("run", config, "--out", tmp_path / "out", "-q")
    assert result.exit_code == 0, result.stderr
    with xr.open_dataset(tmp_path / "out" / "results.nc") as ds:
        assert ds.attrs["optimal"] == "true"
        assert set(ds["policy"].values) >= {"coal_share", "nonfossil_share", "co2_cap", "reserve_margin", "cap_pv"}


_counter = itertools.count()


@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(mutations=MUTATIONS)
def test_mutated_config_runs_or_names_the_field(fuzz_case: TinyCase, tmp_path_factory: pytest.TempPathFactory,
                                                mutations: list[tuple[int, str, int, float]]) -> None:
    data = copy.deepcopy(fuzz_case.data)
    applied = [mutate(data, m) for m in mutations]
    n = next(_counter)
    config = fuzz_case.folder / f"mutated_{n}.yaml"
    config.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    out = tmp_path_factory.mktemp("fuzz_out") / "out"
    before = sorted(p.name for p in fuzz_case.folder.parent.iterdir())
    what = f"{applied}"

    checked = invoke("validate", config)
    assert checked.exception is None or isinstance(checked.exception, SystemExit), f"{what}: {checked.exception!r}"
    assert checked.exit_code in (0, 2), f"{what}\n{checked.stderr}"
    event(f"validate exit {checked.exit_code}")  # pytest --hypothesis-show-statistics
    if checked.exit_code == 2:
        line = assert_one_line_error(2, checked.stdout, checked.stderr, 2)
        assert_names_a_field(line, applied)
        if n % 4:  # every fourth rejected config is run too, to check that run agrees
            return
    result = invoke("run", config, "--out", out, "-q")
    # an exception other than the CLI's own exit would be a traceback for a user
    assert result.exception is None or isinstance(result.exception, SystemExit), f"{what}: {result.exception!r}"
    code = result.exit_code
    event(f"run exit {code}")
    assert code in (0, 2, 3, 4), f"{what}\n{result.stderr}"
    assert sorted(p.name for p in fuzz_case.folder.parent.iterdir()) == before  # nothing beside the case
    assert not fuzz_case.results_dir.exists()  # nothing at output.dir: --out wins

    if code == 0:
        assert checked.exit_code == 0, f"{what}: validate said\n{checked.stderr}"
        with xr.open_dataset(out / "results.nc") as ds:
            assert ds.attrs["optimal"] == "true" and ds.attrs["solver_status"] == "optimal"
        return
    line = assert_one_line_error(code, result.stdout, result.stderr, code)
    if code == 2:
        assert checked.exit_code == 2, f"{what}: run said {line!r} but validate passed"
        assert_names_a_field(line, applied)
        assert not out.exists(), what
    elif code == 3:
        assert "infeasible" in line, line
        assert not out.exists(), what
    else:  # a time limit (mutated): at most a result marked not optimal
        assert "without proving optimality" in line, line
        if (out / "results.nc").exists():
            with xr.open_dataset(out / "results.nc") as ds:
                assert ds.attrs["optimal"] == "false"
