"""The pathway report: ``optimizer report results/<pathway>`` on a folder holding ``pathway.nc``.

:func:`build_pathway_report` reads ``pathway.nc`` (written by :mod:`optimizer.pathway`), builds the
single-year report of every ``period_<year>/`` folder that holds a usable ``results.nc`` (with
:func:`optimizer.report.build_report`) and writes, atomically, ``<folder>/report/`` with

* ``report.html`` — one self-contained page (inline CSS, figures as base64 PNG, no URL), English or
  Chinese, linking each period's single-year report by a relative path
  (``../period_<year>/report/report.html``);
* ``report.xlsx`` — the same tables, one sheet each, and the pathway config;
* ``figures/*.png`` — stacked capacity, stacked generation, emissions with the peak and the plan's
  carbon-peak milestone, coal and non-fossil shares against their limits, cost per period, and the
  plan's capacity milestones per period.

It is the annual report's stack with a period dimension: the tables
(:mod:`optimizer.report.pathway_tables`) are rows × periods or one row per period, and go through the
same localisation, display units (万千瓦, 亿千瓦时, 亿元, 万吨 in Chinese;
:data:`optimizer.report.units.PERIOD_VALUES`),
HTML tables, page frame, figure style and workbook writer as the annual report. Only the milestones
(a plan target judged period by period) and the periods' links have their own HTML.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import xarray as xr
from markupsafe import Markup
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from optimizer.errors import InputError, OptimizerError
from optimizer.outputs import built_in_place
from optimizer.report import excel as X
from optimizer.report import figures as F
from optimizer.report import html as H
from optimizer.report import i18n
from optimizer.report import tables as T
from optimizer.report import units as U
from optimizer.report.page import Cell, Row, Section, render_page, render_table
from optimizer.report.pathway_tables import (
    PEAK_STEM,
    Period,
    _periods,
    _years,
    all_tables,
    load_pathway_results,
    peak_period,
    plan_targets,
    supply_techs,
    tech_meta,
)

SECTIONS = ("pw_sec_plan", "pw_sec_milestones", "pw_sec_capacity", "pw_sec_energy", "pw_sec_emissions",
            "pw_sec_shares", "pw_sec_cost", "pw_sec_periods", "pw_sec_metadata")
#: the tables shown through the annual report's stack, and their name there (units.PERIOD_VALUES for the
#: rows x periods ones; one row per period for the others)
SHOWN = {n: f"pw_{n}" for n in ("plan", "trajectory", "capacity", "built", "retired", "energy", "mix", "emissions",
                                "shares", "cost", "discounted")}
SHEETS = ("plan", "trajectory", "milestones", "capacity", "built", "retired", "energy", "mix", "emissions",
          "shares", "cost", "discounted", "periods")


def table_html(name: str, tbl: dict[str, pd.DataFrame], lang: str) -> str:
    """Table ``name`` of the pathway report as HTML, through the annual report's stack."""
    return H.table_html(SHOWN[name], tbl[name], lang)


# ----------------------------------------------------------------------------- milestones

def _unit(unit: str, lang: str) -> tuple[float, str, int]:
    """A milestone unit (GW, %, Mt CO2/yr, bcm/yr) in ``lang``: factor, unit text, decimals."""
    unit = "%" if unit == "percent" else unit
    if lang == "zh" and unit in U.ZH_TARGET_UNITS:
        return U.ZH_TARGET_UNITS[unit]
    return 1.0, i18n.label(unit, lang), U.target_decimals(unit)


