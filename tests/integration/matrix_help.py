"""Permission rows for the glossary (see test_permissions): public, like the
published drafts it explains."""

from __future__ import annotations

from tests.integration.roles import ROLES

ROWS = [(role, "help.glossary", "GET", "/glossary", 200) for role in ROLES]
