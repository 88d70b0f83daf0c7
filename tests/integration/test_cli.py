"""The command line: init, demo (idempotent), users add/list/invite, migrate;
loading it is cheap, and it sets the durability of git writes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cop_drafts.cli import main
from cop_drafts.db.models import Comment, Iteration, User
from cop_drafts.store import DraftStore, is_durable, set_durable
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
    assert first.output.count("(created)") >= 17 and "(existing)" not in first.output
    users = db.scalar(select(func.count()).select_from(User))
    comments = db.scalar(select(func.count()).select_from(Comment))
    assert users >= 17 and comments >= 6
    second = run(db_url, data_dir, "demo", downloads=shared_downloads)
    assert second.exit_code == 0, second.output
    assert "already there, kept." in second.output
    assert second.output.count("(existing)") >= 17 and "(created)" not in second.output
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


# What `cop-drafts --help` must not load: the app, the database models, git,
# the text layer, WeasyPrint (each costs tenths of a second, together ~0.7 s).
HEAVY = (
    "cop_drafts.app",
    "cop_drafts.db",
    "cop_drafts.services",
    "cop_drafts.store",
    "cop_drafts.text",
    "cop_drafts.export",
    "flask",
    "sqlalchemy",
    "alembic",
    "pygit2",
    "weasyprint",
    "markdown_it",
    "docx",
    "openpyxl",
)
LIST_MODULES = """
import json, sys
from cop_drafts.cli import main
try:
    main(sys.argv[1:], prog_name="cop-drafts")
except SystemExit as stop:
    assert stop.code == 0, stop.code
print(json.dumps(sorted(sys.modules)))
"""


def _modules_after(*args: str) -> tuple[list[str], list[str]]:
    """(every module loaded, the heavy ones) after running the CLI with `args`
    in a fresh interpreter, and what it printed before the list."""
    done = subprocess.run(
        [sys.executable, "-c", LIST_MODULES, *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    *printed, listing = done.stdout.splitlines()
    modules = json.loads(listing)
    heavy = [m for m in modules if m.split(".")[0] in HEAVY or m.startswith(HEAVY)]
    return printed, heavy


def test_help_loads_nothing_heavy() -> None:
    printed, heavy = _modules_after("--help")
    assert heavy == []
    commands = {line.split()[0] for line in printed if line.startswith("  ")}
    assert {"demo", "serve", "users", "export", "backup", "restore"} <= commands


def test_a_command_loads_what_it_uses_when_it_runs() -> None:
    # The choices of --format come from the export service, read for help.
    printed, heavy = _modules_after("export", "--help")
    assert any("redline-pdf" in line for line in printed)
    assert "cop_drafts.services.exports" in heavy


def test_the_command_line_sets_durability_from_the_settings(
    db_url: str, data_dir: Path
) -> None:
    env = {"DATABASE_URL": db_url, "COP_DRAFTS_FSYNC": None}
    try:
        for value, expected in ((None, True), ("0", False)):
            env["COP_DRAFTS_FSYNC"] = value
            result = CliRunner().invoke(
                main, ["--data", str(data_dir), "migrate"], env=env
            )
            assert result.exit_code == 0, result.output
            assert is_durable() is expected
    finally:
        set_durable(False)  # as the suite runs
