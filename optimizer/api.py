"""The Python API: what the command line does, for notebooks and scripts.

    import optimizer

    case = optimizer.Case.from_yaml("configs/suzhou_2025.yaml", time__end="2025-01-14 23:00")
    case.validate()                      # the inputs, checked (raises optimizer.InputError)
    ds = case.solve()                    # an xarray Dataset (nothing written)
    frontier = case.sweep(carbon_caps_mt=[90, 80, 70])
    ds = optimizer.open_results("results/suzhou_2025")

A case is a config file plus overrides, the same ``key.path=value`` the CLI's ``--set`` takes; keyword
arguments spell the dots as double underscores (``solver__method="simplex"``). A case never changes:
:meth:`Case.with_overrides` returns a new one. Errors are the CLI's (:mod:`optimizer.errors`), each with
the one-line message the CLI prints and its exit code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import xarray as xr

from optimizer.config import Config, load_config, yaml_text
from optimizer.inputs import Inputs, load_inputs
from optimizer.results import read_results


def _override_items(overrides: Mapping[str, Any] | Iterable[str] | None, settings: Mapping[str, Any]) -> list[str]:
    """``key.path=value`` strings from a mapping (or strings as they are) and ``key__path=value`` keywords."""
    items: list[str] = []
    if isinstance(overrides, Mapping):
        pairs = list(overrides.items())
    else:
        items += [str(o) for o in (overrides or [])]
        pairs = []
    pairs += [(k.replace("__", "."), v) for k, v in settings.items()]
    # a string is passed on as written, as on the command line (``time__end="2025-01-14 23:00"``)
    return items + [f"{key}={value if isinstance(value, str) else yaml_text(value)}" for key, value in pairs]


@dataclass(frozen=True)
class Case:
    """A scenario: a config file and the overrides applied to it (see the module docstring)."""

    path: Path
    overrides: tuple[str, ...] = ()

    @classmethod
    def from_yaml(cls, path: str | Path, overrides: Mapping[str, Any] | Iterable[str] | None = None,
                  **settings: Any) -> Case:
        """The case of a config file (single year or pathway); the config is read and checked at once."""
        case = cls(Path(path), tuple(_override_items(overrides, settings)))
        if not case.is_pathway:
            _ = case.config  # a bad config fails here, with its one line
        return case

    def with_overrides(self, overrides: Mapping[str, Any] | Iterable[str] | None = None, **settings: Any) -> Case:
        """A new case with more overrides (applied after this case's)."""
        return Case.from_yaml(self.path, [*self.overrides, *_override_items(overrides, settings)])

    @cached_property
    def is_pathway(self) -> bool:
        """Whether the file is a multi-period pathway config (``pathway:`` section)."""
        from optimizer.pathway import is_pathway_file

        return is_pathway_file(self.path)

    @cached_property
    def config(self) -> Config:
        """The validated config (single-year cases)."""
        return load_config(self.path, list(self.overrides))

    def validate(self) -> Inputs | dict[int, Inputs]:
        """Read and check every input file (and the plausibility rules); return the inputs (a pathway: the
        inputs of each period)."""
        if self.is_pathway:
            from optimizer.pathway import load_pathway

            return load_pathway(self.path, list(self.overrides)).inputs
        return load_inputs(self.config)

    def run(self, out: str | Path | None = None, *, write: bool = True) -> Any:
        """Solve and (by default) write the results folder, as ``optimizer run`` does; return the outcome
        (:class:`optimizer.run.RunOutcome`, or for a pathway :class:`optimizer.pathway.PathwayOutcome`)."""
        if self.is_pathway:
            import dataclasses

            from optimizer.pathway import load_pathway, solve_pathway

            pw = load_pathway(self.path, list(self.overrides))
            if out is not None:
                pw = dataclasses.replace(pw, out_dir=Path(out))
            return solve_pathway(pw, write=write)
        from optimizer.run import run

        return run(self.config, write=write, out_dir=Path(out) if out is not None else None)

    def solve(self) -> xr.Dataset:
        """Solve without writing anything; the results as an xarray Dataset (the layout of results.nc)."""
        return self.run(write=False).dataset

    def sweep(self, carbon_caps_mt: Sequence[float] | None = None,
              vary: Mapping[str, Sequence[Any]] | None = None, *, mode: str = "auto") -> xr.Dataset:
        """Solve along CO2 caps (Mt/yr) and/or a grid of config values (``{"key.path": [v1, v2]}``, the
        product of all); the frontier as a Dataset over ``case`` (points that fail are recorded there)."""
        from optimizer.sweep import make_grid, run_sweep

        varies = [(k.replace("__", "."), list(v)) for k, v in (vary or {}).items()]
        points = make_grid(list(carbon_caps_mt) if carbon_caps_mt is not None else None, varies)
        return run_sweep(self.path, points, base_overrides=list(self.overrides), mode=mode).dataset


def open_results(path: str | Path) -> xr.Dataset:
    """Open a results folder written by ``optimizer run`` (or :meth:`Case.run`)."""
    return read_results(path)
