"""The mails an applicant receives: the link to confirm their address, the
receipt, the decision with its reason, the invitation to set a password.
Queued in the notification outbox in the transaction of what causes them."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from cop_drafts.db.models import CATEGORY_LABELS, Application, Candidacy, User

from . import notifications
from .rounds import BRUSSELS

CONFIRM_DAYS = 7
CANDIDACY_CHOICES = {
    Candidacy.CHAIR: "Chair",
    Candidacy.VICE_CHAIR: "Vice-Chair",
    Candidacy.EITHER: "Chair or Vice-Chair",
}
SITE = notifications.SITE


def reference(application: Application) -> str:
    """The number an applicant quotes, e.g. ``EOI-00012``."""
    return f"EOI-{application.id:05d}"


def brussels(value: datetime) -> str:
    """A time as the call states it: ``25 August 2026, 18:00 Brussels time``."""
    return value.astimezone(BRUSSELS).strftime("%-d %B %Y, %H:%M Brussels time")


def status_link(token: str) -> str:
    """The applicant's status page, as a mail names it."""
    return f"{SITE}/apply/status/{token}"


def _key(application: Application, what: str) -> str:
    # Every mail of an application shares this prefix: withdrawing or deleting
    # the application deletes them (applications.delete).
    return f"application:{application.id}:{what}"


def _to(application: Application) -> tuple[str, str]:
    return application.email, application.name


def summary(application: Application) -> str:
    """The application in a few lines, as the receipt gives it."""
    lines = [
        f"Reference: {reference(application)}",
        f"Category: {CATEGORY_LABELS[application.category]}",
        "Working Groups: " + ", ".join(str(wg) for wg in application.wgs),
    ]
    if application.organisation:
        lines.append(f"Organisation: {application.organisation}")
    if application.register_number:
        lines.append(f"Transparency Register: {application.register_number}")
    if application.candidacy is not None:
        lines.append(f"Candidacy: {CANDIDACY_CHOICES[application.candidacy]}")
    if application.cv_sha256:
        lines.append(
            f"CV: a PDF of {application.cv_size:,} bytes, SHA-256 "
            f"{application.cv_sha256}"
        )
    return "\n".join(lines)


def confirmation(
    db: Session, application: Application, token: str, now: datetime
) -> None:
    """Queue the mail with the link that confirms the applicant's address."""
    body = (
        "You, or someone using your address, expressed interest in taking part "
        f"in drafting the {application.call.code.title} as "
        f"“{CATEGORY_LABELS[application.category]}”.\n\n"
        "To confirm that this address is yours, open this link and press "
        f"“Confirm my e-mail address”:\n\n{status_link(token)}\n\n"
        "The AI Office sees your application once you have confirmed. "
        f"Unconfirmed applications are deleted after {CONFIRM_DAYS} days. If "
        "this was not you, ignore this mail.\n\n"
        "Keep this mail: the same link shows where your application stands "
        "and lets you withdraw it."
    )
    notifications.queue_account_mail(
        db,
        _key(application, "confirm"),
        "Confirm your e-mail address for your expression of interest",
        body,
        to=_to(application),
        now=now,
    )


def receipt(db: Session, application: Application, token: str, now: datetime) -> None:
    """Queue the receipt sent once the address is confirmed."""
    body = (
        "Thank you: your e-mail address is confirmed and your expression of "
        f"interest reached the AI Office on {brussels(now)}.\n\n"
        f"{summary(application)}\n\n"
        "The AI Office checks each application against the criteria of the "
        "call and tells you its decision by e-mail. Where your application "
        f"stands, and how to withdraw it:\n\n{status_link(token)}"
    )
    notifications.queue_account_mail(
        db,
        _key(application, "receipt"),
        f"Receipt for your expression of interest {reference(application)}",
        body,
        to=_to(application),
        now=now,
    )


def invitation(
    db: Session,
    application: Application,
    user: User,
    token: str,
    days: int,
    now: datetime,
    *,
    again: bool = False,
) -> None:
    """Queue the acceptance (or a new invitation link) for the new account."""
    until = brussels(now + timedelta(days=days))
    opening = (
        "Here is a new link to set your password; earlier links no longer matter."
        if again
        else "Your expression of interest "
        f"{reference(application)} is accepted: you take part in the Plenary "
        f"of the {application.call.code.title}, in Working Group"
        f"{'s' if len(application.wgs) > 1 else ''} "
        + ", ".join(str(wg) for wg in application.wgs)
        + "."
    )
    note = (
        f"\n\nA word from the AI Office:\n{application.reason}"
        if (application.reason and not again)
        else ""
    )
    body = (
        f"{opening}{note}\n\nChoose your password here to open your account "
        f"({user.email}); the link works once, until {until}:\n\n"
        f"{SITE}/invite/{token}\n\n"
        "Then you can read the drafts and comment on them while a round of "
        "comments is open."
    )
    notifications.queue_account_mail(
        db,
        _key(application, f"invitation-{now:%Y%m%dT%H%M%S%f}" if again else "decision"),
        "Set your password for cop-drafts"
        if again
        else f"Your expression of interest {reference(application)} is accepted",
        body,
        user=user,
        now=now,
    )


def rejection(db: Session, application: Application, now: datetime) -> None:
    """Queue the decision not to accept, with the AI Office's reason."""
    until = brussels(now + timedelta(days=application.call.retention_days))
    body = (
        f"The AI Office has examined your expression of interest "
        f"{reference(application)} and cannot accept it.\n\n"
        f"The reason:\n{application.reason}\n\n"
        f"Your application and what you sent with it will be deleted on {until}."
    )
    notifications.queue_account_mail(
        db,
        _key(application, "decision"),
        f"Your expression of interest {reference(application)} is not accepted",
        body,
        to=_to(application),
        now=now,
    )
