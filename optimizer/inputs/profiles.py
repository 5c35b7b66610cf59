"""Hourly profiles: load (MW) and capacity factors (per-unit), from NetCDF or CSV.

Accepted formats
----------------
NetCDF (xarray):
    load: variable ``load_mw`` with dims ``(time, zone)``;
    capacity factors: variable ``capacity_factor`` with dims ``(time, zone, technology)``
    or ``(time, technology)``.
CSV:
    a ``timestamp`` column (naive local time, UTC+8) and one column per zone (load) or per
    technology (capacity factors). A single-profile override file has a ``timestamp`` column and
    exactly one value column.

Every profile is checked before the model is built: hourly, strictly increasing, no duplicate or
missing hour, no NaN, load non-negative, capacity factors in [0, 1], and the same timestamps as the
load. Failures raise :class:`~optimizer.errors.InputError` naming the file and the field.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from optimizer.errors import InputError


def _open_netcdf(path: Path) -> xr.Dataset:
    try:
        with xr.open_dataset(path) as ds:
            return ds.load()
    except (OSError, ValueError, RuntimeError) as err:
        raise InputError(f"cannot read NetCDF ({type(err).__name__})", source=str(path)) from None


def _read_csv_frame(path: Path) -> pd.DataFrame:
    try:
        df = pd.read_csv(path, comment="#", skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise InputError(f"cannot read CSV ({type(err).__name__})", source=str(path)) from None
    cols = {c.lower().strip(): c for c in df.columns}
    tcol = cols.get("timestamp") or cols.get("time")
    if tcol is None:
        raise InputError("no 'timestamp' column", source=str(path))
    try:
        idx = pd.DatetimeIndex(pd.to_datetime(df[tcol], errors="raise"))
    except (ValueError, TypeError):
        raise InputError("timestamps cannot be parsed", source=str(path), field=tcol) from None
    if idx.tz is not None:
        idx = idx.tz_convert("Asia/Shanghai").tz_localize(None)
    out = df.drop(columns=[tcol])
    out.index = idx
    out.index.name = "time"
    for c in out.columns:
        if not pd.api.types.is_numeric_dtype(out[c]):
            raise InputError("non-numeric values", source=str(path), field=str(c))
    return out.astype(float)


def _check_time(index: pd.DatetimeIndex, *, source: str) -> None:
    if len(index) == 0:
        raise InputError("profile is empty", source=source, field="time")
    if index.has_duplicates:
        dup = index[index.duplicated()][0]
        raise InputError(f"duplicate timestamp {dup}", source=source, field="time")
    if not index.is_monotonic_increasing:
        raise InputError("timestamps are not in increasing order", source=source, field="time")
    if len(index) > 1:
        steps = np.diff(index.values).astype("timedelta64[m]").astype(int)
        if (steps != 60).any():
            bad = int(np.argmax(steps != 60))
            raise InputError(f"not hourly: gap after {index[bad]}", source=source, field="time")


def _check_values(frame: pd.DataFrame, *, source: str, lo: float, hi: float, what: str) -> None:
    values = frame.to_numpy()
    if np.isnan(values).any():
        col = frame.columns[np.isnan(values).any(axis=0)][0]
        first = frame.index[np.isnan(frame[col].to_numpy())][0]
        raise InputError(f"NaN at {first}", source=source, field=str(col))
    if np.isinf(values).any():
        col = frame.columns[np.isinf(values).any(axis=0)][0]
        first = frame.index[np.isinf(frame[col].to_numpy())][0]
        raise InputError(f"infinite value at {first}", source=source, field=str(col))
    if (values < lo).any():
        col = frame.columns[(values < lo).any(axis=0)][0]
        raise InputError(f"{what} below {lo}", source=source, field=str(col))
    if (values > hi).any():
        col = frame.columns[(values > hi).any(axis=0)][0]
        raise InputError(f"{what} above {hi} (per-unit expected)", source=source, field=str(col))


def read_load(path: Path, zones: list[str]) -> pd.DataFrame:
    """Hourly load in MW as a DataFrame (time x zone)."""
    src = str(path)
    if not path.is_file():
        raise InputError("load file not found", source=src)
    if path.suffix.lower() in (".nc", ".nc4", ".netcdf"):
        ds = _open_netcdf(path)
        if "load_mw" not in ds:
            raise InputError("no variable 'load_mw'", source=src)
        da = ds["load_mw"]
        if "zone" not in da.dims:
            da = da.expand_dims(zone=[zones[0]]) if len(zones) == 1 else da
        if set(da.dims) != {"time", "zone"}:
            raise InputError(f"load_mw must have dims (time, zone), has {da.dims}", source=src, field="load_mw")
        frame = da.transpose("time", "zone").to_pandas()
        frame.index = pd.DatetimeIndex(frame.index)
    else:
        frame = _read_csv_frame(path)
        if list(frame.columns) == ["load_mw"] and len(zones) == 1:
            frame.columns = [zones[0]]
    missing = [z for z in zones if z not in frame.columns]
    if missing:
        raise InputError(f"no load for zone {missing[0]!r}", source=src, field="zone")
    frame = frame[zones]
    frame.columns.name = "zone"
    _check_time(frame.index, source=src)
    _check_values(frame, source=src, lo=0.0, hi=np.inf, what="load")
    return frame


def read_capacity_factors(path: Path, zone: str) -> pd.DataFrame:
    """Capacity factors (time x technology) for one zone."""
    src = str(path)
    if not path.is_file():
        raise InputError("capacity-factor file not found", source=src)
    if path.suffix.lower() in (".nc", ".nc4", ".netcdf"):
        ds = _open_netcdf(path)
        if "capacity_factor" not in ds:
            raise InputError("no variable 'capacity_factor'", source=src)
        da = ds["capacity_factor"]
        if "zone" in da.dims:
            if zone not in da["zone"].values:
                raise InputError(f"no capacity factors for zone {zone!r}", source=src, field="zone")
            da = da.sel(zone=zone, drop=True)
        if set(da.dims) != {"time", "technology"}:
            raise InputError(f"capacity_factor must have dims (time, [zone,] technology), has {da.dims}",
                             source=src, field="capacity_factor")
        frame = da.transpose("time", "technology").to_pandas()
        frame.index = pd.DatetimeIndex(frame.index)
    else:
        frame = _read_csv_frame(path)
    frame.columns = [str(c) for c in frame.columns]
    frame.columns.name = "technology"
    _check_time(frame.index, source=src)
    _check_values(frame, source=src, lo=0.0, hi=1.0, what="capacity factor")
    return frame


def read_single_profile(path: Path, tech: str) -> pd.Series:
    """A user's replacement profile for one technology (per-unit)."""
    src = str(path)
    if not path.is_file():
        raise InputError("profile file not found", source=src, field=f"profile_overrides.{tech}")
    if path.suffix.lower() in (".nc", ".nc4", ".netcdf"):
        ds = _open_netcdf(path)
        names = [v for v in ds.data_vars]
        if len(names) != 1:
            raise InputError("expected exactly one data variable", source=src)
        da = ds[names[0]].squeeze(drop=True)
        if da.dims != ("time",):
            raise InputError(f"expected dims (time,), got {da.dims}", source=src, field=names[0])
        frame = da.to_pandas().to_frame(tech)
        frame.index = pd.DatetimeIndex(frame.index)
    else:
        frame = _read_csv_frame(path)
        if frame.shape[1] != 1:
            raise InputError("expected a timestamp column and one value column", source=src)
        frame.columns = [tech]
    _check_time(frame.index, source=src)
    _check_values(frame, source=src, lo=0.0, hi=1.0, what="capacity factor")
    return frame[tech]


def align(frame: pd.DataFrame | pd.Series, index: pd.DatetimeIndex, *, source: str) -> pd.DataFrame | pd.Series:
    """Select ``index`` from a profile; every timestamp must be present."""
    missing = index.difference(frame.index)
    if len(missing):
        raise InputError(
            f"{len(missing)} modelled hour(s) missing, first {missing[0]} "
            f"(profile covers {frame.index[0]} to {frame.index[-1]}, {len(frame.index)} steps)",
            source=source, field="time",
        )
    return frame.loc[index]
