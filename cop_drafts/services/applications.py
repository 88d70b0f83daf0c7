"""The call for expressions of interest: what each stakeholder category must
show, the public form's checks, the deadline, e-mail confirmation, the
applicant's status page and withdrawal."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cop_drafts.db.models import (
    CATEGORY_LABELS,
    Application,
    ApplicationStatus,
    Call,
    Candidacy,
    Category,
    utcnow,
)
from cop_drafts.store.errors import NotFound
from cop_drafts.store.repo import DraftStore

from . import application_mail, audit, calls, cvs, notifications
from .accounts import normalise_email
from .errors import ServiceError, ValidationError, WindowClosed

#: Unconfirmed applications are deleted after this many days.
CONFIRM_DAYS = application_mail.CONFIRM_DAYS
#: Applications accepted from one address per hour.
PER_HOUR = 5
TEXT_LIMIT = 5000
EVIDENCE_LABELS = {
    "operations": "Existing or planned operations in the European Union",
    "interest": "Legitimate interest in the Code",
    "representativeness": "How representative the organisation is of its "
    "stakeholder group",
    "provider_evidence": "Evidence that you provide general-purpose AI models",
    "expertise": "Relevant expertise: publications, qualifications, projects",
    "independence": "Independence",
}
CANDIDACY_LABELS = {
    "expertise": "Expertise for the role",
    "ability": "Ability to fulfil the role",
    "independence": "Independence from providers and other interests",
    "availability": "Availability over the drafting period",
}
CANDIDACY_CHOICES = application_mail.CANDIDACY_CHOICES
STATUS_LABELS = {
    ApplicationStatus.UNCONFIRMED: "Waiting for you to confirm your e-mail address",
    ApplicationStatus.SUBMITTED: "Received: the AI Office is reviewing it",
    ApplicationStatus.APPROVED: "Accepted",
    ApplicationStatus.REJECTED: "Not accepted",
}
_REGISTER = re.compile(r"[0-9]{9,12}-[0-9]{2}")


@dataclass(frozen=True, slots=True)
class Rules:
    """What one stakeholder category must show."""

    organisation: bool  # an organisation: its name and register number
    evidence: tuple[str, ...]
    provider: bool = False  # the provider self-assessment
    candidacy: bool = False  # may stand for Chair or Vice-Chair


_ASSOCIATION = ("interest", "representativeness")
RULES: dict[Category, Rules] = {
    Category.MODEL_PROVIDER: Rules(True, ("operations", "provider_evidence"), True),
    Category.DOWNSTREAM_PROVIDER: Rules(True, ("operations", "interest")),
    Category.INDUSTRY: Rules(True, ("operations", *_ASSOCIATION)),
    Category.ACADEMIA: Rules(False, ("expertise", "independence"), candidacy=True),
    Category.CIVIL_SOCIETY: Rules(True, _ASSOCIATION),
    Category.RIGHTSHOLDER: Rules(True, _ASSOCIATION),
    Category.OTHER: Rules(True, _ASSOCIATION),
}


class TooManyApplications(ServiceError):
    """Too many applications from one address within the hour (the form
    shows it with what was typed; answered 429)."""

    def __init__(self, minutes: int) -> None:
        super().__init__(
            "Several applications were sent from your network within the hour. "
            f"Try again in {minutes} minutes; what you typed is kept below."
        )
        self.minutes = minutes


class ApplicationRefused(ValidationError):
    """The form has errors; `cv_kept` finds a CV that was fine again."""

    def __init__(self, fields: dict[str, str], cv_kept: str = "") -> None:
        super().__init__("Some answers need correcting; nothing was sent yet.", fields)
        self.cv_kept = cv_kept


@dataclass(frozen=True, slots=True)
class ApplicationInput:
    """The public form, as typed."""

    category: str
    wgs: tuple[str, ...]
    name: str
    email: str
    phone: str = ""
    organisation: str = ""
    website: str = ""
    register_number: str = ""
    provider_self_assessment: bool = False
    evidence: dict[str, str] = field(default_factory=dict)
    candidacy: str = ""
    candidacy_answers: dict[str, str] = field(default_factory=dict)
    declaration: str = ""
    cv: bytes | None = None
    cv_kept: str = ""
    consent_listing: bool = False
    consent_cv: bool = False
    privacy: bool = False


def token_hash(token: str) -> str:
    """SHA-256 of a status-link token: only the hash is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def organisation_key(name: str) -> str:
    """An organisation's name folded for duplicate detection."""
    return " ".join(re.sub(r"[^\w]+", " ", name.casefold()).split())[:200]


# -- the form ----------------------------------------------------------------------
def _text(value: str, limit: int = TEXT_LIMIT) -> str:
    return value.replace("\r\n", "\n").strip()[:limit]


