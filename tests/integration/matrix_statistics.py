"""Permission rows for the statistics page and its CSV downloads (see
test_permissions). The Code's numbers are not public: 404 to the public,
open to everyone logged in; an unknown round or chart is 404 to all."""

from __future__ import annotations

from tests.integration.roles import ROLES

STATS = "/c/gpai-code/statistics"


def _rows() -> list[tuple[str | None, str, str, str, int]]:
    rows = []
    for role in ROLES:
        seen = 404 if role is None else 200
        rows += [
            (role, "statistics.show", "GET", STATS, seen),
            (role, "statistics.show", "GET", f"{STATS}?round=draft-9", 404),
            (role, "statistics.download", "GET", f"{STATS}/sections.csv", seen),
            (role, "statistics.download", "GET", f"{STATS}/secrets.csv", 404),
        ]
    return rows


ROWS = _rows()
