"""Labels of the report in English and Chinese.

Column keys of the tables in :mod:`optimizer.report.tables` are stable English identifiers
(``existing_mw``); :func:`label` turns them, section ids, technology and component names and the
plan's terms into display text. Chinese labels use the plan's own words (光伏, 生物质, 天然气,
新型储能, 区外电力受进能力, 煤炭占能源消费总量比重, 非化石能源消费比重, 碳达峰 ...).
Unknown keys fall back to the key itself, so a new technology never breaks the report.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

LANGS = ("en", "zh")

_LABELS: dict[str, tuple[str, str]] = {
    # page and sections
    "report_title": ("Suzhou power planning study", "苏州市电力规划优化分析报告"),
    "toc": ("Contents", "目录"),
    "sec_headline": ("Headline figures", "主要指标"),
    "sec_targets": ("The plan's targets and what the solution achieves", "碳达峰实施方案目标与优化结果对照"),
    "sec_capacity": ("Installed capacity by technology", "分技术装机容量"),
    "sec_balance": ("Power balance (电力平衡): firm capacity, and the steps of highest and lowest load",
                    "电力平衡"),
    "balance_note": ("Each supply's capacity available in the step of highest load ({peak}) and of lowest load "
                     "({valley}), and what it gave; below, the load, the operating reserve required and the "
                     "surplus (+) or deficit (-) of what was available over load plus reserve. Storage counts at "
                     "its power, net of charging in its output.",
                     "最高负荷时刻（高峰，{peak}）与最低负荷时刻（低谷，{valley}）各电源的可用容量与实际出力；表末为负荷、"
                     "运行备用需求，以及可用容量扣除负荷与备用后的盈余（+）或缺额（−）。储能按功率计，出力为放电减充电。"),
    "installed_mw": ("Installed (MW)", "装机容量（MW）"),
    "firm_balance_title": ("Firm capacity against the peak and its reserve margin", "电力平衡（可信容量口径）"),
    "firm_balance_note": ("Each supply's capacity counted as firm (its credit; storage: the power it can hold for "
                          "the firm duration) against the peak load plus the reserve margin ({m} %), as the model's "
                          "reserve-margin row counts them.",
                          "各电源计入的可信容量（按可信容量系数；储能按可持续满功率放电时长折算）与最高负荷加备用"
                          "（备用率 {m}%）的对比，口径与模型的备用容量约束一致。"),
    "hourly_balance_title": ("Available capacity and output at the peak and at the lowest load",
                             "高峰与低谷时刻电力平衡（可用容量与出力）"),
    "regulation_title": ("Downward flexibility (调峰平衡) at the lowest load and where it is least",
                         "调峰平衡（低谷时刻与调峰裕度最小时刻）"),
    "regulation_note": ("Each supply's output in the step of lowest load ({valley}) and in the step where the room to "
                        "go down is least ({tight}); its lowest possible output there (the minimum stable output "
                        "of the capacity committed, the power that comes with the heat delivered, a corridor's "
                        "block schedule or contracted minimum; storage charging at full power, a negative "
                        "output); and the room between (调峰能力). Below: the load, the lowest outputs together, "
                        "renewable output curtailed, and the room left in total (调峰裕度). With no room left, "
                        "the step curtails or sheds.",
                        "低谷时刻（{valley}）与调峰裕度最小时刻（{tight}）各电源的实际出力、当时可降至的最小出力（已开机"
                        "容量的最小技术出力、供热所对应的电出力、区外来电的分时段计划或合同最小功率；储能按满功率充电计为负"
                        "出力）及二者之差（调峰能力）。表末为负荷、最小出力合计、弃电以及调峰裕度合计；裕度为零时该时刻需"
                        "弃电或失负荷。"),
    "valley_floor_mw": ("Lowest load: minimum output (MW)", "低谷最小出力（MW）"),
    "valley_room_mw": ("Lowest load: room to go down (MW)", "低谷调峰能力（MW）"),
    "tight_output_mw": ("Least room: output (MW)", "裕度最小时出力（MW）"),
    "tight_floor_mw": ("Least room: minimum output (MW)", "裕度最小时最小出力（MW）"),
    "tight_room_mw": ("Least room: room to go down (MW)", "裕度最小时调峰能力（MW）"),
    "floor_total": ("Minimum output, total", "最小出力合计"),
    "room_total": ("Room to go down, total (调峰裕度)", "调峰裕度合计"),
    "sheet_regulation": ("downward flexibility", "调峰平衡"),
    "zone_firm_title": ("Firm capacity by zone against its peak", "分区电力平衡（可信容量口径）"),
    "zone_firm_note": ("Firm capacity located in each zone against the zone's own peak and the reserve margin, with "
                       "the capacity of the links into the zone (less losses): a deficit means the zone counts on "
                       "more than its links can carry at the peak.",
                       "各分区内电源的可信容量与本区最高负荷加备用的对比，并列出各区联络线受入能力（扣除损耗）；"
                       "出现缺额说明该区高峰时所需受入超过联络线能力。"),
    "reserve_required_mw": ("Peak plus reserve margin (MW)", "最高负荷加备用（MW）"),
    "link_in_mw": ("Link capacity into the zone (MW)", "联络线受入能力（MW）"),
    "firm_surplus_mw": ("Surplus (+) or deficit (−) (MW)", "盈余（+）或缺额（−）（MW）"),
    "sheet_zone_firm": ("firm capacity by zone", "分区可信容量平衡"),
    "firm_credit_pct": ("Firm share (%)", "可信容量系数（%）"),
    "firm_mw": ("Firm capacity (MW)", "可信容量（MW）"),
    "firm_total": ("Firm capacity, total", "可信容量合计"),
    "peak_load": ("Peak load", "最高负荷"),
    "reserve_required": ("Peak load plus reserve margin", "最高负荷加备用"),
    "firm_surplus": ("Surplus (+) or deficit (−)", "盈余（+）或缺额（−）"),
    "sheet_firm_balance": ("firm capacity balance", "电力平衡（可信容量）"),
    "zone_balance_title": ("Power balance by zone", "分区电力平衡"),
    "zone_balance_note": ("Per zone at the same two steps: its load, the capacity available in it and what its "
                          "plants gave, what it received net over the links (sent: negative) and the surplus, "
                          "available plus net received less load. The total's net import is the links' losses.",
                          "各分区在上述两个时刻的负荷、区内可用容量与实际出力、经联络线的净受入（送出为负），以及盈余"
                          "（可用容量加净受入减负荷）。合计行的净受入即联络线损耗。"),
    "peak_zone_load_mw": ("Peak: load (MW)", "高峰负荷（MW）"),
    "peak_net_import_mw": ("Peak: net import (MW)", "高峰净受入（MW）"),
    "peak_surplus_mw": ("Peak: surplus (MW)", "高峰盈余（MW）"),
    "valley_zone_load_mw": ("Valley: load (MW)", "低谷负荷（MW）"),
    "valley_net_import_mw": ("Valley: net import (MW)", "低谷净受入（MW）"),
    "valley_surplus_mw": ("Valley: surplus (MW)", "低谷盈余（MW）"),
    "peak_unserved_mw": ("Peak: load not served (MW)", "高峰失负荷（MW）"),
    "valley_unserved_mw": ("Valley: load not served (MW)", "低谷失负荷（MW）"),
    "sec_links": ("Transmission between zones", "分区间输电"),
    "links_note": ("Per link: its capacity, the mean flow each way, the hours a year it runs at its capacity "
                   "(congested) and the congestion rent, what the power received is worth at the receiving "
                   "zone's price less what it was worth where it was sent.",
                   "各联络线：容量、双向平均潮流、全年满载（阻塞）小时数，以及阻塞盈余，即受端电价下所受电力的价值减去送端电价下的价值。"),
    "zone": ("Zone", "分区"),
    "sec_sensitivity": ("Sensitivity to the estimated inputs", "敏感性分析"),
    "sensitivity_note": ("Each estimated input moved alone, the others at the study's values "
                         "(optimizer sweep --one-at-a-time): the total cost, emissions and the capacity built "
                         "change from the base point ({cost} bn CNY/yr, {co2} Mt CO2/yr) as shown.",
                         "每次只改变一项估计输入，其余保持本方案取值（单因素敏感性扫描）；"
                         "表中为系统总成本、排放与装机相对基准（{cost}亿元/年，{co2}万吨/年）的变化。"),
    "sensitivity_base_differs": ("The sweep's base point is not this run (its cost differs): the changes are "
                                 "against the sweep's own base.",
                                 "敏感性分析的基准点与本次运行不一致（成本不同）：变化量相对于其自身基准。"),
    "fig_sensitivity": ("Change of the total system cost with each estimated input", "系统总成本对各估计输入的敏感性"),
    "ax_cost_change_pct": ("Change of total cost (%)", "系统总成本变化（%）"),
    "parameter": ("Input", "输入参数"),
    "cost_change_pct": ("Cost change (%)", "成本变化（%）"),
    "co2_change_mt": ("CO2 change (Mt/yr)", "排放变化（百万吨/年）"),
    "d_coal_mw": ("Δ coal (MW)", "Δ煤电（MW）"),
    "d_gas_mw": ("Δ gas (MW)", "Δ气电（MW）"),
    "d_pv_mw": ("Δ PV (MW)", "Δ光伏（MW）"),
    "d_wind_mw": ("Δ wind (MW)", "Δ风电（MW）"),
    "d_biomass_mw": ("Δ biomass (MW)", "Δ生物质（MW）"),
    "d_storage_mw": ("Δ storage (MW)", "Δ储能（MW）"),
    "d_import_mw": ("Δ import corridors (MW)", "Δ受电通道（MW）"),
    "sheet_sensitivity": ("sensitivity", "敏感性分析"),
    "link": ("Link", "联络线"),
    "zone_a": ("Zone a", "区域a"),
    "zone_b": ("Zone b", "区域b"),
    "mean_fwd_mw": ("Mean flow a→b (MW)", "平均潮流 a→b（MW）"),
    "mean_bwd_mw": ("Mean flow b→a (MW)", "平均潮流 b→a（MW）"),
    "congested_hours": ("Hours at capacity (h/yr)", "阻塞小时数（小时/年）"),
    "congestion_rent_m_cny": ("Congestion rent (M CNY/yr)", "阻塞盈余（百万元/年）"),
    "peak_available_mw": ("Peak: available (MW)", "高峰可用（MW）"),
    "peak_output_mw": ("Peak: output (MW)", "高峰出力（MW）"),
    "valley_available_mw": ("Lowest load: available (MW)", "低谷可用（MW）"),
    "valley_output_mw": ("Lowest load: output (MW)", "低谷出力（MW）"),
    "reserve_requirement": ("Operating reserve required", "运行备用需求"),
    "surplus": ("Surplus (+) / deficit (-)", "电力盈余（+）/缺额（−）"),
    "sec_energy": ("Annual energy by source", "分电源年度电量"),
    "sec_imports": ("Imports per corridor", "分通道受电"),
    "sec_calibration": ("Against the statistics", "与统计数据对照"),
    "sec_operation": ("How the plants ran: unit classes, heat, storage, demand response",
                      "机组运行：分类机组、供热、储能与需求响应"),
    "flag": ("Check", "提示"),
    "no_calibration_note": ("The run names no calibration table (inputs.calibration); the base-year case "
                            "configs/suzhou_2025_base.yaml compares itself with data/calibration.csv.",
                            "本次运行未指定校核表（inputs.calibration）；基准年算例 configs/suzhou_2025_base.yaml "
                            "与 data/calibration.csv 对照。"),
    "no_heat_note": ("The run has no heat demand (inputs.heat_load).", "本次运行未设供热需求（inputs.heat_load）。"),
    "heat_balance": ("Heat balance by steam network", "分供热管网热量平衡"),
    "figure": ("Figure", "指标"),
    "model": ("Model", "模型"),
    "statistic": ("Statistic", "统计值"),
    "difference_pct": ("Difference (%)", "偏差（%）"),
    "tolerance_pct": ("Tolerance (%)", "允许偏差（%）"),
    "within": ("Within", "是否达标"),
    "reference": ("Source", "数据来源"),
    "mean_committed_pct": ("Mean committed (% of capacity)", "平均开机容量（占装机%）"),
    "starts_per_year": ("Equivalent starts per year", "年等效启动次数"),
    "heat_gwh": ("Heat (GWh)", "供热量（GWh）"),
    "cycles_per_year": ("Full cycles per year", "年等效充放电次数"),
    "heat_network": ("Steam network", "供热管网"),
    "demand_gwh": ("Demand (GWh)", "需求（GWh）"),
    "supply_gwh": ("Supplied (GWh)", "供应（GWh）"),
    "mean_cost_cny_per_mwh": ("Mean marginal cost (CNY/MWh)", "平均边际成本（元/MWh）"),
    "sheet_calibration": ("calibration", "统计对照"),
    "yes": ("yes", "是"),
    "no": ("no", "否"),
    "consumption_twh": ("Electricity consumption (TWh/yr)", "全社会用电量（TWh/年）"),
    "coal_fleet_hours_h": ("Coal fleet utilisation hours (h)", "煤电利用小时数（小时）"),
    "gas_fleet_hours_h": ("Gas fleet utilisation hours (h)", "气电利用小时数（小时）"),
    "corridor_energy_twh": ("Energy received through the corridor (TWh/yr)", "通道受电量（TWh/年）"),
    "uhvdc_dry_wet_ratio": ("UHVDC dry/wet season ratio", "特高压直流枯/丰期送电比"),
    "green_power_share": ("Green power share of consumption", "绿电占用电量比重"),
    "grid_emission_factor_t_per_mwh": ("Emission factor of electricity consumed (tCO2/MWh)",
                                       "用电碳排放因子（吨CO2/MWh）"),
    "max_import_mw": ("Highest hourly import (MW)", "最大受电电力（MW）"),
    "sheet_operation": ("operation", "机组运行"),
    "sheet_heat": ("heat", "供热"),
    "sec_dispatch": ("Hourly dispatch", "逐时调度"),
    "sec_storage": ("Storage state of charge", "储能荷电状态"),
    "sec_duration": ("Load and net-load duration curves", "负荷与净负荷持续曲线"),
    "sec_price": ("Marginal price", "边际电价"),
    "sec_emissions": ("Emissions by source", "分电源碳排放"),
    "sec_cost": ("Cost", "系统成本"),
    "sec_metadata": ("Run metadata", "运行信息"),
    "sec_config": ("Resolved config", "完整配置"),
    # headline keys
    "scenario": ("Scenario", "情景"),
    "year": ("Year", "年份"),
    "total_cost_bn_cny": ("Total system cost (bn CNY/yr)", "系统总成本（十亿元/年）"),
    "cost_per_mwh": ("Cost per MWh of load (CNY/MWh)", "单位负荷电量成本（元/MWh）"),
    "load_energy_twh": ("Annual load energy (TWh)", "全年用电量（TWh）"),
    "peak_load_mw": ("Peak load (MW)", "最高负荷（MW）"),
    "co2_mt": ("CO2 emissions (Mt/yr)", "二氧化碳排放（百万吨/年）"),
    "co2_city_mt": ("City-wide CO2, power and non-power (Mt/yr)", "全市二氧化碳排放（含非电力，百万吨/年）"),
    "clean_electricity_share_pct": ("Clean (non-fossil) electricity share (%)", "清洁电量占比（%）"),
    "gas_use_bcm": ("Natural gas use, all sectors (bcm/yr)", "天然气用量（全社会，十亿立方米/年）"),
    "carbon_shadow_price": ("Carbon shadow price (CNY/tCO2)", "碳影子价格（元/吨CO2）"),
    "coal_share_pct": ("Coal share (%)", "煤炭占能源消费总量比重（%）"),
    "nonfossil_share_pct": ("Non-fossil share (%)", "非化石能源消费比重（%）"),
    "share_basis": ("Share basis", "比重口径"),
    "unserved_mwh": ("Unserved energy (MWh/yr)", "失负荷电量（MWh/年）"),
    "mean_price": ("Mean marginal price (CNY/MWh)", "平均边际电价（元/MWh）"),
    "coal_share_cost_m_cny_per_pp": ("Cost of 1 pp tighter coal share (M CNY/yr)",
                                     "煤炭比重目标收紧1个百分点的成本（百万元/年）"),
    "nonfossil_share_cost_m_cny_per_pp": ("Cost of 1 pp higher non-fossil share (M CNY/yr)",
                                          "非化石比重目标提高1个百分点的成本（百万元/年）"),
    "solver_status": ("Solver status", "求解状态"),
    "item": ("Item", "项目"),
    "value": ("Value", "数值"),
    "basis_energy": ("energy consumption (tce)", "能源消费总量（标准煤）"),
    "basis_electricity": ("electricity supplied (MWh)", "供电量（MWh）"),
    # page one: the recommended plan
    "sec_plan": ("The recommended plan", "推荐方案"),
    "plan_intro": ("What the least-cost plan builds in {year}, what it costs and which targets bind. Annual figures "
                   "are per year; investment is overnight (not annualised).",
                   "{year}年最低成本方案：新建什么、投资与成本多少、哪些目标起约束作用。年度数值均为全年值；投资为静态投资（未年化）。"),
    "plan_new_generation": ("New local generation (MW)", "新增本地电源装机（万千瓦）"),
    "plan_new_storage": ("New storage (MW / MWh)", "新增储能（万千瓦/万千瓦时）"),
    "plan_new_corridors": ("New import capability (MW)", "新增受电能力（万千瓦）"),
    "plan_investment": ("Overnight investment (bn CNY)", "静态投资（亿元）"),
    "plan_annual_cost": ("Annual system cost (bn CNY/yr)", "系统年总成本（亿元/年）"),
    "plan_supply_cost": ("Average supply cost (CNY/kWh)", "平均供电成本（元/千瓦时）"),
    "plan_co2": ("CO2 of power (Mt/yr)", "电力二氧化碳排放（万吨/年）"),
    "plan_co2_city": ("city-wide, with non-power: {v} Mt/yr", "全市（含非电力）：{v}万吨/年"),
    "plan_build_title": ("What the plan builds and its overnight investment", "新增装机与静态投资"),
    "plan_type": ("Type", "类型"),
    "plan_name": ("Technology", "技术"),
    "plan_code": ("Code", "代码"),
    "plan_col_new": ("New capacity (MW)", "新增容量（万千瓦）"),
    "plan_col_new_energy": ("New storage energy (MWh)", "新增储能容量（万千瓦时）"),
    "plan_col_capex_kw": ("Overnight cost (CNY/kW)", "单位造价（元/千瓦）"),
    "plan_col_capex_kwh": ("Energy cost (CNY/kWh)", "储能单位造价（元/千瓦时）"),
    "plan_col_investment": ("Overnight investment (bn CNY)", "静态投资（亿元）"),
    "plan_build_none": ("The plan builds nothing new.", "方案不新建任何装机。"),
    "plan_investment_note": ("Overnight investment = new MW × capex (CNY/kW) × 1,000 + new storage MWh × capex "
                             "(CNY/kWh) × 1,000, with the costs of the technology table the run used ({file}); the "
                             "annual system cost counts it as annuities.",
                             "静态投资 = 新增容量（兆瓦）× 单位造价（元/千瓦）× 1000 + 新增储能容量（兆瓦时）"
                             "× 储能单位造价（元/千瓦时）× 1000，造价取自本次计算所用技术参数表（{file}）；"
                             "系统年总成本中按年金计入。"),
    "plan_costs_missing": ("The technology table {file} is not there any more: the overnight investment cannot be "
                           "given (the annualised investment is in the cost section).",
                           "技术参数表 {file} 已不存在：无法给出静态投资（年化投资见系统成本一节）。"),
    "plan_supply_cost_note": ("Average supply cost = annual system cost / annual load ({load} TWh).",
                              "平均供电成本 = 系统年总成本 / 全年用电量（{load}亿千瓦时）。"),
    "plan_binding_title": ("What binds, and what one more unit costs", "起约束作用的目标与约束"),
    "plan_binding_none": ("No target or limit binds: the least-cost plan meets all of them by itself.",
                          "没有目标或约束起作用：最低成本方案自然满足全部目标。"),
    "plan_status_title": ("The plan's other targets", "其他目标情况"),
    "plan_by_construction": ("Hold by construction (the model's limits make them hold whatever the optimum; the "
                             "plan asks nothing of the solution here)",
                             "设定即满足（模型的容量限制使其无论优化结果如何均成立，对方案无约束作用）"),
    "plan_met_margin": ("Met with margin (not binding)", "有裕度达标（未起约束作用）"),
    "plan_not_met": ("Not met (checked against the plan, not imposed)", "未达标（仅核对，未作约束）"),
    "plan_not_met_imposed": ("NOT MET", "未达标"),
    "bind_floor_power": ("{term}: the floor of {rhs} binds. Each further MW required adds {v} CNY a year "
                         "({v_kw} CNY/kW·yr).",
                         "{term}下限（{rhs}）起约束作用：每多要求1万千瓦，系统年成本增加约{v}万元（{v_kw}元/千瓦·年）。"),
    "bind_ceiling_power": ("{term}: the ceiling of {rhs} binds. Each further MW allowed would save {v} CNY a year "
                           "({v_kw} CNY/kW·yr).",
                           "{term}上限（{rhs}）起约束作用：每多允许1万千瓦，系统年成本可降低约{v}万元（{v_kw}元/千瓦·年）。"),
    "bind_floor_energy": ("{term}: the floor of {rhs} binds. Each further MWh required adds {v} CNY a year.",
                          "{term}下限（{rhs}）起约束作用：每多要求1万千瓦时，系统年成本增加约{v}万元。"),
    "bind_ceiling_energy": ("{term}: the ceiling of {rhs} binds. Each further MWh allowed would save {v} CNY a "
                            "year.", "{term}上限（{rhs}）起约束作用：每多允许1万千瓦时，系统年成本可降低约{v}万元。"),
    "bind_floor_share": ("{term}: the floor of {rhs} binds. Each further percentage point required adds {v} M CNY a "
                         "year.", "{term}下限（{rhs}）起约束作用：每提高1个百分点，系统年成本增加约{v}亿元。"),
    "bind_ceiling_share": ("{term}: the ceiling of {rhs} binds. Each percentage point tighter adds {v} M CNY a year.",
                           "{term}上限（{rhs}）起约束作用：每收紧1个百分点，系统年成本增加约{v}亿元。"),
    "bind_co2": ("{term}: the cap of {rhs} binds. Each further tonne of CO2 cut costs {v} CNY (the carbon shadow "
                 "price).", "{term}（{rhs}）起约束作用：每多减排1吨二氧化碳，成本增加约{v}元（碳影子价格）。"),
    "bind_gas": ("{term}: the limit of {rhs} binds. Each further 100 million m³ of gas allowed would save {v} M CNY "
                 "a year ({v_m3} CNY/m³).",
                 "{term}（上限{rhs}）起约束作用：每多允许1亿立方米，系统年成本可降低约{v}万元（{v_m3}元/立方米）。"),
    "bind_other": ("{term}: the row binds (shadow price {v} {unit}).", "{term}起约束作用（影子价格{v}）。"),
    "model_row": ("a model constraint, not a target of the plan", "模型约束，非方案目标"),
    "flex_retrofit": ("flexibility retrofit", "灵活性改造"),
    "dr_kind": ("demand response", "需求响应"),
    "why_cannot_retire": ("the capacity that cannot be retired ({v}) already reaches it",
                          "不可退役的现有容量（{v}）已达到该值"),
    "why_table_limits": ("the technologies counted cannot exceed {v} (their table limits)",
                         "所计技术的装机上限（{v}）使其必然满足"),
    "code_note": ("codes (ids of the technology table and the plan's targets)", "代码（技术参数表及目标编号）"),
    "clause_other_plan": ("another plan", "另一规划"),
    "scenario_code": ("Scenario", "情景代码"),
    "aggregation_none": ("none (every hour)", "无（逐时计算）"),
    # flags (optimizer.calibration.flags), Chinese by pattern
    "flag_cap_binds": ("", "容量目标 {row} 起约束作用（影子价格 {v} 元/千瓦·年）：其要求的电源结构比最低成本方案更贵"),
    "flag_flat": ("", "电价几乎不变：{share} 的小时处于 {p} 元/兆瓦时 的1%以内，所示逐时调度只是众多最优解之一，"
                       "电价对储能和需求响应没有信号"),
    "flag_cycles": ("", "{name}（{mw} 兆瓦 / {mwh} 兆瓦时）每年仅 {c} 次等效满充放{held}"),
    "flag_hours": ("", "{name}：{mw} 兆瓦装机年利用小时仅 {h} 小时{held}"),
    "flag_held": ("", "；由 {by} 决定"),
    "flag_no_steam": ("", "热电联产机组无供热负荷（未指定 inputs.heat_load），仅按纯发电运行"),
    "flag_unserved": ("", "全年失负荷 {v} 兆瓦时"),
    "flag_heat_unmet": ("", "全年 {v} 兆瓦时供热需求未满足"),
    "flag_untranslated": ("", "（提示原文未翻译）"),
    # target table
    "target_id": ("Target id", "目标编号"),
    "term": ("Target", "目标"),
    "clause": ("Plan clause", "方案条款"),
    "quote": ("Plan's words", "方案原文"),
    "sense": ("Sense", "约束方向"),
    "plan_value": ("Plan value", "方案目标值"),
    "lower": ("Lower bound", "下限"),
    "upper": ("Upper bound", "上限"),
    "achieved": ("Achieved", "优化结果"),
    "unit": ("Unit", "单位"),
    "status": ("Status", "是否达标"),
    "rows": ("Model rows", "模型约束行（代码）"),
    "plan_note": ("How the model reads the plan", "模型对方案的理解"),
    "dual": ("Shadow price (CNY/yr per unit)", "影子价格（元/年·单位）"),
    "m_cny": ("M CNY/yr", "百万元/年"),
    "marginal_cost": ("Marginal cost of the target", "目标边际成本"),
    "marginal_cost_unit": ("Unit of the marginal cost", "边际成本单位"),
    "met": ("met, with margin", "达标（有裕度）"),
    "not_met": ("NOT MET", "未达标"),
    "no_target": ("no target in this run", "本情景未设目标"),
    "model_constraint": ("model constraint (not in the plan)", "模型约束（非方案目标）"),
    "not_modelled": ("outside the model (see the note)", "模型未覆盖（见说明）"),
    "not_in_run": ("not a row of this run", "本情景未设该约束"),
    "pathway_row": ("a row between the periods of a pathway", "路径各期之间的约束"),
    "scenario_input": ("a scenario input, not a decision", "情景输入，非优化决策"),
    "lever": ("an option the model may take", "模型可选措施"),
    "no_cap_city_note": ("no CO2 cap in this run; city-wide emissions (power, steam and non-power fuels) shown",
                         "本情景未设碳排放上限，列出全市排放（电力、供热及非电力燃料）"),
    "not_evaluated": ("achieved value not in the results", "结果中无对应数值"),
    "no_cap_note": ("no CO2 cap in this run; emissions shown for reference",
                    "本情景未设碳排放上限，仅列出排放量"),
    "reserve_note": ("firm capacity is not stored in the results; the row holds because the solve is optimal",
                     "结果文件未保存可信容量；求解最优即满足该约束"),
    "binding": ("met, binding", "达标（约束起作用）"),
    "by_construction": ("holds by construction", "设定即满足（非优化结果）"),
    "by_construction_note": ("holds whatever the optimum: the capacity that cannot be retired already reaches it, "
                             "or nothing counted can be built; the plan asks nothing of the solution here",
                             "无论优化结果如何均满足：不可退役的现有容量已达到，或所计技术不能新建；该目标对优化结果无约束作用"),
    "checked_note": ("checked against the plan, not imposed on the solution", "仅与方案核对，未作为约束"),
    # capacity table
    "id": ("ID", "代码"),
    "why": ("Why it holds by construction", "设定即满足的原因"),
    "technology": ("Technology", "技术"),
    "kind": ("Kind", "类别"),
    "carrier": ("Carrier", "能源品种"),
    "existing_mw": ("Existing (MW)", "现役（MW）"),
    "new_mw": ("New (MW)", "新建（MW）"),
    "total_mw": ("Total (MW)", "合计（MW）"),
    "energy_existing_mwh": ("Storage energy existing (MWh)", "储能现役容量（MWh）"),
    "energy_new_mwh": ("Storage energy new (MWh)", "储能新建容量（MWh）"),
    "energy_total_mwh": ("Storage energy total (MWh)", "储能总容量（MWh）"),
    "total": ("Total", "合计"),
    "total_generator": ("Total local generation", "本地电源合计"),
    "total_storage": ("Total storage", "储能合计"),
    "total_import": ("Total import corridors", "受电通道合计"),
    # energy table
    "source": ("Source", "电源"),
    "energy_gwh": ("Energy (GWh/yr)", "电量（GWh/年）"),
    "share_of_load_pct": ("Share of load (%)", "占用电量比重（%）"),
    "curtailment_gwh": ("Curtailment (GWh/yr)", "弃电量（GWh/年）"),
    "full_load_hours": ("Full-load hours (h)", "利用小时数（小时）"),
    "storage_charging": ("Storage charging", "储能充电"),
    "storage_discharge": ("Storage discharge", "储能放电"),
    "unserved": ("Unserved load", "失负荷"),
    "load": ("Load", "负荷"),
    "net_load": ("Net load (load − PV − wind)", "净负荷（负荷−光伏−风电）"),
    "curtailment": ("Curtailment", "弃电"),
    "load_plus_charging": ("Load + storage charging", "负荷+储能充电"),
    # imports table
    "corridor": ("Corridor", "通道"),
    "capacity_mw": ("Capacity (MW)", "容量（MW）"),
    "peak_mw": ("Peak flow (MW)", "最大受电功率（MW）"),
    "utilisation_pct": ("Utilisation (%)", "通道利用率（%）"),
    "solve_status": ("Solve status", "求解状态"),
    **{f"m{mo:02d}": (name, f"{mo}月") for mo, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1)},
    "wet_gwh": ("Wet season Jun–Oct (GWh)", "丰水期6–10月（GWh）"),
    "dry_gwh": ("Dry season Dec–Apr (GWh)", "枯水期12–4月（GWh）"),
    "wet_utilisation_pct": ("Wet-season utilisation (%)", "丰水期利用率（%）"),
    "dry_utilisation_pct": ("Dry-season utilisation (%)", "枯水期利用率（%）"),
    "gas_months_title": ("Natural gas by month", "分月天然气用量"),
    "gas_months_note": ("Gas burnt by power plants, CHP units and boilers month by month as the dispatch burns it; "
                        "gas used outside the power sector and the pipeline capability are annual figures, spread "
                        "over the hours here. The model holds the pipeline limit by the year: a winter month above "
                        "the spread capability needs storage, LNG or a contract that the year's limit does not see.",
                        "发电、热电联产与锅炉用气按调度逐月统计；非电力用气与管道供气能力为年度数，此处按小时均摊。模型按"
                        "全年约束管道供气：冬季某月若高于均摊能力，需依靠储气、LNG或年度约束未反映的合同。"),
    "power_heat": ("Power plants, CHP units and boilers", "发电、热电联产与锅炉用气"),
    "non_power": ("Outside the power sector (the year's figure, spread)", "非电力用气（年度数均摊）"),
    "pipeline": ("Pipeline capability (the year's, spread)", "管道供气能力（年度数均摊）"),
    "sheet_gas_months": ("gas by month", "分月用气"),
    "corridor_months_title": ("Energy received by month and season", "分月及丰枯期受电量"),
    "corridor_months_note": ("The hydro corridors follow the season: the wet months (June–October) carry most of "
                             "their energy, the dry months (December–April) less.",
                             "水电通道随来水季节变化：丰水期（6–10月）送电多，枯水期（12–4月）送电少。"),
    "ef_avg_t_per_mwh": ("Average emission factor of electricity consumed (tCO2/MWh)",
                         "用电平均排放因子（吨CO2/MWh）"),
    "ef_marginal_t_per_mwh": ("Marginal emission factor, load-weighted (tCO2/MWh)",
                              "用电边际排放因子（负荷加权，吨CO2/MWh）"),
    "renewable_utilisation_pct": ("PV and wind utilisation (%)", "新能源利用率（%）"),
    "fig_emission_factors": ("Emission factors of the electricity consumed by hour of day",
                             "分时段用电排放因子"),
    "ef_note": ("Average factor: the CO2 of the fuel of the electricity generated and imported in the hour over "
                "the load (attributional; the fuel of heat left out); over the year {avg} t/MWh, the grid factor "
                "of the calibration. Marginal factor: how much the system's CO2 changes per MWh more load in that "
                "hour, every response of the plan included (consequential); load-weighted {marg} t/MWh. {odd}",
                "平均排放因子：该小时本地发电与受入电力所耗燃料的二氧化碳排放除以负荷（归因口径，不含供热燃料）；"
                "全年为 {avg} 吨/MWh，即校核所用的电网排放因子。边际排放因子：该小时负荷每增加1 MWh时系统二氧化碳"
                "排放的变化，计入规划的全部响应（后果口径）；负荷加权平均 {marg} 吨/MWh。{odd}"),
    "ef_odd": ("In {n} of the hours the marginal factor lies outside 0–1.5 t/MWh: there one more MWh moves "
               "other hours too (storage, unit commitment, annual limits), and the figure is that sum.",
               "其中 {n} 个小时的边际排放因子超出 0–1.5 吨/MWh：此时多用1 MWh会同时改变其他时段的运行（储能、机组组合、"
               "年度约束），该值为其合计。"),
    "ef_no_marginal": ("The marginal factor needs the solve to end with a basis: run again with "
                       "output.marginal_emission_factors=true (about 40 % more solve time).",
                       "边际排放因子需要求解得到最优基：开启配置项 output.marginal_emission_factors 后重新运行"
                       "（求解时间约增加40%）。"),
    "ef_cap_binds": ("The CO2 cap binds: more load cannot raise the system's CO2, so the marginal factor is about 0 "
                     "and the cost of more load's emissions is in the carbon shadow price ({p} CNY/t) instead.",
                     "二氧化碳排放上限起约束作用：负荷增加不会使系统排放超过上限，边际排放因子约为0，"
                     "其减排代价体现在碳影子价格（{p}元/吨）中。"),
    "ef_median": ("median", "中位数"),
    "ef_band": ("10–90 % of the days", "10–90% 日"),
    "ax_ef": ("Emission factor (tCO2/MWh)", "排放因子（吨CO2/MWh）"),
    "sec_typical_days": ("Typical-day output curves", "典型日出力曲线"),
    "typical_days_sec_note": ("The day of the highest and of the lowest load, and a typical summer (July–August) and "
                              "winter (December–February) working day: the day whose load is the season's median.",
                              "最大负荷日、最小负荷日，以及夏季（7–8月）和冬季（12–2月）典型工作日（日用电量为该季中位数的一天）。"),
    "day_max": ("Highest-load day", "最大负荷日"),
    "day_min": ("Lowest-load day", "最小负荷日"),
    "day_summer": ("Typical summer day", "夏季典型日"),
    "day_winter": ("Typical winter day", "冬季典型日"),
    "fig_link_duration": ("Loading of the links between zones (duration curves)", "分区联络线负载率持续曲线"),
    "ax_loading_pct": ("Loading (% of capacity)", "负载率（%）"),
    "emissions_mt": ("Emissions (Mt CO2/yr)", "排放（百万吨CO2/年）"),
    "cost_m_cny": ("Cost (M CNY/yr)", "成本（百万元/年）"),
    # emissions
    "intensity_t_per_mwh": ("Intensity (tCO2/MWh)", "排放强度（吨CO2/MWh）"),
    "share_pct": ("Share (%)", "比重（%）"),
    # cost
    "component": ("Component", "成本项"),
    "owner": ("Technology", "技术"),
    "cost_cny_per_mwh": ("Per MWh of load (CNY/MWh)", "单位负荷电量（元/MWh）"),
    "capex": ("Investment (annualised)", "投资（年化）"),
    "fom": ("Fixed O&M", "固定运维"),
    "vom": ("Variable O&M", "可变运维"),
    "fuel": ("Fuel", "燃料"),
    "startup": ("Start-ups", "机组启动"),
    "reserve": ("Reserve shortfall", "备用缺额"),
    "steam_coal": ("Steam networks of the coal CHP and captive units", "燃煤热电及自备电厂供热管网"),
    "steam_gas": ("Steam networks of the gas CHP units", "燃气热电供热管网"),
    "import": ("Imported electricity", "购电"),
    "carbon": ("Carbon price", "碳成本"),
    # weeks
    "week_summer": ("Summer-peak week", "夏季高峰周"),
    "week_winter": ("Winter week", "冬季周"),
    "week_lowest": ("Lowest-load week", "最低负荷周"),
    "week_peak": ("Peak-load week", "最高负荷周"),
    "title": ("Shown as", "图名"),
    "week": ("Week", "典型周"),
    "start": ("Start", "起始"),
    "end": ("End", "结束"),
    "hours": ("Hours", "小时数"),
    "peak_time": ("Peak hour", "峰值时刻"),
    "mean_load_mw": ("Mean load (MW)", "平均负荷（MW）"),
    "max_load_mw": ("Max load (MW)", "最大负荷（MW）"),
    "note": ("Note", "说明"),
    "no_summer": ("no hours in June–September in these results", "结果中没有6–9月的数据"),
    "no_winter": ("no hours in December–February in these results", "结果中没有12–2月的数据"),
    "short_results": ("the results cover only {n} h, less than a week: all of them are shown",
                      "结果仅有{n}小时，不足一周：全部显示"),
    "summer_rule": ("7 days around the highest-load hour in June–September",
                    "6–9月最高负荷时刻所在的7天"),
    "summer_rule_fallback": ("7 days around the highest-load hour of the results (no June–September hours)",
                             "结果中最高负荷时刻所在的7天（无6–9月数据）"),
    "winter_rule": ("7 days around the highest-load hour in December–February",
                    "12–2月最高负荷时刻所在的7天"),
    "lowest_rule": ("the 168 h window starting at 00:00 with the lowest mean load",
                    "平均负荷最低、从0点开始的168小时"),
    "missing": ("missing", "缺失"),
    # metadata
    "run": ("Run", "运行"),
    "inputs_hash": ("Inputs hash (SHA-256)", "输入数据哈希（SHA-256）"),
    "created_utc": ("Created (UTC)", "生成时间（UTC）"),
    "results_file": ("Results file", "结果文件"),
    "results_schema_version": ("Results schema version", "结果格式版本"),
    "highs_model_status": ("HiGHS model status", "HiGHS 模型状态"),
    "versions": ("Versions", "软件版本"),
    "times_s": ("Times (s)", "耗时（秒）"),
    "solver_options": ("Solver options", "求解器参数"),
    "solver_info": ("Solver info", "求解器信息"),
    "checks": ("Self-checks", "自检"),
    "input_files": ("Input files", "输入文件"),
    "report_generated": ("Report generated (UTC)", "报告生成时间（UTC）"),
    # Excel sheets
    "sheet_headline": ("headline", "主要指标"),
    "sheet_targets": ("targets", "目标对照"),
    "sheet_capacity": ("capacity", "装机容量"),
    "sheet_energy": ("energy", "年度电量"),
    "sheet_imports": ("imports", "受电通道"),
    "sheet_power_balance": ("power balance", "电力平衡"),
    "sheet_corridor_months": ("imports by month", "分月受电"),
    "sheet_links": ("links", "分区联络线"),
    "sheet_zone_balance": ("power balance by zone", "分区电力平衡"),
    "sheet_emissions": ("emissions", "碳排放"),
    "sheet_cost_component": ("cost by component", "分项成本"),
    "sheet_cost_technology": ("cost by technology", "分技术成本"),
    "sheet_weeks": ("weeks", "典型周"),
    "sheet_metadata": ("metadata", "运行信息"),
    "sheet_config": ("config", "配置"),
    "sheet_dispatch": ("dispatch", "调度"),
    "section": ("Section", "类别"),
    "rule": ("How chosen", "选取规则"),
    # figures
    "fig_capacity": ("Installed capacity by technology", "分技术装机容量"),
    "fig_energy": ("Annual energy by source", "分电源年度电量"),
    "fig_emissions": ("CO2 emissions by source", "分电源二氧化碳排放"),
    "fig_cost": ("Annual cost by component", "分项年度成本"),
    "fig_cost_tech": ("Annual cost by technology and component", "分技术分项年度成本"),
    "fig_soc": ("Storage state of charge", "储能荷电状态"),
    "fig_duration": ("Load and net-load duration curves", "负荷与净负荷持续曲线"),
    "fig_price": ("Marginal price, day × hour", "边际电价（日×时）"),
    "fig_imports": ("Imports per corridor", "分通道受电"),
    "ax_gw": ("GW", "GW"),
    "ax_twh": ("TWh/yr", "TWh/年"),
    "ax_mt": ("Mt CO2/yr", "百万吨CO2/年"),
    "ax_bn_cny": ("bn CNY/yr", "十亿元/年"),
    "ax_power_gw": ("Power (GW)", "功率（万千瓦）"),
    # the annual report's figures, in the plan's units in Chinese (optimizer.report.units.FIGURE_SCALE)
    "u_power": ("GW", "万千瓦"),
    "u_energy": ("TWh/yr", "亿千瓦时/年"),
    "u_stored": ("GWh", "万千瓦时"),
    "u_co2": ("Mt CO2/yr", "万吨CO2/年"),
    "u_cost": ("bn CNY/yr", "亿元/年"),
    "ax_soc": ("State of charge (GWh)", "荷电状态（万千瓦时）"),
    "ax_soc_gwh": ("State of charge (GWh)", "荷电状态（GWh）"),
    "ax_hours_exceeded": ("Hours of the year (h)", "全年小时数（小时）"),
    "ax_hour": ("Hour of day", "时刻"),
    "ax_day": ("Day", "日期"),
    "ax_date": ("Date", "日期"),
    "ax_price": ("CNY/MWh", "元/千瓦时"),
    "existing": ("existing", "现役"),
    "new": ("new", "新建"),
    "energy_capacity": ("energy capacity", "储能容量"),
    "flat_price_note": ("The marginal price is the same in every hour ({p:,.1f} CNY/MWh): with an annual limit "
                        "binding ({binding}), the limited energy is marginal in every hour — a property "
                        "of the LP, not of a real market.",
                        "各小时边际电价相同（{p:,.1f} 元/MWh）：年度约束（{binding}）起作用时，"
                        "受限电量在每个小时都是边际电源——这是线性规划的性质，并非真实市场价格。"),
    "flat_price_note_plain": ("The marginal price is the same in every hour ({p:,.1f} CNY/MWh).",
                              "各小时边际电价相同（{p:,.1f} 元/MWh）。"),
    "charging": ("charging", "充电"),
    # units of the targets' marginal cost
    "CNY/kW/yr": ("CNY/kW/yr", "元/kW·年"),
    "CNY/kWh/yr": ("CNY/kWh/yr", "元/kWh·年"),
    "M CNY/yr per pp": ("M CNY/yr per pp", "百万元/年·百分点"),
    "CNY/tCO2": ("CNY/tCO2", "元/吨CO2"),
    "discharge": ("discharge", "放电"),
    "no_price_note": ("No marginal prices in these results (duals not available).",
                      "结果中没有边际电价（无对偶值）。"),
    "no_storage_note": ("No storage in these results.", "结果中没有储能。"),
    "idle_storage_note": ("Storage never charges or discharges in these results: it is built for its "
                          "capacity (target or firm capacity), not for arbitrage.",
                          "储能在结果中从不充放电：其装机来自容量目标或可信容量要求，而非峰谷套利。"),
    "no_cjk_font_note": ("No CJK font is available to matplotlib on this machine: figure labels are in English.",
                         "本机 matplotlib 没有中文字体：图中标注为英文。"),
    "typical_days_note": ("A typical-day run ({agg}): each calendar day shows the typical day that stands for it, "
                          "so hourly figures repeat from day to day; the storage state of charge is rebuilt from "
                          "the inter-day state and the typical day's own change. Annual figures are exact sums "
                          "over the typical days.",
                          "典型日算例（{agg}）：每个日历日显示代表它的典型日，逐时曲线因此逐日重复；储能荷电状态由"
                          "跨日状态与典型日内变化重建。年度数值为各典型日的精确加总。"),
    "degenerate_dispatch_note": ("The marginal price is the same in every hour, so the hour-by-hour order of "
                                 "the units that share the margin ({marginal}) is not unique: these stacks show "
                                 "one of many least-cost dispatches with the same annual totals, not a "
                                 "forecast of how the units would run.",
                                 "各小时边际电价相同，共同处于边际的机组（{marginal}）逐时出力次序并不唯一：下图是"
                                 "年度总量相同的众多最优调度之一，并非机组实际运行方式的预测。"),
    "time_aggregation": ("Time aggregation", "时间聚合"),
    "not_optimal_banner": ("NOT OPTIMAL – these results are the solver's best point when it stopped, not the "
                           "least-cost solution; read them with care. {note}",
                           "非最优解——以下结果是求解器停止时的最好可行点，并非最低成本解，请谨慎使用。{note}"),
    "results_subtitle": ("optimizer results", "优化计算结果"),
    "optimal": ("optimal", "最优"),
    "time_limit": ("time limit reached", "达到时间上限"),
    "iteration_limit": ("iteration limit reached", "达到迭代上限"),
    "interrupted": ("interrupted", "已中断"),
    "%": ("%", "%"),
    "weighted_note": ("Each step stands for {w:g} h of the year (a cut of the year scaled to a full year): "
                      "annual figures are per year.",
                      "每个时段代表全年 {w:g} 小时（截取部分时段并折算至全年）：年度数值为全年值。"),
    "tables_note": ("Figures below come from results.nc; totals add up to the results' totals.",
                    "以下数值均来自 results.nc；各表合计与结果总量一致。"),
    "excel_note": ("The same tables are in report.xlsx; the figures are in figures/ as PNG files.",
                   "相同表格见 report.xlsx；图片以 PNG 格式保存在 figures/ 目录。"),
    # pathway report (optimizer.report.pathway)
    "pw_report_title": ("Carbon-peak pathway report", "碳达峰路径报告"),
    "pw_sec_plan": ("The recommended pathway", "推荐路径方案"),
    "pw_plan_intro": ("What the least-cost pathway builds from {y0} to {y1}, what it costs, and where the plan's "
                      "milestones stand. New capacity is what each period builds; the overnight investment is that "
                      "capacity at the technology table's overnight cost.",
                      "{y0}—{y1}年最低成本路径：各阶段新建什么、投资和成本多少、方案目标是否达到。新增容量为各阶段新建装机；"
                      "静态投资按技术表的单位造价计算。"),
    "pw_plan_built": ("What each period builds, by technology", "各阶段新建装机（分技术）"),
    "pw_plan_milestones": ("The carbon peak and the milestones not met", "碳达峰与未达标目标"),
    "pw_plan_all_met": ("Every milestone that can be judged is met in every period.", "各阶段可判断的目标均已达标。"),
    "pw_trajectory": ("Every headline figure, period by period", "分阶段主要指标"),
    "new_generator_mw": ("New local generation (MW)", "新增本地电源（万千瓦）"),
    "new_storage_mw": ("New storage (MW)", "新增储能（万千瓦）"),
    "new_import_mw": ("New import capability (MW)", "新增受电能力（万千瓦）"),
    "overnight_investment_bn_cny": ("Overnight investment (bn CNY)", "静态投资（亿元）"),
    "pw_sec_milestones": ("The plan's milestones, period by period", "碳达峰实施方案目标（分阶段对照）"),
    "pw_sec_capacity": ("Installed capacity, new build and early retirement", "装机容量、新建与提前退役"),
    "pw_sec_energy": ("Generation mix", "电源结构（分电源电量）"),
    "pw_sec_emissions": ("Emissions and the carbon peak", "碳排放与碳达峰"),
    "pw_sec_shares": ("Coal and non-fossil shares", "煤炭与非化石能源消费比重"),
    "pw_sec_cost": ("Cost per period and discounted total", "分阶段成本与折现总成本"),
    "pw_sec_periods": ("Single-year reports of the periods", "各阶段年度报告"),
    "pw_sec_metadata": ("Pathway metadata", "路径运行信息"),
    "pw_tables_note": ("Figures below come from pathway.nc; each period's details are in its own report.",
                       "以下数值均来自 pathway.nc；各阶段详情见其年度报告。"),
    "pw_config": ("Pathway config", "路径配置"),
    "period": ("Period", "阶段"),
    "folder": ("Folder", "目录"),
    "results": ("Results", "结果"),
    "report": ("Report", "报告"),
    "foresight": ("Foresight", "预见方式"),
    "foresight_perfect": ("perfect (one plan over all periods)", "完全预见（全部阶段统一优化）"),
    "foresight_myopic": ("myopic (period by period)", "短视（逐阶段优化）"),
    "discount_rate": ("Discount rate", "折现率"),
    "base_year": ("Base year of discounting", "折现基准年"),
    "peak_year": ("Peak year in the model (emissions after it at most its level)",
                  "模型达峰年（此后排放不高于该年）"),
    "discounted_total_cost_cny": ("Discounted total cost (CNY)", "折现总成本（元）"),
    "years_represented": ("Years represented", "代表年数"),
    "discounted_years": ("Discounted years", "折现年数"),
    "capacity_gw": ("Installed capacity (GW)", "装机容量（GW）"),
    "supply_twh": ("Generation and imports (TWh/yr)", "发电量与区外受电量（TWh/年）"),
    "annual_cost_bn_cny": ("Annual cost (bn CNY/yr)", "年度成本（十亿元/年）"),
    "annual_operating_cost_bn_cny": ("Annual cost without investment (bn CNY/yr)", "不含投资的年度成本（十亿元/年）"),
    "discounted_cost_bn_cny": ("Discounted cost (bn CNY)", "折现成本（十亿元）"),
    "investment_stranded": ("Investment annuities and stranded cost", "投资年金与搁浅成本"),
    "discounted_total": ("Discounted total cost", "折现总成本"),
    "discounted_total_bn_cny": ("Discounted total cost (bn CNY)", "折现总成本（亿元）"),
    "coal_limit_pct": ("Coal share limit that applies (%)", "适用的煤炭比重上限（%）"),
    "nonfossil_floor_pct": ("Non-fossil share floor that applies (%)", "适用的非化石比重下限（%）"),
    "coal_share_status": ("Coal share", "煤炭比重"),
    "nonfossil_share_status": ("Non-fossil share", "非化石比重"),
    "milestone": ("Milestone", "目标类别"),
    "plan_year": ("Plan year", "目标年"),
    "basis": ("How it applies", "适用方式"),
    "peak_period": ("Highest emissions in", "排放最高阶段"),
    "pw_milestones_met": ("Milestone checks met", "目标达标次数"),
    "pw_milestones_not_met": ("Milestone checks NOT met", "目标未达标次数"),
    "not_applicable": ("not yet applicable", "尚未适用"),
    "basis_before": ("before the target year", "早于目标年"),
    "basis_target_year": ("the plan's target year", "方案目标年"),
    "basis_floor_kept": ("floor kept from {year}", "沿用{year}年下限"),
    "basis_ceiling_kept": ("ceiling kept from {year}", "沿用{year}年上限"),
    "basis_exact_kept": ("kept from {year}", "沿用{year}年目标"),
    "basis_no_value": ("the plan gives no number", "方案未给出数值"),
    "basis_no_group": ("technologies unknown", "计入技术未知"),
    "basis_no_reference": ("no period up to the peak year", "没有达峰年之前的阶段"),
    "basis_peak_reference": ("peak reference: later periods at most this level", "达峰参考：此后各阶段不高于该水平"),
    "basis_peak_no_later": ("peak reference; no later period to show the peak", "达峰参考；无后续阶段可判断是否达峰"),
    "basis_after_peak": ("at most the {year} level", "不高于{year}年水平"),
    "basis_trend": ("at least the {year} level and any earlier floor (keeps rising)",
                    "不低于{year}年水平及此前下限（持续提升）"),
    "basis_trend_first": ("first period: the trend starts here", "首期：自此开始判断趋势"),
    "results_ok": ("ok", "正常"),
    "results_missing": ("missing", "缺失"),
    "results_unreadable": ("unreadable", "无法读取"),
    "results_stale": ("does not match pathway.nc (stale?)", "与 pathway.nc 不一致（过期？）"),
    "pw_rule": ("How the plan's targets (seeds/targets.yaml) are judged: a target applies from its year. In that "
                "year it is what the plan states (an 'about' target is the band of the period config's tolerance). "
                "In later periods a floor (≥) stays a floor, a ceiling (≤) stays a ceiling, an 'about' target becomes "
                "a floor at its band's lower edge and an exact target stays exact: the plan gives no later number "
                "and does not let the system fall back. Before its year a target does not apply (the value is "
                "shown for reference). The carbon peak (碳达峰, before 2030): the emissions of every period after "
                "2030 at most those of the last period up to 2030, judged in each later period and, in that "
                "reference period, from all later ones. A capacity target counts the technologies its period "
                "config names (unknown without the period results).",
                "目标判定方式（seeds/targets.yaml）：目标自其目标年起适用。目标年按方案原文判定（“左右”按阶段配置的容差区间）；"
                "此后各阶段，下限（≥）继续作为下限，上限（≤）继续作为上限，“左右”类目标以区间下沿作为下限，确定值目标保持不变——"
                "方案未给出后续数值，且不允许倒退。目标年之前不适用（数值仅供参考）。碳达峰（2030年前）：2030年之后各阶段排放"
                "不高于2030年（或2030年前最后一个阶段）的水平，在之后各阶段逐一判定，并在参考阶段依据全部后续阶段判定。装机目标按阶段配置列出的技术计入（缺少阶段结果时未知）。"),
    "pw_peak_plan": ("emissions peak (no number)", "碳排放达峰（无数值）"),
    "pw_peak_marker": ("Emissions are highest in {year}", "{year}年排放最高"),
    "pw_peak_plateau": ("Emissions reach their highest level in {year} and stay at it", "{year}年排放达到最高并保持"),
    "pw_model_peak": ("The model's peak constraint: emissions after {year} at most {year}'s",
                      "模型达峰约束：{year}年之后排放不高于{year}年"),
    "pw_model_no_peak": ("The model has no peak constraint", "模型未设达峰约束"),
    "pw_capacity_installed": ("Installed capacity", "装机容量"),
    "pw_capacity_built": ("Built in the period", "本阶段新建"),
    "pw_capacity_retired": ("Existing capacity retired early by the period, cumulative",
                            "截至本阶段提前退役的现役装机（累计）"),
    "pw_heat_not_in_total": ("heat (MW / MWh of heat), not in the total", "供热（热功率/热量），不计入合计"),
    "pw_no_retirement": ("No capacity is retired early.", "无提前退役装机。"),
    "pw_mix": ("Share of generation and imports", "占发电量与区外受电量比重"),
    "pw_discharge_not_in_total": ("discharge (stored earlier, not in the total)", "放电（先前储存，不计入合计）"),
    "pw_kinds_unknown": ("Technology kinds are unknown (no period results): storage discharge is counted in the "
                         "totals.", "缺少阶段结果，技术类别未知：储能放电计入合计。"),
    "pw_capex_note_perfect": ("Perfect foresight: investment is paid as annuities over the periods the capacity "
                              "lives in and is not part of a period's annual cost below (capex 0); it is in the "
                              "discounted total.",
                              "完全预见：投资按装机存续阶段以年金计入，不包含在下表各阶段年度成本中（投资为0），而计入折现总成本。"),
    "pw_capex_note_myopic": ("Myopic foresight: a period's capex is the annuity of what that period builds; the "
                             "discounted total counts each build's annuity in every period it lives in.",
                             "短视预见：各阶段投资为本阶段新建装机的年金；折现总成本按装机存续的每个阶段计入年金。"),
    "pw_discounted": ("Discounted total cost", "折现总成本"),
    "pw_discounted_note": ("Each period's annual cost without investment times its discounted years (discount "
                           "rate {r:.1%}, base year {y0}); investment annuities and stranded costs are the rest of "
                           "the pathway's discounted total.",
                           "各阶段不含投资的年度成本乘以折现年数（折现率 {r:.1%}，基准年 {y0}）；"
                           "投资年金与搁浅成本为路径折现总成本的其余部分。"),
    "pw_periods_intro": ("Each period is a full single-year model; its report (dispatch, prices, storage ...) is "
                         "linked here.", "每个阶段都是完整的年度模型；其年度报告（调度、电价、储能等）链接如下。"),
    "pw_missing_periods": ("No usable single-year results for {years}: kinds, target groupings and links come from "
                           "the other periods.", "{years}无可用的年度结果：技术类别、目标口径和链接来自其他阶段。"),
    "pw_fig_capacity": ("Installed capacity by technology", "分技术装机容量"),
    "pw_fig_changes": ("Built (+) and retired early (−) per period", "各阶段新建（+）与提前退役（−）"),
    "pw_fig_energy": ("Generation and imports by source", "分电源发电量与区外受电量"),
    "pw_fig_emissions": ("CO2 emissions by source and the carbon peak", "分电源碳排放与碳达峰"),
    "pw_fig_shares": ("Coal and non-fossil shares against the plan's limits (%)",
                      "煤炭与非化石能源消费比重对照目标（%）"),
    "pw_fig_cost": ("Annual cost by component", "分项年度成本"),
    "pw_fig_discounted": ("Discounted total cost", "折现总成本"),
    "pw_fig_milestones": ("The plan's capacity milestones per period", "方案装机目标分阶段对照"),
    "pw_total_co2": ("total CO2", "碳排放合计"),
    "pw_plan_peak_line": ("plan: carbon peak by {year}", "方案：{year}年前碳达峰"),
    "pw_peak_level": ("the {year} level: later periods at most this", "{year}年水平：此后各阶段不高于"),
    "pw_operation_in": ("operation {year}", "{year}年运行"),
    "pw_ax_discounted": ("bn CNY (discounted)", "亿元（折现）"),
    "pw_bound_lower": ("floor / lower edge", "下限"),
    "pw_bound_upper": ("ceiling / upper edge", "上限"),
    "GWh/yr": ("GWh/yr", "GWh/年"),
    "Mt CO2/yr": ("Mt CO2/yr", "百万吨CO2/年"),
    "bcm/yr": ("bcm/yr", "十亿立方米/年"),
    "M CNY/yr": ("M CNY/yr", "百万元/年"),
    "pw_sheet_plan": ("plan", "推荐方案"),
    "pw_sheet_trajectory": ("trajectory", "分阶段主要指标"),
    "pw_sheet_milestones": ("milestones", "目标对照"),
    "pw_sheet_capacity": ("capacity", "装机容量"),
    "pw_sheet_built": ("built", "新建装机"),
    "pw_sheet_retired": ("retired early", "提前退役"),
    "pw_sheet_energy": ("energy", "分电源电量"),
    "pw_sheet_mix": ("mix", "电源结构"),
    "pw_sheet_emissions": ("emissions", "碳排放"),
    "pw_sheet_shares": ("shares", "能源消费比重"),
    "pw_sheet_cost": ("cost by component", "分项成本"),
    "pw_sheet_discounted": ("discounted cost", "折现成本"),
    "pw_sheet_periods": ("periods", "各阶段"),
}

# the plan's terms, by target id (seeds/targets.yaml) or by policy family
_TERMS: dict[str, tuple[str, str]] = {
    "renewable": ("Renewable capacity", "可再生能源装机"),
    "pv": ("PV capacity", "光伏发电装机"),
    "biomass": ("Biomass power capacity", "生物质发电装机"),
    "import": ("Import capability", "区外电力受进能力"),
    "gas": ("Gas-fired capacity", "天然气装机"),
    "storage": ("New-type storage capacity", "新型储能装机"),
    "coal_share": ("Coal share of energy consumption", "煤炭占能源消费总量比重"),
    "nonfossil_share": ("Non-fossil share of energy consumption", "非化石能源消费比重"),
    "carbon_peak": ("CO2 emissions (carbon peak)", "二氧化碳排放（碳达峰）"),
    "co2_cap": ("CO2 emissions cap", "二氧化碳排放上限"),
    "co2": ("CO2 emissions", "二氧化碳排放"),
    "no_new_captive_coal": ("No new captive coal plants or coal heating boilers", "禁止新建燃煤自备电厂和燃煤供热锅炉"),
    "building_pv": ("New building-mounted PV", "新增太阳能光电建筑装机"),
    "gas_supply": ("Natural gas use within the pipeline capability", "天然气用量不超过管道供气能力"),
    "clean_electricity": ("Clean (non-fossil) electricity share", "清洁电量占比"),
    "pv_building_coverage": ("PV on new civil buildings", "新建民用建筑光伏覆盖率"),
    "captive_coal_closure": ("Captive coal plants closed or turned public", "燃煤自备电厂关停或转公用"),
    "coal_retrofit": ("Coal retrofits (efficiency, flexibility, heating)", "煤电“三改联动”"),
    "oil_consumption": ("Oil products consumption", "成品油消费"),
    "chargers": ("EV chargers", "充电桩"),
    "energy_intensity": ("Energy intensity of GDP", "单位地区生产总值能耗"),
    "coal_replacement": ("Coal capacity at most its level at the start of 2025 (replacement only)",
                         "煤电装机不超过2025年初水平（等容量替代）"),
    "reserve_margin": ("Reserve margin (firm capacity ≥ (1 + margin) × peak)",
                       "备用容量（可信容量 ≥ (1+备用率)×最高负荷）"),
}

#: cost owners that are no row of a technology table (technologies are named by their table's name_en / name_zh)
_OWNERS: dict[str, tuple[str, str]] = {
    "reserve_shortfall": ("Operating reserve shortfall", "运行备用缺额"),
    "gas_lng": ("LNG supply above the pipeline", "液化天然气（管道外补充）"),
    "unserved": ("Unserved load", "失负荷"),
}

_KINDS: dict[str, tuple[str, str]] = {
    "generator": ("generator", "电源"),
    "storage": ("storage", "储能"),
    "import": ("import", "受电通道"),
    "boiler": ("boiler", "锅炉"),
    "demand_response": ("demand response", "需求响应"),
    "unserved": ("unserved", "失负荷"),
    "flex_retrofit": ("flexibility retrofit", "灵活性改造"),
}

_CARRIERS: dict[str, tuple[str, str]] = {
    "coal": ("coal", "煤炭"),
    "gas": ("gas", "天然气"),
    "solar": ("solar", "太阳能"),
    "wind": ("wind", "风能"),
    "biomass": ("biomass", "生物质"),
    "hydro": ("hydro", "水电"),
    "grid_mix": ("grid mix", "电网混合"),
    "electricity": ("electricity", "电力"),
    "interruptible_load": ("interruptible load", "可中断负荷"),
}


def _pick(table: dict[str, tuple[str, str]], key: str, lang: str) -> str | None:
    pair = table.get(key)
    if pair is None:
        return None
    return pair[1] if lang == "zh" else pair[0]


def check_lang(lang: str) -> str:
    """Return ``lang`` if it is a supported language, else raise ValueError."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; use one of {', '.join(LANGS)}")
    return lang


