"""Keep xarray from importing ``dask.array`` in commands that never make a dask array.

With dask installed (``batch`` needs dask.distributed), xarray imports ``dask.array`` the first time
it checks whether some array is a dask array: when it decodes the time axis of an input file or
builds the results dataset. That import alone takes about 1 s (dask.array pulls in scipy.fft and
more), 3 % of a full-year run and 15 % of everything outside the solver. ``run``, ``sweep``,
``report`` and ``validate`` only ever hold numpy arrays, so the CLI tells xarray up front that dask
arrays do not exist in this process (its cache of array modules gets an entry for ``dask`` that
matches no type). ``batch`` is left alone. If xarray changes that private cache, or ``dask.array``
is already imported, nothing is done and the run only pays the import again.
"""

from __future__ import annotations

import sys


def skip_dask_arrays() -> bool:
    """Mark dask arrays as absent for xarray in this process; True when the mark was set."""
    if "dask.array" in sys.modules:  # someone uses dask arrays here: leave xarray as it is
        return False
    try:
        from xarray.namedarray import pycompat

        cache = pycompat._cached_duck_array_modules
        if "dask" not in cache:
            cache["dask"] = pycompat.DuckArrayModule("optimizer_no_dask_arrays")  # no such module: no type
        return cache["dask"].type == ()
    except (ImportError, AttributeError, TypeError):  # another xarray: no harm, only the import
        return False
