"""Write a text file whole or not at all: a temporary file renamed into place."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_text_atomic(target: Path, text: str, *, newline: str | None = None) -> Path:
    """Write ``text`` to ``target`` through a temporary file in the same folder.

    The file gets the mode a plain ``open`` would give it (0666 less the umask, not
    the private mode of :func:`tempfile.mkstemp`); a failure or Ctrl-C leaves no
    partial file and no temporary one. ``newline`` is passed to :func:`open`.
    Returns ``target``.
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as handle:
            handle.write(text)
        umask = os.umask(0)
        os.umask(umask)
        Path(tmp).chmod(0o666 & ~umask)
        Path(tmp).replace(target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