def label(key: str, lang: str = "en", **fmt: object) -> str:
    """Display text of a section, column or note key; the key itself if unknown."""
    text = _pick(_LABELS, key, lang) or key
    return text.format(**fmt) if fmt else text


#: inputs a sensitivity study varies: config key -> (en, zh)
_PARAMETERS: dict[str, tuple[str, str]] = {
    "carriers.gas.fuel_price_cny_per_tce": ("Gas price (CNY/tce)", "天然气价格（元/吨标煤）"),
    "carriers.coal.fuel_price_cny_per_tce": ("Coal price (CNY/tce)", "电煤价格（元/吨标煤）"),
    "technologies.import_provincial_ac.price_cny_per_mwh": ("Provincial grid price (CNY/MWh)",
                                                            "省内电网交流受电价格（元/MWh）"),
    "technologies.import_jinping.price_cny_per_mwh": ("Jinping-Sunan UHVDC price (CNY/MWh)",
                                                      "锦苏直流受电价格（元/MWh）"),
    "technologies.import_baihetan.price_cny_per_mwh": ("Baihetan UHVDC price (CNY/MWh)",
                                                       "白鹤滩直流受电价格（元/MWh）"),
    "policy.energy_accounting.non_power_tce.coal": ("Coal burnt outside the power sector (tce/yr)",
                                                    "非电力用煤量（吨标煤/年）"),
    "policy.energy_accounting.non_power_tce.gas": ("Gas burnt outside the power sector (tce/yr)",
                                                   "非电力用气量（吨标煤/年）"),
    "demand.scale": ("Load scale (-)", "负荷缩放系数"),
}


