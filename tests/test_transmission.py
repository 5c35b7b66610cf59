"""Transmission between zones (optimizer/model/transmission.py) on hand-worked two-zone systems, and the
links table's one-line errors.

The system: zone ``north`` has a cheap generator (100 MW at 100 CNY/MWh) and no load; zone ``south`` has the
load (50, 80, 60 MW) and a dear generator (100 MW at 500 CNY/MWh); a link north -> south of 60 MW loses 10 %
of what it carries. A MWh delivered south from the north costs 100 / 0.9 = 111.1 CNY < 500, so the link
carries what it can:

* hour 0: 50 MW needed, 50 / 0.9 = 55.6 MW sent (below 60): the link is not congested, the south's price is
  the north's grossed up for losses, 111.1 CNY/MWh, the north's 100;
* hours 1 and 2: 60 MW sent, 54 MW arrive; the dear unit gives the rest (26 and 6 MW): the link is
  congested, the south's price is the dear unit's 500, the north's stays 100.

Cost: 55.56 x 100 + (60 x 100 + 26 x 500) + (60 x 100 + 6 x 500) = 5,555.6 + 19,000 + 9,000 = 33,555.6 CNY.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from test_cli import _restore_logging, assert_one_line_error, invoke  # noqa: F401  (autouse fixture: logging)

from optimizer.errors import InfeasibleError, InputError
from optimizer.inputs import load_inputs
from optimizer.run import run
from tiny import make_config, write_case

CHEAP = {"name": "cheap", "kind": "generator", "carrier": "biomass", "existing_mw": 100, "vom_cny_per_mwh": 100,
         "zone": "north", "firm_capacity_credit": 1}
DEAR = {"name": "dear", "kind": "generator", "carrier": "biomass", "existing_mw": 100, "vom_cny_per_mwh": 500,
        "zone": "south", "firm_capacity_credit": 1}
LINK = {"name": "n_s", "zone_a": "north", "zone_b": "south", "existing_mw": 60, "extendable": "false",
        "loss_frac": 0.1, "source": "hand-worked test"}


def _case(tmp_path: Path, links: list[dict], south: list[float] | None = None, **changes: object):
    data = write_case(tmp_path / "case", [CHEAP, DEAR], south or [50.0, 80.0, 60.0])
    load = pd.read_csv(data["inputs"]["load"]).rename(columns={"load_mw": "south"}).assign(north=0.0)
    load.to_csv(data["inputs"]["load"], index=False)
    pd.DataFrame(links).to_csv(tmp_path / "case" / "links.csv", index=False)
    data["inputs"]["links"] = str(tmp_path / "case" / "links.csv")
    return make_config(data, tmp_path, zones=["north", "south"], **changes)


def test_cheap_power_behind_a_congested_lossy_link(tmp_path):
    ds = run(_case(tmp_path, [LINK]), write=False).dataset
    assert float(ds["objective_cny"]) == pytest.approx(50 / 0.9 * 100 + 19_000 + 9_000, rel=1e-9)
    fwd = ds["link_fwd_mw"].sel(link="n_s").values
    assert fwd == pytest.approx([50 / 0.9, 60.0, 60.0], abs=1e-6)
    assert ds["link_bwd_mw"].sel(link="n_s").values == pytest.approx([0, 0, 0], abs=1e-6)
    assert ds["generation_mw"].sel(generator="dear").values == pytest.approx([0.0, 26.0, 6.0], abs=1e-6)
    price = ds["marginal_price_cny_per_mwh"]
    assert price.sel(zone="north").values == pytest.approx([100.0, 100.0, 100.0], rel=1e-6)
    assert price.sel(zone="south").values == pytest.approx([100 / 0.9, 500.0, 500.0], rel=1e-6)
    assert float(ds["link_capacity_total_mw"].sel(link="n_s")) == pytest.approx(60.0)
    # the headline price averages the zones (it once summed them: six zones at ~380 showed 2,280 CNY/MWh)
    from optimizer.results import headline

    zone_avg = [(100 + 100 / 0.9) / 2, 300.0, 300.0]
    assert headline(ds)["mean_marginal_price_cny_per_mwh"] == pytest.approx(sum(zone_avg) / 3, rel=1e-6)
    # the self-check recomputed both zones' balances from the registered terms, losses included
    terms = json.loads(ds.attrs["balance_terms"])["electricity"]
    assert ["north", "link_fwd_mw", "n_s", -1.0] in terms and ["south", "link_fwd_mw", "n_s", 0.9] in terms


def test_a_link_is_built_when_it_pays(tmp_path):
    """Extendable at 0.2 CNY/kW (lifetime 1, no discounting: 200 CNY/MW a year for three hours). Each MW
    more carries 0.9 MWh in hours 1 and 2 instead of the dear unit: it saves 2 x 0.9 x 500 - 2 x 100 =
    700 CNY until the dear unit is idle (60 / 0.9 = 66.7 MW in hour 2, 80 / 0.9 = 88.9 in hour 1). From 66.7
    to 88.9 MW it saves only 0.9 x 500 - 100 = 350 CNY, still more than 200: the link is built to 88.9 MW
    and the dear unit never runs."""
    link = {**LINK, "extendable": "true", "capex_cny_per_kw": 0.2, "lifetime_yr": 1}
    ds = run(_case(tmp_path, [link]), write=False).dataset
    assert float(ds["link_capacity_total_mw"].sel(link="n_s")) == pytest.approx(80 / 0.9, rel=1e-6)
    assert float(ds["generation_mw"].sel(generator="dear").sum()) == pytest.approx(0.0, abs=1e-6)
    sent = (50 + 80 + 60) / 0.9
    assert float(ds["objective_cny"]) == pytest.approx(sent * 100 + (80 / 0.9 - 60) * 200, rel=1e-9)
    assert float(ds["cost_cny"].sel(component="capex", owner="n_s")) == pytest.approx((80 / 0.9 - 60) * 200)


def test_zonal_reserve_counts_firm_capacity_over_the_link(tmp_path):
    """Reserve margin 20 % per zone: the south needs 1.2 x 80 = 96 MW firm; it has 100 of its own. With the
    dear unit at 40 MW the south needs 56 more, which the link carries (at most 60, 90 % arrives: 54 MW):
    infeasible; at 45 MW of the dear unit it needs 51 <= 54: feasible, and the south's reserve row binds
    on the link's firm transfer. With the system scope the 100 + 45 MW of both zones cover 96 whatever the link."""
    cfg = _case(tmp_path, [LINK], policy={"share_basis": "electricity", "reserve_margin": 0.2,
                                          "reserve_margin_scope": "zone"})
    dear40 = cfg.model_copy(update={"technologies": {"dear": {"existing_mw": 40.0}}})
    with pytest.raises(InfeasibleError, match="reserve_margin_south"):
        run(dear40, write=False)
    dear45 = cfg.model_copy(update={"technologies": {"dear": {"existing_mw": 45.0}}})
    ds = run(dear45, write=False).dataset
    rows = list(ds["policy"].values)
    assert "reserve_margin_south" in rows and "reserve_margin_north" in rows
    assert float(ds["policy_lhs"].sel(policy="reserve_margin_south")) >= 96.0 - 1e-6
    # the report's firm balance by zone: the south's own 45 MW and the link's 54 arriving cover 96 with 3 to spare
    from optimizer.report.tables import zone_firm_table

    zf = zone_firm_table(ds)
    assert zf.loc["south"].tolist() == pytest.approx([45, 80, 96, 54, 3])
    assert zf.loc["north"].tolist() == pytest.approx([100, 0, 0, 54, 154])


