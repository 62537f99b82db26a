"""YAML text in and out through libyaml (PyYAML's C parser and emitter).

PyYAML's pure-Python parser and emitter take 10-25 ms per scenario file; its
libyaml bindings (``CSafeLoader``, ``CSafeDumper``, shipped in PyYAML's wheels) do the
same in 1-4 ms, with the same safe tag set, the same data and the same text written
(tested on every bundled scenario). A PyYAML built without libyaml falls back to the
Python classes.
"""

from __future__ import annotations

from typing import Any

import yaml

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def load_yaml(text: str) -> Any:
    """Parse YAML ``text`` with the safe tag set (``yaml.safe_load``'s result).

    Text that does not parse is parsed again by the Python parser, so that the
    ``yaml.YAMLError`` raised (and the line and column it names) is PyYAML's usual
    one: libyaml places some errors elsewhere (at the end of the text, for one).
    """
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError:
        if _Loader is yaml.SafeLoader:
            raise
    return yaml.safe_load(text)


def dump_yaml(data: Any, *, sort_keys: bool = False) -> str:
    """``data`` as block-style YAML text, Unicode kept (``yaml.safe_dump``'s text)."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=sort_keys, allow_unicode=True)
