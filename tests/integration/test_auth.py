"""Logging in and out, throttling, safe redirects, CSRF, invitations."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from cop_drafts.app.auth import safe_next
from cop_drafts.db.models import AuditEvent, Invitation, utcnow
from cop_drafts.services import demo
from tests.conftest import csrf_token

from .html import parse

AsUser = Callable[[str | None], FlaskClient]
EMAIL = f"provider@{demo.DOMAIN}"


def _post_login(client: FlaskClient, email: str, password: str, url: str = "/login"):
    return client.post(
        url,
        data={"email": email, "password": password, "csrf_token": csrf_token(client)},
    )


def test_login_shows_who_and_logout_ends_session(as_user: AsUser) -> None:
    client = as_user("wg2-chair")
    who = parse(client.get("/").get_data(as_text=True)).find(data_testid="who")
    assert who is not None and "Chair" in who.text and "WG2" in who.text
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code == 302
    assert parse(client.get("/").get_data(as_text=True)).find(data_testid="who") is None
    assert client.get("/c/gpai-code/history/risk-assessment.md").status_code == 302


def test_wrong_password_and_unknown_email_say_the_same(as_user: AsUser) -> None:
    client = as_user(None)
    a = _post_login(client, EMAIL, "wrong password!")
    b = _post_login(client, "nobody@example.org", "wrong password!")
    assert a.status_code == b.status_code == 401
    assert (
        parse(a.get_data(as_text=True)).find(role="alert").text
        == parse(b.get_data(as_text=True)).find(role="alert").text
    )


def test_login_is_throttled_after_repeated_failures(as_user: AsUser) -> None:
    client = as_user(None)
    for _ in range(5):
        assert _post_login(client, EMAIL, "wrong password!").status_code == 401
    blocked = _post_login(client, EMAIL, demo.DEMO_PASSWORD)
    assert blocked.status_code == 429
    assert "Too many failed attempts" in parse(blocked.get_data(as_text=True)).text
    other = as_user(None)
    assert (
        _post_login(other, f"observer@{demo.DOMAIN}", demo.DEMO_PASSWORD).status_code
        == 302
    )


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/c/gpai-code", "/c/gpai-code"),
        ("https://evil.example/", None),
        ("//evil.example/", None),
        ("/\\evil.example", None),
        ("javascript:alert(1)", None),
        ("/%0d%0aSet-Cookie:x", "/%0d%0aSet-Cookie:x"),
        ("\t//evil.example", None),
    ],
)
def test_safe_next(target: str, expected: str | None) -> None:
    assert safe_next(target) == expected


def test_login_follows_only_local_next(as_user: AsUser) -> None:
    client = as_user(None)
    ok = _post_login(client, EMAIL, demo.DEMO_PASSWORD, "/login?next=/c/gpai-code")
    assert ok.headers["Location"] == "/c/gpai-code"
    other = as_user(None)
    bad = _post_login(
        other, EMAIL, demo.DEMO_PASSWORD, "/login?next=https://evil.example/"
    )
    assert bad.headers["Location"] == "/"


def test_post_without_csrf_token_is_refused(as_user: AsUser) -> None:
    client = as_user(None)
    response = client.post(
        "/login", data={"email": EMAIL, "password": demo.DEMO_PASSWORD}
    )
    assert response.status_code == 400
    office = as_user("ai-office")
    response = office.post(
        "/c/gpai-code/iterations/draft-1/visibility", data={"public": "1"}
    )
    assert response.status_code == 400


def test_session_cookie_flags(as_user: AsUser, app) -> None:
    client = as_user(None)
    response = _post_login(client, EMAIL, demo.DEMO_PASSWORD)
    cookie = next(
        h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")
    )
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert app.config["SESSION_COOKIE_SECURE"] is False


def test_https_setting_makes_cookies_secure(db_url, data_dir) -> None:
    from cop_drafts.app import create_app

    app = create_app(
        {"data_dir": data_dir, "database_url": db_url, "testing": True, "https": True}
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    app.extensions["cop_drafts.engine"].dispose()


def _invite(office: FlaskClient, email: str = "new.person@example.org") -> str:
    response = office.post(
        "/admin/invitations",
        data={
            "email": email,
            "name": "New Person",
            "role": "participant",
            "category": "civil_society",
            "organisation": "Open Futures",
            "wgs": ["2", "3"],
            "wg_role": "member",
            "csrf_token": csrf_token(office, "/admin/users"),
        },
    )
    assert response.status_code == 201, response.get_data(as_text=True)[:400]
    box = parse(response.get_data(as_text=True)).find(data_testid="invite-link")
    # The link is on the canonical URL (COP_DRAFTS_BASE_URL), not the test
    # client's host: its path is what this client visits.
    return urlsplit(box.find("code").text.split(": ", 1)[1]).path


def test_invitation_is_one_time_and_sets_password(as_user: AsUser, db: Session) -> None:
    link = _invite(as_user("ai-office"))
    invitee = as_user(None)
    assert invitee.get(link).status_code == 200
    token = csrf_token(invitee, link)
    short = invitee.post(
        link, data={"password": "short", "confirm": "short", "csrf_token": token}
    )
    assert short.status_code == 400
    done = invitee.post(
        link,
        data={
            "password": "a long enough secret",
            "confirm": "a long enough secret",
            "csrf_token": token,
        },
    )
    assert done.status_code == 302
    assert (
        "New Person"
        in parse(invitee.get("/").get_data(as_text=True)).find(data_testid="who").text
    )
    again = as_user(None)
    assert again.get(link).status_code == 404
    fresh = as_user(None)
    assert (
        _post_login(fresh, "new.person@example.org", "a long enough secret").status_code
        == 302
    )
    actions = set(db.scalars(select(AuditEvent.action)))
    assert {"user.invite", "user.accept_invitation", "user.login"} <= actions


def test_expired_invitation_is_refused(as_user: AsUser, db: Session) -> None:
    link = _invite(as_user("ai-office"), "late@example.org")
    invitation = db.scalar(select(Invitation))
    invitation.expires_at = utcnow()
    db.commit()
    assert as_user(None).get(link).status_code == 404


def test_invitation_form_errors_are_clear(as_user: AsUser) -> None:
    office = as_user("ai-office")
    response = office.post(
        "/admin/invitations",
        data={
            "email": EMAIL,
            "name": "Dup",
            "role": "participant",
            "wg_role": "member",
            "csrf_token": csrf_token(office, "/admin/users"),
        },
    )
    assert response.status_code == 400
    assert "already has a password" in parse(response.get_data(as_text=True)).text
