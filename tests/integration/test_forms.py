"""Forms people know: Working Groups as checkboxes, round dates typed as
day/month/year with a 24-hour time in Brussels, every error beside its field;
the favicon; the demo's account list says which accounts it created."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from zoneinfo import ZoneInfo

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cop_drafts.db.models import Code, Round
from cop_drafts.db.session import make_engine, make_sessionmaker
from cop_drafts.services import accounts, demo
from tests.conftest import DRAFTS, csrf_token

from .html import Node, parse

AsUser = Callable[[str | None], FlaskClient]
ROUNDS = "/c/gpai-code/rounds"
BRUSSELS = ZoneInfo("Europe/Brussels")


def _open(office: FlaskClient, plenary: tuple[str, str], closes=("", "")):
    return office.post(
        ROUNDS,
        data={
            "tag": "draft-3",
            "plenary_at": list(plenary),
            "closes_at": list(closes),
            "visibility": "working_group",
            "csrf_token": csrf_token(office, ROUNDS),
        },
    )


def _error_beside(page: Node, name: str) -> str:
    """The error shown in the same field box as the input called `name`."""
    box = page.find("input", name=name).parent
    while "field" not in box.attrs.get("class", "").split():
        box = box.parent
    assert "has-error" in box.attrs["class"].split()
    return " ".join(p.text for p in box.find_all("p", class_="error"))


def test_round_form_takes_day_month_year_and_24_hour_time(
    as_user: AsUser, db: Session, seeded: Code
) -> None:
    office = as_user("ai-office")
    page = parse(office.get(ROUNDS).get_data(as_text=True))
    boxes = page.find_all("input", name="plenary_at")
    assert [b.attrs["placeholder"] for b in boxes] == ["DD/MM/YYYY", "HH:MM"]
    assert all(b.attrs["type"] == "text" for b in boxes)  # no locale date picker
    assert (
        "Brussels time"
        in page.find("form", class_="form").find("span", class_="day-time").text
    )
    assert "<span" not in page.find("form", class_="form").text  # markup, not text
    response = _open(office, ("01/12/2026", "10:00"), ("22/12/2026", "18:30"))
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    round_ = db.scalar(select(Round))
    assert round_.plenary_at.astimezone(UTC).hour == 9  # CET = UTC+1
    closes = round_.closes_at.astimezone(BRUSSELS)
    assert (closes.day, closes.month, closes.hour, closes.minute) == (22, 12, 18, 30)
    listed = parse(office.get(ROUNDS).get_data(as_text=True))
    assert "01/12/2026 10:00" in listed.find("table", data_testid="rounds").text


@pytest.mark.parametrize(
    ("plenary", "closes", "field", "message"),
    [
        (("31/02/2027", "10:00"), ("", ""), "plenary_at", "there is no day 31"),
        (("12/24/2027", "10:00"), ("", ""), "plenary_at", "There is no month 24"),
        (("10/01/2027", "25:00"), ("", ""), "plenary_at", "24-hour clock"),
        (("10/01/2027", "6pm"), ("", ""), "plenary_at", "hours:minutes"),
        (("", ""), ("", ""), "plenary_at", "Give the day and time"),
        (("10/01/2027", "10:00"), ("05/01/2027", "18:00"), "closes_at", "close after"),
        (("28/03/2027", "02:30"), ("", ""), "plenary_at", "does not exist in Brussels"),
    ],
)
def test_round_date_errors_stand_beside_their_field(
    as_user: AsUser,
    db: Session,
    seeded: Code,
    plenary: tuple[str, str],
    closes: tuple[str, str],
    field: str,
    message: str,
) -> None:
    response = _open(as_user("ai-office"), plenary, closes)
    assert response.status_code == 400
    page = parse(response.get_data(as_text=True))
    form = page.find("form", class_="card")
    assert message in _error_beside(form, field)
    # What was typed stays in the boxes.
    boxes = form.find_all("input", name="plenary_at")
    typed = [b.attrs.get("value", "") for b in boxes]
    assert typed == list(plenary)
    assert db.scalar(select(func.count()).select_from(Round)) == 0


def _extend(office: FlaskClient, round_id: int, day: str):
    return office.post(
        f"{ROUNDS}/{round_id}/extend",
        data={"closes_at": [day, "18:00"], "csrf_token": csrf_token(office, ROUNDS)},
    )


def test_extension_error_stands_beside_that_rounds_field(
    as_user: AsUser, db: Session, seeded: Code
) -> None:
    office = as_user("ai-office")
    assert _open(office, ("10/01/2027", "10:00")).status_code == 302
    round_ = db.scalar(select(Round))
    response = _extend(office, round_.id, "30/02/2027")
    assert response.status_code == 400
    page = parse(response.get_data(as_text=True))
    form = page.find("form", data_testid="extend-draft-3")
    assert "open" in form.parent.attrs  # the disclosure shows the error
    assert "there is no day 30" in _error_beside(form, "closes_at")
    later = _extend(office, round_.id, "01/02/2027")
    assert later.status_code == 302
    db.expire_all()
    assert db.get(Round, round_.id).closes_at.astimezone(BRUSSELS).day == 1


def test_invitation_working_groups_are_checkboxes(
    as_user: AsUser, db: Session, seeded: Code
) -> None:
    office = as_user("ai-office")
    page = parse(office.get("/admin/users").get_data(as_text=True))
    boxes = page.find_all("input", name="wgs")
    assert [b.attrs["type"] for b in boxes] == ["checkbox"] * 4
    assert page.find("select", name="wgs") is None
    response = office.post(
        "/admin/invitations",
        data={
            "email": "ticked@example.org",
            "name": "Ticked Boxes",
            "role": "participant",
            "wg_role": "member",
            "wgs": ["1", "3"],
            "csrf_token": csrf_token(office, "/admin/users"),
        },
    )
    assert response.status_code == 201
    user = accounts.find_user(db, "ticked@example.org")
    assert sorted(m.wg for m in user.memberships) == [1, 3]


def test_favicon(as_user: AsUser, seeded: Code) -> None:
    client = as_user(None)
    page = parse(client.get("/").get_data(as_text=True))
    icon = page.find("link", rel="icon")
    assert icon is not None
    with client.get(icon.attrs["href"]) as svg:
        assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
        assert b"<svg" in svg.get_data()
    legacy = client.get("/favicon.ico")
    assert legacy.status_code == 301
    assert legacy.headers["Location"].endswith(icon.attrs["href"])


def test_demo_accounts_say_created_then_existing(db_url: str) -> None:
    engine = make_engine(db_url)
    factory = make_sessionmaker(engine)
    try:
        with factory() as first:
            made = demo.seed_accounts(first, DRAFTS)
            # A second listing in the same run (as cop-drafts demo does after
            # building the Code, which seeds too) still says created.
            again = demo.seed_accounts(first, DRAFTS)
            assert all(created for _, _, created in made)
            assert all(created for _, _, created in again)
        with factory() as later:
            seeded_again = demo.seed_accounts(later, DRAFTS)
            assert not any(created for _, _, created in seeded_again)
    finally:
        engine.dispose()


def test_invitation_errors_stand_beside_their_field(
    as_user: AsUser, seeded: Code
) -> None:
    office = as_user("ai-office")
    response = office.post(
        "/admin/invitations",
        data={
            "email": "someone@example.org",
            "name": "",
            "role": "participant",
            "wg_role": "member",
            "wgs": ["9"],
            "csrf_token": csrf_token(office, "/admin/users"),
        },
    )
    assert response.status_code == 400
    page = parse(response.get_data(as_text=True))
    assert "Give the person's name." in _error_beside(page, "name")
    choices = page.find("fieldset", data_testid="wgs-choices")
    assert "has-error" in choices.attrs["class"].split()
    assert choices.find("p", class_="error") is not None
