"""Workshops of a Code: the AI Office schedules them for an audience; their
minutes are Markdown, versioned in git, and published to everyone taking
part.

The minutes live in a repository of their own beside the Code's
(``<data>/minutes/<slug>.git``, branch ``main``, ``minutes/<workshop>.md``):
on the Code's ``main`` they would be carried into every later iteration's tag
and its public downloads, and would count as a change to publish.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from cop_drafts.config import Settings
from cop_drafts.db.models import (
    Code,
    User,
    Workshop,
    WorkshopAudience,
    labels,
    utcnow,
)
from cop_drafts.locks import file_lock
from cop_drafts.store.errors import NotFound
from cop_drafts.store.refs import MAIN
from cop_drafts.store.repo import DraftStore
from cop_drafts.store.values import CommitInfo, Person
from cop_drafts.text.render import render

from . import audit
from .errors import ValidationError
from .permissions import Action, can, require

AUDIENCE_LABELS = labels(WorkshopAudience)


@dataclass(frozen=True, slots=True)
class WorkshopInput:
    """The scheduling form, as typed."""

    topic: str
    starts_at: datetime | None
    audience: str
    wg: str = ""
    place: str = ""
    description: str = ""


@dataclass(frozen=True, slots=True)
class Listed:
    """A workshop in the list, for one reader."""

    workshop: Workshop
    invited: bool
    minutes: bool  # published minutes to read


@dataclass(frozen=True, slots=True)
class WorkshopPage:
    """A workshop as one reader sees it."""

    workshop: Workshop
    audience: str
    invited: bool
    may_write: bool
    minutes: Markup | None
    history: tuple[CommitInfo, ...]
    people: tuple[User, ...] | None  # who is invited, for the organisers


@dataclass(frozen=True, slots=True)
class MinutesDraft:
    """What the minutes editor starts from."""

    workshop: Workshop
    text: str
    base: str  # the commit the text was read at; "" before the first save


def minutes_path(workshop: Workshop) -> str:
    """The file of a workshop's minutes in the minutes repository."""
    return f"minutes/{workshop.slug}.md"


def open_minutes(settings: Settings, code: Code) -> DraftStore:
    """The minutes repository of `code`, created on first use."""
    folder = settings.data_dir / "minutes"
    path = folder / f"{code.slug}.git"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        with file_lock(folder / f"{code.slug}.lock"):
            if not path.exists():
                DraftStore.init(path).close()
    return DraftStore.open(path)


def audience_label(workshop: Workshop) -> str:
    """Who the workshop is for, in words."""
    if workshop.audience is WorkshopAudience.WORKING_GROUP:
        return f"Members of Working Group {workshop.wg}"
    if workshop.audience is WorkshopAudience.PROVIDERS:
        chairs = (
            f"the Chairs of Working Group {workshop.wg}"
            if workshop.wg
            else "the Chairs"
        )
        return f"Providers of general-purpose AI models, with {chairs}"
    return "Everyone taking part"


def is_invited(user: User | None, workshop: Workshop) -> bool:
    """True when `user` belongs to the workshop's audience (the AI Office,
    which organises it, always): the rule book's ATTEND_WORKSHOP."""
    return can(user, Action.ATTEND_WORKSHOP, workshop=workshop)


def audience(db: Session, workshop: Workshop) -> tuple[User, ...]:
    """Every active account in the workshop's audience, by role and name."""
    people = db.scalars(
        select(User)
        .where(User.is_active.is_(True), User.password_hash.is_not(None))
        .order_by(User.role, User.name)
    )
    return tuple(u for u in people if is_invited(u, workshop))


def _slug(topic: str, starts_at: datetime) -> str:
    folded = unicodedata.normalize("NFKD", topic).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")[:60].strip("-")
    return f"{starts_at:%Y-%m-%d}-{words or 'workshop'}"


def _checked(
    data: WorkshopInput, wgs: tuple[int, ...]
) -> tuple[WorkshopAudience, int | None]:
    errors = {}
    if not data.topic.strip():
        errors["topic"] = "Give the workshop a topic."
    if data.starts_at is None:
        errors["starts_at"] = "Give the date and time (Brussels time)."
    try:
        kind = WorkshopAudience(data.audience)
    except ValueError:
        errors["audience"] = "Choose who the workshop is for."
        kind = WorkshopAudience.EVERYONE
    wg = int(data.wg) if data.wg.isdigit() and int(data.wg) in wgs else None
    if data.wg and wg is None:
        errors["wg"] = "Choose one of the Working Groups."
    if kind is WorkshopAudience.WORKING_GROUP and wg is None:
        errors["wg"] = "A Working Group's workshop needs its Working Group."
    if errors:
        raise ValidationError("The workshop was not scheduled.", errors)
    return kind, wg


def schedule(
    db: Session,
    code: Code,
    actor: User | None,
    data: WorkshopInput,
    wgs: tuple[int, ...],
) -> Workshop:
    """Schedule a workshop of `code` (`wgs`: its Working Groups); commits.
    Raises PermissionDenied, ValidationError."""
    require(actor, Action.MANAGE_WORKSHOPS)
    kind, wg = _checked(data, wgs)
    assert data.starts_at is not None  # _checked
    base = _slug(data.topic, data.starts_at)
    taken = set(db.scalars(select(Workshop.slug).where(Workshop.code_id == code.id)))
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    workshop = Workshop(
        code_id=code.id,
        slug=slug,
        topic=data.topic.strip()[:300],
        starts_at=data.starts_at,
        audience=kind,
        wg=wg,
        place=data.place.strip()[:300],
        description=data.description.strip()[:5000],
        created_by_id=actor.id if actor else None,
    )
    db.add(workshop)
    db.flush()
    audit.record(
        db,
        actor,
        "workshop.schedule",
        f"workshop:{workshop.id}",
        f"scheduled “{workshop.topic}” for {audience_label(workshop)}",
    )
    db.commit()
    return workshop


