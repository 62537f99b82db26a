"""The package version, on the ground floor.

Kept apart from ``grid_flex/__init__.py`` so that modules the package's public
surface imports (:mod:`grid_flex.output`, the studies, the CLI) can read it without
importing the package root back. Keep it equal to ``version`` in ``pyproject.toml``.
"""

from __future__ import annotations

__version__ = "0.1.0"
