"""The report as one self-contained HTML page: inline CSS, PNG figures as base64 data URIs, no URL.

A tiny inline script records, after the window's load event, how many images the page has, how
many loaded and how many script errors happened, in the ``data-report-check`` attribute of the
``<html>`` element (``report-ok n_images=N loaded=M errors=K hscroll=0|1``, the last saying whether
the page scrolls sideways); the browser test reads it.
"""

from __future__ import annotations

import base64
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import xarray as xr
from markupsafe import Markup, escape

from optimizer.report import i18n
from optimizer.report import tables as T
from optimizer.report import units as U
from optimizer.report.figures import FigureInfo
from optimizer.report.page import Cell, Row, Section, render_page, render_table

#: sections shown only when the run has something for them
OPTIONAL_SECTIONS = ("sec_balance", "sec_links", "sec_typical_days", "sec_sensitivity")
SECTIONS = ("sec_plan", "sec_headline", "sec_calibration", "sec_targets", "sec_capacity", "sec_balance", "sec_energy",
            "sec_imports", "sec_links",
            "sec_operation", "sec_dispatch", "sec_typical_days", "sec_storage", "sec_duration", "sec_price",
            "sec_emissions", "sec_cost", "sec_sensitivity", "sec_metadata")

CSS = """
:root { --ink:#1d2733; --muted:#5b6776; --line:#d9dee5; --band:#f4f6f9; --accent:#1f5fa8; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff; line-height: 1.45;
  font-family: "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei",
    "Microsoft YaHei", "PingFang SC", "Helvetica Neue", Arial, sans-serif; font-size: 14px; }
main { max-width: 1240px; margin: 0 auto; padding: 24px 28px 60px; }
header.top { border-bottom: 3px solid var(--accent); margin-bottom: 18px; padding-bottom: 10px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 34px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 18px 0 6px; color: var(--muted); }
.sub { color: var(--muted); margin: 2px 0; }
nav.toc { background: var(--band); border: 1px solid var(--line); padding: 10px 16px; border-radius: 6px; }
nav.toc ol { margin: 4px 0; padding-left: 22px; columns: 2; }
nav.toc a { color: var(--accent); text-decoration: none; }
.tablewrap { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; margin: 8px 0 14px; font-size: 13px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 10px; vertical-align: top; }
th { background: var(--band); text-align: left; font-weight: 600; border-bottom: 2px solid #b9c2cd; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
th { overflow-wrap: break-word; min-width: 56px; }
tr.total td { font-weight: 700; border-top: 2px solid #b9c2cd; }
tbody tr:nth-child(even) td { background: #fafbfc; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-weight: 700; font-size: 12px;
  white-space: nowrap; }
.badge.met { background: #dff3e4; color: #17692f; }
.badge.not_met { background: #fde2e1; color: #a61b1b; }
.badge.other { background: #eceff3; color: #4a5563; }
.quote { color: #333; }
.clause { font-weight: 600; }
table[data-table='targets'], table[data-table='milestones'] { width: 100%; }
table[data-table='targets'] td, table[data-table='milestones'] td { overflow-wrap: anywhere; }
table[data-table='targets'] td.num, table[data-table='milestones'] td.num { white-space: normal; min-width: 70px; }
table[data-table='targets'] td:first-child, table[data-table='milestones'] td:first-child { min-width: 150px; }
td.ms { text-align: right; min-width: 96px; font-variant-numeric: tabular-nums; }
td.ms .badge { margin: 2px 0; }
.rule { background: var(--band); border-left: 4px solid var(--accent); padding: 6px 12px; margin: 8px 0; }
table[data-table='corridor_months'] th, table[data-table='corridor_months'] td,
table[data-table='gas_months'] th, table[data-table='gas_months'] td { padding: 4px 4px; font-size: 12px; }
table[data-table='corridor_months'] th, table[data-table='gas_months'] th { min-width: 44px; }
table[data-table='targets'] td:nth-child(2), table[data-table='milestones'] td:nth-child(2) { min-width: 180px; }
.small { font-size: 12px; color: var(--muted); }
td.note-col { min-width: 150px; }
td.name { white-space: nowrap; }
figure { margin: 12px 0 22px; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--line); }
figcaption { color: var(--muted); font-size: 13px; margin-top: 4px; }
.note { background: #fff8e1; border-left: 4px solid #f0b429; padding: 6px 12px; margin: 8px 0; }
.missing { background: #fdecea; border-left: 4px solid #d64545; padding: 6px 12px; margin: 8px 0; }
pre { background: var(--band); border: 1px solid var(--line); padding: 10px; overflow-x: auto; font-size: 12px; }
details summary { cursor: pointer; color: var(--accent); }
.meta { display: flex; flex-wrap: wrap; gap: 0 28px; }
.metablock table { font-size: 12px; }
.metablock td:first-child { color: var(--muted); white-space: nowrap; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; margin: 10px 0; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px; min-width: 180px; background: #fff; }
.card .v { font-size: 20px; font-weight: 700; }
.card .k { font-size: 12px; color: var(--muted); }
.card .s { font-size: 11px; color: var(--muted); }
code, .code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 11px; color: #4a5563; }
ul.binding li { margin: 4px 0; }
ul.status li { margin: 2px 0; }
table[data-table='plan_build'] th { white-space: normal; max-width: 120px; }
@page { size: A4; margin: 12mm 10mm; }
"""