@pytest.mark.parametrize(("change", "field", "words"), [
    ({"zone_b": "west"}, "n_s.zone_b", "zone 'west' is not a configured zone"),
    ({"zone_b": "north"}, "n_s.zone_b", "two different zones"),
    ({"loss_frac": 1.5}, "n_s.loss_frac", "must lie in [0, 1)"),
    ({"existing_mw": "lots"}, "n_s.existing_mw", "expected a number"),
    ({"source": ""}, "n_s.source", "value required"),
])
def test_bad_links_fail_in_one_line(tmp_path, change, field, words):
    cfg = _case(tmp_path, [{**LINK, **change}])
    with pytest.raises(InputError) as err:
        load_inputs(cfg)
    msg = str(err.value)
    assert "links.csv" in msg and field in msg and words in msg and "\n" not in msg


def test_a_zone_with_load_and_no_supply_and_no_link_fails_in_one_line(tmp_path):
    cfg = _case(tmp_path, [{**LINK, "zone_a": "south", "zone_b": "north"}])
    load_inputs(cfg)  # a link reaches the north: it may have no plant of its own
    data = write_case(tmp_path / "case2", [DEAR], [50.0, 80.0, 60.0])
    load = pd.read_csv(data["inputs"]["load"]).rename(columns={"load_mw": "south"}).assign(north=5.0)
    load.to_csv(data["inputs"]["load"], index=False)
    path = tmp_path / "case2" / "config.yaml"
    import yaml

    path.write_text(yaml.safe_dump({**data, "zones": ["north", "south"]}), encoding="utf-8")
    res = invoke("validate", path)
    assert_one_line_error(res.exit_code, res.stdout, res.stderr, 2, "zone 'north' has no generator or import "
                          "corridor and no link")


