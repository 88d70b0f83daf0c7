"""Backup and restore: the git stores, the database and the secret key.

A backup is a folder: ``codes/<slug>.git`` copied under each store's write
lock, the database (SQLite's online backup, or ``pg_dump``), ``secret_key``
and ``manifest.json`` with the SHA-256 of every file. The database is copied
first and the stores after: git only grows, so every commit the database
names is in the copied stores. Restoring checks every hash first and writes
only into an empty data folder and an empty database unless forced.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from cop_drafts.config import SECRET_FILE, Settings
from cop_drafts.locks import file_lock
from cop_drafts.services.errors import ValidationError
from cop_drafts.store.repo import LOCK_NAME

MANIFEST = "manifest.json"
FORMAT = 1
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"


@dataclass(frozen=True, slots=True)
class BackupReport:
    """What a backup or a restore holds."""

    folder: Path
    codes: tuple[str, ...]
    database: str  # "sqlite" or "postgresql"
    files: int


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _libpq_url(url: str) -> str:
    """A SQLAlchemy URL as pg_dump and pg_restore read it."""
    parsed = make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


def _is_empty(folder: Path) -> bool:
    return not folder.exists() or not any(folder.iterdir())


def backup(settings: Settings, folder: Path) -> BackupReport:
    """Write a consistent snapshot of the data to `folder` (new or empty).

    Raises ValidationError when the folder holds files, RuntimeError when
    pg_dump fails.
    """
    if not _is_empty(folder):
        raise ValidationError(f"{folder} is not empty: give a new folder.")
    folder.mkdir(parents=True, exist_ok=True)
    kind = _backup_database(settings, folder)
    codes = []
    for repo in sorted(settings.codes_dir.glob("*.git")):
        with file_lock(repo / LOCK_NAME):  # no save changes it meanwhile
            shutil.copytree(
                repo, folder / "codes" / repo.name, ignore=_ignore_lock, symlinks=True
            )
        codes.append(repo.name.removesuffix(".git"))
    if settings.secret_key:
        secret = folder / SECRET_FILE
        secret.write_text(settings.secret_key)
        secret.chmod(0o600)
    files = {
        path.relative_to(folder).as_posix(): _sha256(path)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }
    manifest = {
        "format": FORMAT,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": kind,
        "codes": codes,
        "files": files,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")
    return BackupReport(folder, tuple(codes), kind, len(files))


def _ignore_lock(_folder: str, names: list[str]) -> list[str]:
    return [name for name in names if name == LOCK_NAME]


def _backup_database(settings: Settings, folder: Path) -> str:
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(url.database or "")
        target = sqlite3.connect(folder / SQLITE_FILE)
        try:
            source.backup(target)  # a consistent copy while others write
        finally:
            target.close()
            source.close()
        return "sqlite"
    done = subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", "--file", str(folder / PG_FILE)]
        + [_libpq_url(settings.database_url)],
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise RuntimeError(f"pg_dump failed: {done.stderr.strip()}")
    return "postgresql"


def verify(folder: Path) -> dict[str, object]:
    """The backup's manifest, once every file's hash is checked.

    Raises ValidationError for a missing manifest, file or wrong hash.
    """
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as error:
        raise ValidationError(f"{folder} has no readable {MANIFEST}.") from error
    bad = []
    for name, digest in manifest["files"].items():
        path = folder / name
        if not path.is_file() or _sha256(path) != digest:
            bad.append(name)
    if bad:
        raise ValidationError(
            f"The backup in {folder} is damaged: {len(bad)} file(s) missing or "
            f"changed, e.g. {', '.join(bad[:3])}."
        )
    return dict(manifest)


def restore(settings: Settings, folder: Path, *, force: bool = False) -> BackupReport:
    """Bring a backup back into the configured data folder and database.

    Raises ValidationError for a damaged backup, a data folder or database
    that is not empty (unless `force`), or a backup of the other database
    kind; RuntimeError when pg_restore fails.
    """
    manifest = verify(folder)
    kind = str(manifest["database"])
    target_kind = make_url(settings.database_url).get_backend_name()
    target_kind = "sqlite" if target_kind == "sqlite" else "postgresql"
    if kind != target_kind:
        raise ValidationError(
            f"This backup holds a {kind} database; DATABASE_URL names {target_kind}."
        )
    data = settings.data_dir
    if not force and not _is_empty(data / "codes"):
        raise ValidationError(f"{data} already holds Codes: pass --force to replace.")
    codes = [str(c) for c in manifest["codes"]]  # type: ignore[attr-defined]
    if kind == "sqlite":
        _restore_sqlite(settings, folder, force)
    else:
        _restore_postgres(settings, folder, force)
    for slug in codes:
        target = data / "codes" / f"{slug}.git"
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(folder / "codes" / f"{slug}.git", target, symlinks=True)
    secret = folder / SECRET_FILE
    if secret.is_file():
        path = data / SECRET_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secret.read_text())
    return BackupReport(folder, tuple(codes), kind, len(manifest["files"]))  # type: ignore[arg-type]


def _restore_sqlite(settings: Settings, folder: Path, force: bool) -> None:
    path = Path(make_url(settings.database_url).database or "")
    if path.exists() and path.stat().st_size and not force:
        raise ValidationError(f"{path} already exists: pass --force to replace.")
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        stale.unlink(missing_ok=True)
    source = sqlite3.connect(folder / SQLITE_FILE)
    target = sqlite3.connect(path)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def _restore_postgres(settings: Settings, folder: Path, force: bool) -> None:
    url = _libpq_url(settings.database_url)
    tables = subprocess.run(
        ["psql", "-At", "-c", "SELECT count(*) FROM pg_tables WHERE schemaname = "
         "'public'", url],
        capture_output=True,
        text=True,
    )  # fmt: skip
    if tables.returncode:
        raise RuntimeError(f"psql failed: {tables.stderr.strip()}")
    if int(tables.stdout.strip() or 0) and not force:
        raise ValidationError("The database is not empty: pass --force to replace.")
    command = ["pg_restore", "--no-owner", "--exit-on-error", "--single-transaction"]
    if force:
        command += ["--clean", "--if-exists"]
    done = subprocess.run(
        [*command, "--dbname", url, str(folder / PG_FILE)],
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise RuntimeError(f"pg_restore failed: {done.stderr.strip()}")
