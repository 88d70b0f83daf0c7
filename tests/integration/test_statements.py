"""The closing Plenary: providers state whether they envisage signing the final
Code; the AI Office publishes the list when it decides."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from cop_drafts.db.models import (
    Category,
    Code,
    Role,
    SigningIntent,
    SigningStatement,
)
from cop_drafts.services import accounts
from tests.conftest import csrf_token
from tests.story import person

from .html import parse

AsUser = Callable[[str | None], FlaskClient]
URL = "/c/gpai-code/statements"


def _state(client: FlaskClient, intent: str, statement: str = "") -> int:
    data = {"csrf_token": csrf_token(client, URL), "intent": intent}
    return client.post(URL, data={**data, "statement": statement}).status_code


def _publish(office: FlaskClient, published: bool) -> None:
    data = {
        "csrf_token": csrf_token(office, URL),
        "published": "1" if published else "0",
    }
    assert office.post(f"{URL}/publication", data=data).status_code == 302


def test_providers_state_and_the_ai_office_publishes(
    app: Flask, as_user: AsUser, db: Session, seeded: Code
) -> None:
    # A second person of the same provider organisation.
    colleague = accounts.NewPerson(
        "colleague@demo.cop-drafts.eu",
        "Colleague",
        Role.PARTICIPANT,
        Category.MODEL_PROVIDER,
        "Northwind Models SE",
    )
    accounts.create_user(db, colleague, password="a long enough password", actor=None)

    visitor = as_user(None)
    assert visitor.get(URL).status_code == 404
    provider = as_user("provider")
    form = parse(provider.get(URL).get_data(as_text=True)).find(data_testid="state")
    assert form is not None
    assert _state(provider, "maybe") == 400
    assert _state(provider, "yes", "We will sign.") == 302
    for key in ("downstream", "academic", "observer", "wg2-chair", "ai-office"):
        assert _state(as_user(key), "yes") == 403, key
    # Before publication the others see nothing of it, the AI Office all.
    page = parse(as_user("academic").get(URL).get_data(as_text=True))
    assert page.find(data_testid="not-published") is not None
    assert page.find(data_testid="statements") is None
    office = as_user("ai-office")
    rows = parse(office.get(URL).get_data(as_text=True)).find_all(
        data_testid="statement"
    )
    assert [[td.text for td in r.find_all("td")] for r in rows] == [
        ["Northwind Models SE", "Envisages signing", "We will sign."]
    ]

    # One answer per organisation: the colleague's word replaces it.
    other = app.test_client()
    credentials = {
        "email": "colleague@demo.cop-drafts.eu",
        "password": "a long enough password",
    }
    other.post("/login", data={**credentials, "csrf_token": csrf_token(other)})
    assert _state(other, "undecided", "The board decides in June.") == 302
    (only,) = db.scalars(select(SigningStatement)).all()
    db.refresh(only)
    assert only.intent is SigningIntent.UNDECIDED
    assert only.user_id == accounts.find_user(db, "colleague@demo.cop-drafts.eu").id

    _publish(office, True)
    page = parse(visitor.get(URL).get_data(as_text=True))
    (row,) = page.find_all(data_testid="statement")
    assert "Undecided" in row.text and "The board decides in June." in row.text
    assert "Undecided: 1" in page.find(data_testid="counts").text
    # Published answers no longer change; taking the list back reopens them.
    assert _state(provider, "no") == 400
    _publish(office, False)
    assert visitor.get(URL).status_code == 404
    assert _state(provider, "no", "Not this version.") == 302
    _publish(office, True)
    page = parse(visitor.get(URL).get_data(as_text=True))
    assert "Does not envisage signing" in page.find(data_testid="statement").text
    take_back = {"csrf_token": csrf_token(provider, URL), "published": "0"}
    assert provider.post(f"{URL}/publication", data=take_back).status_code == 403
    assert person(db, "provider").organisation is not None