#: the page on paper (A4, about 720 px wide): tables wrap instead of scrolling, figures and rows stay whole.
#: Applied under ``@media print`` and, for the browser test (which cannot switch Chromium's media type),
#: under ``html.print``, which ``report.html?print`` sets
PRINT_RULES = (
    ("main", "max-width: none; padding: 0;"),
    ("body", "font-size: 11px;"),
    (".tablewrap, pre", "overflow: visible;"),
    ("table", "font-size: 9.5px; width: 100%; table-layout: auto;"),
    ("th, td", "padding: 2px 4px; overflow-wrap: anywhere;"),
    ("td.num, th.num, td.name, .badge", "white-space: normal;"),
    ("table[data-table='targets'] td:nth-child(2), table[data-table='milestones'] td:nth-child(2), td.note-col, "
     "td.ms", "min-width: 0;"),
    ("nav.toc ol", "columns: 1;"),
    ("figure, tr, .card", "break-inside: avoid;"),
    ("h2, h3", "break-after: avoid;"),
    (".card", "min-width: 140px;"),
    ("table[data-table='corridor_months'] th, table[data-table='corridor_months'] td, "
     "table[data-table='gas_months'] th, table[data-table='gas_months'] td",
     "min-width: 0; font-size: 8px; padding: 1px 2px;"),
)


def _print_css() -> str:
    media = "".join(f"{sel} {{ {rule} }}\n" for sel, rule in PRINT_RULES)
    emulated = "".join(", ".join(f"html.print {s.strip()}" for s in sel.split(",")) + f" {{ {rule} }}\n"
                       for sel, rule in PRINT_RULES)
    return f"@media print {{\n{media}}}\n{emulated}"


CSS += _print_css()

# records image and script failures; must come before anything else that runs
HEAD_SCRIPT = """window.__reportErrors = 0;
window.onerror = function () { window.__reportErrors += 1; };"""

LOAD_SCRIPT = """if (location.search.indexOf("print") >= 0) { document.documentElement.classList.add("print"); }
window.addEventListener("load", function () {
  var imgs = document.images, ok = 0;
  for (var i = 0; i < imgs.length; i++) { if (imgs[i].complete && imgs[i].naturalWidth > 0) { ok += 1; } }
  var root = document.documentElement, wide = root.scrollWidth > root.clientWidth + 1 ? 1 : 0;
  var tables = document.querySelectorAll(".tablewrap"), clipped = [];
  for (var j = 0; j < tables.length; j++) {
    var t = tables[j];
    if (t.scrollWidth > t.clientWidth + 1) { clipped.push(t.firstElementChild.getAttribute("data-table")); }
  }
  root.setAttribute("data-report-check", "report-ok n_images=" + imgs.length + " loaded=" + ok +
    " errors=" + window.__reportErrors + " hscroll=" + wide + " wide_tables=" + clipped.length +
    " [" + clipped.join(",") + "]");
});"""


def esc(x: object) -> str:
    """HTML-escaped text, as the page template escapes it (markupsafe: quotes too)."""
    return str(escape(str(x)))