def milestone_frame(ms: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The milestones table in the display units of ``lang`` (values scaled, unit named)."""
    out = ms.copy()
    for i, r in ms.iterrows():
        f, unit, _ = _unit(str(r["unit"]), lang)
        for c in ("plan_value", "lower", "upper", "achieved"):
            out.at[i, c] = float(r[c]) * f
        out.at[i, "unit"] = unit
    return out


def _bound(r: pd.Series, d: int) -> str:
    lo, hi = r["lower"], r["upper"]
    if np.isfinite(lo) and np.isfinite(hi) and lo != hi:
        return f"{U.fmt(lo, d)} – {U.fmt(hi, d)}"
    if np.isfinite(lo):
        return ("= " if lo == hi else "≥ ") + U.fmt(lo, d)
    return "≤ " + U.fmt(hi, d) if np.isfinite(hi) else ""


def milestones_html(ms: pd.DataFrame, targets: dict[str, Any], lang: str) -> str:
    """The plan's milestones as rows and the periods as columns: achieved value, bound and status."""
    L = lambda k, **f: i18n.label(k, lang, **f)  # noqa: E731
    years = sorted(ms["period"].unique().tolist())
    head = [Cell(L("term")), Cell(f"{L('clause')} / {L('quote')}"), Cell(L("plan_value"), "num"),
            *[Cell(str(y), "num") for y in years]]
    shown = milestone_frame(ms, lang)
    rows = []
    for stem, g in shown.groupby("milestone", sort=False):
        g = g.set_index("period")
        entries = [(tid, targets.get(tid, {})) for tid in dict.fromkeys(g["target_id"])]
        plans = []
        for _, e in entries:
            v = e.get("value")
            f, unit, d = _unit(T._PLAN_UNIT.get(str(e.get("unit")), (str(e.get("unit")), 1.0))[0], lang)
            sym = T.SENSE.get(str(e.get("sense")), str(e.get("sense", "")))
            plans.append(f"{e.get('year', '')}: " + (f"{sym} {U.fmt(float(v) * f, d)} {unit}" if v is not None
                                                     else L("pw_peak_plan")))
        cells = [Cell(H.term_cell(i18n.term(entries[0][0], "", lang), [t for t, _ in entries])),
                 Cell(Markup("<br>").join(H.clause_quote(e.get("clause", ""), e.get("quote", ""), lang)
                                          for _, e in entries)),
                 Cell(Markup("<br>").join(plans), "num")]
        for y in years:
            r = g.loc[y]
            d = U.target_decimals(str(r["unit"]))
            basis = L(r["basis"], year=r["basis_year"]) if r["basis"] else ""
            cells.append(Cell(Markup('<b>{}</b> <span class="small">{}</span><br>{}<div class="small">{}</div>'
                                     '<div class="small">{}</div>').format(
                U.fmt(r["achieved"], d), r["unit"], H.badge(str(r["status"]), lang), _bound(r, d), basis),
                "ms", {"data-period": str(y), "data-status": str(r["status"])}))
        rows.append(Row(cells, attrs={"data-milestone": str(stem)}))
    return render_table("milestones", head, rows)


def periods_words(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The periods table with its status codes in words (results, solver status, share basis)."""
    out = df.copy()
    for c in ("results", "solver_status", "share_basis"):
        out[c] = [i18n.label(v, lang) if v else "" for v in out[c]]
    return out


def periods_html(df: pd.DataFrame, lang: str) -> str:
    """The periods' folders and links to their single-year reports (relative links)."""
    head = [Cell(i18n.label(k, lang)) for k in ("period", "folder", "results", "solver_status", "share_basis",
                                                "report", "note")]
    rows = []
    for y, r in periods_words(df, lang).iterrows():
        link = (Markup('<a href="{}" data-period-report="{}">{}</a>').format(r["report"], y, r["report"])
                if r["report"] else "—")
        rows.append(Row([Cell(str(y)), Cell(f"{r['folder']}/", "code"), Cell(r["results"]), Cell(r["solver_status"]),
                         Cell(r["share_basis"]), Cell(link, "code"), Cell(r["note"], "small")],
                        attrs={"data-row": str(y)}))
    return render_table("periods", head, rows)


# ----------------------------------------------------------------------------- page one

def plan_html(ds: xr.Dataset, tbl: dict[str, pd.DataFrame], lang: str) -> str:
    """Page one: what to build in each period (by type and by technology, in the plan's units), its
    overnight investment, the discounted total, emissions and their peak, and the milestones not met."""
    L = lambda k, **f: i18n.label(k, lang, **f)  # noqa: E731
    zh = lang == "zh"
    plan = tbl["plan"]
    peak, plateau = peak_period(ds)
    co2 = plan["co2_city_mt"] if "co2_city_mt" in plan else plan["co2_mt"]  # the scope the peak is judged on
    ms = tbl["milestones"]
    n_met, n_not = int((ms["status"] == "met").sum()), int((ms["status"] == "not_met").sum())
    invest = float(plan["overnight_investment_bn_cny"].sum()) * 1e9 if "overnight_investment_bn_cny" in plan \
        else float("nan")
    cards = "".join([
        H.card("plan_new_generation", H.power(float(plan["new_generator_mw"].sum()), lang), lang),
        H.card("new_storage_mw", H.power(float(plan["new_storage_mw"].sum()), lang), lang),
        H.card("plan_new_corridors", H.power(float(plan["new_import_mw"].sum()), lang), lang),
        H.card("plan_investment", H.money(invest, lang) if np.isfinite(invest) else "—", lang),
        H.card("discounted_total_bn_cny", H.money(float(ds.attrs["discounted_total_cost_cny"]), lang), lang),
        H.card("peak_period", f"{peak}" + (" +" if plateau else ""), lang,
                U.fmt(float(co2.max()) * 100, 1) + "万吨" if zh else U.fmt(float(co2.max()), 2) + " Mt"),
        H.card("pw_milestones_met", f"{n_met}", lang),
        H.card("pw_milestones_not_met", f"{n_not}", lang),
    ])
    years = _years(ds)
    out = (f"<p>{H.esc(L('pw_plan_intro', y0=years[0], y1=years[-1]))}</p><div class='cards'>{cards}</div>"
           + table_html("plan", tbl, lang))
    built = tbl["built"]
    rows = [k for k in built.index if k == T.TOTAL or float(built.loc[k].abs().max()) > 1e-6]
    out += f"<h3>{H.esc(L('pw_plan_built'))}</h3>"
    out += (H.table_html("pw_built", built.loc[rows], lang) if len(rows) > 1
            else H.note_html(L("plan_build_none")))
    model_peak = ds.attrs.get("peak_year")
    peak_txt = L("pw_peak_plateau" if plateau else "pw_peak_marker", year=peak)
    model_txt = L("pw_model_no_peak") if model_peak in (None, "none") else L("pw_model_peak", year=model_peak)
    out += f"<h3>{H.esc(L('pw_plan_milestones'))}</h3><p>{H.esc(peak_txt)}. {H.esc(model_txt)}</p>"
    shown = milestone_frame(ms, lang)
    lines = []  # each target not met: the periods it fails in, with the value and the bound that applies
    for tid, g in shown[shown["status"] == "not_met"].groupby("target_id", sort=False):
        d = U.target_decimals(str(g["unit"].iloc[0]))
        fails = [f"{r['period']}: {U.fmt(r['achieved'], d)} {r['unit']} ({_bound(r, d)})" for _, r in g.iterrows()]
        sep, join = ("：", "；") if zh else (": ", "; ")
        lines.append(f"{i18n.term(str(tid), '', lang)}{sep}{join.join(fails)}")
    out += ("<ul class='status' data-group='pw_not_met'>" + "".join(f"<li>{H.esc(x)}</li>" for x in lines) + "</ul>"
            if lines else f"<p>{H.esc(L('pw_plan_all_met'))}</p>")
    return out


# ----------------------------------------------------------------------------- figures

def _scaled(df: pd.DataFrame, kind: str, lang: str) -> pd.DataFrame:
    """The rows of a rows x periods table that its total adds up (those after it are heat, or storage), in a
    figure's axis unit (:data:`units.FIGURE_SCALE`)."""
    rows = df.index[: df.index.get_loc(T.TOTAL)] if T.TOTAL in df.index else df.index
    return df.loc[rows] * U.fig_scale(kind, lang)


def _stack(ax: plt.Axes, x: list[str], df: pd.DataFrame, ds: xr.Dataset, lang: str) -> None:
    """Stacked bars (rows of ``df`` over the columns ``x``), positive upwards and negative downwards."""
    names = T.tech_names(ds)
    pos, neg = np.zeros(len(x)), np.zeros(len(x))
    for i, (k, row) in enumerate(df.iterrows()):
        v = row.to_numpy(dtype=float)
        if np.abs(v).max() <= 1e-9:
            continue
        base = np.where(v >= 0, pos, neg)
        ax.bar(x, v, bottom=base, color=F.color(ds, str(k), i), label=T.row_label(str(k), lang, names), width=0.6,
               edgecolor="white", linewidth=0.5)
        pos += np.where(v >= 0, v, 0)
        neg += np.where(v < 0, v, 0)


def _totals(ax: plt.Axes, x: list[str], totals: Any, digits: int = 1) -> None:
    for xi, t in zip(x, totals, strict=True):
        ax.text(xi, t, F.num(t, f",.{digits}f"), ha="center", va="bottom", fontsize=9)


def _axes(ax: plt.Axes, unit: str, title: str, lang: str) -> None:
    ax.set_ylabel(i18n.label(unit, lang))
    ax.set_xlabel(i18n.label("period", lang))
    ax.set_title(f"{i18n.label(title, lang)} ({i18n.label(unit, lang)})")


def fig_capacity(ds: xr.Dataset, tbl: dict[str, pd.DataFrame], lang: str) -> plt.Figure:
    """Installed capacity stacked by technology per period; built (+) and retired early (−) per period."""
    cap = _scaled(tbl["capacity"], "power", lang)
    x = list(cap.columns)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(13, 5.2), width_ratios=[1.2, 1])
    _stack(a1, x, cap, ds, lang)
    _totals(a1, x, cap.sum(axis=0))
    _axes(a1, "u_power", "pw_fig_capacity", lang)
    a1.set_ylim(top=max(float(cap.clip(lower=0).sum(axis=0).max()), 1e-9) * 1.1)
    change = _scaled(tbl["built"], "power", lang)
    ret = _scaled(tbl["retired"], "power", lang)
    if len(ret):  # cumulative early retirement -> retired during each period
        step = ret.diff(axis=1).fillna(ret.iloc[:, [0]].reindex(columns=ret.columns)).clip(lower=0)
        change = change.sub(step.reindex(change.index).fillna(0.0), fill_value=0.0)
    _stack(a2, x, change, ds, lang)
    a2.axhline(0, color="black", lw=0.8)
    _axes(a2, "u_power", "pw_fig_changes", lang)
    handles, labels = a1.get_legend_handles_labels()
    h2, l2 = a2.get_legend_handles_labels()
    for h, lab in zip(h2, l2, strict=True):
        if lab not in labels:
            handles.append(h)
            labels.append(lab)
    a2.legend(handles[::-1], labels[::-1], loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9)
    fig.tight_layout()
    return fig


def fig_energy(ds: xr.Dataset, tbl: dict[str, pd.DataFrame], meta: pd.DataFrame, lang: str) -> plt.Figure:
    """Generation and imports stacked by source per period, with each period's total."""
    en = _scaled(tbl["energy"].loc[supply_techs(meta)], "energy", lang)
    x = list(en.columns)
    fig, ax = plt.subplots(figsize=(11, 5.2))
    _stack(ax, x, en, ds, lang)
    _totals(ax, x, en.sum(axis=0))
    _axes(ax, "u_energy", "pw_fig_energy", lang)
    ax.set_ylim(top=max(float(en.clip(lower=0).sum(axis=0).max()), 1e-9) * 1.1)
    h, lab = ax.get_legend_handles_labels()
    ax.legend(h[::-1], lab[::-1], loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9)
    return fig


def _status_color(s: str) -> str:
    return {"met": "#2ca02c", "not_met": "#d62728"}.get(s, "#9aa3ad")


def fig_emissions(ds: xr.Dataset, tbl: dict[str, pd.DataFrame], lang: str) -> plt.Figure:
    """CO2 stacked by source per period, the highest period marked, and the plan's carbon peak (碳达峰):
    the 2030 line, the reference level after it and each period's met / not met."""
    f = U.fig_scale("co2", lang)
    em = _scaled(tbl["emissions"], "co2", lang)
    x = list(tbl["emissions"].columns)
    total = tbl["emissions"].loc[T.TOTAL].to_numpy(dtype=float) * f
    fig, ax = plt.subplots(figsize=(11, 5.4))
    _stack(ax, x, em, ds, lang)
    ax.plot(x, total, "o-", color="black", lw=1.4, label=i18n.label("pw_total_co2", lang), zorder=3)
    peak, plateau = peak_period(ds)
    j = x.index(str(peak))
    ax.annotate(i18n.label("pw_peak_plateau" if plateau else "pw_peak_marker", lang, year=peak),
                (j, total[j]), xytext=(0, 18), textcoords="offset points", ha="center", fontsize=10,
                color="#a61b1b", fontweight="bold", arrowprops={"arrowstyle": "->", "color": "#a61b1b"})
    ms = tbl["milestones"]
    pk = ms[ms["milestone"] == PEAK_STEM].set_index("period")
    handles, labels = ax.get_legend_handles_labels()
    if len(pk):
        plan_year = int(pk["plan_year"].iloc[0])
        years = [int(v) for v in x]
        if years[0] <= plan_year <= years[-1]:
            # just after the plan's year on the categorical axis (between periods when it is not one of them)
            pos = float(np.interp(plan_year, years, range(len(years)))) if len(years) > 1 else 0.0
            ax.axvline(pos + (0.4 if plan_year in years else 0.0), color="#a61b1b", ls="--", lw=1.2)
            handles.append(Line2D([], [], color="#a61b1b", ls="--"))
            labels.append(i18n.label("pw_plan_peak_line", lang, year=plan_year))
        ref = pk[pk["basis"].isin(["basis_peak_reference", "basis_peak_no_later"])]
        if len(ref):
            k = x.index(str(ref.index[0]))
            ax.hlines(float(ref["upper"].iloc[0]) * f, k - 0.3, len(x) - 0.6, colors="#a61b1b", linestyles=":",
                      lw=1.5)
            handles.append(Line2D([], [], color="#a61b1b", ls=":"))
            labels.append(i18n.label("pw_peak_level", lang, year=ref.index[0]))
        top = float(np.nanmax(total)) if len(total) else 1.0
        for y, r in pk.iterrows():
            if r["status"] in ("met", "not_met"):
                k = x.index(str(y))
                ax.text(k, -0.07 * top, i18n.label(r["status"], lang), ha="center", va="top", fontsize=9,
                        color=_status_color(r["status"]), fontweight="bold")
        ax.set_ylim(bottom=-0.14 * top, top=top * 1.25)
    ax.axhline(0, color="black", lw=0.6)
    _axes(ax, "u_co2", "pw_fig_emissions", lang)
    ax.legend(handles[::-1], labels[::-1], loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9)
    return fig


def fig_shares(tbl: dict[str, pd.DataFrame], lang: str) -> plt.Figure:
    """Coal and non-fossil shares per period against the limits that apply (55 % ceiling, 13 % floor)."""
    sh = tbl["shares"]
    x = [str(y) for y in sh.index]
    fig, ax = plt.subplots(figsize=(11, 5.0))
    for stem, bound, col in (("coal_share", "coal_limit_pct", "#4d4d4d"),
                             ("nonfossil_share", "nonfossil_floor_pct", "#59a14f")):
        v = sh[f"{stem}_pct"].to_numpy(dtype=float)
        ax.plot(x, v, "o-", color=col, lw=2, label=i18n.label(f"{stem}_pct", lang))
        b = sh[bound].to_numpy(dtype=float)
        if np.isfinite(b).any():
            values = ", ".join(f"{v:g} %" for v in dict.fromkeys(b[np.isfinite(b)].round(6).tolist()))
            ax.step(x, b, where="mid", color=col, ls="--", lw=1.2, label=f"{i18n.label(bound, lang)}: {values}")
        for xi, vi, s in zip(x, v, sh[f"{stem}_status"], strict=True):
            ax.scatter([xi], [vi], s=90, facecolor="none", edgecolor=_status_color(s), linewidth=2, zorder=4)
            ax.annotate(f"{vi:.1f} %", (xi, vi), xytext=(6, 6), textcoords="offset points", fontsize=9)
    handles, labels = ax.get_legend_handles_labels()
    handles += [Line2D([], [], marker="o", ls="", markerfacecolor="none", markeredgecolor=_status_color(s),
                       markeredgewidth=2) for s in ("met", "not_met")]
    labels += [i18n.label("met", lang), i18n.label("not_met", lang)]
    ax.set_ylim(bottom=0, top=max(100.0 if sh.filter(like="_pct").max().max() > 60 else 70.0, 1.0))
    ax.set_ylabel("%")
    ax.set_xlabel(i18n.label("period", lang))
    ax.set_title(i18n.label("pw_fig_shares", lang))
    ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9)
    return fig


