"""The sweep, report, batch and pathway commands as a user types them (tiny cases, in process)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import xarray as xr
import yaml
from test_pathway import COAL, GAS, make_pathway
from typer.testing import CliRunner

from optimizer.cli import app
from tiny import write_case


def invoke(*args: object):
    return CliRunner().invoke(app, [str(a) for a in args])


def tiny_config(tmp_path: Path, name: str = "tiny", **policy) -> Path:
    data = write_case(tmp_path / name, [COAL, GAS], [60.0, 150.0])
    data["name"] = name
    data["policy"].update(policy)
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_sweep_command_writes_the_frontier(tmp_path):
    cfg = tiny_config(tmp_path)
    out = tmp_path / "frontier"
    res = invoke("sweep", cfg, "--carbon-cap", "0.0001:0.00006:3",
                 "--vary", "carriers.gas.fuel_price_cny_per_tce=2000,3000",
                 "--out", out, "-q")
    assert res.exit_code == 0, res.output
    assert "cost-carbon frontier" in res.stdout
    table = pd.read_csv(out / "frontier.csv")
    assert len(table) == 6 and set(table["status"]) == {"optimal"}
    ds = xr.open_dataset(out / "frontier.nc")
    assert (ds["co2_t"].values <= ds["policy.co2_cap_t.value"].values + 1e-6).all()
    assert (out / "frontier.png").stat().st_size > 1000


def test_sweep_refuses_an_unusable_out_before_solving(tmp_path):
    cfg = tiny_config(tmp_path)
    (tmp_path / "a_file").write_text("x", encoding="utf-8")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "keep.txt").write_text("keep", encoding="utf-8")
    for out, says in ((tmp_path / "a_file", "not a folder"), (tmp_path / "a_file" / "sub", "cannot"),
                      (tmp_path / "notes", "not a sweep folder")):
        res = invoke("sweep", cfg, "--carbon-cap", "0.0001:0.00006:2", "--out", out, "-q")
        assert res.exit_code == 2 and says in res.stderr and "Traceback" not in res.output, res.output
        assert "cost-carbon frontier" not in res.stdout  # refused before solving
    assert (tmp_path / "notes" / "keep.txt").read_text(encoding="utf-8") == "keep"


def test_run_through_a_symlinked_out_writes_where_the_link_points(tmp_path):
    cfg = tiny_config(tmp_path)
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    for _ in range(2):  # the second run replaces the result through the link
        assert invoke("run", cfg, "--out", tmp_path / "link", "-q").exit_code == 0
    assert (tmp_path / "link").is_symlink() and (tmp_path / "real" / "results.nc").is_file()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_run_with_out_below_a_file_is_one_line(tmp_path):
    cfg = tiny_config(tmp_path)
    (tmp_path / "a_file").write_text("x", encoding="utf-8")
    res = invoke("run", cfg, "--out", tmp_path / "a_file" / "sub", "-q")
    assert res.exit_code == 2 and "a_file" in res.stderr and len(res.stderr.strip().splitlines()) == 1, res.output


def test_outputs_never_nest_inside_one_another(tmp_path):
    # a results folder is replaced whole: nothing may be written inside one, nor one around another
    cfg = tiny_config(tmp_path)
    outer = tmp_path / "outer"
    assert invoke("run", cfg, "--out", outer, "-q").exit_code == 0
    res = invoke("run", cfg, "--out", outer / "nested", "-q")
    assert res.exit_code == 2 and "lies inside another output folder" in res.stderr, res.output
    assert not (outer / "nested").exists()
    (tmp_path / "holder").mkdir()
    assert invoke("run", cfg, "--out", tmp_path / "holder" / "inner", "-q").exit_code == 0
    (tmp_path / "holder" / "results.nc").write_bytes((outer / "results.nc").read_bytes())  # made a results folder
    res = invoke("run", cfg, "--out", tmp_path / "holder", "-q")
    assert res.exit_code == 2 and "holds another output folder (inner)" in res.stderr, res.output
    assert (tmp_path / "holder" / "inner" / "results.nc").is_file()
    res = invoke("batch", cfg, "--out", outer, "--workers", "0", "--no-report")
    assert res.exit_code == 2 and "replaced whole" in res.stderr, res.output


def test_a_scenario_name_must_be_a_plain_folder_name(tmp_path):
    for bad in (".", "..", "-x", ".hidden"):
        res = invoke("validate", tiny_config(tmp_path), "--set", f"name={bad}")
        assert res.exit_code == 2 and "name" in res.stderr, (bad, res.output)


def test_a_sweep_with_bad_input_or_no_solved_point_writes_nothing(tmp_path):
    cfg = tiny_config(tmp_path)
    out = tmp_path / "sw"
    res = invoke("sweep", cfg, "--carbon-cap=-1:-2:2", "--out", out, "-q")  # a negative cap is bad input
    assert res.exit_code == 2 and "must not be negative" in res.stderr and "sweep point 1" in res.stderr, res.output
    assert not out.exists()
    res = invoke("sweep", cfg, "--carbon-cap", "0:0:2", "--out", out, "-q")  # coal and gas both emit
    assert res.exit_code == 3 and "no point of the sweep solved" in res.stderr, res.output
    assert not out.exists()


def test_messages_print_the_users_text_as_typed(tmp_path):
    res = invoke("sweep", tiny_config(tmp_path), "--carbon-cap", "120:100:0", "-q")
    assert res.exit_code == 2 and "'120:100:0'" in res.stderr, res.output  # not rendered as an emoji


def test_sweep_needs_something_to_sweep(tmp_path):
    res = invoke("sweep", tiny_config(tmp_path), "-q")
    assert res.exit_code == 2 and "nothing to sweep" in res.stderr


def test_run_then_report(tmp_path):
    cfg = tiny_config(tmp_path)
    out = tmp_path / "res"
    assert invoke("run", cfg, "--out", out, "-q").exit_code == 0
    res = invoke("report", out, "--lang", "zh")
    assert res.exit_code == 0, res.output
    html = (out / "report" / "report.html").read_text(encoding="utf-8")
    assert "煤炭" in html or "燃煤" in html
    assert invoke("report", tmp_path / "nowhere").exit_code == 2


def test_batch_command_records_failures_and_exit_code(tmp_path):
    good = tiny_config(tmp_path, "good")
    bad = tiny_config(tmp_path, "bad", co2_cap_t={"value": 0.0})  # coal and gas both emit: infeasible
    res = invoke("batch", good, bad, "--out", tmp_path / "batch", "--workers", "0", "--no-report")
    assert res.exit_code == 3, res.output
    summary = json.loads((tmp_path / "batch" / "batch_summary.json").read_text())
    assert summary["exit_code"] == 3 and summary["counts"] == {"ok": 1, "skipped": 0, "failed": 1}
    rows = summary["scenarios"]
    status = {r["name"]: r["status"] for r in rows}
    assert status == {"good": "ok", "bad": "failed"}
    assert (tmp_path / "batch" / "good" / "results.nc").is_file()
    assert not (tmp_path / "batch" / "bad").exists()


def test_batch_builds_real_reports_in_the_chosen_language(tmp_path):
    good = tiny_config(tmp_path, "good")
    res = invoke("batch", good, "--out", tmp_path / "batch", "--workers", "0", "--lang", "zh")
    assert res.exit_code == 0, res.output
    (row,) = json.loads((tmp_path / "batch" / "batch_summary.json").read_text())["scenarios"]
    assert row["status"] == "ok" and not row["note"], row
    html = (tmp_path / "batch" / "good" / "report" / "report.html").read_text(encoding="utf-8")
    from optimizer.report import i18n

    assert "<html lang='zh-CN'" in html and i18n.label("report_title", "zh") in html
    res = invoke("batch", good, "--out", tmp_path / "batch2", "--workers", "0", "--lang", "fr")
    assert res.exit_code == 2 and "fr" in res.stderr and not (tmp_path / "batch2").exists()


def test_pathway_through_run_and_validate(tmp_path):
    years = [2025, 2030]
    path = make_pathway(tmp_path, {y: [COAL, GAS] for y in years}, {2025: [100.0], 2030: [150.0]},
                        years_per_period=[5, 5])
    assert invoke("validate", path).exit_code == 0
    out = tmp_path / "pw"
    res = invoke("run", path, "--out", out, "-q")
    assert res.exit_code == 0, res.output
    assert "pathway" in res.stdout and "discounted total cost" in res.stdout
    ds = xr.open_dataset(out / "pathway.nc")
    assert list(ds["period"].values) == years
    assert (out / "period_2030" / "results.nc").is_file()
