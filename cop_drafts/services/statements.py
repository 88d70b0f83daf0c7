"""The closing Plenary: each provider organisation states whether it envisages
signing the final Code (yes, no, undecided, with an optional statement); the
AI Office publishes the list when it decides."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from cop_drafts.db.models import (
    Code,
    Organisation,
    SigningIntent,
    SigningStatement,
    StatementList,
    User,
    labels,
    utcnow,
)
from cop_drafts.store.errors import NotFound

from . import audit
from .errors import ValidationError
from .permissions import Action, can, require

INTENT_LABELS = labels(SigningIntent)
STATEMENT_LIMIT = 3000


@dataclass(frozen=True, slots=True)
class Statements:
    """The statements page for one reader."""

    published_at: datetime | None
    statements: tuple[SigningStatement, ...]  # what this reader may see
    counts: dict[SigningIntent, int]
    mine: SigningStatement | None  # the reader's organisation's
    may_state: bool
    may_publish: bool


def _list(db: Session, code: Code) -> StatementList | None:
    return db.scalar(select(StatementList).where(StatementList.code_id == code.id))


def _all(db: Session, code: Code) -> tuple[SigningStatement, ...]:
    query = (
        select(SigningStatement)
        .join(Organisation)
        .where(SigningStatement.code_id == code.id)
        .order_by(Organisation.name)
    )
    return tuple(db.scalars(query))


def overview(db: Session, code: Code, user: User | None) -> Statements:
    """The statements of `code` as `user` may see them: everyone once
    published; before that the AI Office sees all and a provider its own.
    Raises NotFound to the public before publication."""
    listing = _list(db, code)
    published = listing.published_at if listing else None
    if published is None and user is None:
        raise NotFound("no published statements")
    every = _all(db, code)
    may_publish = can(user, Action.PUBLISH_STATEMENTS)
    mine = None
    if user is not None and user.organisation_id is not None:
        mine = next(
            (s for s in every if s.organisation_id == user.organisation_id), None
        )
    shown = every if (published or may_publish) else ((mine,) if mine else ())
    counts = {intent: 0 for intent in SigningIntent}
    for each in shown:
        counts[each.intent] += 1
    return Statements(
        published,
        shown,
        counts,
        mine,
        can(user, Action.STATE_SIGNING) and published is None,
        may_publish,
    )


def state(
    db: Session,
    code: Code,
    user: User | None,
    intent: str,
    statement: str,
    now: datetime | None = None,
) -> SigningStatement:
    """Record (or change) the statement of `user`'s organisation; commits.
    Refused once the list is published. Raises PermissionDenied,
    ValidationError."""
    user = require(user, Action.STATE_SIGNING)
    assert user.organisation_id is not None  # the policy
    now = now or utcnow()
    listing = _list(db, code)
    if listing is not None and listing.published_at is not None:
        raise ValidationError(
            "The list of statements is published, so it can no longer change. "
            "Write to the AI Office if your organisation's position changed."
        )
    try:
        chosen = SigningIntent(intent)
    except ValueError as error:
        raise ValidationError(
            "Choose an answer.", {"intent": "Choose yes, no or undecided."}
        ) from error
    text = statement.replace("\r\n", "\n").strip()
    if len(text) > STATEMENT_LIMIT:
        raise ValidationError(
            "The statement is too long.",
            {"statement": f"At most {STATEMENT_LIMIT:,} characters."},
        )
    row = db.scalar(
        select(SigningStatement).where(
            SigningStatement.code_id == code.id,
            SigningStatement.organisation_id == user.organisation_id,
        )
    )
    if row is None:
        row = SigningStatement(
            code_id=code.id, organisation_id=user.organisation_id, created_at=now
        )
        db.add(row)
    row.user_id, row.intent, row.statement, row.updated_at = user.id, chosen, text, now
    db.flush()
    audit.record(
        db,
        user,
        "statement.state",
        f"statement:{row.id}",
        f"{row.organisation.name}: {INTENT_LABELS[chosen].lower()}",
    )
    db.commit()
    return row


def publish(
    db: Session,
    code: Code,
    user: User | None,
    published: bool,
    now: datetime | None = None,
) -> StatementList:
    """Publish the statements (everyone, the public too, reads them; they no
    longer change) or take the list back; commits. Raises PermissionDenied."""
    require(user, Action.PUBLISH_STATEMENTS)
    listing = _list(db, code)
    if listing is None:
        listing = StatementList(code_id=code.id)
        db.add(listing)
    listing.published_at = (now or utcnow()) if published else None
    listing.published_by_id = user.id if user and published else None
    db.flush()
    audit.record(
        db,
        user,
        "statement.publish" if published else "statement.unpublish",
        f"code:{code.slug}",
        "published the signing statements"
        if published
        else "took the signing statements back to change them",
    )
    db.commit()
    return listing
