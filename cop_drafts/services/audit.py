"""The audit log: every state-changing action, written in the same transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cop_drafts.db.models import AuditEvent, User


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
