"""Hourly profiles: load (MW) and capacity factors (per-unit), from NetCDF or CSV.

Accepted formats
----------------
NetCDF (xarray):
    load: variable ``load_mw`` with dims ``(time, zone)``;
    capacity factors: variable ``capacity_factor`` with dims ``(time, zone, technology)``
    or ``(time, technology)``.
CSV:
    a ``timestamp`` column and one column per zone (load) or per technology (capacity factors).
    A single-profile override file has a ``timestamp`` column and exactly one value column.

Time zone: the model's clock is local time, UTC+8 (China Standard Time, no daylight saving).
Timestamps without a UTC offset are read as local time. Timestamps that carry one (``+00:00``,
``Z``, ``+01:00``/``+02:00`` across a daylight-saving change, ...) are converted to UTC+8, so a
profile in UTC is shifted by eight hours, not misread; a file mixing both is rejected. In NetCDF the
same holds for the time coordinate's units: ``hours since 2025-01-01`` is local time,
``hours since 2025-01-01 00:00:00+00:00`` (any explicit offset) is converted.

Every profile is checked before the model is built: a CSV must be complete text (UTF-8, no NUL
bytes, its last line ending with a line break, so a file cut off mid-number is not read as a smaller
number); hourly, strictly increasing, no duplicate or missing hour, no NaN, load non-negative,
capacity factors in [0, 1] (a profile whose largest value lies between 1.5 and 100 is reported as
looking like percent), and the same timestamps as the load. Failures raise
:class:`~optimizer.errors.InputError` naming the file and the field.
"""

from __future__ import annotations

import csv
import hashlib
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from optimizer.errors import InputError

#: a zone's load above this (MW) is taken for a unit error (kW given as MW); China's peak is ~1.4e6 MW
MAX_ZONE_LOAD_MW = 2.0e6

#: the model's clock: China Standard Time (UTC+8, no daylight saving since 1991)
LOCAL_TZ = "Asia/Shanghai"
#: a timestamp whose time of day is followed by a UTC offset: Z, +08:00, -0500, +01
_OFFSET_AFTER_TIME = re.compile(r"\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?)$", re.IGNORECASE)
#: attribute of a profile frame whose timestamps were converted to UTC+8
CONVERTED = "converted_to_utc8"


def check_complete_text(path: Path) -> None:
    """A CSV must be whole UTF-8 text: not UTF-16, no NUL bytes, and a line break after the last line.

    A file cut off while written or copied usually ends mid-line; pandas would read ``...,6`` of a
    cut-off ``...,60`` as 6 without complaint, so an unterminated last line is rejected.
    """
    data = path.read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError("UTF-16 text: save it as UTF-8 CSV", source=str(path))
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise InputError("contains NUL bytes: the file is corrupt (binary, or partly zeroed)", source=str(path),
                         field=f"line {line}")
    if data and not data.endswith((b"\n", b"\r")):
        line = data.count(b"\n") + 1
        raise InputError("the last line has no line break: the file looks cut off; if it is complete, end it "
                         "with a line break", source=str(path), field=f"line {line}")


#: NetCDF files read completely by a child process, keyed by (path, size, mtime)
_PROBED: set[tuple[str, int, int]] = set()
#: beside NetCDF files, a list of files known to read well: "<sha256>  <name>" per line (sha256sum's
#: format); ``python -m optimizer.datagen`` writes it for the files it generates and has read back
CHECKSUMS = "SHA256SUMS"
#: a NetCDF file that a child process cannot read within this time is taken as corrupt (s)
PROBE_TIMEOUT_S = 60.0
_PROBE = """
import sys, netCDF4
for f in sys.argv[1:]:
    with netCDF4.Dataset(f) as d:
        for v in d.variables.values():
            v[:]
            [v.getncattr(a) for a in v.ncattrs()]
"""


def _listed_checksums(folder: Path) -> dict[str, str]:
    """File name -> sha256 as listed in ``folder/SHA256SUMS`` (empty when there is none)."""
    lines = (folder / CHECKSUMS).read_text(encoding="utf-8").splitlines() if (folder / CHECKSUMS).is_file() else []
    return {parts[1].lstrip("*"): parts[0].lower() for parts in (ln.split() for ln in lines) if len(parts) == 2}


