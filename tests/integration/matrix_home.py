"""Permission rows for the audit log's CSV and the favicon (see
test_permissions): the log and its download are the AI Office's alone; the
icon is everyone's."""

from __future__ import annotations

from tests.integration.roles import ROLES


def _rows() -> list[tuple[str | None, str, str, str, int]]:
    rows = []
    for role in ROLES:
        audit = 302 if role is None else 200 if role == "ai-office" else 403
        rows += [
            (role, "admin.audit_csv", "GET", "/admin/audit.csv", audit),
            (role, "admin.audit_log", "GET", "/admin/audit?logins=y&page=2", audit),
            (role, "codes.favicon", "GET", "/favicon.ico", 301),
        ]
    return rows


ROWS = _rows()
