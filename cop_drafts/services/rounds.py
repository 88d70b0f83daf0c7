"""Drafting rounds and their comment windows (stored in UTC, shown in Brussels)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from cop_drafts.db.models import Code, Iteration, Round, User, Visibility, utcnow
from cop_drafts.store.errors import NotFound

from . import audit
from .errors import ValidationError
from .permissions import Action, require

BRUSSELS = ZoneInfo("Europe/Brussels")
WINDOW_DAYS = 14
CLOSING_TIME = time(18, 0)


class WindowState(StrEnum):
    """Where a round's comment window stands."""

    UPCOMING = "upcoming"
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class RoundInput:
    """What the AI Office gives when opening a round."""

    tag: str
    plenary_at: datetime
    visibility: Visibility
    observers_may_comment: bool
    closes_at: datetime | None = None


def default_close(plenary_at: datetime) -> datetime:
    """Two weeks after the Plenary, 18:00 Brussels time, as UTC."""
    day = plenary_at.astimezone(BRUSSELS).date() + timedelta(days=WINDOW_DAYS)
    return datetime.combine(day, CLOSING_TIME, BRUSSELS).astimezone(ZoneInfo("UTC"))


def state(round_: Round, now: datetime | None = None) -> WindowState:
    """Whether the window is upcoming, open or closed at `now`."""
    now = now or utcnow()
    if now < round_.opens_at:
        return WindowState.UPCOMING
    return WindowState.OPEN if now < round_.closes_at else WindowState.CLOSED


def list_rounds(db: Session, code: Code) -> list[Round]:
    """Every round of the Code, oldest first."""
    query = select(Round).where(Round.code_id == code.id).order_by(Round.opens_at)
    return list(db.scalars(query))


def find_round(db: Session, code: Code, commit_id: str) -> Round | None:
    """The round held on the iteration at `commit_id`, or None."""
    query = select(Round).where(Round.code_id == code.id, Round.commit_id == commit_id)
    return db.scalar(query)


def next_open(db: Session, code: Code, now: datetime | None = None) -> Round | None:
    """The round whose window opens next or is open now, or None."""
    now = now or utcnow()
    query = (
        select(Round)
        .where(Round.code_id == code.id, Round.closes_at > now)
        .order_by(Round.opens_at)
    )
    return db.scalar(query)


def open_round(db: Session, code: Code, actor: User | None, data: RoundInput) -> Round:
    """Open a round on a published iteration. Raises PermissionDenied,
    ValidationError, NotFound."""
    require(actor, Action.MANAGE_ROUNDS)
    iteration = db.scalar(
        select(Iteration).where(Iteration.code_id == code.id, Iteration.tag == data.tag)
    )
    if iteration is None:
        raise NotFound(f"no published iteration {data.tag}")
    if find_round(db, code, iteration.commit_id) is not None:
        raise ValidationError(
            "Round exists.", {"tag": f"A round for {data.tag} is already open."}
        )
    if data.plenary_at.tzinfo is None:
        raise ValidationError("Plenary time needs a time zone.")
    closes_at = data.closes_at or default_close(data.plenary_at)
    if closes_at <= data.plenary_at:
        raise ValidationError(
            "Window closes before it opens.",
            {"closes_at": "The window must close after the Plenary."},
        )
    round_ = Round(
        code_id=code.id,
        tag=iteration.tag,
        commit_id=iteration.commit_id,
        plenary_at=data.plenary_at,
        opens_at=data.plenary_at,
        closes_at=closes_at,
        visibility=data.visibility,
        observers_may_comment=data.observers_may_comment,
        created_by_id=actor.id if actor else None,
    )
    db.add(round_)
    db.flush()
    audit.record(
        db,
        actor,
        "round.open",
        f"code:{code.slug}@{iteration.tag}",
        f"opened the round on {iteration.tag}, window until "
        f"{closes_at.astimezone(BRUSSELS):%d %b %Y %H:%M} Brussels",
    )
    db.commit()
    return round_


def extend_round(
    db: Session, code: Code, actor: User | None, round_id: int, closes_at: datetime
) -> Round:
    """Move a window's closing time later. Raises PermissionDenied,
    ValidationError, NotFound."""
    require(actor, Action.MANAGE_ROUNDS)
    round_ = db.get(Round, round_id)
    if round_ is None or round_.code_id != code.id:
        raise NotFound(f"no round {round_id}")
    if closes_at.tzinfo is None or closes_at <= round_.closes_at:
        raise ValidationError(
            "Only later.",
            {"closes_at": "An extension must close later than the window does now."},
        )
    before = round_.closes_at
    round_.closes_at = closes_at
    audit.record(
        db,
        actor,
        "round.extend",
        f"code:{code.slug}@{round_.tag}",
        f"extended the window of {round_.tag}",
        before=before.isoformat(),
        after=closes_at.isoformat(),
    )
    db.commit()
    return round_
