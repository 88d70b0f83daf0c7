"""Accounts: creating people, logging in with throttling, invitations."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from cop_drafts.db.models import (
    Category,
    Invitation,
    LoginAttempt,
    Membership,
    Organisation,
    Role,
    User,
    WgRole,
    utcnow,
)

from . import audit
from .errors import TooManyAttempts, ValidationError
from .permissions import Action, require

# Argon2id is memory-hard: guessing a stolen hash costs memory, not just CPU.
_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not a real password")


def use_fast_hashing() -> None:
    """Cheaper Argon2id parameters, for test suites only (still memory-hard).

    Hashes record their own parameters, so verifying keeps working either way.
    """
    global _hasher, _DUMMY_HASH
    _hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    _DUMMY_HASH = _hasher.hash("not a real password")


_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,189}\.[A-Za-z]{2,63}")
MIN_PASSWORD = 12


@dataclass(frozen=True, slots=True)
class NewPerson:
    """What is needed to create an account."""

    email: str
    name: str
    role: Role
    category: Category | None = None
    organisation: str | None = None
    memberships: tuple[tuple[int, WgRole], ...] = ()


def hash_password(password: str) -> str:
    """Argon2id hash of `password`."""
    return _hasher.hash(password)


def check_password_policy(password: str) -> None:
    """Raise ValidationError unless `password` is long enough."""
    if len(password) < MIN_PASSWORD:
        raise ValidationError(
            "Password too short.",
            {"password": f"Use at least {MIN_PASSWORD} characters."},
        )


def normalise_email(email: str) -> str:
    """Trimmed, lower-case e-mail; raises ValidationError when malformed."""
    email = email.strip().lower()
    if not _EMAIL.fullmatch(email):
        raise ValidationError("Invalid e-mail.", {"email": "Enter a valid e-mail."})
    return email


def find_user(db: Session, email: str) -> User | None:
    """The account with this e-mail, or None."""
    return db.scalar(select(User).where(User.email == email.strip().lower()))


def _organisation(db: Session, name: str, category: Category | None) -> Organisation:
    found = db.scalar(select(Organisation).where(Organisation.name == name))
    if found is None:
        found = Organisation(name=name, category=category or Category.INDUSTRY)
        db.add(found)
    return found


def create_user(
    db: Session, person: NewPerson, *, password: str | None, actor: User | None
) -> User:
    """Add an account (committed). Raises ValidationError if the e-mail is taken."""
    email = normalise_email(person.email)
    if not person.name.strip():
        raise ValidationError("Name missing.", {"name": "Enter a name."})
    if find_user(db, email) is not None:
        raise ValidationError("Account exists.", {"email": f"{email} has an account."})
    if password is not None:
        check_password_policy(password)
    user = User(
        email=email,
        name=person.name.strip(),
        role=person.role,
        category=person.category,
        password_hash=hash_password(password) if password is not None else None,
    )
    if person.organisation:
        user.organisation = _organisation(db, person.organisation, person.category)
    user.memberships = [Membership(wg=wg, wg_role=r) for wg, r in person.memberships]
    db.add(user)
    db.flush()
    audit.record(
        db,
        actor,
        "user.create",
        f"user:{user.id}",
        f"created account {email} ({person.role.value})",
    )
    db.commit()
    return user


def authenticate(
    db: Session,
    email: str,
    password: str,
    *,
    remote_addr: str,
    max_failures: int,
    window_minutes: int,
) -> User:
    """The active user with these credentials.

    Raises TooManyAttempts after `max_failures` failures within the window,
    ValidationError on a wrong e-mail or password (the same message for both).
    """
    email = email.strip().lower()
    since = utcnow() - timedelta(minutes=window_minutes)
    failures = (
        db.scalar(
            select(func.count())
            .select_from(LoginAttempt)
            .where(LoginAttempt.email == email, LoginAttempt.at >= since)
        )
        or 0
    )
    if failures >= max_failures:
        raise TooManyAttempts(window_minutes)
    user = find_user(db, email)
    stored = user.password_hash if user and user.password_hash else _DUMMY_HASH
    try:
        # Verify even for unknown e-mails, so timing does not reveal accounts.
        ok = _hasher.verify(stored, password) and user is not None
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or user is None or not user.is_active or not user.password_hash:
        db.add(LoginAttempt(email=email[:254], remote_addr=remote_addr[:64]))
        db.commit()
        raise ValidationError("Wrong e-mail or password.")
    db.execute(delete(LoginAttempt).where(LoginAttempt.email == email))
    audit.record(db, user, "user.login", f"user:{user.id}", "logged in")
    db.commit()
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite(
    db: Session,
    actor: User | None,
    person: NewPerson,
    *,
    days: int,
    enforce: bool = True,
) -> tuple[User, str]:
    """Create an account without password and a one-time link token for it.

    Only the AI Office invites (`enforce=False` for the CLI, run by an
    operator). Raises PermissionDenied, ValidationError.
    """
    if enforce:
        require(actor, Action.MANAGE_USERS)
    user = find_user(db, person.email)
    if user is None:
        user = create_user(db, person, password=None, actor=actor)
    elif user.password_hash:
        raise ValidationError(
            "Already active.", {"email": f"{user.email} already has a password."}
        )
    token = secrets.token_urlsafe(32)
    db.add(
        Invitation(
            token_hash=_token_hash(token),
            user_id=user.id,
            created_by_id=actor.id if actor else None,
            expires_at=utcnow() + timedelta(days=days),
        )
    )
    audit.record(
        db,
        actor,
        "user.invite",
        f"user:{user.id}",
        f"invited {user.email}, valid {days} days",
    )
    db.commit()
    return user, token


def find_invitation(db: Session, token: str) -> Invitation | None:
    """The unused, unexpired invitation for `token`, or None."""
    invitation = db.scalar(
        select(Invitation).where(Invitation.token_hash == _token_hash(token))
    )
    if invitation is None or invitation.used_at is not None:
        return None
    if invitation.expires_at <= utcnow():
        return None
    return invitation


def accept_invitation(db: Session, token: str, password: str, confirm: str) -> User:
    """Set the invitee's password and spend the token.

    Raises ValidationError for an unknown, used or expired link, or a bad
    password.
    """
    invitation = find_invitation(db, token)
    if invitation is None:
        raise ValidationError("This invitation link is unknown, used or expired.")
    if password != confirm:
        raise ValidationError(
            "Passwords differ.", {"confirm": "The two passwords differ."}
        )
    check_password_policy(password)
    invitation.used_at = utcnow()
    invitation.user.password_hash = hash_password(password)
    audit.record(
        db,
        invitation.user,
        "user.accept_invitation",
        f"user:{invitation.user_id}",
        "set password from invitation",
    )
    db.commit()
    return invitation.user


def list_users(db: Session) -> list[User]:
    """Every account, by role then name."""
    return list(db.scalars(select(User).order_by(User.role, User.name)))


def pending_invitations(db: Session, user_ids: Iterable[int]) -> dict[int, datetime]:
    """For users with an open invitation: when it expires."""
    ids = list(user_ids)
    rows = db.scalars(
        select(Invitation).where(
            Invitation.user_id.in_(ids),
            Invitation.used_at.is_(None),
            Invitation.expires_at > utcnow(),
        )
    )
    return {inv.user_id: inv.expires_at for inv in rows}
