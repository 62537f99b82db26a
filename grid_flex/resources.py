"""Where the bundled catalogue, scenarios and data live.

In a source checkout or editable install they are the repository's top-level
``models/``, ``scenarios/`` and ``data/`` folders; a built wheel carries copies under
``grid_flex/_bundled/``.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def bundled_dir(name: str) -> Path:
    """Return the bundled folder ``name`` (``models``, ``scenarios`` or ``data``)."""
    for candidate in (_PACKAGE / "_bundled" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"bundled folder {name!r} not found next to {_PACKAGE}")


def models_dir() -> Path:
    """Equipment catalogue folder."""
    return bundled_dir("models")


def scenarios_dir() -> Path:
    """Bundled scenario folder."""
    return bundled_dir("scenarios")


def data_dir() -> Path:
    """Bundled data folder (copies of public data files)."""
    return bundled_dir("data")
