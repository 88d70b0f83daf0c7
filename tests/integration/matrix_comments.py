"""Permission rows for comments, rounds and publishing (see test_permissions).

Rows on a comment id that does not exist check the gate only; who may act on
a real comment is tested in test_comments.py."""

from __future__ import annotations

from tests.integration.roles import ROLES

C = "/c/gpai-code"


def _rows() -> list[tuple[str | None, str, str, str, int]]:
    rows = []
    for role in ROLES:
        anon = role is None
        office = role == "ai-office"
        publisher = role in ("ai-office", "coordinator")

        def gate(ok: int, allowed: bool) -> int:
            return 302 if anon else ok if allowed else 403  # noqa: B023

        rows += [
            (role, "comments.create", "POST", f"{C}/comments", 302 if anon else 400),
            (
                role,
                "comments.reply",
                "POST",
                f"{C}/comments/999/replies",
                302 if anon else 400,
            ),
            (
                role,
                "comments.update",
                "POST",
                f"{C}/comments/999/edit",
                302 if anon else 404,
            ),
            (
                role,
                "comments.delete",
                "POST",
                f"{C}/comments/999/withdraw",
                302 if anon else 404,
            ),
            (
                role,
                "comments.place",
                "POST",
                f"{C}/comments/999/place",
                302 if anon else 400,
            ),
            (role, "comments.show", "GET", f"{C}/comments/999", 302 if anon else 404),
            (role, "rounds.index", "GET", f"{C}/rounds", gate(200, office)),
            (role, "rounds.create", "POST", f"{C}/rounds", gate(400, office)),
            (
                role,
                "rounds.update",
                "POST",
                f"{C}/rounds/999/extend",
                gate(400, office),
            ),
            (role, "publishing.new", "GET", f"{C}/publish", gate(200, publisher)),
            (role, "publishing.review", "POST", f"{C}/publish", gate(400, publisher)),
            (
                role,
                "publishing.create",
                "POST",
                f"{C}/publish/confirm",
                gate(400, publisher),
            ),
        ]
    return rows


ROWS = _rows()

ROWS += [
    (
        role,
        "comments.index",
        "GET",
        f"{C}/comments?rev=draft-3",
        302 if role is None else 200,
    )
    for role in ROLES
]
