"""Permission rows for iteration pages, downloads, the record of comments and
the whole-Code page (see test_permissions). In the test Code no iteration is
public: each of these is as private as its iteration, 404 to the public."""

from __future__ import annotations

from tests.integration.roles import ROLES

C = "/c/gpai-code"
IT = f"{C}/iterations/draft-3"


def _rows() -> list[tuple[str | None, str, str, str, int]]:
    rows = []
    for role in ROLES:
        seen = 404 if role is None else 200
        rows += [
            (role, "iterations.show", "GET", IT, seen),
            (role, "iterations.download", "GET", f"{IT}/download/md", seen),
            (
                role,
                "iterations.record",
                "GET",
                f"{IT}/reports/draft-2/comments.csv",
                seen,
            ),
            (role, "iterations.document", "GET", f"{C}/document", seen),
        ]
    return rows


ROWS = _rows()
