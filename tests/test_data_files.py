"""Damaged and unusual data files: each is accepted under a stated rule or rejected with one line.

The rules (optimizer/inputs/profiles.py and loader.py, README troubleshooting):

* a CSV must be complete UTF-8 text: no NUL bytes, not UTF-16, and its last line must end with a
  line break, so a file cut off in the middle of a number is not read as a smaller number;
* a NetCDF file that cannot be opened or decoded (cut off, corrupt, not NetCDF) is rejected;
* timestamps without a UTC offset are local time (UTC+8); timestamps with one (CSV) or a time
  coordinate whose units carry one (NetCDF) are converted to UTC+8; a CSV mixing both is rejected;
* a leap year has 8784 hours, and the modelled steps stand for all of them (weights sum to 8784);
* capacity factors must lie in [0, 1]; a profile whose largest value lies in (1.5, 100] is named as
  looking like percent;
* the technologies naming a profile in the table equal the profiles provided (either way round).

The catalogue in tests/conftest.py already covers duplicate, missing, unordered and non-hourly
timestamps, NaN and negative values; these tests add the damaged-file and calendar cases.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from conftest import COAL, PV, TinyCase
from test_cli import _restore_logging, check_failed, invoke  # noqa: F401  (autouse fixture: logging)

from optimizer.datagen import DEFAULT_YEARS
from optimizer.errors import InputError
from optimizer.inputs import load_inputs, profiles
from optimizer.run import run
from tiny import make_config, write_case

REPO = Path(__file__).resolve().parents[1]
SHIPPED_LOAD = REPO / "data" / "profiles" / "load_2025.nc"


def run_fails(case: TinyCase, tmp_path: Path, changes: dict | None, *fragments: str) -> str:
    """`optimizer run` of the case exits 2 with one line holding every fragment; nothing written."""
    config = case.write_config(changes, name="broken.yaml")
    out = tmp_path / "out"
    line = check_failed(invoke("run", config, "--out", out, "-q"), 2, *fragments)
    assert not out.exists() and not case.results_dir.exists()
    return line


def cf_netcdf(path: Path, stamps: pd.DatetimeIndex | list[int], columns: dict[str, list[float]],
              units: str | None = None) -> Path:
    """A capacity-factor NetCDF (time x technology) like data/profiles/cf_YYYY.nc; with ``units``,
    ``stamps`` are the raw numbers stored in the time variable (CF: ``hours since ...``)."""
    data = np.array(list(columns.values()), dtype=float).T
    time = xr.Variable("time", np.asarray(stamps), attrs={"units": units}) if units else stamps
    ds = xr.Dataset({"capacity_factor": (("time", "technology"), data)},
                    coords={"time": time, "technology": list(columns)})
    ds.to_netcdf(path)
    return path


# --------------------------------------------------------------------------------------------------
# truncated and corrupt CSV
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("cut", "fragments"), [
    # "2025-01-01 02:00,60\n" cut to "...,6": without the rule this reads as 6 MW
    (2, ("load.csv", "line 4", "cut off")),
    (4, ("load.csv", "line 4", "cut off")),  # "...02:00," : an empty value
    (12, ("load.csv", "line 4", "cut off")),  # inside the timestamp
    (22, ("load.csv", "time", "missing")),  # at a line end: the last hour is missing
])
def test_truncated_load_csv(tiny_case: TinyCase, tmp_path: Path, cut: int, fragments: tuple[str, ...]) -> None:
    path = tiny_case.folder / "load.csv"
    text = path.read_bytes()
    assert text.endswith(b"2025-01-01 02:00,60.0\n")
    path.write_bytes(text[:-cut])
    run_fails(tiny_case, tmp_path, None, *fragments)


def test_truncated_last_value_is_not_read_as_a_smaller_number(tiny_case: TinyCase) -> None:
    path = tiny_case.folder / "cf.csv"
    path.write_bytes(path.read_bytes().replace(b"2025-01-01 02:00,0.5\n", b"2025-01-01 02:00,0.5"))
    with pytest.raises(InputError, match="line 4: the last line has no line break"):
        tiny_case.inputs()
    path.write_bytes(path.read_bytes() + b"\n")  # the same file, complete, loads
    assert tiny_case.inputs().cf["pv"].tolist() == [0.0, 1.0, 0.5]


def test_truncated_technology_table(tiny_case: TinyCase, tmp_path: Path) -> None:
    # the pv row cut after its first cells would otherwise take defaults for every other attribute
    path = tiny_case.folder / "technologies.csv"
    text = path.read_text()
    path.write_text(text[: text.index("pv,generator") + len("pv,generator,,sol")])
    run_fails(tiny_case, tmp_path, None, "technologies.csv", "cut off")


@pytest.mark.parametrize(("name", "content", "fragments"), [
    ("nul", lambda good: good.replace(b"80.0", b"8\x000.0"), ("line 3", "NUL bytes", "corrupt")),
    ("zeroed_block", lambda good: good[:30] + bytes(40) + good[70:], ("NUL bytes",)),
    ("utf16", lambda good: good.decode().encode("utf-16"), ("UTF-16",)),
    ("gzip", lambda good: __import__("gzip").compress(good), ("NUL bytes",)),
    ("html_page", lambda good: b"<html><body>404 Not Found</body></html>\n", ("no 'timestamp' column", "<html>")),
    ("semicolons", lambda good: good.replace(b",", b";"), ("no 'timestamp' column", "timestamp;load_mw")),
    ("header_only", lambda good: b"timestamp,load_mw\n", ("timestamp", "no data rows")),
    ("empty", lambda good: b"", ("cannot read CSV",)),
])
def test_corrupt_load_csv(tiny_case: TinyCase, tmp_path: Path, name: str, content, fragments) -> None:
    path = tiny_case.folder / "load.csv"
    path.write_bytes(content(path.read_bytes()))
    run_fails(tiny_case, tmp_path, None, "load.csv", *fragments)


def test_csv_with_a_utf8_byte_order_mark_and_crlf_is_read(tiny_case: TinyCase) -> None:
    # what Excel writes as "CSV UTF-8": complete and correct, so accepted
    path = tiny_case.folder / "load.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    assert tiny_case.inputs().load_mw["suzhou"].tolist() == [50.0, 80.0, 60.0]


# --------------------------------------------------------------------------------------------------
# truncated and corrupt NetCDF
# --------------------------------------------------------------------------------------------------


@pytest.fixture
def netcdf_case(tiny_case: TinyCase) -> TinyCase:
    """The tiny case with its capacity factors in NetCDF."""
    cf_netcdf(tiny_case.folder / "cf.nc", pd.date_range("2025-01-01", periods=3, freq="h"), {"pv": [0.0, 1.0, 0.5]})
    tiny_case.data["inputs"]["capacity_factors"] = str(tiny_case.folder / "cf.nc")
    tiny_case.write_config()
    assert tiny_case.inputs().cf["pv"].tolist() == [0.0, 1.0, 0.5]
    return tiny_case


@pytest.mark.parametrize("fraction", [0.0, 0.01, 0.3, 0.6, 0.9, 0.999])
def test_truncated_netcdf(netcdf_case: TinyCase, tmp_path: Path, fraction: float) -> None:
    path = netcdf_case.folder / "cf.nc"
    raw = path.read_bytes()
    path.write_bytes(raw[: int(len(raw) * fraction)])
    run_fails(netcdf_case, tmp_path, None, "cf.nc", "cannot read NetCDF")


def test_text_file_named_netcdf(netcdf_case: TinyCase, tmp_path: Path) -> None:
    (netcdf_case.folder / "cf.nc").write_text("timestamp,pv\n2025-01-01 00:00,0\n")
    run_fails(netcdf_case, tmp_path, None, "cf.nc", "cannot read NetCDF")


def test_corrupt_netcdf_never_escapes_as_another_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # bytes overwritten at random in copies of the shipped load file: every copy either reads (the
    # damage hit data values, which a file without checksums cannot reveal) or is an InputError.
    # Among these, one makes netCDF-C loop forever inside nc_open, deaf to Ctrl-C (it is rejected
    # after the probe's time limit); others raised AttributeError before the fix.
    monkeypatch.setattr(profiles, "PROBE_TIMEOUT_S", 5.0)
    raw = SHIPPED_LOAD.read_bytes()
    rng = np.random.default_rng(1)
    outcomes = []
    for k in range(12):
        damaged = bytearray(raw)
        for _ in range(50):
            value = rng.integers(0, 256)
            damaged[rng.integers(0, len(damaged))] = value
        path = tmp_path / f"load_{k}.nc"
        path.write_bytes(bytes(damaged))
        t0 = time.perf_counter()
        try:
            profiles.read_load(path, ["suzhou"])
            outcomes.append("read")
        except InputError as err:
            assert "\n" not in str(err) and path.name in str(err)
            outcomes.append("rejected")
        assert time.perf_counter() - t0 < 30
    assert outcomes.count("rejected") >= 9, outcomes


def test_netcdf_that_hangs_or_crashes_the_library_is_rejected(netcdf_case: TinyCase, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # the child process that reads a NetCDF file first stands in for the library: it hangs, or crashes
    monkeypatch.setattr(profiles, "_PROBED", set())  # the fixture's read of the file is remembered
    monkeypatch.setattr(profiles, "PROBE_TIMEOUT_S", 1.0)
    monkeypatch.setattr(profiles, "_PROBE", "import time; time.sleep(60)")
    run_fails(netcdf_case, tmp_path, None, "cf.nc", "did not finish within 1 s", "corrupt")
    monkeypatch.setattr(profiles, "_PROBE", "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)")
    run_fails(netcdf_case, tmp_path, None, "cf.nc", "crashed the NetCDF library (signal 11)", "corrupt")


# --------------------------------------------------------------------------------------------------
# time zones
# --------------------------------------------------------------------------------------------------


def _restamp(case: TinyCase, filename: str, stamps: list[str]) -> None:
    frame = case.read_table(filename)
    frame["timestamp"] = stamps
    case.write_table(filename, frame)


def test_utc_timestamps_are_converted_to_utc8(tiny_case: TinyCase) -> None:
    local = tiny_case.inputs()
    # the same three hours, written in UTC: 00:00 in Suzhou is 16:00 UTC the day before
    _restamp(tiny_case, "load.csv", ["2024-12-31T16:00:00Z", "2024-12-31T17:00:00Z", "2024-12-31T18:00:00Z"])
    _restamp(tiny_case, "cf.csv", ["2024-12-31 16:00+00:00", "2024-12-31 17:00+00:00", "2024-12-31 18:00+00:00"])
    utc = tiny_case.inputs()
    assert list(utc.time) == list(local.time)
    pd.testing.assert_frame_equal(utc.load_mw, local.load_mw)
    pd.testing.assert_frame_equal(utc.cf, local.cf)


def test_same_clock_times_in_utc_are_eight_hours_late(tiny_case: TinyCase, tmp_path: Path) -> None:
    # 00:00-02:00 UTC is 08:00-10:00 in Suzhou: the modelled hours 00:00-02:00 are not in the file
    _restamp(tiny_case, "load.csv", ["2025-01-01 00:00+00:00", "2025-01-01 01:00+00:00", "2025-01-01 02:00+00:00"])
    run_fails(tiny_case, tmp_path, None, "load.csv", "time", "3 modelled hour(s) missing",
              "the file covers 2025-01-01 08:00:00 to 2025-01-01 10:00:00", "converted to UTC+8")


def test_daylight_saving_offsets_are_converted(tiny_case: TinyCase) -> None:
    # a European file across the spring change: 01:00+01:00 is followed by 03:00+02:00 (both UTC
    # hours 00:00 and 01:00), i.e. 08:00 and 09:00 in Suzhou
    stamps = ["2025-03-30 01:00+01:00", "2025-03-30 03:00+02:00", "2025-03-30 04:00+02:00"]
    _restamp(tiny_case, "load.csv", stamps)
    _restamp(tiny_case, "cf.csv", stamps)
    inp = tiny_case.inputs({"time.start": "2025-03-30 08:00", "time.end": "2025-03-30 10:00"})
    assert [str(t) for t in inp.time] == ["2025-03-30 08:00:00", "2025-03-30 09:00:00", "2025-03-30 10:00:00"]
    assert inp.load_mw["suzhou"].tolist() == [50.0, 80.0, 60.0]


def test_mixing_local_and_offset_timestamps_is_rejected(tiny_case: TinyCase, tmp_path: Path) -> None:
    _restamp(tiny_case, "load.csv", ["2025-01-01 00:00", "2025-01-01 01:00+08:00", "2025-01-01 02:00"])
    run_fails(tiny_case, tmp_path, None, "load.csv", "timestamp", "some timestamps carry a UTC offset")


def test_netcdf_time_units_with_an_offset_are_converted(netcdf_case: TinyCase) -> None:
    path = netcdf_case.folder / "cf.nc"
    # 0, 1, 2 "hours since 2025-01-01 00:00:00+08:00": Suzhou's first three hours of 2025
    cf_netcdf(path, [0, 1, 2], {"pv": [0.0, 1.0, 0.5]}, units="hours since 2025-01-01 00:00:00+08:00")
    with xr.open_dataset(path) as ds:  # what xarray makes of it (CF: UTC): eight hours earlier
        assert str(ds.time.values[0])[:16] == "2024-12-31T16:00"
    assert netcdf_case.inputs().cf["pv"].tolist() == [0.0, 1.0, 0.5]
    # the same hours in UTC: 16:00 to 18:00 on 31 December
    cf_netcdf(path, [16, 17, 18], {"pv": [0.0, 1.0, 0.5]}, units="hours since 2024-12-31 00:00:00+00:00")
    assert netcdf_case.inputs().cf["pv"].tolist() == [0.0, 1.0, 0.5]
    # the same numbers without an offset are local time: 16:00 to 18:00, not the modelled hours
    cf_netcdf(path, [16, 17, 18], {"pv": [0.0, 1.0, 0.5]}, units="hours since 2024-12-31 00:00:00")
    with pytest.raises(InputError, match=r"cf.nc: time: 3 modelled hour\(s\) missing"):
        netcdf_case.inputs()


# --------------------------------------------------------------------------------------------------
# leap years
# --------------------------------------------------------------------------------------------------


def leap_case(folder: Path, hours: int, **time: object) -> tuple[dict, Path]:
    """A coal-only 2028 case with load 100 MW + 1 MW per day of the year (so every day differs)."""
    stamps = pd.date_range("2028-01-01", periods=hours, freq="h")
    load = (100.0 + stamps.dayofyear.to_numpy()).tolist()
    data = write_case(folder, [COAL | {"existing_mw": 1000}], load, year=2028)
    data["time"] = {"start": None, "end": None, "scale_to_year": True, **time}
    return data, folder


def test_leap_year_uses_all_8784_hours(tmp_path: Path) -> None:
    data, folder = leap_case(tmp_path / "case", 8784)
    inp = load_inputs(make_config(data, folder))
    assert len(inp.time) == 8784 and str(inp.time[1416])[:10] == "2028-02-29"
    assert inp.weight_h.sum() == pytest.approx(8784) and np.allclose(inp.weight_h, 1.0)


def test_leap_year_part_is_scaled_to_8784_hours(tmp_path: Path) -> None:
    data, folder = leap_case(tmp_path / "case", 8784, start="2028-02-28 00:00", end="2028-03-01 23:00")
    inp = load_inputs(make_config(data, folder))
    assert len(inp.time) == 72
    assert inp.weight_h.sum() == pytest.approx(8784)


def test_leap_year_run_counts_february_29(tmp_path: Path) -> None:
    # daily steps: the annual coal energy is the whole file's load, 366 days of it, at 300 CNY/MWh
    data, folder = leap_case(tmp_path / "case", 8784, resolution_h=24)
    out = run(make_config(data, folder), write=False)
    energy = sum((100.0 + d) * 24 for d in range(1, 367))
    assert out.dataset.sizes["time"] == 366
    assert float(out.dataset["energy_mwh"].sel(technology="coal")) == pytest.approx(energy)
    assert float(out.dataset.objective_cny) == pytest.approx(energy * 300)


def test_leap_year_file_without_february_29(tmp_path: Path) -> None:
    data, folder = leap_case(tmp_path / "case", 8784)
    frame = pd.read_csv(folder / "load.csv")
    frame[~frame["timestamp"].str.startswith("2028-02-29")].to_csv(folder / "load.csv", index=False)
    with pytest.raises(InputError, match=r"load.csv: time: not hourly: gap after 2028-02-28 23:00"):
        load_inputs(make_config(data, folder))


def test_february_29_in_a_common_year(tiny_case: TinyCase, tmp_path: Path) -> None:
    tiny_case.set_cell("load.csv", "2025-01-01 01:00", "timestamp", "2025-02-29 01:00")
    run_fails(tiny_case, tmp_path, None, "load.csv", "timestamp", "cannot be parsed")


# --------------------------------------------------------------------------------------------------
# capacity factors: percent, above 1
# --------------------------------------------------------------------------------------------------


def test_profile_in_percent_is_named_as_such(tiny_case: TinyCase, tmp_path: Path) -> None:
    tiny_case.edit("cf.csv", lambda t: t.replace(",1.0\n", ",100.0\n").replace(",0.5\n", ",50.0\n"))
    line = run_fails(tiny_case, tmp_path, None, "cf.csv", "pv", "above 1.0", "looks like percent", "100")
    assert "divide by 100" in line


def test_netcdf_profile_in_percent(netcdf_case: TinyCase, tmp_path: Path) -> None:
    cf_netcdf(netcdf_case.folder / "cf.nc", pd.date_range("2025-01-01", periods=3, freq="h"),
              {"pv": [0.0, 87.5, 43.0]})
    run_fails(netcdf_case, tmp_path, None, "cf.nc", "pv", "looks like percent", "87.5")


@pytest.mark.parametrize("value", ["1.2", "1.0001"])
def test_capacity_factor_slightly_above_one_is_not_called_percent(tiny_case: TinyCase, tmp_path: Path,
                                                                   value: str) -> None:
    tiny_case.set_cell("cf.csv", "2025-01-01 01:00", "pv", value)
    line = run_fails(tiny_case, tmp_path, None, "cf.csv", "pv", "capacity factor above 1.0 (per-unit expected)")
    assert "percent" not in line


# --------------------------------------------------------------------------------------------------
# technologies in the profiles but not in the table, and the reverse (NetCDF; CSV: the catalogue)
# --------------------------------------------------------------------------------------------------


def test_netcdf_profile_of_a_technology_not_in_the_table(netcdf_case: TinyCase, tmp_path: Path) -> None:
    cf_netcdf(netcdf_case.folder / "cf.nc", pd.date_range("2025-01-01", periods=3, freq="h"),
              {"pv": [0.0, 1.0, 0.5], "wind_offshore": [0.3, 0.3, 0.3]})
    run_fails(netcdf_case, tmp_path, None, "cf.nc", "technology", "'wind_offshore' matches no technology")


def test_technology_in_the_table_without_a_netcdf_profile(netcdf_case: TinyCase, tmp_path: Path) -> None:
    cf_netcdf(netcdf_case.folder / "cf.nc", pd.date_range("2025-01-01", periods=3, freq="h"),
              {"solar": [0.0, 1.0, 0.5]})
    line = run_fails(netcdf_case, tmp_path, None, "cf.nc", "no profile 'pv' for technology 'pv'")
    assert "solar" not in line  # the first problem is named: the table's pv has no profile


def test_profile_columns_of_technologies_without_profile_name(tmp_path: Path) -> None:
    # a table technology with no `profile` cell takes its constant availability; a profile column
    # for it is a profile that matches no technology
    data = write_case(tmp_path / "case", [COAL, PV | {"profile": ""}], [50, 80, 60], {"pv": [0.0, 1.0, 0.5]})
    with pytest.raises(InputError, match=r"cf.csv: technology: profile 'pv' matches no technology in the table"):
        load_inputs(make_config(data, tmp_path / "case"))


def test_netcdf_files_are_probed_together_and_a_bad_one_is_still_named(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """One child reads every NetCDF input while the tables are read; if it fails, nothing is marked read,
    so each file's own probe (and read) names the culprit."""
    import shutil

    monkeypatch.setattr(profiles, "_PROBED", set())
    repo = Path(__file__).resolve().parents[1] / "data" / "profiles"
    good = [tmp_path / "load.nc", tmp_path / "cf.nc"]
    shutil.copy(repo / "load_2025.nc", good[0])
    shutil.copy(repo / "cf_2025.nc", good[1])
    probes = profiles.start_probes([*good, tmp_path / "absent.nc"])
    probes.finish()
    assert {k[0] for k in profiles._PROBED} == {str(p.resolve()) for p in good}

    monkeypatch.setattr(profiles, "_PROBED", set())
    bad = tmp_path / "bad.nc"
    bad.write_bytes(b"\x89HDF\r\n\x1a\n" + b"not really HDF5 " * 20)
    probes = profiles.start_probes([*good, bad])
    probes.finish()
    assert profiles._PROBED == set()  # the child failed on bad.nc: no file counts as read
    with pytest.raises(InputError, match=r"bad\.nc"):
        profiles.read_capacity_factors(bad, "suzhou")

    probes = profiles.start_probes(good)  # an error elsewhere: the child is stopped, nothing left behind
    probes.cancel()
    assert probes.proc is None


