"""The permission matrix: every route, every role. A new route fails the
completeness test until its rows are added: here for the foundation's routes,
or in a module ``tests/integration/matrix_<feature>.py`` that defines
``ROWS`` (same shape: role, endpoint, method, url, status), collected below.
A row's url may contain ``{tag}`` style placeholders filled by SUBSTITUTE."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from cop_drafts.db.models import Membership, Role, Round, User, WgRole
from cop_drafts.services import accounts
from cop_drafts.services.errors import PermissionDenied
from cop_drafts.services.permissions import SYSTEM, Action, can, require
from tests.conftest import csrf_token
from tests.integration.faults import inserts_refused
from tests.integration.roles import ROLES

AsUser = Callable[[str | None], FlaskClient]
S = "risk-assessment.md"
READ_URLS = {
    "codes.index": "/",
    "codes.show": "/c/gpai-code",
    "sections.show": f"/c/gpai-code/s/{S}?rev=draft-2",
    "sections.history": f"/c/gpai-code/history/{S}",
    "sections.blame": f"/c/gpai-code/blame/{S}",
    "auth.login": "/login",
}


def _rows() -> list[tuple[str | None, str, str, str, int]]:
    rows = []
    for role in ROLES:
        anon = role is None
        rows += [
            (role, "codes.index", "GET", READ_URLS["codes.index"], 200),
            (role, "codes.show", "GET", READ_URLS["codes.show"], 200),
            (
                role,
                "sections.show",
                "GET",
                READ_URLS["sections.show"],
                404 if anon else 200,
            ),
            (
                role,
                "sections.history",
                "GET",
                READ_URLS["sections.history"],
                302 if anon else 200,
            ),
            (
                role,
                "sections.blame",
                "GET",
                READ_URLS["sections.blame"],
                302 if anon else 200,
            ),
            (role, "auth.login", "GET", "/login", 200),
            (role, "auth.login", "POST", "/login", 400),
            (role, "auth.accept", "POST", "/invite/not-a-token", 404),
            (role, "auth.logout", "POST", "/logout", 302),
            (role, "auth.accept", "GET", "/invite/not-a-token", 404),
            (
                role,
                "admin.index",
                "GET",
                "/admin/users",
                302 if anon else 200 if role == "ai-office" else 403,
            ),
            (
                role,
                "admin.create",
                "POST",
                "/admin/invitations",
                302 if anon else 400 if role == "ai-office" else 403,
            ),
            (
                role,
                "admin.audit_log",
                "GET",
                "/admin/audit",
                302 if anon else 200 if role == "ai-office" else 403,
            ),
            (
                role,
                "codes.visibility",
                "POST",
                "/c/gpai-code/iterations/draft-1/visibility",
                302 if role in (None, "ai-office", "coordinator") else 403,
            ),
        ]
    return rows


def _feature_rows() -> list[tuple[str | None, str, str, str, int]]:
    import importlib
    import pkgutil
    from pathlib import Path

    rows = []
    folder = Path(__file__).parent
    for info in pkgutil.iter_modules([str(folder)]):
        if info.name.startswith("matrix_"):
            module = importlib.import_module(f"tests.integration.{info.name}")
            rows.extend(module.ROWS)
    return rows


ROUTE_MATRIX = _rows() + _feature_rows()
EXEMPT = {"static"}


@pytest.mark.parametrize(
    ("role", "endpoint", "method", "url", "status"),
    ROUTE_MATRIX,
    ids=[f"{r[0]}-{r[1]}" for r in ROUTE_MATRIX],
)
def test_route_permissions(
    as_user: AsUser, role: str | None, endpoint: str, method: str, url: str, status: int
) -> None:
    client = as_user(role)
    if method == "GET":
        response = client.get(url)
    else:
        token = csrf_token(client, "/login" if role is None else "/")
        response = client.post(url, data={"csrf_token": token})
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    if role is None and status == 302:
        assert "/login" in response.headers["Location"] or endpoint == "auth.logout"


def test_matrix_covers_every_route(app: Flask) -> None:
    covered = {(row[1], row[2]) for row in ROUTE_MATRIX}
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in EXEMPT:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if (rule.endpoint, method) not in covered:
                missing.append(f"{method} {rule.rule} ({rule.endpoint})")
    assert not missing, "routes missing from ROUTE_MATRIX: " + ", ".join(missing)


def test_matrix_has_every_role_for_every_route() -> None:
    by_route: dict[tuple[str, str], set[str | None]] = {}
    for role, endpoint, method, _url, _status in ROUTE_MATRIX:
        by_route.setdefault((endpoint, method), set()).add(role)
    assert all(roles == set(ROLES) for roles in by_route.values())


# ---- the rule book itself ------------------------------------------------------


def _person(role: Role, *memberships: tuple[int, WgRole]) -> User:
    user = User(email=f"{role.value}@example.org", name=role.value, role=role)
    user.is_active = True
    user.memberships = [Membership(wg=wg, wg_role=r) for wg, r in memberships]
    return user


def test_the_operator_may_set_up_accounts_and_nothing_else() -> None:
    allowed = {action for action in Action if can(SYSTEM, action, wg=1)}
    assert allowed == {Action.MANAGE_USERS}
    assert require(SYSTEM, Action.MANAGE_USERS) is SYSTEM
    with pytest.raises(PermissionDenied):
        require(SYSTEM, Action.PUBLISH)


def test_require_returns_the_person_it_let_through() -> None:
    office = _person(Role.AI_OFFICE)
    assert require(office, Action.MANAGE_USERS) is office
    with pytest.raises(PermissionDenied, match="Only the AI Office"):
        require(_person(Role.PARTICIPANT, (1, WgRole.MEMBER)), Action.MANAGE_USERS)
    with pytest.raises(PermissionDenied):
        require(None, Action.READ_DRAFTS)


def test_who_comments_where_is_in_the_rule_book() -> None:
    member = _person(Role.PARTICIPANT, (1, WgRole.MEMBER))
    observer = _person(Role.OBSERVER)
    closed, open_ = (
        Round(observers_may_comment=False),
        Round(observers_may_comment=True),
    )
    assert can(member, Action.COMMENT, wg=1, round_=closed)
    assert not can(member, Action.COMMENT, wg=2, round_=closed)
    assert not can(observer, Action.COMMENT, wg=1, round_=closed)
    assert can(observer, Action.COMMENT, wg=1, round_=open_)
    assert can(_person(Role.COORDINATOR), Action.COMMENT, wg=2, round_=closed)
    with pytest.raises(PermissionDenied, match="Working Group 2"):
        require(member, Action.COMMENT, wg=2, round_=closed)
    with pytest.raises(PermissionDenied, match="Observers may read"):
        require(observer, Action.COMMENT, wg=1, round_=closed)
    # Reading the comments of a section: its members and every observer.
    assert can(observer, Action.READ_COMMENTS, wg=2)
    assert can(member, Action.READ_COMMENTS, wg=1)
    assert not can(member, Action.READ_COMMENTS, wg=2)
    assert can(_person(Role.COORDINATOR), Action.HARMONISE)
    assert not can(_person(Role.CHAIR, (1, WgRole.CHAIR)), Action.HARMONISE)


def test_the_operator_invites_and_the_account_comes_with_its_invitation(
    db: Session,
) -> None:
    person = accounts.NewPerson("new@example.org", "New Person", Role.PARTICIPANT)
    # The invitation cannot be stored: no account is left behind either.
    with inserts_refused(db, "invitations"):
        with pytest.raises(SQLAlchemyError, match="disk full"):
            accounts.invite(db, SYSTEM, person, days=7)
    assert accounts.find_user(db, "new@example.org") is None
    user, token = accounts.invite(db, SYSTEM, person, days=7)
    assert accounts.find_invitation(db, token) is not None
    assert user.password_hash is None
    with pytest.raises(PermissionDenied):
        accounts.invite(db, None, replace(person, email="other@example.org"), days=7)
