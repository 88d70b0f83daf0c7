"""The password policy: long enough, and neither one of the commonest
passwords nor a predictable variant of one. Passwords are checked here and
hashed by accounts; they are never stored, logged or compared in clear."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from .errors import ValidationError

MIN_LENGTH = 12
COMMON_LIST = Path(__file__).resolve().parent / "data" / "common-passwords.txt"

# Keyboard rows and columns (QWERTY, QWERTZ, AZERTY), the alphabet and the
# digits: a password that walks along one of them is guessed first.
_SEQUENCES = (
    "abcdefghijklmnopqrstuvwxyz",
    "0123456789",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
    "qwertzuiop",
    "yxcvbnm",
    "azertyuiop",
    "qsdfghjklm",
    "wxcvbn",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
    "qazwsxedcrfvtgbyhnujmikolp",
    "1q2w3e4r5t6y7u8i9o0p",
    "q1w2e3r4t5y6u7i8o9p0",
    "!@#$%^&*()_+",
)
_SEPARATORS = re.compile(r"[\s._\-]+")
_EDGES = re.compile(r"^[\d\W_]+|[\d\W_]+$")
_REPEATED = re.compile(r"(.+?)\1+", re.S)
_LEET = (
    str.maketrans("0134578@$!|+", "oieastbasilt"),
    str.maketrans("0134578@$!|+", "oleastbasilt"),
)

TOO_SHORT = f"Use at least {MIN_LENGTH} characters."
TOO_COMMON = (
    "This password is too common or predictable (a well-known password, a "
    "keyboard walk or a repeated pattern, perhaps with digits or symbols "
    "added): choose another, for example a few unrelated words."
)
PERSONAL = "Do not use your e-mail address or your name as your password."


@functools.cache
def _common() -> frozenset[str]:
    # Read on first use, not at import: importing a module touches no disk.
    return frozenset(COMMON_LIST.read_text(encoding="utf-8").split())


def _variants(password: str) -> Iterator[str]:
    """The password as typed and the normalised forms a guesser tries first:
    lower case, separators dropped, digits and symbols trimmed from both ends,
    and common letter substitutions undone."""
    lower = password.lower()
    squeezed = _SEPARATORS.sub("", lower)
    core = _EDGES.sub("", squeezed)
    yield from (lower, squeezed, core)
    if len(core) < 4:
        # Mostly digits or symbols ("0987654321ab"): judge those on their own.
        yield re.sub(r"[\W_a-z]", "", squeezed)
    for table in _LEET:
        yield squeezed.translate(table)
        yield _EDGES.sub("", squeezed.translate(table))
        yield core.translate(table)


def _is_walk(value: str) -> bool:
    if len(value) < 4:
        return False
    for sequence in _SEQUENCES:
        # Three turns of the sequence, both ways, catch walks that wrap
        # around ("7890123456").
        if value in sequence * 3 or value in (sequence * 3)[::-1]:
            return True
    return False


def _is_predictable(value: str) -> bool:
    return value in _common() or _is_walk(value) or bool(_REPEATED.fullmatch(value))


def problem(password: str, personal: Iterable[str] = ()) -> str | None:
    """Why `password` is refused, or None when it is acceptable. `personal`:
    the account's e-mail and name, which must not be the password."""
    if len(password) < MIN_LENGTH:
        return TOO_SHORT
    mine = {_SEPARATORS.sub("", p.lower()) for p in personal if p}
    mine |= {p.split("@", 1)[0] for p in mine if "@" in p}
    for variant in _variants(password):
        if not variant:
            continue
        if _is_predictable(variant):
            return TOO_COMMON
        if variant in mine:
            return PERSONAL
    return None


def check(password: str, personal: Iterable[str] = ()) -> None:
    """Raise ValidationError (on the `password` field) unless the password is
    acceptable."""
    message = problem(password, personal)
    if message is not None:
        title = "Password too short." if message == TOO_SHORT else "Weak password."
        raise ValidationError(title, {"password": message})
