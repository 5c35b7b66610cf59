"""The report's figures: matplotlib (Agg backend) PNGs drawn from the results Dataset.

Each figure has a title, axis labels with units and a legend where it has more than one series.
Chinese labels need a CJK font known to matplotlib (:func:`cjk_font`); without one, figures are
labelled in English and the report says so.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # before pyplot: no display needed

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import xarray as xr
from matplotlib import font_manager
from matplotlib.patches import Patch

from optimizer.report import i18n
from optimizer.report import tables as T
from optimizer.report import units as U

DPI = 150  # sharp enough for slides; the page scales the images down
_CJK_NAMES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN", "WenQuanYi Micro Hei",
              "WenQuanYi Zen Hei", "Microsoft YaHei", "SimHei", "PingFang SC", "Hiragino Sans GB",
              "Droid Sans Fallback", "AR PL UMing CN", "AR PL UKai CN", "Noto Sans CJK JP")

_CARRIER_COLORS = {
    "coal": "#4d4d4d", "gas": "#f28e2b", "solar": "#f6c85f", "wind": "#76b7b2", "biomass": "#59a14f",
    "hydro": "#1f5fa8", "grid_mix": "#9467bd", "electricity": "#e377c2",
}
#: colours of what is no technology-table row (technologies: their table's ``color``, else their carrier's)
UNSERVED_COLOR = "#d62728"
CHARGING_COLOR = "#e377c2"
_COMPONENT_COLORS = {"capex": "#4e79a7", "fom": "#a0cbe8", "vom": "#f28e2b", "fuel": "#7f7f7f",
                     "import": "#9467bd", "carbon": "#59a14f", "unserved": "#d62728"}
# order of the dispatch stack from the bottom: baseload first, weather-driven last
_STACK_ORDER = {"coal": 0, "biomass": 1, "hydro": 2, "grid_mix": 3, "gas": 4, "electricity": 5, "wind": 6, "solar": 7}


@dataclass
class FigureInfo:
    """One figure of the report: its section, file name, title and notes (i18n keys with arguments)."""

    key: str
    section: str
    path: Path
    title: str
    notes: list[str] = field(default_factory=list)


#: the report's own CJK font (a GB 2312 subset of WenQuanYi Micro Hei, Apache-2.0; fonts/README.md)
BUNDLED_FONT = Path(__file__).with_name("fonts") / "ReportCJKSans-Regular.ttf"


@lru_cache(maxsize=1)
def bundled_font() -> str | None:
    """Register the report's bundled CJK font with matplotlib; its family name, None if the file is missing."""
    if not BUNDLED_FONT.is_file():
        return None
    try:
        font_manager.fontManager.addfont(str(BUNDLED_FONT))
        return font_manager.FontProperties(fname=str(BUNDLED_FONT)).get_name()
    except (OSError, RuntimeError, ValueError):
        return None


def cjk_fonts() -> list[str]:
    """The CJK fonts figures are drawn with, first choice first: the bundled font (the same figures on every
    machine, pip-only installs included), then a system CJK font for characters outside its subset."""
    return [f for f in (bundled_font(), system_cjk_font()) if f]


def cjk_font() -> str | None:
    """Name of a font matplotlib knows that can draw Chinese, or None."""
    fonts = cjk_fonts()
    return fonts[0] if fonts else None


@lru_cache(maxsize=1)
def system_cjk_font() -> str | None:
    """Name of a font installed on the machine that can draw Chinese, or None."""
    names = {f.name for f in font_manager.fontManager.ttflist if Path(f.fname) != BUNDLED_FONT}
    for n in _CJK_NAMES:
        if n in names:
            return n
    for n in sorted(names):
        if any(k in n for k in ("CJK", "WenQuanYi", "Han Sans", "YaHei", "SimHei", "Heiti")):
            return n
    # a font installed after matplotlib built its font cache is not in the list yet: look for one on disk
    for path in font_manager.findSystemFonts():
        low = Path(path).name.lower()
        if any(k in low for k in ("wqy", "notosanscjk", "notoserifcjk", "droidsansfallback", "sourcehansans")):
            try:
                font_manager.fontManager.addfont(path)
                return font_manager.FontProperties(fname=path).get_name()
            except (OSError, RuntimeError, ValueError):
                continue
    return None


