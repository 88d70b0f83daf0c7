"""Accounts: creating people, logging in with throttling, passwords,
invitations."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from cop_drafts.db.models import (
    Category,
    Invitation,
    Membership,
    Organisation,
    Role,
    User,
    WgRole,
    utcnow,
)

from . import audit, inputs, passwords, sessions, throttle
from .errors import ValidationError
from .permissions import Action, System, require

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
MIN_PASSWORD = passwords.MIN_LENGTH


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


def check_password_policy(password: str, personal: Iterable[str] = ()) -> None:
    """Raise ValidationError unless `password` is long enough and not common
    (see services.passwords); `personal`: the e-mail and name it must not be."""
    inputs.check_text({"password": password})
    passwords.check(password, personal)


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
    user = _add_user(db, person, password=password, actor=actor)
    db.commit()
    return user


def _add_user(
    db: Session, person: NewPerson, *, password: str | None, actor: User | None
) -> User:
    """Add an account in the caller's transaction. Raises ValidationError."""
    inputs.check_text(
        {
            "email": person.email,
            "name": person.name,
            "organisation": person.organisation,
        }
    )
    email = normalise_email(person.email)
    if not person.name.strip():
        raise ValidationError("Name missing.", {"name": "Enter a name."})
    if find_user(db, email) is not None:
        raise ValidationError("Account exists.", {"email": f"{email} has an account."})
    if password is not None:
        check_password_policy(password, (email, person.name))
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
    return user


def _verify(
    db: Session, email: str, password: str, remote_addr: str, limits: throttle.Limits
) -> User:
    """The active user with these credentials, the attempt counted by the
    throttle. Raises TooManyAttempts, ValidationError."""
    inputs.check_text({"email": email, "password": password})
    email = email.strip().lower()[:254]
    address = throttle.address_key(remote_addr)
    # Committed at once, before the password is checked (services.throttle):
    # a refused try stays counted, and tries at the same time see each other.
    attempt_id = throttle.begin(db, email, address, limits)
    user = find_user(db, email)
    stored = user.password_hash if user and user.password_hash else _DUMMY_HASH
    try:
        # Verify even for unknown e-mails, so timing does not reveal accounts.
        ok = _hasher.verify(stored, password) and user is not None
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or user is None or not user.is_active or not user.password_hash:
        # The attempt stays recorded as a failure.
        raise ValidationError("Wrong e-mail or password.")
    throttle.succeed(db, attempt_id)
    return user


def authenticate(
    db: Session,
    email: str,
    password: str,
    *,
    remote_addr: str,
    limits: throttle.Limits,
) -> tuple[User, str]:
    """The active user with these credentials and a new session token for them.

    Raises TooManyAttempts while a throttle's delay runs (see
    services.throttle), ValidationError on a wrong e-mail or password (the same
    message for both).
    """
    user = _verify(db, email, password, remote_addr, limits)
    token = sessions.start(db, user, remote_addr=remote_addr)
    audit.record(db, user, "user.login", f"user:{user.id}", "logged in")
    db.commit()
    # Housekeeping in a short transaction of its own, after the login is
    # committed: a clash there costs the login nothing.
    throttle.prune(db)
    return user, token


def change_password(
    db: Session,
    user: User,
    current: str,
    new: str,
    confirm: str,
    *,
    remote_addr: str,
    limits: throttle.Limits,
    keep: str | None,
) -> int:
    """Set a new password after checking the current one (throttled like a
    login) and end every other session of the person (committed); how many
    sessions ended. Raises TooManyAttempts, ValidationError."""
    # The new password first: a refused one must not leave the check of the
    # current one half-recorded.
    if new != confirm:
        raise ValidationError(
            "Passwords differ.", {"confirm": "The two passwords differ."}
        )
    check_password_policy(new, (user.email, user.name))
    try:
        _verify(db, user.email, current, remote_addr, limits)
    except ValidationError as error:
        raise ValidationError(
            "Wrong password.", {"current": "This is not your current password."}
        ) from error
    user.password_hash = hash_password(new)
    ended = sessions.end_others(db, user, keep=keep)
    audit.record(
        db,
        user,
        "user.password",
        f"user:{user.id}",
        f"changed password, ended {ended} other session(s)",
    )
    db.commit()
    return ended


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite(
    db: Session,
    actor: User | System | None,
    person: NewPerson,
    *,
    days: int,
) -> tuple[User, str]:
    """Create an account without password and a one-time link token for it
    (committed).

    Only the AI Office invites, and the operator at the command line (`SYSTEM`).
    Raises PermissionDenied, ValidationError.
    """
    user, token = add_invitation(db, actor, person, days=days)
    db.commit()
    return user, token


def add_invitation(
    db: Session,
    actor: User | System | None,
    person: NewPerson,
    *,
    days: int,
) -> tuple[User, str]:
    """`invite` in the caller's transaction (not committed), for a use case
    that invites as one of its steps. Raises PermissionDenied, ValidationError.
    """
    inviter = require(actor, Action.MANAGE_USERS)
    # Audit and invitation name the person who invited; the operator is none.
    actor = inviter if isinstance(inviter, User) else None
    user = find_user(db, person.email)
    if user is None:
        user = _add_user(db, person, password=None, actor=actor)
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


def accept_invitation(
    db: Session, token: str, password: str, confirm: str, *, remote_addr: str = ""
) -> tuple[User, str]:
    """Set the invitee's password, spend the token (at most once, even under
    concurrent requests) and start a session (committed); the user and the
    session's token.

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
    user = invitation.user
    check_password_policy(password, (user.email, user.name))
    hashed = hash_password(password)
    # Spend the token with one conditional UPDATE: of simultaneous accepts,
    # the database lets exactly one change the row.
    now = utcnow()
    spent = db.execute(
        update(Invitation)
        .where(
            Invitation.id == invitation.id,
            Invitation.used_at.is_(None),
            Invitation.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if spent.rowcount != 1:  # type: ignore[attr-defined]
        db.rollback()
        raise ValidationError("This invitation link is unknown, used or expired.")
    user.password_hash = hashed
    sessions.end_others(db, user, keep=None)
    session_token = sessions.start(db, user, remote_addr=remote_addr)
    audit.record(
        db,
        user,
        "user.accept_invitation",
        f"user:{invitation.user_id}",
        "set password from invitation",
    )
    db.commit()
    return user, session_token


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
