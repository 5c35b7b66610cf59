"""The zonal Suzhou case: split the one-zone inputs into the county-level zones.

    python -m optimizer.datagen.zones [--year 2025]

Reads the zone data (``data/zones/``: zones.csv with each zone's share of the load and its rooftop-PV
potential, plant_zones.csv with the share of each technology class's existing capacity in each zone,
corridor_landing.csv with the zones the import corridors land in, links.csv with the 500 kV transfer
capacities between zones; every number with its source or marked as an assumption) and the one-zone
inputs of ``configs/suzhou_<year>.yaml``, and writes ``data/zones/model/`` (technologies.csv,
technology_sources.csv, links.csv, load_<year>.nc, cf_<year>.nc) and ``configs/suzhou_<year>_zones.yaml``.

The rules (assumptions, stated in the files written):

* a technology class with existing capacity is split by plant_zones.csv (a class it does not list, by
  the zones' load shares); its potential (max_total_mw, min_total_mw, max_build_mw_per_yr) and its
  annual energy limits split the same way, rooftop PV's potential by the zones' rooftop potential;
* an import corridor lands where corridor_landing.csv says (several zones: split by its shares); a
  corridor landing in one zone keeps its name, so its schedules and calibration rows still apply;
* boilers make steam only (the steam networks are not zonal): each stays whole, in the zone named for it;
* each zone's hourly load is the city's load times its share (the same shape: no public zonal profile),
  and each zone has the city's capacity factors (one weather year for the whole city).

Each technology row is named ``<class>_<zone>``; the config's capacity targets and overrides name every
row of a class.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr
import yaml

ROOT = Path(__file__).resolve().parents[2]
ZONES = ROOT / "data" / "zones"
OUT = ZONES / "model"
#: attributes split with the capacity (MW or MWh of one class shared among zones)
SPLIT = ("existing_mw", "min_total_mw", "max_total_mw", "max_build_mw_per_yr", "existing_mwh",
         "annual_energy_max_mwh", "annual_energy_min_mwh", "flex_retrofit_max_mw")
#: attributes whose potential splits by the rooftop-PV potential, not by the load
ROOFTOP = ("pv_rooftop",)


def _csv(name: str) -> pd.DataFrame:
    return pd.read_csv(ZONES / name, comment="#", dtype=str, keep_default_na=False)


def _num(text: str) -> float | None:
    text = str(text).strip()
    return float(text) if text else None


def zone_shares() -> tuple[pd.DataFrame, dict[str, float], dict[str, float]]:
    """The zones table, the load share of each zone and its share of the rooftop-PV potential."""
    zones = _csv("zones.csv")
    load = {r["zone"]: float(r["load_share_energy"]) for _, r in zones.iterrows()}
    total = sum(load.values())
    if abs(total - 1.0) > 1e-6:
        raise SystemExit(f"data/zones/zones.csv: load_share_energy sums to {total}, not 1")
    pv = {r["zone"]: _num(r.get("rooftop_pv_potential_mw", "")) for _, r in zones.iterrows()}
    if all(v is not None for v in pv.values()):
        s = sum(pv.values())  # type: ignore[arg-type]
        roof = {z: v / s for z, v in pv.items()}  # type: ignore[operator]
    else:
        roof = dict(load)
    return zones, load, roof


def _shares(table: pd.DataFrame, key: str, name: str, col: str) -> dict[str, float]:
    rows = table[table[key] == name]
    out = {r["zone"]: float(r[col]) for _, r in rows.iterrows() if float(r[col]) > 0}
    if out and abs(sum(out.values()) - 1.0) > 1e-6:
        raise SystemExit(f"data/zones: the shares of {name} sum to {sum(out.values())}, not 1")
    return out


def split_technologies(techs: pd.DataFrame, sources: pd.DataFrame, load: dict[str, float],
                       roof: dict[str, float]) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, list[str]],
                                                        dict[str, dict[str, float]]]:
    """Technology rows per zone, their source rows, the rows of each class, and each class's zone shares."""
    plants = _csv("plant_zones.csv")
    landing = _csv("corridor_landing.csv")
    short_zh = dict(zip(*(_csv("zones.csv")[c] for c in ("zone", "short_zh")), strict=True))
    rows, src_rows = [], []
    members: dict[str, list[str]] = {}
    used: dict[str, dict[str, float]] = {}
    for _, r in techs.iterrows():
        k, kind = r["name"], r["kind"]
        if kind == "import":
            shares = _shares(landing, "corridor", k, "share")
            basis = "data/zones/corridor_landing.csv"
        elif kind == "boiler":
            shares = _shares(plants, "technology", k, "share_of_capacity") or {max(load, key=load.get): 1.0}
            basis = "data/zones/plant_zones.csv (boilers make steam only; the steam networks are not zonal)"
        else:
            shares = _shares(plants, "technology", k, "share_of_capacity")
            basis = "data/zones/plant_zones.csv"
            if not shares:
                shares = dict(roof if k in ROOFTOP else load)
                basis = "the zones' " + ("rooftop-PV potential" if k in ROOFTOP else "load shares") + \
                    " (data/zones/zones.csv; assumption: no plant list)"
        if not shares:
            raise SystemExit(f"data/zones: no zone for {k}")
        used[k] = shares
        one = len(shares) == 1
        members[k] = []
        for z, s in shares.items():
            name = k if one and kind == "import" else f"{k}_{z}"
            row = dict(r)
            row["name"], row["zone"] = name, z
            if name != k:  # the zone in the display names too
                if row.get("name_en"):
                    row["name_en"] = f"{row['name_en']} ({z})"
                if row.get("name_zh"):
                    row["name_zh"] = f"{row['name_zh']}·{short_zh[z]}"
            pot = roof[z] / sum(roof[x] for x in shares) if k in ROOFTOP and row.get("extendable") == "true" else s
            for a in SPLIT:
                v = _num(row.get(a, ""))
                if v is not None and math.isfinite(v):
                    row[a] = f"{v * (pot if a in ('max_total_mw', 'max_build_mw_per_yr', 'min_total_mw') else s):.6g}"
            rows.append(row)
            members[k].append(name)
            for _, sr in sources[(sources["table"] == "technologies") & (sources["name"] == k)].iterrows():
                note = sr["note"]
                if sr["attribute"] in SPLIT and not one:
                    note = f"{note} -- x {s:.4g} for zone {z} ({basis})"
                src_rows.append({**sr, "name": name, "note": note})
            if not one or kind != "import":
                src_rows.append({"table": "technologies", "name": name, "attribute": "zone", "source_key": "assumption",
                                 "note": f"{k} in zone {z}: share {s:.4g} ({basis})"})
    other = sources[sources["table"] != "technologies"]
    return (pd.DataFrame(rows, columns=techs.columns), pd.concat([pd.DataFrame(src_rows), other]), members, used)