def fig_cost(tbl: dict[str, pd.DataFrame], lang: str) -> plt.Figure:
    """Annual cost by component per period and the discounted total, split."""
    f = U.fig_scale("cost", lang)
    cost = _scaled(tbl["cost"], "cost", lang)
    x = list(cost.columns)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(13, 5.0), width_ratios=[1.1, 1])
    pos = np.zeros(len(x))
    for c, row in cost.iterrows():
        v = row.to_numpy(dtype=float)
        if np.abs(v).max() <= 1e-12:
            continue
        a1.bar(x, v, bottom=pos, color=F._COMPONENT_COLORS.get(str(c), "#888888"), label=i18n.label(str(c), lang),
               width=0.6)
        pos += v
    _totals(a1, x, pos, 2)
    _axes(a1, "u_cost", "pw_fig_cost", lang)
    a1.set_ylim(top=max(float(pos.max()), 1e-9) * 1.12)
    h, lab = a1.get_legend_handles_labels()
    a1.legend(h[::-1], lab[::-1], loc="upper left", fontsize=9)
    d = tbl["discounted"]["discounted_cost_bn_cny"] * 1e3 * f  # bn CNY -> M CNY -> the axis unit
    items = [k for k in d.index if k != T.TOTAL]
    names = [i18n.label("pw_operation_in", lang, year=k) if k in x else i18n.label(k, lang) for k in items]
    vals = d.loc[items].to_numpy(dtype=float)
    left = np.concatenate([[0.0], np.cumsum(vals)[:-1]])
    y = np.arange(len(items) + 1)[::-1]
    cols = ["#4e79a7"] * len(x) + ["#e15759"] * (len(items) - len(x))
    a2.barh(y[:-1], vals, left=left, color=cols)
    a2.barh(y[-1], float(d.loc[T.TOTAL]), color="#1d2733")
    for yi, lf, v in zip(y[:-1], left, vals, strict=True):
        a2.text(lf + v, yi, " " + F.num(v, ",.1f"), va="center", fontsize=9)
    a2.text(float(d.loc[T.TOTAL]), y[-1], " " + F.num(float(d.loc[T.TOTAL]), ",.1f"), va="center", fontsize=9,
            fontweight="bold")
    a2.set_yticks(y, [*names, i18n.label("discounted_total", lang)])
    a2.set_xlabel(i18n.label("pw_ax_discounted", lang))
    a2.set_title(i18n.label("pw_fig_discounted", lang))
    a2.margins(x=0.18)
    fig.tight_layout()
    return fig