def parameter(key: str, lang: str = "en") -> str:
    """Display name of a config key a sensitivity study varies; the key itself if unknown."""
    return _pick(_PARAMETERS, key, lang) or key


def tech(name: str, lang: str = "en") -> str:
    """Display name of a cost owner that is no technology (unserved load, LNG, reserve shortfall); else the id."""
    return _pick(_OWNERS, name, lang) or name


def kind(name: str, lang: str = "en") -> str:
    """Display name of a technology kind."""
    return _pick(_KINDS, name, lang) or name


def carrier(name: str, lang: str = "en") -> str:
    """Display name of an energy carrier."""
    return _pick(_CARRIERS, name, lang) or name


def term(target_id: str, policy: str = "", lang: str = "en") -> str:
    """The plan's term for a target id of seeds/targets.yaml (or a policy row name).

    The id's stem decides (``pv_capacity_2025`` -> ``pv``); a policy row name is the fallback.
    """
    for key in _term_keys(target_id, policy):
        found = _pick(_TERMS, key, lang)
        if found:
            return found
    return target_id or policy


def _term_keys(target_id: str, policy: str) -> list[str]:
    keys = []
    tid = target_id or ""
    for stem in ("renewable", "pv_building_coverage", "pv", "biomass", "import", "gas_supply", "gas", "storage",
                 "coal_share", "nonfossil_share", "carbon_peak", "no_new_captive_coal", "building_pv",
                 "clean_electricity", "captive_coal_closure", "coal_retrofit", "oil_consumption", "chargers",
                 "energy_intensity"):
        if tid.startswith(stem):
            keys.append(stem)
            break
    if policy:
        base = policy.removeprefix("cap_").removesuffix("_min").removesuffix("_max")
        keys += [policy, base, base.rstrip("s")]
    return keys


