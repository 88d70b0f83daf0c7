"""Permission rows for comparisons (see test_permissions): anyone logged in may
compare any two versions; a public visitor only two public iterations, and no
iteration of the demo is public, so every comparison is 404 to them."""

from __future__ import annotations

from tests.integration.roles import ROLES

C = "/c/gpai-code"
S = "risk-assessment.md"
PAIR = "from=draft-2&to=draft-3"


def _rows() -> list[tuple[str | None, str, str, str, int]]:
    rows = []
    for role in ROLES:
        ok = 404 if role is None else 200
        rows += [
            (role, "diffs.index", "GET", f"{C}/changes?{PAIR}", ok),
            (role, "diffs.index", "GET", f"{C}/changes?from=draft-1&to=wg/2", ok),
            (role, "diffs.show", "GET", f"{C}/changes/{S}?{PAIR}&view=split", ok),
            (role, "diffs.download", "GET", f"{C}/redline?{PAIR}", ok),
            (role, "diffs.download", "GET", f"{C}/redline/{S}?{PAIR}", ok),
        ]
    return rows


ROWS = _rows()