def test_a_sweep_on_the_two_zone_case(tmp_path):
    """The dear unit's price swept: the congested hours 1 and 2 buy 26 + 6 MWh from it, so the cost moves by
    32 MWh x the price step (500 -> 600: +3,200 CNY)."""
    import yaml

    import optimizer

    cfg = _case(tmp_path, [LINK])
    path = tmp_path / "case" / "zones.yaml"
    path.write_text(yaml.safe_dump(cfg.dump()), encoding="utf-8")
    frontier = optimizer.Case.from_yaml(path).sweep(vary={"technologies.dear.vom_cny_per_mwh": [500.0, 600.0]})
    assert list(frontier["status"].values) == ["optimal", "optimal"]
    cost = frontier["total_cost_cny"].values
    assert cost[1] - cost[0] == pytest.approx(32 * 100.0, rel=1e-9)


def test_a_plant_in_no_zone_fails_in_one_line(tmp_path):
    """A blank zone cell takes the attribute's default, 'suzhou', which is no zone of a zonal config."""
    data = write_case(tmp_path / "case", [CHEAP, {**DEAR, "zone": ""}], [50.0, 80.0, 60.0])
    load = pd.read_csv(data["inputs"]["load"]).rename(columns={"load_mw": "south"}).assign(north=0.0)
    load.to_csv(data["inputs"]["load"], index=False)
    with pytest.raises(InputError) as err:
        load_inputs(make_config(data, tmp_path, zones=["north", "south"]))
    assert "technologies.csv: dear.zone: zone 'suzhou' is not a configured zone" in str(err.value)


def test_the_report_shows_the_links_congestion(tmp_path):
    """The congested hours 1 and 2 each earn 60 MW x (0.9 x 500 - 100) = 21,000 CNY of congestion rent; hour 0
    earns nothing (the south's price is the north's grossed up for losses)."""
    from optimizer.report.tables import links_table

    ds = run(_case(tmp_path, [LINK]), write=False).dataset
    row = links_table(ds).loc["n_s"]
    assert (row["zone_a"], row["zone_b"]) == ("north", "south")
    assert row["congested_hours"] == pytest.approx(2.0)
    assert row["congestion_rent_m_cny"] == pytest.approx(2 * 21_000 / 1e6, rel=1e-6)
    assert row["mean_fwd_mw"] == pytest.approx((50 / 0.9 + 120) / 3, rel=1e-6)