def figure_lang(lang: str) -> str:
    """The language figures are labelled in: Chinese only where a CJK font is available."""
    return "zh" if lang == "zh" and cjk_font() else "en"


def _rc(lang: str) -> dict[str, object]:
    rc: dict[str, object] = {
        "figure.dpi": DPI, "savefig.dpi": DPI, "font.size": 10, "axes.titlesize": 12, "axes.titleweight": "bold",
        "axes.grid": True, "grid.alpha": 0.3, "axes.spines.top": False, "axes.spines.right": False,
        "legend.frameon": False, "axes.unicode_minus": False,
    }
    fonts = cjk_fonts() if lang == "zh" else []
    if fonts:
        rc["font.sans-serif"] = [*fonts, "DejaVu Sans"]  # glyph by glyph: the next font where one lacks it
        rc["font.family"] = "sans-serif"
    return rc


def color(ds: xr.Dataset, name: str, n: int = 0) -> str:
    """Colour of a technology: the technology table's (``color``), else its carrier's, else a palette colour."""
    if "technology_color" in ds.coords and name in ds["technology"].values:
        own = str(ds["technology_color"].sel(technology=name).item())
        if own:
            return "#" + own
    if name == "unserved":
        return UNSERVED_COLOR
    carrier = ds["carrier"].to_series().get(name)
    if carrier in _CARRIER_COLORS:
        return _CARRIER_COLORS[carrier]
    return plt.get_cmap("tab20")(n % 20)


def num(v: float, spec: str = ",.2f") -> str:
    """A number for a figure label, without a minus sign on a value that rounds to zero."""
    out = format(float(v), spec)
    return out[1:] if out.startswith("-") and out.strip("-0.,") == "" else out


def _save(fig: plt.Figure, path: Path) -> Path:
    fig.savefig(path, dpi=DPI, bbox_inches="tight", metadata={"Software": None}, facecolor="white")
    plt.close(fig)
    return path


def _empty(ax: plt.Axes, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, fontsize=12, color="#555555")
    ax.set_xticks([])
    ax.set_yticks([])


# ----------------------------------------------------------------------------- annual bars

def fig_capacity(ds: xr.Dataset, lang: str) -> plt.Figure:
    """Horizontal bars: existing and new power capacity by technology (GW)."""
    cap = T.capacity_table(ds)
    cap = cap[[not T.is_total_row(k) for k in cap.index]]
    fig, ax = plt.subplots(figsize=(10, 0.45 * len(cap) + 1.6))
    y = np.arange(len(cap))[::-1]
    f = U.fig_scale("power", lang)
    ex, new = cap["existing_mw"].to_numpy() * f, cap["new_mw"].to_numpy() * f
    ax.barh(y, ex, color="#7f9fbf", label=i18n.label("existing", lang))
    ax.barh(y, new, left=ex, color="#e15759", label=i18n.label("new", lang))
    for yi, e, n in zip(y, ex, new, strict=True):
        ax.text(e + n, yi, " " + num(e + n), va="center", fontsize=9)
    ax.set_yticks(y, [T.tech_label(ds, t, lang) for t in cap.index])
    ax.set_xlabel(i18n.label("u_power", lang))
    ax.set_title(i18n.label("fig_capacity", lang) + f" ({i18n.label('u_power', lang)})")
    ax.margins(x=0.12)
    ax.legend(loc="lower right")
    return fig