def test_config_times_with_a_utc_offset_are_converted(tiny_case: TinyCase) -> None:
    """time.end given in UTC (quoted text or a YAML timestamp) is the same local hour as without offset."""
    import datetime as dt

    local = tiny_case.inputs({"time.end": "2025-01-01 01:00"})
    for end in ("2024-12-31 17:00+00:00", dt.datetime(2024, 12, 31, 17, 0, tzinfo=dt.UTC)):
        assert len(tiny_case.inputs({"time.end": end}).time) == len(local.time) == 2


def test_shipped_profiles_are_listed_as_known_good() -> None:
    """data/profiles/SHA256SUMS lists every shipped NetCDF with its current content, so a run reads
    them without the corrupt-file probe (a child process, about 0.1 s): regenerate it with the files
    (`python -m optimizer.datagen` does)."""
    repo = Path(__file__).resolve().parents[1] / "data" / "profiles"
    files = sorted(repo.glob("*.nc"))
    assert len(files) == 3 * len(DEFAULT_YEARS) and all(profiles.known_good(p) for p in files)


def test_known_good_files_skip_the_probe_and_changed_ones_do_not(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil
    import subprocess

    from optimizer.datagen import _verify_and_list

    repo = Path(__file__).resolve().parents[1] / "data" / "profiles"
    good = [tmp_path / "load.nc", tmp_path / "cf.nc"]
    shutil.copy(repo / "load_2025.nc", good[0])
    shutil.copy(repo / "cf_2025.nc", good[1])
    _verify_and_list(good)  # what datagen does after writing: read back, then list
    assert all(profiles.known_good(p) for p in good)

    children: list[object] = []
    real_popen = subprocess.Popen  # subprocess.run starts its child through Popen too
    monkeypatch.setattr(subprocess, "Popen", lambda *a, **k: children.append(a) or real_popen(*a, **k))
    monkeypatch.setattr(profiles, "_PROBED", set())
    probes = profiles.start_probes(good)
    probes.finish()
    profiles.probe_netcdf(good[1])
    assert children == [] and {k[0] for k in profiles._PROBED} == {str(p.resolve()) for p in good}

    # listed with another content (the file changed since, or the list is stale): probed as any other
    sums = tmp_path / profiles.CHECKSUMS
    sums.write_text(sums.read_text().replace(profiles.hashlib.sha256(good[1].read_bytes()).hexdigest(), "0" * 64))
    monkeypatch.setattr(profiles, "_PROBED", set())
    assert profiles.known_good(good[0]) and not profiles.known_good(good[1])
    profiles.probe_netcdf(good[1])
    assert len(children) == 1
    # no list at all: probed
    sums.unlink()
    monkeypatch.setattr(profiles, "_PROBED", set())
    assert not profiles.known_good(good[0])
    profiles.start_probes(good).finish()
    assert len(children) == 2
