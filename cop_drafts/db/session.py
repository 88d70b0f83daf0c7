"""Engines and sessions; SQLite in WAL mode, PostgreSQL when the URL says so."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, Table, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run beside the one writer; synchronous=FULL makes an
    # acknowledged commit survive a killed process or a power cut.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def upsert(db: Session, table: Table) -> Any:
    """An INSERT into `table` that takes ON CONFLICT clauses, in the dialect
    of `db`'s database (SQLite's and PostgreSQL's are written alike)."""
    dialect = db.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def make_engine(url: str) -> Engine:
    """An engine for `url`; creates the SQLite file's folder when needed."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # More connections than threads can ever want at once: a session
        # waiting at the write gate may hold one, and the gate's holder must
        # still get its own (SQLite connections are cheap to open).
        engine = create_engine(
            url, connect_args={"timeout": 10}, pool_size=10, max_overflow=90
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit.

    On SQLite, a session's writes wait their turn at a write gate first.
    """
    maker = sessionmaker(engine, expire_on_commit=False)
    if engine.dialect.name == "sqlite" and engine.url.database not in (
        None,
        "",
        ":memory:",
    ):
        gate = f"{engine.url.database}.write-gate"
        event.listen(maker, "before_flush", _enter_gate(gate))
        event.listen(maker, "after_transaction_end", _leave_gate)
    return maker


# SQLite lets one transaction write at a time; the others poll for the lock
# with sleeps that grow to 100 ms (its busy handler), so under a rush of
# writers most time is spent asleep while the lock is free, and the slowest
# wait seconds. A session about to write first takes an flock, which the
# kernel hands to the next waiter the moment it is released, and keeps it
# until its transaction ends (commit or rollback): writers queue instead of
# polling. Readers are not gated (WAL lets them read beside the writer).
def _enter_gate(path: str) -> Any:
    def enter(session: Session, _context: Any, _instances: Any) -> None:
        if "write_gate" in session.info:
            return
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except BaseException:
            os.close(fd)
            raise
        session.info["write_gate"] = fd

    return enter


def _leave_gate(session: Session, transaction: Any) -> None:
    if transaction.parent is not None:
        return  # a nested transaction: the outer one keeps the gate
    fd = session.info.pop("write_gate", None)
    if fd is not None:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def alembic_config(url: str) -> Config:
    """Alembic configuration pointing at our migrations and `url`."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str) -> None:
    """Bring the database at `url` to the newest schema."""
    command.upgrade(alembic_config(url), "head")
