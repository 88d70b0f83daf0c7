"""A person's choice of delivery per kind of notification (off, at once or a
daily digest), and when the next daily digest goes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cop_drafts.db.models import NotificationKind, NotificationSetting, User, labels

from .. import rounds
from ..errors import ValidationError

OFF, IMMEDIATE, DAILY = "off", "immediate", "daily"
DELIVERY_LABELS = {OFF: "Off", IMMEDIATE: "At once", DAILY: "Daily digest"}
KIND_LABELS = labels(NotificationKind)
#: The kinds a person chooses a delivery for; ACCOUNT mails always go at once.
CHOSEN_KINDS = (
    NotificationKind.REPLY,
    NotificationKind.DISPOSITION,
    NotificationKind.ITERATION,
    NotificationKind.DEADLINE,
)
DIGEST_TIME = time(7, 0)  # Brussels time


def load_preferences(db: Session, user: User) -> dict[NotificationKind, str]:
    """The person's delivery per kind ("immediate" where never chosen)."""
    chosen = _deliveries(db, [user.id])
    return {kind: chosen.get((user.id, kind), IMMEDIATE) for kind in CHOSEN_KINDS}


def save_preferences(db: Session, user: User, choices: Mapping[str, str]) -> None:
    """Store the person's delivery for every kind and commit.

    Raises ValidationError (a kind missing or an unknown delivery).
    """
    bad = {
        kind.value: "Choose off, at once or daily digest."
        for kind in CHOSEN_KINDS
        if choices.get(kind.value) not in DELIVERY_LABELS
    }
    if bad:
        raise ValidationError("Choose how you want to hear about each kind.", bad)
    for last_try in (False, True):
        query = select(NotificationSetting).where(
            NotificationSetting.user_id == user.id
        )
        rows = {s.kind: s for s in db.scalars(query)}
        for kind in CHOSEN_KINDS:
            row = rows.get(kind) or NotificationSetting(user_id=user.id, kind=kind)
            row.delivery = choices[kind.value]
            db.add(row)
        try:
            db.commit()
            return
        except IntegrityError:
            # The same form sent twice at once: the other request inserted
            # the rows first; update them instead.
            db.rollback()
            if last_try:
                raise


def _deliveries(
    db: Session, user_ids: Iterable[int]
) -> dict[tuple[int, NotificationKind], str]:
    query = select(NotificationSetting).where(
        NotificationSetting.user_id.in_(list(user_ids))
    )
    return {(s.user_id, s.kind): s.delivery for s in db.scalars(query)}


def next_digest(now: datetime) -> datetime:
    """The first daily digest time (07:00 Brussels) after `now`, in UTC."""
    local = now.astimezone(rounds.BRUSSELS)
    at = datetime.combine(local.date(), DIGEST_TIME, rounds.BRUSSELS)
    if at <= local:
        at = datetime.combine(
            local.date() + timedelta(days=1), DIGEST_TIME, rounds.BRUSSELS
        )
    return at.astimezone(UTC)
