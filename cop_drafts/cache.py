"""A file cache for results keyed by immutable ids (commit, blob, versions).

Entries are written to a temporary file and renamed into place, so readers
in other workers never see half an entry; a lost entry is only recomputed.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from markupsafe import Markup


class FileCache:
    """Bytes by string key under one folder."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        digest = hashlib.sha256(key.encode()).hexdigest()
        return self.root / digest[:2] / digest[2:]

    def get(self, key: str) -> bytes | None:
        """The cached bytes for `key`, or None."""
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            return None

    def put(self, key: str, data: bytes) -> None:
        """Store `data` for `key` atomically."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

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
