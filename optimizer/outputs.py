"""Output folders, safely: what a writer may replace, atomic writes, the folder lock, failures to write.

Every writer (results, reports, sweep frontiers, pathway trajectories, batch summaries) writes into a
temporary sibling folder that is swapped into place when complete (:func:`built_in_place`), holds the
folder's lock while it works (:func:`output_lock`), refuses a folder that is not its own
(:func:`check_output_dir`), keeps what it does not write itself, and turns a full disk into one line
(:class:`~optimizer.errors.OutputError`, exit 7) with the previous output intact.
"""

from __future__ import annotations

import errno
import glob
import json
import logging
import os
import secrets
import shutil
import tempfile
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from pathlib import Path

from optimizer.errors import BusyError, InputError, OptimizerError, OutputError

log = logging.getLogger(__name__)


#: files that mark a folder replaced whole by its writer: no other output may live inside one
WHOLE_OUTPUTS = ("results.nc", "frontier.nc", "pathway.nc")


def check_output_dir(out_dir: str | Path, marker: str = "results.nc", what: str = "results",
                     within: Path | None = None) -> Path:
    """The real absolute output folder, if a run may (re)place it: absent, empty, or holding a previous
    output (a file named ``marker``: results.nc for results, report.html for reports).

    A folder with other content (the config's own folder, a data folder, ``--out .``) is refused
    rather than written into; a previous output folder is replaced, but a results or sweep folder keeps
    what its writer does not make itself (a report, the user's files: :func:`built_in_place`). Outputs
    lie side by side, never one inside another. Symbolic links are resolved: a linked folder is written
    where the link points, and two paths to one folder share its lock.
    """
    out = Path(os.path.realpath(Path(out_dir).expanduser()))
    if not out.name:
        raise InputError(f"cannot write {what} to the root folder", source=str(out))
    if out.exists():
        if not out.is_dir():
            raise InputError("exists and is not a folder; choose another --out", source=str(out))
        try:
            used = any(out.iterdir())
        except OSError as err:
            raise InputError(f"cannot read this folder: {err.strerror or err}", source=str(out)) from None
        if used and not (out / marker).is_file():
            raise InputError(f"exists and is not a {what} folder (no {marker}): only a new, empty or previous "
                             f"{what} folder is written, so nothing is written here; choose another --out",
                             source=str(out))
        if marker != "report.html":  # a report is a leaf; results, sweeps and pathways hold no other output
            inner = next((c for c in out.iterdir() if c.is_dir() and any((c / m).is_file() for m in WHOLE_OUTPUTS)),
                         None)
            if inner is not None:
                raise InputError(f"holds another output folder ({inner.name}): outputs lie side by side, not one "
                                 "inside another; choose another --out", source=str(out))
    if marker != "report.html":  # nor may it lie inside one (a report may: it is the results folder's own)
        stop = Path(os.path.realpath(within)) if within is not None else None
        for anc in out.parents:
            if stop is not None and (anc == stop or anc in stop.parents):
                break
            found = next((m for m in WHOLE_OUTPUTS if (anc / m).is_file()), None)
            if found is not None:
                raise InputError(f"lies inside another output folder ({anc}, which holds {found}): outputs lie side "
                                 "by side, not one inside another; choose a folder outside it", source=str(out))
    return out


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic step (Linux ``renameat2(RENAME_EXCHANGE)``); False if unsupported."""
    import ctypes
    import errno

    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EPERM):
        return False
    raise OSError(err, os.strerror(err), str(b))


def remove_stale(out_dir: Path) -> None:
    """Remove temporary siblings left by writers of ``out_dir`` that were killed (kill -9)."""
    for p in out_dir.parent.glob(f".{glob.escape(out_dir.name)}.tmp-*"):
        pid = p.name.rsplit(".tmp-", 1)[1].split("-", 1)[0]
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            if restore_carried(p, out_dir):  # killed between carrying the user's files over and the swap
                shutil.rmtree(p, ignore_errors=True)
        except (ValueError, PermissionError, OSError):
            continue


def swap_into_place(tmp: Path, out: Path) -> None:
    """Replace folder ``out`` by the complete folder ``tmp`` (its sibling), atomically where possible."""
    if not out.exists():
        tmp.rename(out)
    elif _exchange(tmp, out):  # out now holds the new content, tmp the previous one
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        out.rename(old)
        try:
            tmp.rename(out)
        except BaseException:
            old.rename(out)  # the previous content back in place
            raise
        shutil.rmtree(old, ignore_errors=True)


def make_parent(out: Path) -> None:
    """Create the parent folders of ``out``; a one-line InputError if that is impossible (a file in the way,
    no permission)."""
    try:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        if err.errno in _DISK_ERRNOS:  # a full disk: not the folder's fault
            raise OutputError(f"cannot create the folder for the output: {write_failure(err, out)}",
                              source=str(out)) from None
        blocker = next((p for p in Path(out).parents if p.exists() and not p.is_dir()), None)
        why = f"{blocker} is a file, not a folder" if blocker is not None else (err.strerror or str(err))
        raise InputError(f"cannot create the folder for the output: {why}", source=str(out)) from None


#: what a run writes into its results folder; anything else there (a report, the user's files) is carried over
RESULT_FILES = ("results.nc", "summary.csv", "summary.json", "config.yaml")
#: in a writer's temporary folder: the names it carries over from the previous folder (JSON), so that
#: :func:`remove_stale` can move them back if the writer is killed before the swap
CARRIED = ".carried"
#: a report made from a previous result holds this file (and a banner at the top of report.html)
STALE_REPORT = "STALE.txt"
#: errors of the disk itself (full, over quota, failing), not of the folder chosen
_DISK_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EFBIG})


def _size(n: float) -> str:
    """A number of bytes in words: '24 kB', '12 MB', '3.1 GB'."""
    if n >= 1e9:
        return f"{n / 1e9:,.1f} GB"
    return f"{n / 1e6:,.0f} MB" if n >= 1e6 else f"{n / 1e3:,.0f} kB"


def free_bytes(where: Path) -> int | None:
    """Free space (bytes) of the file system holding ``where`` or its nearest existing parent; None if unknown."""
    for p in (Path(where), *Path(where).parents):
        if p.exists():
            try:
                return shutil.disk_usage(p).free
            except OSError:
                return None
    return None


def write_failure(err: BaseException, where: Path, need: int = 0) -> str | None:
    """The cause of a failed write in words, or None if ``err`` is no failure to write.

    Any OSError counts, and netCDF's RuntimeError for a failed HDF5 write ("NetCDF: HDF error", what a
    full disk gives, naming no cause). The free space of the disk is measured: an error that names no
    cause (netCDF's, an I/O error) is a full disk when less than ``need`` bytes, or less than 1 MB, are free.
    """
    if isinstance(err, OSError):
        words = {errno.ENOSPC: "no space left on device", errno.EDQUOT: "disk quota exceeded"}
        cause = words.get(err.errno or 0) or err.strerror or str(err) or type(err).__name__
        full = err.errno in words
    elif isinstance(err, RuntimeError) and str(err).startswith("NetCDF"):
        cause, full = str(err), False
    else:
        return None
    free = free_bytes(where)
    vague = isinstance(err, RuntimeError) or (isinstance(err, OSError) and err.errno in (errno.EIO, None))
    if not full and vague and free is not None and free < max(need, 1_000_000):
        cause, full = "no space left on device", True
    if free is None or not (full or isinstance(err, RuntimeError)):
        return cause
    return f"{cause} ({_size(free)} free)"


def _cannot_write_here(err: OSError, where: Path) -> OptimizerError:
    """A folder that cannot be made or written: OutputError when the disk is at fault, InputError otherwise
    (no permission, a read-only file system: the folder chosen is)."""
    if err.errno in _DISK_ERRNOS:
        return OutputError(f"cannot write here: {write_failure(err, where)}", source=str(where))
    return InputError(f"cannot write here: {err.strerror or err}", source=str(where))


def keep_elsewhere(fill: Callable[[Path], None]) -> str:
    """Write an output that could not be written where it belongs into a new folder of the temporary
    folder (``tempfile.gettempdir()``, usually another disk) with ``fill``; say where, or why not."""
    try:
        base = tempfile.gettempdir()
        folder = Path(tempfile.mkdtemp(prefix="optimizer-", dir=base))
    except OSError as err:
        return f"it could not be kept in a temporary folder either ({write_failure(err, Path('.'))})"
    try:
        fill(folder)
    except Exception as err:
        shutil.rmtree(folder, ignore_errors=True)
        cause = write_failure(err, folder) or f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"
        return f"it could not be kept in {base} either ({cause})"
    return f"the new one is kept in {folder}"


def _carry_over(out: Path, tmp: Path, own: Collection[str]) -> list[str]:
    """Move every entry of the previous ``out`` that the writer does not make itself (a report, the user's
    files) into ``tmp``, the new folder (its sibling: a rename each); return their names.

    The names are listed in ``tmp/.carried`` first. A writer's temporary folder left inside (a killed
    report's ``.report.tmp-*``) is not carried.
    """
    if not out.is_dir():
        return []
    names = sorted(c.name for c in out.iterdir()
                   if c.name not in own and c.name != CARRIED and not os.path.lexists(tmp / c.name)
                   and not (c.name.startswith(".") and (".tmp-" in c.name or ".old-" in c.name)))
    if not names:
        return []
    (tmp / CARRIED).write_text(json.dumps(names), encoding="utf-8")
    for name in names:
        os.rename(out / name, tmp / name)
    return names


def restore_carried(tmp: Path, out: Path) -> bool:
    """Move what ``tmp/.carried`` lists back into ``out`` (a failed swap, a killed writer); True if nothing
    carried is left in ``tmp``, which may then be removed."""
    marker = tmp / CARRIED
    try:
        names = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return True  # nothing was carried
    left = []
    for name in names:
        if not os.path.lexists(tmp / name):
            continue
        try:
            if os.path.lexists(out / name):
                raise FileExistsError(errno.EEXIST, "exists", str(out / name))
            os.rename(tmp / name, out / name)
        except OSError:
            left.append(name)
    if left:
        log.error("could not move %s back into %s; they are in %s", ", ".join(left), out, tmp)
        return False
    marker.unlink(missing_ok=True)
    return True


def mark_stale_report(report: Path, results: Path) -> None:
    """Mark ``report`` (a folder with report.html) as made from a previous output of ``results``: a note on
    the log, ``STALE.txt`` in the folder and a banner at the top of report.html. Both go when the report is
    made again (a report replaces its folder whole)."""
    from html import escape

    renew = f"optimizer report {results}" + ("" if report.name == "report" else f" --out {report}")
    text = f"{report.name}/ was made from the previous results; run `{renew}` to renew it"
    log.warning("note: %s", text)
    if (report / STALE_REPORT).exists():
        return  # marked by an earlier run
    try:
        (report / STALE_REPORT).write_text(text + "\n", encoding="utf-8")
        page = report / "report.html"
        html = page.read_text(encoding="utf-8")
        at = html.find("<main>")
        if at >= 0:
            at += len("<main>")
            banner = ("<p style='background:#fff3cd;border:2px solid #b45309;padding:.6em 1em;font-weight:bold'>"
                      f"STALE: {escape(text)}.</p>")
            tmp = page.with_name(f".{page.name}.tmp-{os.getpid()}")
            tmp.write_text(html[:at] + banner + html[at:], encoding="utf-8")
            os.replace(tmp, page)
    except OSError as err:
        log.warning("note: could not mark %s as stale: %s", report, err.strerror or err)


@contextmanager
def built_in_place(out: Path, *, what: str = "output", own: Collection[str] | None = None, need: int = 0,
                   keep: Callable[[Path], None] | None = None) -> Iterator[Path]:
    """A temporary sibling folder of ``out`` to fill; swapped into place when the block completes.

    The folder is made with the user's umask (``mkdtemp`` would make it private). If the block
    raises (or is interrupted), the temporary folder is removed and ``out`` keeps its previous
    content; a killed process's leftover (``.<name>.tmp-<pid>-*``) is removed by later writes.

    ``own``: the names the writer makes. Given, every other entry of the previous ``out`` (a report,
    the user's files) is carried into the new folder just before the swap, moved back if the swap
    fails (or by the next write, if the writer is killed meanwhile), and a carried report is marked
    stale (:func:`mark_stale_report`). Without it ``out`` is replaced whole (a report's folder).

    A failure to write (an OSError, netCDF's "HDF error" on a full disk: :func:`write_failure`) ends in
    one :class:`OutputError` line naming ``out``, the cause (a full disk with its free space, ``need``
    being the bytes the output takes) and that the previous ``what`` is intact. With ``keep``, a
    function writing the output into a given folder, the output is then written to a temporary
    folder elsewhere (:func:`keep_elsewhere`), and the line says where.
    """
    make_parent(out)
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")
    try:
        tmp.mkdir()
    except OSError as err:
        raise _cannot_write_here(err, out) from None
    had = out.is_dir() and any(out.iterdir())
    carried: list[str] = []
    try:
        yield tmp
        try:
            if own is not None:
                carried = _carry_over(out, tmp, own)
            swap_into_place(tmp, out)
        except BaseException:
            restore_carried(tmp, out)
            raise
    except BaseException as err:
        if not (tmp / CARRIED).exists():  # else the user's files are still in it: the next write moves them back
            shutil.rmtree(tmp, ignore_errors=True)
        cause = write_failure(err, out, need) if isinstance(err, Exception) else None
        if cause is None:
            raise
        msg = f"cannot write the {what}: {cause}; " + (
            f"the previous {what} is intact" if had else "nothing is written there")
        if keep is not None:
            msg += f"; {keep_elsewhere(keep)}"
        raise OutputError(msg, source=str(out)) from None
    if carried:
        (out / CARRIED).unlink(missing_ok=True)
        for name in carried:
            if (out / name / "report.html").is_file():
                mark_stale_report(out / name, out)
        log.info("kept in %s what the writer does not make itself: %s", out, ", ".join(carried))


@contextmanager
def writing(where: Path, what: str, intact: str = "") -> Iterator[None]:
    """Turn a failure to write in the block (:func:`write_failure`) into one :class:`OutputError` line naming
    ``where``, the cause and, if given, what is ``intact``; for writers that do not use :func:`built_in_place`."""
    try:
        yield
    except (OSError, RuntimeError) as err:
        cause = write_failure(err, where)
        if cause is None:
            raise
        raise OutputError(f"cannot write the {what}: {cause}" + (f"; {intact}" if intact else ""),
                          source=str(where)) from None


@contextmanager
def output_lock(out_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on a results folder for the whole run (a second run stops at once).

    The lock is a file beside the folder (``.<name>.lock``) locked with ``flock``: the kernel releases
    it when the process ends, however it ends, so a killed run never leaves a stale lock. A run that
    ends normally (success or error) removes the lock file, and any parent folders it had to create
    that are still empty, so a failed run leaves nothing behind. Removing a lock file is safe against
    a run that opened it just before: a lock counts only while its file is still the one at the path.
    (The ``filelock`` package was considered: on Unix it leaves the lock file behind, as it cannot remove
    it without this inode check, and a run must leave nothing behind.)
    """
    import fcntl

    out_dir = Path(os.path.realpath(Path(out_dir).expanduser()))  # `--out .` has a name once absolute
    if not out_dir.name:
        raise InputError("cannot write results to the root folder", source=str(out_dir))
    created: list[Path] = []  # parent folders this run creates, deepest last
    for parent in reversed(out_dir.parents):
        if not parent.exists():
            created.append(parent)
    make_parent(out_dir)
    path = out_dir.with_name(f".{out_dir.name}.lock")
    while True:
        try:
            fh = open(path, "a+")
        except FileNotFoundError:  # another run removed the parent it had created: make it again
            make_parent(out_dir)
            continue
        except OSError as err:
            _remove_empty(created)
            raise _cannot_write_here(err, out_dir) from None
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "unknown"
            fh.close()
            _remove_empty(created)
            raise BusyError(f"another optimizer run ({holder}) is writing this folder; wait for it to finish "
                            "or choose another --out", source=str(out_dir)) from None
        try:
            same = os.stat(path).st_ino == os.fstat(fh.fileno()).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        fh.close()  # the holder removed this file as we locked it: lock the new one
    try:
        fh.seek(0)
        fh.truncate()
        try:  # unbuffered: on a full disk nothing is left to flush at close
            os.write(fh.fileno(), f"pid {os.getpid()}".encode())
        except OSError:  # the holder's pid is only shown to a second run
            pass
        yield
    finally:
        try:
            path.unlink()  # still holding the lock, so no other run holds this file
        except OSError:
            pass
        fh.close()
        _remove_empty(created)


def _remove_empty(folders: list[Path]) -> None:
    """Remove the folders (deepest first) that are empty; stop at the first that is not."""
    for folder in reversed(folders):
        try:
            folder.rmdir()
        except OSError:
            break
