"""Write a file whole or not at all: a temporary file renamed into place."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def write_atomic(
    target: Path, write: Callable[[Path], object], *, suffix: str = ""
) -> Path:
    """Call ``write(tmp)`` on a temporary file beside ``target``, then rename it there.

    The file gets the mode a plain ``open`` would give it (0666 less the umask, not
    the private mode of :func:`tempfile.mkstemp`); a failure or Ctrl-C leaves no
    partial file and no temporary one. The temporary file is named
    ``.<target name>.<random><suffix>``. Returns ``target``.
    """
    fd, name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=suffix, dir=target.parent
    )
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o666 & ~umask)
        tmp.replace(target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def write_text_atomic(target: Path, text: str, *, newline: str | None = None) -> Path:
    """Write ``text`` (UTF-8) to ``target`` whole or not at all (:func:`write_atomic`).

    ``newline`` is passed to :func:`open`. Returns ``target``.
    """

    def write(tmp: Path) -> None:
        with tmp.open("w", encoding="utf-8", newline=newline) as handle:
            handle.write(text)

    return write_atomic(target, write)
