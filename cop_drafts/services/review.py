"""The AI Office reviews expressions of interest: a queue per category, the
call's criteria as a checklist, possible duplicates, and the decision. An
approval creates the account with its category and Working Groups and sends
the invitation; a rejection sends its reason."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cop_drafts.db.models import (
    CATEGORY_LABELS,
    Application,
    ApplicationStatus,
    Call,
    Category,
    Organisation,
    Role,
    User,
    WgRole,
    utcnow,
)
from cop_drafts.store.errors import NotFound

from . import accounts, application_mail, audit, cvs
from .applications import RULES, organisation_key
from .errors import ValidationError
from .permissions import Action, require

CRITERIA = {
    "register": "The Transparency Register entry exists and is the organisation's",
    "operations": "Operations in the Union, existing or planned, are shown",
    "interest": "A legitimate interest in the Code is shown",
    "representativeness": "The organisation represents its stakeholder group",
    "provider_evidence": "It provides general-purpose AI models: the "
    "self-assessment and its evidence hold",
    "expertise": "Relevant expertise is shown: publications, qualifications, projects",
    "independence": "Independent of providers and of other interests in the Code",
}
CANDIDACY_CRITERIA = {
    "candidacy_expertise": "Candidacy: expertise for the role",
    "candidacy_ability": "Candidacy: able to fulfil the role",
    "candidacy_independence": "Candidacy: independent",
    "candidacy_availability": "Candidacy: available over the drafting period",
    "candidacy_documents": "Candidacy: CV and declaration of interests complete",
}
#: Where an application stands, in the reviewer's words.
STATUS_LABELS = {
    ApplicationStatus.UNCONFIRMED: "E-mail not confirmed",
    ApplicationStatus.SUBMITTED: "To review",
    ApplicationStatus.APPROVED: "Approved",
    ApplicationStatus.REJECTED: "Rejected",
}
DUPLICATE_LABELS = {
    "register": "same Transparency Register number",
    "email": "same e-mail address",
    "organisation": "same organisation name",
}


@dataclass(frozen=True, slots=True)
class Duplicate:
    """Another application, account or organisation that may be the same."""

    kind: str  # register, email, organisation, account, known_organisation
    text: str
    application_id: int | None = None


@dataclass(frozen=True, slots=True)
class QueueRow:
    """One application in the queue, with what may duplicate it."""

    application: Application
    duplicates: tuple[Duplicate, ...]


@dataclass(frozen=True, slots=True)
class Queue:
    """The applications of one category and status, and counts of the rest."""

    call: Call | None
    category: Category | None
    status: ApplicationStatus
    waiting: dict[Category, int]  # confirmed, not decided, per category
    by_status: dict[ApplicationStatus, int]
    rows: tuple[QueueRow, ...]


@dataclass(frozen=True, slots=True)
class Check:
    """One criterion of the checklist and whether the reviewer ticked it."""

    key: str
    label: str
    checked: bool


@dataclass(frozen=True, slots=True)
class Review:
    """An application as the reviewer sees it."""

    application: Application
    duplicates: tuple[Duplicate, ...]
    checks: tuple[Check, ...]
    candidacy_checks: tuple[Check, ...]
    invitation_open: bool


@dataclass(frozen=True, slots=True)
class Decision:
    """What the reviewer sent: save the checklist, approve or reject."""

    action: str  # save, approve, reject
    checked: frozenset[str]
    reason: str = ""


def criteria(application: Application) -> tuple[str, ...]:
    """The eligibility criteria of the application's category."""
    rules = RULES.get(application.category)
    if rules is None:
        return ()
    keys = ("register",) if rules.organisation else ()
    return keys + rules.evidence


def candidacy_criteria(application: Application) -> tuple[str, ...]:
    """The criteria of a candidacy, when there is one."""
    return tuple(CANDIDACY_CRITERIA) if application.candidacy else ()


def duplicates_of(
    db: Session, application: Application, others: list[Application] | None = None
) -> tuple[Duplicate, ...]:
    """Other applications of the call with the same register number, e-mail
    or organisation name; an account with the e-mail; a known organisation."""
    if others is None:
        others = list(
            db.scalars(
                select(Application).where(Application.call_id == application.call_id)
            )
        )
    found = []
    for other in others:
        if other.id == application.id:
            continue
        for kind, mine, theirs in (
            ("register", application.register_number, other.register_number),
            ("email", application.email, other.email),
            ("organisation", application.organisation_key, other.organisation_key),
        ):
            if mine and mine == theirs:
                found.append(
                    Duplicate(
                        kind,
                        f"{DUPLICATE_LABELS[kind]} as "
                        f"{application_mail.reference(other)} ({other.name}, "
                        f"{other.status.value})",
                        other.id,
                    )
                )
    return tuple(found)


