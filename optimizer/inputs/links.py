"""The transmission links table (``inputs.links``): one row per link between two zones.

Columns: ``name``, ``zone_a``, ``zone_b`` (required), ``existing_mw`` (MW, 0), ``extendable`` (false),
``max_total_mw`` (MW, inf = no limit), ``capex_cny_per_kw`` (CNY/kW, 0), ``lifetime_yr`` (yr, 40),
``fom_cny_per_kw_yr`` (CNY/kW/yr, 0), ``loss_frac`` (share of the power sent that is lost, 0) and
``source`` (required: where the row's numbers come from, or ``assumption: ...``). Bad rows fail with one
line naming the file, the link and the column.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from optimizer.errors import InputError
from optimizer.inputs.techtable import _convert, read_csv

#: column -> (type, default); None = required
COLUMNS: dict[str, tuple[str, str | None]] = {
    "name": ("str", None), "zone_a": ("str", None), "zone_b": ("str", None), "existing_mw": ("float", "0"),
    "extendable": ("bool", "false"), "max_total_mw": ("float", "inf"), "capex_cny_per_kw": ("float", "0"),
    "lifetime_yr": ("float", "40"), "fom_cny_per_kw_yr": ("float", "0"), "loss_frac": ("float", "0"),
    "source": ("str", None),
}
_OPTIONAL = ("note",)
#: columns whose default the model needs (not a neutral "none"), with their unit: a blank cell that takes
#: one is listed in the run's defaults_used, as the technology table's are (capex and lifetime only for
#: links that may be built)
NEEDED = {"existing_mw": "MW", "loss_frac": "-", "capex_cny_per_kw": "CNY/kW", "lifetime_yr": "yr"}


def read_links(path: Path, zones: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """The links table, typed and checked against the configured ``zones`` and indexed by name, and the
    blank cells that took a needed default (``link.column = value unit``)."""
    raw = read_csv(path, "links table", "inputs.links")
    src = str(path)
    missing = [c for c, (_, d) in COLUMNS.items() if d is None and c not in raw.columns]
    if missing:
        raise InputError(f"missing column(s) {missing}", source=src)
    unknown = [c for c in raw.columns if c not in COLUMNS and c not in _OPTIONAL]
    if unknown:
        raise InputError(f"unknown column {unknown[0]!r} (known: {', '.join(COLUMNS)})", source=src)
    rows = {}
    defaulted = []
    for rec in raw.to_dict("records"):
        name = str(rec["name"]).strip()
        if not name:
            raise InputError("a row has an empty name", source=src, field="name")
        if name in rows:
            raise InputError(f"link {name!r} appears twice", source=src, field="name")
        row = {}
        for col, (typ, default) in COLUMNS.items():
            cell = str(rec.get(col, "")).strip()
            if cell == "":
                if default is None:
                    raise InputError("value required", source=src, field=f"{name}.{col}")
                cell = default
                if col in NEEDED:
                    defaulted.append((name, col, f"{name}.{col} = {default} {NEEDED[col]}"))
            row[col] = _convert(cell, typ, source=src, field=f"{name}.{col}")
            if typ == "float" and (row[col] < 0 or (math.isinf(row[col]) and col != "max_total_mw")):
                raise InputError(f"must be a finite number >= 0, got {cell!r}", source=src, field=f"{name}.{col}")
        for end in ("zone_a", "zone_b"):
            if row[end] not in zones:
                raise InputError(f"zone {row[end]!r} is not a configured zone {zones}", source=src,
                                 field=f"{name}.{end}")
        if row["zone_a"] == row["zone_b"]:
            raise InputError("a link joins two different zones", source=src, field=f"{name}.zone_b")
        if row["loss_frac"] >= 1:
            raise InputError(f"loss_frac must lie in [0, 1), got {row['loss_frac']}", source=src,
                             field=f"{name}.loss_frac")
        if row["existing_mw"] > row["max_total_mw"]:
            raise InputError("existing_mw exceeds max_total_mw", source=src, field=f"{name}.existing_mw")
        rows[name] = row
    table = pd.DataFrame.from_dict(rows, orient="index", columns=list(COLUMNS)[1:])
    table.index.name = "link"
    return table, [text for name, col, text in defaulted
                   if col not in ("capex_cny_per_kw", "lifetime_yr") or rows[name]["extendable"]]
