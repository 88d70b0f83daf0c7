"""Permission rows for who takes part (see test_permissions): the public call
and applicant's status page, the AI Office's review, appointments and call,
the public list, workshops and signing statements.

The seeded test data has no call, application or workshop: rows on ids and
tokens that do not exist check the gate only (who may act on real ones is
tested in test_membership_*.py, test_workshops.py and test_statements.py).
POSTs carry only a CSRF token."""

from __future__ import annotations

from tests.integration.roles import ROLES

W = "/c/gpai-code/workshops"
S = "/c/gpai-code/statements"
A = "/review/applications/999"


def _rows() -> list[tuple[str | None, str, str, str, int]]:
    rows = []
    for role in ROLES:
        anon = role is None
        office = role == "ai-office"

        def office_only(ok: int) -> int:
            return 302 if anon else ok if office else 403  # noqa: B023

        def logged_in(ok: int) -> int:
            return 302 if anon else ok  # noqa: B023

        rows += [
            # The call is public; without a call the form says it is closed.
            (role, "apply.new", "GET", "/apply", 200),
            (role, "apply.create", "POST", "/apply", 403),
            (role, "apply.sent", "GET", "/apply/sent", 200),
            (role, "apply.show", "GET", "/apply/status/not-a-token", 404),
            (role, "apply.confirm", "POST", "/apply/status/not-a-token/confirm", 404),
            (
                role,
                "apply.withdraw",
                "POST",
                "/apply/status/not-a-token/withdraw",
                404,
            ),
            (role, "review.index", "GET", "/review", office_only(200)),
            (role, "review.show", "GET", A, office_only(404)),
            (role, "review.update", "POST", A, office_only(404)),
            (role, "review.invite", "POST", f"{A}/invitation", office_only(404)),
            (role, "review.cv", "GET", f"{A}/cv", office_only(404)),
            (role, "review.export", "GET", f"{A}/personal-data", office_only(404)),
            (role, "review.edit_call", "GET", "/review/call", office_only(200)),
            (role, "review.update_call", "POST", "/review/call", office_only(400)),
            (
                role,
                "review.appointments_board",
                "GET",
                "/review/appointments",
                office_only(200),
            ),
            (role, "review.appoint", "POST", "/review/appointments", office_only(404)),
            (role, "participants.index", "GET", "/participants", 200),
            (role, "participants.cv", "GET", "/participants/999/cv", 404),
            (role, "workshops.index", "GET", W, logged_in(200)),
            (role, "workshops.create", "POST", W, office_only(400)),
            (role, "workshops.show", "GET", f"{W}/none", logged_in(404)),
            (role, "workshops.edit", "GET", f"{W}/none/minutes", logged_in(404)),
            (role, "workshops.update", "POST", f"{W}/none/minutes", logged_in(404)),
            (role, "workshops.publish", "POST", f"{W}/none/publish", logged_in(404)),
            # Unpublished statements do not exist for the public.
            (role, "statements.index", "GET", S, 404 if anon else 200),
            (
                role,
                "statements.create",
                "POST",
                S,
                302 if anon else 400 if role == "provider" else 403,
            ),
            (role, "statements.publish", "POST", f"{S}/publication", office_only(302)),
        ]
    return rows


ROWS = _rows()
