"""Load the equipment catalogue: ``<root>/<kind>/<id>.yaml`` files into specs.

The folder decides the spec class (``asic/`` → :class:`AsicSpec`, ``battery/`` →
:class:`BatterySpec`, ``compute/`` → :class:`GpuNodeSpec`) and each file's stem must
equal its ``id``. Scenarios refer to entries as ``<kind>/<id>``, e.g.
``asic/antminer_s21``. Every problem is reported as a :class:`CatalogError` naming the
file and the field, never as a raw pydantic traceback.
"""

from __future__ import annotations

import difflib
import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, TypeVar

import yaml
from pydantic import ValidationError

from grid_flex.errors import CatalogError
from grid_flex.io.yaml_text import load_yaml
from grid_flex.resources import models_dir
from grid_flex.schema.catalog import AsicSpec, BatterySpec, CatalogEntry, GpuNodeSpec
from grid_flex.schema.messages import error_line as _error_line
from grid_flex.schema.messages import yaml_message as _yaml_message

if TYPE_CHECKING:
    import pandas as pd

#: Catalogue sub-folder → spec class of the files it holds.
KIND_FOLDERS: Final[Mapping[str, type[CatalogEntry]]] = MappingProxyType(
    {"asic": AsicSpec, "battery": BatterySpec, "compute": GpuNodeSpec}
)

#: Columns of :meth:`Catalog.to_frame`, in order.
FRAME_COLUMNS: Final[tuple[str, ...]] = (
    "ref",
    "kind",
    "vendor",
    "model",
    "cooling",
    "hashrate_ths",
    "power_w",
    "efficiency_j_per_th",
    "energy_mwh",
    "power_mw",
    "duration_h",
    "round_trip_eff_frac",
    "gpu_count",
    "power_max_kw",
    "power_typical_kw",
    "unverified",
    "source",
    "retrieved",
)
_FLOAT_COLUMNS: Final[tuple[str, ...]] = (
    "hashrate_ths",
    "power_w",
    "efficiency_j_per_th",
    "energy_mwh",
    "power_mw",
    "duration_h",
    "round_trip_eff_frac",
    "power_max_kw",
    "power_typical_kw",
)
#: Columns of :meth:`Catalog.listing` (``grid-flex catalog``).
LISTING_COLUMNS: Final[tuple[str, ...]] = (
    "ref",
    "vendor",
    "model",
    "hashrate_ths",
    "power_w",
    "efficiency_j_per_th",
    "energy_mwh",
    "power_mw",
    "power_max_kw",
)
#: Relative tolerance of the hashrate-curve concavity check.
_CURVE_RTOL: Final = 1e-9

#: How an entry's ``kind`` reads in messages.
_KIND_LABELS: Final[Mapping[str, str]] = MappingProxyType(
    {"asic": "an ASIC", "battery": "a battery", "gpu": "a GPU node"}
)

_SpecT = TypeVar("_SpecT", AsicSpec, BatterySpec, GpuNodeSpec)


