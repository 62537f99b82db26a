"""docs/domain.md: every ``domain.md §N`` the code, scenarios or README cite exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = ROOT / "docs" / "domain.md"
CITATION = re.compile(r"domain\.md,? ?§ ?(\d+(?:\.\d+)?[a-z]?)")


def cited_sections() -> dict[str, set[str]]:
    files = [
        ROOT / "README.md",
        *ROOT.glob("scenarios/*.yaml"),
        *ROOT.glob("grid_flex/**/*.py"),
    ]
    files += [*ROOT.glob("models/**/*.yaml"), *ROOT.glob("data/README.md")]
    out: dict[str, set[str]] = {}
    for path in files:
        for match in CITATION.finditer(path.read_text(encoding="utf-8")):
            out.setdefault(match.group(1), set()).add(str(path.relative_to(ROOT)))
    return out


def test_every_cited_section_of_domain_md_exists():
    headings = set(
        re.findall(r"^#{2,3} (\d+(?:\.\d+)?[a-z]?)[. ]", DOMAIN.read_text(), re.M)
    )
    cited = cited_sections()
    assert cited, "no citations found: the pattern is wrong"
    missing = {s: sorted(f) for s, f in cited.items() if s not in headings}
    assert missing == {}


def test_domain_md_names_its_sources():
    text = DOMAIN.read_text()
    for source in (
        "16 TAC §25.192",
        "AVERT",
        "DER-VET",
        "NREL ATB",
        "REopt",
        "arXiv 2507.00909",
    ):
        assert source in text
