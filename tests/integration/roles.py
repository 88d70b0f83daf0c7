"""The roles every permission-matrix row set covers (None: a public visitor)."""

from __future__ import annotations

ROLES: list[str | None] = [
    None,
    "ai-office",
    "coordinator",
    "wg2-chair",
    "wg2-vice",
    "provider",
    "observer",
]
