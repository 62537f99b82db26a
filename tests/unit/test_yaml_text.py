"""YAML through libyaml gives what PyYAML's Python parser and emitter give."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from grid_flex.io.scenario import load_scenario
from grid_flex.io.yaml_text import dump_yaml, load_yaml
from grid_flex.resources import models_dir, scenarios_dir

BUNDLED = sorted(scenarios_dir().glob("*.yaml"))
BENCH = sorted((Path(__file__).parents[2] / "benchmarks").glob("*.yaml"))


def test_libyaml_is_used() -> None:
    # PyYAML's wheels carry libyaml; without it the speed-up is lost, not the result.
    assert yaml.__with_libyaml__


@pytest.mark.parametrize("path", BUNDLED + BENCH, ids=lambda p: p.stem)
def test_scenarios_load_and_dump_as_pyyaml_does(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert load_yaml(text) == yaml.safe_load(text)
    resolved = load_scenario(path)[0].model_dump(mode="json")
    assert dump_yaml(resolved) == yaml.safe_dump(
        resolved, sort_keys=False, allow_unicode=True
    )


def test_catalogue_loads_as_pyyaml_does() -> None:
    files = sorted(models_dir().rglob("*.yaml"))
    assert len(files) > 10
    for f in files:
        text = f.read_text(encoding="utf-8")
        assert load_yaml(text) == yaml.safe_load(text), f


def test_unicode_and_special_values_round_trip() -> None:
    data = {"name": "Größe ≥ 5 MW", "x": [1.5, -0.0, 1e-12, None, True], "s": "1e3"}
    text = dump_yaml(data)
    assert text == yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    assert load_yaml(text) == data


@pytest.mark.parametrize("text", ["[1,", "a: [1, 2\nb: 3\n", "a: b: c\n", "\tx: 1\n"])
def test_errors_are_pyyaml_s(text: str) -> None:
    # libyaml places some errors at the end of the text; the message must name the
    # line and column PyYAML's parser names.
    with pytest.raises(yaml.YAMLError) as ours:
        load_yaml(text)
    with pytest.raises(yaml.YAMLError) as theirs:
        yaml.safe_load(text)
    assert str(ours.value) == str(theirs.value)


def test_unsafe_tags_are_refused() -> None:
    with pytest.raises(yaml.YAMLError):
        load_yaml("!!python/object/apply:os.system ['true']")
