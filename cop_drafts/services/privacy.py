"""Personal data of applicants and participants: everything held about one
person, on request; deleting rejected and unconfirmed applications when
their time is up."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cop_drafts.db.models import (
    Application,
    ApplicationStatus,
    AuditEvent,
    Comment,
    SigningStatement,
    User,
    utcnow,
)

from . import application_mail, applications, audit, cvs
from .accounts import find_user
from .review import get_application

#: CVs kept for a form that was never sent are deleted after this.
KEPT_CV_SECONDS = 24 * 3600


@dataclass(frozen=True, slots=True)
class PurgeReport:
    """What one purge deleted."""

    rejected: int
    unconfirmed: int
    kept_cvs: int


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _application(application: Application, folder: Path) -> dict[str, Any]:
    cv: dict[str, Any] | None = None
    path = cvs.path_of(folder, application.cv_file or "")
    if path is not None:
        cv = {
            "sha256": application.cv_sha256,
            "size": application.cv_size,
            "pdf_base64": base64.b64encode(path.read_bytes()).decode("ascii"),
        }
    return {
        "reference": application_mail.reference(application),
        "status": application.status.value,
        "category": application.category.value,
        "working_groups": application.wgs,
        "name": application.name,
        "email": application.email,
        "phone": application.phone,
        "organisation": application.organisation,
        "website": application.website,
        "transparency_register": application.register_number,
        "provider_self_assessment": application.provider_self_assessment,
        "evidence": application.evidence,
        "candidacy": application.candidacy.value if application.candidacy else None,
        "candidacy_answers": application.candidacy_answers,
        "declaration_of_interests": application.declaration,
        "cv": cv,
        "consent_public_list": application.consent_listing,
        "consent_publish_cv": application.consent_cv,
        "received_at": _when(application.created_at),
        "confirmed_at": _when(application.confirmed_at),
        "decided_at": _when(application.decided_at),
        "reason": application.reason,
    }


def _account(db: Session, user: User) -> dict[str, Any]:
    comments = db.scalars(
        select(Comment).where(Comment.author_id == user.id).order_by(Comment.id)
    )
    statements = db.scalars(
        select(SigningStatement).where(SigningStatement.user_id == user.id)
    )
    events = db.scalars(
        select(AuditEvent).where(AuditEvent.actor_id == user.id).order_by(AuditEvent.id)
    )
    return {
        "name": user.name,
        "email": user.email,
        "role": user.role.value,
        "category": user.category.value if user.category else None,
        "organisation": user.organisation.name if user.organisation else None,
        "working_groups": [
            {"wg": m.wg, "role": m.wg_role.value} for m in user.memberships
        ],
        "active": user.is_active,
        "password_set": bool(user.password_hash),
        "created_at": _when(user.created_at),
        "comments": [
            {
                "id": c.id,
                "iteration": c.tag,
                "section": c.path,
                "written_at": _when(c.created_at),
                "status": c.status.value,
                "text": c.body,
                "proposed_wording": c.proposed_text,
            }
            for c in comments
        ],
        "signing_statements": [
            {
                "intent": s.intent.value,
                "statement": s.statement,
                "updated_at": _when(s.updated_at),
            }
            for s in statements
        ],
        "actions": [
            {"at": _when(e.at), "action": e.action, "summary": e.summary}
            for e in events
        ],
    }


def export_person(db: Session, email: str, folder: Path) -> dict[str, Any]:
    """Everything held about the person with `email`: applications (with the
    CV), account, comments, statements and their actions in the audit log."""
    email = email.strip().lower()
    found = db.scalars(
        select(Application).where(Application.email == email).order_by(Application.id)
    )
    user = find_user(db, email)
    return {
        "email": email,
        "exported_at": utcnow().isoformat(),
        "applications": [_application(a, folder) for a in found],
        "account": _account(db, user) if user is not None else None,
    }


def export_application(
    db: Session, actor: User | None, application_id: int, folder: Path
) -> tuple[str, bytes]:
    """(file name, JSON) of everything held about an application's person, for
    the AI Office to send on request; recorded in the audit log. Raises
    PermissionDenied, NotFound."""
    application = get_application(db, actor, application_id)
    data = export_person(db, application.email, folder)
    audit.record(
        db,
        actor,
        "application.export",
        f"application:{application.id}",
        f"exported the personal data of {application_mail.reference(application)}",
    )
    db.commit()
    name = f"personal-data-{application_mail.reference(application)}.json"
    return name, json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8")


def purge(db: Session, folder: Path, now: datetime | None = None) -> PurgeReport:
    """Delete rejected applications past their call's retention period,
    unconfirmed ones past the confirmation time, and CVs kept for forms
    never sent; commits."""
    now = now or utcnow()
    rejected = unconfirmed = 0
    query = select(Application).where(
        Application.status.in_(
            [ApplicationStatus.REJECTED, ApplicationStatus.UNCONFIRMED]
        )
    )
    for application in list(db.scalars(query)):
        due = applications.delete_on(application)
        if due is None or due > now:
            continue
        if application.status is ApplicationStatus.REJECTED:
            rejected += 1
            why = f"rejected more than {application.call.retention_days} days ago"
        else:
            unconfirmed += 1
            why = "e-mail address not confirmed in time"
        applications.delete(db, application, folder, why)
    db.commit()
    kept = cvs.purge_kept(folder, KEPT_CV_SECONDS)
    return PurgeReport(rejected, unconfirmed, kept)
