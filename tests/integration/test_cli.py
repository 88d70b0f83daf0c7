"""The command line: init, demo (idempotent), users add/list/invite, migrate."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cop_drafts.cli import main
from cop_drafts.db.models import Comment, Iteration, User
from cop_drafts.store.repo import DraftStore
from tests.conftest import DRAFTS


def run(
    db_url: str,
    data: Path,
    *args: str,
    input: str | None = None,
    downloads: Path | None = None,
):
    env = {"DATABASE_URL": db_url}
    if downloads is not None:
        env["COP_DRAFTS_DOWNLOADS"] = str(downloads)
    return CliRunner().invoke(
        main, ["--data", str(data), *args], input=input, env=env, catch_exceptions=False
    )


def test_demo_builds_once_and_prints_logins(
    db_url: str, data_dir: Path, db: Session, shared_downloads: Path
) -> None:
    # The demo's tags are the same commits every time it is built, so the
    # run's shared downloads folder spares rebuilding their PDFs.
    first = run(db_url, data_dir, "demo", downloads=shared_downloads)
    assert first.exit_code == 0, first.output
    assert "Demo Code: built." in first.output
    assert "Downloads of the published iterations: 17 ready." in first.output
    assert "ai-office@demo.cop-drafts.eu" in first.output
    assert "demo-password-2026" in first.output
    users = db.scalar(select(func.count()).select_from(User))
    comments = db.scalar(select(func.count()).select_from(Comment))
    assert users >= 17 and comments >= 6
    second = run(db_url, data_dir, "demo", downloads=shared_downloads)
    assert second.exit_code == 0, second.output
    assert "already there, kept." in second.output
    assert db.scalar(select(func.count()).select_from(User)) == users
    assert db.scalar(select(func.count()).select_from(Comment)) == comments
    tags = list(db.scalars(select(Iteration.tag).order_by(Iteration.id)))
    assert tags == ["draft-1", "draft-2", "draft-3"]
    with DraftStore.open(data_dir / "codes" / "gpai-code.git") as store:
        branches = [b.name for b in store.branches()]
        assert branches == ["main", "wg/1", "wg/2", "wg/3", "wg/4"]
        authors = {c.author_name for c in store.history("main", "governance.md")}
        assert len(authors) >= 2
    assert (data_dir / "secret_key").stat().st_mode & 0o077 == 0


def test_init_creates_a_code_from_a_folder(db_url: str, data_dir: Path) -> None:
    result = run(db_url, data_dir, "init", "my-code", str(DRAFTS / "draft-1"))
    assert result.exit_code == 0, result.output
    assert "Created" in result.output
    with DraftStore.open(data_dir / "codes" / "my-code.git") as store:
        assert len(store.sections("main")) == 6
    again = run(db_url, data_dir, "init", "my-code", str(DRAFTS / "draft-1"))
    assert again.exit_code == 1 and "exists" in again.output
    bad = run(db_url, data_dir, "init", "Bad Name!", str(DRAFTS / "draft-1"))
    assert bad.exit_code == 1 and "not a valid Code name" in bad.output


def test_init_refuses_a_folder_without_manifest(
    db_url: str, data_dir: Path, tmp_path: Path
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run(db_url, data_dir, "init", "x", str(empty))
    assert result.exit_code == 1 and "has no code.toml" in result.output


def test_users_add_list_invite(db_url: str, data_dir: Path) -> None:
    added = run(
        db_url,
        data_dir,
        "users",
        "add",
        "chair@example.org",
        "Ana Chair",
        "--role",
        "chair",
        "--wg",
        "2:chair",
        "--password-stdin",
        input="a long password!\n",
    )
    assert added.exit_code == 0, added.output
    short = run(
        db_url,
        data_dir,
        "users",
        "add",
        "x@example.org",
        "X",
        input="short\nshort\n",
    )
    assert short.exit_code == 1 and "12 characters" in short.output
    on_command_line = run(
        db_url,
        data_dir,
        "users",
        "add",
        "z@example.org",
        "Z",
        "--password",
        "a long password!",
    )
    assert on_command_line.exit_code == 2
    assert "never taken from the command line" in on_command_line.output
    bad_wg = run(
        db_url,
        data_dir,
        "users",
        "add",
        "y@example.org",
        "Y",
        "--wg",
        "two",
        "--password-stdin",
        input="a long password!\n",
    )
    assert bad_wg.exit_code == 2
    invited = run(
        db_url,
        data_dir,
        "users",
        "invite",
        "p@example.org",
        "Pat",
        "--wg",
        "3",
        "--category",
        "academia",
    )
    assert invited.exit_code == 0, invited.output
    assert "http://127.0.0.1:5000/invite/" in invited.output
    listed = run(db_url, data_dir, "users", "list")
    lines = {line.split()[0]: line for line in listed.output.splitlines()}
    assert (
        "2:chair" in lines["chair@example.org"]
        and "active" in lines["chair@example.org"]
    )
    assert "invited" in lines["p@example.org"]


def test_migrate_is_repeatable(db_url: str, data_dir: Path) -> None:
    for _ in range(2):
        result = run(db_url, data_dir, "migrate")
        assert result.exit_code == 0 and "up to date" in result.output
