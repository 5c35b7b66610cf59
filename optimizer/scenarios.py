"""The scenarios of a batch or a sweep run as a batch: names, overrides and output folders.

A :class:`Scenario` is small and picklable (paths and strings only), so a Dask task carries it to a
worker, which reads the config and its inputs itself. Names come from the configs (the file's stem added
where two files share a name, ``-2``, ``-3`` for a file given twice, ``__<suffix>`` when the overrides
change the results); output folders are where ``optimizer run`` would write, or ``<out_root>/<name>``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

_NAME_OK = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
#: overrides that do not change a scenario's results, so they do not make its name differ
_NEUTRAL_KEYS = ("name", "output.dir")
_NEUTRAL_PREFIXES = ("solver.",)


@dataclass(frozen=True)
class Scenario:
    """One scenario of a batch: small and picklable (paths and strings only)."""

    name: str
    config: Path
    overrides: tuple[str, ...] = ()
    out_dir: Path = Path("results")


# --------------------------------------------------------------------------------------- scenarios


def _read_raw(path: Path) -> dict[str, Any]:
    """The config file as a mapping, or {} when unreadable (the task reports the error)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, yaml.YAMLError):  # ValueError: undecodable text, a date that does not exist
        return {}
    return data if isinstance(data, dict) else {}


def _config_name(path: Path, raw: dict[str, Any]) -> tuple[str, bool]:
    """The config's name and whether it is a valid one (else the file's stem, and False)."""
    name = raw.get("name")
    if isinstance(name, str) and _NAME_OK.match(name):
        return name, True
    return path.stem, False


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-.") or "x"


def override_suffix(overrides: Sequence[str]) -> str:
    """A short, readable, file-name-safe suffix naming the overrides that change results ('' if none).

    ``policy.coal_share_max.value=0.5`` -> ``coal_share_max.value-0.5``; solver options, ``name`` and
    ``output.dir`` do not count (they do not change the optimum). Long suffixes end in a hash.
    """
    from optimizer.config import parse_overrides

    parts = []
    for (key, _), raw in zip(parse_overrides(list(overrides)), overrides, strict=True):
        if key in _NEUTRAL_KEYS or key.startswith(_NEUTRAL_PREFIXES):
            continue
        keys = key.split(".")
        label = ".".join(keys[-2:]) if keys[-1] in ("value", "target", "enabled") and len(keys) > 1 else keys[-1]
        parts.append(_slug(f"{label}-{raw.split('=', 1)[1].strip()}"))
    suffix = "__".join(parts)
    if len(suffix) > 48:
        import hashlib

        suffix = suffix[:39].rstrip("-_.") + "-" + hashlib.sha256("\n".join(overrides).encode()).hexdigest()[:8]
    return suffix


def _config_output_dir(path: Path, raw: dict[str, Any], name: str, overrides: Sequence[str]) -> Path:
    """Where ``optimizer run`` would write this config: its output.dir, else results/<name>."""
    from optimizer.config import default_results_root, parse_overrides

    out = (raw.get("output") or {}).get("dir") if isinstance(raw.get("output"), dict) else None
    for key, value in parse_overrides(list(overrides)):
        if key == "output.dir" and value:
            out = str(value)
    if isinstance(out, str) and out:
        p = Path(out)
        return (p if p.is_absolute() else path.parent / p).resolve()
    return default_results_root(path.parent) / name


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    taken = set(names)
    for n in names:
        if n in seen:
            k = seen[n] + 1
            while f"{n}-{k}" in taken:
                k += 1
            seen[n] = k
            new = f"{n}-{k}"
            taken.add(new)
            out.append(new)
        else:
            seen[n] = 1
            out.append(n)
    return out


def _build(items: list[tuple[Path, str, list[str]]], out_root: Path | None) -> list[Scenario]:
    """Scenarios from (config path, scenario name, overrides); names made unique, out dirs chosen."""
    names = _unique([name for _, name, _ in items])
    scenarios = []
    for (path, _, ovr), name in zip(items, names, strict=True):
        raw = _read_raw(path)
        cfg_name, valid = _config_name(path, raw)
        ovr = list(ovr)
        explicit_name = any(o.split("=", 1)[0].strip() == "name" for o in ovr)
        if valid and name != cfg_name and not explicit_name:
            ovr.append(f"name={name}")  # results, summary and report carry the scenario's own name
        if out_root is not None:
            out = Path(out_root).resolve() / name
        else:
            out = _config_output_dir(path, raw, cfg_name, ovr)
            if name != cfg_name:
                out = out.parent / name
        scenarios.append(Scenario(name=name, config=path, overrides=tuple(ovr), out_dir=out))
    dirs = [s.out_dir for s in scenarios]
    if len(set(dirs)) != len(dirs):  # two configs naming the same output.dir: one folder per scenario
        scenarios = [Scenario(s.name, s.config, s.overrides, s.out_dir.parent / s.name) for s in scenarios]
    return scenarios


def scenarios_from_configs(paths: Iterable[str | Path], overrides: Sequence[str] | None = None,
                           out_root: Path | None = None) -> list[Scenario]:
    """One scenario per config file, each with the same ``--set`` overrides.

    The name is the config's ``name`` (the file's stem if it cannot be read; the task then reports
    why), plus ``__<suffix>`` when the overrides change results (see :func:`override_suffix`).
    Files that share a ``name`` add their stem (``suzhou_2025-high_gas``), so each scenario says which
    config it came from; a file given twice gets ``-2``, ``-3``. The output folder is ``out_root/<name>``, or without
    ``out_root`` where ``optimizer run`` would write (the config's ``output.dir``, else
    ``results/<name>``). Raises :class:`InputError` only for malformed ``--set`` items.
    """
    ovr = list(overrides or [])
    suffix = override_suffix(ovr)
    resolved = [Path(p).resolve() for p in paths]
    named = {path: _config_name(path, _read_raw(path))[0] for path in resolved}
    files_of: dict[str, set[Path]] = {}
    for path, cfg_name in named.items():
        files_of.setdefault(cfg_name, set()).add(path)
    set_name = [o.split("=", 1)[1].strip() for o in ovr if o.split("=", 1)[0].strip() == "name"]
    items = []
    for path in resolved:
        cfg_name = named[path]
        if len(files_of[cfg_name]) > 1 and path.stem != cfg_name:
            cfg_name = f"{cfg_name}-{path.stem}"  # configs of one name: each says which file it came from
        name = set_name[-1] if set_name else (f"{cfg_name}__{suffix}" if suffix else cfg_name)
        items.append((path, _slug(name), ovr))
    return _build(items, out_root)


def scenarios_from_sweep(config: str | Path, points: Iterable[tuple[str, Sequence[str]]],
                         out_root: Path | None = None, overrides: Sequence[str] | None = None) -> list[Scenario]:
    """One scenario per sweep point ``(name, overrides)`` of one config; ``overrides`` apply to all
    points first. The point's name becomes the scenario's (and, if a valid config name, the results')
    name; output folders as in :func:`scenarios_from_configs`."""
    from optimizer.config import parse_overrides

    path = Path(config).resolve()
    base = list(overrides or [])
    items = []
    for name, point in points:
        ovr = [*base, *point]
        parse_overrides(ovr)  # malformed items fail the batch before anything runs
        items.append((path, _slug(str(name)), ovr))
    return _build(items, out_root)