@dataclass(frozen=True, eq=False)
class Catalog:
    """Validated catalogue entries keyed by reference ``<kind>/<id>``.

    Parameters
    ----------
    root : Path
        Folder the entries were read from.
    by_ref : Mapping[str, CatalogEntry]
        Entries keyed by reference; stored read-only and sorted.
    """

    root: Path
    by_ref: Mapping[str, CatalogEntry]

    def __post_init__(self) -> None:
        frozen = MappingProxyType(dict(sorted(self.by_ref.items())))
        object.__setattr__(self, "by_ref", frozen)

    def __len__(self) -> int:
        return len(self.by_ref)

    def __contains__(self, ref: object) -> bool:
        return ref in self.by_ref

    def refs(self) -> list[str]:
        """Return every reference, sorted."""
        return list(self.by_ref)

    def entries(self) -> dict[str, CatalogEntry]:
        """Return a new dict of reference → spec, sorted by reference."""
        return dict(self.by_ref)

    def get(self, ref: str) -> CatalogEntry:
        """Return the entry ``ref`` (``<kind>/<id>``).

        Raises
        ------
        CatalogError
            If there is no such entry; the message suggests close matches.
        """
        try:
            return self.by_ref[ref]
        except KeyError:
            raise CatalogError(self._unknown_message(ref)) from None

    def get_asic(self, ref: str) -> AsicSpec:
        """Return the ASIC entry ``ref``; :class:`CatalogError` if another kind."""
        return self._get_as(ref, AsicSpec, "asic")

    def get_battery(self, ref: str) -> BatterySpec:
        """Return the battery entry ``ref``; :class:`CatalogError` if another kind."""
        return self._get_as(ref, BatterySpec, "battery")

    def get_gpu(self, ref: str) -> GpuNodeSpec:
        """Return the GPU node entry ``ref``; :class:`CatalogError` if another kind."""
        return self._get_as(ref, GpuNodeSpec, "compute")

    def to_frame(self) -> pd.DataFrame:
        """One row per entry with its key figures, units in the column names.

        Columns are :data:`FRAME_COLUMNS`; figures that do not apply to an entry's
        kind are missing (NaN / None).
        """
        import pandas as pd

        rows = [_frame_row(ref, entry) for ref, entry in self.by_ref.items()]
        frame = pd.DataFrame(rows, columns=list(FRAME_COLUMNS))
        for column in _FLOAT_COLUMNS:
            frame[column] = frame[column].astype(float)
        frame["gpu_count"] = frame["gpu_count"].astype("Int64")
        frame["unverified"] = frame["unverified"].astype(bool)
        return frame

    def listing(self, columns: tuple[str, ...] = LISTING_COLUMNS) -> str:
        """The entries as a text table, one line each (``grid-flex catalog``).

        Columns are right-aligned; figures print in ``{:g}`` style, a figure that does
        not apply to an entry's kind as blanks. The text equals pandas'
        ``to_frame()[columns].to_string(index=False, na_rep="", float_format=...)``
        (tested) without importing pandas, so that the command starts fast.
        """
        cells = [list(columns)]
        for ref, entry in self.by_ref.items():
            row = _frame_row(ref, entry)
            cells.append([_cell(row.get(column)) for column in columns])
        for i, column in enumerate(columns):
            if column in _FLOAT_COLUMNS:  # pandas keeps a sign's place in figures
                for line in cells:
                    line[i] = " " + line[i]
        widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
        return "\n".join(
            " ".join(text.rjust(w) for text, w in zip(line, widths, strict=True))
            for line in cells
        )

    def _get_as(self, ref: str, cls: type[_SpecT], folder: str) -> _SpecT:
        entry = self.get(ref)
        if not isinstance(entry, cls):
            found = _KIND_LABELS[entry.kind]
            wanted = _KIND_LABELS[cls.model_fields["kind"].default]
            raise CatalogError(f"{ref!r} is {found}, expected {wanted} ({folder}/<id>)")
        return entry

    def _unknown_message(self, ref: str) -> str:
        refs = self.refs()
        matches = difflib.get_close_matches(ref, refs, n=3, cutoff=0.6)
        ids = sorted({r.partition("/")[2] for r in refs})
        bare = ref.rpartition("/")[2].removesuffix(".yaml")
        for match in difflib.get_close_matches(bare, ids, n=3, cutoff=0.6):
            matches += [r for r in refs if r.endswith(f"/{match}") and r not in matches]
        matches = matches[:5]
        message = f"unknown catalogue entry {ref!r} (catalogue {self.root})"
        if matches:
            return message + "; did you mean " + " or ".join(map(repr, matches)) + "?"
        kinds = ", ".join(f"{kind}/<id>" for kind in KIND_FOLDERS)
        return (
            f"{message}; references look like {kinds}; `grid-flex catalog` lists them"
        )


