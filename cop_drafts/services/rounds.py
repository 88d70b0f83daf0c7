"""Drafting rounds and their comment windows (stored in UTC, shown in Brussels)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cop_drafts.db.models import (
    CATEGORY_LABELS,
    Category,
    Code,
    Comment,
    CommentKind,
    CommentStatus,
    Iteration,
    Organisation,
    Round,
    User,
    Visibility,
    utcnow,
)
from cop_drafts.store.errors import NotFound

from . import audit
from .errors import ValidationError
from .inputs import EARLIEST_YEAR, LATEST_YEAR  # years outside are typing mistakes
from .permissions import Action, require

BRUSSELS = ZoneInfo("Europe/Brussels")
WINDOW_DAYS = 14
CLOSING_TIME = time(18, 0)
#: The longest comment window: a window that never closes is a mistake too.
MAX_WINDOW = timedelta(days=366)


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


@dataclass(frozen=True, slots=True)
class LocalTime:
    """A Brussels wall-clock time made exact, and what to tell the person
    when it needed a choice (an hour that happens twice)."""

    at: datetime
    note: str | None = None


def brussels_time(value: datetime, field: str) -> LocalTime:
    """The Brussels wall-clock time `value` (its zone ignored) as an aware
    time. A time that happens twice (clocks going back in autumn) is taken as
    the first, summer-time one, and the note says so.

    Raises ValidationError for a year outside EARLIEST_YEAR..LATEST_YEAR or a
    time that does not exist (clocks going forward in spring).
    """
    _check_year(value, field)
    naive = value.replace(tzinfo=None, fold=0)
    first = naive.replace(tzinfo=BRUSSELS)
    if first.utcoffset() == naive.replace(tzinfo=BRUSSELS, fold=1).utcoffset():
        return LocalTime(first)
    if first.astimezone(UTC).astimezone(BRUSSELS).replace(tzinfo=None) != naive:
        raise ValidationError(
            "No such time in Brussels.",
            {
                field: f"{naive:%d %b %Y %H:%M} does not exist in Brussels: the "
                "clocks go forward an hour that night (summer time starts). "
                "Choose a time outside the skipped hour."
            },
        )
    return LocalTime(
        first,
        f"{naive:%d %b %Y %H:%M} happens twice in Brussels (the clocks go back "
        "an hour that night); it was taken as the first, in summer time "
        f"({first.astimezone(UTC):%H:%M} UTC).",
    )


def local(at: datetime) -> datetime:
    """The Brussels wall-clock time of `at` (naive), as people type it."""
    return at.astimezone(BRUSSELS).replace(tzinfo=None)


def _check_year(value: datetime, field: str) -> None:
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValidationError(
            "Date out of range.",
            {field: f"Give a date between {EARLIEST_YEAR} and {LATEST_YEAR}."},
        )


def _check_length(opens_at: datetime, closes_at: datetime) -> None:
    if closes_at - opens_at > MAX_WINDOW:
        raise ValidationError(
            "Window too long.",
            {
                "closes_at": "A comment window is at most one year long: it "
                f"would close {closes_at.astimezone(BRUSSELS):%d %b %Y}, "
                f"{(closes_at - opens_at).days} days after it opens."
            },
        )


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


def open_now(db: Session, code: Code, now: datetime | None = None) -> Round | None:
    """The round whose window is open or still to open, or None (at most one)."""
    return next_open(db, code, now)


def check_dates(
    plenary_at: datetime, closes_at: datetime | None
) -> tuple[datetime, datetime]:
    """(opens, closes) of a window: closes defaults to two weeks after the
    Plenary, 18:00 Brussels. Raises ValidationError (no time zone, a year out
    of range, closing before opening, longer than MAX_WINDOW)."""
    if plenary_at.tzinfo is None:
        raise ValidationError("Plenary time needs a time zone.")
    _check_year(plenary_at, "plenary_at")
    if closes_at is not None:
        _check_year(closes_at, "closes_at")
    closes_at = closes_at or default_close(plenary_at)
    if closes_at.tzinfo is None or closes_at <= plenary_at:
        raise ValidationError(
            "Window closes before it opens.",
            {"closes_at": "The window must close after the Plenary."},
        )
    _check_length(plenary_at, closes_at)
    return plenary_at, closes_at


def add_round(
    db: Session, code: Code, actor: User | None, iteration: Iteration, data: RoundInput
) -> Round:
    """A round on `iteration` in the caller's transaction (not committed).

    Raises ValidationError (dates, a round on it exists, another is open).
    """
    if find_round(db, code, iteration.commit_id) is not None:
        raise ValidationError(
            "Round exists.", {"tag": f"A round for {iteration.tag} is already set up."}
        )
    opens_at, closes_at = check_dates(data.plenary_at, data.closes_at)
    current = open_now(db, code)
    if current is not None:
        # One round at a time: participants comment on one draft at a time.
        raise ValidationError(
            f"The round on {current.tag} is still open until "
            f"{current.closes_at.astimezone(BRUSSELS):%d %b %Y %H:%M} Brussels: "
            "only one round can be open at a time.",
            {"tag": f"The round on {current.tag} is still open."},
        )
    round_ = Round(
        code_id=code.id,
        tag=iteration.tag,
        commit_id=iteration.commit_id,
        plenary_at=opens_at,
        opens_at=opens_at,
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
    return round_


def close_round(
    db: Session, code: Code, actor: User | None, round_: Round, now: datetime
) -> None:
    """End a round's window at `now` in the caller's transaction."""
    before = round_.closes_at
    round_.closes_at = now
    round_.opens_at = min(round_.opens_at, now)
    audit.record(
        db,
        actor,
        "round.close",
        f"code:{code.slug}@{round_.tag}",
        f"closed the window of {round_.tag}",
        before=before.isoformat(),
        after=now.isoformat(),
    )


def open_round(db: Session, code: Code, actor: User | None, data: RoundInput) -> Round:
    """Open a round on a published iteration. Raises PermissionDenied,
    ValidationError, NotFound."""
    require(actor, Action.MANAGE_ROUNDS)
    iteration = db.scalar(
        select(Iteration).where(Iteration.code_id == code.id, Iteration.tag == data.tag)
    )
    if iteration is None:
        raise NotFound(f"no published iteration {data.tag}")
    round_ = add_round(db, code, actor, iteration, data)
    db.commit()
    return round_


def extend_round(
    db: Session, code: Code, actor: User | None, round_id: int, closes_at: datetime
) -> Round:
    """Move a window's closing time later (the window stays at most
    MAX_WINDOW long). Raises PermissionDenied, ValidationError, NotFound."""
    require(actor, Action.MANAGE_ROUNDS)
    round_ = db.get(Round, round_id)
    if round_ is None or round_.code_id != code.id:
        raise NotFound(f"no round {round_id}")
    _check_year(closes_at, "closes_at")
    if closes_at.tzinfo is None or closes_at <= round_.closes_at:
        raise ValidationError(
            "Only later.",
            {"closes_at": "An extension must close later than the window does now."},
        )
    _check_length(round_.opens_at, closes_at)
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


@dataclass(frozen=True, slots=True)
class RoundCounts:
    """How many comments a round has so far, by Working Group and category."""

    total: int
    by_wg: tuple[tuple[int | None, int], ...]
    by_category: tuple[tuple[str, int], ...]


#: What counts as a comment of a round: open, top-level, not a Chairs' note.
COUNTED = (
    Comment.parent_id.is_(None),
    Comment.kind == CommentKind.COMMENT,
    Comment.status == CommentStatus.OPEN,
)


def counts(db: Session, round_: Round) -> RoundCounts:
    """Open comments (not notes, not replies) of a round, counted by Working
    Group and by stakeholder category (the author's, else their
    organisation's, as in the record of comments)."""
    category = func.coalesce(User.category, Organisation.category)
    rows = db.execute(
        select(Comment.wg, category, func.count(Comment.id))
        .join(User, User.id == Comment.author_id)
        .outerjoin(Organisation, Organisation.id == User.organisation_id)
        .where(Comment.round_id == round_.id, *COUNTED)
        .group_by(Comment.wg, category)
    ).all()
    by_wg: dict[int | None, int] = {}
    by_category: dict[str, int] = {}
    for wg, found, n in rows:
        by_wg[wg] = by_wg.get(wg, 0) + n
        label = CATEGORY_LABELS[Category(found)] if found else "Not given"
        by_category[label] = by_category.get(label, 0) + n
    return RoundCounts(
        sum(by_wg.values()),
        tuple(sorted(by_wg.items(), key=lambda item: (item[0] is None, item[0] or 0))),
        tuple(sorted(by_category.items(), key=lambda item: (-item[1], item[0]))),
    )
