"""Display units and rounding of the annual report.

Tables keep their model-side unit in the column key (``new_mw``, ``energy_gwh``, ``cost_m_cny``). The
English report shows them as they are; the Chinese report and workbook show the plan's units: 万千瓦
(10 MW), 万千瓦时 (10 MWh), 亿千瓦时 (100 GWh), 亿元 (100 M CNY), 万吨 (10 kt), 亿立方米, 元/千瓦时.
:func:`scale_frame` converts a table's numeric columns, :func:`decimals` says how many digits a column
is shown with (the HTML format and the workbook's ``number_format``), and :func:`clean` turns solver
noise (a value that rounds to zero at the shown digits) into 0.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from optimizer.report import i18n

#: Chinese display of a column key: (factor from the table's unit, decimals, zh header)
ZH_COLUMNS: dict[str, tuple[float, int, str]] = {
    "existing_mw": (0.1, 2, "现役（万千瓦）"),
    "new_mw": (0.1, 2, "新建（万千瓦）"),
    "total_mw": (0.1, 2, "合计（万千瓦）"),
    "capacity_mw": (0.1, 2, "容量（万千瓦）"),
    "installed_mw": (0.1, 2, "装机容量（万千瓦）"),
    "mean_fwd_mw": (0.1, 2, "平均潮流 a→b（万千瓦）"),
    "mean_bwd_mw": (0.1, 2, "平均潮流 b→a（万千瓦）"),
    "congestion_rent_m_cny": (1e-2, 2, "阻塞盈余（亿元/年）"),
    "peak_available_mw": (0.1, 2, "高峰可用（万千瓦）"),
    "peak_output_mw": (0.1, 2, "高峰出力（万千瓦）"),
    "valley_available_mw": (0.1, 2, "低谷可用（万千瓦）"),
    "valley_output_mw": (0.1, 2, "低谷出力（万千瓦）"),
    "valley_floor_mw": (0.1, 2, "低谷最小出力（万千瓦）"),
    "valley_room_mw": (0.1, 2, "低谷调峰能力（万千瓦）"),
    "tight_output_mw": (0.1, 2, "裕度最小时出力（万千瓦）"),
    "tight_floor_mw": (0.1, 2, "裕度最小时最小出力（万千瓦）"),
    "tight_room_mw": (0.1, 2, "裕度最小时调峰能力（万千瓦）"),
    "firm_mw": (0.1, 2, "可信容量（万千瓦）"),
    "firm_credit_pct": (1.0, 1, "可信容量系数（%）"),
    "cost_change_pct": (1.0, 2, "总成本变化（%）"),
    "co2_change_mt": (100.0, 1, "排放变化（万吨/年）"),
    "d_coal_mw": (0.1, 2, "Δ煤电（万千瓦）"),
    "d_gas_mw": (0.1, 2, "Δ气电（万千瓦）"),
    "d_pv_mw": (0.1, 2, "Δ光伏（万千瓦）"),
    "d_wind_mw": (0.1, 2, "Δ风电（万千瓦）"),
    "d_biomass_mw": (0.1, 2, "Δ生物质（万千瓦）"),
    "d_storage_mw": (0.1, 2, "Δ储能（万千瓦）"),
    "d_import_mw": (0.1, 2, "Δ受电通道（万千瓦）"),
    "peak_zone_load_mw": (0.1, 2, "高峰负荷（万千瓦）"),
    "reserve_required_mw": (0.1, 2, "最高负荷加备用（万千瓦）"),
    "link_in_mw": (0.1, 2, "联络线受入能力（万千瓦）"),
    "firm_surplus_mw": (0.1, 2, "可信容量盈余（+）/缺额（−）（万千瓦）"),
    "peak_net_import_mw": (0.1, 2, "高峰净受入（万千瓦）"),
    "peak_surplus_mw": (0.1, 2, "高峰盈余（万千瓦）"),
    "peak_unserved_mw": (0.1, 2, "高峰失负荷（万千瓦）"),
    "valley_unserved_mw": (0.1, 2, "低谷失负荷（万千瓦）"),
    "valley_zone_load_mw": (0.1, 2, "低谷负荷（万千瓦）"),
    "valley_net_import_mw": (0.1, 2, "低谷净受入（万千瓦）"),
    "valley_surplus_mw": (0.1, 2, "低谷盈余（万千瓦）"),
    "peak_mw": (0.1, 2, "最大受电功率（万千瓦）"),
    "mean_load_mw": (0.1, 2, "平均负荷（万千瓦）"),
    "max_load_mw": (0.1, 2, "最大负荷（万千瓦）"),
    "peak_load_mw": (0.1, 2, "最高负荷（万千瓦）"),
    "energy_existing_mwh": (0.1, 2, "储能现役容量（万千瓦时）"),
    "energy_new_mwh": (0.1, 2, "储能新建容量（万千瓦时）"),
    "energy_total_mwh": (0.1, 2, "储能总容量（万千瓦时）"),
    "unserved_mwh": (0.1, 2, "失负荷电量（万千瓦时/年）"),
    "energy_gwh": (1e-2, 2, "电量（亿千瓦时/年）"),
    "curtailment_gwh": (1e-2, 2, "弃电量（亿千瓦时/年）"),
    "load_energy_twh": (10.0, 2, "全年用电量（亿千瓦时）"),
    "heat_gwh": (0.36, 1, "供热量（万吉焦）"),  # 1 GWh = 3,600 GJ
    "demand_gwh": (0.36, 1, "需求（万吉焦）"),
    "supply_gwh": (0.36, 1, "供应（万吉焦）"),
    "emissions_mt": (100.0, 1, "排放（万吨CO2/年）"),
    "co2_mt": (100.0, 1, "电力二氧化碳排放（万吨/年）"),
    "co2_city_mt": (100.0, 1, "全市二氧化碳排放（含非电力，万吨/年）"),
    "intensity_t_per_mwh": (1.0, 3, "排放强度（千克CO2/千瓦时）"),  # t/MWh = kg/kWh
    "cost_m_cny": (1e-2, 2, "成本（亿元/年）"),
    "total_cost_bn_cny": (10.0, 2, "系统年总成本（亿元/年）"),
    "cost_cny_per_mwh": (1e-3, 4, "单位用电量（元/千瓦时）"),
    "cost_per_mwh": (1e-3, 4, "平均供电成本（元/千瓦时）"),
    "mean_price": (1e-3, 4, "平均边际电价（元/千瓦时）"),
    "mean_cost_cny_per_mwh": (1e-3, 4, "平均边际成本（元/千瓦时）"),
    "gas_use_bcm": (10.0, 2, "天然气用量（全社会，亿立方米/年）"),
    "ef_avg_t_per_mwh": (1.0, 3, "用电平均排放因子（千克CO2/千瓦时）"),
    "ef_marginal_t_per_mwh": (1.0, 3, "用电边际排放因子（负荷加权，千克CO2/千瓦时）"),
    "renewable_utilisation_pct": (1.0, 1, "新能源利用率（%）"),
    "utilisation_pct": (1.0, 1, "通道利用率（%）"),
    "wet_gwh": (1e-2, 2, "丰水期6–10月（亿千瓦时）"),
    "dry_gwh": (1e-2, 2, "枯水期12–4月（亿千瓦时）"),
    "wet_utilisation_pct": (1.0, 1, "丰水期利用率（%）"),
    "dry_utilisation_pct": (1.0, 1, "枯水期利用率（%）"),
    "coal_share_cost_m_cny_per_pp": (1e-2, 2, "煤炭比重目标收紧1个百分点的成本（亿元/年）"),
    "nonfossil_share_cost_m_cny_per_pp": (1e-2, 2, "非化石比重目标提高1个百分点的成本（亿元/年）"),
    # the pathway report's tables (one row per period)
    "retired_mw": (0.1, 2, "提前退役（累计，万千瓦）"),
    "new_generator_mw": (0.1, 2, "新增本地电源（万千瓦）"),
    "new_storage_mw": (0.1, 2, "新增储能（万千瓦）"),
    "new_import_mw": (0.1, 2, "新增受电能力（万千瓦）"),
    "share_pct": (1.0, 1, "占比（%）"),
    "capacity_gw": (100.0, 2, "装机容量（万千瓦）"),
    "supply_twh": (10.0, 2, "发电量与区外受电量（亿千瓦时/年）"),
    "annual_cost_bn_cny": (10.0, 2, "年度成本（亿元/年）"),
    "annual_operating_cost_bn_cny": (10.0, 2, "不含投资的年度成本（亿元/年）"),
    "discounted_cost_bn_cny": (10.0, 2, "折现成本（亿元）"),
    "overnight_investment_bn_cny": (10.0, 2, "静态投资（亿元）"),
    "coal_share_pct": (1.0, 2, "煤炭占能源消费总量比重（%）"),
    "nonfossil_share_pct": (1.0, 2, "非化石能源消费比重（%）"),
    "clean_electricity_share_pct": (1.0, 2, "清洁电量占比（%）"),
    "coal_limit_pct": (1.0, 2, "适用的煤炭比重上限（%）"),
    "nonfossil_floor_pct": (1.0, 2, "适用的非化石比重下限（%）"),
    "years_represented": (1.0, 0, "代表年数"),
    "discounted_years": (1.0, 3, "折现年数"),
}

#: tables with one column per period (the pathway report): table -> (key of the values in its period
#: columns, their English unit)
PERIOD_VALUES: dict[str, tuple[str, str]] = {
    "pw_capacity": ("capacity_mw", "MW"), "pw_built": ("new_mw", "MW"), "pw_retired": ("retired_mw", "MW"),
    "pw_energy": ("energy_gwh", "GWh/yr"), "pw_mix": ("share_pct", "%"), "pw_emissions": ("emissions_mt", "Mt CO2/yr"),
    "pw_cost": ("cost_m_cny", "M CNY/yr"),
}


#: tables with one column per month (``m01`` ... ``m12``): table -> (English unit, (factor, decimals, Chinese unit))
MONTH_TABLES: dict[str, tuple[str, tuple[float, int, str]]] = {
    "corridor_months": ("GWh", (1e-2, 2, "亿千瓦时")),   # GWh -> 亿千瓦时
    "gas_months": ("M m3", (1e-2, 2, "亿立方米")),       # million m3 -> 亿立方米
}


def month_header(name: str, key: str, lang: str) -> str | None:
    """English header of a month column of a :data:`MONTH_TABLES` table ('Jan (GWh)'), else None."""
    if name not in MONTH_TABLES or not (key.startswith("m") and key[1:].isdigit()) or lang == "zh":
        return None
    return f"{i18n.label(key, lang)} ({MONTH_TABLES[name][0]})"


def is_period(key: str) -> bool:
    """Whether a column key is a period (a year)."""
    return len(key) == 4 and key.isdigit()


def value_key(name: str, key: str) -> str:
    """The key whose unit and digits column ``key`` of table ``name`` has: a period column of a
    :data:`PERIOD_VALUES` table has its values' key, any other column its own."""
    return PERIOD_VALUES[name][0] if name in PERIOD_VALUES and is_period(key) else key