def _links() -> pd.DataFrame:
    raw = _csv("links.csv")
    out = pd.DataFrame({
        "name": raw["name"], "zone_a": raw["zone_a"], "zone_b": raw["zone_b"], "existing_mw": raw["existing_mw"],
        "extendable": raw.get("extendable", "true"), "max_total_mw": raw.get("max_total_mw", ""),
        "capex_cny_per_kw": raw.get("capex_cny_per_kw", ""), "lifetime_yr": raw.get("lifetime_yr", ""),
        "fom_cny_per_kw_yr": raw.get("fom_cny_per_kw_yr", ""), "loss_frac": raw.get("loss_frac", ""),
        "source": raw.get("source_key", "") + ": " + raw.get("note", ""),
    })
    return out


def _config(year: int, members: dict[str, list[str]], used: dict[str, dict[str, float]], zones: list[str]) -> str:
    base = yaml.safe_load((ROOT / "configs" / f"suzhou_{year}.yaml").read_text(encoding="utf-8"))
    cfg = dict(base)
    cfg["name"] = f"suzhou_{year}_zones"
    cfg["description"] = (f"Suzhou {year} by zone ({', '.join(zones)}): the one-zone case's inputs split by "
                          "python -m optimizer.datagen.zones, with the 500 kV links between zones; 24 typical days "
                          "(the full year took 32 min on 2 cores; the days' error against it, 2025: cost -0.2 %, CO2 "
                          "+0.6 %, new capacity -3 %, benchmarks/RESULTS.md 2026-12-07)")
    cfg["zones"] = zones
    ins = dict(cfg["inputs"])
    ins.update({"technologies": "../data/zones/model/technologies.csv",
                "technology_sources": "../data/zones/model/technology_sources.csv",
                "sources": "../data/zones/model/sources.csv",
                "load": f"../data/zones/model/load_{year}.nc", "capacity_factors": f"../data/zones/model/cf_{year}.nc",
                "links": "../data/zones/model/links.csv"})
    cfg["inputs"] = ins
    cfg["time"] = {**cfg.get("time", {}), "typical_days": 24}
    techs = {}
    for k, attrs in (cfg.get("technologies") or {}).items():
        for name in members[k]:
            z = name.removeprefix(f"{k}_") if name != k else next(iter(used[k]))
            techs[name] = {a: (v * used[k][z] if a in SPLIT and isinstance(v, int | float) else v)
                           for a, v in attrs.items()}
    cfg["technologies"] = techs
    pol = dict(cfg["policy"])
    pol["capacity_targets"] = [{**t, "technologies": [n for k in t["technologies"] for n in members[k]]}
                               for t in pol.get("capacity_targets", [])]
    cfg["policy"] = pol
    head = (f"# GENERATED by `python -m optimizer.datagen.zones --year {year}` from configs/suzhou_{year}.yaml and\n"
            "# data/zones/ (see that module's docstring for the splitting rules); edit those, not this file.\n")
    return head + yaml.safe_dump(cfg, sort_keys=False, allow_unicode=True, width=120)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--year", type=int, default=2025)
    ap.add_argument("--out", type=Path, default=None, help="write the model files and the config here instead "
                    "(the tests compare a regeneration with the shipped files)")
    a = ap.parse_args(argv)
    write(a.year, a.out)


