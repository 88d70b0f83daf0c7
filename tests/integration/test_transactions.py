"""Each use case commits once: when its last write fails, nothing of its
earlier steps stays in the database (the database itself refuses the write;
see faults.inserts_refused). Publishing has its own in test_publishing.
Where a second transaction is deliberate, what it keeps is tested too."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from cop_drafts.db.models import (
    Application,
    ApplicationStatus,
    AuditEvent,
    Code,
    Invitation,
)
from cop_drafts.services import accounts, drafts, review
from cop_drafts.store.repo import DraftStore
from tests.membership import mails, open_call, submitted
from tests.story import S, person

from .faults import inserts_refused

EMAIL = "lea@aurora-models.example"
APPROVE = review.Decision(
    action="approve",
    checked=frozenset({"register", "operations", "provider_evidence"}),
    reason="Welcome aboard.",
)


def _application(
    db: Session, store: DraftStore, code: Code, data_dir: Path
) -> Application:
    application, _ = submitted(
        db, store, open_call(db, code), "model_provider", data_dir / "cvs", email=EMAIL
    )
    return application


def _audited(db: Session, action: str) -> int:
    query = select(func.count()).where(AuditEvent.action == action)
    return db.scalar(query) or 0


def _invitations(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Invitation)) or 0


def test_an_approval_whose_mail_is_refused_leaves_the_application_waiting(
    db: Session, seeded: Code, seeded_store: DraftStore, data_dir: Path
) -> None:
    application = _application(db, seeded_store, seeded, data_dir)
    office = person(db, "ai-office")
    invitations = _invitations(db)
    before = (
        invitations,
        _audited(db, "application.approve"),
        _audited(db, "user.invite"),
    )

    with inserts_refused(db, "notifications"):
        with pytest.raises(SQLAlchemyError, match="disk full"):
            review.decide(db, office, application.id, APPROVE, invitation_days=14)
    # The account, the invitation and the decision went with the mail.
    db.expire_all()
    assert accounts.find_user(db, EMAIL) is None
    stored = db.get(Application, application.id)
    assert stored is not None and stored.status is ApplicationStatus.SUBMITTED
    assert stored.user_id is None and stored.decided_at is None
    after = (
        _invitations(db),
        _audited(db, "application.approve"),
        _audited(db, "user.invite"),
    )
    assert after == before

    # So the AI Office approves again, and it all goes in at once.
    review.decide(db, office, application.id, APPROVE, invitation_days=14)
    db.expire_all()
    user = accounts.find_user(db, EMAIL)
    assert user is not None and stored.user_id == user.id
    assert stored.status is ApplicationStatus.APPROVED
    assert _invitations(db) == invitations + 1
    assert "accepted" in mails(db, EMAIL)[-1].subject


def test_a_new_invitation_whose_mail_is_refused_stores_no_link(
    db: Session, seeded: Code, seeded_store: DraftStore, data_dir: Path
) -> None:
    application = _application(db, seeded_store, seeded, data_dir)
    office = person(db, "ai-office")
    review.decide(db, office, application.id, APPROVE, invitation_days=14)
    invitations, sent = _invitations(db), len(mails(db, EMAIL))
    audited = _audited(db, "user.invite")

    with inserts_refused(db, "notifications"):
        with pytest.raises(SQLAlchemyError, match="disk full"):
            review.invite_again(db, office, application.id, days=14)
    db.expire_all()
    assert _invitations(db) == invitations
    assert _audited(db, "user.invite") == audited
    assert len(mails(db, EMAIL)) == sent

    review.invite_again(db, office, application.id, days=14)
    db.expire_all()
    assert _invitations(db) == invitations + 1
    assert "new link" in mails(db, EMAIL)[-1].body


@contextmanager
def audit_refused(db: Session, action: str) -> Iterator[None]:
    """While open, writing an audit row of `action` fails as a full disk would."""

    def refuse(session: Session, *_: Any) -> None:
        if any(getattr(o, "action", None) == action for o in session.new):
            raise SQLAlchemyError("disk full")

    event.listen(db, "before_flush", refuse)
    try:
        yield
    finally:
        event.remove(db, "before_flush", refuse)
        db.rollback()


def test_a_harmonisation_stays_recorded_when_bringing_it_back_fails(
    db: Session, seeded: Code, seeded_store: DraftStore
) -> None:
    """Deliberate: the save commits its audit row before the flow-back, since
    the drafts hold it already; the branches are then brought in from the board."""
    text = seeded_store.read("main", S).text + "\nA harmonised sentence.\n"
    sub = drafts.Submission(text, "Harmonise a term", seeded_store.resolve("main"))
    coordinator = person(db, "coordinator")
    saved = _audited(db, "section.harmonise")

    with audit_refused(db, "branch.flow_back"):
        with pytest.raises(SQLAlchemyError, match="disk full"):
            drafts.save(db, seeded_store, seeded, coordinator, S, sub, 1_000_000)
    db.expire_all()
    assert "A harmonised sentence." in seeded_store.read("main", S).text
    assert _audited(db, "section.harmonise") == saved + 1
