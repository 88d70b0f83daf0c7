"""Shared fixtures: real bare repositories, real databases (SQLite and, when
DATABASE_URL names one, PostgreSQL), the app, and logged-in clients."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from cop_drafts.app import create_app
from cop_drafts.config import CHECKOUT
from cop_drafts.db.models import Base, Code, Iteration
from cop_drafts.db.session import make_engine, make_sessionmaker, upgrade
from cop_drafts.services import accounts, demo
from cop_drafts.store.repo import DraftStore, Person, set_durable

accounts.use_fast_hashing()

# fsync of every git write costs ~40 s over the suite and guards only against
# power cuts, which no test makes; the app, the CLI and their subprocesses
# read this (tests/unit/test_config.py checks the setting itself).
os.environ["COP_DRAFTS_FSYNC"] = "0"
set_durable(False)

DRAFTS = Path(os.environ.get("COP_DRAFTS_TEST_DRAFTS", CHECKOUT / "drafts"))
CORPUS = CHECKOUT.parent / "shared" / "corpus"
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
TEST_AUTHOR = Person("Test Author", "author@example.org", T0)
BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("DATABASE_URL") else [])


# -- databases ---------------------------------------------------------------
def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrations run once)."""
    path = tmp_path_factory.mktemp("db") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def _postgres_url() -> Iterator[str]:
    """A migrated PostgreSQL database for this run and xdist worker.

    The name carries the run's id, so two test runs on one server (two
    developers, or a developer beside CI) never share or drop each other's
    database; it is dropped at the end.
    """
    base = make_url(os.environ["DATABASE_URL"])
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID", str(os.getpid()))[:8]
    name = f"{base.database}_{run}_{_worker()}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, migrated, empty database for one test."""
    if request.param == "sqlite":
        target = tmp_path / "cop-drafts.db"
        shutil.copy(request.getfixturevalue("_sqlite_template"), target)
        return f"sqlite:///{target}"
    url: str = request.getfixturevalue("_postgres_url")
    engine = create_engine(url)
    with engine.begin() as connection:
        # A connection left over from the previous test (a live-server thread
        # finishing a request the browser no longer waits for) would hold a
        # lock and stall TRUNCATE: end every other session on this database.
        connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
        connection.execute(text("SET lock_timeout = '20s'"))
        names = ", ".join(t.name for t in Base.metadata.sorted_tables)
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return url


@pytest.fixture
def db(db_url: str) -> Iterator[Session]:
    """A session on the test's database."""
    engine = make_engine(db_url)
    with make_sessionmaker(engine)() as session:
        yield session
    engine.dispose()


# -- stores --------------------------------------------------------------------
@pytest.fixture
def store(tmp_path: Path) -> Iterator[DraftStore]:
    """A fresh, empty bare repository."""
    with DraftStore.init(tmp_path / "code.git") as s:
        yield s


@pytest.fixture(scope="session")
def _demo_template(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The demo Code built once: its bare repository and its iteration rows."""
    root = tmp_path_factory.mktemp("demo")
    url = f"sqlite:///{root / 'demo.db'}"
    upgrade(url)
    engine = make_engine(url)
    from cop_drafts.config import load_settings

    settings = load_settings({"data_dir": root, "database_url": url, "testing": True})
    with make_sessionmaker(engine)() as session:
        # Without the post-draft-3 work: tests start from branches equal to main.
        demo.build_demo(session, settings, DRAFTS, in_progress=False)
        code = session.scalar(select(Code))
        assert code is not None
        rows = [
            (it.tag, it.commit_id, it.published_at)
            for it in session.scalars(select(Iteration).order_by(Iteration.id))
        ]
        template = {
            "repo": root / "codes" / f"{code.slug}.git",
            "slug": code.slug,
            "title": code.title,
            "iterations": rows,
        }
    engine.dispose()
    return template


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
def seeded(db: Session, data_dir: Path, _demo_template: dict[str, Any]) -> Code:
    """The demo Code (store copied from the session's build) and its accounts."""
    shutil.copytree(
        _demo_template["repo"], data_dir / "codes" / f"{_demo_template['slug']}.git"
    )
    code = Code(slug=_demo_template["slug"], title=_demo_template["title"])
    db.add(code)
    db.flush()
    for tag, commit_id, published_at in _demo_template["iterations"]:
        db.add(
            Iteration(
                code_id=code.id, tag=tag, commit_id=commit_id, published_at=published_at
            )
        )
    db.commit()
    demo.seed_accounts(db, DRAFTS)
    return code


@pytest.fixture
def seeded_store(seeded: Code, data_dir: Path) -> Iterator[DraftStore]:
    with DraftStore.open(data_dir / "codes" / f"{seeded.slug}.git") as s:
        yield s


# -- app and clients -------------------------------------------------------------
@pytest.fixture(scope="session")
def shared_downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One downloads folder for the run: its keys are commit ids, so the demo's
    PDF and Word files are built once, not once a test."""
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture
def app(db_url: str, data_dir: Path, shared_downloads: Path) -> Iterator[Flask]:
    application = create_app(
        {
            "data_dir": data_dir,
            "database_url": db_url,
            "testing": True,
            "downloads_root": shared_downloads,
            # Built when a page asks, inside the test: no thread outlives it.
            "prepare_downloads": False,
        }
    )
    yield application
    application.extensions["cop_drafts.engine"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


_CSRF = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|'
    r'name="csrf_token" value="([^"]+)"'
)


def csrf_token(client: FlaskClient, url: str = "/login") -> str:
    """The CSRF token of the form on `url` (this client's session)."""
    page = client.get(url).get_data(as_text=True)
    match = _CSRF.search(page)
    assert match, f"no csrf token on {url}"
    return match.group(1) or match.group(2)


def login(client: FlaskClient, key: str) -> None:
    """Log `client` in as the demo account `key` (e.g. ``wg2-chair``)."""
    response = client.post(
        "/login",
        data={
            "email": f"{key}@{demo.DOMAIN}",
            "password": demo.DEMO_PASSWORD,
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


@pytest.fixture
def as_user(app: Flask, seeded: Code) -> Callable[[str | None], FlaskClient]:
    """A client logged in as a demo account key, or anonymous for None."""

    def make(key: str | None) -> FlaskClient:
        client = app.test_client()
        if key is not None:
            login(client, key)
        return client

    return make
