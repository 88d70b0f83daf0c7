"""Workshops: scheduling, who each audience takes in, minutes versioned in
git and read by everyone taking part once published."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from cop_drafts.config import load_settings
from cop_drafts.db.models import Code, WorkshopAudience
from cop_drafts.services import workshops
from cop_drafts.store.repo import DraftStore
from tests.conftest import csrf_token
from tests.story import person

from .html import parse

AsUser = Callable[[str | None], FlaskClient]
C = "/c/gpai-code/workshops"
PEOPLE = [
    "ai-office",
    "coordinator",
    "wg2-chair",
    "wg3-chair",
    "wg2-vice",
    "provider",
    "downstream",
    "industry",
    "academic",
    "observer",
]


def _schedule(office: FlaskClient, topic: str, audience: str, wg: str = "") -> str:
    data = {
        "csrf_token": csrf_token(office, C),
        "topic": topic,
        "starts_at": "2026-06-03T14:00",
        "audience": audience,
        "wg": wg,
        "place": "Room 0.14",
    }
    response = office.post(C, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response.headers["Location"]


def test_each_audience_invites_the_right_people(
    as_user: AsUser, db: Session, seeded: Code
) -> None:
    office = as_user("ai-office")
    providers = _schedule(office, "Providers and WG2 Chairs", "providers", "2")
    group = _schedule(office, "Working Group 3 session", "working_group", "3")
    everyone = _schedule(office, "Open session", "everyone")
    expected = {
        providers: {"ai-office", "coordinator", "wg2-chair", "wg2-vice", "provider"},
        group: {
            "ai-office",
            "coordinator",
            "wg3-chair",
            "provider",
            "downstream",
            "academic",
            "observer",
        },
        everyone: set(PEOPLE),
    }
    for key in PEOPLE:
        client = as_user(key)
        for url, invited in expected.items():
            page = parse(client.get(url).get_data(as_text=True))
            audience = page.find(data_testid="audience")
            assert audience is not None
            shown = "you are invited" in audience.text
            assert shown is (key in invited), (url, key)
            # Where it happens is for the invited only.
            assert (page.find(data_testid="place") is not None) is (key in invited)
    people = parse(office.get(providers).get_data(as_text=True)).find(
        data_testid="people"
    )
    names = people.text
    assert person(db, "provider").name in names
    assert person(db, "downstream").name not in names
    # The list of workshops marks the reader's own.
    listed = parse(as_user("downstream").get(C).get_data(as_text=True))
    marks = {
        w.attrs["data-slug"]: w.find(data_testid="invited") is not None
        for w in listed.find_all(data_testid="workshop")
    }
    assert sorted(marks.values()) == [False, True, True]


def test_scheduling_is_the_ai_office_and_checks_its_input(
    as_user: AsUser, seeded: Code
) -> None:
    office = as_user("ai-office")
    token = csrf_token(office, C)
    bad = office.post(
        C, data={"csrf_token": token, "topic": "", "audience": "working_group"}
    )
    assert bad.status_code == 400
    errors = parse(bad.get_data(as_text=True)).find(data_testid="schedule").text
    assert "topic" in errors and "date and time" in errors and "Working Group" in errors
    chair = as_user("wg2-chair")
    data = {
        "csrf_token": csrf_token(chair, C),
        "topic": "Mine",
        "starts_at": "2026-06-03T14:00",
        "audience": "everyone",
    }
    assert chair.post(C, data=data).status_code == 403
    assert as_user(None).get(C).status_code == 302
    # Two workshops with one topic on one day get different addresses.
    first = _schedule(office, "Same topic", "everyone")
    second = _schedule(office, "Same topic", "everyone")
    assert first != second and second.endswith("-2")


def test_minutes_are_versioned_and_published_to_everyone_taking_part(
    as_user: AsUser, db: Session, seeded: Code, seeded_store: DraftStore, data_dir: Path
) -> None:
    office = as_user("ai-office")
    url = _schedule(office, "Providers and WG2 Chairs", "providers", "2")
    minutes_url = f"{url}/minutes"
    main_before = seeded_store.resolve("main")
    chair = as_user("wg2-chair")
    editor = parse(chair.get(minutes_url).get_data(as_text=True))
    base = editor.find("input", id="base").attrs.get("value", "")
    first = {
        "csrf_token": csrf_token(chair, minutes_url),
        "text": "# Minutes\n\nProviders asked for examples.<script>alert(1)</script>",
        "message": "First minutes",
        "base": base,
    }
    assert chair.post(minutes_url, data=first).status_code == 302
    # Not published yet: participants see the workshop, not the minutes.
    provider = as_user("provider")
    page = parse(provider.get(url).get_data(as_text=True))
    assert page.find(data_testid="minutes") is None
    assert page.find(data_testid="no-minutes").text == "Not published yet."
    assert provider.get(minutes_url).status_code == 403
    assert as_user("wg3-chair").get(minutes_url).status_code == 403

    editor = parse(office.get(minutes_url).get_data(as_text=True))
    second = {
        "csrf_token": csrf_token(office, minutes_url),
        "text": "# Minutes\n\nProviders asked for **examples** of margins.",
        "message": "Say what the examples are about",
        "base": editor.find("input", id="base").attrs["value"],
    }
    assert office.post(minutes_url, data=second).status_code == 302
    publish = {"csrf_token": csrf_token(office, url)}
    assert office.post(f"{url}/publish", data=publish).status_code == 302

    for key in ("provider", "observer", "industry"):
        shown = parse(as_user(key).get(url).get_data(as_text=True))
        minutes = shown.find(data_testid="minutes")
        assert minutes is not None and "examples of margins" in minutes.text
        assert minutes.find("strong").text == "examples"
        assert minutes.find("script") is None
    slug = url.rsplit("/", 1)[1]
    settings = load_settings({"data_dir": data_dir, "testing": True})
    code = db.get(Code, seeded.id)
    with workshops.open_minutes(settings, code) as store:
        history = store.history("main", f"minutes/{slug}.md")
        assert [c.author_name for c in history] == [
            person(db, "ai-office").name,
            person(db, "wg2-chair").name,
        ]
        assert [c.summary for c in history][::-1] == [
            "First minutes",
            "Say what the examples are about",
        ]
    # The Code itself did not move.
    assert seeded_store.resolve("main") == main_before


def test_editing_minutes_at_once_merges_or_keeps_the_text(
    as_user: AsUser, seeded: Code
) -> None:
    office = as_user("ai-office")
    url = _schedule(office, "Session", "everyone")
    minutes_url = f"{url}/minutes"
    token = csrf_token(office, minutes_url)
    text = "# Minutes\n\nOne.\n\nTwo.\n\nThree.\n"
    start = {"csrf_token": token, "text": text, "base": ""}
    assert office.post(minutes_url, data=start).status_code == 302
    base = (
        parse(office.get(minutes_url).get_data(as_text=True))
        .find("input", id="base")
        .attrs["value"]
    )
    coordinator = as_user("coordinator")
    theirs = {
        "csrf_token": csrf_token(coordinator, minutes_url),
        "text": text.replace("One.", "One, amended."),
        "base": base,
    }
    assert coordinator.post(minutes_url, data=theirs).status_code == 302
    # A change elsewhere merges; a change to the same line comes back.
    mine = {"csrf_token": token, "text": text.replace("Three.", "Three!"), "base": base}
    assert office.post(minutes_url, data=mine).status_code == 302
    clash = {"csrf_token": token, "text": text.replace("One.", "Uno."), "base": base}
    refused = office.post(minutes_url, data=clash)
    assert refused.status_code == 409
    kept = parse(refused.get_data(as_text=True)).find("textarea", id="text")
    assert "Uno." in kept.text
    shown = parse(office.get(url).get_data(as_text=True)).find(data_testid="minutes")
    assert "One, amended." in shown.text and "Three!" in shown.text


def test_workshops_are_not_public(as_user: AsUser, db: Session, seeded: Code) -> None:
    office = as_user("ai-office")
    url = _schedule(office, "Session", "everyone")
    visitor = as_user(None)
    assert visitor.get(url).status_code == 302
    workshop = workshops.get_workshop(
        db, seeded, person(db, "observer"), url.rsplit("/", 1)[1]
    )
    assert workshop.audience is WorkshopAudience.EVERYONE
    with pytest.raises(workshops.NotFound):
        workshops.get_workshop(db, seeded, None, workshop.slug)
