"""The documentation pages generated from the code are current; every family states its math; every Pyomo
component is documented."""

from __future__ import annotations

from pathlib import Path

import pyomo.environ as pyo

from optimizer.docs import generated_pages
from optimizer.model import FAMILIES, build_model
from optimizer.run import run
from tiny import make_config, write_case

ROOT = Path(__file__).resolve().parents[1]


def test_generated_pages_are_current():
    """The math pages (module docstrings), the config reference (pydantic fields), the targets and the
    plausibility rules: docs/ holds what `python -m optimizer.docs` writes."""
    pages = generated_pages(ROOT)
    assert {"math/index.md", "math/storage.md", "reference/config.md", "targets.md", "plausibility.md"} <= set(pages)
    stale = [rel for rel, text in pages.items()
             if not (ROOT / "docs" / rel).is_file() or (ROOT / "docs" / rel).read_text(encoding="utf-8") != text]
    assert stale == [], f"run `python -m optimizer.docs` to refresh {stale}"
    assert "$$" in pages["math/storage.md"] and "| `soc_day` |" not in pages["math/index.md"]
    assert "`checks.plausibility`" not in pages["reference/config.md"]  # keys are listed per section
    assert "| `plausibility` | `'on' \\| 'off'` | `'on'` |" in pages["reference/config.md"]


def test_every_constraint_family_states_its_math_and_symbols():
    for mod in FAMILIES:
        doc = mod.__doc__ or ""
        assert ".. math::" in doc or "\\sum" in doc, mod.__name__
        assert "Pyomo" in doc and "=====" in doc, f"{mod.__name__}: symbol -> Pyomo-name table missing"


def test_every_pyomo_component_has_a_doc(tmp_path):
    techs = [
        {"name": "coal", "kind": "generator", "carrier": "coal", "existing_mw": 100, "heat_rate_gce_per_kwh": 300,
         "ramp_frac_per_h": 0.5, "firm_capacity_credit": 0.9},
        {"name": "pv", "kind": "generator", "carrier": "solar", "extendable": "true", "profile": "pv",
         "capex_cny_per_kw": 1000},
        {"name": "bat", "kind": "storage", "carrier": "electricity", "extendable": "true", "capex_cny_per_kwh": 100,
         "firm_capacity_credit": 0.5, "min_duration_h": 1, "max_duration_h": 4},
        {"name": "imp", "kind": "import", "carrier": "hydro", "existing_mw": 10, "extendable": "true",
         "max_total_mw": 50, "annual_energy_max_mwh": 100, "annual_energy_min_mwh": 1, "nonfossil_fraction": 1},
    ]
    data = write_case(tmp_path / "case", techs, [50, 60, 70], {"pv": [0, 1, 0.5]})
    policy = {"share_basis": "electricity", "coal_share_max": {"value": 0.9}, "nonfossil_share_min": {"value": 0.05},
              "co2_cap_t": {"value": 1e6}, "reserve_margin": 0.1,
              "capacity_targets": [{"name": "pv", "value": 10, "technologies": ["pv"]}]}
    cfg = make_config(data, tmp_path, policy=policy, economics={"allow_unserved": True})
    from optimizer.inputs import load_inputs

    m = build_model(load_inputs(cfg), cfg, elastic=True)
    undocumented = [c.name for c in m.component_objects((pyo.Var, pyo.Constraint, pyo.Expression, pyo.Param,
                                                         pyo.Set, pyo.Objective), descend_into=True)
                    if not (c.doc or "").strip()]
    assert undocumented == []
    assert run(cfg, write=False).solve.status == "optimal"


def test_targets_doc_is_generated_from_the_targets_file():
    import yaml

    from optimizer.docs import targets_markdown

    root = ROOT
    targets = yaml.safe_load((root / "seeds" / "targets.yaml").read_text(encoding="utf-8"))
    doc = (root / "docs" / "targets.md").read_text(encoding="utf-8")
    assert doc == targets_markdown(targets), "run `python -m optimizer.docs` to refresh docs/targets.md"
    for tid in targets:  # every target, with its reading
        assert f"| `{tid}` |" in doc


def test_readme_is_short_and_its_links_resolve():
    import re

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.encode("utf-8")) <= 12_000, "the README keeps purpose, commands, CLI, exit codes, links"
    targets = [t for t in re.findall(r"\]\(([^)]+)\)", text) if not t.startswith(("http://", "https://"))]
    assert len(targets) >= 10
    missing = [t for t in targets if not (ROOT / t.split("#")[0]).exists()]
    assert missing == []


def test_docs_site_builds_strict(tmp_path):
    """`mkdocs build --strict`: a broken link, a missing page or an unresolved API reference fails."""
    import os
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "site")],
                          cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    api = (tmp_path / "site" / "guide" / "api" / "index.html").read_text(encoding="utf-8")
    assert "from_yaml" in api and "open_results" in api  # mkdocstrings rendered the API
    assert (tmp_path / "site" / "math" / "storage" / "index.html").is_file()