def _known(
    db: Session, applications: list[Application]
) -> tuple[set[str], dict[str, str]]:
    """E-mails with an account, and organisation keys of known organisations."""
    emails = {a.email for a in applications}
    with_account = set(db.scalars(select(User.email).where(User.email.in_(emails))))
    names = {a.organisation_key for a in applications if a.organisation_key}
    known = {}
    if names:
        for organisation in db.scalars(select(Organisation)):
            key = organisation_key(organisation.name)
            if key in names:
                known[key] = organisation.name
    return with_account, known


def _account_or_organisation(
    application: Application, with_account: set[str], known: dict[str, str]
) -> list[Duplicate]:
    if application.user_id is not None:
        return []  # the account and organisation are its own
    found = []
    if application.email in with_account:
        found.append(Duplicate("account", "an account with this e-mail exists"))
    if application.organisation_key in known:
        name = known[application.organisation_key]
        found.append(Duplicate("known_organisation", f"“{name}” already takes part"))
    return found


def queue(
    db: Session,
    actor: User | None,
    call: Call | None,
    category: Category | None,
    status: ApplicationStatus = ApplicationStatus.SUBMITTED,
) -> Queue:
    """The call's applications of `category` (every one when None) in
    `status`, oldest first, with counts. Raises PermissionDenied."""
    require(actor, Action.REVIEW_APPLICATIONS)
    if call is None:
        return Queue(None, category, status, {}, {}, ())
    every = list(
        db.scalars(
            select(Application)
            .where(Application.call_id == call.id)
            .order_by(Application.created_at, Application.id)
        )
    )
    waiting: dict[Category, int] = defaultdict(int)
    by_status: dict[ApplicationStatus, int] = defaultdict(int)
    for each in every:
        by_status[each.status] += 1
        if each.status is ApplicationStatus.SUBMITTED:
            waiting[each.category] += 1
    shown = [
        a
        for a in every
        if a.status is status and (category is None or a.category is category)
    ]
    with_account, known = _known(db, shown)
    rows = []
    for each in shown:
        found = list(duplicates_of(db, each, every))
        found += _account_or_organisation(each, with_account, known)
        rows.append(QueueRow(each, tuple(found)))
    return Queue(call, category, status, dict(waiting), dict(by_status), tuple(rows))


def get_application(
    db: Session, actor: User | None, application_id: int
) -> Application:
    """One application for the reviewer. Raises PermissionDenied, NotFound."""
    return _reviewing(db, actor, application_id)[1]


def _reviewing(
    db: Session, actor: User | None, application_id: int
) -> tuple[User, Application]:
    """`actor`, known to review applications, and the application. Raises
    PermissionDenied, NotFound."""
    reviewer = require(actor, Action.REVIEW_APPLICATIONS)
    application = db.get(Application, application_id)
    if application is None:
        raise NotFound(f"no application {application_id}")
    return reviewer, application


def review_page(db: Session, actor: User | None, application_id: int) -> Review:
    """The application with its checklist and duplicates. Raises
    PermissionDenied, NotFound."""
    application = get_application(db, actor, application_id)
    others = list(
        db.scalars(
            select(Application).where(Application.call_id == application.call_id)
        )
    )
    ticked = application.checklist or {}

    def _checks(keys: tuple[str, ...], labels: dict[str, str]) -> tuple[Check, ...]:
        return tuple(Check(k, labels[k], bool(ticked.get(k))) for k in keys)

    open_invitation = False
    if application.user is not None and not application.user.password_hash:
        open_invitation = bool(accounts.pending_invitations(db, [application.user.id]))
    with_account, known = _known(db, [application])
    found = duplicates_of(db, application, others)
    found += tuple(_account_or_organisation(application, with_account, known))
    return Review(
        application,
        found,
        _checks(criteria(application), CRITERIA),
        _checks(candidacy_criteria(application), CANDIDACY_CRITERIA),
        open_invitation,
    )