def _check_person(
    data: ApplicationInput, wgs: set[int], errors: dict[str, str]
) -> None:
    if not data.name.strip():
        errors["name"] = "Enter your name."
    try:
        normalise_email(data.email)
    except ValidationError:
        errors["email"] = "Enter an e-mail address such as name@example.org."
    chosen = {w for w in data.wgs if w.isdigit() and int(w) in wgs}
    if not chosen or len(chosen) != len(set(data.wgs)):
        errors["wgs"] = "Choose at least one Working Group."
    if not data.privacy:
        errors["privacy"] = "Tick this box: we cannot handle an application without it."


def _check_evidence(
    data: ApplicationInput, rules: Rules, errors: dict[str, str]
) -> None:
    if rules.organisation:
        if not data.organisation.strip():
            errors["organisation"] = "Enter the organisation's name."
        number = "".join(data.register_number.split())
        if not number:
            errors["register_number"] = (
                "Organisations need an entry in the EU Transparency Register: "
                "enter its identification number."
            )
        elif not _REGISTER.fullmatch(number):
            errors["register_number"] = (
                "Enter the number as the Transparency Register shows it: 9 to 12 "
                "digits, a hyphen and 2 digits, e.g. 123456789012-34."
            )
    for key in rules.evidence:
        if not data.evidence.get(key, "").strip():
            errors[key] = "This category needs an answer here."
    if rules.provider and not data.provider_self_assessment:
        errors["provider_self_assessment"] = (
            "Confirm that your organisation provides general-purpose AI models, "
            "or choose another category."
        )


def _check_candidacy(
    data: ApplicationInput, rules: Rules, errors: dict[str, str]
) -> Candidacy | None:
    if not data.candidacy:
        return None
    try:
        candidacy = Candidacy(data.candidacy)
    except ValueError:
        errors["candidacy"] = "Choose Chair, Vice-Chair or either."
        return None
    if not rules.candidacy:
        errors["candidacy"] = (
            "Chairs and Vice-Chairs are independent experts: to stand, apply as "
            "“Academia or independent expert”."
        )
        return None
    for key in CANDIDACY_LABELS:
        if not data.candidacy_answers.get(key, "").strip():
            errors[f"candidacy_{key}"] = "A candidacy needs an answer here."
    if not data.declaration.strip():
        errors["declaration"] = "A candidacy needs a declaration of interests."
    return candidacy


def _check_cv(
    data: ApplicationInput, folder: Path, limit: int, errors: dict[str, str]
) -> tuple[bytes | None, str]:
    """(the CV's bytes, its kept key); adds an error when it does not pass."""
    cv = data.cv or cvs.kept(folder, data.cv_kept)
    key = data.cv_kept if data.cv is None and cv is not None else ""
    if cv is None:
        errors["cv"] = "A candidacy needs a CV as a PDF file."
        return None, ""
    try:
        cvs.check_pdf(cv, limit)
    except ValidationError as error:
        errors.update(error.fields)
        return None, ""
    return cv, key