def list_workshops(db: Session, code: Code, user: User | None) -> list[Listed]:
    """The workshops of `code`, newest first. Raises NotFound to the public."""
    if not can(user, Action.READ_WORKSHOPS):
        raise NotFound("no workshops here")
    query = (
        select(Workshop)
        .where(Workshop.code_id == code.id)
        .order_by(Workshop.starts_at.desc(), Workshop.id.desc())
    )
    return [
        Listed(w, is_invited(user, w), w.minutes_published_at is not None)
        for w in db.scalars(query)
    ]


def get_workshop(db: Session, code: Code, user: User | None, slug: str) -> Workshop:
    """One workshop. Raises NotFound (also to the public)."""
    found = None
    if can(user, Action.READ_WORKSHOPS):
        found = db.scalar(
            select(Workshop).where(Workshop.code_id == code.id, Workshop.slug == slug)
        )
    if found is None:
        raise NotFound(f"no workshop {slug!r}")
    return found


def _may_write(user: User | None, workshop: Workshop) -> bool:
    return can(user, Action.WRITE_MINUTES, wg=workshop.wg)


def page(
    db: Session, store: DraftStore, code: Code, user: User | None, slug: str
) -> WorkshopPage:
    """A workshop with its minutes (published ones, or any for those who
    write them) and their versions. Raises NotFound."""
    workshop = get_workshop(db, code, user, slug)
    may_write = _may_write(user, workshop)
    minutes: Markup | None = None
    history: tuple[CommitInfo, ...] = ()
    if may_write or workshop.minutes_published_at is not None:
        text = _read(store, workshop)
        if text is not None:
            minutes = render(text).html
            history = tuple(store.history(MAIN, minutes_path(workshop)))
    organiser = may_write or can(user, Action.MANAGE_WORKSHOPS)
    return WorkshopPage(
        workshop,
        audience_label(workshop),
        is_invited(user, workshop),
        may_write,
        minutes,
        history,
        audience(db, workshop) if organiser else None,
    )


def _read(store: DraftStore, workshop: Workshop) -> str | None:
    if store.find_commit_id(MAIN) is None:
        return None
    try:
        return store.read(MAIN, minutes_path(workshop)).text
    except NotFound:
        return None


def open_editor(
    db: Session, store: DraftStore, code: Code, user: User | None, slug: str
) -> MinutesDraft:
    """The minutes as their editor starts. Raises NotFound, PermissionDenied."""
    workshop = get_workshop(db, code, user, slug)
    require(user, Action.WRITE_MINUTES, wg=workshop.wg)
    # The base is main's tip even before these minutes exist: two people
    # starting them at once then meet as a conflict, not an overwrite.
    return MinutesDraft(
        workshop, _read(store, workshop) or "", store.find_commit_id(MAIN) or ""
    )


def save_minutes(
    db: Session,
    store: DraftStore,
    code: Code,
    user: User | None,
    slug: str,
    *,
    text: str,
    base: str,
    message: str,
    limit: int,
    when: datetime | None = None,
) -> str:
    """Commit the minutes as `user` (edited from commit `base`; a concurrent
    edit is merged, a clash raises Conflict) and commit the audit event;
    `when` dates the commit (now by default). Returns the commit id. Raises
    NotFound, PermissionDenied, ValidationError, Conflict, NoChange."""
    workshop = get_workshop(db, code, user, slug)
    user = require(user, Action.WRITE_MINUTES, wg=workshop.wg)
    if not text.strip():
        raise ValidationError("The minutes are empty.", {"text": "Write the minutes."})
    if len(text.encode("utf-8")) > limit:
        raise ValidationError(
            "The minutes are too long.", {"text": f"At most {limit:,} bytes."}
        )
    author = Person(user.name, user.email, when)
    message = message.strip()[:500] or f"Minutes of “{workshop.topic}”"
    path = minutes_path(workshop)
    tip = store.find_commit_id(MAIN)
    if tip is None:
        commit_id = store.commit_files(MAIN, {path: text}, author, message)
    else:
        saved = store.save(
            MAIN, path, text, base=base or tip, author=author, message=message
        )
        commit_id = saved.commit_id
    audit.record(
        db,
        user,
        "workshop.minutes",
        f"workshop:{workshop.id}",
        f"saved the minutes of “{workshop.topic}” ({commit_id[:10]})",
    )
    db.commit()
    return commit_id


def publish_minutes(
    db: Session,
    store: DraftStore,
    code: Code,
    user: User | None,
    slug: str,
    now: datetime | None = None,
) -> Workshop:
    """Publish the minutes to everyone taking part (later versions show at
    once); commits. Raises NotFound, PermissionDenied, ValidationError."""
    workshop = get_workshop(db, code, user, slug)
    require(user, Action.WRITE_MINUTES, wg=workshop.wg)
    if _read(store, workshop) is None:
        raise ValidationError("Write the minutes before publishing them.")
    if workshop.minutes_published_at is None:
        workshop.minutes_published_at = now or utcnow()
        audit.record(
            db,
            user,
            "workshop.publish_minutes",
            f"workshop:{workshop.id}",
            f"published the minutes of “{workshop.topic}”",
        )
        db.commit()
    return workshop