def decide(
    db: Session,
    actor: User | None,
    application_id: int,
    decision: Decision,
    *,
    invitation_days: int,
    now: datetime | None = None,
) -> Application:
    """Save the checklist, approve or reject; commits.

    Approving needs every eligibility criterion ticked and no account with
    the e-mail; it creates the account (participant, the application's
    category, organisation and Working Groups) and queues the invitation.
    Rejecting needs a reason, which the applicant receives. Raises
    PermissionDenied, NotFound, ValidationError.
    """
    now = now or utcnow()
    actor, application = _reviewing(db, actor, application_id)
    if application.status is not ApplicationStatus.SUBMITTED:
        raise ValidationError(
            "This application is not waiting for a decision "
            f"({application.status.value})."
        )
    keys = criteria(application) + candidacy_criteria(application)
    application.checklist = {k: k in decision.checked for k in keys}
    application.reason = decision.reason.strip()[:5000]
    if decision.action == "approve":
        _approve(db, actor, application, invitation_days, now)
    elif decision.action == "reject":
        _reject(db, actor, application, now)
    else:
        audit.record(
            db,
            actor,
            "application.checklist",
            f"application:{application.id}",
            f"{application_mail.reference(application)}: checklist saved",
        )
    db.commit()
    return application


def _approve(
    db: Session, actor: User, application: Application, days: int, now: datetime
) -> None:
    missing = [k for k in criteria(application) if not application.checklist.get(k)]
    if missing:
        raise ValidationError(
            "Tick every criterion before approving, or reject with a reason.",
            {"checklist": "Not ticked: " + "; ".join(CRITERIA[k] for k in missing)},
        )
    if accounts.find_user(db, application.email) is not None:
        raise ValidationError(
            "An account with this e-mail address exists already: change that "
            "account on the People page, or reject this application as a "
            "duplicate.",
        )
    application.status = ApplicationStatus.APPROVED
    application.decided_by_id, application.decided_at = actor.id, now
    audit.record(
        db,
        actor,
        "application.approve",
        f"application:{application.id}",
        f"{application_mail.reference(application)} approved "
        f"({CATEGORY_LABELS[application.category]})",
    )
    person = accounts.NewPerson(
        email=application.email,
        name=application.name,
        role=Role.PARTICIPANT,
        category=application.category,
        organisation=application.organisation or None,
        memberships=tuple((wg, WgRole.MEMBER) for wg in application.wgs),
    )
    # The decision, the account, the invitation and its mail commit together
    # (decide commits): a failure leaves the application waiting, with no
    # account and no link.
    user, token = accounts.add_invitation(db, actor, person, days=days)
    application.user_id = user.id
    application_mail.invitation(db, application, user, token, days, now)


def _reject(db: Session, actor: User, application: Application, now: datetime) -> None:
    if not application.reason:
        raise ValidationError(
            "Say why: the applicant receives the reason.",
            {"reason": "Write the reason the applicant will read."},
        )
    application.status = ApplicationStatus.REJECTED
    application.decided_by_id, application.decided_at = actor.id, now
    audit.record(
        db,
        actor,
        "application.reject",
        f"application:{application.id}",
        f"{application_mail.reference(application)} rejected",
    )
    application_mail.rejection(db, application, now)


def invite_again(
    db: Session,
    actor: User | None,
    application_id: int,
    *,
    days: int,
    now: datetime | None = None,
) -> Application:
    """A new invitation link for an approved applicant who has not set a
    password yet (the first expired or was lost); commits. Raises
    PermissionDenied, NotFound, ValidationError."""
    now = now or utcnow()
    application = get_application(db, actor, application_id)
    user = application.user
    if application.status is not ApplicationStatus.APPROVED or user is None:
        raise ValidationError("Only an approved application has an invitation.")
    if user.password_hash:
        raise ValidationError(f"{user.email} has set a password already.")
    person = accounts.NewPerson(user.email, user.name, user.role)
    # The link and its mail commit together: no link stored that nobody got.
    user, token = accounts.add_invitation(db, actor, person, days=days)
    application_mail.invitation(db, application, user, token, days, now, again=True)
    db.commit()
    return application


def cv_path(
    db: Session, actor: User | None, application_id: int, folder: Path
) -> tuple[Application, Path]:
    """The CV of an application, for the AI Office. Raises PermissionDenied,
    NotFound."""
    application = get_application(db, actor, application_id)
    path = cvs.path_of(folder, application.cv_file or "")
    if path is None:
        raise NotFound("this application has no CV")
    return application, path


def waiting_count(db: Session) -> int:
    """Confirmed applications waiting for a decision, in every call."""
    query = select(func.count()).where(
        Application.status == ApplicationStatus.SUBMITTED
    )
    return db.scalar(query) or 0
