"""Calls for expressions of interest: the newest call, its deadline and
retention period, and the Working Groups one may join."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from cop_drafts.db.models import Call, User, utcnow
from cop_drafts.store.refs import MAIN
from cop_drafts.store.repo import DraftStore

from . import application_mail, audit
from .errors import ValidationError
from .permissions import Action, require


@dataclass(frozen=True, slots=True)
class CallInput:
    """The call as the AI Office sets it."""

    title: str
    closes_at: datetime
    retention_days: int


def current_call(db: Session) -> Call | None:
    """The newest call, open or closed; None before the first."""
    return db.scalar(select(Call).order_by(Call.id.desc()).limit(1))


def is_open(call: Call | None, now: datetime | None = None) -> bool:
    """True while `call` takes applications."""
    return call is not None and (now or utcnow()) < call.closes_at


def working_groups(store: DraftStore) -> tuple[tuple[int, str], ...]:
    """(number, title of its section) of every Working Group of the Code."""
    titles: dict[int, str] = {}
    for section in store.sections(MAIN):
        if section.wg is not None:
            titles.setdefault(section.wg, section.title)
    return tuple(sorted(titles.items()))


def save_call(db: Session, actor: User | None, code_id: int, data: CallInput) -> Call:
    """Set the newest call's title, deadline and retention (a first call is
    opened when none exists) and commit. Raises PermissionDenied,
    ValidationError."""
    require(actor, Action.REVIEW_APPLICATIONS)
    errors = {}
    if not data.title.strip():
        errors["title"] = "Give the call a title."
    if not 30 <= data.retention_days <= 3650:
        errors["retention_days"] = "Between 30 and 3,650 days."
    if errors:
        raise ValidationError("The call was not saved.", errors)
    call = current_call(db)
    opened = call is None
    if call is None:
        call = Call(code_id=code_id, created_by_id=actor.id if actor else None)
        db.add(call)
    call.title = data.title.strip()[:300]
    call.closes_at = data.closes_at
    call.retention_days = data.retention_days
    db.flush()
    audit.record(
        db,
        actor,
        "call.open" if opened else "call.update",
        f"call:{call.id}",
        f"call “{call.title}” open until "
        f"{application_mail.brussels(call.closes_at)}; rejected applications "
        f"kept {call.retention_days} days",
    )
    db.commit()
    return call
