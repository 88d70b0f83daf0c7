"""Backup and restore through the command line, on SQLite and PostgreSQL.

A snapshot is taken while a thread posts comments through the service; it is
restored into a fresh data folder and a new database, where every comment
acknowledged before the snapshot began must be found, with the Code's
history intact. A damaged backup and a data folder in use are refused.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from cop_drafts.cli import main
from cop_drafts.db.models import Code, Comment
from cop_drafts.db.session import make_engine, make_sessionmaker
from cop_drafts.store.repo import DraftStore
from tests.story import KEEP, S, open_round_on_draft_3, post_comment


@pytest.fixture
def fresh_url(db_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the same kind as `db_url`, dropped afterwards."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored' / 'cop-drafts.db'}"
        return
    base = make_url(db_url)
    name = f"{base.database}_restore_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield base.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _cli(data: Path, url: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        main,
        ["--data", str(data), *args],
        env={"DATABASE_URL": url, "SECRET_KEY": ""},
    )
    return result.exit_code, result.output


def test_a_snapshot_taken_while_comments_are_posted_restores_them(
    db: Session,
    db_url: str,
    seeded: Code,
    data_dir: Path,
    tmp_path: Path,
    fresh_url: str,
) -> None:
    open_round_on_draft_3(db, seeded)
    (data_dir / "secret_key").write_text("the-secret")
    acknowledged: list[tuple[float, int, str]] = []  # (when, id, body)
    stop = threading.Event()

    def post() -> None:
        engine = make_engine(db_url)
        try:
            with make_sessionmaker(engine)() as session:
                code = session.get(Code, seeded.id)
                assert code is not None
                with DraftStore.open(data_dir / "codes" / "gpai-code.git") as store:
                    n = 0
                    while not stop.is_set():
                        body = f"Posted during the backup, number {n}."
                        comment = post_comment(
                            session, store, code, "provider", quote=KEEP, body=body
                        )
                        acknowledged.append((time.monotonic(), comment.id, body))
                        n += 1
        finally:
            # Even when posting fails: a connection left open would surface as
            # a ResourceWarning in some later test.
            engine.dispose()

    poster = threading.Thread(target=post)
    poster.start()
    try:
        while len(acknowledged) < 5 and poster.is_alive():
            time.sleep(0.01)
        began = time.monotonic()
        code, output = _cli(data_dir, db_url, "backup", str(tmp_path / "backup"))
        while len(acknowledged) < 5 + 3 and poster.is_alive():  # posting went on
            time.sleep(0.01)
    finally:
        stop.set()
        poster.join()
    assert code == 0, output
    before = {i: body for when, i, body in acknowledged if when < began}
    assert len(before) >= 5

    restored = tmp_path / "restored"
    code, output = _cli(restored, fresh_url, "restore", str(tmp_path / "backup"))
    assert code == 0, output
    engine = make_engine(fresh_url)
    with make_sessionmaker(engine)() as session:
        stored = {
            i: body for i, body in session.execute(select(Comment.id, Comment.body))
        }
    engine.dispose()
    assert {i: stored.get(i) for i in before} == before
    with DraftStore.open(data_dir / "codes" / "gpai-code.git") as store:
        tag = store.resolve("draft-3")
    with DraftStore.open(restored / "codes" / "gpai-code.git") as store:
        assert store.resolve("draft-3") == tag
        assert KEEP in store.read("draft-3", S).text
    assert (restored / "secret_key").read_text() == "the-secret"

    # Restoring over what is there is refused unless forced.
    code, output = _cli(restored, fresh_url, "restore", str(tmp_path / "backup"))
    assert code == 1 and "--force" in output


def test_a_damaged_backup_is_refused(
    db: Session, db_url: str, seeded: Code, data_dir: Path, tmp_path: Path
) -> None:
    backup = tmp_path / "backup"
    code, output = _cli(data_dir, db_url, "backup", str(backup))
    assert code == 0, output
    packed = sorted((backup / "codes" / "gpai-code.git").rglob("*.pack"))
    target = packed[0] if packed else next((backup / "codes").rglob("HEAD"))
    target.write_bytes(target.read_bytes() + b"tampered")
    code, output = _cli(tmp_path / "elsewhere", db_url, "restore", str(backup))
    assert code == 1 and "damaged" in output
    # A backup into a folder that holds files is refused too.
    code, output = _cli(data_dir, db_url, "backup", str(backup))
    assert code == 1 and "not empty" in output
