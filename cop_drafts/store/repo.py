"""DraftStore: one bare git repository per Code, read and written via pygit2.

The class is put together from its reading (`reading.py`), writing
(`writing.py`) and merging (`merging.py`) halves over one repository and
write lock (`base.py`); this module opens and creates repositories and reads
a Code folder from disk. Import these names from ``cop_drafts.store``.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Self

import pygit2

from .base import LOCK_NAME, set_durable
from .errors import InvalidContent, NotFound
from .manifest import MANIFEST, parse_manifest
from .merging import Merging
from .objects import normalise_text
from .refs import MAIN
from .values import Person
from .writing import Writing

# Names callers have always imported from here, kept importable; the public
# face is the package (cop_drafts.store).
__all__ = [
    "LOCK_NAME",
    "DraftStore",
    "Person",
    "import_folder",
    "normalise_text",
    "set_durable",
]


class DraftStore(Writing, Merging):
    """A Code's bare repository. Use as a context manager; not thread-shared."""

    @classmethod
    def init(cls, path: Path | str) -> Self:
        """Create an empty bare repository at `path`. Raises StoreError if taken."""
        path = Path(path)
        if path.exists() and any(path.iterdir()):
            raise InvalidContent(f"{path} exists and is not empty")
        repo = pygit2.init_repository(str(path), bare=True, initial_head=MAIN)
        return cls(repo, path)

    @classmethod
    def open(cls, path: Path | str) -> Self:
        """Open an existing bare repository. Raises NotFound."""
        path = Path(path)
        try:
            repo = pygit2.Repository(str(path))
        except pygit2.GitError as error:
            raise NotFound(f"no Code store at {path}") from error
        return cls(repo, path)

    def close(self) -> None:
        """Release libgit2 resources."""
        self._repo.free()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def import_folder(folder: Path) -> dict[str, str]:
    """Files of a Code folder (code.toml + sections) as path -> text.

    Raises InvalidContent for a missing section file or one that is not UTF-8.
    """
    manifest_file = folder / MANIFEST
    if not manifest_file.is_file():
        raise InvalidContent(f"{folder} has no {MANIFEST}")
    files = {MANIFEST: manifest_file.read_text(encoding="utf-8")}
    manifest = parse_manifest(files[MANIFEST])
    for section in manifest.sections:
        source = folder / section.path
        if not source.is_file():
            raise InvalidContent(f"{MANIFEST} lists {section.path}, which is missing")
        try:
            files[section.path] = source.read_bytes().decode("utf-8")
        except UnicodeDecodeError as error:
            raise InvalidContent(f"{section.path} is not UTF-8 text") from error
    return files
