"""The annual dispatch report of a run: ``optimizer report results/<scenario> [--out DIR] [--lang en|zh]``.

:func:`build_report` reads ``results.nc`` and writes, atomically (a temporary sibling folder renamed
into place), a folder with

* ``report.html`` — self-contained (inline CSS, figures as base64 PNG data URIs, no URL), readable
  offline, in English or Chinese;
* ``report.xlsx`` — the same tables, one sheet each, plus the hourly data of the dispatch weeks;
* ``figures/*.png`` — every figure.

Every number comes from the results file, and every table adds up to the results' totals
(:mod:`optimizer.report.tables`). A missing folder, a folder without ``results.nc``, or a corrupt or
wrong-schema ``results.nc`` raises :class:`optimizer.errors.InputError` with a one-line message.

A pathway folder (``pathway.nc``, no ``results.nc``) gets the pathway report instead
(:mod:`optimizer.report.pathway`), after each period's own report.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import xarray as xr

from optimizer.errors import InputError, OutputError
from optimizer.outputs import built_in_place, output_lock
from optimizer.report.i18n import LANGS

log = logging.getLogger("optimizer")

__all__ = ["LANGS", "build_report", "load_results", "report_command"]


def load_results(results_dir: Path) -> xr.Dataset:
    """Read and check a results folder (or results.nc) for the report; InputError if unusable."""
    from optimizer.report.tables import REQUIRED_COORDS, REQUIRED_VARS
    from optimizer.results import read_results

    p = Path(results_dir)
    if not p.exists():
        raise InputError("results folder not found", source=str(p))
    ds = read_results(p)
    f = p / "results.nc" if p.is_dir() else p
    missing = [v for v in REQUIRED_VARS if v not in ds.data_vars] + [
        c for c in REQUIRED_COORDS if c not in ds.coords and c not in ds.dims]
    if missing:
        raise InputError(f"not a results file of this optimizer: missing {', '.join(missing[:5])}"
                         + (" ..." if len(missing) > 5 else ""), source=str(f))
    if ds.sizes.get("time", 0) == 0:
        raise InputError("results have no time steps", source=str(f))
    if "zone" not in ds.dims or ds.sizes["zone"] == 0:
        raise InputError("results have no zone", source=str(f))
    try:
        int(ds.attrs.get("year", 0) or 0)
    except (TypeError, ValueError):
        raise InputError(f"results attribute 'year' is not a year: {ds.attrs.get('year')!r}", source=str(f)) from None
    return ds


def build_report(results_dir: Path, out_dir: Path | None = None, lang: str = "en", pdf: bool | None = False, *,
                 sensitivity: Path | None = None) -> Path:
    """Write the report of ``results_dir`` into ``out_dir`` (default ``<results_dir>/report``).

    ``sensitivity``: the folder of a one-at-a-time sweep on the same config (``optimizer sweep
    --one-at-a-time``), shown as the sensitivity section.

    ``pdf``: also ``report.pdf``, printed by a Chromium-family browser (:mod:`optimizer.report.pdf`);
    None: if one is installed (the CLI's default), True: or fail in one line.

    Returns the path of ``report.html``. The folder is built in a temporary sibling and renamed
    into place when complete, so an interrupted build never leaves half a report and never
    destroys the previous one. The results folder's lock is held meanwhile: while a run writes
    the folder, :class:`~optimizer.errors.BusyError` (exit 6) and nothing is written.
    """
    if lang not in LANGS:
        raise InputError(f"unknown language {lang!r}; use one of {', '.join(LANGS)}", field="--lang")
    results_dir = Path(results_dir)
    with results_lock(results_dir):
        return _build_report(results_dir, out_dir, lang, pdf, sensitivity)


@contextmanager
def results_lock(results_dir: Path) -> Iterator[None]:
    """Hold the lock of the results (or pathway) folder a report is made from
    (:func:`optimizer.outputs.output_lock`), so that no run replaces the folder meanwhile.

    Without a folder there is nothing to lock (the report then says it is missing); nor where its
    parent is not writable, where no run of this user can write either.
    """
    folder = Path(os.path.realpath(results_dir))
    folder = folder if folder.is_dir() or not folder.exists() else folder.parent  # results.nc given
    if not folder.is_dir() or not os.access(folder.parent, os.W_OK):
        yield
        return
    with output_lock(folder):
        yield


def load_sensitivity(folder: Path) -> xr.Dataset:
    """The frontier of a one-at-a-time sweep for the sensitivity section; InputError (one line) otherwise."""
    p = Path(folder)
    nc = p / "frontier.nc" if p.is_dir() else p
    if not nc.exists():
        raise InputError("no frontier.nc: give the folder `optimizer sweep --one-at-a-time` wrote", source=str(p),
                         field="--sensitivity")
    try:
        with xr.open_dataset(nc, engine="netcdf4") as f:
            sweep = f.load()
    except Exception as err:  # a damaged file: one line, whatever the reader raised
        raise InputError(f"cannot be read ({type(err).__name__})", source=str(nc), field="--sensitivity") from None
    if "varied" not in sweep.coords or "base" not in set(sweep["varied"].values.astype(str)):
        raise InputError("not a one-at-a-time sweep (optimizer sweep --one-at-a-time --vary ...): no base point",
                         source=str(nc), field="--sensitivity")
    return sweep


def _build_report(results_dir: Path, out_dir: Path | None, lang: str, pdf: bool | None,
                  sensitivity: Path | None = None) -> Path:
    if out_dir is not None:
        out_dir = check_report_dir(results_dir, out_dir)
    from optimizer.report.pathway import build_pathway_report
    from optimizer.report.pathway_tables import is_pathway
    from optimizer.report.pdf import require_browser

    if pdf:
        require_browser()  # no browser: the one-line error before any work
    sweep = load_sensitivity(sensitivity) if sensitivity is not None else None
    if is_pathway(results_dir):  # pathway.nc (or period_<year>/ folders) and no results.nc
        if sweep is not None:
            raise InputError("the sensitivity section is for the report of one year's run", field="--sensitivity")
        page = build_pathway_report(results_dir, out_dir, lang)
        _pdf_beside(page, pdf)
        return page
    ds = load_results(results_dir)

    from optimizer.report import excel, figures, html, i18n, tables

    ds = tables.chronological(ds)  # a typical-day run is shown along the calendar
    base = results_dir if results_dir.is_dir() else results_dir.parent
    out = Path(out_dir) if out_dir is not None else base / "report"
    with built_in_place(out, what="report") as tmp:
        tbl = tables.all_tables(ds)
        if sweep is not None:
            tbl["sensitivity"] = tables.sensitivity_table(sweep, ds)
        figs = figures.make_figures(ds, tmp / "figures", lang, sensitivity=tbl.get("sensitivity"))
        note = i18n.label("no_cjk_font_note", lang) if lang == "zh" and figures.figure_lang(lang) != "zh" else ""
        page = html.render(ds, tbl, figs, lang, results_dir=base.resolve(), figure_note=note)
        (tmp / "report.html").write_text(page, encoding="utf-8")
        excel.write_workbook(ds, tbl, tmp / "report.xlsx", lang)
        _pdf_beside(tmp / "report.html", pdf)
    return out / "report.html"


def _pdf_beside(page: Path, pdf: bool | None) -> None:
    """``report.pdf`` beside ``page``: with ``pdf`` or fail; by default (None) if a browser is installed, a
    browser that cannot print costing the PDF, not the report; False: none."""
    from optimizer.report.pdf import find_browser, print_pdf

    if pdf:
        print_pdf(page, page.parent / "report.pdf")
    elif pdf is None and find_browser():
        try:
            print_pdf(page, page.parent / "report.pdf")
        except OutputError as err:
            log.warning("no report.pdf: %s", err)


def check_report_dir(results_dir: Path, out_dir: Path) -> Path:
    """The real report folder for ``--out``, if it may be (re)placed: absent, empty or a previous report,
    and neither the results folder nor a folder holding it. InputError otherwise (nothing is deleted)."""
    from optimizer.outputs import check_output_dir

    out = check_output_dir(out_dir, marker="report.html", what="report")
    res = Path(os.path.realpath(results_dir))
    res = res if res.is_dir() else res.parent
    if out == res or out in res.parents:
        raise InputError("is the results folder or holds it: the report would replace it; choose another --out",
                         source=str(out))
    return out


def report_command(results_dir: Path, out: Path | None, lang: str, pdf: bool | None = None, *,
                   sensitivity: Path | None = None) -> None:
    """CLI entry: build the report and print where it is; InputError (one line) for bad input."""
    path = build_report(results_dir, out, lang, pdf, sensitivity=sensitivity)
    print(f"report: {path}")
    if (path.parent / "report.pdf").exists():
        print(f"pdf: {path.parent / 'report.pdf'}")
    elif pdf is None and path.name == "report.html":
        print("pdf: none (no Chromium or Chrome on this machine; print report.html from a browser)")
