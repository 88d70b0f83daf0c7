"""Permission rows for the Chairs' comment table, answers and "My comments"
(see test_permissions). Who may answer which comment is tested in
test_triage.py."""

from __future__ import annotations

from tests.integration.roles import ROLES

C = "/c/gpai-code"
READS_TABLE = {"ai-office", "coordinator", "wg2-chair", "wg2-vice"}
ANSWERS = {"coordinator", "wg2-chair", "wg2-vice"}


def _rows() -> list[tuple[str | None, str, str, str, int]]:
    rows = []
    for role in ROLES:
        anon = role is None
        rows += [
            (
                role,
                "triage.index",
                "GET",
                f"{C}/triage",
                302 if anon else 200 if role in READS_TABLE else 403,
            ),
            (
                role,
                "triage.update",
                "POST",
                f"{C}/triage/answer",
                302 if anon else 400 if role in ANSWERS else 403,
            ),
            (role, "triage.mine", "GET", f"{C}/mine", 302 if anon else 200),
        ]
    return rows


ROWS = _rows()

ROWS += [
    (
        role,
        "triage.similar",
        "GET",
        f"{C}/triage/similar",
        302 if role is None else 200 if role in READS_TABLE else 403,
    )
    for role in ROLES
]
