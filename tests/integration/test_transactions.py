"""Each use case commits once: when its last write fails, nothing of its
earlier steps stays in the database (the database itself refuses the write;
see faults.inserts_refused). Publishing has its own in test_publishing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from cop_drafts.db.models import (
    Application,
    ApplicationStatus,
    AuditEvent,
    Code,
    Invitation,
)
from cop_drafts.services import accounts, review
from cop_drafts.store.repo import DraftStore
from tests.membership import mails, open_call, submitted
from tests.story import person

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