def fig_energy(ds: xr.Dataset, lang: str) -> plt.Figure:
    """Horizontal bars: annual energy by source (TWh/yr), storage charging negative, curtailment hatched."""
    en = T.energy_table(ds).drop(index=T.TOTAL)
    en = en[(en["energy_gwh"].abs() > 1e-9) | (en["curtailment_gwh"].fillna(0) > 1e-9) | (en["kind"] != "unserved")]
    fig, ax = plt.subplots(figsize=(10, 0.42 * len(en) + 1.6))
    y = np.arange(len(en))[::-1]
    f = U.fig_scale("energy", lang)
    vals = en["energy_gwh"].to_numpy() * f
    base = [k[: -len(T.CHARGE_SUFFIX)] if k.endswith(T.CHARGE_SUFFIX) else k for k in en.index]
    ax.barh(y, vals, color=[color(ds, b, i) for i, b in enumerate(base)])
    curt = en["curtailment_gwh"].fillna(0).to_numpy() * f
    if curt.sum() > 1e-6 * max(1.0, float(np.abs(vals).sum())):  # more than round-off
        ax.barh(y, curt, left=np.maximum(vals, 0), color="none", edgecolor="#b8860b", hatch="///",
                label=i18n.label("curtailment", lang))
        ax.legend(loc="lower right")
    for yi, v in zip(y, vals, strict=True):
        ax.text(max(v, 0), yi, " " + num(v), va="center", fontsize=9)
    ax.axvline(0, color="black", lw=0.8)
    names = T.tech_names(ds)
    ax.set_yticks(y, [T.row_label(k, lang, names) for k in en.index])
    ax.set_xlabel(i18n.label("u_energy", lang))
    ax.set_title(i18n.label("fig_energy", lang) + f" ({i18n.label('u_energy', lang)})")
    ax.margins(x=0.12)
    return fig


def fig_emissions(ds: xr.Dataset, lang: str) -> plt.Figure:
    """Horizontal bars: annual CO2 by emitting technology (Mt/yr)."""
    em = T.emissions_table(ds).drop(index=T.TOTAL)
    em = em[em["emissions_mt"] > 0]
    fig, ax = plt.subplots(figsize=(10, 0.5 * max(len(em), 1) + 1.6))
    if em.empty:
        _empty(ax, "0 " + i18n.label("u_co2", lang))
    else:
        y = np.arange(len(em))[::-1]
        v = em["emissions_mt"].to_numpy() * U.fig_scale("co2", lang)
        ax.barh(y, v, color=[color(ds, t, i) for i, t in enumerate(em.index)])
        for yi, vi, s in zip(y, v, em["share_pct"], strict=True):
            ax.text(vi, yi, f" {num(vi)} ({num(s, '.0f')}%)", va="center", fontsize=9)
        ax.set_yticks(y, [T.tech_label(ds, t, lang) for t in em.index])
        ax.margins(x=0.15)
    ax.set_xlabel(i18n.label("u_co2", lang))
    ax.set_title(i18n.label("fig_emissions", lang) + f" ({i18n.label('u_co2', lang)})")
    return fig


def fig_cost(ds: xr.Dataset, lang: str) -> plt.Figure:
    """Two panels: annual cost by component, and by technology stacked by component (bn CNY/yr)."""
    comp = T.cost_by_component(ds).drop(index=T.TOTAL)
    tech = T.cost_by_technology(ds).drop(index=T.TOTAL).drop(columns=T.TOTAL)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, 0.42 * len(tech) + 2.2), width_ratios=[1, 1.4])
    y = np.arange(len(comp))[::-1]
    f = U.fig_scale("cost", lang)
    v = comp["cost_m_cny"].to_numpy() * f
    a1.barh(y, v, color=[_COMPONENT_COLORS.get(c, "#888888") for c in comp.index])
    for yi, vi in zip(y, v, strict=True):
        a1.text(vi, yi, " " + num(vi), va="center", fontsize=9)
    a1.set_yticks(y, [i18n.label(c, lang) for c in comp.index])
    a1.set_xlabel(i18n.label("u_cost", lang))
    a1.set_title(i18n.label("fig_cost", lang))
    a1.margins(x=0.2)
    y2 = np.arange(len(tech))[::-1]
    left = np.zeros(len(tech))
    for c in tech.columns:
        vals = tech[c].to_numpy() * f
        if np.abs(vals).sum() == 0:
            continue
        a2.barh(y2, vals, left=left, color=_COMPONENT_COLORS.get(c, "#888888"), label=i18n.label(c, lang))
        left += vals
    for yi, total in zip(y2, left, strict=True):  # each technology's total at the end of its bar
        a2.text(max(total, 0.0), yi, " " + num(total), va="center", fontsize=9)
    if len(left) and float(left.max()) > 0:  # room for the labels right of the longest bar
        a2.set_xlim(right=float(left.max()) * 1.15)
    a2.set_yticks(y2, [T.tech_label(ds, t, lang) for t in tech.index])
    a2.set_xlabel(i18n.label("u_cost", lang))
    a2.set_title(i18n.label("fig_cost_tech", lang))
    a2.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9)
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------- hourly

