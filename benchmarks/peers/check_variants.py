"""Check that the PyPSA rebuild agrees with our model on variants of the config, not only the default.

Each variant is a list of ``--set`` overrides on a short window (default: one week, so the step
weights ``w_t`` differ from the step length and the storage weighting is exercised). For each, our
model and the PyPSA network are solved in this process and the objectives compared (1e-6 relative).

    python benchmarks/peers/check_variants.py [CONFIG] [--window "2025-01-07 23:00"]
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
    "calorific, imported coal counted": ["policy.energy_accounting.electricity_conversion=calorific",
                                         "policy.energy_accounting.count_imported_coal_power_as_coal=true"],
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
    "no scaling to a year, no contracted imports": ["time.scale_to_year=false", "policy.share_basis=electricity",
                                                    "technologies.import_jinping.annual_energy_min_mwh=0",
                                                    "technologies.import_baihetan.annual_energy_min_mwh=0",
                                                    "technologies.import_baihetan.annual_energy_max_mwh=500000"],
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("config", nargs="?", default=str(REPO / "configs" / "suzhou_2025.yaml"))
    ap.add_argument("--window", default="2025-01-07 23:00", help="time.end of the window")
    args = ap.parse_args()
    failed = []
    for name, sets in VARIANTS.items():
        cfg = load_config(args.config, [f"time.end={args.window}", *sets])
        inp = load_inputs(cfg)
        sol, _ = solve_model(build_model(inp, cfg), cfg.solver)
        _, obj = pypsa_case.solve_network(inp, cfg)
        rel = abs(obj - sol.objective) / abs(sol.objective)
        ok = sol.optimal and rel <= 1e-6
        failed += [] if ok else [name]
        print(f"{name:<40} ours {sol.objective:.10e}  PyPSA {obj:.10e}  rel {rel:.1e}  {'ok' if ok else 'FAIL'}",
              flush=True)
    if failed:
        raise SystemExit(f"disagree: {failed}")


if __name__ == "__main__":
    main()
