"""web.current_code(): a view's Code is read from the database once per
request, an unknown one is a 404 page, and the request's guards (login, CSRF)
answer before any Code is looked up."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .html import parse

AsUser = Callable[[str | None], FlaskClient]


@pytest.fixture
def code_lookups() -> Iterator[list[str]]:
    """The SQL statements that look a Code up by its slug, as they run."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "FROM codes" in statement and "codes.slug" in statement:
            seen.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    yield seen
    event.remove(Engine, "before_cursor_execute", record)


@pytest.mark.parametrize(
    "url", ["/c/gpai-code/publish", "/c/gpai-code/rounds", "/c/gpai-code/statements"]
)
def test_a_page_reads_its_code_once(
    as_user: AsUser, code_lookups: list[str], url: str
) -> None:
    client = as_user("ai-office")
    code_lookups.clear()
    response = client.get(url)
    assert response.status_code == 200
    assert len(code_lookups) == 1


def test_an_unknown_code_is_a_404_page(as_user: AsUser) -> None:
    response = as_user("ai-office").get("/c/no-such-code/publish")
    assert response.status_code == 404
    assert parse(response.get_data(as_text=True)).find(data_status="404") is not None


def test_guards_answer_before_the_code_is_looked_up(
    as_user: AsUser, code_lookups: list[str]
) -> None:
    visitor = as_user(None)
    code_lookups.clear()
    # Not logged in: the login page, whether or not the Code exists.
    response = visitor.get("/c/no-such-code/triage")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    # No CSRF token: refused as such, not as an unknown Code.
    response = as_user("provider").post("/c/no-such-code/comments", data={})
    assert response.status_code == 400
    assert code_lookups == []