_WEEKDAYS = {"en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
             "zh": ("周一", "周二", "周三", "周四", "周五", "周六", "周日")}


def _date_axis(ax: plt.Axes, span_days: float, lang: str = "en") -> None:
    if span_days <= 1.5:  # one day: the hours
        ax.xaxis.set_major_locator(mdates.HourLocator(byhour=range(0, 24, 3)))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M"))
    elif span_days <= 10:
        names = _WEEKDAYS.get(lang, _WEEKDAYS["en"])

        def day_label(x: float, _pos: int | None = None) -> str:
            d = mdates.num2date(x)
            return f"{d:%m-%d}\n{names[d.weekday()]}" if span_days <= 8 else f"{d:%m-%d}"

        ax.xaxis.set_major_locator(mdates.DayLocator())
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(day_label))
    else:
        ax.xaxis.set_major_locator(mdates.AutoDateLocator())
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))


def fig_dispatch(ds: xr.Dataset, week: T.Week, lang: str) -> plt.Figure:
    """Hourly dispatch stack of one week (GW): supply stacked above zero, storage charging below,
    curtailment hatched on top of the stack, load and load + charging as lines."""
    df = T.dispatch_frame(ds, week.start, week.end) * U.fig_scale("power", lang)
    carrier = ds["carrier"].to_series()
    supply = [c for c in df.columns if c not in ("load", "curtailment", "unserved") and not c.endswith(
        T.CHARGE_SUFFIX)]
    supply.sort(key=lambda c: (_STACK_ORDER.get(carrier.get(c, ""), 9), c))
    supply = [c for c in supply if df[c].abs().max() > 1e-6]
    if df["unserved"].max() > 1e-6:
        supply.append("unserved")
    charge = [c for c in df.columns if c.endswith(T.CHARGE_SUFFIX)]
    x = df.index
    fig, ax = plt.subplots(figsize=(12, 5.2))
    handles = []
    if supply:
        ax.stackplot(x, *[df[c].to_numpy() for c in supply], colors=[color(ds, c, i) for i, c in enumerate(supply)],
                     linewidth=0)
        handles += [Patch(color=color(ds, c, i), label=T.tech_label(ds, c, lang)) for i, c in enumerate(supply)]
    top = df[supply].sum(axis=1).to_numpy() if supply else np.zeros(len(df))
    curt = df["curtailment"].to_numpy()
    ax.fill_between(x, top, top + curt, facecolor="none", edgecolor="#b8860b", hatch="///", linewidth=0)
    suffix_none = " (0)" if curt.max() <= 1e-6 else ""
    handles.append(Patch(facecolor="none", edgecolor="#b8860b", hatch="///",
                         label=i18n.label("curtailment", lang) + suffix_none))
    chg = df[charge].sum(axis=1).to_numpy() if charge else np.zeros(len(df))
    ax.fill_between(x, chg, 0, color=CHARGING_COLOR, alpha=0.55, linewidth=0)
    handles.append(Patch(color=CHARGING_COLOR, alpha=0.55,
                         label=i18n.label("storage_charging", lang) + (" (0)" if chg.min() >= -1e-6 else "")))
    (ln,) = ax.plot(x, df["load"].to_numpy(), color="black", lw=1.6, label=i18n.label("load", lang))
    (ln2,) = ax.plot(x, df["load"].to_numpy() - chg, color="black", lw=1.0, ls="--",
                     label=i18n.label("load_plus_charging", lang))
    handles += [ln, ln2]
    ax.axhline(0, color="black", lw=0.6)
    ax.set_ylabel(i18n.label("ax_power_gw", lang))
    span = (x[-1] - x[0]).total_seconds() / 86400 if len(x) > 1 else 1
    ax.set_xlabel(i18n.label("ax_date" if span > 1.5 else "ax_hour", lang))
    _date_axis(ax, span, lang)
    if len(x) > 1:
        ax.set_xlim(x[0], x[-1])
    start, end = x[0].strftime("%Y-%m-%d"), x[-1].strftime("%Y-%m-%d")
    when = start if start == end else f"{start} – {end}"
    ax.set_title(f"{i18n.label(T.week_title(week), lang)}: {when} ({i18n.label('u_power', lang)})")
    n_stack = len(supply)
    handles = handles[:n_stack][::-1] + handles[n_stack:]  # top of the stack first, as drawn
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9)
    return fig