def period_header(name: str, key: str, lang: str) -> str | None:
    """Header of a period column of a :data:`PERIOD_VALUES` table ('2030 (MW)', '2030（万千瓦）'), else None."""
    if name not in PERIOD_VALUES or not is_period(key):
        return None
    if lang != "zh":
        return f"{key} ({PERIOD_VALUES[name][1]})"
    zh = ZH_COLUMNS[PERIOD_VALUES[name][0]][2]
    return f"{key}{zh[zh.rfind('（'):]}"

#: the cost-by-technology table's component columns are M CNY/yr
M_CNY = (1e-2, 2, "亿元/年")

#: decimals of the English display by column key (the rest: *_pct 1, *_mw / *_mwh 0, others 2)
EN_DECIMALS = {
    "energy_gwh": 1, "curtailment_gwh": 1, "heat_gwh": 1, "demand_gwh": 1, "supply_gwh": 1,
    "full_load_hours": 0, "emissions_mt": 3, "intensity_t_per_mwh": 3, "cost_m_cny": 1, "cost_cny_per_mwh": 2,
    "utilisation_pct": 1, "renewable_utilisation_pct": 1, "hours": 0, "marginal_cost": 2, "starts_per_year": 1,
    "cycles_per_year": 1,
    "total_cost_bn_cny": 2, "co2_mt": 2, "co2_city_mt": 2, "load_energy_twh": 2, "gas_use_bcm": 2,
    "ef_avg_t_per_mwh": 3, "ef_marginal_t_per_mwh": 3, "wet_gwh": 1, "dry_gwh": 1,
    "share_pct": 1, "years_represented": 0, "discounted_years": 3, "capacity_gw": 2, "supply_twh": 2,
    "annual_cost_bn_cny": 2, "annual_operating_cost_bn_cny": 2, "discounted_cost_bn_cny": 2,
    "overnight_investment_bn_cny": 2, "coal_share_pct": 2, "nonfossil_share_pct": 2, "clean_electricity_share_pct": 2,
    "coal_limit_pct": 2, "nonfossil_floor_pct": 2,
    **{f"m{mo:02d}": 1 for mo in range(1, 13)},
}

