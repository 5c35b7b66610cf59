"""Errors that end a run with a one-line message and a fixed exit code.

Exit codes (documented in the README):

* 2 - bad input (config, data file, profile); nothing is written.
* 3 - the model is infeasible; the message names the targets in conflict.
* 4 - the solver stopped on a limit (time, iterations) without proving optimality.
* 5 - the solution failed its own consistency checks.
* 6 - another run is writing the same results folder.
* 7 - an output could not be written (disk full, I/O error); the message names the folder and the cause,
  the previous output is intact, and a run's new result is kept in a temporary folder if it can be.
* 1 - any other solver failure.
"""

from __future__ import annotations


class OptimizerError(Exception):
    """Base class: carries the exit code the CLI uses."""

    exit_code = 1


class InputError(OptimizerError):
    """Bad input: names the file and the field."""

    exit_code = 2

    def __init__(self, message: str, *, source: str | None = None, field: str | None = None):
        parts = []
        if source:
            parts.append(str(source))
        if field:
            parts.append(field)
        prefix = ": ".join(parts)
        super().__init__(f"{prefix}: {message}" if prefix else message)
        self.source = source
        self.field = field


class InfeasibleError(OptimizerError):
    """The policy targets cannot be met together."""

    exit_code = 3


class SolverLimitError(OptimizerError):
    """The solver hit a limit before proving optimality."""

    exit_code = 4


class CheckError(OptimizerError):
    """A solved model failed a self-check (balance, cost, emissions)."""

    exit_code = 5


class SolverError(OptimizerError):
    """The solver failed in another way (numerical trouble, unbounded, error)."""

    exit_code = 1


class OutputError(OptimizerError):
    """An output could not be written (disk full, read-only or failing disk): names the folder and the cause."""

    exit_code = 7

    def __init__(self, message: str, *, source: str | None = None):
        super().__init__(f"{source}: {message}" if source else message)
        self.source = source


class BusyError(InputError):
    """Another run holds the lock of the same results folder."""

    exit_code = 6


def one_line(err: BaseException, config: object = None) -> str:
    """The first line of an error's message; where it says only "config", the config file it came from."""
    text = str(err).strip()
    first = text.splitlines()[0] if text else type(err).__name__
    if config is not None and isinstance(err, InputError) and err.source == "config" and first.startswith("config"):
        first = f"{config}{first[len('config'):]}"
    return first