def known_good(path: Path) -> bool:
    """True when ``path`` is listed in the ``SHA256SUMS`` beside it with its current content's sha256.

    Such a file is byte for byte one that was read completely before, so it needs no probe (a file
    not listed, or changed since, is probed as any other). About 1 ms for a year's profile file,
    against about 0.1 s for a child process.
    """
    try:
        want = _listed_checksums(path.parent).get(path.name)
        return want is not None and hashlib.sha256(path.read_bytes()).hexdigest() == want
    except (OSError, UnicodeDecodeError):
        return False


def write_checksums(paths: list[Path]) -> Path:
    """Write ``SHA256SUMS`` beside ``paths`` (one folder) listing each with its sha256; keeps the
    entries of other files in that folder that still exist."""
    folder = paths[0].parent
    if any(p.parent != folder for p in paths):  # pragma: no cover - a programming error
        raise ValueError("write_checksums: files of one folder only")
    entries = {n: h for n, h in _listed_checksums(folder).items() if (folder / n).is_file()}
    entries.update((p.name, hashlib.sha256(p.read_bytes()).hexdigest()) for p in paths)
    target = folder / CHECKSUMS
    target.write_text("".join(f"{h}  {n}\n" for n, h in sorted(entries.items())), encoding="utf-8")
    return target


