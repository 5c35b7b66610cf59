"""Time aggregation for fast exploratory runs: averaging to coarser steps, and typical days (tsam).

Typical days: the 365 days of the year are clustered on their load and capacity-factor profiles
(tsam, hierarchical clustering, medoid representatives rescaled to keep each column's annual mean;
the day of the peak load replaces its cluster's representative). Where tsam's rescaling cannot keep a
column's annual total (too few days: with 2, the peak day and one other, the Suzhou load comes out 21 %
high and the wind 31-42 % low), :attr:`TypicalDays.gaps` names the column and both totals, and the run
warns instead of tsam.
Each typical day stands for the days of its cluster (its weight), and the calendar sequence of
typical days is kept, so storage can carry energy from day to day (the linked representative-day
scheme of Kotzur et al., 2018: an intra-day state per typical day plus an inter-day state per
calendar day; see :mod:`optimizer.model.storage`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from optimizer.errors import InputError


def average_steps(frame: pd.DataFrame, r: int) -> pd.DataFrame:
    """Average consecutive groups of ``r`` hours; the step is labelled by its first hour."""
    if r == 1:
        return frame
    groups = np.arange(len(frame)) // r
    out = frame.groupby(groups).mean()
    out.index = frame.index[::r]
    return out


@dataclass(frozen=True)
class TypicalDays:
    """Typical-day profiles and the calendar sequence of typical days."""

    load: pd.DataFrame  # (typical steps) x zone, MW
    cf: pd.DataFrame  # (typical steps) x technology
    heat: pd.DataFrame | None  # (typical steps) x zone, MW of heat (None: no heat demand)
    time: pd.DatetimeIndex  # label of each typical step: the first calendar day of its cluster
    day_sequence: np.ndarray  # typical-day id (0..N-1) of each calendar day
    days_per_typical: np.ndarray  # number of calendar days each typical day stands for
    steps_per_day: int
    #: (profile, column, the year's total, the typical days' total) of each column off by more than GAP_TOL
    gaps: tuple[tuple[str, str, float, float], ...] = ()


#: relative difference of a column's annual total (typical days against the year) that is reported
GAP_TOL = 0.01


def _gaps(parts: dict[str, pd.DataFrame], typical: dict[str, pd.DataFrame | None],
          days: np.ndarray) -> tuple[tuple[str, str, float, float], ...]:
    """Columns whose annual total the typical days (hourly, weighted by their days) do not keep."""
    out = []
    for what, full in parts.items():
        t = typical[what]
        for c in full.columns:
            year, kept = float(full[c].sum()), float((t[c].to_numpy() * np.repeat(days, 24)).sum())
            if abs(kept - year) > GAP_TOL * abs(year):
                out.append((what, str(c), year, kept))
    return tuple(out)


def typical_days(load: pd.DataFrame, cf: pd.DataFrame, n_days: int, resolution_h: int,
                 heat: pd.DataFrame | None = None) -> TypicalDays:
    """Cluster the year's days into ``n_days`` typical days (tsam); ``heat`` is clustered with them."""
    try:
        import tsam
        from tsam import ClusterConfig, ExtremeConfig
    except ImportError:  # pragma: no cover - tsam is a dependency
        raise InputError("time.typical_days needs the tsam package", field="time.typical_days") from None
    hours = len(load)
    if hours % 24 or hours < 48:
        raise InputError("typical days need whole days of hourly data (a full year)", field="time.typical_days")
    n_cal = hours // 24
    if not 2 <= n_days < n_cal:
        raise InputError(f"typical_days must lie in [2, {n_cal - 1}]", field="time.typical_days")
    if 24 % resolution_h:
        raise InputError("resolution_h must divide 24 for typical days", field="time.resolution_h")
    parts = {"load": load, "cf": cf} if heat is None else {"load": load, "cf": cf, "heat": heat}
    data = pd.concat(parts, axis=1)
    data.columns = [f"{a}|{b}" for a, b in data.columns]
    # constant columns carry no information and trouble the normalisation
    varying = [c for c in data.columns if data[c].std() > 0]
    with warnings.catch_warnings():  # a total tsam cannot keep is reported by the run itself (gaps)
        warnings.filterwarnings("ignore", message="Max iteration number reached", category=UserWarning)
        res = tsam.aggregate(
            data[varying].astype(float), n_clusters=n_days, period_duration=24, temporal_resolution=1.0,
            cluster=ClusterConfig(method="hierarchical", representation="medoid"),
            segments=None,
            numerical_tolerance=1e-6,
            # keep the peak-load day itself, so hourly adequacy is still tested on it
            extremes=ExtremeConfig(method="replace", max_value=[c for c in varying if c.startswith("load|")]),
        )
    reps = res.cluster_representatives
    assign = np.asarray(res.cluster_assignments, dtype=int)
    # relabel clusters in order of first appearance in the calendar
    order = list(dict.fromkeys(assign.tolist()))
    relabel = {c: i for i, c in enumerate(order)}
    seq = np.array([relabel[c] for c in assign.tolist()], dtype=int)
    counts = np.bincount(seq, minlength=len(order))
    blocks = []
    for c in order:
        block = reps.loc[c].reset_index(drop=True)
        blocks.append(block)
    typical = pd.concat(blocks, ignore_index=True)
    for c in data.columns:
        if c not in typical.columns:
            typical[c] = data[c].iloc[0]
    first_day = [int(np.flatnonzero(seq == k)[0]) for k in range(len(order))]
    stamps = [load.index[d * 24 + h] for d in first_day for h in range(24)]
    idx = pd.DatetimeIndex(stamps, name="time")
    typical.index = idx
    load_t = typical[[f"load|{z}" for z in load.columns]].copy()
    load_t.columns = load.columns
    cf_t = typical[[f"cf|{t}" for t in cf.columns]].copy().clip(0.0, 1.0)
    cf_t.columns = cf.columns
    load_t = load_t.clip(lower=0.0)
    heat_t = None
    if heat is not None:
        heat_t = typical[[f"heat|{z}" for z in heat.columns]].copy().clip(lower=0.0)
        heat_t.columns = heat.columns
    gaps = _gaps({k: v for k, v in parts.items() if v is not None},
                 {"load": load_t, "cf": cf_t, "heat": heat_t}, counts)
    if resolution_h > 1:
        load_t = average_steps(load_t, resolution_h)
        cf_t = average_steps(cf_t, resolution_h) if len(cf_t.columns) else pd.DataFrame(index=load_t.index)
        heat_t = average_steps(heat_t, resolution_h) if heat_t is not None else None
    return TypicalDays(load_t, cf_t, heat_t, pd.DatetimeIndex(load_t.index, name="time"), seq, counts,
                       24 // resolution_h, gaps)
