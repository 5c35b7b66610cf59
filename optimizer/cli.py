"""Command line: ``optimizer run CONFIG``, ``optimizer validate CONFIG``.

Errors end with one line on stderr and a documented exit code (see :mod:`optimizer.errors`);
progress and timings are logged to stderr, the summary table goes to stdout.
"""

from __future__ import annotations

import functools
import json
import logging
import sys
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from optimizer.errors import InfeasibleError, InputError, OptimizerError, one_line
from optimizer.no_dask import dask_hidden


def threading_is_main() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Least-cost capacity expansion and dispatch of Suzhou's power system (Pyomo + HiGHS).")
err_console = Console(stderr=True, emoji=False)

ConfigArg = Annotated[Path, typer.Argument(help="scenario config (YAML)", show_default=False)]
SetOpt = Annotated[list[str] | None, typer.Option("--set", help="override a config value: key.path=value")]
ResolutionOpt = Annotated[str | None, typer.Option(
    "--resolution", help="average the year to coarser steps, e.g. 3h (fast exploratory runs)")]
TypicalDaysOpt = Annotated[int | None, typer.Option(
    "--typical-days", help="cluster the year into N typical days (tsam), linked for storage")]


def _time_overrides(resolution: str | None, typical_days: int | None) -> list[str]:
    out = []
    if resolution is not None:
        text = resolution.strip().lower().removesuffix("h")
        if not text.isdigit():
            raise typer.BadParameter(f"expected hours such as 3h, got {resolution!r}", param_hint="--resolution")
        out.append(f"time.resolution_h={int(text)}")
    if typical_days is not None:
        out.append(f"time.typical_days={typical_days}")
    return out


class Terminated(KeyboardInterrupt):
    """SIGTERM, delivered as an interrupt so a build or solve stops the same way as on Ctrl-C."""


#: set once SIGTERM has arrived in this process (see ``command``)
_SIGTERM_SEEN: list[bool] = []


def _on_sigterm(signum: int, frame: object) -> None:
    _SIGTERM_SEEN.append(True)
    raise Terminated()


#: seconds after SIGTERM at which the interrupt is raised again, if the run is still going
REARM_S = 2


def _on_sigterm_rearmed(signum: int, frame: object) -> None:
    """SIGTERM for a command that ends at once when interrupted: should Python swallow the interrupt
    (raised inside a finaliser or a garbage-collector callback, it is printed as "Exception ignored" and
    the run goes on; seen once in a full-year run that then solved for minutes), SIGALRM raises it
    again ``REARM_S`` seconds later. The normal path cancels the alarm in :func:`_interrupted`."""
    import signal

    signal.signal(signal.SIGALRM, _on_sigterm_rearmed)
    signal.alarm(REARM_S)
    _on_sigterm(signum, frame)


def _interrupted(err: KeyboardInterrupt) -> None:
    import signal

    if hasattr(signal, "alarm"):
        signal.alarm(0)  # the interrupt arrived: no second one
    err_console.print("[bold red]interrupted[/]: stopped cleanly, nothing written", highlight=False)
    code = 143 if isinstance(err, Terminated) else 130
    from optimizer.solve import exit_if_solver_abandoned

    exit_if_solver_abandoned(err, code)  # a HiGHS thread still runs: no clean shutdown around it
    raise typer.Exit(code) from None


def _take_signals(rearm: bool = False) -> None:
    """SIGTERM and SIGINT raise an interrupt from here on (the command stops cleanly, exit 143 / 130);
    ``rearm``: a swallowed SIGTERM is raised again (:func:`_on_sigterm_rearmed`)."""
    import signal

    if threading_is_main():
        rearmed = rearm and hasattr(signal, "SIGALRM")
        signal.signal(signal.SIGTERM, _on_sigterm_rearmed if rearmed else _on_sigterm)
        # a shell starts background jobs with SIGINT ignored; take Ctrl-C / kill -INT in any case
        signal.signal(signal.SIGINT, signal.default_int_handler)


#: commands that use dask (every other command hides it, see optimizer.no_dask)
USES_DASK = frozenset({"batch"})


