"""Readable messages for pydantic validation errors and YAML syntax errors."""

from __future__ import annotations

import datetime as dt
import difflib
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError


def validation_problems(cls: type[BaseModel], exc: ValidationError) -> list[str]:
    """One ``field.path: message`` line per error of ``exc``."""
    return [error_line(cls, e) for e in exc.errors()]


def error_line(cls: type[BaseModel], error: Any) -> str:
    """Format one pydantic error as ``field.path: message``."""
    loc: tuple[int | str, ...] = tuple(error["loc"])
    message = str(error["msg"])
    if error["type"] == "extra_forbidden":
        known = _field_names(cls, loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), known, n=1) if known else []
        if close:
            message += f"; did you mean {close[0]!r}?"
    elif error["type"] != "missing" and isinstance(
        error.get("input"), str | int | float | bool | dt.date
    ):
        message += f" (got {error['input']!r})"
    return f"{format_loc(loc)}: {message}" if loc else message


def format_loc(loc: tuple[int | str, ...]) -> str:
    """``("hashrate_curve", 1, "power_frac")`` → ``hashrate_curve[1].power_frac``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


def _field_names(cls: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """Field names of the sub-model at ``loc`` (``[]`` if not a plain sub-model)."""
    model: Any = cls
    for part in loc:
        field = model.model_fields.get(part) if isinstance(part, str) else None
        annotation = field.annotation if field is not None else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        model = annotation
    return list(model.model_fields)


def yaml_message(exc: yaml.YAMLError) -> str:
    """Short YAML error with its line and column."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    if mark is None:
        return str(problem)
    return f"line {mark.line + 1}, column {mark.column + 1}: {problem}"
