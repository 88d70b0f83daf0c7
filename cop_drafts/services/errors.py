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
    """Login throttled after repeated failures; `seconds` until the next try."""

    def __init__(self, seconds: int) -> None:
        if seconds >= 120:
            wait = f"{round(seconds / 60)} minutes"
        else:
            wait = f"{seconds} second" + ("s" if seconds != 1 else "")
        super().__init__(f"Too many failed attempts. Try again in {wait}.")
        self.seconds = seconds


class WindowClosed(ServiceError):
    """The comment window of the round is not open."""
