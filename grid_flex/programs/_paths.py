"""Scenario paths of program fields, for messages (shared by the program modules).

This module names no ``TYPE``, so program discovery in :mod:`grid_flex.programs`
does not register it.
"""

from __future__ import annotations


def field_path(program_id: str, name: str) -> str:
    """Dotted path of a field of the program entry ``program_id`` in messages."""
    return f"programs.{program_id}.{name}"