def test_the_zone_balance_at_the_peak_and_the_valley(tmp_path):
    """分区电力平衡 of the two-zone case. Peak (hour 1, 80 MW in the south): the north's plant gives 60 MW and
    sends them (-60), 54 arrive south, where the dear unit gives 26; surpluses 100 - 60 = 40 and
    100 + 54 - 80 = 74. Valley (hour 0, 50 MW): 55.6 MW sent, 50 arrive. The total's net import is the loss."""
    from optimizer.report.tables import zone_balance_table

    zb = zone_balance_table(run(_case(tmp_path, [LINK]), write=False).dataset)
    assert zb.loc["north", ["peak_output_mw", "peak_net_import_mw", "peak_surplus_mw"]].tolist() == pytest.approx(
        [60, -60, 40], abs=1e-6)
    assert zb.loc["south", ["peak_zone_load_mw", "peak_available_mw", "peak_output_mw", "peak_net_import_mw",
                            "peak_surplus_mw"]].tolist() == pytest.approx([80, 100, 26, 54, 74], abs=1e-6)
    assert zb.loc["south", "valley_net_import_mw"] == pytest.approx(50, abs=1e-6)
    assert zb.loc["north", "valley_output_mw"] == pytest.approx(50 / 0.9, abs=1e-6)
    assert zb.loc["total", "peak_net_import_mw"] == pytest.approx(-6, abs=1e-6)
    assert zb.attrs["steps"]["peak"].endswith("01:00")


def test_the_report_of_a_zonal_run_has_the_zone_tables_and_the_link_loading(tmp_path):
    """The report of the two-zone case: the zone balance in both languages, the links' loading duration
    curves, and no English in the Chinese page but the case's own names (cheap, dear, north, south)."""
    from test_report_page_one import english_words, visible_text

    from optimizer.report import build_report

    run(_case(tmp_path, [LINK]), out_dir=tmp_path / "res")
    ids = {"cheap", "dear", "north", "south"}
    for lang, title in (("en", "Power balance by zone"), ("zh", "分区电力平衡")):
        page = build_report(tmp_path / "res", tmp_path / f"report_{lang}", lang=lang).read_text(encoding="utf-8")
        assert title in page and "data-table=\"zone_balance\"" in page
        assert (tmp_path / f"report_{lang}" / "figures" / "link_duration.png").exists()
        if lang == "zh":
            found = [(t.strip()[:60], w) for t in visible_text(page) if (w := set(english_words(t)) - ids)]
            assert not found, found


def test_the_zone_balance_shows_load_not_served_as_a_shortfall_not_an_import(tmp_path):
    """South's peak of 250 MW: the dear unit's 100 MW and the 54 MW the link delivers leave 96 MW unserved. The
    zone's net import stays the link's 54 MW, the 96 MW show as load not served, the surplus is -96."""
    from optimizer.report.tables import zone_balance_table

    ds = run(_case(tmp_path, [LINK], south=[50.0, 250.0, 60.0], economics={"allow_unserved": True}),
             write=False).dataset
    zb = zone_balance_table(ds)
    assert zb.loc["south", ["peak_net_import_mw", "peak_unserved_mw", "peak_surplus_mw"]].tolist() == pytest.approx(
        [54, 96, -96], abs=1e-6)
    assert "valley_unserved_mw" not in zb  # a column only where a step sheds load


def test_blank_link_cells_that_take_a_needed_default_are_listed(tmp_path):
    """A blank existing_mw or loss_frac takes 0 (the table's stated default) and the run lists it, as it lists
    the technology table's; a blank capex counts only for a link that may be built, and a blank
    max_total_mw is the neutral "no limit"."""
    blank = {**LINK, "existing_mw": "", "loss_frac": "", "capex_cny_per_kw": "", "max_total_mw": ""}
    inp = load_inputs(_case(tmp_path, [blank]))
    assert [d for d in inp.defaults_used if d.startswith("n_s.")] == ["n_s.existing_mw = 0 MW", "n_s.loss_frac = 0 -"]
    built = load_inputs(_case(tmp_path, [{**blank, "extendable": "true", "lifetime_yr": 30}]))
    assert [d for d in built.defaults_used if d.startswith("n_s.")] == [
        "n_s.existing_mw = 0 MW", "n_s.capex_cny_per_kw = 0 CNY/kW", "n_s.loss_frac = 0 -"]