def command(fn: Callable[..., None]) -> Callable[..., None]:
    """``@app.command()`` whose whole body, its imports included, stops cleanly on Ctrl-C or SIGTERM
    (typer would otherwise exit 130 without a word when an interrupt lands outside a ``try``)."""

    @functools.wraps(fn)
    def guarded(*args: object, **kwargs: object) -> None:
        _take_signals(rearm=fn.__name__ not in USES_DASK)  # batch stops its cluster itself
        try:
            with nullcontext() if fn.__name__ in USES_DASK else dask_hidden():
                fn(*args, **kwargs)
        except KeyboardInterrupt as err:
            _interrupted(err)
        except typer.Exit:  # the command's own ending (after an interrupt: its message is printed already)
            raise
        except Exception:
            # the interrupt can land inside a C extension's module initialisation (numpy, pandas,
            # netCDF4 import while the command starts), which Python turns into "ImportError:
            # initialization failed": after SIGTERM, whatever escapes is the interrupt's doing
            if _SIGTERM_SEEN:
                _interrupted(Terminated())
            raise

    return app.command()(guarded)


def _setup_logging(verbose: bool) -> None:
    _take_signals()
    # progress comes from the optimizer's own logger only; other libraries (numexpr, tsam, ...) stay
    # at WARNING so their INFO chatter does not add lines before an error
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(message)s", datefmt="%H:%M:%S", force=True)
    logging.getLogger("optimizer").setLevel(logging.INFO if verbose else logging.WARNING)
    logging.getLogger("pyomo").setLevel(logging.ERROR)


def _fail(err: OptimizerError, config: Path | None = None) -> None:
    first = one_line(err, config)
    # escape: a message quotes user text (keys, values, paths) that may look like rich markup
    err_console.print(f"[bold red]error:[/] {escape(first)}", highlight=False, soft_wrap=True)
    raise typer.Exit(err.exit_code)


def _pct(v: float | None) -> str:
    return "n/a (no energy)" if v is None else f"{v:.1%}"


def print_summary(ds: object) -> None:
    """A short summary table of a results dataset on stdout."""
    from optimizer.results import headline, summary_table

    df = summary_table(ds)
    head = headline(ds)
    console = Console(emoji=False) if sys.stdout.isatty() else Console(width=120, emoji=False)
    table = Table(title=f"{head['scenario']} ({head['year']}): least-cost mix", show_lines=False)
    for col in ("technology", "existing MW", "new MW", "total MW", "energy GWh", "share", "CO2 Mt", "cost M CNY"):
        table.add_column(col, justify="left" if col == "technology" else "right", no_wrap=True)
    for tech, r in df.iterrows():
        share = "" if r["supply_share"] != r["supply_share"] else f"{r['supply_share']:.1%}"
        table.add_row(str(tech), f"{r['existing_mw']:,.0f}", f"{r['new_mw']:,.0f}", f"{r['total_mw']:,.0f}",
                      f"{r['energy_gwh']:,.0f}", share, f"{r['emissions_mt']:.2f}", f"{r['cost_million_cny']:,.0f}")
    console.print(table)
    lines = [
        f"total cost {head['total_cost_cny'] / 1e9:,.2f} bn CNY/yr; CO2 {head['co2_t'] / 1e6:,.2f} Mt/yr; "
        f"unserved {head['unserved_mwh']:,.0f} MWh/yr",
        f"coal share {_pct(head['coal_share'])}, non-fossil share {_pct(head['nonfossil_share'])} "
        f"({head['share_basis']} basis)",
    ]
    if head.get("co2_city_t") is not None:
        lines.append(f"city-wide CO2 {head['co2_city_t'] / 1e6:,.2f} Mt/yr (power and steam {head['co2_t'] / 1e6:,.2f}"
                     f" + fuels outside the power sector {head['co2_non_power_t'] / 1e6:,.2f})")
    extra = []
    if head.get("clean_electricity_share") is not None:
        extra.append(f"clean electricity {_pct(head['clean_electricity_share'])} of consumption")
    if head.get("gas_use_m3") is not None:
        lng = head.get("gas_lng_m3") or 0.0
        lng_txt = f" ({lng / 1e9:,.2f} LNG)" if lng > 1e6 else ""
        extra.append(f"gas use {head['gas_use_m3'] / 1e9:,.2f} bcm/yr{lng_txt}")
    if extra:
        lines.append("; ".join(extra))
    if head["carbon_shadow_price_cny_per_t"] is not None:
        lines.append(f"carbon shadow price {head['carbon_shadow_price_cny_per_t']:,.1f} CNY/t")
    lines.append(f"load {head['annual_load_mwh'] / 1e6:,.1f} TWh/yr, peak {head['peak_load_mw']:,.0f} MW; "
                 f"time: {head['time_span']}")
    if head["mean_marginal_price_cny_per_mwh"] is not None:
        lines.append(f"mean marginal price {head['mean_marginal_price_cny_per_mwh']:,.1f} CNY/MWh (10 % of the hours "
                     f"below {head['marginal_price_p10_cny_per_mwh']:,.1f}, 10 % above "
                     f"{head['marginal_price_p90_cny_per_mwh']:,.1f})")
    if head.get("emission_factor_avg_t_per_mwh") is not None:
        mef = head.get("emission_factor_marginal_mean_t_per_mwh")
        lines.append(f"emission factor of the electricity consumed {head['emission_factor_avg_t_per_mwh']:.3f} t/MWh "
                     "on average" + (f", {mef:.3f} t/MWh at the margin (load-weighted)" if mef is not None else ""))
    binding = [p for p in head["policies"] if p["dual"] not in (None, 0.0) and abs(p["dual"]) > 1e-6]
    if binding:
        lines.append("binding policies: " + ", ".join(p["policy"] for p in binding))
    for ln in lines:
        console.print(ln, highlight=False)
    if head.get("calibration"):
        cal = Table(title="against the statistics (data/calibration.csv)", show_lines=False)
        for col in ("figure", "model", "statistic", "unit", "within"):
            cal.add_column(col, justify="left" if col in ("figure", "unit") else "right", no_wrap=True)
        for r in head["calibration"]:
            sense = "" if r["sense"] == "=" else r["sense"] + " "
            cal.add_row(r["figure"], f"{r['model']:,.4g}", f"{sense}{r['statistic']:,.4g}", r["unit"],
                        f"{'yes' if r['ok'] else 'NO'} (±{r['tolerance']:.0%})")
        console.print(cal)
    for flag in head.get("flags", []):
        console.print(f"flag: {flag}", highlight=False, soft_wrap=True)