#: units of the targets table (plan units, display) -> (factor, zh unit, decimals)
ZH_TARGET_UNITS: dict[str, tuple[float, str, int]] = {
    "GW": (100.0, "万千瓦", 2),
    "GWh": (100.0, "万千瓦时", 2),
    "Mt CO2/yr": (100.0, "万吨CO2/年", 1),
    "bcm/yr": (10.0, "亿立方米/年", 2),
    "%": (1.0, "%", 2),
}
EN_TARGET_DECIMALS = {"%": 2, "GW": 3, "GWh": 3, "Mt CO2/yr": 2, "bcm/yr": 2}
#: units of a target's marginal cost -> (factor, zh unit)
ZH_COST_UNITS: dict[str, tuple[float, str]] = {
    "CNY/kW/yr": (1.0, "元/千瓦·年"),
    "CNY/kWh/yr": (1.0, "元/千瓦时·年"),
    "M CNY/yr per pp": (1e-2, "亿元/年·百分点"),
    "CNY/tCO2": (1.0, "元/吨CO2"),
    "CNY/m3": (1.0, "元/立方米"),
}


def decimals(key: str, lang: str, name: str = "") -> int:
    """Digits after the point that column ``key`` (of table ``name``) is shown with."""
    spec = zh_column(name, key) if lang == "zh" else None
    if spec is not None:
        return spec[1]
    key = value_key(name, key)
    if key in EN_DECIMALS:
        return EN_DECIMALS[key]
    if key.endswith("_pct"):
        return 1
    if key.endswith("_mw") or key.endswith("_mwh"):
        return 0
    return 2


