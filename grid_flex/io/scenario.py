"""Read scenario YAML files, apply overrides, and write the resolved scenario back."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from grid_flex.errors import ScenarioError
from grid_flex.io.yaml_text import dump_yaml, load_yaml
from grid_flex.resources import scenarios_dir
from grid_flex.schema.messages import validation_problems, yaml_message
from grid_flex.schema.scenario import Scenario, scenario_source, with_source

#: The scenario ``grid-flex solve`` runs when given none.
DEFAULT_SCENARIO = "west_texas_today.yaml"


def default_scenario_path() -> Path:
    """Path of the bundled default scenario."""
    return scenarios_dir() / DEFAULT_SCENARIO


def is_bundled_name(name: str | Path) -> bool:
    """True for a bare scenario name (no folder separator, no ``.yaml`` suffix)."""
    text = str(name)
    return (
        bool(text)
        and "/" not in text
        and "\\" not in text
        and not text.lower().endswith((".yaml", ".yml"))
    )


def bundled_names() -> list[str]:
    """Names of the bundled scenarios (file names without ``.yaml``)."""
    return sorted(p.stem for p in scenarios_dir().glob("*.yaml"))


def resolve_scenario_path(name: str | Path) -> Path:
    """The scenario file ``name``, or the bundled scenario of that bare name.

    Only a bare name (no folder separator, no ``.yaml``/``.yml`` suffix) may mean a
    bundled scenario; a path that does not exist is an error, never a fallback to a
    bundled file of the same base name.
    """
    path = Path(name)
    if path.is_dir():
        raise ScenarioError(str(name), ["is a folder, not a scenario file"])
    if path.is_file():
        return path
    if is_bundled_name(name):
        candidate = scenarios_dir() / f"{name}.yaml"
        if candidate.is_file():
            return candidate
        known = ", ".join(bundled_names())
        raise ScenarioError(
            str(name),
            [f"no such file, nor a bundled scenario of that name (bundled: {known})"],
        )
    raise ScenarioError(str(name), ["file not found"])


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ScenarioError(str(path), [f"cannot read: {exc.strerror}"]) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ScenarioError(
            str(path),
            [
                f"line {line}: byte 0x{raw[exc.start]:02x} is not UTF-8 text; "
                "save the file as UTF-8"
            ],
        ) from None
    try:
        data = load_yaml(text)
    except yaml.YAMLError as exc:
        raise ScenarioError(str(path), [yaml_message(exc)]) from exc
    except ValueError as exc:  # a date YAML reads as one but cannot build
        raise ScenarioError(str(path), [f"not a valid date or time: {exc}"]) from exc
    if not isinstance(data, dict):
        raise ScenarioError(str(path), ["top level must be a mapping of fields"])
    return data


class Replace(dict[Any, Any]):
    """A mapping that replaces the value at its path instead of merging into it.

    What a ``key.path={...}`` assignment gives: ``--set
    'study.bitcoin.btc_price_usd={2025: 300000}'`` is that whole path, not the
    base's years with 2025 changed (an ``--override`` file merges key by key).
    """


def deep_merge(base: Mapping[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` updated by ``patch``: mappings merge per key, other values replace.

    A :class:`Replace` mapping in ``patch`` replaces; a :class:`Replace` ``base``
    stays one (an assignment's mapping refined by a later one still replaces).
    """
    out = copy.deepcopy(dict(base))
    for key, value in patch.items():
        if (
            isinstance(value, Mapping)
            and not isinstance(value, Replace)
            and isinstance(out.get(key), Mapping)
        ):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return Replace(out) if isinstance(base, Replace) else out


