"""Results folders: checked before any work, written atomically, never a user's files.

* :func:`check_output_dir` is called before a run loads anything: the folder must be
  creatable and writable (not under a file, not under ``/proc``), and if it exists it
  must hold only files grid-flex wrote, or be empty. A user's ``notes.txt`` in it makes
  the run refuse, naming the file; nothing is ever deleted that grid-flex did not write.
* :func:`start_folder` makes a hidden temporary sibling ``.<name>.<random>`` marked with
  the writing process id; :func:`finish_folder` lists what was written in the manifest
  ``.grid-flex-files`` and swaps the sibling into place. A run that fails or is
  interrupted removes its sibling; one that was killed leaves it behind, and the next
  run into the same folder removes it (only siblings that carry the marker of a process
  that no longer runs).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Final

from grid_flex.errors import InputError

#: Lists the entries grid-flex wrote into a results folder, one name per line.
MANIFEST: Final = ".grid-flex-files"
#: Marks a temporary folder being written; holds the writer's process id.
TMP_MARKER: Final = ".grid-flex-tmp"
#: Files of results folders written before the manifest existed.
KNOWN_FILES: Final = frozenset(
    {
        "timeseries.csv",
        "timeseries.parquet",
        "summary.json",
        "bid_curves.csv",
        "mica_disclosure.csv",
        "scenario.yaml",
    }
)
#: How many foreign entries a message names.
_NAMED_MAX: Final = 5


def _listed(folder: Path) -> set[str]:
    """Entries the manifest of ``folder`` lists (empty if it has none)."""
    try:
        text = (folder / MANIFEST).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return set()
    return {line.strip() for line in text.splitlines() if line.strip()}


def foreign_entries(folder: Path) -> list[str]:
    """Names in ``folder`` that grid-flex did not write (sorted)."""
    own = _listed(folder) | KNOWN_FILES | {MANIFEST, TMP_MARKER}
    out = []
    for entry in folder.iterdir():
        is_dir = entry.is_dir() and not entry.is_symlink()
        name = f"{entry.name}/" if is_dir else entry.name
        if name not in own:
            out.append(name)
    return sorted(out)


def _nearest_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.exists() or candidate.is_symlink():
            return candidate
    return Path()  # pragma: no cover - the root always exists


def check_output_dir(out_dir: str | Path) -> Path:
    """Refuse an output folder that cannot be written or holds a user's files.

    Returns the folder as a :class:`~pathlib.Path`; creates nothing.

    Raises
    ------
    InputError
        The path is a file or lies under one, its nearest existing folder is not
        writable (``/proc``, read-only mounts, permissions), or it exists and holds
        files grid-flex did not write (named).
    """
    target = Path(out_dir)
    if str(out_dir).strip() == "":
        raise InputError("output folder: empty path")
    existing = _nearest_existing(target.absolute())
    if not existing.is_dir():
        what = (
            "is a file"
            if existing == target.absolute()
            else f"is under {existing}, which is a file"
        )
        raise InputError(f"{target}: {what}; choose a folder for the results")
    if existing == target.absolute():
        foreign = foreign_entries(target)
        if foreign:
            named = ", ".join(foreign[:_NAMED_MAX])
            more = f" and {len(foreign) - _NAMED_MAX} more" if len(foreign) > 5 else ""
            raise InputError(
                f"{target}: holds files grid-flex did not write ({named}{more}); "
                "results would replace the folder, so choose another output folder "
                "or move them"
            )
        probe_in = target.absolute().parent
    else:
        probe_in = existing
    try:
        probe = tempfile.mkdtemp(prefix=".grid-flex-probe-", dir=probe_in)
        Path(probe).rmdir()
    except OSError as exc:
        raise InputError(
            f"{target}: cannot write in {probe_in} ({exc.strerror or exc}); "
            "choose another output folder"
        ) from None
    return target


def check_output_file(
    out_file: str | Path,
    *,
    ours: Callable[[Path], bool] | None = None,
    what: str = "output",
) -> Path:
    """Refuse an output file that cannot be written, before any work is done.

    An existing file is replaced only if ``ours(path)`` recognises it as grid-flex's
    own earlier output of this kind (rewriting a report is the usual workflow); any
    other existing file is refused, and so is a file of a results folder (one its
    ``.grid-flex-files`` lists, or a known results file beside a ``summary.json``;
    a listed ``.html`` is an earlier report, replaced only if it still is one).

    Parameters
    ----------
    out_file : path
        The file a command is about to write.
    ours : callable, optional
        Recognises an existing file as an earlier output of the same kind.
    what : str
        What the command writes (``"HTML report"``), for the messages.

    Raises
    ------
    InputError
        The path is a folder, lies under a file, its nearest existing folder is not
        writable (``/proc``, read-only mounts, permissions), or it is an existing
        file that grid-flex did not write as this kind of output. Creates nothing.
    """
    target = Path(out_file)
    if target.is_dir():
        raise InputError(f"{target}: is a folder; give a file name")
    folder = target.absolute().parent
    existing = _nearest_existing(folder)
    if not existing.is_dir():
        raise InputError(f"{target}: is under {existing}, which is a file")
    if target.exists() or target.is_symlink():
        _check_replaceable(target, ours, what)
    try:
        probe = tempfile.mkdtemp(prefix=".grid-flex-probe-", dir=existing)
        Path(probe).rmdir()
    except OSError as exc:
        raise InputError(
            f"{target}: cannot write in {existing} ({exc.strerror or exc})"
        ) from None
    return target


def _check_replaceable(
    target: Path, ours: Callable[[Path], bool] | None, what: str
) -> None:
    """Refuse to write over ``target`` unless it is an earlier output of its kind."""
    if target.is_file() and ours is not None and ours(target):
        return
    folder = target.absolute().parent
    results = (folder / MANIFEST).is_file() or (folder / "summary.json").is_file()
    own = _listed(folder) | KNOWN_FILES | {MANIFEST}
    if results and target.name in own and not target.name.endswith(".html"):
        raise InputError(
            f"{target}: is a file of the results folder {folder}; writing the "
            f"{what} over it would corrupt the folder, so give another file name"
        )
    kind = "a file" if target.is_file() else "something"
    raise InputError(
        f"{target}: exists and is not a grid-flex {what} ({kind} grid-flex did not "
        "write); choose another file name or move it"
    )


def check_replaceable_files(paths: Iterable[Path], what: str) -> None:
    """Refuse to write over an existing file grid-flex did not list as its own.

    For files written into a folder that is not a results folder (the report's
    ``--static`` charts): an existing one is replaced only if the manifest
    ``.grid-flex-files`` beside it lists it (:func:`record_files` after writing).

    Raises
    ------
    InputError
        Naming the first such file, before anything is written.
    """
    for path in paths:
        if (path.exists() or path.is_symlink()) and (
            path.name not in _listed(path.absolute().parent) or not path.is_file()
        ):
            raise InputError(
                f"{path}: exists and grid-flex did not write it (not listed in "
                f"{MANIFEST} beside it); the {what} would replace it, so choose "
                "another folder or move the file"
            )


def record_if_results_folder(path: Path) -> None:
    """List ``path`` in the manifest of the results folder it was written into.

    A later run into the same folder then knows the file is grid-flex's own and may
    replace the folder. Nothing happens outside a results folder.
    """
    folder = path.absolute().parent
    if (folder / "summary.json").is_file():
        record_files(folder, [f"{path.name}/" if path.is_dir() else path.name])


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale(target: Path) -> list[Path]:
    """Remove temporary siblings of ``target`` left by killed grid-flex runs.

    Only folders named ``.<target name>.*`` that hold :data:`TMP_MARKER` with the id
    of a process that no longer runs are removed. Returns what was removed.
    """
    parent = target.absolute().parent
    prefix = f".{target.name}."
    removed: list[Path] = []
    if not parent.is_dir():
        return removed
    for entry in parent.iterdir():
        if not entry.name.startswith(prefix) or entry.is_symlink():
            continue
        marker = entry / TMP_MARKER
        if not entry.is_dir() or not marker.is_file():
            continue
        try:
            pid = int(marker.read_text(encoding="utf-8").split()[0])
        except (OSError, ValueError, IndexError):
            continue
        if not _alive(pid):
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed


def _mark(folder: Path) -> None:
    (folder / TMP_MARKER).write_text(f"{os.getpid()}\n", encoding="utf-8")


def start_folder(target: Path) -> Path:
    """Create the marked temporary sibling that :func:`finish_folder` moves in place.

    Stale siblings of killed runs are removed first.
    """
    parent = target.absolute().parent
    parent.mkdir(parents=True, exist_ok=True)
    clean_stale(target)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=parent))
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o777 & ~umask)  # mkdtemp makes it private; results are not
    _mark(tmp)
    return tmp


def finish_folder(tmp: Path, target: Path) -> None:
    """Write the manifest of ``tmp`` and put it in place of ``target``.

    An existing ``target`` is checked again (a file may have appeared since the run
    started) and replaced only if grid-flex wrote everything in it.
    """
    names = sorted(
        e.name + ("/" if e.is_dir() else "")
        for e in tmp.iterdir()
        if e.name not in (TMP_MARKER, MANIFEST)
    )
    (tmp / MANIFEST).write_text("".join(f"{n}\n" for n in names), encoding="utf-8")
    if target.exists():
        check_output_dir(target)
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=tmp.parent))
        _mark(old)  # if killed from here on, the next run removes what is left
        target.replace(old / "previous")
        tmp.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        tmp.rename(target)
    with contextlib.suppress(OSError):
        (target / TMP_MARKER).unlink()


def record_files(folder: str | Path, names: Iterable[str]) -> None:
    """Add files written into an existing results folder to its manifest."""
    path = Path(folder)
    listed = _listed(path) | set(names)
    (path / MANIFEST).write_text(
        "".join(f"{n}\n" for n in sorted(listed)), encoding="utf-8"
    )


def discard(tmp: Path) -> None:
    """Remove a temporary folder after a failed or interrupted write."""
    with contextlib.suppress(OSError):
        shutil.rmtree(tmp)
