"""Command line: ``optimizer run CONFIG``, ``optimizer validate CONFIG``.

Errors end with one line on stderr and a documented exit code (see :mod:`optimizer.errors`);
progress and timings are logged to stderr, the summary table goes to stdout.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from optimizer.errors import OptimizerError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Least-cost capacity expansion and dispatch of Suzhou's power system (Pyomo + HiGHS).")
err_console = Console(stderr=True)

ConfigArg = Annotated[Path, typer.Argument(help="scenario config (YAML)", show_default=False)]
SetOpt = Annotated[list[str] | None, typer.Option("--set", help="override a config value: key.path=value")]


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(message)s", datefmt="%H:%M:%S", force=True)
    logging.getLogger("optimizer").setLevel(logging.INFO)
    logging.getLogger("pyomo").setLevel(logging.ERROR)


def _fail(err: OptimizerError) -> None:
    first = str(err).splitlines()[0] if str(err) else type(err).__name__
    err_console.print(f"[bold red]error:[/] {first}", highlight=False, soft_wrap=True)
    raise typer.Exit(err.exit_code)


def print_summary(ds: object) -> None:
    """A short summary table of a results dataset on stdout."""
    from optimizer.results import headline, summary_table

    df = summary_table(ds)
    head = headline(ds)
    console = Console()
    table = Table(title=f"{head['scenario']} ({head['year']}): least-cost mix", show_lines=False)
    for col in ("technology", "existing MW", "new MW", "total MW", "energy GWh", "share", "CO2 Mt", "cost M CNY"):
        table.add_column(col, justify="left" if col == "technology" else "right")
    for tech, r in df.iterrows():
        share = "" if r["supply_share"] != r["supply_share"] else f"{r['supply_share']:.1%}"
        table.add_row(str(tech), f"{r['existing_mw']:,.0f}", f"{r['new_mw']:,.0f}", f"{r['total_mw']:,.0f}",
                      f"{r['energy_gwh']:,.0f}", share, f"{r['emissions_mt']:.2f}", f"{r['cost_million_cny']:,.0f}")
    console.print(table)
    lines = [
        f"total cost {head['total_cost_cny'] / 1e9:,.2f} bn CNY/yr; CO2 {head['co2_t'] / 1e6:,.2f} Mt/yr; "
        f"unserved {head['unserved_mwh']:,.0f} MWh/yr",
        f"coal share {head['coal_share']:.1%}, non-fossil share {head['nonfossil_share']:.1%} "
        f"({head['share_basis']} basis)",
    ]
    if head["carbon_shadow_price_cny_per_t"] is not None:
        lines.append(f"carbon shadow price {head['carbon_shadow_price_cny_per_t']:,.1f} CNY/t")
    if head["mean_marginal_price_cny_per_mwh"] is not None:
        lines.append(f"mean marginal price {head['mean_marginal_price_cny_per_mwh']:,.1f} CNY/MWh")
    binding = [p for p in head["policies"] if p["dual"] not in (None, 0.0) and abs(p["dual"]) > 1e-6]
    if binding:
        lines.append("binding policies: " + ", ".join(p["policy"] for p in binding))
    for ln in lines:
        console.print(ln, highlight=False)


@app.command()
def run(
    config: ConfigArg,
    out: Annotated[Path | None, typer.Option("--out", help="results folder (default results/<name>)")] = None,
    set_: SetOpt = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress log")] = False,
) -> None:
    """Solve one scenario and write results/<name>/ (NetCDF, summary CSV/JSON)."""
    _setup_logging(not quiet)
    from optimizer.config import load_config
    from optimizer.run import run as run_scenario

    try:
        cfg = load_config(config, set_)
        outcome = run_scenario(cfg, out_dir=out)
    except OptimizerError as err:
        _fail(err)
    except KeyboardInterrupt:
        err_console.print("[bold red]interrupted[/]: nothing written")
        raise typer.Exit(130) from None
    print_summary(outcome.dataset)
    typer.echo(f"results: {outcome.out_dir}")


@app.command()
def validate(config: ConfigArg, set_: SetOpt = None) -> None:
    """Check a config and every input file it names, without building the model."""
    _setup_logging(False)
    from optimizer.config import load_config
    from optimizer.inputs import load_inputs
    from optimizer.model import build_model

    try:
        cfg = load_config(config, set_)
        inp = load_inputs(cfg)
        # resolve the policy references too (unknown targets, shares outside [0, 1]) on one day
        day = cfg.model_copy(update={"time": cfg.time.model_copy(update={"scale_to_year": False})})
        build_model(_first_day(inp), day)
    except OptimizerError as err:
        _fail(err)
    typer.echo(f"{config}: valid ({len(inp.time)} steps, {len(inp.techs)} technologies, "
               f"inputs hash {inp.inputs_hash[:12]})")


def _first_day(inp: object) -> object:
    """The same inputs cut to their first 24 steps (a cheap build for validation)."""
    import dataclasses

    n = min(24, len(inp.time))
    return dataclasses.replace(
        inp, time=inp.time[:n], step_h=inp.step_h[:n], weight_h=inp.weight_h[:n],
        load_mw=inp.load_mw.iloc[:n], cf=inp.cf.iloc[:n],
    )


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