def with_entries(catalog: Catalog, entries: Mapping[str, CatalogEntry]) -> Catalog:
    """``catalog`` with ``entries`` (by reference) added or taking precedence.

    Raises
    ------
    CatalogError
        If a reference is not ``<kind folder>/<id>`` of its entry (an ASIC entry
        must be ``asic/<its id>``).
    """
    if not entries:
        return catalog
    folders = {cls.model_fields["kind"].default: f for f, cls in KIND_FOLDERS.items()}
    for ref, entry in entries.items():
        expected = f"{folders[entry.kind]}/{entry.id}"
        if ref != expected:
            raise CatalogError(
                f"catalog_entries.{ref}: the entry is {_KIND_LABELS[entry.kind]} "
                f"with id {entry.id!r}, so its reference must be {expected!r}"
            )
    return Catalog(root=catalog.root, by_ref={**catalog.by_ref, **entries})


def catalog_refs_used(data: Any) -> list[str]:
    """Catalogue references (``model: <kind>/<id>``) anywhere in a scenario dump."""
    found: list[str] = []
    if isinstance(data, Mapping):
        for key, value in data.items():
            if key == "catalog_entries":
                continue
            if key == "model" and isinstance(value, str) and "/" in value:
                found.append(value)
            else:
                found += catalog_refs_used(value)
    elif isinstance(data, list):
        for item in data:
            found += catalog_refs_used(item)
    return sorted(set(found))


def load_catalog(path: str | Path | None = None) -> Catalog:
    """Load and validate every ``*.yaml`` under ``asic/``, ``battery/``, ``compute/``.

    Parameters
    ----------
    path : str or Path, optional
        Catalogue folder; ``None`` means the bundled one (:func:`models_dir`). Any of
        the three sub-folders may be absent.

    Returns
    -------
    Catalog
        Cached per resolved folder; reloaded when a file is added, removed or changed.

    Raises
    ------
    CatalogError
        If the folder is missing or any file is invalid; one line per problem, each
        naming the file and the field.
    """
    root = (models_dir() if path is None else Path(path)).expanduser().resolve()
    if not root.is_dir():
        raise CatalogError(f"catalogue folder {root} does not exist")
    if not any((root / kind).is_dir() for kind in KIND_FOLDERS):
        folders = ", ".join(f"{kind}/" for kind in KIND_FOLDERS)
        raise CatalogError(f"catalogue folder {root} has none of {folders}")
    return _load_cached(root, _fingerprint(root))


def clear_cache() -> None:
    """Forget every catalogue loaded so far."""
    _load_cached.cache_clear()


def _catalog_files(root: Path) -> list[tuple[str, Path]]:
    """List ``(kind, file)`` for every YAML file of the catalogue, sorted."""
    files: list[tuple[str, Path]] = []
    for kind in KIND_FOLDERS:
        folder = root / kind
        if folder.is_dir():
            candidates = [*folder.glob("*.yaml"), *folder.glob("*.yml")]
            files.extend((kind, file) for file in sorted(candidates) if file.is_file())
    return files


def _fingerprint(root: Path) -> tuple[tuple[str, int, int], ...]:
    """Names, modification times and sizes of the catalogue files (cache key)."""
    stamps = []
    for kind, file in _catalog_files(root):
        stat = file.stat()
        stamps.append((f"{kind}/{file.name}", stat.st_mtime_ns, stat.st_size))
    return tuple(stamps)


@functools.lru_cache(maxsize=16)
def _load_cached(root: Path, fingerprint: tuple[tuple[str, int, int], ...]) -> Catalog:
    """Read the catalogue at ``root``; ``fingerprint`` only keys the cache."""
    entries: dict[str, CatalogEntry] = {}
    problems: list[str] = []
    for kind, file in _catalog_files(root):
        display = f"{root.name}/{kind}/{file.name}"
        if file.suffix != ".yaml":
            problems.append(f"{display}: catalogue files must end in .yaml")
            continue
        entry, file_problems = _read_entry(file, display, KIND_FOLDERS[kind])
        problems.extend(file_problems)
        if entry is not None:
            entries[f"{kind}/{entry.id}"] = entry
    if problems:
        raise CatalogError("\n".join(problems))
    return Catalog(root=root, by_ref=entries)