def _num(text: str) -> float:
    return float(text.replace(",", ""))


def power(mw: float, lang: str) -> str:
    """A power in the plan's unit: 万千瓦 in Chinese (two decimals), MW in English."""
    return f"{mw / 10:,.2f}万千瓦" if lang == "zh" else f"{mw:,.0f} MW"


def _amount(value: float, unit: str, lang: str) -> str:
    if unit == "MWh":
        return f"{value / 10:,.2f}万千瓦时" if lang == "zh" else f"{value:,.0f} MWh"
    return power(value, lang)


def by_construction(text: str, lang: str = "en") -> str:
    """Why a row holds whatever the optimum (results ``policy_by_construction``), in ``lang``."""
    if lang != "zh" or not text:
        return text
    m = re.fullmatch(r"the capacity that cannot be retired \(([\d,.]+) (MWh|MW)\) already reaches it", text)
    if m:
        return label("why_cannot_retire", lang, v=_amount(_num(m.group(1)), m.group(2), lang))
    m = re.fullmatch(r"the technologies counted cannot exceed ([\d,.]+) (MWh|MW) \(their table limits\)", text)
    if m:
        return label("why_table_limits", lang, v=_amount(_num(m.group(1)), m.group(2), lang))
    return label("by_construction_note", lang)


