# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Quick start: the Python API
#
# A case is a config file plus overrides (the CLI's `--set`, with `__` for the dots). This notebook solves
# the first week of Suzhou's 2025 plan case (scaled to a year: a quick look, not the study's answer), reads
# a few figures from the results, and sweeps the CO2 cap. Open it in Jupyter with jupytext, or run it as a
# script; the test suite runs it (tests/test_api.py).

# %%
from pathlib import Path

import optimizer

ROOT = next(p for p in [Path.cwd(), *Path.cwd().parents] if (p / "configs" / "suzhou_2025.yaml").is_file())
case = optimizer.Case.from_yaml(ROOT / "configs" / "suzhou_2025.yaml", time__end="2025-01-07 23:00")
inputs = case.validate()
peak = inputs.load_mw.sum(axis=1).max()
print(f"{len(inputs.time)} hours, {len(inputs.techs)} technologies, peak load {peak:,.0f} MW")

# %% [markdown]
# ## Solve
# `solve()` writes nothing and returns the results as an xarray Dataset, the layout of `results.nc`
# (MW, MWh, tCO2, CNY; annual figures per year).

# %%
ds = case.solve()
print(f"total cost {float(ds['total_cost_cny']) / 1e9:,.1f} bn CNY/yr, CO2 {float(ds['co2_t']) / 1e6:,.1f} Mt/yr")
new = ds["capacity_new_mw"].to_series()
print("new capacity, MW:")
print(new[new > 1].round(0).to_string())

# %% [markdown]
# ## Marginal prices and the emission factor of consumption
# Hourly prices are the duals of the energy balance; the plausibility rules' findings, if any, are in the
# `plausibility` attribute (an empty list here).

# %%
price = ds["marginal_price_cny_per_mwh"].sum("zone").to_series()
print(price.describe().round(1).to_string())
print("plausibility findings:", ds.attrs["plausibility"])

# %% [markdown]
# ## A cost-carbon sweep
# Two CO2 caps (Mt/yr), a little below the week's least-cost emissions; each point's status, cost and
# carbon shadow price.

# %%
frontier = case.sweep(carbon_caps_mt=[110, 105])
table = frontier[["total_cost_cny", "co2_t", "carbon_shadow_price_cny_per_t"]].to_dataframe()
print(table.assign(status=frontier["status"].values)[["status", "total_cost_cny", "co2_t",
                                                       "carbon_shadow_price_cny_per_t"]].round(1).to_string())
