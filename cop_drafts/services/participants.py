"""The public list of who takes part: the Chairs and Vice-Chairs (with CV and
declaration of interests where they agreed) and the participating
organisations per Working Group and category, each only with consent."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from cop_drafts.db.models import (
    CATEGORY_LABELS,
    WG_ROLE_LABELS,
    Application,
    ApplicationStatus,
    Category,
    User,
)
from cop_drafts.store.errors import NotFound

from . import cvs
from .permissions import (
    cv_may_be_public,
    is_coordinator,
    is_plenary_member,
    is_wg_chair,
)


@dataclass(frozen=True, slots=True)
class ListedChair:
    """A Chair as the public list shows them."""

    name: str
    post: str
    application_id: int
    cv: bool
    declaration: str


@dataclass(frozen=True, slots=True)
class ListedGroup:
    """One Working Group: its Chairs and its participants by category."""

    wg: int
    title: str
    chairs: tuple[ListedChair, ...]
    categories: tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True, slots=True)
class PublicList:
    """Everything the public list shows."""

    coordinators: tuple[ListedChair, ...]
    groups: tuple[ListedGroup, ...]

    @property
    def is_empty(self) -> bool:
        """True when nobody agreed to be listed yet."""
        return not self.coordinators and not any(
            g.chairs or g.categories for g in self.groups
        )


def _listed(db: Session) -> list[Application]:
    """Approved applications whose person agreed to be listed and whose
    account is active."""
    query = (
        select(Application)
        .join(User, User.id == Application.user_id)
        .where(
            Application.status == ApplicationStatus.APPROVED,
            Application.consent_listing.is_(True),
            User.is_active.is_(True),
        )
        .order_by(Application.id)
    )
    return list(db.scalars(query))


def _chair(application: Application, post: str) -> ListedChair:
    # The CV link is offered by the rule public_cv serves it by, so it never
    # leads to "not found" (a Vice-Chair whose account is not a Chair's).
    shares = application.consent_cv
    return ListedChair(
        application.name,
        post,
        application.id,
        shares
        and application.cv_file is not None
        and cv_may_be_public(application.user),
        application.declaration if shares else "",
    )


def _entry(application: Application) -> str:
    if application.category is Category.ACADEMIA:
        if application.organisation:
            return f"{application.name} ({application.organisation})"
        return application.name
    return application.organisation or application.name


def public_list(db: Session, wgs: tuple[tuple[int, str], ...]) -> PublicList:
    """The list for Working Groups `wgs` ((number, title) pairs)."""
    coordinators: list[ListedChair] = []
    chairs: dict[int, list[ListedChair]] = defaultdict(list)
    members: dict[int, dict[Category, set[str]]] = defaultdict(lambda: defaultdict(set))
    for application in _listed(db):
        user = application.user
        assert user is not None  # the join
        if is_coordinator(user):
            coordinators.append(_chair(application, "Coordinating Chair"))
        for m in user.memberships:
            if is_wg_chair(user, m.wg):
                chairs[m.wg].append(_chair(application, WG_ROLE_LABELS[m.wg_role]))
            elif is_plenary_member(user, m.wg):
                members[m.wg][application.category].add(_entry(application))
    groups = []
    for wg, title in wgs:
        by_category = tuple(
            (label, tuple(sorted(members[wg][category], key=str.casefold)))
            for category, label in CATEGORY_LABELS.items()
            if members[wg].get(category)
        )
        ordered = sorted(chairs[wg], key=lambda c: (c.post != "Chair", c.name))
        groups.append(ListedGroup(wg, title, tuple(ordered), by_category))
    return PublicList(tuple(coordinators), tuple(groups))


def public_cv(db: Session, folder: Path, application_id: int) -> tuple[str, Path]:
    """(download name, file) of the CV of a Chair who agreed to publish it.
    Raises NotFound for every other CV."""
    application = db.get(Application, application_id)
    user = application.user if application is not None else None
    if (
        application is None
        or user is None
        or application.status is not ApplicationStatus.APPROVED
        or not (application.consent_listing and application.consent_cv)
        or not user.is_active
        or not cv_may_be_public(user)
    ):
        raise NotFound("no such CV")
    path = cvs.path_of(folder, application.cv_file or "")
    if path is None:
        raise NotFound("no such CV")
    return download_name(application), path


def download_name(application: Application) -> str:
    """``CV <name>.pdf`` with only safe characters."""
    safe = "".join(ch if ch.isalnum() or ch in " -" else " " for ch in application.name)
    return f"CV {' '.join(safe.split())[:80]}.pdf"