def fig_soc(ds: xr.Dataset, lang: str) -> plt.Figure:
    """State of charge of each storage over the results period (GWh), energy capacity dashed."""
    f = U.fig_scale("stored", lang)
    soc = T.soc_frame(ds) * f
    fig, ax = plt.subplots(figsize=(12, 4.0))
    cap = ds["energy_capacity_total_mwh"].to_series() * f
    for i, s in enumerate(soc.columns):
        c = color(ds, s, i)
        ax.plot(soc.index, soc[s].to_numpy(), color=c, lw=0.8, label=T.tech_label(ds, s, lang))
        ax.axhline(float(cap[s]), color=c, ls="--", lw=1.0,
                   label=f"{T.tech_label(ds, s, lang)}: {i18n.label('energy_capacity', lang)} {float(cap[s]):,.2f}")
    ax.set_ylim(bottom=min(0.0, float(soc.min().min()) if soc.size else 0.0),
                top=max(float(cap.max()) * 1.1 if len(cap) else 1.0, 1e-3))
    ax.set_ylabel(i18n.label("ax_soc", lang))
    ax.set_xlabel(i18n.label("ax_date", lang))
    span = (soc.index[-1] - soc.index[0]).total_seconds() / 86400 if len(soc) > 1 else 1
    _date_axis(ax, span, lang)
    ax.set_title(i18n.label("fig_soc", lang) + f" ({i18n.label('u_stored', lang)})")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9)
    return fig


def fig_duration(ds: xr.Dataset, lang: str) -> plt.Figure:
    """Load and net-load (load − PV − wind available) duration curves (GW against hours of the year)."""
    d = T.duration_frame(ds)
    fig, ax = plt.subplots(figsize=(12, 4.2))
    f = U.fig_scale("power", lang)
    ax.plot(d["hours_load"], d["load_mw"] * f, color="black", lw=1.6, label=i18n.label("load", lang))
    ax.plot(d["hours_net_load"], d["net_load_mw"] * f, color="#e15759", lw=1.4, label=i18n.label("net_load", lang))
    ax.axhline(0, color="black", lw=0.6)
    ax.set_xlim(0, float(d["hours_load"].max()) if len(d) else 1)
    ax.set_xlabel(i18n.label("ax_hours_exceeded", lang))
    ax.set_ylabel(i18n.label("ax_power_gw", lang))
    ax.set_title(i18n.label("fig_duration", lang) + f" ({i18n.label('u_power', lang)})")
    ax.legend(loc="upper right")
    return fig


def fig_imports(ds: xr.Dataset, lang: str) -> plt.Figure:
    """Duration curve of each import corridor's flow (GW against hours of the year), capacity dashed."""
    w = T.weights(ds)
    fig, ax = plt.subplots(figsize=(12, 4.0))
    cors = ds["corridor"].values.astype(str)
    for i, c in enumerate(cors):
        v = ds["import_mw"].sel(corridor=c).values
        o = np.argsort(-v, kind="stable")
        col = color(ds, c, i)
        f = U.fig_scale("power", lang)
        ax.plot(np.cumsum(w[o]), v[o] * f, color=col, lw=1.5, label=T.tech_label(ds, c, lang))
        ax.axhline(float(ds["capacity_total_mw"].sel(technology=c)) * f, color=col, ls="--", lw=0.8)
    if not len(cors):
        _empty(ax, "—")
    ax.set_xlabel(i18n.label("ax_hours_exceeded", lang))
    ax.set_ylabel(i18n.label("ax_power_gw", lang))
    ax.set_title(i18n.label("fig_imports", lang) + f" ({i18n.label('u_power', lang)})")
    if len(cors):
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9)
    return fig


