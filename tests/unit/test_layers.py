"""Imports point down only: store and text know nothing of the web or the DB."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "cop_drafts"
# Text and exports are values in and values out: no web, database or git.
PURE = {
    "flask",
    "flask_login",
    "flask_wtf",
    "sqlalchemy",
    "pygit2",
    "cop_drafts.app",
    "cop_drafts.services",
    "cop_drafts.db",
    "cop_drafts.store",
}
FORBIDDEN = {
    "store": {
        "flask",
        "flask_login",
        "flask_wtf",
        "sqlalchemy",
        "cop_drafts.app",
        "cop_drafts.services",
        "cop_drafts.db",
        "cop_drafts.text",
    },
    "text": PURE,
    "db": {
        "flask",
        "flask_login",
        "flask_wtf",
        "pygit2",
        "cop_drafts.app",
        "cop_drafts.services",
    },
    "export": PURE,
    "services": {"flask", "flask_login", "flask_wtf", "cop_drafts.app"},
}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_no_upward_imports(layer: str) -> None:
    bad = []
    for path in sorted((PACKAGE / layer).rglob("*.py")):
        for name in _imports(path):
            if any(name == f or name.startswith(f + ".") for f in FORBIDDEN[layer]):
                bad.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert not bad, bad


def test_importing_the_package_touches_nothing(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = (
        "import cop_drafts, cop_drafts.app, cop_drafts.cli, cop_drafts.services.demo;"
        "import os; print(sorted(os.listdir('.')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "[]"


#: The text layer's rooms: each package's __init__ is its public face.
ROOMS = ("cop_drafts.text.anchor", "cop_drafts.text.checks", "cop_drafts.text.diff")


def test_rooms_are_entered_by_their_front_door() -> None:
    """Outside a room of text/, code imports the room, never its modules."""
    bad = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        for name in _imports(path):
            for room in ROOMS:
                inside = module == room + ".__init__" or module.startswith(room + ".")
                if name.startswith(room + ".") and not inside:
                    bad.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert not bad, bad