def clean(v: float, digits: int) -> float:
    """``v`` with solver noise removed: 0 where it rounds to zero at ``digits``, no negative zero."""
    if not math.isfinite(v):
        return v
    return 0.0 if abs(v) < 0.5 * 10.0 ** -digits else v


def fmt(v: Any, digits: int) -> str:
    """A number with thousands separators and ``digits`` decimals ('—' if missing, never '-0.00')."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    x = clean(float(v), digits) + 0.0
    out = format(x, f",.{digits}f")
    return out[1:] if out.startswith("-") and out.strip("-0.,") == "" else out


def number_format(digits: int) -> str:
    """Excel number format with thousands separators and ``digits`` decimals."""
    return "#,##0" + ("." + "0" * digits if digits > 0 else "")


def zh_column(name: str, key: str) -> tuple[float, int, str] | None:
    """How column ``key`` of table ``name`` is shown in Chinese (factor, decimals, header), None if as is."""
    if name == "cost_technology" and key not in ("id", "owner"):
        return M_CNY
    if name in MONTH_TABLES and key.startswith("m") and key[1:].isdigit():  # a month's energy or gas
        f, d, unit = MONTH_TABLES[name][1]
        return (f, d, f"{int(key[1:])}月（{unit}）")
    if name in PERIOD_VALUES and is_period(key):
        f, d, _ = ZH_COLUMNS[PERIOD_VALUES[name][0]]
        return (f, d, str(period_header(name, key, "zh")))
    return ZH_COLUMNS.get(key)


def scale_frame(name: str, df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The table's numeric columns in the display units of ``lang`` (a copy; English: unchanged)."""
    out = df.copy()
    if lang != "zh":
        return out
    for c in out.columns:
        spec = zh_column(name, str(c))
        if spec is not None and pd.api.types.is_numeric_dtype(out[c]):
            out[c] = out[c].astype(float) * spec[0]
    return out


def zh_targets(df: pd.DataFrame) -> pd.DataFrame:
    """The targets table in the plan's Chinese units (values scaled, unit codes replaced)."""
    out = df.copy()
    for tid, r in df.iterrows():
        f, unit, _ = ZH_TARGET_UNITS.get(str(r["unit"]), (1.0, str(r["unit"]), 2))
        for c in ("plan_value", "lower", "upper", "achieved"):
            out.at[tid, c] = float(r[c]) * f if r[c] is not None else r[c]
        out.at[tid, "unit"] = unit
        cf, cunit = ZH_COST_UNITS.get(str(r["marginal_cost_unit"]), (1.0, str(r["marginal_cost_unit"])))
        out.at[tid, "marginal_cost"] = float(r["marginal_cost"]) * cf
        out.at[tid, "marginal_cost_unit"] = cunit
    return out


def target_decimals(unit: str) -> int:
    """Digits of a targets-table value in ``unit`` (display unit of either language)."""
    for _, (_, zh_unit, d) in ZH_TARGET_UNITS.items():
        if unit == zh_unit:
            return d
    return EN_TARGET_DECIMALS.get(unit, 2)


#: figures: factor from the table unit to the axis unit, (English, Chinese); the axis labels (i18n ``ax_*``)
#: name the unit: GW / 万千瓦 from MW, TWh / 亿千瓦时 from GWh, GWh / 万千瓦时 from MWh, Mt / 万吨 from Mt,
#: bn CNY / 亿元 from M CNY, CNY/MWh / 元/千瓦时 from CNY/MWh
FIGURE_SCALE: dict[str, tuple[float, float]] = {
    "power": (1e-3, 0.1), "energy": (1e-3, 1e-2), "stored": (1e-3, 0.1), "co2": (1.0, 100.0), "cost": (1e-3, 1e-2),
    "price": (1.0, 1e-3),
}


def fig_scale(kind: str, lang: str) -> float:
    """Factor from the table unit to a figure's axis unit in ``lang`` (:data:`FIGURE_SCALE`)."""
    en, zh = FIGURE_SCALE[kind]
    return zh if lang == "zh" else en