def write(year: int, out_root: Path | None = None) -> None:
    """Write the zonal model inputs and config (into the repository, or under ``out_root``)."""
    out_dir = OUT if out_root is None else out_root / "model"
    cfg_path = ROOT / "configs" / f"suzhou_{year}_zones.yaml" if out_root is None else out_root / "config.yaml"
    zones_t, load, roof = zone_shares()
    zones = list(zones_t["zone"])
    techs = pd.read_csv(ROOT / "data" / "technologies.csv", comment="#", dtype=str, keep_default_na=False)
    sources = pd.read_csv(ROOT / "data" / "technology_sources.csv", comment="#", dtype=str, keep_default_na=False)
    t, s, members, used = split_technologies(techs, sources, load, roof)
    out_dir.mkdir(parents=True, exist_ok=True)
    t.to_csv(out_dir / "technologies.csv", index=False)
    s.to_csv(out_dir / "technology_sources.csv", index=False)
    _links().to_csv(out_dir / "links.csv", index=False)
    bib = pd.read_csv(ROOT / "data" / "sources.csv", comment="#", dtype=str, keep_default_na=False)
    extra = _csv("sources_zones.csv")
    pd.concat([bib, extra.reindex(columns=bib.columns, fill_value="")]).to_csv(out_dir / "sources.csv", index=False)
    city = xr.load_dataset(ROOT / "data" / "profiles" / f"load_{year}.nc")
    shape = city["load_mw"].sum("zone")
    zonal = xr.concat([shape * load[z] for z in zones], dim=pd.Index(zones, name="zone")).transpose("time", "zone")
    out = xr.Dataset({"load_mw": zonal.astype(np.float64)}, attrs={
        **{k: v for k, v in city.attrs.items() if k in ("timezone", "year")},
        "title": f"Hourly electricity demand of Suzhou's zones, {year}",
        "generator": "python -m optimizer.datagen.zones", "rule": "the city's load x each zone's share of the "
        "annual consumption (data/zones/zones.csv); the same hourly shape in every zone (assumption)"})
    out["load_mw"].attrs = city["load_mw"].attrs
    out.to_netcdf(out_dir / f"load_{year}.nc")
    cf = xr.load_dataset(ROOT / "data" / "profiles" / f"cf_{year}.nc")
    one = cf["capacity_factor"].isel(zone=0, drop=True)
    cfz = xr.concat([one] * len(zones), dim=pd.Index(zones, name="zone")).transpose("time", "zone", "technology")
    cf_out = xr.Dataset({"capacity_factor": cfz}, attrs={**cf.attrs, "rule": "the city's capacity factors in every "
                                                          "zone (one weather year for the city; assumption)"})
    cf_out["capacity_factor"].attrs = cf["capacity_factor"].attrs
    cf_out.to_netcdf(out_dir / f"cf_{year}.nc")
    cfg_path.write_text(_config(year, members, used, zones), encoding="utf-8")
    print(f"wrote {out_dir} ({len(t)} technology rows in {len(zones)} zones) and {cfg_path}")


if __name__ == "__main__":
    main()