@command
def run(
    config: ConfigArg,
    out: Annotated[Path | None, typer.Option("--out", help="results folder (default results/<name>)")] = None,
    set_: SetOpt = None,
    resolution: ResolutionOpt = None,
    typical_days: TypicalDaysOpt = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress log")] = False,
) -> None:
    """Solve one scenario and write results/<name>/ (NetCDF, summary CSV/JSON)."""
    _setup_logging(not quiet)
    from optimizer.api import Case
    from optimizer.pathway import is_pathway_file

    if is_pathway_file(config):
        _run_pathway(config, out, [*(set_ or []), *_time_overrides(resolution, typical_days)])
        return
    try:
        outcome = Case.from_yaml(config, [*(set_ or []), *_time_overrides(resolution, typical_days)]).run(out)
    except OptimizerError as err:
        _fail(err, config)
    except KeyboardInterrupt as err:
        _interrupted(err)
    print_summary(outcome.dataset)
    typer.echo(f"results: {outcome.out_dir}")


@command
def batch(
    configs: Annotated[list[Path], typer.Argument(help="scenario configs (YAML)", show_default=False)],
    out: Annotated[Path | None, typer.Option("--out", help="folder for all scenarios' results")] = None,
    workers: Annotated[int | None, typer.Option(
        "--workers", help="local Dask workers (0 = in this process)")] = None,
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler", help="existing Dask scheduler tcp://HOST:PORT")] = None,
    force: Annotated[bool, typer.Option("--force", help="re-run scenarios whose results are current")] = False,
    set_: SetOpt = None,
    no_report: Annotated[bool, typer.Option("--no-report", help="skip the HTML/Excel report per scenario")] = False,
    lang: Annotated[str, typer.Option("--lang", help="language of the reports: en or zh")] = "en",
) -> None:
    """Run many scenarios (on a local or existing Dask cluster); one failure never stops the others."""
    _setup_logging(False)
    from optimizer.batch import batch_command
    from optimizer.report.i18n import LANGS

    if lang not in LANGS:
        _fail(InputError(f"unknown language {lang!r}; use one of {', '.join(LANGS)}", field="--lang"))
    code = batch_command(configs, out, workers, scheduler, force, set_, not no_report, lang)
    raise typer.Exit(code)


