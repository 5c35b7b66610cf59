"""Check that the PyPSA rebuild agrees with our model on variants of the config, not only the default.

Each variant is a list of ``--set`` overrides on a short window (default: one week, so the step
weights ``w_t`` differ from the step length and the storage weighting is exercised). For each, our
model and the PyPSA network are solved in this process and the objectives compared (1e-6 relative).
A zonal config (more than one zone) runs its own list of variants on its own time setting (the
shipped one: 24 typical days).

    python benchmarks/peers/check_variants.py [CONFIG] [--window "2025-01-07 23:00"] [--only NAME]
    python benchmarks/peers/check_variants.py configs/suzhou_2025_zones.yaml
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from optimizer.config import load_config  # noqa: E402
from optimizer.inputs import load_inputs  # noqa: E402
from optimizer.model import build_model  # noqa: E402
from optimizer.solve import solve_model  # noqa: E402
from peers import pypsa_case  # noqa: E402

VARIANTS: dict[str, list[str]] = {
    "default": [],
    "electricity basis": ["policy.share_basis=electricity", "policy.coal_share_max.value=0.4"],
    # the 2025 shares cannot be met on this basis (exit 3: coal 62.2 % at best, non-fossil 11.7 %): looser limits
    "calorific, imported coal counted": ["policy.energy_accounting.electricity_conversion=calorific",
                                         "policy.energy_accounting.count_imported_coal_power_as_coal=true",
                                         "policy.coal_share_max.value=0.65", "policy.nonfossil_share_min.value=0.11"],
    "CO2 cap and carbon price": ["policy.co2_cap_t.value=75000000", "policy.carbon_price_cny_per_t=60"],
    "binding coal ramp": ["technologies.coal_large.ramp_frac_per_h=0.03",
                          "carriers.coal.fuel_price_cny_per_tce=1000"],
    "cheap unserved energy": ["economics.voll_cny_per_mwh=200"],
    "no ramp limits, no unserved": ["policy.ramp_limits=false", "economics.allow_unserved=false"],
    "battery energy target, cheap storage": ["technologies.battery.capex_cny_per_kwh=150",
                                             "technologies.battery.vom_cny_per_mwh=5",
                                             "policy.capacity_targets.4.measure=energy",
                                             "policy.capacity_targets.4.value=3000"],
    "gas ramp, new-only target": ["technologies.gas_ccgt_new.ramp_frac_per_h=0.3",
                                  "policy.capacity_targets.0.new_only=true",
                                  "policy.capacity_targets.0.value=2000"],
    "no reserve margin": ["policy.reserve_margin=null"],
    "high reserve margin (firm storage binds)": ["policy.reserve_margin=0.35",
                                                 "technologies.battery.capex_cny_per_kwh=100",
                                                 "technologies.battery.firm_capacity_credit=1.0"],
    "3-hour steps": ["time.resolution_h=3"],
    # (the corridors' monthly contracts now hold the UHVDC minimums; the annual overrides of an earlier list went)
    "no scaling to a year, electricity basis": ["time.scale_to_year=false", "policy.share_basis=electricity"],
    # the families added since the first rebuild
    "minimum up and down times": ["policy.min_up_down_times=true"],
    "no unit commitment": ["policy.unit_commitment=false"],
    "reserve shortfall price, no largest unit": ["policy.operating_reserve.shortfall_cny_per_mw_h=200",
                                                 "policy.operating_reserve.largest_unit=false"],
    "city-wide CO2 cap": ["policy.co2_scope=city", "policy.co2_cap_t.value=240000000"],
    "LNG and a tight pipeline, clean electricity enforced": [
        "policy.gas_supply.pipeline_bcm.value=9.5", "policy.gas_supply.lng_bcm_max=2.0",
        "policy.clean_electricity_share_min.value=0.3", "policy.clean_electricity_share_min.enforce=true"],
    "simultaneous import limit": ["policy.import_limit_mw.value=20000"],
    "no flexibility retrofit, must-run off": ["technologies.coal_large.flex_retrofit_min_stable_frac=0",
                                              "technologies.coal_large.must_run_frac=0"],
    "typical days": ["time.typical_days=4", "time.end=null"],
}

#: variants of a zonal config (its own technology names; the window is the config's own typical days)
ZONAL_VARIANTS: dict[str, list[str]] = {
    "default": [],
    "zonal reserve margin": ["policy.reserve_margin_scope=zone"],
    "minimum up and down times within the typical days": ["policy.min_up_down_times=true"],
    "chronological week": ["time.typical_days=null", "time.end=2025-01-07 23:00"],
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("config", nargs="?", default=str(REPO / "configs" / "suzhou_2025.yaml"))
    ap.add_argument("--window", default="2025-01-07 23:00", help="time.end of the window (one-zone configs)")
    ap.add_argument("--only", action="append", default=[], help="run only the variants whose name contains this")
    args = ap.parse_args()
    failed = []
    zonal = len(load_config(args.config).zones) > 1
    variants = ZONAL_VARIANTS if zonal else VARIANTS
    for name, sets in variants.items():
        if args.only and not any(o in name for o in args.only):
            continue
        cfg = load_config(args.config, sets if zonal else [f"time.end={args.window}", *sets])
        inp = load_inputs(cfg)
        verdict = _compare(inp, cfg, name)
        if verdict == "differ":  # an interior point HiGHS accepted as optimal may be imprecise: the simplex settles it
            exact = cfg.model_copy(update={"solver": cfg.solver.model_copy(update={"method": "simplex"})})
            verdict = _compare(inp, exact, "  the same, simplex")
            if verdict == "ok":
                print(f"{'':<40} (agree: an interior point above was imprecise)", flush=True)
        if verdict != "ok":
            failed.append(name)
    if failed:
        raise SystemExit(f"disagree: {failed}")


def _compare(inp: object, cfg: object, name: str) -> str:
    """Solve ours and the PyPSA network and print both objectives: 'ok' (1e-6 relative), 'differ' or 'failed'."""
    sol, _ = solve_model(build_model(inp, cfg), cfg.solver)
    if not sol.optimal:  # a variant the data have outgrown: nothing to compare
        print(f"{name:<40} ours not optimal ({sol.highs_status})  FAIL", flush=True)
        return "failed"
    try:
        _, obj = pypsa_case.solve_network(inp, cfg)
    except RuntimeError as e:  # PyPSA's HiGHS without a verdict: say so and go on
        print(f"{name:<40} ours {sol.objective:.10e}  PyPSA failed: {e}  FAIL", flush=True)
        return "failed"
    rel = abs(obj - sol.objective) / abs(sol.objective)
    verdict = "ok" if rel <= 1e-6 else "differ"
    print(f"{name:<40} ours {sol.objective:.10e}  PyPSA {obj:.10e}  rel {rel:.1e}  {verdict}", flush=True)
    return verdict


if __name__ == "__main__":
    main()