def fig_price(ds: xr.Dataset, zone: str | None, lang: str) -> plt.Figure:
    """Heat map of the marginal price: days on the x axis, hour of day on the y axis (CNY/MWh)."""
    m = T.price_matrix(ds, zone)
    fig, ax = plt.subplots(figsize=(12, 4.2))
    raw = m.to_numpy(dtype=float).T  # hours x days, CNY/MWh
    finite = raw[np.isfinite(raw)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    # flat price (to 1e-6 relative, as the report's text judges it; an interior-point optimum differs
    # from hour to hour in the 7th digit): one colour, one tick at its value
    flat = hi - lo <= 1e-6 * max(1.0, abs(lo))
    if flat:
        lo, hi = lo - 1.0, hi + 1.0
    f = U.fig_scale("price", lang)  # shown in the language's unit (元/千瓦时 in Chinese)
    vals, finite, lo, hi = raw * f, finite * f, lo * f, hi * f
    dates = mdates.date2num(pd.DatetimeIndex(m.index).to_pydatetime())
    x0, x1 = (dates[0], dates[-1] + 1) if len(dates) else (0, 1)
    im = ax.imshow(vals, aspect="auto", origin="lower", cmap="viridis", vmin=lo, vmax=hi,
                   extent=(x0, x1, -0.5, 23.5), interpolation="nearest")
    ax.xaxis_date()
    _date_axis(ax, x1 - x0, lang)
    ax.set_yticks([0, 6, 12, 18, 23])
    ax.set_ylabel(i18n.label("ax_hour", lang))
    ax.set_xlabel(i18n.label("ax_day", lang))
    ax.grid(False)
    cb = fig.colorbar(im, ax=ax, pad=0.01)
    if finite.size and flat:
        cb.set_ticks([float(finite.mean())])
    cb.set_label(i18n.label("ax_price", lang))
    title = f"{i18n.label('fig_price', lang)} ({i18n.label('ax_price', lang)})"
    if ds.sizes.get("zone", 1) > 1:  # name the zone only where there is a choice
        title += f" – {zone if zone is not None else str(ds['zone'].values[0])}"
    ax.set_title(title)
    return fig


def fig_emission_factors(ds: xr.Dataset, lang: str) -> plt.Figure:
    """Average and marginal emission factors of the electricity consumed by hour of day (tCO2/MWh): the
    median over the days, and the band of 10-90 % of the days."""
    t = pd.DatetimeIndex(ds["time"].values)
    fig, ax = plt.subplots(figsize=(12, 4.2))
    series = [("ef_avg_t_per_mwh", ds["emission_factor_avg_t_per_mwh"].values, "#4d4d4d")]
    if "emission_factor_marginal_t_per_mwh" in ds and not bool(ds["emission_factor_marginal_t_per_mwh"].isnull().all()):
        mef, load = ds["emission_factor_marginal_t_per_mwh"], ds["load_mw"]
        weight = load.where(mef.notnull(), 0.0)  # the zones by their load, as the text's mean
        total = weight.sum("zone")
        mean = (mef.fillna(0.0) * weight).sum("zone") / total.where(total > 0)
        series.append(("ef_marginal_t_per_mwh", mean.values, "#e15759"))
    for key, v, col in series:
        by_hour = pd.Series(v, index=t).groupby(t.hour)
        q = by_hour.quantile([0.1, 0.5, 0.9]).unstack()
        ax.fill_between(q.index, q[0.1], q[0.9], color=col, alpha=0.18, linewidth=0)
        label = i18n.label(key, lang).split(" (")[0].split("（")[0]
        ax.plot(q.index, q[0.5], color=col, lw=1.8, marker="o", ms=3,
                label=f"{label}: {i18n.label('ef_median', lang)} / {i18n.label('ef_band', lang)}")
    ax.set_xticks(range(0, 24, 3))
    ax.set_xlim(0, 23)
    ax.set_xlabel(i18n.label("ax_hour", lang))
    ax.set_ylabel(i18n.label("ax_ef", lang))
    ax.set_title(i18n.label("fig_emission_factors", lang))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9)
    return fig


def fig_link_duration(ds: xr.Dataset, lang: str) -> plt.Figure:
    """Loading duration curve of each link between zones: the larger of its two flows over its capacity (%)
    against the hours of the year it is exceeded."""
    w = T.weights(ds)
    fig, ax = plt.subplots(figsize=(12, 4.0))
    for i, k in enumerate(ds["link"].values.astype(str)):
        cap = float(ds["link_capacity_total_mw"].sel(link=k))
        if cap <= 0:
            continue
        v = np.maximum(ds["link_fwd_mw"].sel(link=k).values, ds["link_bwd_mw"].sel(link=k).values) / cap * 100
        o = np.argsort(-v, kind="stable")
        ax.plot(np.cumsum(w[o]), v[o], color=color(ds, k, i), lw=1.5, label=T.tech_label(ds, k, lang))
    ax.set_ylim(0, 105)
    ax.set_xlim(0, float(w.sum()) if len(w) else 1)
    ax.set_xlabel(i18n.label("ax_hours_exceeded", lang))
    ax.set_ylabel(i18n.label("ax_loading_pct", lang))
    ax.set_title(i18n.label("fig_link_duration", lang))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9)
    return fig


