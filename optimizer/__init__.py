"""optimizer: least-cost capacity expansion and hourly dispatch for Suzhou's power system.

A linear program in Pyomo, solved by HiGHS. The pipeline is pure:
``load_config -> load_inputs -> build_model -> solve -> extract_results``.

The public API (:mod:`optimizer.api`): :class:`Case` (``Case.from_yaml(path, **overrides)``, ``.validate()``,
``.solve()``, ``.run()``, ``.sweep()``), :func:`open_results`, and the errors of :mod:`optimizer.errors`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: version of the results file layout; bumped when variables or attributes change meaning
RESULTS_SCHEMA_VERSION = 3

__all__ = ["Case", "InfeasibleError", "InputError", "OptimizerError", "__version__", "open_results"]

if TYPE_CHECKING:
    from optimizer.api import Case, open_results
    from optimizer.errors import InfeasibleError, InputError, OptimizerError


def __getattr__(name: str) -> Any:
    """The API on first use: ``import optimizer`` stays light (the CLI imports only what a command needs)."""
    if name in ("Case", "open_results"):
        from optimizer import api

        return getattr(api, name)
    if name in ("InfeasibleError", "InputError", "OptimizerError"):
        from optimizer import errors

        return getattr(errors, name)
    raise AttributeError(f"module 'optimizer' has no attribute {name!r}")
