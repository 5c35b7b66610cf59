"""Keep dask out of processes that never use it.

dask (with dask.distributed, which ``batch`` needs) is installed, and xarray reaches for it on its own
whenever it is importable, even in a process that only ever holds numpy arrays:

- the first time it checks whether an array is a dask array (decoding an input file's time axis,
  building the results dataset), it imports ``dask``: about 0.25 s, and ``dask.array`` with it
  (scipy.fft and more), another second, unless xarray's cache of array modules says otherwise;
- every ``to_netcdf`` asks dask which scheduler is active, which imports ``dask.distributed``:
  about 0.35 s.

Measured (2026-12-07, seven fresh processes each, alternating): writing and reading back a year's
hourly series with xarray took 0.09 s with dask hidden against 1.56 s without; once per process,
a few % of a two-week run. The only imports of dask in the package are batch's own, inside the
functions that use it.

``run``, ``sweep``, ``report`` and ``validate`` never make a dask array, so the CLI hides dask while
they run: ``sys.modules["dask"] = None`` is Python's own marker for "this module cannot be imported",
so every ``import dask...`` raises ImportError, which xarray handles as "dask is not installed", and
``importlib.util.find_spec("dask")`` says it is not there. xarray caches its answer to "is dask
installed?", so that cache is emptied whenever the marker is set or removed. ``batch`` is left alone,
as is a process that has already imported dask.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager


def _forget_xarray_answer() -> None:
    utils = sys.modules.get("xarray.namedarray.utils")
    clear = getattr(getattr(utils, "module_available", None), "cache_clear", None)
    if clear is not None:
        clear()


def hide_dask() -> bool:
    """Make ``dask`` unimportable in this process, unless it is already imported; True when hidden."""
    if sys.modules.get("dask", False) is not False:  # imported already (or hidden already)
        return sys.modules["dask"] is None
    sys.modules["dask"] = None  # type: ignore[assignment]
    _forget_xarray_answer()
    return True


@contextmanager
def dask_hidden() -> Iterator[bool]:
    """Hide dask for the duration of the block (a CLI command), then make it importable again if
    this block hid it: a command called in-process (tests, notebooks) leaves no trace."""
    if sys.modules.get("dask", False) is not False:  # imported or hidden already: not ours to undo
        yield sys.modules["dask"] is None
        return
    hide_dask()
    try:
        yield True
    finally:
        if sys.modules.get("dask", False) is None:
            del sys.modules["dask"]
            _forget_xarray_answer()