def fig_milestones(tbl: dict[str, pd.DataFrame], lang: str) -> plt.Figure | None:
    """One panel per capacity milestone: capacity per period, the bound that applies, met / not met."""
    ms = milestone_frame(tbl["milestones"], lang)
    cap = ms[(tbl["milestones"]["unit"] == "GW") & ms["achieved"].notna()]
    stems = list(dict.fromkeys(cap["milestone"]))
    if not stems:
        return None
    n = len(stems)
    ncol = min(3, n)
    nrow = -(-n // ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(4.3 * ncol, 3.3 * nrow), squeeze=False)
    for ax, stem in zip(axes.ravel(), stems, strict=False):
        g = cap[cap["milestone"] == stem]
        x = [str(p) for p in g["period"]]
        v = g["achieved"].to_numpy(dtype=float)
        ax.bar(x, v, color=[_status_color(s) for s in g["status"]], width=0.6, alpha=0.85)
        for xi, vi in zip(x, v, strict=True):
            ax.text(xi, vi, F.num(vi, ",.2f"), ha="center", va="bottom", fontsize=8)
        for k, (_, r) in enumerate(g.iterrows()):
            for b, ls in (("lower", "--"), ("upper", ":")):
                if np.isfinite(r[b]):
                    ax.hlines(r[b], k - 0.4, k + 0.4, colors="black", linestyles=ls, lw=1.4)
        ax.set_title(i18n.term(str(g["target_id"].iloc[0]), "", lang), fontsize=11)
        ax.set_ylabel(i18n.label("u_power", lang))
        ax.margins(y=0.15)
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    handles = [Patch(color=_status_color(s), label=i18n.label(k, lang)) for s, k in
               (("met", "met"), ("not_met", "not_met"), ("other", "not_applicable"))]
    handles += [Line2D([], [], color="black", ls="--", label=i18n.label("pw_bound_lower", lang)),
                Line2D([], [], color="black", ls=":", label=i18n.label("pw_bound_upper", lang))]
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), bbox_to_anchor=(0.5, -0.02), fontsize=9)
    fig.suptitle(i18n.label("pw_fig_milestones", lang), fontweight="bold")
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig


