"""Server-side sessions. The signed cookie carries a random token and the
database the token's hash: a session lives exactly as long as its row, so
logging out, changing the password, the AI Office's "end all sessions" and
inactivity end it for every copy of the cookie."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, joinedload

from cop_drafts.db.models import User, UserSession, utcnow
from cop_drafts.store.errors import NotFound

from . import audit
from .permissions import Action, require

#: Last use is written at most this often (not on every request).
TOUCH_EVERY = timedelta(minutes=1)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(db: Session, user: User, *, remote_addr: str) -> str:
    """A new session for `user` in the caller's transaction; its token."""
    token = secrets.token_urlsafe(32)
    db.add(
        UserSession(token_hash=_hash(token), user=user, remote_addr=remote_addr[:64])
    )
    return token


def find(db: Session, token: str) -> UserSession | None:
    """The session of `token` with its user, or None."""
    if not token or len(token) > 128:
        return None
    # One query: the session, its user, the organisation and the memberships
    # (which the user's own mapping loads with a second query), since this
    # runs before every request a logged-in person makes.
    query = (
        select(UserSession)
        .where(UserSession.token_hash == _hash(token))
        .options(joinedload(UserSession.user).joinedload(User.memberships))
    )
    return db.scalars(query).unique().one_or_none()


def is_idle(found: UserSession, idle: timedelta, now: datetime | None = None) -> bool:
    """True when the session has been unused for longer than `idle`."""
    return (now or utcnow()) - found.last_seen_at > idle


def needs_touch(
    found: UserSession, idle: timedelta, now: datetime | None = None
) -> bool:
    """True when its last use should be written again (at most once a minute,
    and well within `idle`)."""
    return (now or utcnow()) - found.last_seen_at > min(TOUCH_EVERY, idle / 4)


def touch(db: Session, session_id: int) -> None:
    """Record a use of the session now (committed)."""
    db.execute(
        update(UserSession)
        .where(UserSession.id == session_id)
        .values(last_seen_at=utcnow())
    )
    db.commit()


def end(db: Session, token: str) -> None:
    """End the session of `token`, if it exists (committed)."""
    db.execute(delete(UserSession).where(UserSession.token_hash == _hash(token)))
    db.commit()


def end_others(db: Session, user: User, keep: str | None) -> int:
    """End every session of `user` but the one of `keep`, in the caller's
    transaction; how many ended."""
    query = delete(UserSession).where(UserSession.user_id == user.id)
    if keep:
        query = query.where(UserSession.token_hash != _hash(keep))
    return db.execute(query).rowcount  # type: ignore[attr-defined, no-any-return]


def count(db: Session, user_ids: list[int]) -> dict[int, int]:
    """Open sessions per user, for the people page."""
    rows = db.execute(
        select(UserSession.user_id, func.count())
        .where(UserSession.user_id.in_(user_ids))
        .group_by(UserSession.user_id)
    )
    return {user_id: n for user_id, n in rows}


def end_all(db: Session, actor: User | None, user_id: int) -> int:
    """The AI Office ends every session of a person (committed); how many.

    Raises PermissionDenied, NotFound.
    """
    require(actor, Action.MANAGE_USERS)
    user = db.get(User, user_id)
    if user is None:
        raise NotFound(f"no person {user_id}")
    ended = end_others(db, user, keep=None)
    audit.record(
        db,
        actor,
        "user.end_sessions",
        f"user:{user.id}",
        f"ended every session of {user.email} ({ended})",
    )
    db.commit()
    return ended