def flag(text: str, lang: str = "en", name: Callable[[str], str] | None = None) -> tuple[str, bool]:
    """A results flag (:func:`optimizer.calibration.flags`, English) in ``lang``; and whether it was translated.
    ``name``: a technology's display name from its id (the results' names; default: the id)."""
    if lang != "zh":
        return text, True
    name = name or (lambda k: tech(k, lang))
    n = r"([\d,.]+)"
    held = r"(?:; (?:its capacity is|it is) held by (.+))?"

    def h(by: str | None) -> str:
        return label("flag_held", lang, by=by) if by else ""

    rules: list[tuple[str, Any]] = [
        (rf"the capacity target (\S+) binds \(shadow price {n} CNY/kW/yr\): the mix it asks for costs more than "
         r"the least-cost one", lambda m: label("flag_cap_binds", lang, row=m.group(1), v=m.group(2))),
        (rf"prices are nearly flat: (\d+%) of the hours lie within 1 % of {n} CNY/MWh, .*",
         lambda m: label("flag_flat", lang, share=m.group(1), p=m.group(2))),
        (rf"(\S+) \({n} MW / {n} MWh\) makes only {n} full cycles a year{held}",
         lambda m: label("flag_cycles", lang, name=name(m.group(1)), mw=m.group(2), mwh=m.group(3),
                         c=m.group(4), held=h(m.group(5)))),
        (rf"(\S+): {n} MW run only {n} full-load hours a year{held}",
         lambda m: label("flag_hours", lang, name=name(m.group(1)), mw=m.group(2), h=m.group(3),
                         held=h(m.group(4)))),
        (r"the CHP units have no steam duty .*", lambda m: label("flag_no_steam", lang)),
        (rf"{n} MWh of load are shed over the year", lambda m: label("flag_unserved", lang, v=m.group(1))),
        (rf"{n} MWh of heat demand are not met", lambda m: label("flag_heat_unmet", lang, v=m.group(1))),
    ]
    for pattern, make in rules:
        m = re.fullmatch(pattern, text)
        if m:
            return make(m), True
    return text, False


#: English fragments of the plan's own text (seeds/targets.yaml clause and quote) and their Chinese
_PLAN_TEXT = {"another plan": "另一规划"}


def plan_text(text: str, lang: str = "en") -> str:
    """A clause or quote of the plan's targets file as shown in ``lang`` (English asides translated)."""
    if lang != "zh" or not isinstance(text, str):
        return text if isinstance(text, str) else ""
    for en, zh in _PLAN_TEXT.items():
        text = text.replace(en, zh)
    return text
