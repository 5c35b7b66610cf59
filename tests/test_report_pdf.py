"""The report's PDF: printed by a Chromium-family browser beside the HTML, on A4, or a clear line why not."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from test_cli import _restore_logging, assert_one_line_error, invoke  # noqa: F401  (autouse fixture: logging)

from optimizer.report.pdf import BROWSER_ENV
from optimizer.run import run
from tiny import make_config, write_case

COAL = {"name": "coal", "kind": "generator", "carrier": "coal", "existing_mw": 100, "heat_rate_gce_per_kwh": 300}


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("pdf")
    data = write_case(base / "case", [COAL], [50, 80, 60])
    run(make_config(data, base), out_dir=base / "res")
    return base / "res"


@pytest.mark.skipif(shutil.which("chromium") is None, reason="no chromium")
def test_the_pdf_is_printed_beside_the_html_on_a4(results: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(BROWSER_ENV, "chromium")
    res = invoke("report", results, "--out", tmp_path / "rep", "--lang", "zh")
    assert res.exit_code == 0, res.stderr
    pdf = tmp_path / "rep" / "report.pdf"
    assert f"pdf: {pdf}" in res.stdout
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 20_000  # text, a CJK font and the figures
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)
    assert boxes and all(abs(float(w) - 595) < 2 and abs(float(h) - 842) < 2 for w, h in boxes)  # A4 in points
    assert len(boxes) >= 3  # the whole report, not its first screen


def test_without_a_browser_the_report_says_how_to_get_the_pdf(results: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(BROWSER_ENV, "none")
    res = invoke("report", results, "--out", tmp_path / "rep")
    assert res.exit_code == 0 and "pdf: none" in res.stdout and "print report.html" in res.stdout
    assert (tmp_path / "rep" / "report.html").exists() and not (tmp_path / "rep" / "report.pdf").exists()
    # asked for explicitly: one line, and nothing written
    res = invoke("report", results, "--out", tmp_path / "rep2", "--pdf")
    assert_one_line_error(res.exit_code, res.stdout, res.stderr, 2, "--pdf", "no Chromium or Chrome", BROWSER_ENV)
    assert not (tmp_path / "rep2").exists()
    # --no-pdf: none, and no word of it
    res = invoke("report", results, "--out", tmp_path / "rep3", "--no-pdf")
    assert res.exit_code == 0 and "pdf:" not in res.stdout
