"""The audit log: every state-changing action, written in the same transaction;
read by the AI Office with filters, a page at a time or as CSV."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, selectinload

from cop_drafts.db.models import AuditEvent, User

from .errors import ValidationError
from .permissions import Action, require

#: Logins are most of the log; they are shown only when asked for.
LOGIN = "user.login"
PAGE_SIZE = 50

#: What each recorded action means, in the words of the process.
ACTION_LABELS = {
    "application.approve": "Application approved",
    "application.checklist": "Application checklist updated",
    "application.confirm": "Application e-mail confirmed",
    "application.delete": "Application deleted",
    "application.export": "Applicant's data exported",
    "application.reject": "Application rejected",
    "application.submit": "Application received",
    "appointment": "Chair or Vice-Chair appointed",
    "branch.flow_back": "Consolidated text brought into a working draft",
    "branch.flow_back_conflict": "Consolidated text clashed with a working draft",
    "call.open": "Call for expressions of interest opened",
    "call.update": "Call for expressions of interest changed",
    "checks.settings": "Consistency checks set",
    "code.create": "Code created",
    "comment.create": "Comment posted",
    "comment.edit": "Comment edited",
    "comment.withdraw": "Comment withdrawn",
    "consolidation.merge": "Working draft taken into the consolidated text",
    "disposition.draft": "Answers drafted",
    "disposition.release": "Answers released",
    "iteration.publish": "Draft published",
    "iteration.visibility": "Published draft made public or not",
    "round.close": "Comment window closed",
    "round.extend": "Comment window extended",
    "round.open": "Drafting round opened",
    "section.harmonise": "Section harmonised",
    "section.save": "Section saved",
    "statement.publish": "Signing statements published",
    "statement.state": "Signing statement given",
    "statement.unpublish": "Signing statements withdrawn",
    "submission.import": "Written submission imported",
    "user.accept_invitation": "Invitation accepted",
    "user.create": "Account created",
    "user.end_sessions": "Sessions ended",
    "user.invite": "Person invited",
    "user.login": "Logged in",
    "user.password": "Password changed",
    "workshop.minutes": "Workshop minutes saved",
    "workshop.publish_minutes": "Workshop minutes published",
    "workshop.schedule": "Workshop scheduled",
}


def action_label(action: str) -> str:
    """The plain words for a recorded action (its code when unknown)."""
    return ACTION_LABELS.get(action, action)


# Commit ids the app writes into its summaries: "(2c5f2f170f)", "as 2c5f2f170f".
_COMMIT_ID = re.compile(r" ?\([0-9a-f]{7,40}\)| as [0-9a-f]{7,40}\b")
_MAIN_FIRST = re.compile(r"^main\b")


def summary_words(summary: str) -> str:
    """A summary as the log page shows it: branch names in plain words and
    commit ids left out (the CSV keeps the summary as recorded)."""
    from .diffs import message_words  # diffs imports codes, which imports us

    text = _MAIN_FIRST.sub("the consolidated text", _COMMIT_ID.sub("", summary))
    return message_words(text)


def record(
    db: Session,
    actor: User | None,
    action: str,
    target: str = "",
    summary: str = "",
    **detail: Any,
) -> AuditEvent:
    """Add an audit event to `db`'s transaction (the caller commits)."""
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=action,
        target=target,
        summary=summary,
        detail=detail,
    )
    db.add(event)
    return event


def recent(db: Session, limit: int = 200) -> list[AuditEvent]:
    """Newest audit events first."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    return list(db.scalars(query))


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """What the AI Office asks of the log: dates are Brussels days, inclusive."""

    actor_id: int | None = None
    action: str | None = None
    since: date | None = None
    until: date | None = None
    include_logins: bool = False


@dataclass(frozen=True, slots=True)
class AuditPage:
    """One page of matching events, newest first."""

    events: list[AuditEvent]
    total: int
    page: int
    pages: int


def _start_of(day: date) -> datetime:
    from .rounds import BRUSSELS

    return datetime.combine(day, time(0, 0), BRUSSELS)


def _where(filters: AuditFilter) -> list[ColumnElement[bool]]:
    """The filters as SQL conditions. Raises ValidationError (reversed dates)."""
    if filters.since and filters.until and filters.since > filters.until:
        raise ValidationError(
            "The date range is reversed.",
            {"until": "The end date comes before the start date."},
        )
    where: list[ColumnElement[bool]] = []
    if filters.actor_id is not None:
        where.append(AuditEvent.actor_id == filters.actor_id)
    if filters.action:
        where.append(AuditEvent.action == filters.action)
    elif not filters.include_logins:
        where.append(AuditEvent.action != LOGIN)
    if filters.since:
        where.append(AuditEvent.at >= _start_of(filters.since))
    if filters.until:
        where.append(AuditEvent.at < _start_of(filters.until + timedelta(days=1)))
    return where


def search(
    db: Session, actor: User | None, filters: AuditFilter, page: int = 1
) -> AuditPage:
    """Events matching `filters`, newest first, PAGE_SIZE a page (a page past
    the last shows the last). Logins only with include_logins or when asked
    for by action. Raises PermissionDenied, ValidationError."""
    require(actor, Action.VIEW_AUDIT)
    where = _where(filters)
    total = db.scalar(select(func.count(AuditEvent.id)).where(*where)) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    events = db.scalars(
        select(AuditEvent)
        .where(*where)
        .options(selectinload(AuditEvent.actor))
        .order_by(AuditEvent.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    return AuditPage(list(events), total, page, pages)


def actions(db: Session) -> list[str]:
    """Every action name the log holds, alphabetically."""
    return sorted(db.scalars(select(AuditEvent.action).distinct()))


def actors(db: Session) -> list[User]:
    """Everyone who appears in the log as the one acting, by name."""
    ids = select(AuditEvent.actor_id).where(AuditEvent.actor_id.is_not(None))
    return list(db.scalars(select(User).where(User.id.in_(ids)).order_by(User.name)))


CSV_COLUMNS = ("When (UTC)", "Who", "E-mail", "What", "Action", "Target", "Details")


def export_rows(
    db: Session, actor: User | None, filters: AuditFilter
) -> list[tuple[str, ...]]:
    """Every event matching `filters` (all pages), newest first, as CSV rows.

    Raises PermissionDenied, ValidationError.
    """
    require(actor, Action.VIEW_AUDIT)
    # Plain rows, not ORM objects: an export of 100,000 entries stays quick.
    rows = db.execute(
        select(
            AuditEvent.at,
            User.name,
            User.email,
            AuditEvent.action,
            AuditEvent.target,
            AuditEvent.summary,
        )
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(*_where(filters))
        .order_by(AuditEvent.id.desc())
    )
    return [
        (
            at.isoformat(timespec="seconds"),
            name or "system",
            email or "",
            action_label(action),
            action,
            target,
            summary,
        )
        for at, name, email, action, target, summary in rows
    ]
