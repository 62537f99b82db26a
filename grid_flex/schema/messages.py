"""Readable messages for pydantic validation errors and YAML syntax errors."""

from __future__ import annotations

import datetime as dt
import difflib
import typing
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ValidationError


def validation_problems(cls: type[BaseModel], exc: ValidationError) -> list[str]:
    """One ``field.path: message`` line per error of ``exc``."""
    return [error_line(cls, e) for e in exc.errors()]


def error_line(cls: type[BaseModel], error: Any) -> str:
    """Format one pydantic error as ``field.path: message``."""
    loc: tuple[int | str, ...] = tuple(error["loc"])
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        known = _field_names(cls, loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), known, n=1) if known else []
        if close:
            message += f"; did you mean {close[0]!r}?"
    elif error["type"] != "missing" and isinstance(
        error.get("input"), str | int | float | bool | dt.date
    ):
        message += f" (got {error['input']!r})"
    shown = _without_tags(cls, loc)
    return f"{format_loc(shown)}: {message}" if shown else message


def format_loc(loc: tuple[int | str, ...]) -> str:
    """``("hashrate_curve", 1, "power_frac")`` → ``hashrate_curve[1].power_frac``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """Pydantic models inside an annotation (through Optional, unions, lists)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    out: list[type[BaseModel]] = []
    for arg in typing.get_args(annotation):
        out += _models_in(arg)
    return out


def _tags(model: type[BaseModel]) -> set[str]:
    """Literal values of a model's discriminator-like fields (``type``, ``format``)."""
    tags: set[str] = set()
    for name in ("type", "format", "kind"):
        field = model.model_fields.get(name)
        if field is not None and typing.get_origin(field.annotation) is Literal:
            tags |= {str(a) for a in typing.get_args(field.annotation)}
    return tags


def _without_tags(
    cls: type[BaseModel], loc: tuple[int | str, ...]
) -> tuple[int | str, ...]:
    """``loc`` without the union tags pydantic inserts (``assets[0].asic_fleet.x``)."""
    models: list[type[BaseModel]] = [cls]
    kept: list[int | str] = []
    for part in loc:
        if isinstance(part, int):
            kept.append(part)
            continue
        fields = [m.model_fields[part] for m in models if part in m.model_fields]
        if fields:
            kept.append(part)
            models = [sub for f in fields for sub in _models_in(f.annotation)]
            continue
        tagged = [m for m in models if part in _tags(m)]
        if tagged:
            models = tagged
        else:
            kept.append(part)
            models = []
    return tuple(kept)


def _field_names(cls: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """Field names of the sub-model(s) at ``loc`` (``[]`` if none is found).

    Follows lists, optional fields and tagged unions: pydantic puts the tag of the
    union member (e.g. ``asic_fleet``) in the location.
    """
    models: list[type[BaseModel]] = [cls]
    for part in loc:
        if isinstance(part, int):
            continue
        fields = [m.model_fields[part] for m in models if part in m.model_fields]
        if fields:
            models = [sub for f in fields for sub in _models_in(f.annotation)]
        else:
            tagged = [m for m in models if part in _tags(m)]
            if not tagged:
                return []
            models = tagged
    return sorted({name for m in models for name in m.model_fields})


def yaml_message(exc: yaml.YAMLError) -> str:
    """Short YAML error with its line and column."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    if mark is None:
        return str(problem)
    return f"line {mark.line + 1}, column {mark.column + 1}: {problem}"
