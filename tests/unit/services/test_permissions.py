"""Rule-book rows that no route shows on its own: who a workshop invites,
who the public list names, refusing a list of Working Groups at once (the
route rows are in tests/integration/matrix_*.py)."""

from __future__ import annotations

import pytest

from cop_drafts.db.models import (
    Category,
    Membership,
    Role,
    User,
    WgRole,
    Workshop,
    WorkshopAudience,
)
from cop_drafts.services.errors import PermissionDenied
from cop_drafts.services.permissions import (
    SYSTEM,
    Action,
    can,
    cv_may_be_public,
    is_coordinator,
    is_plenary_member,
    require,
    require_each,
)

EVERYONE, WG, PROVIDERS = (
    WorkshopAudience.EVERYONE,
    WorkshopAudience.WORKING_GROUP,
    WorkshopAudience.PROVIDERS,
)


def _person(
    role: Role,
    *memberships: tuple[int, WgRole],
    category: Category | None = None,
    active: bool = True,
) -> User:
    user = User(email=f"{role.value}@example.org", name=role.value, role=role)
    user.is_active = active
    user.category = category
    user.memberships = [Membership(wg=wg, wg_role=r) for wg, r in memberships]
    return user


PEOPLE = {
    "ai-office": _person(Role.AI_OFFICE),
    "coordinator": _person(Role.COORDINATOR),
    "wg2-chair": _person(Role.CHAIR, (2, WgRole.CHAIR)),
    "wg2-vice": _person(Role.CHAIR, (2, WgRole.VICE_CHAIR)),
    "wg1-chair": _person(Role.CHAIR, (1, WgRole.CHAIR)),
    "provider": _person(
        Role.PARTICIPANT, (1, WgRole.MEMBER), category=Category.MODEL_PROVIDER
    ),
    "wg2-member": _person(
        Role.PARTICIPANT, (2, WgRole.MEMBER), category=Category.CIVIL_SOCIETY
    ),
    "observer": _person(Role.OBSERVER, category=Category.PUBLIC_BODY),
    "closed": _person(Role.AI_OFFICE, active=False),
}

# Who is invited, per audience: everyone; Working Group 2's members; the
# providers with every Chair; the providers with Working Group 2's Chairs.
INVITED = {
    (EVERYONE, None): set(PEOPLE) - {"closed"},
    (WG, 2): {"ai-office", "coordinator", "wg2-chair", "wg2-vice", "wg2-member"},
    (PROVIDERS, None): {
        "ai-office",
        "coordinator",
        "wg2-chair",
        "wg2-vice",
        "wg1-chair",
        "provider",
    },
    (PROVIDERS, 2): {"ai-office", "coordinator", "wg2-chair", "wg2-vice", "provider"},
}


@pytest.mark.parametrize(
    ("audience", "wg", "who"),
    [(a, wg, who) for (a, wg) in INVITED for who in PEOPLE],
)
def test_who_a_workshop_invites_is_in_the_rule_book(
    audience: WorkshopAudience, wg: int | None, who: str
) -> None:
    workshop = Workshop(audience=audience, wg=wg)
    expected = who in INVITED[(audience, wg)]
    assert can(PEOPLE[who], Action.ATTEND_WORKSHOP, workshop=workshop) is expected


def test_no_workshop_no_visitor_no_operator_is_invited() -> None:
    workshop = Workshop(audience=EVERYONE, wg=None)
    assert not can(PEOPLE["ai-office"], Action.ATTEND_WORKSHOP)
    assert not can(None, Action.ATTEND_WORKSHOP, workshop=workshop)
    assert not can(SYSTEM, Action.ATTEND_WORKSHOP, workshop=workshop)
    member = PEOPLE["wg2-member"]
    at_wg1 = Workshop(audience=WG, wg=1)
    with pytest.raises(PermissionDenied, match="another audience"):
        require(member, Action.ATTEND_WORKSHOP, workshop=at_wg1)
    assert require(member, Action.ATTEND_WORKSHOP, workshop=workshop) is member


# Whom the public list names: the coordinating Chair, the Chairs of each
# group, the organisations of its plain Plenary members; whose CV it may show.
LISTED_MEMBER = {("provider", 1), ("wg2-member", 2)}
CV_PUBLIC = {"coordinator", "wg2-chair", "wg2-vice", "wg1-chair"}


@pytest.mark.parametrize("who", PEOPLE)
def test_who_the_public_list_names_is_in_the_rule_book(who: str) -> None:
    user = PEOPLE[who]
    assert is_coordinator(user) is (who == "coordinator")
    for wg in (1, 2, 3):
        assert is_plenary_member(user, wg) is ((who, wg) in LISTED_MEMBER)
    assert cv_may_be_public(user) is (who in CV_PUBLIC)


def test_nobody_is_listed() -> None:
    assert not is_coordinator(None)
    assert not is_plenary_member(None, 2)
    assert not cv_may_be_public(None)


def test_require_each_refuses_at_the_first_group_refused() -> None:
    vice = PEOPLE["wg2-vice"]
    assert require_each(vice, Action.DISPOSE, [2, 2]) is vice
    assert require_each(vice, Action.DISPOSE, []) is vice
    with pytest.raises(PermissionDenied, match="Only the Chairs and Vice-Chairs"):
        require_each(vice, Action.DISPOSE, [2, 1])
    with pytest.raises(PermissionDenied):
        require_each(vice, Action.DISPOSE, [None])
    coordinator = PEOPLE["coordinator"]
    assert require_each(coordinator, Action.DISPOSE, [1, 2, None]) is coordinator
    with pytest.raises(PermissionDenied, match="Log in to comment"):
        require_each(None, Action.COMMENT, [])
    member = PEOPLE["wg2-member"]
    with pytest.raises(PermissionDenied, match="Working Group 1 comment"):
        require_each(member, Action.COMMENT, [2, 1])