def make_figures(ds: xr.Dataset, tbl: dict[str, pd.DataFrame], meta: pd.DataFrame, out_dir: Path, lang: str
                 ) -> list[F.FigureInfo]:
    """Draw every figure of the pathway report as PNG into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    flang = F.figure_lang(lang)
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    figs: list[F.FigureInfo] = []
    todo = [
        ("milestones", "pw_sec_milestones", lambda: fig_milestones(tbl, flang), "pw_fig_milestones"),
        ("capacity", "pw_sec_capacity", lambda: fig_capacity(ds, tbl, flang), "pw_fig_capacity"),
        ("generation", "pw_sec_energy", lambda: fig_energy(ds, tbl, meta, flang), "pw_fig_energy"),
        ("emissions", "pw_sec_emissions", lambda: fig_emissions(ds, tbl, flang), "pw_fig_emissions"),
        ("shares", "pw_sec_shares", lambda: fig_shares(tbl, flang), "pw_fig_shares"),
        ("cost", "pw_sec_cost", lambda: fig_cost(tbl, flang), "pw_fig_cost"),
    ]
    for key, section, make, title in todo:
        with plt.rc_context(F._rc(flang)):
            fig = make()
            if fig is None:
                continue
            path = F._save(fig, out_dir / f"{key}.png")
        figs.append(F.FigureInfo(key, section, path, i18n.label(title, lang)))
    return figs


# ----------------------------------------------------------------------------- page

def render(ds: xr.Dataset, tbl: dict[str, pd.DataFrame], figs: list[F.FigureInfo], meta: pd.DataFrame,
           targets: dict[str, Any], lang: str, *, folder: Path, notes: list[str]) -> str:
    """The pathway report page as a string."""
    L = lambda k, **f: i18n.label(k, lang, **f)  # noqa: E731
    by_sec: dict[str, list[F.FigureInfo]] = {}
    for f in figs:
        by_sec.setdefault(f.section, []).append(f)

    def figs_of(sec: str) -> str:
        return "".join(H.figure_html(f) for f in by_sec.get(sec, []))

    def h3(key: str) -> str:
        return f"<h3>{H.esc(L(key))}</h3>"

    parts: dict[str, str] = {}
    pre = "".join(H.note_html(n) for n in notes)
    parts["pw_sec_plan"] = (pre + plan_html(ds, tbl, lang) + h3("pw_trajectory") + table_html("trajectory", tbl, lang))
    parts["pw_sec_milestones"] = (f"<p class='rule'>{H.esc(L('pw_rule'))}</p>"
                                  + milestones_html(tbl["milestones"], targets, lang) + figs_of("pw_sec_milestones"))
    parts["pw_sec_capacity"] = (
        h3("pw_capacity_installed") + table_html("capacity", tbl, lang)
        + h3("pw_capacity_built") + table_html("built", tbl, lang) + h3("pw_capacity_retired")
        + (table_html("retired", tbl, lang) if len(tbl["retired"]) > 1 else H.note_html(L("pw_no_retirement")))
        + figs_of("pw_sec_capacity"))
    energy_note = "" if (meta["kind"] != "").any() else H.note_html(L("pw_kinds_unknown"))
    parts["pw_sec_energy"] = (energy_note + table_html("energy", tbl, lang) + h3("pw_mix")
                              + table_html("mix", tbl, lang) + figs_of("pw_sec_energy"))
    parts["pw_sec_emissions"] = table_html("emissions", tbl, lang) + figs_of("pw_sec_emissions")
    parts["pw_sec_shares"] = table_html("shares", tbl, lang) + figs_of("pw_sec_shares")
    capex_note = L("pw_capex_note_" + str(ds.attrs.get("foresight", "perfect")))
    disc_note = L("pw_discounted_note", r=float(ds.attrs.get("discount_rate", 0)), y0=ds.attrs.get("base_year", ""))
    parts["pw_sec_cost"] = (H.note_html(capex_note) + table_html("cost", tbl, lang) + h3("pw_discounted")
                            + f"<p class='small'>{H.esc(disc_note)}</p>" + table_html("discounted", tbl, lang)
                            + figs_of("pw_sec_cost"))
    parts["pw_sec_periods"] = f"<p>{H.esc(L('pw_periods_intro'))}</p>" + periods_html(tbl["periods"], lang)
    rows = [Row([Cell(L(k)), Cell(v, "code")])
            for k, v in zip(tbl["metadata"]["item"], tbl["metadata"]["value"], strict=True)]
    parts["pw_sec_metadata"] = (
        f"<div class='metablock'>{render_table('metadata', [], rows, wrap='metatable')}</div>"
        f"<p class='small'>{H.esc(L('results_file'))}: <span class='code'>{H.esc(folder / 'pathway.nc')}</span><br>"
        f"{H.esc(L('report_generated'))}: {H.esc(datetime.now(UTC).isoformat(timespec='seconds'))}</p>"
        f"<details><summary>{H.esc(L('pw_config'))}</summary><pre>{H.esc(ds.attrs.get('pathway_yaml', ''))}</pre>"
        "</details>")

    scen = ds.attrs.get("scenario", "")
    years = _years(ds)
    title = f"{L('pw_report_title')}: {scen} ({years[0]}–{years[-1]})"
    sub = (f"{L('period')}: {', '.join(str(y) for y in years)} · "
           f"{L('foresight')}: {L('foresight_' + str(ds.attrs.get('foresight', '')))} · "
           f"{L('discount_rate')}: {float(ds.attrs.get('discount_rate', 0)):.1%}")
    return render_page(lang=lang, title=title, subtitles=[sub, f"{L('pw_tables_note')} {L('excel_note')}"],
                       toc_title=L("toc"), sections=[Section(s, L(s), Markup(parts.get(s, ""))) for s in SECTIONS],
                       css=H.CSS, head_script=H.HEAD_SCRIPT, load_script=H.LOAD_SCRIPT)


# ----------------------------------------------------------------------------- Excel

def _sheet(name: str, tbl: dict[str, pd.DataFrame], lang: str) -> tuple[pd.DataFrame, dict[str, int | list[int]]]:
    """A table's sheet and its columns' decimals: the annual report's for the shown tables, the milestones and
    periods in their own words."""
    if name in SHOWN:
        return X.table_sheet(SHOWN[name], tbl[name], lang)
    L = lambda k, **f: i18n.label(k, lang, **f)  # noqa: E731
    if name == "periods":
        out = periods_words(tbl["periods"], lang).reset_index()
        out.columns = [L(str(c)) for c in out.columns]
        return out, {}
    ms = tbl["milestones"]
    out = milestone_frame(ms, lang)
    out.insert(1, "term", [i18n.term(t, "", lang) for t in out["target_id"]])
    out["status"] = [L(s) for s in out["status"]]
    out["basis"] = [L(b, year=y) if b else "" for b, y in zip(out["basis"], out["basis_year"], strict=True)]
    out["sense"] = out["sense"].replace(T.SENSE)
    out = out.drop(columns=["basis_year"])
    out.columns = [_code_header(str(c), lang) if c in ("milestone", "target_id") else L(str(c)) for c in out.columns]
    digits = [U.target_decimals(str(u)) for u in ms["unit"]]
    return out, {L(c): digits for c in ("plan_value", "lower", "upper", "achieved")}


def _code_header(key: str, lang: str) -> str:
    """Header of a column of codes (ids, program values): marked as such in Chinese."""
    return f"{i18n.label(key, lang)}（代码）" if lang == "zh" else i18n.label(key, lang)


def write_workbook(ds: xr.Dataset, tbl: dict[str, pd.DataFrame], path: Path, lang: str) -> Path:
    """Every table (display headers, numbers in the display units of ``lang``, rounded and formatted) and the
    pathway config, one sheet each."""
    sheets: dict[str, pd.DataFrame] = {}
    digits: dict[str, dict[str, int | list[int]]] = {}
    for n in SHEETS:
        key = i18n.label(f"pw_sheet_{n}", lang)[:31]
        sheets[key], digits[key] = _sheet(n, tbl, lang)
    meta = tbl["metadata"]
    values = [i18n.label(f"foresight_{v}", lang) if k == "foresight" else v for k, v in zip(meta["item"], meta["value"],
                                                                                          strict=True)]
    sheets[X.sheet_name("metadata", lang)] = pd.DataFrame({i18n.label("item", lang): [i18n.label(k, lang) for k in
                                                                                      meta["item"]],
                                                           _code_header("value", lang): values})
    sheets[X.sheet_name("config", lang)] = pd.DataFrame(
        {"pathway.yaml": str(ds.attrs.get("pathway_yaml", "")).splitlines()})
    return X.write_sheets(sheets, path, digits)


# ----------------------------------------------------------------------------- build

def build_period_reports(periods: list[Period], lang: str) -> None:
    """The single-year report of each period with usable results, in its own folder (a failure is noted)."""
    from optimizer.report import build_report

    for per in periods:
        if per.ds is None:
            per.report_note = per.detail
            continue
        try:
            per.report = build_report(per.folder, None, lang)
        except OptimizerError as err:
            per.report, per.report_note = None, str(err).splitlines()[0]


def build_pathway_report(folder: Path, out_dir: Path | None = None, lang: str = "en", *,
                         period_reports: bool = True) -> Path:
    """Write the pathway report of ``folder`` (or of a ``pathway.nc``) into ``out_dir`` (default
    ``<folder>/report``), after building each period's single-year report; return report.html's path.

    Built in a temporary sibling folder renamed into place when complete.
    """
    if lang not in i18n.LANGS:
        raise InputError(f"unknown language {lang!r}; use one of {', '.join(i18n.LANGS)}", field="--lang")
    folder = Path(folder)
    ds = load_pathway_results(folder)
    base = folder if folder.is_dir() else folder.parent
    out = Path(out_dir) if out_dir is not None else base / "report"
    periods = _periods(ds, base)
    if period_reports:
        build_period_reports(periods, lang)
    else:  # link the reports already there
        for per in periods:
            html_path = per.folder / "report" / "report.html"
            per.report = html_path if per.ds is not None and html_path.is_file() else None
    meta = tech_meta(ds, periods)
    targets = plan_targets(periods)
    with built_in_place(out, what="report") as tmp:
        tbl = all_tables(ds, periods, out, targets)
        figs = make_figures(ds, tbl, meta, tmp / "figures", lang)
        notes = []
        if lang == "zh" and F.figure_lang(lang) != "zh":
            notes.append(i18n.label("no_cjk_font_note", lang))
        missing = [p for p in periods if p.ds is None]
        if missing:
            notes.append(i18n.label("pw_missing_periods", lang, years=", ".join(str(p.year) for p in missing)))
        page = render(ds, tbl, figs, meta, targets, lang, folder=base.resolve(), notes=notes)
        (tmp / "report.html").write_text(page, encoding="utf-8")
        write_workbook(ds, tbl, tmp / "report.xlsx", lang)
    return out / "report.html"
