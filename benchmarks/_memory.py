"""Peak resident memory of this process (Linux /proc; elsewhere getrusage), shared by the benchmarks."""

from __future__ import annotations

import resource
from pathlib import Path


def reset_peak() -> None:
    """Restart the peak (VmHWM) from the current resident size, where the kernel allows it."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def peak_mib() -> float:
    """Peak resident memory since start (or the last :func:`reset_peak`), MiB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
