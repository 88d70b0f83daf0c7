"""The README and docs/ stand alone: every link to a file lands on a file of
this repository (a clone has nothing beside it)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cop_drafts.config import CHECKOUT

PAGES = [CHECKOUT / "README.md", *sorted((CHECKOUT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")
WEB = ("http://", "https://", "mailto:", "#")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_file_link_stays_in_the_repository(page: Path) -> None:
    bad = []
    for target in LINK.findall(page.read_text(encoding="utf-8")):
        if target.startswith(WEB):
            continue
        found = (page.parent / target.split("#", 1)[0]).resolve()
        if not found.is_relative_to(CHECKOUT) or not found.exists():
            bad.append(target)
    assert bad == [], f"{page.name} links outside the repository: {bad}"


def test_the_readme_links_the_architecture_page() -> None:
    readme = (CHECKOUT / "README.md").read_text(encoding="utf-8")
    assert "docs/architecture.md" in LINK.findall(readme)
