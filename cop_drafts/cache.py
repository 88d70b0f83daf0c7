"""The two caches: a file cache for results keyed by immutable ids (commit,
blob, versions), shared by every worker, and a small in-memory memo.

File entries are written to a temporary file and renamed into place, so
readers in other workers never see half an entry; a lost entry, or one
evicted to keep the folder within its bound, is only recomputed.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, Generic, TypeVar

from markupsafe import Markup

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

#: Pruning leaves the folder at this share of its bound, so that it does
#: not run again at the next few writes.
LOW_WATER = 0.9
#: A temporary file older than this is a writer's that died before renaming.
STALE_TEMP_SECONDS = 3600

# Bytes each folder's caches wrote in this process since it last pruned it:
# a FileCache is made per request, the count must outlive it.
_written: dict[Path, int] = {}
_written_lock = threading.Lock()


class FileCache:
    """Bytes by string key under one folder, at most `max_bytes` of them
    (no bound when None): the least recently used entries go first."""

    def __init__(self, root: Path, max_bytes: int | None = None) -> None:
        self.root = root
        self.max_bytes = max_bytes

    def _path(self, key: str) -> Path:
        digest = hashlib.sha256(key.encode()).hexdigest()
        return self.root / digest[:2] / digest[2:]

    def get(self, key: str) -> bytes | None:
        """The cached bytes for `key`, or None; a hit marks the entry used."""
        path = self._path(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        _touch(path)
        return data

    def put(self, key: str, data: bytes) -> None:
        """Store `data` for `key` atomically; past the bound, prune."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            _touch(Path(tmp))
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        if self.max_bytes is not None and self._wrote(len(data)):
            self.prune()

    def _wrote(self, size: int) -> bool:
        # Scanning the folder costs a stat per entry: do it each time this
        # process wrote a tenth of the bound. With several workers the folder
        # may pass the bound by a tenth for each of them, no more.
        assert self.max_bytes is not None
        with _written_lock:
            total = _written.get(self.root, 0) + size
            due = total >= max(1, self.max_bytes // 10)
            _written[self.root] = 0 if due else total
        return due

    def prune(self) -> int:
        """Remove the least recently used entries until the folder holds no
        more than LOW_WATER of `max_bytes`; return how many went. Other
        workers may read, write and prune meanwhile: a file gone already is
        skipped, an entry removed under a reader is only recomputed."""
        if self.max_bytes is None:
            return 0
        entries = _entries(self.root)
        total = sum(size for _, size, _ in entries)
        if total <= self.max_bytes:
            return 0
        entries.sort()  # least recently used first
        removed = 0
        for _, size, path in entries:
            if total <= self.max_bytes * LOW_WATER:
                break
            Path(path).unlink(missing_ok=True)
            total -= size
            removed += 1
        return removed

    def markup(self, key: str, compute: Callable[[], Markup]) -> Markup:
        """Cached HTML for `key`, computing and storing it on a miss.

        Only Markup goes in (HTML the text layer made and sanitised), so what
        comes back is Markup again: the cache folder is ours alone, nothing
        else writes it. The one place cached HTML is trusted again.
        """
        data = self.get(key)
        if data is not None:
            return Markup(data.decode("utf-8"))  # noqa: S704 -- stored as Markup
        value = compute()
        self.put(key, str(value).encode("utf-8"))
        return value

    def text(self, key: str, compute: Callable[[], str]) -> str:
        """Cached text for `key`, computing and storing it on a miss."""
        data = self.get(key)
        if data is not None:
            return data.decode("utf-8")
        value = compute()
        self.put(key, value.encode("utf-8"))
        return value

    def json(self, key: str, compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """The JSON object cached for `key`, computing and storing it on a miss.

        Top-level values that were Markup when stored come back as Markup:
        sanitised HTML from the text layer keeps its trust through the round
        trip (the cache folder is ours alone; nothing else writes it), so no
        caller wraps cached HTML in Markup again. Raises TypeError for a value
        JSON cannot hold.
        """
        data = self.get_json(key)
        if data is None:
            data = compute()
            self.put_json(key, data)
        return data

    def get_json(self, key: str) -> dict[str, Any] | None:
        """The JSON object stored for `key` (by json or put_json), or None."""
        raw = self.get(f"json/{key}")
        if raw is None:
            return None
        stored = json.loads(raw)
        data: dict[str, Any] = stored["data"]
        for name in stored["markup"]:
            data[name] = Markup(data[name])
        return data

    def put_json(self, key: str, data: dict[str, Any]) -> None:
        """Store the JSON object `data` for `key`, as json does on a miss: for
        an entry computed together with another one. Raises TypeError."""
        markup = sorted(name for name, v in data.items() if isinstance(v, Markup))
        self.put(f"json/{key}", json.dumps({"data": data, "markup": markup}).encode())


def _touch(path: Path) -> None:
    # The time of last use, set by us: the kernel's own access time is not
    # kept on most mounts (relatime, noatime), and ticks too coarsely.
    now = time.time_ns()
    try:
        os.utime(path, ns=(now, now))
    except FileNotFoundError:
        pass  # pruned by another worker meanwhile: the data is read already


def _entries(root: Path) -> list[tuple[float, int, str]]:
    """(last use, size, path) of every entry under `root`; temporary files
    left by a writer that died are removed on the way."""
    out = []
    stale = time.time() - STALE_TEMP_SECONDS
    try:
        folders = [f.path for f in os.scandir(root) if len(f.name) == 2]
    except FileNotFoundError:
        return []
    for folder in folders:
        try:
            files = list(os.scandir(folder))
        except (FileNotFoundError, NotADirectoryError):
            continue
        for entry in files:
            try:
                stat = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue
            if entry.name.startswith(".tmp-"):
                if stat.st_mtime < stale:
                    Path(entry.path).unlink(missing_ok=True)
                continue
            out.append((stat.st_atime, stat.st_size, entry.path))
    return out


class Memo(Generic[K, V]):
    """At most `size` values by key in this process's memory, the least
    recently used forgotten first; safe to share between threads (two that
    miss at once may both compute, and the later value is kept)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def value(self, key: K, compute: Callable[[], V]) -> V:
        """The value kept for `key`, computed (outside the lock) on a miss."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        found = compute()
        with self._lock:
            self._items[key] = found
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return found

    def clear(self) -> None:
        """Forget every value."""
        with self._lock:
            self._items.clear()
