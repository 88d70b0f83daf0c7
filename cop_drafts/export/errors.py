"""Why an export cannot be built on this machine."""

from __future__ import annotations


class ExportUnavailable(Exception):
    """A format cannot be built here: a library it needs is missing.

    Only the PDF formats raise it (WeasyPrint needs Pango, HarfBuzz and
    Fontconfig from the system); the message says what to install.
    """