def _run_pathway(config: Path, out: Path | None, overrides: list[str]) -> None:
    """A multi-period pathway config: solve it and print the trajectory."""
    from optimizer.api import Case

    try:
        outcome = Case.from_yaml(config, overrides).run(out)
    except OptimizerError as err:
        _fail(err, config)
    except KeyboardInterrupt as err:
        _interrupted(err)
    ds = outcome.dataset
    console = Console(emoji=False) if sys.stdout.isatty() else Console(width=220, emoji=False)
    table = Table(title=f"{ds.attrs['scenario']}: pathway ({ds.attrs['foresight']} foresight)")
    # (heading, variable, format); a figure the periods do not have is left out
    mt, bn, pct = (lambda x: f"{x / 1e6:,.1f}"), (lambda x: f"{x / 1e9:,.2f}"), (lambda x: f"{x:.1%}")
    cols = [(h, v, f) for h, v, f in (
        ("CO2 city Mt", "co2_city_t", mt), ("CO2 power Mt", "co2_t", mt), ("cost bn CNY/yr", "total_cost_cny", bn),
        ("coal share", "coal_share", pct), ("non-fossil", "nonfossil_share", pct),
        ("clean elec.", "clean_electricity_share", pct), ("gas bcm", "gas_use_m3", bn),
    ) if v in ds]
    techs = [k for k in ds["technology"].values if float(ds["capacity_total_mw"].sel(technology=k).max()) > 0]
    for col in ("period", *[h for h, _, _ in cols], *[str(k) for k in techs]):
        table.add_column(escape(col), justify="right", no_wrap=True)
    for y in ds["period"].values:
        row = ds.sel(period=y)
        table.add_row(str(y), *[f(float(row[v])) for _, v, f in cols],
                      *[f"{float(row['capacity_total_mw'].sel(technology=k)):,.0f}" for k in techs])
    console.print(table)
    typer.echo(f"discounted total cost {outcome.total_cost_cny / 1e9:,.2f} bn CNY (capacity in MW)")
    for flag in json.loads(ds.attrs.get("flags", "[]")):
        typer.echo(f"flag: {flag}")
    typer.echo(f"results: {outcome.out_dir}")


@command
def validate(config: ConfigArg, set_: SetOpt = None) -> None:
    """Check a config and every input file it names, without building the model."""
    _setup_logging(False)
    from optimizer.api import Case
    from optimizer.model import build_model

    try:
        case = Case.from_yaml(config, set_)
        if case.is_pathway:
            periods = case.validate()
            typer.echo(f"{config}: valid pathway ({', '.join(str(y) for y in periods)})")
            return
        cfg = case.config
        inp = case.validate()
        # resolve the policy references too (unknown targets, shares outside [0, 1]) on one day
        day = cfg.model_copy(update={"time": cfg.time.model_copy(update={"scale_to_year": False})})
        build_model(_first_day(inp), day)
    except OptimizerError as err:
        _fail(err, config)
    for msg in inp.plausibility:
        err_console.print(f"[bold yellow]warning:[/] implausible: {escape(msg)}", highlight=False, soft_wrap=True)
    typer.echo(f"{config}: valid ({len(inp.time)} steps, {len(inp.techs)} technologies, "
               f"inputs hash {inp.inputs_hash[:12]})" + (f"; {len(inp.plausibility)} plausibility warning(s)"
                                                         if inp.plausibility else ""))


def _first_day(inp: object) -> object:
    """The same inputs cut to their first 24 steps (a cheap build for validation)."""
    return inp.head(24)


@command
def report(
    results: Annotated[Path, typer.Argument(help="a results folder written by `optimizer run`", show_default=False)],
    out: Annotated[Path | None, typer.Option("--out", help="report folder (default RESULTS/report)")] = None,
    lang: Annotated[str, typer.Option("--lang", help="en or zh")] = "en",
    pdf: Annotated[bool | None, typer.Option(
        "--pdf/--no-pdf", help="report.pdf beside the HTML, printed by Chromium or Chrome (default: if one is "
        "installed; --pdf: or fail)", show_default=False)] = None,
    sensitivity: Annotated[Path | None, typer.Option(
        "--sensitivity", help="a sweep folder of `optimizer sweep --one-at-a-time` on the same config: "
        "the report's sensitivity section")] = None,
) -> None:
    """Write the planning report: HTML (offline), PDF, Excel workbook and PNG figures."""
    _setup_logging(False)
    from optimizer.report import report_command

    try:
        report_command(results, out, lang, pdf, sensitivity=sensitivity)
    except OptimizerError as err:
        _fail(err)


