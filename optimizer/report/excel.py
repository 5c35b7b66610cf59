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
from optimizer.report import units as U

SHEETS = ("headline", "calibration", "targets", "capacity", "firm_balance", "power_balance", "regulation",
          "zone_balance", "zone_firm", "energy", "imports", "corridor_months", "gas_months", "links", "operation",
          "heat", "emissions", "cost_component", "cost_technology", "weeks", "sensitivity", "metadata")


def sheet_name(name: str, lang: str) -> str:
    """Sheet name of a table (at most 31 characters)."""
    return i18n.label(f"sheet_{name}", lang)[:31]


def _dispatch_sheets(ds: xr.Dataset, weeks: list[T.Week], lang: str) -> dict[str, pd.DataFrame]:
    out = {}
    tech = T.tech_names(ds)
    for wk in weeks:
        if wk.start is None or wk.n_steps == 0:
            continue
        df = T.dispatch_frame(ds, wk.start, wk.end)
        names = {c: T.row_label(c, lang, tech) if c not in ("load", "curtailment", "unserved")
                 else i18n.label(c, lang)
                 for c in df.columns}
        df.columns = [f"{c}（代码，MW）" if lang == "zh" and names[c] == c else f"{names[c]} (MW)" for c in df.columns]
        df.index.name = i18n.label("ax_date", lang)
        out[f"{i18n.label('sheet_dispatch', lang)} {i18n.label(T.week_title(wk), lang)}"[:31]] = df.reset_index()
    return out


def _digits(name: str, df: pd.DataFrame, lang: str) -> dict[str, int | list[int]]:
    """Decimals of each numeric column of a localized table (keys as columns): one number, or one per row
    (the targets table, whose rows have their own units)."""
    out: dict[str, int | list[int]] = {}
    for c in df.columns:
        if not pd.api.types.is_numeric_dtype(df[c]) or df[c].dtype == bool:
            continue
        if name == "targets" and c in ("plan_value", "lower", "upper", "achieved"):
            out[str(c)] = [U.target_decimals(str(u)) for u in df["unit"]]
        elif name == "cost_technology":
            out[str(c)] = 2
        else:
            out[str(c)] = U.decimals(str(c), lang, name)
    return out


def table_sheet(name: str, df: pd.DataFrame, lang: str) -> tuple[pd.DataFrame, dict[str, int | list[int]]]:
    """Table ``name`` as a sheet (translated, display headers, the display units of ``lang``) and the decimals
    of its numeric columns by header."""
    loc = T.localize(name, df, lang, headers=False)
    if name == "headline":  # one value per row, each in its own unit
        digits_of = [U.decimals(k, lang) for k in df.index]
        loc["value"] = [round(float(v), d + 2) if isinstance(v, int | float) and not isinstance(v, bool) else v
                        for v, d in zip(loc["value"], digits_of, strict=True)]
    dg = _digits(name, loc, lang)
    headers = {str(c): T.header_label(name, str(c), lang) for c in loc.columns}
    loc.columns = [headers[str(c)] for c in loc.columns]
    return loc, {headers[k]: v for k, v in dg.items()}


def write_workbook(ds: xr.Dataset, tbl: dict[str, pd.DataFrame], path: Path, lang: str = "en") -> Path:
    """Write every table (display headers, numbers rounded and formatted in the display units of ``lang``)
    and the weekly hourly data to ``path``."""
    sheets: dict[str, pd.DataFrame] = {}
    digits: dict[str, dict[str, int | list[int]]] = {}
    for n in SHEETS:
        if n not in tbl or not len(tbl[n]):  # a table the run has nothing for (links of one zone)
            continue
        sheets[sheet_name(n, lang)], digits[sheet_name(n, lang)] = table_sheet(n, tbl[n], lang)
    for name, df in _dispatch_sheets(ds, T.select_weeks(ds) + T.select_days(ds), lang).items():
        sheets[name] = df
        digits[name] = {str(c): 1 for c in df.columns if pd.api.types.is_float_dtype(df[c])}
    cfg = str(ds.attrs.get("config_yaml", "")).splitlines()
    sheets[sheet_name("config", lang)] = pd.DataFrame({"config.yaml": cfg})
    return write_sheets(sheets, path, digits)


def write_sheets(sheets: dict[str, pd.DataFrame], path: Path,
                 digits: dict[str, dict[str, int | list[int]]] | None = None) -> Path:
    """Write one sheet per frame: bold shaded header row, frozen below it, columns sized to their text.

    ``digits`` (sheet -> column header -> decimals, or a list with one per row): those cells are rounded
    (two digits more than shown, so no float noise like 20.99999999999586 is stored) and get a number
    format with thousands separators; solver noise that rounds to 0 is written as 0."""
    digits = digits or {}
    head_font = Font(bold=True)
    fill = PatternFill("solid", fgColor="E8EDF3")
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        for name, df in sheets.items():
            df.to_excel(xw, sheet_name=name, index=False)
            ws = xw.sheets[name]
            ws.freeze_panes = "A2"
            for j, col in enumerate(df.columns, start=1):
                d = digits.get(name, {}).get(str(col))
                if d is None:
                    continue
                for i in range(len(df)):
                    di = d[i] if isinstance(d, list) else d
                    cell = ws.cell(row=i + 2, column=j)
                    if isinstance(cell.value, int | float) and not isinstance(cell.value, bool):
                        cell.value = round(U.clean(float(cell.value), di), di + 2) + 0.0
                        cell.number_format = U.number_format(di)
            for j, col in enumerate(df.columns, start=1):
                cell = ws.cell(row=1, column=j)
                cell.font = head_font
                cell.fill = fill
                values = [str(col)] + [str(v) for v in df[col].head(200).tolist()]
                width = min(max(len(v) for v in values) + 2, 60)
                ws.column_dimensions[get_column_letter(j)].width = max(width, 8)
    return path