def _read_entry(
    file: Path, display: str, cls: type[CatalogEntry]
) -> tuple[CatalogEntry | None, list[str]]:
    """Parse and validate one file; return the entry or the problems found."""
    try:
        data = load_yaml(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        return None, [f"{display}: cannot read: {exc}"]
    except yaml.YAMLError as exc:
        return None, [f"{display}: invalid YAML: {_yaml_message(exc)}"]
    if not isinstance(data, dict):
        found = "an empty file" if data is None else type(data).__name__
        return None, [f"{display}: expected a mapping of field: value, got {found}"]
    try:
        entry = cls.model_validate(data)
    except ValidationError as exc:
        return None, [f"{display}: {_error_line(cls, err)}" for err in exc.errors()]
    problems = []
    if entry.id != file.stem:
        problems.append(
            f"{display}: id: {entry.id!r} does not match the file name {file.stem!r}"
        )
    if isinstance(entry, AsicSpec):
        problems.extend(f"{display}: {problem}" for problem in _curve_problems(entry))
    return (None, problems) if problems else (entry, [])


def _curve_problems(spec: AsicSpec) -> list[str]:
    """Check that origin + ``hashrate_curve`` is increasing and concave."""
    power, hashrate, slope_before = 0.0, 0.0, math.inf
    for i, point in enumerate(spec.hashrate_curve or []):
        where = f"hashrate_curve[{i}]"
        if point.power_frac <= power:
            return [f"{where}.power_frac: must exceed the previous point's {power:g}"]
        if point.hashrate_frac <= hashrate:
            return [f"{where}.hashrate_frac: must exceed the previous {hashrate:g}"]
        slope = (point.hashrate_frac - hashrate) / (point.power_frac - power)
        if slope > slope_before * (1.0 + _CURVE_RTOL):
            return [
                f"{where}: curve is not concave: the segment up to this point gains "
                f"{slope:.4g} hashrate per unit power, more than the segment before "
                f"({slope_before:.4g}); drop points below the chord of their neighbours"
            ]
        power, hashrate, slope_before = point.power_frac, point.hashrate_frac, slope
    return []


def _frame_row(ref: str, entry: CatalogEntry) -> dict[str, object]:
    """Key figures of one entry for :meth:`Catalog.to_frame`."""
    row: dict[str, object] = {
        "ref": ref,
        "kind": entry.kind,
        "vendor": entry.vendor,
        "model": entry.model,
        "unverified": "[unverified]" in (entry.provenance.note or "").lower(),
        "source": entry.provenance.source,
        "retrieved": entry.provenance.retrieved,
    }
    if isinstance(entry, AsicSpec):
        row |= {
            "cooling": entry.cooling,
            "hashrate_ths": entry.hashrate_ths,
            "power_w": entry.power_w,
            "efficiency_j_per_th": entry.efficiency_j_per_th,
        }
    elif isinstance(entry, BatterySpec):
        row |= {
            "energy_mwh": entry.energy_mwh,
            "power_mw": entry.power_mw,
            "duration_h": entry.energy_mwh / entry.power_mw,
            "round_trip_eff_frac": entry.round_trip_eff_frac,
        }
    else:
        row |= {
            "cooling": entry.cooling,
            "gpu_count": entry.gpu_count,
            "power_max_kw": entry.power_max_kw,
            "power_typical_kw": entry.power_typical_kw,
        }
    return row


def _cell(value: object) -> str:
    """One figure of :meth:`Catalog.listing`: blank if missing, ``{:g}`` if a number."""
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "" if math.isnan(value) else f"{float(value):g}"
    return str(value)