def _rate_limit(db: Session, client_key: str, now: datetime, per_hour: int) -> None:
    since = now - timedelta(hours=1)
    query = select(func.count(), func.min(Application.created_at)).where(
        Application.client_key == client_key, Application.created_at >= since
    )
    count, first = db.execute(query).one()
    if count >= per_hour:
        wait = (first + timedelta(hours=1) - now).total_seconds() if first else 3600
        raise TooManyApplications(max(1, int(wait // 60) + 1))


def submit(
    db: Session,
    store: DraftStore,
    call: Call | None,
    data: ApplicationInput,
    *,
    cv_folder: Path,
    cv_limit: int,
    client_key: str,
    per_hour: int = PER_HOUR,
    now: datetime | None = None,
) -> tuple[Application, str]:
    """Record an application, unconfirmed, and queue the mail with its link;
    commits. Returns it and the token of its status link.

    Raises WindowClosed after the deadline, TooManyApplications (more than
    `per_hour` from one `client_key` within the hour), and
    ApplicationRefused with a message per field (a CV that passed is kept).
    """
    now = now or utcnow()
    if call is None or not calls.is_open(call, now):
        when = f" on {application_mail.brussels(call.closes_at)}" if call else ""
        raise WindowClosed(f"The call for expressions of interest closed{when}.")
    _rate_limit(db, client_key, now, per_hour)
    errors: dict[str, str] = {}
    try:
        category = Category(data.category)
        rules = RULES[category]
    except (ValueError, KeyError):
        errors["category"] = "Choose the stakeholder category you apply in."
        category, rules = None, Rules(False, ())
    _check_person(data, {n for n, _ in calls.working_groups(store)}, errors)
    _check_evidence(data, rules, errors)
    candidacy = _check_candidacy(data, rules, errors)
    cv, kept = (None, "")
    if candidacy is not None:
        cv, kept = _check_cv(data, cv_folder, cv_limit, errors)
    if errors or category is None:
        if cv is not None and not kept:
            kept = cvs.keep(cv_folder, cv)
        raise ApplicationRefused(errors, kept)
    token = secrets.token_urlsafe(32)
    application = _new(data, category, rules, candidacy, call, now)
    application.token_hash, application.client_key = token_hash(token), client_key
    if cv is not None:
        stored = cvs.store(cv_folder, cv)
        application.cv_file, application.cv_sha256 = stored.name, stored.sha256
        application.cv_size = stored.size
        cvs.forget_kept(cv_folder, kept)
    db.add(application)
    db.flush()
    audit.record(
        db,
        None,
        "application.submit",
        f"application:{application.id}",
        f"{application_mail.reference(application)} received "
        f"({CATEGORY_LABELS[category]})",
    )
    application_mail.confirmation(db, application, token, now)
    db.commit()
    return application, token


def _new(
    data: ApplicationInput,
    category: Category,
    rules: Rules,
    candidacy: Candidacy | None,
    call: Call,
    now: datetime,
) -> Application:
    evidence = {k: _text(data.evidence.get(k, "")) for k in rules.evidence}
    answers = (
        {k: _text(data.candidacy_answers.get(k, "")) for k in CANDIDACY_LABELS}
        if candidacy
        else {}
    )
    organisation = _text(data.organisation, 200)
    return Application(
        call_id=call.id,
        status=ApplicationStatus.UNCONFIRMED,
        category=category,
        wgs=sorted({int(w) for w in data.wgs}),
        name=_text(data.name, 200),
        email=normalise_email(data.email),
        phone=_text(data.phone, 50),
        organisation=organisation,
        organisation_key=organisation_key(organisation),
        website=_text(data.website, 300),
        register_number="".join(data.register_number.split())
        if rules.organisation
        else "",
        provider_self_assessment=rules.provider and data.provider_self_assessment,
        evidence=evidence,
        candidacy=candidacy,
        candidacy_answers=answers,
        declaration=_text(data.declaration, 10_000) if candidacy else "",
        consent_listing=data.consent_listing,
        consent_cv=data.consent_cv and candidacy is not None,
        created_at=now,
        checklist={},
        reason="",
    )


# -- confirmation, status, withdrawal ---------------------------------------------
def find(db: Session, token: str) -> Application | None:
    """The application of a status-link token, or None."""
    if not token or len(token) > 200:
        return None
    return db.scalar(
        select(Application).where(Application.token_hash == token_hash(token))
    )


def get(db: Session, token: str) -> Application:
    """The application of a status-link token. Raises NotFound."""
    application = find(db, token)
    if application is None:
        raise NotFound(
            "There is no application behind this link: it may have been "
            "withdrawn, deleted after the retention period, or mistyped."
        )
    return application


def confirm(db: Session, token: str, now: datetime | None = None) -> Application:
    """Confirm the applicant's e-mail address: the application goes to the
    AI Office's queue and a receipt is queued. Confirming again changes
    nothing. Commits. Raises NotFound."""
    now = now or utcnow()
    application = get(db, token)
    if application.status is not ApplicationStatus.UNCONFIRMED:
        return application
    application.status = ApplicationStatus.SUBMITTED
    application.confirmed_at = now
    audit.record(
        db,
        None,
        "application.confirm",
        f"application:{application.id}",
        f"{application_mail.reference(application)}: e-mail address confirmed",
    )
    application_mail.receipt(db, application, token, now)
    db.commit()
    return application


def withdraw(db: Session, token: str, *, cv_folder: Path) -> None:
    """Withdraw an application not yet accepted: it is deleted with its CV
    and its mails at once. Commits. Raises NotFound, ValidationError."""
    application = get(db, token)
    if application.status is ApplicationStatus.APPROVED:
        raise ValidationError(
            "Your application was accepted, so you take part with an account. "
            "To leave the process or have your data deleted, write to the AI "
            "Office."
        )
    delete(db, application, cv_folder, "withdrawn by the applicant")
    db.commit()


def delete(db: Session, application: Application, cv_folder: Path, why: str) -> None:
    """Delete an application, its CV and its mails (the caller commits); the
    audit log keeps its number and why, nothing personal."""
    cvs.delete(cv_folder, application.cv_file)
    notifications.delete_account_mails(db, f"application:{application.id}:")
    audit.record(
        db,
        None,
        "application.delete",
        f"application:{application.id}",
        f"{application_mail.reference(application)} deleted: {why}",
    )
    db.delete(application)


def delete_on(application: Application) -> datetime | None:
    """When an application is deleted unless something changes, or None."""
    if application.status is ApplicationStatus.UNCONFIRMED:
        return application.created_at + timedelta(days=CONFIRM_DAYS)
    if application.status is ApplicationStatus.REJECTED and application.decided_at:
        return application.decided_at + timedelta(days=application.call.retention_days)
    return None
