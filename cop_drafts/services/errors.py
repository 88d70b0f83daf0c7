"""Errors the use cases raise; app/errors.py maps each to a status page."""

from __future__ import annotations

from collections.abc import Mapping


class ServiceError(Exception):
    """Base of use-case errors."""


class PermissionDenied(ServiceError):
    """The acting person may not do this."""


class ValidationError(ServiceError):
    """Input that cannot be accepted; `fields` maps a field to its message."""

    def __init__(self, message: str, fields: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.fields = dict(fields or {})


class TooManyAttempts(ServiceError):
    """Login throttled after repeated failures."""

    def __init__(self, minutes: int) -> None:
        super().__init__(
            f"Too many failed attempts. Try again in {minutes} minute"
            + ("s." if minutes != 1 else ".")
        )
        self.minutes = minutes


class WindowClosed(ServiceError):
    """The comment window of the round is not open."""
