"""Permission rows for written submissions (see test_permissions).

No round is open in the matrix's Code: the upload page explains why nothing
can be sent; a POST with only a CSRF token lacks its file (400). Who may
import what, and when, is tested in test_submissions.py."""

from __future__ import annotations

from tests.integration.roles import ROLES

C = "/c/gpai-code/submissions"


def _rows() -> list[tuple[str | None, str, str, str, int]]:
    rows = []
    for role in ROLES:
        anon = role is None
        rows += [
            (
                role,
                "submissions.template",
                "GET",
                f"{C}/template/draft-3.xlsx",
                302 if anon else 200,
            ),
            (role, "submissions.new", "GET", f"{C}?rev=draft-3", 302 if anon else 200),
            (role, "submissions.create", "POST", C, 302 if anon else 400),
        ]
    return rows


ROWS = _rows()