def probe_netcdf(path: Path) -> None:
    """Read a NetCDF file once in a child process before this process opens it.

    Some damaged files make the netCDF-C library loop forever inside ``nc_open`` (deaf to Ctrl-C)
    or crash the process; a child that hangs is killed after :data:`PROBE_TIMEOUT_S` and one that
    crashes is reported, so either ends in a one-line error instead. A file the child reads
    without a crash is then opened here as usual (a Python-level error there is reported too).
    """
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    if key in _PROBED:
        return
    if known_good(path):
        _PROBED.add(key)
        return
    import subprocess
    import sys

    try:
        proc = subprocess.run([sys.executable, "-c", _PROBE, str(path)], capture_output=True,
                              timeout=PROBE_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        raise InputError(f"reading it did not finish within {PROBE_TIMEOUT_S:g} s: the file is corrupt",
                         source=str(path)) from None
    if proc.returncode < 0:
        raise InputError(f"reading it crashed the NetCDF library (signal {-proc.returncode}): the file is corrupt",
                         source=str(path))
    if proc.returncode == 0:
        _PROBED.add(key)


class Probes:
    """NetCDF files being probed in one child process (see :func:`start_probes`)."""

    def __init__(self, proc: Any = None, keys: dict[tuple[str, int, int], Path] | None = None) -> None:
        self.proc, self.keys = proc, keys or {}

    def finish(self) -> None:
        """Wait for the child; mark its files probed if it read them all."""
        if self.proc is None:
            return
        import subprocess

        try:
            code = self.proc.wait(timeout=PROBE_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            code = None
        finally:
            self.cancel()
        if code == 0:
            _PROBED.update(self.keys)

    def cancel(self) -> None:
        """Stop the child if it still runs (an error or Ctrl-C elsewhere); idempotent."""
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait()
            self.proc = None


def start_probes(paths: list[Path]) -> Probes:
    """Start probing several NetCDF files in one child process; ``finish()`` waits for it.

    One child for all files saves a Python start-up per file (~0.35 s each), and the child runs
    while the caller reads its other inputs. A file the child reads is marked probed; if the child
    fails or hangs, nothing is marked, and each file's own :func:`probe_netcdf` then finds the
    culprit and says which file it is.
    """
    import subprocess
    import sys

    keys = {}
    for p in paths:
        try:
            st = p.stat()
        except OSError:
            continue  # a missing file is reported where it is read
        key = (str(p.resolve()), st.st_size, st.st_mtime_ns)
        if p.suffix.lower() in (".nc", ".nc4", ".netcdf") and key not in _PROBED:
            if known_good(p):
                _PROBED.add(key)
            else:
                keys[key] = p
    if len(keys) < 2:
        return Probes()
    proc = subprocess.Popen([sys.executable, "-c", _PROBE, *[str(p) for p in keys.values()]],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return Probes(proc, keys)


def _open_netcdf(path: Path) -> xr.Dataset:
    probe_netcdf(path)
    # any failure to open or decode a corrupt file (OSError, RuntimeError, AttributeError from the
    # HDF5 layer, ...) is the file's fault; decoding warnings would add lines before the error
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with xr.open_dataset(path) as ds:
                return ds.load()
        except Exception as err:
            raise InputError(f"cannot read NetCDF ({type(err).__name__}): corrupt, cut off or not NetCDF",
                             source=str(path)) from None


def _netcdf_time(ds: xr.Dataset, values: object, *, source: str) -> tuple[pd.DatetimeIndex, bool]:
    """Local (UTC+8) timestamps of a NetCDF time axis; True when converted from an explicit offset."""
    try:
        idx = pd.DatetimeIndex(values)
    except (TypeError, ValueError):
        raise InputError("the time coordinate is not a date-time (its units cannot be decoded)", source=source,
                         field="time") from None
    units = str(ds["time"].encoding.get("units", "")) if "time" in ds.variables else ""
    ref = units.split("since", 1)[1].strip() if "since" in units else ""
    try:
        aware = bool(ref) and pd.Timestamp(ref).tz is not None
    except (ValueError, TypeError):
        aware = False
    if aware:  # CF decoding gives UTC when the reference time carries an offset
        return idx.tz_localize("UTC").tz_convert(LOCAL_TZ).tz_localize(None), True
    return idx, False


def converted_note(frame: pd.DataFrame | pd.Series) -> str:
    """Text for a message about a profile whose timestamps were converted to UTC+8."""
    return "; its timestamps carry a UTC offset and were converted to UTC+8" if frame.attrs.get(CONVERTED) else ""


def _read_csv_frame(path: Path) -> pd.DataFrame:
    check_complete_text(path)
    try:
        df = pd.read_csv(path, comment="#", skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise InputError(f"cannot read CSV ({type(err).__name__})", source=str(path)) from None
    with open(path, encoding="utf-8-sig", errors="replace") as fh:  # pandas renames a repeated name 'x.1'
        header = next((ln for ln in fh if ln.strip() and not ln.lstrip().startswith("#")), "")
    names = [c.strip() for c in next(csv.reader([header]), [])]
    dup = next((c for i, c in enumerate(names) if c and c in names[:i]), None)
    if dup is not None:
        raise InputError(f"column {dup!r} appears twice in the header", source=str(path), field=dup)
    cols = {str(c).lower().strip(): c for c in df.columns}
    tcol = cols.get("timestamp") or cols.get("time")
    if tcol is None:
        found = ", ".join(repr(str(c)) for c in list(df.columns)[:4])
        raise InputError(f"no 'timestamp' column (the header reads {found}; comma-separated values expected)",
                         source=str(path))
    if len(df) == 0:
        raise InputError("no data rows", source=str(path), field=tcol)
    stamps = df[tcol].astype(str).str.strip()
    if stamps.str.fullmatch(r"[+-]?\d+(\.\d*)?").all():  # 0, 1, 2, ... : hour numbers, not dates
        raise InputError(f"timestamps are plain numbers (first {stamps.iloc[0]!r}), not dates: give local date-times "
                         "such as 2025-01-01 00:00", source=str(path), field=tcol)
    offset = stamps.str.contains(_OFFSET_AFTER_TIME)
    if offset.any() and not offset.all():
        first = stamps[~offset].iloc[0] if offset.iloc[0] else stamps[offset].iloc[0]
        raise InputError(f"some timestamps carry a UTC offset and some do not (first odd one: {first!r}); "
                         "give all in local time (UTC+8) or all with an offset", source=str(path), field=tcol)
    try:
        with warnings.catch_warnings():  # "could not infer format": a failure below says it in one line
            warnings.simplefilter("ignore", UserWarning)
            idx = pd.DatetimeIndex(pd.to_datetime(stamps, errors="raise", utc=bool(offset.all())))
    except (ValueError, TypeError, OverflowError):
        raise InputError("timestamps cannot be parsed", source=str(path), field=tcol) from None
    converted = idx.tz is not None
    if converted:
        idx = idx.tz_convert(LOCAL_TZ).tz_localize(None)
    out = df.drop(columns=[tcol])
    out.index = idx
    out.index.name = "time"
    out.attrs[CONVERTED] = converted
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
        bad = frame[col].to_numpy() < lo
        raise InputError(f"{what} below {lo:g} in {int(bad.sum())} hour(s), first at {frame.index[bad][0]}",
                         source=source, field=str(col))
    if (values > hi).any():
        col = frame.columns[(values > hi).any(axis=0)][0]
        top = float(frame[col].max())
        hint = ""
        if hi == 1.0 and 1.5 < top <= 100.0:
            hint = f"; its largest value, {top:g}, looks like percent: give per-unit values (divide by 100)"
        raise InputError(f"{what} above {hi} (per-unit expected){hint}", source=source, field=str(col))


def read_load(path: Path, zones: list[str], *, variable: str = "load_mw", what: str = "load",
              field: str = "inputs.load", dim: str = "zone", unused: str | None = None) -> pd.DataFrame:
    """Hourly load in MW as a DataFrame (time x zone); ``variable`` ``heat_mw`` reads a heat demand, whose
    columns (``dim`` ``heat_network``) are heat networks. ``unused``: the message for a column that names none of
    ``zones`` (None: such columns are ignored)."""
    src = str(path)
    if not path.is_file():
        raise InputError(f"{what} file not found", source=src, field=field)
    if path.suffix.lower() in (".nc", ".nc4", ".netcdf"):
        ds = _open_netcdf(path)
        if variable not in ds:
            raise InputError(f"no variable {variable!r}", source=src)
        da = ds[variable]
        if dim not in da.dims:
            da = da.expand_dims({dim: [zones[0]]}) if len(zones) == 1 else da
        if set(da.dims) != {"time", dim}:
            raise InputError(f"{variable} must have dims (time, {dim}), has {da.dims}", source=src, field=variable)
        frame = da.transpose("time", dim).to_pandas()
        frame.index, converted = _netcdf_time(ds, frame.index, source=src)
        frame.attrs[CONVERTED] = converted
    else:
        frame = _read_csv_frame(path)
        if list(frame.columns) == [variable] and len(zones) == 1:
            frame.columns = [zones[0]]
    missing = [z for z in zones if z not in frame.columns]
    if missing:
        raise InputError(f"no {what} for {dim.replace('_', ' ')} {missing[0]!r}", source=src, field=dim)
    extra = [c for c in frame.columns if c not in zones]
    if unused is not None and extra:
        raise InputError(unused.format(extra[0]), source=src, field=str(extra[0]))
    converted = frame.attrs.get(CONVERTED, False)
    frame = frame[zones]
    frame.attrs[CONVERTED] = converted
    frame.columns.name = dim
    _check_time(frame.index, source=src)
    _check_values(frame, source=src, lo=0.0, hi=np.inf, what=what)
    peak = frame.max()
    if (peak > MAX_ZONE_LOAD_MW).any():  # no zone's load is a terawatt: these are kW (or W)
        z = str(peak.idxmax())
        raise InputError(f"peak load {float(peak.max()):,.0f} MW is above {MAX_ZONE_LOAD_MW:,.0f} MW (China's "
                         "whole peak is about 1.4 TW): the file looks like kW; give MW", source=src, field=z)
    return frame


def read_capacity_factors(path: Path, zone: str) -> pd.DataFrame:
    """Capacity factors (time x technology) for one zone."""
    src = str(path)
    if not path.is_file():
        raise InputError("capacity-factor file not found", source=src, field="inputs.capacity_factors")
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
        frame.index, converted = _netcdf_time(ds, frame.index, source=src)
        frame.attrs[CONVERTED] = converted
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
        raise InputError("profile file not found", source=src, field=f"inputs.profile_overrides.{tech}")
    if path.suffix.lower() in (".nc", ".nc4", ".netcdf"):
        ds = _open_netcdf(path)
        names = [v for v in ds.data_vars]
        if len(names) != 1:
            raise InputError("expected exactly one data variable", source=src)
        da = ds[names[0]].squeeze(drop=True)
        if da.dims != ("time",):
            raise InputError(f"expected dims (time,), got {da.dims}", source=src, field=names[0])
        frame = da.to_pandas().to_frame(tech)
        frame.index, converted = _netcdf_time(ds, frame.index, source=src)
        frame.attrs[CONVERTED] = converted
    else:
        frame = _read_csv_frame(path)
        if frame.shape[1] != 1:
            raise InputError("expected a timestamp column and one value column", source=src)
        frame.columns = [tech]
    _check_time(frame.index, source=src)
    _check_values(frame, source=src, lo=0.0, hi=1.0, what="capacity factor")
    out = frame[tech]
    out.attrs[CONVERTED] = frame.attrs.get(CONVERTED, False)
    return out


def align(frame: pd.DataFrame | pd.Series, index: pd.DatetimeIndex, *, source: str) -> pd.DataFrame | pd.Series:
    """Select ``index`` from a profile; every timestamp must be present."""
    missing = index.difference(frame.index)
    if len(missing):
        raise InputError(
            f"{len(missing)} modelled hour(s) missing, first {missing[0]} "
            f"(profile covers {frame.index[0]} to {frame.index[-1]}, {len(frame.index)} steps{converted_note(frame)})",
            source=source, field="time",
        )
    return frame.loc[index]
