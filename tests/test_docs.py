"""The README's equations come from the module docstrings; every Pyomo component is documented."""

from __future__ import annotations

from pathlib import Path

import pyomo.environ as pyo

from optimizer.docs import END, START, equations_markdown
from optimizer.model import FAMILIES, build_model
from optimizer.run import run
from tiny import make_config, write_case

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_equations_are_generated_from_the_code():
    text = README.read_text(encoding="utf-8")
    section = text.split(START, 1)[1].split(END, 1)[0].strip()
    assert section == equations_markdown().strip(), "run `python -m optimizer.docs` to refresh README.md"


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

    root = README.parent
    targets = yaml.safe_load((root / "seeds" / "targets.yaml").read_text(encoding="utf-8"))
    doc = (root / "docs" / "targets.md").read_text(encoding="utf-8")
    assert doc == targets_markdown(targets), "run `python -m optimizer.docs` to refresh docs/targets.md"
    for tid in targets:  # every target, with its reading
        assert f"| `{tid}` |" in doc
