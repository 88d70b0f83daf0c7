"""Permission matrix rows for the editor and the consolidation board.

Posts carry only a CSRF token: those allowed get 400 (nothing to save) or the
harmless outcome of an empty request; everyone else 403, anonymous visitors go
to the login page."""

from __future__ import annotations

from tests.integration.roles import ROLES

EDITORS = {"coordinator", "wg2-chair", "wg2-vice"}
S = "risk-assessment.md"
C = "/c/gpai-code"


def _status(role: str | None, allowed: set[str], ok: int) -> int:
    if role is None:
        return 302
    return ok if role in allowed else 403


def _rows() -> list[tuple[str | None, str, str, str, int]]:
    coordinator = {"coordinator"}
    routes = [
        ("editor.edit", "GET", f"{C}/edit/{S}", EDITORS, 200),
        ("editor.update", "POST", f"{C}/edit/{S}", EDITORS, 400),
        ("editor.review", "POST", f"{C}/review/{S}", EDITORS, 400),
        ("editor.preview", "POST", f"{C}/preview/{S}", EDITORS, 400),
        ("editor.resolve", "POST", f"{C}/resolve/{S}", EDITORS, 400),
        ("consolidation.show", "GET", f"{C}/consolidation", coordinator, 200),
        ("consolidation.create", "POST", f"{C}/consolidation", coordinator, 400),
        (
            "consolidation.resolve",
            "POST",
            f"{C}/consolidation/resolution",
            coordinator,
            400,
        ),
        # Bringing main into a branch: its own Chairs (from the editor) too.
        (
            "consolidation.flow_back",
            "POST",
            f"{C}/consolidation/flow-back/2",
            EDITORS,
            302,
        ),
        (
            "consolidation.flow_back",
            "POST",
            f"{C}/consolidation/flow-back/3",
            coordinator,
            302,
        ),
        ("consolidation.checks", "POST", f"{C}/consolidation/checks", coordinator, 302),
    ]
    return [
        (role, endpoint, method, url, _status(role, allowed, ok))
        for role in ROLES
        for endpoint, method, url, allowed, ok in routes
    ]


ROWS = _rows()