def fig_sensitivity(ds: xr.Dataset, table: pd.DataFrame, lang: str) -> plt.Figure:
    """Tornado: the change of the total cost (%) with each estimated input, one bar per value tried."""
    ok = table[table["solve_status"] == "optimal"]
    params = list(dict.fromkeys(ok["parameter"]))
    fig, ax = plt.subplots(figsize=(10, 0.8 * max(len(params), 1) + 1.6))
    for yi, p in enumerate(params[::-1]):
        rows = ok[ok["parameter"] == p]
        for _, r in rows.iterrows():
            v = float(r["cost_change_pct"])
            ax.barh(yi, v, color="#e15759" if v > 0 else "#4e79a7", alpha=0.8, height=0.6)
            ax.text(v, yi, f" {r['value']} " if v >= 0 else f"{r['value']} ", va="center",
                    ha="left" if v >= 0 else "right", fontsize=9)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(range(len(params)), [i18n.parameter(p, lang) for p in params[::-1]])
    ax.set_xlabel(i18n.label("ax_cost_change_pct", lang))
    ax.set_title(i18n.label("fig_sensitivity", lang))
    ax.margins(x=0.25)
    return fig


# ----------------------------------------------------------------------------- all figures

def make_figures(ds: xr.Dataset, out_dir: Path, lang: str = "en", sensitivity: pd.DataFrame | None = None
                 ) -> list[FigureInfo]:
    """Draw every figure of the report into ``out_dir`` as PNG; return what was drawn, by section
    (``sensitivity``: the table of a one-at-a-time sweep, drawn as a tornado)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    flang = figure_lang(lang)
    # a CJK font without a bold face makes matplotlib log a warning per title: harmless, keep it quiet
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    figs: list[FigureInfo] = []

    def add(key: str, section: str, make: object, title_key: str, *args: object, notes: list[str] | None = None
            ) -> None:
        with plt.rc_context(_rc(flang)):
            fig = make(ds, *args, flang)  # type: ignore[operator]
            path = _save(fig, out_dir / f"{key}.png")
        figs.append(FigureInfo(key, section, path, i18n.label(title_key, lang), notes or []))

    add("capacity", "sec_capacity", fig_capacity, "fig_capacity")
    add("energy", "sec_energy", fig_energy, "fig_energy")
    if len(ds["corridor"]):
        add("imports", "sec_imports", fig_imports, "fig_imports")
    for wk in T.select_weeks(ds):
        if wk.start is None or wk.n_steps == 0:
            continue
        add(f"dispatch_{wk.key.removeprefix('week_')}", "sec_dispatch", fig_dispatch, T.week_title(wk), wk)
    for day in T.select_days(ds):
        add(f"typical_{day.key}", "sec_typical_days", fig_dispatch, day.key, day)
    if len(ds["storage"]):
        add("storage_soc", "sec_storage", fig_soc, "fig_soc")
    add("duration", "sec_duration", fig_duration, "fig_duration")
    price = ds["marginal_price_cny_per_mwh"]
    if not bool(price.isnull().all()):
        for z in ds["zone"].values.astype(str):
            add(f"price_heatmap_{z}", "sec_price", fig_price, "fig_price", z)
    if "link" in ds.dims and ds.sizes["link"]:
        add("link_duration", "sec_links", fig_link_duration, "fig_link_duration")
    add("emissions", "sec_emissions", fig_emissions, "fig_emissions")
    if "emission_factor_avg_t_per_mwh" in ds:
        add("emission_factors", "sec_emissions", fig_emission_factors, "fig_emission_factors")
    add("cost", "sec_cost", fig_cost, "fig_cost")
    if sensitivity is not None and len(sensitivity) and (sensitivity["solve_status"] == "optimal").any():
        add("sensitivity", "sec_sensitivity", fig_sensitivity, "fig_sensitivity", sensitivity)
    return figs
