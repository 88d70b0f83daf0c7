"""Appointing Chairs, Vice-Chairs and the coordinating Chair from the
independent experts who stood as candidates; each appointment is in the
audit log."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from cop_drafts.db.models import (
    Application,
    ApplicationStatus,
    LabelledEnum,
    Membership,
    Role,
    User,
    WgRole,
)
from cop_drafts.store.errors import NotFound

from . import application_mail, audit
from .errors import ValidationError
from .permissions import Action, require


class Post(LabelledEnum):
    """A position the AI Office appoints to (named as the role it gives)."""

    CHAIR = "chair", WgRole.CHAIR.label
    VICE_CHAIR = "vice_chair", WgRole.VICE_CHAIR.label
    COORDINATOR = "coordinator", Role.COORDINATOR.label


@dataclass(frozen=True, slots=True)
class Candidate:
    """An approved candidacy and what its person holds today."""

    application: Application
    user: User
    holds: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Holder:
    """Someone holding a post now."""

    user: User
    post: Post
    wg: int | None


@dataclass(frozen=True, slots=True)
class Board:
    """The candidates and who holds which post."""

    candidates: tuple[Candidate, ...]
    holders: tuple[Holder, ...]


def holds(user: User) -> tuple[str, ...]:
    """The posts `user` holds, in words (``Chair of Working Group 2``)."""
    out = ["Coordinating Chair"] if user.role is Role.COORDINATOR else []
    out += [
        f"{m.wg_role.label} of Working Group {m.wg}"
        for m in user.memberships
        if m.wg_role is not WgRole.MEMBER
    ]
    return tuple(out)


def board(db: Session, actor: User | None) -> Board:
    """Candidates (approved applications with a candidacy) and the people
    holding each post. Raises PermissionDenied."""
    require(actor, Action.APPOINT)
    candidates = []
    query = (
        select(Application)
        .where(
            Application.status == ApplicationStatus.APPROVED,
            Application.candidacy.is_not(None),
            Application.user_id.is_not(None),
        )
        .order_by(Application.name)
    )
    for application in db.scalars(query):
        assert application.user is not None  # the query
        candidates.append(
            Candidate(application, application.user, holds(application.user))
        )
    holders = []
    for user in db.scalars(
        select(User).where(User.role.in_([Role.CHAIR, Role.COORDINATOR]))
    ):
        if user.role is Role.COORDINATOR:
            holders.append(Holder(user, Post.COORDINATOR, None))
        for m in user.memberships:
            if m.wg_role is not WgRole.MEMBER:
                holders.append(Holder(user, Post(m.wg_role.value), m.wg))
    holders.sort(key=lambda h: (h.wg or 0, h.post != Post.CHAIR, h.user.name))
    return Board(tuple(candidates), tuple(holders))


def appoint(
    db: Session,
    actor: User | None,
    application_id: int,
    post: str,
    wg: int | None,
    wgs: tuple[int, ...],
) -> User:
    """Appoint the candidate of an approved application to `post` (in
    Working Group `wg` for Chairs and Vice-Chairs; `wgs` are the Code's) and
    commit. Raises PermissionDenied, NotFound, ValidationError."""
    require(actor, Action.APPOINT)
    application = db.get(Application, application_id)
    if application is None:
        raise NotFound(f"no application {application_id}")
    user = application.user
    if (
        application.status is not ApplicationStatus.APPROVED
        or application.candidacy is None
        or user is None
    ):
        raise ValidationError(
            "Only approved candidates for Chair or Vice-Chair are appointed here."
        )
    try:
        chosen = Post(post)
    except ValueError as error:
        raise ValidationError(
            "Choose a post.", {"post": "Chair, Vice-Chair or coordinating Chair."}
        ) from error
    if chosen is Post.COORDINATOR:
        user.role = Role.COORDINATOR
        what = "Coordinating Chair"
    else:
        if wg not in wgs:
            raise ValidationError(
                "Choose the Working Group.", {"wg": "Choose a Working Group."}
            )
        _hold(user, WgRole(chosen.value), wg)
        what = f"{chosen.label} of Working Group {wg}"
    audit.record(
        db,
        actor,
        "appointment",
        f"user:{user.id}",
        f"appointed {user.name} {what} (candidacy "
        f"{application_mail.reference(application)})",
        post=chosen.value,
        wg=wg,
        application=application.id,
    )
    db.commit()
    return user


def _hold(user: User, wg_role: WgRole, wg: int) -> None:
    if user.role is Role.PARTICIPANT:
        user.role = Role.CHAIR
    membership = next((m for m in user.memberships if m.wg == wg), None)
    if membership is None:
        user.memberships.append(Membership(wg=wg, wg_role=wg_role))
    else:
        membership.wg_role = wg_role
