"""Equipment catalogue: bundled data against domain.md, and the loader's errors."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import pytest
import yaml

from grid_flex.errors import CatalogError, InputError
from grid_flex.io.catalog import FRAME_COLUMNS, Catalog, load_catalog
from grid_flex.resources import models_dir
from grid_flex.schema.catalog import AsicSpec, BatterySpec, GpuNodeSpec

# domain.md §1.3, J/TH column as printed (the table's rounding sets the tolerance).
TABLE_J_PER_TH: dict[str, str] = {
    "antminer_s19": "34.2",
    "antminer_s19_pro": "29.5",
    "antminer_s19j_pro": "29.5",
    "antminer_s19_xp": "21.5",
    "antminer_s21": "17.5",
    "antminer_s21_pro": "15",  # printed "~15"
    "antminer_s21_xp": "13.5",
    "antminer_s21_xp_hyd": "12",
    "whatsminer_m50": "29",
    "whatsminer_m50s_pp": "22",
    "whatsminer_m60": "18.7-19.9",
    "whatsminer_m60s": "18.4",
}
# domain.md §1.6: measured S19j Pro points (TH/s, W).
S19J_PRO_MEASURED = [(74.5, 1905.0), (96.0, 2850.0), (105.0, 3100.0)]
RETRIEVED = dt.date(2026, 11, 1)
KIND_CLASSES = {"asic": AsicSpec, "battery": BatterySpec, "compute": GpuNodeSpec}


def _table_bounds(printed: str) -> tuple[float, float]:
    """Interval a printed value (or ``lo-hi`` range) stands for after rounding."""
    low, _, high = printed.partition("-")
    high = high or low
    decimals = len(low.partition(".")[2])
    half = 0.5 * 10.0**-decimals + 1e-9
    return float(low) - half, float(high) + half


def _curve_with_origin(spec: AsicSpec) -> list[tuple[float, float]]:
    assert spec.hashrate_curve is not None
    return [(0.0, 0.0)] + [(p.power_frac, p.hashrate_frac) for p in spec.hashrate_curve]


def _curve_at(points: list[tuple[float, float]], x: float) -> float:
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        if x0 <= x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    raise AssertionError(f"{x} outside the curve")


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


# --- bundled data ---------------------------------------------------------------------


def test_every_bundled_file_loads_and_ids_match_file_names(catalog: Catalog) -> None:
    files = sorted(models_dir().glob("*/*.yaml"))
    assert len(files) == len(catalog)
    for file in files:
        entry = catalog.get(f"{file.parent.name}/{file.stem}")
        assert entry.id == file.stem
        assert isinstance(entry, KIND_CLASSES[file.parent.name])


def test_bundled_refs(catalog: Catalog) -> None:
    asics = {f"asic/{asic_id}" for asic_id in TABLE_J_PER_TH}
    expected = asics | {
        "battery/generic_lfp_4h_1mw",
        "battery/generic_lfp_2h_1mw",
        "compute/nvidia_hgx_h100",
    }
    assert expected <= set(catalog.refs())
    assert {r for r in catalog.refs() if r.startswith("asic/")} == asics
    assert catalog.refs() == sorted(catalog.refs())


@pytest.mark.parametrize("asic_id", sorted(TABLE_J_PER_TH))
def test_asic_efficiency_matches_domain_table(catalog: Catalog, asic_id: str) -> None:
    spec = catalog.get_asic(f"asic/{asic_id}")
    low, high = _table_bounds(TABLE_J_PER_TH[asic_id])
    assert low <= spec.efficiency_j_per_th <= high


def test_asic_cooling_and_provenance(catalog: Catalog) -> None:
    for ref, entry in catalog.entries().items():
        assert entry.provenance.source.strip(), ref
        assert entry.provenance.retrieved == RETRIEVED, ref
        if isinstance(entry, AsicSpec):
            expected = "hydro" if entry.id == "antminer_s21_xp_hyd" else "air"
            assert entry.cooling == expected, ref
    s21_pro = catalog.get_asic("asic/antminer_s21_pro")
    assert "[unverified]" in (s21_pro.provenance.note or "")
    s19j = catalog.get_asic("asic/antminer_s19j_pro")
    assert (s19j.hashrate_ths, s19j.power_w) == (100.0, 2950.0)
    assert "midpoint" in (s19j.provenance.note or "")


def test_hashrate_curves_increasing_and_concave_from_origin(catalog: Catalog) -> None:
    curves = {
        ref: _curve_with_origin(spec)
        for ref, spec in catalog.entries().items()
        if isinstance(spec, AsicSpec) and spec.hashrate_curve
    }
    assert "asic/antminer_s19j_pro" in curves
    for ref, points in curves.items():
        slopes = []
        for (x0, y0), (x1, y1) in itertools.pairwise(points):
            assert x1 > x0, ref
            assert y1 > y0, ref
            slopes.append((y1 - y0) / (x1 - x0))
        assert all(b <= a for a, b in itertools.pairwise(slopes)), ref


def test_s19j_pro_curve_from_measured_points(catalog: Catalog) -> None:
    spec = catalog.get_asic("asic/antminer_s19j_pro")
    points = _curve_with_origin(spec)
    measured = [
        (w / spec.power_w, ths / spec.hashrate_ths) for ths, w in S19J_PRO_MEASURED
    ]
    # Kept points: the lowest and highest measured set-points.
    assert points[1:] == [
        pytest.approx(measured[0], abs=1e-4),
        pytest.approx(measured[2], abs=1e-4),
    ]
    # The dropped point lies under the concave envelope (a fleet mixing the kept
    # set-points does at least as well), and nameplate sits within the ±3-5 % rating.
    assert _curve_at(points, measured[1][0]) >= measured[1][1]
    assert _curve_at(points, 1.0) == pytest.approx(1.0, abs=0.03)


def test_battery_values(catalog: Catalog) -> None:
    four = catalog.get_battery("battery/generic_lfp_4h_1mw")
    two = catalog.get_battery("battery/generic_lfp_2h_1mw")
    assert (four.power_mw, four.energy_mwh) == (1.0, 4.0)
    assert (two.power_mw, two.energy_mwh) == (1.0, 2.0)
    for spec in (four, two):
        assert spec.round_trip_eff_frac == 0.85
        assert (spec.soc_min_frac, spec.soc_max_frac) == (0.05, 0.95)
        assert spec.self_discharge_frac_per_h == 0.0
        assert spec.degradation_usd_per_mwh == 30.0
        assert "ATB" in spec.provenance.source
        assert "DER-VET" in spec.provenance.source


def test_gpu_node_values(catalog: Catalog) -> None:
    node = catalog.get_gpu("compute/nvidia_hgx_h100")
    assert node.gpu_count == 8
    assert (node.power_max_kw, node.power_typical_kw) == (10.2, 7.5)
    assert node.cooling == "air"


# --- lookup ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ref", "suggestion"),
    [
        ("asic/antminer_s21x", "asic/antminer_s21"),
        ("antminer_s21", "asic/antminer_s21"),
        ("asic/antminer_s19jpro", "asic/antminer_s19j_pro"),
        ("battery/generic_lfp_4h", "battery/generic_lfp_4h_1mw"),
    ],
)
def test_unknown_ref_suggests_close_matches(
    catalog: Catalog, ref: str, suggestion: str
) -> None:
    with pytest.raises(CatalogError, match="did you mean") as info:
        catalog.get(ref)
    assert repr(suggestion) in str(info.value)


def test_unknown_ref_without_close_match(catalog: Catalog) -> None:
    with pytest.raises(CatalogError, match="unknown catalogue entry 'zzz/qqq'"):
        catalog.get("zzz/qqq")


def test_typed_getters_check_kind(catalog: Catalog) -> None:
    assert isinstance(catalog.get_asic("asic/antminer_s21"), AsicSpec)
    assert isinstance(catalog.get_battery("battery/generic_lfp_4h_1mw"), BatterySpec)
    assert isinstance(catalog.get_gpu("compute/nvidia_hgx_h100"), GpuNodeSpec)
    with pytest.raises(CatalogError, match="is an ASIC, expected a battery"):
        catalog.get_battery("asic/antminer_s21")
    with pytest.raises(CatalogError, match="expected an ASIC"):
        catalog.get_asic("compute/nvidia_hgx_h100")
    with pytest.raises(CatalogError, match="expected a GPU node"):
        catalog.get_gpu("battery/generic_lfp_4h_1mw")


def test_catalog_is_read_only(catalog: Catalog) -> None:
    with pytest.raises(TypeError):
        catalog.by_ref["asic/x"] = catalog.get("asic/antminer_s21")  # type: ignore[index]
    catalog.entries().clear()
    assert len(catalog) > 0


def test_to_frame_one_row_per_entry(catalog: Catalog) -> None:
    frame = catalog.to_frame()
    assert len(frame) == len(catalog)
    assert list(frame["ref"]) == catalog.refs()
    assert tuple(frame.columns) == FRAME_COLUMNS
    row = frame.set_index("ref").loc["asic/antminer_s21"]
    assert row["kind"] == "asic"
    assert row["efficiency_j_per_th"] == pytest.approx(17.5)
    assert row["hashrate_ths"] == 200.0
    battery = frame.set_index("ref").loc["battery/generic_lfp_4h_1mw"]
    assert (battery["energy_mwh"], battery["power_mw"], battery["duration_h"]) == (
        4.0,
        1.0,
        4.0,
    )
    assert frame.set_index("ref").loc["compute/nvidia_hgx_h100", "gpu_count"] == 8


# --- loader on user folders -----------------------------------------------------------


def _asic_data(asic_id: str = "x") -> dict[str, Any]:
    return {
        "id": asic_id,
        "vendor": "Acme",
        "model": "X1",
        "hashrate_ths": 100.0,
        "power_w": 2000.0,
        "cooling": "air",
        "provenance": {"source": "test", "retrieved": "2026-11-01"},
    }


def _write(root: Path, kind: str, stem: str, data: object) -> Path:
    path = root / kind / f"{stem}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_user_folder_with_one_kind_loads(tmp_path: Path) -> None:
    root = tmp_path / "mine"
    _write(root, "asic", "x", _asic_data())
    catalog = load_catalog(str(root))
    assert catalog.refs() == ["asic/x"]
    assert catalog.root == root.resolve()
    assert catalog.get_asic("asic/x").efficiency_j_per_th == pytest.approx(20.0)


def _with(key: str, value: object) -> dict[str, Any]:
    data = _asic_data()
    data[key] = value
    return data


def _without(key: str) -> dict[str, Any]:
    data = _asic_data()
    del data[key]
    return data


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (_with("wattage", 3000), "wattage: Extra inputs are not permitted"),
        (_with("power_w", -5), "power_w: Input should be greater than 0"),
        (_with("id", "y"), "id: 'y' does not match the file name 'x'"),
        (_without("hashrate_ths"), "hashrate_ths: Field required"),
        (_with("cooling", "oil"), "cooling: Input should be"),
        (
            _with("provenance", {"source": "s", "retreived": "2026-11-01"}),
            "provenance.retreived: Extra inputs are not permitted; "
            "did you mean 'retrieved'?",
        ),
        (
            _with("hashrate_curve", [{"power_frac": 0.5, "hashrate_frac": 3.0}]),
            "hashrate_curve[0].hashrate_frac: Input should be less than or equal to 2",
        ),
        (
            _with(
                "hashrate_curve",
                [
                    {"power_frac": 0.5, "hashrate_frac": 0.6},
                    {"power_frac": 0.9, "hashrate_frac": 0.8},
                    {"power_frac": 1.0, "hashrate_frac": 1.0},
                ],
            ),
            "hashrate_curve[2]: curve is not concave",
        ),
        (
            _with("hashrate_curve", [{"power_frac": 1.0, "hashrate_frac": 1.0}] * 2),
            "hashrate_curve[1].power_frac: must exceed",
        ),
        ([1, 2], "expected a mapping of field: value, got list"),
        (None, "expected a mapping of field: value, got an empty file"),
    ],
)
def test_broken_file_names_file_and_field(
    tmp_path: Path, data: object, expected: str
) -> None:
    root = tmp_path / "models"
    _write(root, "asic", "x", data)
    with pytest.raises(CatalogError) as info:
        load_catalog(root)
    message = str(info.value)
    lines = message.splitlines()
    assert all(line.startswith("models/asic/x.yaml: ") for line in lines)
    assert any(line.startswith(f"models/asic/x.yaml: {expected}") for line in lines)
    assert "pydantic" not in message
    assert "errors.pydantic.dev" not in message
    assert isinstance(info.value, InputError)


def test_broken_battery_and_yaml_syntax_all_reported(tmp_path: Path) -> None:
    root = tmp_path / "models"
    battery = {
        "id": "b",
        "vendor": "v",
        "model": "m",
        "energy_mwh": 4.0,
        "power_mw": 1.0,
        "soc_min_frac": 0.9,
        "soc_max_frac": 0.5,
        "provenance": {"source": "s", "retrieved": "2026-11-01"},
    }
    _write(root, "battery", "b", battery)
    (root / "compute").mkdir()
    (root / "compute" / "g.yaml").write_text("id: [g\n", encoding="utf-8")
    with pytest.raises(CatalogError) as info:
        load_catalog(root)
    lines = str(info.value).splitlines()
    assert lines[0].startswith("models/battery/b.yaml: ")
    assert "soc_min_frac must be below soc_max_frac" in lines[0]
    assert lines[1].startswith("models/compute/g.yaml: invalid YAML: line 2")


def test_yml_extension_is_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path / "models", "asic", "x", _asic_data())
    path.rename(path.with_suffix(".yml"))
    with pytest.raises(CatalogError, match=r"models/asic/x\.yml: .* end in \.yaml"):
        load_catalog(tmp_path / "models")


def test_missing_or_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="does not exist"):
        load_catalog(tmp_path / "nowhere")
    with pytest.raises(CatalogError, match="has none of asic/"):
        load_catalog(tmp_path)


def test_cache_keyed_on_resolved_path_and_refreshed_on_edit(tmp_path: Path) -> None:
    assert load_catalog() is load_catalog(models_dir())
    root = tmp_path / "models"
    path = _write(root, "asic", "x", _asic_data())
    first = load_catalog(root)
    assert load_catalog(tmp_path / "models" / ".." / "models") is first
    data = _asic_data()
    data["power_w"] = 2500.0
    data["model"] = "X1 (rev. B)"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert load_catalog(root).get_asic("asic/x").power_w == 2500.0


def test_listing_is_pandas_table_text_without_pandas() -> None:
    """`grid-flex catalog` prints what pandas would, built from plain strings."""
    from grid_flex.io.catalog import LISTING_COLUMNS

    cat = load_catalog()
    kinds = {entry.kind for entry in cat.entries().values()}
    assert kinds == {"asic", "battery", "gpu"}  # blanks for figures of other kinds
    frame = cat.to_frame()[list(LISTING_COLUMNS)]
    expected = frame.to_string(index=False, na_rep="", float_format="{:g}".format)
    assert cat.listing() == expected
    assert len(cat.listing().splitlines()) == len(cat) + 1