@command
def sweep(
    config: ConfigArg,
    carbon_cap: Annotated[str | None, typer.Option(
        "--carbon-cap", help="CO2 caps start:stop:points in Mt CO2/yr, e.g. 80:40:11")] = None,
    vary: Annotated[list[str] | None, typer.Option(
        "--vary", help="key=v1,v2,... (repeatable; the grid is the product)")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="output folder (default results/<name>_sweep)")] = None,
    set_: SetOpt = None,
    resolution: ResolutionOpt = None,
    typical_days: TypicalDaysOpt = None,
    mode: Annotated[str, typer.Option(
        "--mode", help="auto (default: reuse up to 60k columns, else inplace), reuse (one HiGHS instance, "
        "warm-started), inplace (one instance, cold solves) or rebuild")] = "auto",
    one_at_a_time: Annotated[bool, typer.Option(
        "--one-at-a-time", help="a sensitivity study: the config as it is, then each --vary key alone at each "
        "of its values (not the product); `optimizer report RESULTS --sensitivity SWEEP` shows it")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress log")] = False,
) -> None:
    """Solve along a range of CO2 caps or config values; write the cost-carbon frontier."""
    _setup_logging(not quiet)
    from optimizer.config import load_config
    from optimizer.sweep import (
        check_frontier_dir,
        make_grid,
        make_one_at_a_time,
        parse_range,
        parse_vary,
        run_sweep,
        write_frontier,
    )

    try:
        base = [*(set_ or []), *_time_overrides(resolution, typical_days)]
        cfg = load_config(config, base)
        target = check_frontier_dir(out if out is not None else Path(cfg.output.dir).with_name(f"{cfg.name}_sweep"))
        caps = parse_range(carbon_cap) if carbon_cap else None
        if one_at_a_time and caps:
            raise InputError("--one-at-a-time varies --vary keys around the config; give the cap as a --vary "
                             "of policy.co2_cap_t.value (tCO2/yr)", field="--carbon-cap")
        points = make_one_at_a_time(parse_vary(vary)) if one_at_a_time else make_grid(caps, parse_vary(vary))
        result = run_sweep(config, points, base_overrides=base, mode=mode)
        status = result.dataset["status"].values
        if not (status == "optimal").any():  # nothing to show: write nothing, keep a previous frontier
            first = str(result.dataset["message"].values[0]) or str(status[0])
            raise InfeasibleError(f"no point of the sweep solved; first: {first}")
        files = write_frontier(result.dataset, target)
    except OptimizerError as err:
        _fail(err, config)
    except KeyboardInterrupt as err:
        _interrupted(err)
    _print_frontier(result.dataset)
    typer.echo(f"frontier: {', '.join(str(f) for f in files)} ({result.times['total_s']:.1f} s)")
    failed = int((result.dataset["status"].values != "optimal").sum())
    if failed:
        err_console.print(f"[bold red]error:[/] {failed} of {result.dataset.sizes['case']} points did not solve to "
                          "optimality (see the status and message columns); the others are written", highlight=False)
        raise typer.Exit(3)


def _print_frontier(ds: object) -> None:
    console = Console(emoji=False) if sys.stdout.isatty() else Console(width=140, emoji=False)
    table = Table(title="cost-carbon frontier")
    labels = [c for c in ds.coords if ds[c].dims == ("case",) and c not in ("status", "how", "message")]
    for col in [*labels, "status", "cost bn CNY", "CO2 Mt", "CO2 price CNY/t", "coal share", "non-fossil"]:
        table.add_column(col, justify="right", no_wrap=True)
    def num(name: str, i: int, scale: float = 1.0, fmt: str = "{:,.2f}") -> str:
        v = float(ds[name].values[i])
        return "" if v != v else fmt.format(v * scale)

    for i in range(ds.sizes["case"]):
        table.add_row(*[str(ds[c].values[i]) for c in labels], str(ds["status"].values[i]),
                      num("total_cost_cny", i, 1e-9), num("co2_t", i, 1e-6),
                      num("carbon_shadow_price_cny_per_t", i, 1, "{:,.1f}"),
                      num("coal_share", i, 1, "{:.1%}"), num("nonfossil_share", i, 1, "{:.1%}"))
    console.print(table)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
