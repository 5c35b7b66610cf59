"""The report as PDF beside the HTML: headless Chromium's (or Chrome's) print-to-PDF of ``report.html``.

The page prints on A4 with the report's print rules (tables wrap, figures and table rows are not split:
:data:`optimizer.report.html.PRINT_RULES`). No Python PDF library renders CSS and CJK text as a browser
does, so the browser already on the machine does it; without one, the HTML is the report and the CLI says
how to get the PDF (``--pdf`` then fails in one line).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from optimizer.errors import InputError, OutputError

#: executables tried in order
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
#: seconds a print may take (a full-year report with its figures prints in a few seconds)
TIMEOUT_S = 180


#: environment variable naming the browser to print with (a path or a name on PATH); ``none``: no PDF
BROWSER_ENV = "OPTIMIZER_BROWSER"


def find_browser() -> str | None:
    """The browser of ``$OPTIMIZER_BROWSER`` (``none``: None), else the first Chromium-family browser on
    PATH, or None."""
    chosen = os.environ.get(BROWSER_ENV, "").strip()
    if chosen:
        return None if chosen.lower() == "none" else shutil.which(chosen)
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


def require_browser() -> str:
    """:func:`find_browser`, or InputError in one line."""
    exe = find_browser()
    if exe is None:
        raise InputError(f"no Chromium or Chrome found to print the PDF (${BROWSER_ENV} names one): install one, "
                         "or print report.html from a browser", field="--pdf")
    return exe


def print_pdf(html: Path, pdf: Path, browser: str | None = None) -> Path:
    """Print ``html`` to ``pdf`` (A4, no header or footer line); InputError without a browser, OutputError
    when the browser fails."""
    exe = browser or require_browser()
    with tempfile.TemporaryDirectory(prefix="optimizer-pdf-") as profile:
        cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
               f"--user-data-dir={profile}", f"--print-to-pdf={pdf}", html.resolve().as_uri()]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise OutputError(f"the browser did not print the PDF within {TIMEOUT_S} s", source=str(pdf)) from None
    if done.returncode != 0 or not pdf.exists() or pdf.stat().st_size == 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1][:200]
        raise OutputError(f"the browser could not print the PDF ({Path(exe).name}: {last})", source=str(pdf))
    return pdf