def _isnan(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NaT


def fmt_number(key: str, v: Any, unit: str = "", lang: str = "en", name: str = "") -> str:
    """A table value formatted for reading: thousands separators, the column's decimals in ``lang``
    (:mod:`optimizer.report.units`), solver noise as 0, '—' for missing."""
    if _isnan(v):
        return "—"
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%d %H:%M")
    if isinstance(v, bool) or not isinstance(v, int | float):
        return str(v)
    if key in ("plan_value", "lower", "upper", "achieved"):
        return U.fmt(v, U.target_decimals(unit))
    return U.fmt(v, U.decimals(key, lang, name))


def table_html(name: str, df: pd.DataFrame, lang: str, *, hide: tuple[str, ...] = ()) -> str:
    """A language-neutral table rendered as HTML (translated, numbers formatted, total row in bold)."""
    loc = T.localize(name, df, lang, headers=False)
    cols = [c for c in loc.columns if c not in hide]
    num = {c: pd.api.types.is_numeric_dtype(loc[c]) for c in cols}
    head = [Cell(T.header_label(name, c, lang), "num" if num[c] else "") for c in cols]
    ids = list(df.index) if name not in ("metadata",) else [""] * len(df)
    rows = []
    for i, (_, row) in enumerate(loc.iterrows()):
        cells = []
        for c in cols:
            v = row[c]
            if isinstance(v, pd.Timestamp):
                text = v.strftime("%Y-%m-%d %H:%M")
            else:
                text = fmt_number(str(c), v, lang=lang, name=name) if num[c] else ("" if _isnan(v) else str(v))
            if num[c]:
                cls = "num"
            elif c == "id" or (lang == "zh" and i < len(ids) and text == str(ids[i]) and not U.is_period(text)):
                cls = "code"  # row ids of the results, and a name with no translation (shown as its id): codes
            else:
                cls = "name" if len(text) <= 40 else ""
            cells.append(Cell(text, cls))
        rows.append(Row(cells, "total" if i < len(ids) and T.is_total_row(ids[i]) else ""))
    return render_table(name, head, rows)


def badge(status: str, lang: str) -> Markup:
    cls = {"binding": "met"}.get(status, status)  # by construction: grey, the solution earned nothing there
    cls = cls if cls in ("met", "not_met") else "other"
    return Markup('<span class="badge {}">{}</span>').format(cls, i18n.label(status, lang))


def clause_quote(clause: str, quote: str, lang: str) -> Markup:
    """A plan entry's clause (bold) above its words."""
    return Markup('<span class="clause">{}</span><br><span class="quote">{}</span>').format(
        i18n.plan_text(clause, lang), i18n.plan_text(quote, lang))


def term_cell(term: str, ids: list[str]) -> Markup:
    """A target's term in bold above the ids of its rows (code)."""
    return Markup('<b>{}</b><div class="small code">{}</div>').format(term, "; ".join(ids))


def targets_html(df: pd.DataFrame, lang: str) -> str:
    """The targets table: plan's term, clause and words; plan value; model bounds; achieved; status."""
    L = lambda k: i18n.label(k, lang)  # noqa: E731
    head = [Cell(L("term")), Cell(f"{L('clause')} / {L('quote')}"), Cell(L("plan_value"), "num"),
            Cell(L("lower"), "num"), Cell(L("upper"), "num"), Cell(L("achieved"), "num"), Cell(L("unit")),
            Cell(L("status")), Cell(L("marginal_cost"), "num"), Cell(L("note"))]
    rows = []
    df = U.zh_targets(df) if lang == "zh" else df
    for tid, r in df.iterrows():
        first_row = r["rows"].split(",")[0].strip() if r["rows"] else ""
        plan = fmt_number("plan_value", r["plan_value"], r["unit"])
        plan = f"{T.SENSE.get(r['sense'], r['sense'])} {plan}" if plan != "—" else plan
        mc = fmt_number("marginal_cost", r["marginal_cost"], lang=lang)
        mc_cell = Markup('{} <span class="small">{}</span>').format(mc, L(r["marginal_cost_unit"])) if mc != "—" \
            else mc
        ids = [str(tid)] + [x.strip() for x in r["rows"].split(",") if x.strip() and x.strip() != str(tid)]
        plan_note = r["plan_note_zh"] if lang == "zh" and r["plan_note_zh"] else r["plan_note"]
        why = i18n.by_construction(r["why"], lang) if r["status"] == "by_construction" and \
            isinstance(r["why"], str) and r["why"] else ""
        own = why or (L(r["note"]) if r["note"] else "")
        rows.append(Row([
            Cell(term_cell(i18n.term(str(tid), first_row, lang), ids)),
            Cell(clause_quote(r["clause"], r["quote"], lang) if r["clause"] or r["quote"] else "—"),
            Cell(plan, "num"), Cell(fmt_number("lower", r["lower"], r["unit"]), "num"),
            Cell(fmt_number("upper", r["upper"], r["unit"]), "num"),
            Cell(Markup("<b>{}</b>").format(fmt_number("achieved", r["achieved"], r["unit"])), "num"),
            Cell(L(r["unit"])), Cell(badge(r["status"], lang)), Cell(mc_cell, "num"),
            Cell(Markup("<br>").join(x for x in (own, plan_note) if x), "small note-col")],
            attrs={"data-target": str(tid), "data-status": str(r["status"])}))
    return render_table("targets", head, rows)


def _headline(key: str, x: Any, lang: str) -> tuple[str, str]:
    """Label and display text of a headline item in ``lang`` (the plan's units in Chinese)."""
    zh = U.ZH_COLUMNS.get(key) if lang == "zh" else None
    name = zh[2] if zh else i18n.label(str(key), lang)
    if key in ("share_basis", "solver_status"):
        return name, i18n.label(str(x), lang)
    if key in ("scenario", "year"):
        return name, str(x)
    if key == "carbon_shadow_price" and _isnan(x):
        return name, "— (" + i18n.label("no_cap_note", lang).split(";")[0].split("，")[0] + ")"
    if _isnan(x):
        return name, "—"
    if zh:
        return name, U.fmt(float(x) * zh[0], zh[1])
    if key in ("peak_load_mw", "unserved_mwh"):
        return name, fmt_number(key, x)
    return name, U.fmt(x, 1 if key in ("cost_per_mwh", "coal_share_pct", "nonfossil_share_pct") else 2)


def headline_html(df: pd.DataFrame, lang: str) -> str:
    """Headline figures as cards (the main numbers) and a table (all of them)."""
    v = df["value"]
    cards = [_headline(k, v.get(k), lang) for k in ("total_cost_bn_cny", "cost_per_mwh", "co2_mt", "coal_share_pct",
                                                    "nonfossil_share_pct", "unserved_mwh")]
    card_html = "".join(f"<div class='card'><div class='v'>{esc(val)}</div><div class='k'>{esc(k)}"
                        f"</div></div>" for k, val in cards)
    rows = []
    for key, x in v.items():
        name, text = _headline(str(key), x, lang)
        rows.append(Row([Cell(name), Cell(Markup("<code>{}</code>").format(text) if key == "scenario" else text,
                                          "num")], attrs={"data-item": str(key)}))
    table = render_table("headline", [Cell(i18n.label("item", lang)), Cell(i18n.label("value", lang), "num")], rows)
    return f"<div class='cards'>{card_html}</div>{table}"


# ----------------------------------------------------------------------------- page one

def card(key: str, value: str, lang: str, sub: str = "") -> str:
    """A headline card: the value, what it is (i18n ``key``) and a line under it."""
    return (f"<div class='card' data-item='{esc(key)}'><div class='v'>{esc(value)}</div>"
            f"<div class='k'>{esc(i18n.label(key, lang))}</div>" + (f"<div class='s'>{esc(sub)}</div>" if sub else "")
            + "</div>")


def power(mw: float, lang: str) -> str:
    """MW shown in the plan's unit: 万千瓦 (two decimals) in Chinese, MW in English."""
    return U.fmt(mw / 10, 2) if lang == "zh" else U.fmt(mw, 0)


def money(cny: float, lang: str) -> str:
    """CNY shown as 亿元 in Chinese, bn CNY in English (two decimals)."""
    return U.fmt(cny / 1e8, 2) if lang == "zh" else U.fmt(cny / 1e9, 2)


def binding_sentence(policy: str, r: pd.Series, lang: str) -> str:
    """One sentence on a binding row: what binds and what one more unit of it costs (or saves) a year."""
    L = lambda k, **f: i18n.label(k, lang, **f)  # noqa: E731
    zh = lang == "zh"
    term = i18n.term(str(r["target"]), policy, lang)
    if not r["target"]:
        term += f" ({L('model_row')})" if not zh else f"（{L('model_row')}）"
    unit, floor, v, rhs = str(r["unit"]), r["sense"] == ">=", float(r["value"]), float(r["rhs"])
    if unit in ("MW", "MWh"):
        kind = "power" if unit == "MW" else "energy"
        amount = i18n.power(rhs, lang) if unit == "MW" else (f"{rhs / 10:,.2f}万千瓦时" if zh else f"{rhs:,.0f} MWh")
        per = U.fmt(v * 10 / 1e4, 1) if zh else U.fmt(v, 0)  # 万元 per 万千瓦 (10 MW), or CNY per MW
        return L(f"bind_{'floor' if floor else 'ceiling'}_{kind}", term=term, rhs=amount, v=per, v_kw=U.fmt(v / 1e3, 0))
    if unit == "per-unit":
        per = U.fmt(v / 100, 2) if zh else U.fmt(v, 1)  # 亿元 or M CNY per percentage point
        return L(f"bind_{'floor' if floor else 'ceiling'}_share", term=term, rhs=f"{rhs * 100:.1f}%", v=per)
    if unit == "tCO2/yr":
        amount = f"{rhs / 1e4:,.1f}万吨/年" if zh else f"{rhs / 1e6:,.2f} Mt/yr"
        return L("bind_co2", term=term, rhs=amount, v=U.fmt(v, 1))
    if unit == "m3/yr":
        amount = f"{rhs / 1e8:,.2f}亿立方米/年" if zh else f"{rhs / 1e9:,.2f} bcm/yr"
        per = U.fmt(v * 1e4, 0) if zh else U.fmt(v * 100, 1)  # 万元 per 亿立方米, M CNY per 100 million m3
        return L("bind_gas", term=term, rhs=amount, v=per, v_m3=U.fmt(v, 2))
    return L("bind_other", term=term, v=U.fmt(v, 2), unit=str(r["value_unit"]))


def _build_table(ds: xr.Dataset, build: pd.DataFrame, lang: str) -> str:
    L = lambda k: i18n.label(k, lang)  # noqa: E731
    head = [Cell(L("plan_type")), Cell(L("plan_name")), Cell(L("plan_col_new"), "num"),
            Cell(L("plan_col_new_energy"), "num"), Cell(L("plan_col_capex_kw"), "num"),
            Cell(L("plan_col_capex_kwh"), "num"), Cell(L("plan_col_investment"), "num")]
    rows = []
    for t, r in build.iterrows():
        total = t == T.TOTAL
        base = str(t).removesuffix(T.FLEX_SUFFIX)
        name = L("total") if total else (
            f"{T.tech_label(ds, base, lang)} – {L('flex_retrofit')}" if str(t).endswith(T.FLEX_SUFFIX)
            else T.tech_label(ds, base, lang))
        shown = name if name != base or lang != "zh" else ""
        named = shown if total else Markup('{}<br><span class="code">{}</span>').format(shown, t)  # the table's id
        mwh, per_kwh = r["new_mwh"], r["capex_cny_per_kwh"]
        rows.append(Row([
            Cell(i18n.kind(str(r["kind"]), lang) if r["kind"] else "", "name"), Cell(named),
            Cell("" if total else power(r["new_mw"], lang), "num"),
            Cell(power(mwh, lang) if not _isnan(mwh) else "", "num"),
            Cell(U.fmt(r["capex_cny_per_kw"], 0) if not total else "", "num"),
            Cell(U.fmt(per_kwh, 0) if not _isnan(per_kwh) else "", "num"),
            Cell(money(r["investment_cny"], lang), "num")], "total" if total else "", {"data-build": str(t)}))
    return render_table("plan_build", head, rows)


def _target_line(tid: str, r: pd.Series, lang: str) -> str:
    """A target as 'term: achieved unit (sense bound)', in the plan's units of ``lang``."""
    first = r["rows"].split(",")[0].strip() if r["rows"] else ""
    term = i18n.term(str(tid), first, lang)
    unit = i18n.label(str(r["unit"]), lang)
    bound = r["lower"] if r["sense"] == ">=" or _isnan(r["upper"]) else r["upper"]
    sym = T.SENSE.get(str(r["sense"]), str(r["sense"]))
    ach = fmt_number("achieved", r["achieved"], str(r["unit"]))
    bnd = fmt_number("lower", bound, str(r["unit"]))
    sep = "：" if lang == "zh" else ": "
    return f"{term}{sep}{ach} {unit} ({sym} {bnd})" if lang != "zh" else f"{term}{sep}{ach}{unit}（{sym}{bnd}）"


def plan_html(ds: xr.Dataset, tbl: dict[str, pd.DataFrame], lang: str) -> str:
    """Page one: the recommended plan — new capacity and overnight investment, annual system cost, average
    supply cost, emissions — and the binding constraints in words, each with what one more unit costs."""
    L = lambda k, **f: i18n.label(k, lang, **f)  # noqa: E731
    zh = lang == "zh"
    build = tbl["plan_build"] if "plan_build" in tbl else T.plan_build(ds)
    summ = T.plan_summary(ds, build)
    rows = build.drop(index=T.TOTAL, errors="ignore")

    def new(kind: str, col: str = "new_mw") -> float:
        return float(rows.loc[rows["kind"] == kind, col].sum())

    co2 = summ["co2_t"]
    city = summ["co2_city_t"]
    city_txt = L("plan_co2_city", v=U.fmt(city / 1e4, 1) if zh else U.fmt(city / 1e6, 2)) if math.isfinite(city) \
        else ""
    cards = "".join([
        card("plan_new_generation", power(new("generator"), lang), lang),
        card("plan_new_storage", f"{power(new('storage'), lang)} / {power(new('storage', 'new_mwh'), lang)}", lang),
        card("plan_new_corridors", power(new("import"), lang), lang),
        card("plan_investment", money(summ["investment_cny"], lang) if not summ["costs_file"] else "—", lang),
        card("plan_annual_cost", money(summ["annual_cost_cny"], lang), lang),
        card("plan_supply_cost", U.fmt(summ["supply_cost_cny_per_kwh"], 3), lang),
        card("plan_co2", U.fmt(co2 / 1e4, 1) if zh else U.fmt(co2 / 1e6, 2), lang, city_txt),
    ])
    out = f"<p>{esc(L('plan_intro', year=ds.attrs.get('year', '')))}</p><div class='cards'>{cards}</div>"
    out += f"<h3>{esc(L('plan_build_title'))}</h3>"
    out += _build_table(ds, build, lang) if len(rows) else note_html(L("plan_build_none"))
    costs_file = str(T.parse_attr(ds, "input_files").get("technologies", "")) if isinstance(
        T.parse_attr(ds, "input_files"), dict) else ""
    if summ["costs_file"]:
        out += note_html(L("plan_costs_missing", file=summ["costs_file"]), "missing")
    elif len(rows):
        out += f"<p class='small'>{esc(L('plan_investment_note', file=Path(costs_file).name or '—'))}</p>"
    load = summ["load_mwh"]
    out += f"<p class='small'>{esc(L('plan_supply_cost_note', load=U.fmt(load / 1e5 if zh else load / 1e6, 2)))}</p>"

    out += f"<h3>{esc(L('plan_binding_title'))}</h3>"
    binding = T.binding_rows(ds)
    if len(binding):
        items = "".join(f"<li data-policy='{esc(p)}'>{esc(binding_sentence(str(p), r, lang))}</li>"
                        for p, r in binding.iterrows())
        out += f"<ul class='binding'>{items}</ul>"
    else:
        out += f"<p>{esc(L('plan_binding_none'))}</p>"

    tt = tbl["targets"]
    tz = U.zh_targets(tt) if zh else tt
    groups: list[tuple[str, list[str]]] = [("plan_by_construction", []), ("plan_met_margin", []),
                                           ("plan_not_met", [])]
    for tid, r in tz.iterrows():
        line = _target_line(str(tid), r, lang)
        if r["status"] == "by_construction":
            why = i18n.by_construction(r["why"], lang) if isinstance(r["why"], str) else ""
            groups[0][1].append(f"{line}{'：' if zh else ': '}{why}" if why else line)
        elif r["status"] == "met":
            groups[1][1].append(line + (f" – {L('checked_note')}" if r["note"] == "checked_note" else ""))
        elif r["status"] == "not_met":
            groups[2][1].append(line + (f" – {L('checked_note')}" if r["note"] == "checked_note"
                                        else f" – {L('plan_not_met_imposed')}"))
    status = "".join(f"<p><b>{esc(L(k))}</b></p><ul class='status' data-group='{esc(k)}'>"
                     + "".join(f"<li>{esc(x)}</li>" for x in lines) + "</ul>" for k, lines in groups if lines)
    if status:
        out += f"<h3>{esc(L('plan_status_title'))}</h3>{status}"
    return out


def figure_html(fig: FigureInfo) -> str:
    """One figure, embedded as a base64 PNG data URI, with its caption."""
    data = base64.b64encode(fig.path.read_bytes()).decode("ascii")
    return (f"<figure id='fig-{esc(fig.key)}'><img alt='{esc(fig.title)}' src='data:image/png;base64,{data}'>"
            f"<figcaption>{esc(fig.title)}</figcaption></figure>")


def note_html(text: str, cls: str = "note") -> str:
    """A highlighted note."""
    return f"<p class='{cls}'>{esc(text)}</p>"


def _binding_annual_limits(ds: xr.Dataset, lang: str) -> str:
    """The plan's terms of the binding annual energy limits (shares, CO2 cap), comma-separated."""
    out = []
    for j, p in enumerate(ds["policy"].values.astype(str)):
        unit = str(ds["policy_unit"].values[j])
        dual = float(ds["policy_dual"].values[j])
        if unit in ("per-unit", "tCO2/yr") and math.isfinite(dual) and abs(dual) > 1e-6:
            out.append(i18n.term(str(ds["policy_target"].values[j]), p, lang))
    return ", ".join(out)


#: a marginal emission factor outside this band (t/MWh) is more than one unit's fuel: other hours moved too
EF_PLAIN_RANGE = (0.0, 1.5)


def _emission_factor_note(ds: xr.Dataset, headline: pd.Series, lang: str) -> str:
    """The emission factors of the electricity consumed in words (empty for results without them)."""
    if "emission_factor_avg_t_per_mwh" not in ds:
        return ""
    L = lambda k, **f: i18n.label(k, lang, **f)  # noqa: E731
    marg = headline.get("ef_marginal_t_per_mwh")
    if _isnan(marg):
        return note_html(L("ef_note", avg=U.fmt(headline.get("ef_avg_t_per_mwh"), 3), marg="—",
                           odd=L("ef_no_marginal")))
    mef = ds["emission_factor_marginal_t_per_mwh"].values
    lo, hi = EF_PLAIN_RANGE
    odd = int(((mef < lo - 1e-6) | (mef > hi)).any(axis=1).sum())
    text = L("ef_note", avg=U.fmt(headline.get("ef_avg_t_per_mwh"), 3), marg=U.fmt(marg, 3),
             odd=L("ef_odd", n=odd) if odd else "")
    csp = headline.get("carbon_shadow_price")
    if not _isnan(csp) and abs(float(csp)) > 1e-6:  # a binding cap holds CO2 at the cap, whatever the load
        text += " " + L("ef_cap_binds", p=U.fmt(float(csp), 1))
    return note_html(text)


def _price_is_flat(ds: xr.Dataset) -> bool:
    """Whether the marginal price is the same (to 1e-6 relative) in every step and zone."""
    vals = ds["marginal_price_cny_per_mwh"].values
    vals = vals[~pd.isna(vals)]
    return bool(len(vals)) and float(vals.max() - vals.min()) <= 1e-6 * max(1.0, abs(float(vals.mean())))


def _meta_value(key: str, value: object, lang: str) -> str:
    """A run-metadata value in display form (share basis and solver status translated)."""
    if key == "share_basis":
        return i18n.label(f"basis_{value}", lang)
    if key == "solver_status":
        return i18n.label(str(value), lang)
    return str(value)


def _code(x: object) -> Markup:
    """A name or value of the program (a key, a version, a path) as code, not words."""
    return Markup("<code>{}</code>").format(x) if str(x) else Markup("")


def _meta_cell(key: str, value: object, lang: str) -> str | Markup:
    """A run-metadata value: words translated, identifiers (hash, scenario, model status) as code."""
    if key in ("share_basis", "solver_status", "year", "created_utc", "results_schema_version"):
        return _meta_value(key, value, lang)
    if key == "time_aggregation" and str(value) == "none":
        return i18n.label("aggregation_none", lang)
    return _code(value)


def metadata_html(df: pd.DataFrame, lang: str) -> str:
    """The run's metadata: one small table per section (run, versions, times, solver, checks, inputs)."""
    blocks = []
    for section, grp in df.groupby("section", sort=False):
        rows = [Row([Cell(i18n.label(str(k), lang) if section == "run" else _code(k)),
                     Cell(_meta_cell(str(k), v, lang) if section == "run" else _code(v))])
                for k, v in zip(grp["item"], grp["value"], strict=True)]
        blocks.append(f"<div class='metablock'><h3>{esc(i18n.label(str(section), lang))}</h3>"
                      + render_table(f"metadata-{section}", [], rows, wrap="metatable") + "</div>")
    return f"<div class='meta'>{''.join(blocks)}</div>"


def _flag_html(ds: xr.Dataset, text: str, lang: str) -> str:
    """A results flag as a highlighted note, in ``lang`` where its pattern is known (else as code)."""
    said, known = i18n.flag(text, lang, lambda k: T.tech_label(ds, k, lang))
    body = esc(said) if known else f"{esc(i18n.label('flag_untranslated', lang))} <code>{esc(said)}</code>"
    return f"<p class='missing'>{esc(i18n.label('flag', lang))}: {body}</p>"


def render(ds: xr.Dataset, tbl: dict[str, pd.DataFrame], figs: list[FigureInfo], lang: str, *,
           results_dir: Path, figure_note: str = "") -> str:
    """The whole report page as a string."""
    L = lambda k, **f: i18n.label(k, lang, **f)  # noqa: E731
    by_sec: dict[str, list[FigureInfo]] = {}
    for f in figs:
        by_sec.setdefault(f.section, []).append(f)

    def figs_of(sec: str) -> str:
        return "".join(figure_html(f) for f in by_sec.get(sec, []))

    parts: dict[str, str] = {}
    w = T.weights(ds)
    pre_notes = ""
    if str(ds.attrs.get("optimal", "true")) != "true":  # a time-limited run's best point, say so first
        why = str(ds.attrs.get("note", ds.attrs.get("solver_status", "")))
        pre_notes += note_html(L("not_optimal_banner", note=why), "missing")
    if ds.attrs.get("typical_days_expanded") == "true":
        pre_notes += note_html(L("typical_days_note", agg=ds.attrs.get("time_aggregation", "")))
    elif len(w) and abs(float(w.max()) - 1.0) > 1e-9 and float(w.max()) == float(w.min()):
        pre_notes += note_html(L("weighted_note", w=float(w[0])))
    if figure_note:
        pre_notes += note_html(figure_note)
    flags = T.parse_attr(ds, "flags") or []
    flag_html = "".join(_flag_html(ds, str(f), lang) for f in flags)
    parts["sec_plan"] = plan_html(ds, tbl, lang)
    parts["sec_headline"] = pre_notes + flag_html + headline_html(tbl["headline"], lang)
    cal = tbl["calibration"]
    parts["sec_calibration"] = (table_html("calibration", cal, lang) if len(cal)
                                else note_html(L("no_calibration_note")))
    parts["sec_targets"] = targets_html(tbl["targets"], lang)
    heat = tbl["heat"]
    parts["sec_operation"] = (table_html("operation", tbl["operation"], lang)
                              + (f"<h3>{esc(L('heat_balance'))}</h3>" + table_html("heat", heat, lang) if len(heat)
                                 else note_html(L("no_heat_note"))))
    parts["sec_capacity"] = table_html("capacity", tbl["capacity"], lang) + figs_of("sec_capacity")
    bal = tbl.get("power_balance")
    if bal is not None and len(bal):
        steps = bal.attrs.get("steps", {})
        parts["sec_balance"] = (note_html(L("balance_note", peak=steps.get("peak", ""), valley=steps.get("valley", "")))
                                + table_html("power_balance", bal, lang))
        reg = tbl.get("regulation")
        if reg is not None and len(reg):
            st = reg.attrs.get("steps", {})
            parts["sec_balance"] += (f"<h3>{esc(L('regulation_title'))}</h3>"
                                     + note_html(L("regulation_note", valley=st.get("valley", ""),
                                                   tight=st.get("tight", "")))
                                     + table_html("regulation", reg, lang))
        fb = tbl.get("firm_balance")
        if fb is not None and len(fb):
            parts["sec_balance"] = (f"<h3>{esc(L('firm_balance_title'))}</h3>"
                                    + note_html(L("firm_balance_note", m=U.fmt(fb.attrs.get("margin_pct"), 1)))
                                    + table_html("firm_balance", fb, lang)
                                    + f"<h3>{esc(L('hourly_balance_title'))}</h3>" + parts["sec_balance"])
        zf = tbl.get("zone_firm")
        if zf is not None and len(zf):
            parts["sec_balance"] += (f"<h3>{esc(L('zone_firm_title'))}</h3>" + note_html(L("zone_firm_note"))
                                     + table_html("zone_firm", zf, lang))
        zb = tbl.get("zone_balance")
        if zb is not None and len(zb):
            parts["sec_balance"] += (f"<h3>{esc(L('zone_balance_title'))}</h3>" + note_html(L("zone_balance_note"))
                                     + table_html("zone_balance", zb, lang))
    else:
        parts["sec_balance"] = ""
    parts["sec_energy"] = table_html("energy", tbl["energy"], lang) + figs_of("sec_energy")
    gas = tbl.get("gas_months")
    if gas is not None and len(gas):
        parts["sec_energy"] += (f"<h3>{esc(L('gas_months_title'))}</h3>" + note_html(L("gas_months_note"))
                                + table_html("gas_months", gas, lang))
    links = tbl.get("links")
    parts["sec_links"] = (note_html(L("links_note")) + table_html("links", links, lang) + figs_of("sec_links")
                          if links is not None and len(links) else "")
    parts["sec_imports"] = table_html("imports", tbl["imports"], lang) + figs_of("sec_imports")
    months = tbl.get("corridor_months")
    if months is not None and len(months):
        parts["sec_imports"] += (f"<h3>{esc(L('corridor_months_title'))}</h3>" + note_html(L("corridor_months_note"))
                                 + table_html("corridor_months", months, lang))
    days = figs_of("sec_typical_days")
    parts["sec_typical_days"] = note_html(L("typical_days_sec_note")) + days if days else ""

    weeks = tbl["weeks"]
    disp = ""
    if _price_is_flat(ds):
        moving = ", ".join(T.tech_label(ds, k, lang) for k in T.moving_units(ds)) or "—"
        disp += note_html(L("degenerate_dispatch_note", marginal=moving))
    disp += table_html("weeks", weeks, lang)
    for key, r in weeks.iterrows():
        if r["note"] in ("no_winter", "missing") or (r["hours"] == 0):
            disp += f"<h3>{esc(L(key))}</h3>" + note_html(
                f"{L(key)}: {L('missing')} – {L(r['note'], n=r['note_n']) if r['note'] else ''}", "missing")
            continue
        if r["rule"] == "summer_rule_fallback":
            disp += f"<h3>{esc(L(key))}</h3>" + note_html(f"{L(key)}: {L('missing')} – {L('no_summer')}", "missing")
        disp += f"<h3>{esc(L(r['title']))}</h3>"
        if r["note"] and r["note"] != "no_summer":
            disp += note_html(L(r["note"], n=r["note_n"]))
        f = next((x for x in by_sec.get("sec_dispatch", []) if x.key == f"dispatch_{str(key).removeprefix('week_')}"),
                 None)
        if f is not None:
            disp += figure_html(f)
    parts["sec_dispatch"] = disp

    if len(ds["storage"]) == 0:
        parts["sec_storage"] = note_html(L("no_storage_note"))
    else:
        idle = float(abs(ds["storage_charge_mw"]).sum() + abs(ds["storage_discharge_mw"]).sum()) <= 1e-6
        parts["sec_storage"] = (note_html(L("idle_storage_note")) if idle else "") + figs_of("sec_storage")
    parts["sec_duration"] = figs_of("sec_duration")
    price = ds["marginal_price_cny_per_mwh"]
    if bool(price.isnull().all()):
        parts["sec_price"] = note_html(L("no_price_note"))
    else:
        vals = price.values[~pd.isna(price.values)]
        note = ""
        if _price_is_flat(ds):
            binding = _binding_annual_limits(ds, lang)
            note = note_html(L("flat_price_note", p=float(vals.mean()), binding=binding) if binding
                             else L("flat_price_note_plain", p=float(vals.mean())))
        parts["sec_price"] = note + figs_of("sec_price")
    em = tbl["headline"]["value"]
    csp = em.get("carbon_shadow_price")
    csp_txt = (f"{L('carbon_shadow_price')}: " + ("— " + L("no_cap_note") if _isnan(csp) else f"{float(csp):,.2f}"))
    parts["sec_emissions"] = (f"<p><b>{esc(csp_txt)}</b></p>" + table_html("emissions", tbl["emissions"], lang)
                              + _emission_factor_note(ds, em, lang) + figs_of("sec_emissions"))
    parts["sec_cost"] = (table_html("cost_component", tbl["cost_component"], lang)
                         + table_html("cost_technology", tbl["cost_technology"], lang) + figs_of("sec_cost"))
    sens = tbl.get("sensitivity")
    if sens is not None and len(sens):
        base = sens.attrs.get("base", {})
        cost, co2 = base.get("total_cost_bn_cny", float("nan")), base.get("co2_mt", float("nan"))
        shown_cost = _headline("total_cost_bn_cny", cost, lang)[1]  # 亿元 in Chinese
        shown_co2 = _headline("co2_mt", co2, lang)[1]  # 万吨 in Chinese
        parts["sec_sensitivity"] = (
            (note_html(L("sensitivity_base_differs"), "missing") if sens.attrs.get("base_differs") else "")
            + note_html(L("sensitivity_note", cost=shown_cost, co2=shown_co2))
            + table_html("sensitivity", sens, lang) + figs_of("sec_sensitivity"))
    meta = metadata_html(tbl["metadata"], lang)
    meta += (f"<p class='small'>{esc(L('results_file'))}: {_code(results_dir / 'results.nc')}<br>"
             f"{esc(L('report_generated'))}: {esc(datetime.now(UTC).isoformat(timespec='seconds'))}</p>")
    meta += (f"<details><summary>{esc(L('sec_config'))}</summary>"
             f"<pre class='code'>{esc(ds.attrs.get('config_yaml', ''))}</pre>"
             "</details>")
    parts["sec_metadata"] = meta

    scen = ds.attrs.get("scenario", "")
    year = ds.attrs.get("year", "")
    title = f"{L('report_title')}（{year}年）" if lang == "zh" else f"{L('report_title')} ({year})"
    # sections a run has nothing for (links of a one-zone run) are left out, not shown empty
    shown = [Section(s, L(s), Markup(parts.get(s, ""))) for s in SECTIONS if s not in OPTIONAL_SECTIONS or parts.get(s)]
    t = pd.DatetimeIndex(ds["time"].values)
    period = f"{t[0]:%Y-%m-%d %H:%M} – {t[-1]:%Y-%m-%d %H:%M}" if len(t) else ""
    first = Markup(f"{esc(L('results_subtitle'))} · {esc(L('scenario_code'))}: {_code(scen)} · {esc(period)} · "
                   f"{esc(L('solver_status'))}: {esc(L(str(ds.attrs.get('solver_status', ''))))} · "
                   f"{esc(L('inputs_hash'))}: {_code(str(ds.attrs.get('inputs_hash', ''))[:16] + '…')}")
    return render_page(lang=lang, title=title, subtitles=[first, f"{L('tables_note')} {L('excel_note')}"],
                       toc_title=L("toc"), sections=shown, css=CSS, head_script=HEAD_SCRIPT, load_script=LOAD_SCRIPT)
