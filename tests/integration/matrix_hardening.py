"""Permission rows for changing one's password and the AI Office's "end all
sessions" (see test_permissions). Ending sessions is asked for a person who
does not exist, so the row checks the gate without logging anyone out."""

from __future__ import annotations

from tests.integration.roles import ROLES


def _rows() -> list[tuple[str | None, str, str, str, int]]:
    rows = []
    for role in ROLES:
        anon = role is None
        rows += [
            (role, "auth.password", "GET", "/account/password", 302 if anon else 200),
            # Logged in, an empty form is refused: nothing is changed.
            (role, "auth.password", "POST", "/account/password", 302 if anon else 400),
            (
                role,
                "admin.end_sessions",
                "POST",
                "/admin/users/999/sessions/end",
                302 if anon else 404 if role == "ai-office" else 403,
            ),
        ]
    return rows


ROWS = _rows()
