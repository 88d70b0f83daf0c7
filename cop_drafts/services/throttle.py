"""Login throttling that cannot be turned against an account's owner.

Failures are counted three ways within a window: for one account from one
address, for one address over every account, and for one account from every
address. Past each budget the next try waits, and the wait doubles with every
further failure: a delay, never a lock. The per-account count binds only
addresses the account never logged in from, so someone guessing from
elsewhere slows themselves, not the owner at their usual address. Loopback
is nobody's address (a local proxy in front, or a test): it has no
per-address budget, only the other two.

Parallel attempts count: each attempt is written and committed *before* the
counts are read, so of N simultaneous tries every one sees all those
committed before it, and at most the budget get to check a password. A
success only marks its own row (failures it follows are then not counted):
no login writes rows another may be writing, so concurrent logins never
deadlock.
"""

from __future__ import annotations

import ipaddress
import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, exists, func, or_, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, aliased

from cop_drafts.db.models import LoginAttempt, utcnow

from .errors import TooManyAttempts

log = logging.getLogger(__name__)

#: How long a successful login marks its address as one the account uses.
KNOWN_FOR = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class Limits:
    """Budgets of free failures and the first delay past them."""

    per_pair: int = 5
    per_address: int = 20
    per_account: int = 20
    delay: timedelta = timedelta(seconds=5)
    window: timedelta = timedelta(minutes=15)


def address_key(remote_addr: str) -> str:
    """The address a client is counted under: IPv6 clients by their /64
    network (one machine usually holds a whole /64)."""
    try:
        address = ipaddress.ip_address(remote_addr)
    except ValueError:
        return remote_addr[:64]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _wait(failures: int, last: datetime | None, free: int, limits: Limits) -> float:
    """Seconds still to wait when `failures` precede this try, or 0."""
    if failures < free or last is None:
        return 0.0
    delay = min(limits.delay * 2 ** min(failures - free, 30), limits.window)
    left: float = (last + delay - utcnow()).total_seconds()
    return max(0.0, left)


def begin(db: Session, email: str, remote_addr: str, limits: Limits) -> int:
    """Record an attempt (as a failure until `succeed`) and commit it, then
    decide whether it may check a password. Returns the attempt's id.

    Raises TooManyAttempts, with the wait, when a budget is spent and its
    delay has not passed; the refused attempt is not counted.
    """
    now = utcnow()
    attempt = LoginAttempt(email=email, remote_addr=remote_addr, at=now)
    db.add(attempt)
    db.commit()
    later = aliased(LoginAttempt)
    # A failure followed by a success of the same account from the same
    # address was the owner mistyping: it no longer counts.
    forgiven = exists().where(
        later.email == LoginAttempt.email,
        later.remote_addr == LoginAttempt.remote_addr,
        later.succeeded.is_(True),
        later.at > LoginAttempt.at,
    )
    failed = and_(
        LoginAttempt.at >= now - limits.window,
        LoginAttempt.succeeded.is_(False),
        LoginAttempt.id != attempt.id,
        ~forgiven,
    )
    mine, here = LoginAttempt.email == email, LoginAttempt.remote_addr == remote_addr
    pair, address, account = and_(mine, here), here, mine
    row = db.execute(
        select(
            func.count().filter(pair),
            func.max(LoginAttempt.at).filter(pair),
            func.count().filter(address),
            func.max(LoginAttempt.at).filter(address),
            func.count().filter(account),
            func.max(LoginAttempt.at).filter(account),
        ).where(failed, or_(mine, here))
    ).one()
    waits = [_wait(row[0], row[1], limits.per_pair, limits)]
    if not _is_loopback(remote_addr):
        waits.append(_wait(row[2], row[3], limits.per_address, limits))
    if row[4] >= limits.per_account and not _known(db, email, remote_addr, now):
        waits.append(_wait(row[4], row[5], limits.per_account, limits))
    wait = max(waits)
    if wait > 0:
        db.delete(attempt)
        db.commit()
        raise TooManyAttempts(math.ceil(wait))
    return attempt.id


def _is_loopback(remote_addr: str) -> bool:
    try:
        return ipaddress.ip_network(remote_addr, strict=False).is_loopback
    except ValueError:
        return False


def _known(db: Session, email: str, remote_addr: str, now: datetime) -> bool:
    found = db.scalar(
        select(LoginAttempt.id)
        .where(
            LoginAttempt.email == email,
            LoginAttempt.remote_addr == remote_addr,
            LoginAttempt.succeeded.is_(True),
            LoginAttempt.at >= now - KNOWN_FOR,
        )
        .limit(1)
    )
    return found is not None


def succeed(db: Session, attempt_id: int) -> None:
    """Mark the attempt a success, in the caller's transaction: its address
    becomes one the account logs in from, and the failures before it from
    there no longer count."""
    attempt = db.get(LoginAttempt, attempt_id)
    if attempt is not None:
        attempt.succeeded = True
        attempt.at = utcnow()


def prune(db: Session) -> None:
    """Forget attempts older than KNOWN_FOR, in a short transaction of its
    own (committed). Two prunes racing on PostgreSQL may deadlock: the loser
    leaves the rows to the next one."""
    try:
        db.execute(delete(LoginAttempt).where(LoginAttempt.at < utcnow() - KNOWN_FOR))
        db.commit()
    except DBAPIError:
        db.rollback()
        log.info("pruning old login attempts clashed with another; left for later")
