"""Permission rows for the notification settings (see test_permissions).

Every logged-in person has their own settings; a POST with only the token
lacks the choices (400). Who sees whose settings is tested in
test_notifications.py."""

from __future__ import annotations

from tests.integration.roles import ROLES

URL = "/settings/notifications"


def _rows() -> list[tuple[str | None, str, str, str, int]]:
    rows = []
    for role in ROLES:
        anon = role is None
        rows += [
            (role, "notifications.edit", "GET", URL, 302 if anon else 200),
            (role, "notifications.update", "POST", URL, 302 if anon else 400),
        ]
    return rows


ROWS = _rows()
