"""Bad scenario input gives a clear error: which file, which field, what was expected.

Each case writes a scenario to ``tmp_path``, then loads and prepares it the way
``grid-flex solve`` does (:func:`load_scenario`, then :func:`prepare_inputs`), and
checks the exception type and the key words of its message: the field path (or the
column / time stamp of a data file), the offending value and what was expected. A
separate test checks that every problem located in the scenario file names that file.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

from grid_flex.errors import (
    CatalogError,
    DataError,
    InputError,
    InputWarning,
    ScenarioError,
)
from grid_flex.inputs import ModelInputs, prepare_inputs
from grid_flex.io.scenario import load_scenario

SCENARIO_NAME = "my_site_scenario.yaml"

#: A valid one-day scenario on real ERCOT 2020 prices with a fleet and a battery.
BASE: dict[str, Any] = {
    "name": "errors",
    "site": {"import_limit_mw": 10.0},
    "horizon": {
        "start": "2020-06-01T00:00:00",
        "end": "2020-06-02T00:00:00",
        "timestep_min": 60,
        "timezone": "America/Chicago",
    },
    "energy": {
        "price": {
            "format": "ercot_dam",
            "file": "bundled:ercot_dam_spp_hubs_lz_2020.csv",
            "column": "LZ_WEST",
        }
    },
    "hashprice": {"usd_per_ths_day": 0.1},
    "assets": [
        {
            "type": "asic_fleet",
            "id": "fleet",
            "model": "asic/antminer_s21",
            "count": 100,
        },
        {
            "type": "battery",
            "id": "bat",
            "model": "battery/generic_lfp_4h_1mw",
            "count": 2,
        },
    ],
}

Mutator = Callable[[dict[str, Any], Path], None]


def write_scenario(folder: Path, data: Any, name: str = SCENARIO_NAME) -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def load_and_prepare(path: Path, assignments: tuple[str, ...] = ()) -> ModelInputs:
    """What ``grid-flex solve`` does before building the model."""
    scenario, base = load_scenario(path, assignments=assignments)
    return prepare_inputs(scenario, base)


def raised_by(
    path: Path, exc_type: type[InputError], assignments: tuple[str, ...] = ()
) -> InputError:
    with pytest.raises(exc_type) as info:
        load_and_prepare(path, assignments)
    assert isinstance(info.value, InputError)
    return info.value


def assert_mentions(message: str, *words: str) -> None:
    """Every word appears in the message (case-insensitive)."""
    missing = [w for w in words if w.lower() not in message.lower()]
    assert not missing, f"message lacks {missing}:\n{message}"


def write_price_csv(folder: Path, *, hours: int = 48) -> None:
    """``prices.csv``: hourly interval starts from 2020-06-01 00:00 local."""
    stamps = pd.date_range("2020-06-01 00:00", periods=hours, freq="h")
    frame = pd.DataFrame(
        {"time": stamps.strftime("%Y-%m-%d %H:%M"), "price": np.linspace(20, 40, hours)}
    )
    frame.to_csv(folder / "prices.csv", index=False)


def csv_price(unit: str) -> dict[str, Any]:
    return {
        "format": "csv",
        "file": "prices.csv",
        "time_column": "time",
        "value_column": "price",
        "unit": unit,
        "time_convention": "start",
        "timezone": "America/Chicago",
    }


# ---- the cases -----------------------------------------------------------------------
def setter(*path: str | int, value: Any) -> Mutator:
    def mutate(data: dict[str, Any], _folder: Path) -> None:
        node: Any = data
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return mutate


def deleter(*path: str | int) -> Mutator:
    def mutate(data: dict[str, Any], _folder: Path) -> None:
        node: Any = data
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]

    return mutate


def updater(*path: str | int, **values: Any) -> Mutator:
    def mutate(data: dict[str, Any], _folder: Path) -> None:
        node: Any = data
        for key in path:
            node = node[key]
        node.update(values)

    return mutate


def price(spec: dict[str, Any], **horizon: Any) -> Mutator:
    def mutate(data: dict[str, Any], _folder: Path) -> None:
        data["energy"]["price"] = spec
        data["horizon"].update(horizon)

    return mutate


def ercot(year: int, column: str, fill: str = "error", **horizon: str) -> Mutator:
    return price(
        {
            "format": "ercot_dam",
            "file": f"bundled:ercot_dam_spp_hubs_lz_{year}.csv",
            "column": column,
            "fill_missing": fill,
        },
        **horizon,
    )


def csv_in(unit: str) -> Mutator:
    def mutate(data: dict[str, Any], folder: Path) -> None:
        write_price_csv(folder)
        data["energy"]["price"] = csv_price(unit)

    return mutate


def inline_price(unit: str, n: int = 24) -> Mutator:
    return price({"format": "inline", "unit": unit, "values": [30.0] * n})


@dataclass(frozen=True)
class Case:
    """A broken scenario and what its error must say."""

    id: str
    mutate: Mutator
    exc: type[InputError]
    words: tuple[str, ...]
    #: The error is about a separate data file; it must name that file.
    data_file: str | None = None


CASES: list[Case] = [
    # unknown keys
    Case(
        "typo_top_level",
        lambda d, _f: d.update(horizn=d.pop("horizon")),
        ScenarioError,
        ("horizn", "did you mean 'horizon'"),
    ),
    Case(
        "typo_site_field",
        lambda d, _f: d["site"].update(import_limt_mw=d["site"].pop("import_limit_mw")),
        ScenarioError,
        ("site.import_limt_mw", "did you mean 'import_limit_mw'"),
    ),
    Case(
        "typo_asset_field",
        updater("assets", 0, availabilty_frac=0.9),
        ScenarioError,
        ("assets[0]", "availabilty_frac", "did you mean 'availability_frac'"),
    ),
    Case(
        "typo_hashprice_field",
        setter("hashprice", value={"usd_per_th_day": 0.1}),
        ScenarioError,
        ("hashprice.usd_per_th_day", "did you mean 'usd_per_ths_day'"),
    ),
    Case(
        "typo_series_field",
        updater("energy", "price", colum="LZ_WEST"),
        ScenarioError,
        ("energy.price", "colum", "did you mean 'column'"),
    ),
    # missing required fields
    Case(
        "missing_import_limit",
        deleter("site", "import_limit_mw"),
        ScenarioError,
        ("site.import_limit_mw", "required"),
    ),
    Case(
        "missing_horizon",
        deleter("horizon"),
        ScenarioError,
        ("horizon", "required"),
    ),
    Case(
        "missing_asset_model",
        deleter("assets", 1, "model"),
        ScenarioError,
        ("assets[1]", "model", "required"),
    ),
    # out-of-range values
    Case(
        "negative_import_limit",
        setter("site", "import_limit_mw", value=-5),
        ScenarioError,
        ("site.import_limit_mw", "greater than 0", "-5"),
    ),
    Case(
        "availability_above_one",
        setter("assets", 0, "availability_frac", value=1.5),
        ScenarioError,
        ("assets[0]", "availability_frac", "less than or equal to 1", "1.5"),
    ),
    Case(
        "soc_min_equals_soc_max",
        updater("assets", 1, soc_min_frac=0.5, soc_max_frac=0.5),
        ScenarioError,
        ("bat", "soc_min_frac", "soc_max_frac", "below"),
    ),
    Case(
        "soc_min_above_soc_max",
        updater("assets", 1, soc_min_frac=0.9, soc_max_frac=0.3),
        ScenarioError,
        ("bat", "soc_min_frac 0.9", "soc_max_frac 0.3", "below"),
    ),
    Case(
        "initial_soc_above_soc_max",
        setter("assets", 1, "initial_soc_frac", value=0.99),
        ScenarioError,
        ("bat", "initial_soc_frac", "0.99", "0.95"),
    ),
    Case(
        "initial_soc_below_soc_min",
        setter("assets", 1, "initial_soc_frac", value=0.01),
        ScenarioError,
        ("bat", "initial_soc_frac", "0.01", "0.05"),
    ),
    Case(
        "initial_soc_not_a_fraction",
        setter("assets", 1, "initial_soc_frac", value=1.5),
        ScenarioError,
        ("assets[1]", "initial_soc_frac", "1.5"),
    ),
    # fleet size
    Case(
        "fleet_count_and_power",
        setter("assets", 0, "power_mw", value=3.0),
        ScenarioError,
        ("assets[0]", "count", "power_mw", "exactly one"),
    ),
    Case(
        "fleet_neither_count_nor_power",
        deleter("assets", 0, "count"),
        ScenarioError,
        ("assets[0]", "count", "power_mw", "exactly one"),
    ),
    # catalogue references
    Case(
        "unknown_catalogue_model",
        setter("assets", 0, "model", value="asic/antminer_s12"),
        ScenarioError,
        ("assets[0].model", "asic/antminer_s12", "did you mean", "asic/antminer_s21"),
    ),
    Case(
        "battery_model_on_fleet",
        setter("assets", 0, "model", value="battery/generic_lfp_4h_1mw"),
        ScenarioError,
        ("assets[0].model", "battery/generic_lfp_4h_1mw", "battery", "asic/"),
    ),
    # series declarations and units
    Case(
        "unknown_series_format",
        setter("energy", "price", "format", value="ercot_dma"),
        ScenarioError,
        ("energy.price", "ercot_dma", "ercot_dam", "csv", "inline"),
    ),
    Case(
        "inline_price_in_mw",
        inline_price("mw"),
        DataError,
        ("energy.price", "energy price", "unit", "mw"),
    ),
    Case(
        "inline_unknown_unit",
        inline_price("dollars"),
        DataError,
        ("energy.price", "dollars", "usd_per_mwh"),
    ),
    Case(
        "inline_wrong_length",
        inline_price("usd_per_mwh", n=23),
        DataError,
        ("energy.price", "23", "24"),
    ),
    Case(
        "hashprice_series_in_price_unit",
        setter(
            "hashprice",
            value={
                "series": {
                    "format": "inline",
                    "unit": "usd_per_mwh",
                    "values": [0.1] * 24,
                }
            },
        ),
        DataError,
        ("hashprice.series", "hashprice", "unit"),
    ),
    Case(
        "csv_price_in_kw",
        csv_in("kw"),
        DataError,
        ("energy.price", "prices.csv", "energy price", "unit"),
        data_file="prices.csv",
    ),
    Case(
        "csv_unknown_unit",
        csv_in("usd"),
        DataError,
        ("energy.price", "'usd'", "usd_per_mwh"),
        data_file="prices.csv",
    ),
    Case(
        "eur_prices_without_rate",
        price(
            {
                "format": "smard",
                "file": "bundled:smard_dayahead_prices_2018_de_neighbours_eur_mwh.csv",
                "column": "France",
            },
            start="2018-06-01T00:00:00",
            end="2018-06-02T00:00:00",
            timezone="Europe/Berlin",
        ),
        ScenarioError,
        ("economics.usd_per_eur", "energy.price", "EUR"),
    ),
    # data files
    Case(
        "ercot_missing_column",
        setter("energy", "price", "column", value="LZ_WST"),
        DataError,
        (
            "ercot_dam_spp_hubs_lz_2020.csv",
            "LZ_WST",
            "available",
            "LZ_WEST",
            "HB_NORTH",
        ),
        data_file="ercot_dam_spp_hubs_lz_2020.csv",
    ),
    Case(
        "ercot_2021_does_not_cover_full_year",
        ercot(2021, "LZ_WEST", start="2021-01-01T00:00:00", end="2022-01-01T00:00:00"),
        DataError,
        (
            "energy.price",
            "ercot_dam_spp_hubs_lz_2021.csv",
            "covers",
            # HE24 of 2021-07-24 (CDT) ends at 05:00 UTC on the 25th
            "2021-07-25 05:00 UTC",
            "2022-01-01 06:00 UTC",
        ),
        data_file="ercot_dam_spp_hubs_lz_2021.csv",
    ),
    Case(
        "ercot_2019_pan_gap_with_fill_error",
        ercot(2019, "HB_PAN", start="2019-04-03T00:00:00", end="2019-04-08T00:00:00"),
        DataError,
        (
            "energy.price",
            "ercot_dam_spp_hubs_lz_2019.csv",
            "HB_PAN",
            "missing",
            "72 missing values: 2019-04-03 05:00 UTC (line 2209)",
            "fill_missing",
        ),
        data_file="ercot_dam_spp_hubs_lz_2019.csv",
    ),
    # horizon
    Case(
        "horizon_end_before_start",
        setter("horizon", "end", value="2020-05-01T00:00:00"),
        ScenarioError,
        ("horizon", "end", "2020-05-01", "after", "2020-06-01"),
    ),
    Case(
        "horizon_not_whole_steps",
        setter("horizon", "end", value="2020-06-01T23:30:00"),
        ScenarioError,
        ("horizon", "23:30", "60-min"),
    ),
    Case(
        "horizon_start_skipped_by_dst",
        updater("horizon", start="2020-03-08T02:30:00", end="2020-03-09T00:00:00"),
        ScenarioError,
        ("horizon", "2020-03-08 02:30", "America/Chicago", "exist"),
    ),
    Case(
        "horizon_unknown_timezone",
        setter("horizon", "timezone", value="America/Chicgo"),
        ScenarioError,
        ("horizon.timezone", "America/Chicgo", "IANA"),
    ),
    # cross checks
    Case(
        "duplicate_asset_ids",
        setter("assets", 1, "id", value="fleet"),
        ScenarioError,
        ("asset", "unique", "fleet"),
    ),
    Case(
        "hashprice_missing_with_fleets",
        deleter("hashprice"),
        ScenarioError,
        ("hashprice", "required", "ASIC"),
    ),
    Case(
        "hashprice_constant_and_series",
        updater(
            "hashprice",
            series={
                "format": "inline",
                "unit": "usd_per_ths_day",
                "values": [0.1] * 24,
            },
        ),
        ScenarioError,
        ("hashprice", "exactly one", "usd_per_ths_day", "series", "derive"),
    ),
    Case(
        "hashprice_constant_and_derive",
        updater("hashprice", derive={"btc_price_usd": 10000.0, "difficulty": 1.0e13}),
        ScenarioError,
        ("hashprice", "exactly one", "'derive'", "'usd_per_ths_day'"),
    ),
    Case(
        "hashprice_none_given",
        setter("hashprice", value={}),
        ScenarioError,
        ("hashprice", "exactly one", "none"),
    ),
]


def broken(case: Case, folder: Path) -> Path:
    data = copy.deepcopy(BASE)
    case.mutate(data, folder)
    return write_scenario(folder, data)


def test_base_scenario_is_valid(tmp_path: Path) -> None:
    """The cases below break a scenario that is otherwise fine."""
    inputs = load_and_prepare(write_scenario(tmp_path, BASE))
    assert len(inputs.index) == 24
    assert np.isfinite(inputs.price_usd_per_mwh).all()


def test_csv_fixture_is_valid_in_usd_per_kwh(tmp_path: Path) -> None:
    """The CSV of the unit cases reads fine in a price unit (so kw is the fault)."""
    data = copy.deepcopy(BASE)
    csv_in("usd_per_kwh")(data, tmp_path)
    # 20-40 "USD/kWh" is 20,000-40,000 USD/MWh: valid, but the unit is warned about.
    with pytest.warns(InputWarning, match="energy.price .* median 2.*USD/MWh looks"):
        inputs = load_and_prepare(write_scenario(tmp_path, data))
    assert inputs.price_usd_per_mwh[0] == pytest.approx(20_000.0)


@pytest.mark.parametrize(
    "case",
    [pytest.param(c, id=c.id) for c in CASES],
)
def test_error_names_field_value_and_expectation(case: Case, tmp_path: Path) -> None:
    exc = raised_by(broken(case, tmp_path), case.exc)
    assert_mentions(str(exc), *case.words)


@pytest.mark.parametrize(
    "case",
    [pytest.param(c, id=c.id) for c in CASES],
)
def test_error_names_the_file_at_fault(case: Case, tmp_path: Path) -> None:
    """The scenario file, or the data file when the fault lies in the data."""
    exc = raised_by(broken(case, tmp_path), case.exc)
    assert_mentions(str(exc), case.data_file or SCENARIO_NAME)


def test_validation_reports_every_problem_at_once(tmp_path: Path) -> None:
    data = copy.deepcopy(BASE)
    data["site"]["import_limit_mw"] = -1
    data["assets"][0]["availability_frac"] = 2
    data["horizn"] = data.pop("horizon")
    exc = raised_by(write_scenario(tmp_path, data), ScenarioError)
    assert isinstance(exc, ScenarioError)
    text = str(exc)
    assert_mentions(text, "site.import_limit_mw", "availability_frac", "horizn")
    assert len(exc.problems) >= 3


def test_scenario_error_carries_source_and_problems(tmp_path: Path) -> None:
    path = broken(CASES[0], tmp_path)
    exc = raised_by(path, ScenarioError)
    assert isinstance(exc, ScenarioError)
    assert exc.source == str(path)
    assert any("horizn" in p for p in exc.problems)


# ---- gaps: fill_missing=error versus interpolate -------------------------------------
def test_pan_gap_interpolated_when_asked(tmp_path: Path) -> None:
    """HB_PAN 2019 starts blank; interpolate fills the blank start of the horizon."""
    data = copy.deepcopy(BASE)
    ercot(
        2019,
        "HB_PAN",
        fill="interpolate",
        start="2019-04-03T00:00:00",
        end="2019-04-08T00:00:00",
    )(data, tmp_path)
    inputs = load_and_prepare(write_scenario(tmp_path, data))
    prices = inputs.price_usd_per_mwh
    assert len(prices) == 5 * 24
    assert np.isfinite(prices).all()
    # hours with data keep their own values: the last day is not filled
    west = copy.deepcopy(data)
    west["energy"]["price"]["fill_missing"] = "error"
    west["horizon"]["start"] = "2019-04-07T00:00:00"
    last_day = load_and_prepare(write_scenario(tmp_path, west, "last_day.yaml"))
    np.testing.assert_allclose(prices[-24:], last_day.price_usd_per_mwh)


def test_pan_fully_blank_horizon_cannot_be_interpolated(tmp_path: Path) -> None:
    data = copy.deepcopy(BASE)
    ercot(
        2019,
        "HB_PAN",
        fill="interpolate",
        start="2019-03-01T00:00:00",
        end="2019-03-03T00:00:00",
    )(data, tmp_path)
    exc = raised_by(write_scenario(tmp_path, data), DataError)
    assert_mentions(str(exc), "ercot_dam_spp_hubs_lz_2019.csv", "HB_PAN", "missing")


# ---- the YAML itself -----------------------------------------------------------------
def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / SCENARIO_NAME
    path.write_text(
        "name: x\nsite:\n  import_limit_mw: 10\n horizon:\n  start: 1\n",
        encoding="utf-8",
    )
    exc = raised_by(path, ScenarioError)
    assert_mentions(str(exc), SCENARIO_NAME, "line 4")


def test_yaml_unclosed_bracket_names_line(tmp_path: Path) -> None:
    path = tmp_path / SCENARIO_NAME
    path.write_text("name: x\nassets: [\n  {id: a},\n", encoding="utf-8")
    exc = raised_by(path, ScenarioError)
    assert_mentions(str(exc), SCENARIO_NAME, "line 4")


@pytest.mark.parametrize(
    "text", ["- name: x\n- site: y\n", "just a string\n", "42\n", ""]
)
def test_non_mapping_yaml_is_rejected(text: str, tmp_path: Path) -> None:
    path = tmp_path / SCENARIO_NAME
    path.write_text(text, encoding="utf-8")
    exc = raised_by(path, ScenarioError)
    assert_mentions(str(exc), SCENARIO_NAME, "mapping")


def test_missing_scenario_file(tmp_path: Path) -> None:
    exc = raised_by(tmp_path / "nowhere.yaml", ScenarioError)
    assert_mentions(str(exc), "nowhere.yaml", "not found")


def test_missing_data_file_names_path(tmp_path: Path) -> None:
    data = copy.deepcopy(BASE)
    data["energy"]["price"]["file"] = "no_such_prices.csv"
    exc = raised_by(write_scenario(tmp_path, data), DataError)
    assert_mentions(str(exc), "no_such_prices.csv", "not found", str(tmp_path))


# ---- --set overrides -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("assignment", "words"),
    [
        pytest.param(
            "site.import_limit_mw",
            ("site.import_limit_mw", "key.path=value"),
            id="no_eq",
        ),
        pytest.param("=5", ("'=5'", "empty key"), id="empty_key"),
        pytest.param(
            "site.import_limit_mw=[1,",
            ("site.import_limit_mw=[1,", "line 1"),
            id="yaml",
        ),
    ],
)
def test_bad_set_syntax(
    assignment: str, words: tuple[str, ...], tmp_path: Path
) -> None:
    path = write_scenario(tmp_path, BASE)
    exc = raised_by(path, ScenarioError, (assignment,))
    assert_mentions(str(exc), "--set", *words)


def test_set_unknown_asset_id_lists_ids(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, BASE)
    exc = raised_by(path, ScenarioError, ("assets.flet.count=3",))
    assert_mentions(str(exc), "--set", "assets.flet", "no asset", "'bat'", "'fleet'")


def test_set_bad_value_names_field_and_file(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, BASE)
    exc = raised_by(path, ScenarioError, ("assets.fleet.availability_frac=1.5",))
    assert_mentions(str(exc), SCENARIO_NAME, "override", "availability_frac", "1.5")


def test_set_addresses_asset_by_id(tmp_path: Path) -> None:
    """The override path works (so the errors above are about the bad input)."""
    path = write_scenario(tmp_path, BASE)
    scenario, _ = load_scenario(path, assignments=("assets.bat.count=7",))
    battery = scenario.assets[1]
    assert battery.id == "bat"
    assert battery.count == 7


def test_override_file_unknown_asset_id_names_override_file(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, BASE)
    patch = tmp_path / "patch_bigger.yaml"
    patch.write_text("assets:\n  batt:\n    count: 3\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, override_files=(patch,))
    assert_mentions(str(info.value), "patch_bigger.yaml", "assets.batt", "'bat'")


# ---- the hierarchy the CLI relies on -------------------------------------------------
@pytest.mark.parametrize("cls", [ScenarioError, DataError, CatalogError])
def test_input_errors_map_to_exit_code_two(cls: type[Exception]) -> None:
    """The CLI maps InputError to exit 2; every bad-input error must be one."""
    assert issubclass(cls, InputError)


def test_set_addresses_programs_by_id(tmp_path: Path) -> None:
    from grid_flex.io.scenario import load_scenario

    sc, _ = load_scenario(
        "houston_hospital_heat_2020",
        assignments=["programs.emissions.carbon_price_usd_per_tco2=75"],
    )
    assert sc.programs[0].carbon_price_usd_per_tco2 == 75
    with pytest.raises(ScenarioError, match="no program with that id"):
        load_scenario("houston_hospital_heat_2020", assignments=["programs.nope.x=1"])


# ---- scenario paths: only a bare name means a bundled scenario ----------------------
@pytest.mark.parametrize(
    "given",
    [
        "sub/west_texas_2020.yaml",
        "west_texas_2020.yaml",
        "sub/west_texas_2020",
        "./west_texas_2020",
        "west_texas_2020.yml",
    ],
)
def test_missing_path_never_falls_back_to_bundled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, given: str
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ScenarioError) as info:
        load_scenario(given)
    assert_mentions(str(info.value), given, "not found")


def test_bare_name_means_bundled_and_unknown_lists_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    sc, base = load_scenario("west_texas_2020")
    assert sc.name
    assert base.name == "scenarios"
    with pytest.raises(ScenarioError) as info:
        load_scenario("west_texas_2021")
    assert_mentions(str(info.value), "west_texas_2021", "bundled", "west_texas_2020")


def test_folder_given_as_scenario(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="is a folder"):
        load_scenario(tmp_path)


# ---- non-UTF-8 files -----------------------------------------------------------------
def test_non_utf8_scenario_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    text = yaml.safe_dump({**BASE, "description": "Müller site"}, allow_unicode=True)
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "Müller" in t)
    assert_mentions(str(info.value), "latin1.yaml", f"line {line}", "UTF-8")


def test_non_utf8_override_names_override_file(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, BASE)
    patch = tmp_path / "patch.yaml"
    patch.write_bytes("description: caf\xe9\n".encode("latin-1"))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, override_files=(patch,))
    assert_mentions(str(info.value), "patch.yaml", "line 1", "UTF-8")


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + yaml.safe_dump(BASE).encode())
    sc, _ = load_scenario(path)
    assert sc.name == "errors"


# ---- non-finite and absurd numbers -------------------------------------------------
@pytest.mark.parametrize(
    ("assignment", "words"),
    [
        ("energy.adders_usd_per_mwh=.nan", ("energy.adders_usd_per_mwh", "finite")),
        ("energy.adders_usd_per_mwh=.inf", ("energy.adders_usd_per_mwh", "finite")),
        ("hashprice.usd_per_ths_day=.inf", ("hashprice.usd_per_ths_day", "finite")),
        ("site.import_limit_mw=.inf", ("site.import_limit_mw", "finite")),
        ("assets.fleet.opex_usd_per_mwh=-.inf", ("opex_usd_per_mwh", "finite")),
        ("site.import_limit_mw=1e308", ("site.import_limit_mw", "±5,000 MW")),
        ("site.import_limit_mw=5001", ("site.import_limit_mw", "±5,000 MW")),
        ("energy.adders_usd_per_mwh=1e12", ("adders_usd_per_mwh", "±100,000 USD/MWh")),
        ("hashprice.usd_per_ths_day=50", ("usd_per_ths_day", "±10 USD/TH/s/day")),
        ("assets.bat.energy_mwh=1e9", ("assets[1].energy_mwh", "MWh")),
        ("assets.fleet.count=100000000", ("assets[0].count", "units")),
    ],
)
def test_non_finite_and_absurd_numbers_are_refused(
    tmp_path: Path, assignment: str, words: tuple[str, ...]
) -> None:
    path = write_scenario(tmp_path, BASE)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, assignments=(assignment,))
    assert_mentions(str(info.value), *words)
    if "finite" not in words:
        assert_mentions(str(info.value), "allow_extreme_values")


def test_absurd_numbers_accepted_when_the_user_means_it(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, {**BASE, "allow_extreme_values": True})
    sc, _ = load_scenario(path, assignments=("energy.adders_usd_per_mwh=1e6",))
    assert sc.energy.adders_usd_per_mwh == 1e6
    with pytest.raises(ScenarioError, match="finite"):  # NaN is never meant
        load_scenario(path, assignments=("energy.adders_usd_per_mwh=.nan",))


def test_inline_series_nan_is_refused_by_the_schema(tmp_path: Path) -> None:
    data = copy.deepcopy(BASE)
    data["energy"]["price"] = {
        "format": "inline",
        "unit": "usd_per_mwh",
        "values": [20.0] * 5 + [float("nan")] + [20.0] * 18,
    }
    with pytest.raises(ScenarioError) as info:
        load_scenario(write_scenario(tmp_path, data))
    assert_mentions(str(info.value), "energy.price.values[5]", "finite")


def _price_file(folder: Path, cells: dict[int, str]) -> None:
    """``prices.csv`` of 48 hourly rows (30 USD/MWh) with some cells replaced."""
    stamps = pd.date_range("2020-06-01 00:00", periods=48, freq="h")
    values = ["30.0"] * 48
    for row, text in cells.items():
        values[row] = text
    frame = pd.DataFrame({"time": stamps.strftime("%Y-%m-%d %H:%M"), "price": values})
    frame.to_csv(folder / "prices.csv", index=False)


@pytest.mark.parametrize(
    ("cell", "words"),
    [
        ("inf", ("prices.csv", "line 5", "'inf'", "finite")),
        ("-Infinity", ("prices.csv", "line 5", "finite")),
        ("1e12", ("energy.price", "prices.csv", "line 5", "±100,000 USD/MWh")),
        ("-250000", ("energy.price", "line 5", "2020-06-01 08:00 UTC")),
    ],
)
def test_price_file_non_finite_or_absurd_names_line(
    tmp_path: Path, cell: str, words: tuple[str, ...]
) -> None:
    _price_file(tmp_path, {3: cell})  # data row 3 is file line 5
    data = copy.deepcopy(BASE)
    data["energy"]["price"] = csv_price("usd_per_mwh")
    error = raised_by(write_scenario(tmp_path, data), DataError)
    assert_mentions(str(error), *words)


def test_price_file_absurd_value_accepted_when_meant(tmp_path: Path) -> None:
    _price_file(tmp_path, {3: "1e6"})
    data = copy.deepcopy(BASE)
    data["energy"]["price"] = csv_price("usd_per_mwh")
    data["allow_extreme_values"] = True
    inputs = load_and_prepare(write_scenario(tmp_path, data))
    assert inputs.price_usd_per_mwh.max() == 1e6


def test_derived_hashprice_beyond_bound_is_refused(tmp_path: Path) -> None:
    data = copy.deepcopy(BASE)
    # 1,000 x today's BTC price with 2020 difficulty: about 100 USD/TH/s/day.
    data["hashprice"] = {"derive": {"btc_price_usd": 9_000_000, "difficulty": 16.0e12}}
    error = raised_by(write_scenario(tmp_path, data), DataError)
    assert_mentions(str(error), "hashprice", "±10 USD/TH/s/day", "2020-06-01")


def test_price_in_wrong_unit_is_warned(tmp_path: Path) -> None:
    _price_file(tmp_path, dict.fromkeys(range(48), "0.03"))
    data = copy.deepcopy(BASE)
    data["energy"]["price"] = csv_price("usd_per_mwh")
    with pytest.warns(InputWarning) as record:
        load_and_prepare(write_scenario(tmp_path, data))
    assert_mentions(
        str(record[0].message), "energy.price", "median 0.03", "usd_per_kwh"
    )


def test_impossible_date_is_a_scenario_error(tmp_path: Path) -> None:
    # YAML reads 2020-01-61 as a date and fails to build it (a ValueError): the
    # file is named and the CLI exits 2, not "internal error".
    path = tmp_path / "bad_date.yaml"
    path.write_text("name: x\nhorizon: {start: 2020-01-61}\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert_mentions(str(err.value), "bad_date.yaml", "not a valid date")
