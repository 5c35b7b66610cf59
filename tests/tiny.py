"""Tiny hand-checkable systems: write a few hours of inputs to a folder and return a Config."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pandas as pd

from optimizer.config import Config, config_from_dict

REPO = Path(__file__).resolve().parents[1]
ATTRIBUTES = REPO / "data" / "attributes.csv"

CARRIERS = [
    # name, price CNY/tce, tCO2/tce, fossil, coal, renewable
    ("coal", 1000.0, 2.0, True, True, False),
    ("gas", 3000.0, 1.0, True, False, False),
    ("solar", 0.0, 0.0, False, False, True),
    ("wind", 0.0, 0.0, False, False, True),
    ("biomass", 0.0, 0.0, False, False, True),
    ("hydro", 0.0, 0.0, False, False, True),
    ("grid_mix", 0.0, 0.0, False, False, False),
    ("electricity", 0.0, 0.0, False, False, False),
]


def write_case(
    folder: Path,
    techs: list[dict[str, Any]],
    load_mw: list[float],
    cf: dict[str, list[float]] | None = None,
    *,
    carriers: list[tuple] | None = None,
    year: int = 2025,
    heat_mw: list[float] | None = None,
    price_shapes: list[dict[str, Any]] | None = None,
    schedules: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Write technologies.csv, carriers.csv, load.csv and cf.csv (and, if given, heat.csv, price_shapes.csv and
    schedules.csv); return a config mapping."""
    folder.mkdir(parents=True, exist_ok=True)
    attrs = pd.read_csv(ATTRIBUTES)["attribute"].tolist()
    unknown = sorted({a for t in techs for a in t} - {"name", *attrs})
    if unknown:  # a misspelt attribute would otherwise be dropped, and the test would test nothing
        raise KeyError(f"unknown technology attribute(s) {unknown}; see data/attributes.csv")
    with open(folder / "technologies.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["name", *attrs])
        for t in techs:
            w.writerow([t["name"], *[t.get(a, "") for a in attrs]])
    with open(folder / "carriers.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["name", "fuel_price_cny_per_tce", "co2_t_per_tce", "fossil", "coal", "renewable"])
        for row in carriers or CARRIERS:
            w.writerow(row)
    n = len(load_mw)
    time = pd.date_range(f"{year}-01-01 00:00", periods=n, freq="h")
    pd.DataFrame({"timestamp": time.strftime("%Y-%m-%d %H:%M"), "load_mw": load_mw}).to_csv(
        folder / "load.csv", index=False)
    inputs: dict[str, Any] = {
        "technologies": str(folder / "technologies.csv"),
        "carriers": str(folder / "carriers.csv"),
        "attributes": str(ATTRIBUTES),
        "load": str(folder / "load.csv"),
    }
    if cf:
        frame = pd.DataFrame({"timestamp": time.strftime("%Y-%m-%d %H:%M"), **cf})
        frame.to_csv(folder / "cf.csv", index=False)
        inputs["capacity_factors"] = str(folder / "cf.csv")
    if heat_mw is not None:
        pd.DataFrame({"timestamp": time.strftime("%Y-%m-%d %H:%M"), "heat_mw": heat_mw}).to_csv(
            folder / "heat.csv", index=False)
        inputs["heat_load"] = str(folder / "heat.csv")
    if price_shapes is not None:
        pd.DataFrame(price_shapes, columns=["shape", "months", "hours", "period", "multiplier"]).to_csv(
            folder / "price_shapes.csv", index=False)
        inputs["price_shapes"] = str(folder / "price_shapes.csv")
    if schedules is not None:
        pd.DataFrame(schedules, columns=["corridor", "month", "energy_min_mwh", "energy_max_mwh", "power_min_mw",
                                         "power_max_mw"]).to_csv(folder / "schedules.csv", index=False)
        inputs["corridor_schedules"] = str(folder / "schedules.csv")
    return {
        "name": "tiny",
        "year": year,
        "inputs": inputs,
        "time": {"start": str(time[0]), "end": str(time[-1]), "scale_to_year": False},
        "economics": {"discount_rate": 0.0, "allow_unserved": False},
        "policy": {"share_basis": "electricity", "ramp_limits": True},
        # hand-worked toy numbers (a capex of 0.2 CNY/kW, a 100 MW city) are what the plausibility rules exist to
        # stop: off here; tests/test_plausibility.py switches them on
        "checks": {"plausibility": "off"},
        "output": {"dir": str(folder / "results")},
    }


def make_config(data: dict[str, Any], folder: Path, **updates: Any) -> Config:
    """Validate a config mapping (after shallow top-level updates)."""
    merged = {**data}
    for k, v in updates.items():
        if isinstance(v, dict) and isinstance(merged.get(k), dict):
            merged[k] = {**merged[k], **v}
        else:
            merged[k] = v
    return config_from_dict(merged, base_dir=folder)
