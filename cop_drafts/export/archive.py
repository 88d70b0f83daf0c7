"""Zip files whose bytes depend only on their contents (zip, DOCX, XLSX).

A zip records a modification time per entry; Word and Excel writers stamp the
time of writing. Fixing every entry's time, attributes and compression makes
the same content give the same bytes on any machine, so a SHA-256 published
beside a download can be checked by anyone who builds it again.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from datetime import UTC, datetime

#: The earliest time a zip entry can hold; used when no date is given.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def zip_time(when: datetime | None) -> tuple[int, int, int, int, int, int]:
    """A zip entry's date_time for `when` (UTC, whole even seconds)."""
    if when is None:
        return ZIP_EPOCH
    utc = when.astimezone(UTC).timetuple()
    stamp = (utc.tm_year, utc.tm_mon, utc.tm_mday, utc.tm_hour, utc.tm_min)
    return (*stamp, utc.tm_sec - utc.tm_sec % 2)  # zip keeps 2-second steps


def fixed_zip(
    entries: Iterable[tuple[str, bytes]], when: datetime | None = None
) -> bytes:
    """A deflated zip of `entries` in the order given, every entry dated `when`."""
    date_time = zip_time(when)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16  # -rw-r--r--, whoever builds it
            info.create_system = 3  # Unix, whatever the building machine is
            archive.writestr(info, data, compresslevel=6)
    return buffer.getvalue()


def normalise_zip(data: bytes, when: datetime | None = None) -> bytes:
    """The zip `data` rewritten with fixed times and attributes, order kept."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        entries = [(info.filename, source.read(info)) for info in source.infolist()]
    return fixed_zip(entries, when)
