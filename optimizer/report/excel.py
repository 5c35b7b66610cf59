"""The report's tables as an Excel workbook (openpyxl): one sheet per table, plus the hourly data
behind the dispatch figures and the resolved config. Numbers are written as numbers, in the
units named in each column header, so the workbook can be checked against the results."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import xarray as xr
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from optimizer.report import i18n
from optimizer.report import tables as T

SHEETS = ("headline", "calibration", "targets", "capacity", "energy", "imports", "operation", "heat", "emissions",
          "cost_component", "cost_technology", "weeks", "metadata")


def sheet_name(name: str, lang: str) -> str:
    """Sheet name of a table (at most 31 characters)."""
    return i18n.label(f"sheet_{name}", lang)[:31]


def _dispatch_sheets(ds: xr.Dataset, weeks: list[T.Week], lang: str) -> dict[str, pd.DataFrame]:
    out = {}
    for wk in weeks:
        if wk.start is None or wk.n_steps == 0:
            continue
        df = T.dispatch_frame(ds, wk.start, wk.end)
        df.columns = [f"{T.row_label(c, lang)} (MW)" if c not in ("load", "curtailment", "unserved")
                      else f"{i18n.label(c, lang)} (MW)" for c in df.columns]
        df.index.name = i18n.label("ax_date", lang)
        out[f"{i18n.label('sheet_dispatch', lang)} {i18n.label(T.week_title(wk), lang)}"[:31]] = df.reset_index()
    return out


def write_workbook(ds: xr.Dataset, tbl: dict[str, pd.DataFrame], path: Path, lang: str = "en") -> Path:
    """Write every table (display headers, raw numbers) and the weekly hourly data to ``path``."""
    sheets: dict[str, pd.DataFrame] = {sheet_name(n, lang): T.localize(n, tbl[n], lang) for n in SHEETS if n in tbl}
    sheets.update(_dispatch_sheets(ds, T.select_weeks(ds), lang))
    cfg = str(ds.attrs.get("config_yaml", "")).splitlines()
    sheets[sheet_name("config", lang)] = pd.DataFrame({"config.yaml": cfg})
    return write_sheets(sheets, path)


def write_sheets(sheets: dict[str, pd.DataFrame], path: Path) -> Path:
    """Write one sheet per frame: bold shaded header row, frozen below it, columns sized to their text."""
    head_font = Font(bold=True)
    fill = PatternFill("solid", fgColor="E8EDF3")
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        for name, df in sheets.items():
            df.to_excel(xw, sheet_name=name, index=False)
            ws = xw.sheets[name]
            ws.freeze_panes = "A2"
            for j, col in enumerate(df.columns, start=1):
                cell = ws.cell(row=1, column=j)
                cell.font = head_font
                cell.fill = fill
                values = [str(col)] + [str(v) for v in df[col].head(200).tolist()]
                width = min(max(len(v) for v in values) + 2, 60)
                ws.column_dimensions[get_column_letter(j)].width = max(width, 8)
    return path