def _plain(value: Any) -> Any:
    """``value`` with every :class:`Replace` turned back into a plain dict."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def parse_assignment(text: str) -> dict[str, Any]:
    """``"site.import_limit_mw=50"`` → ``{"site": {"import_limit_mw": 50}}``.

    The value is parsed as YAML, so numbers, lists and mappings work; it replaces what
    is at that path (a mapping too: :class:`Replace`). Asset and program entries are
    addressed by id: ``assets.fleet.count=100``,
    ``programs.emissions.carbon_price_usd_per_tco2=50``.
    """
    if "=" not in text:
        raise ScenarioError("--set", [f"{text!r}: expected key.path=value"])
    key, raw = text.split("=", 1)
    try:
        value = load_yaml(raw)
    except yaml.YAMLError as exc:
        raise ScenarioError("--set", [f"{text!r}: {yaml_message(exc)}"]) from exc
    parts = [p for p in key.strip().split(".") if p]
    if not parts:
        raise ScenarioError("--set", [f"{text!r}: empty key"])
    patch: Any = Replace(value) if isinstance(value, dict) else value
    for part in reversed(parts):
        patch = {part: patch}
    return dict(patch)


def _merge_by_id(
    data: dict[str, Any], patch: dict[str, Any], origin: str, section: str
) -> None:
    """Apply ``<section>: {id: {...}}`` patches to the list entry with that id.

    ``section`` is ``assets`` or ``programs``; a list in the patch replaces the list.
    Programs without an explicit id are addressed by their type (their default id).
    """
    patches = patch.pop(section, None)
    if patches is None:
        return
    if isinstance(patches, list):
        data[section] = patches
        return
    entries = data.get(section) or []
    by_id = {
        e.get("id", e.get("type")): i
        for i, e in enumerate(entries)
        if isinstance(e, dict)
    }
    for entry_id, fields in patches.items():
        if entry_id not in by_id:
            known = ", ".join(repr(str(i)) for i in sorted(map(str, by_id)))
            what = section[:-1]
            raise ScenarioError(
                origin, [f"{section}.{entry_id}: no {what} with that id (have {known})"]
            )
        i = by_id[entry_id]
        if isinstance(fields, Replace):  # the whole entry, still under its id
            old = entries[i]
            fields = {k: old[k] for k in ("id",) if k in old} | dict(fields)
            entries[i] = {}
        entries[i] = deep_merge(entries[i], fields)
    data[section] = entries


def apply_overrides(
    data: dict[str, Any], overrides: Sequence[tuple[str, Mapping[str, Any]]]
) -> dict[str, Any]:
    """Apply ``(origin, patch)`` overrides in order."""
    out = copy.deepcopy(data)
    for origin, patch in overrides:
        rest = copy.deepcopy(dict(patch))
        _merge_by_id(out, rest, origin, "assets")
        _merge_by_id(out, rest, origin, "programs")
        out = deep_merge(out, rest)
    return dict(_plain(out))


def scenario_from_dict(data: Mapping[str, Any], *, source: str) -> Scenario:
    """Validate a scenario mapping; errors name ``source`` and each field."""
    try:
        scenario = Scenario.model_validate(dict(data))
    except ValidationError as exc:
        raise ScenarioError(source, validation_problems(Scenario, exc)) from exc
    return with_source(scenario, source)


def load_scenario(
    path: str | Path,
    *,
    override_files: Sequence[str | Path] = (),
    assignments: Sequence[str] = (),
) -> tuple[Scenario, Path]:
    """Load and validate a scenario; return it with the folder its paths start from.

    Parameters
    ----------
    path : str or Path
        Scenario YAML file, or the name of a bundled scenario.
    override_files : sequence of paths
        Partial YAML patches applied in order (asset entries addressed by id).
    assignments : sequence of str
        ``key.path=value`` patches applied last.
    """
    resolved = resolve_scenario_path(path)
    data = _read_yaml(resolved)
    patches: list[tuple[str, Mapping[str, Any]]] = [
        (str(f), _read_yaml(Path(f))) for f in override_files
    ]
    patches += [("--set", parse_assignment(a)) for a in assignments]
    merged = apply_overrides(data, patches)
    origin = str(resolved) if not patches else f"{resolved} (with overrides)"
    return scenario_from_dict(merged, source=origin), resolved.parent.resolve()


def apply_to_scenario(
    scenario: Scenario,
    *,
    override_files: Sequence[str | Path] = (),
    assignments: Sequence[str] = (),
) -> Scenario:
    """``scenario`` with override files and ``key.path=value`` patches applied.

    The scenario is dumped as its fields were given, patched exactly as
    :func:`load_scenario` patches a file, and validated again.
    """
    if not override_files and not assignments:
        return scenario
    data = scenario.model_dump(mode="json", exclude_unset=True)
    patches: list[tuple[str, Mapping[str, Any]]] = [
        (str(f), _read_yaml(Path(f))) for f in override_files
    ]
    patches += [("--set", parse_assignment(a)) for a in assignments]
    merged = apply_overrides(data, patches)
    origin = f"{scenario_source(scenario)} (with overrides)"
    return scenario_from_dict(merged, source=origin)


def scenario_to_yaml(scenario: Scenario) -> str:
    """The fully resolved scenario (every default filled in) as YAML."""
    data = scenario.model_dump(mode="json")
    return dump_yaml(data)
