"""The password policy, the control-character check and the throttle's
address key: pure functions, no database."""

from __future__ import annotations

import pytest

from cop_drafts.services import inputs, passwords, throttle
from cop_drafts.services.errors import ValidationError


@pytest.mark.parametrize(
    "password",
    [
        "password1234",
        "Password2026!",
        "P@ssw0rd2026",
        "pass word 2026",
        "iloveyou2024",
        "qwertyuiop12",
        "1q2w3e4r5t6y",
        "123456789012",
        "0987654321ab",
        "abcabcabcabc",
        "aaaaaaaaaaaa",
        "201220122012",
    ],
)
def test_common_and_predictable_passwords_are_refused(password: str) -> None:
    assert passwords.problem(password) == passwords.TOO_COMMON


@pytest.mark.parametrize(
    "password",
    [
        "tulip harbour seventeen",
        "demo-password-2026",
        "7hK2mP9qL4wZ",
        "Zürich Seeblick 7",
    ],
)
def test_unusual_passwords_pass(password: str) -> None:
    assert passwords.problem(password) is None


def test_short_and_personal_passwords_are_refused() -> None:
    assert passwords.problem("short") == passwords.TOO_SHORT
    personal = ("ana.chair@example.org", "Ana Chair")
    assert passwords.problem("ana.chair2026", personal) == passwords.PERSONAL
    assert passwords.problem("Ana Chair 123", personal) == passwords.PERSONAL
    with pytest.raises(ValidationError) as refused:
        passwords.check("password1234")
    assert "password" in refused.value.fields


def test_control_characters_are_named() -> None:
    inputs.check_text({"body": "tab\tnew line\ncarriage\r"})
    with pytest.raises(ValidationError) as refused:
        inputs.check_text({"body": "a\x00b", "name": "fine", "note": "\x85"})
    assert set(refused.value.fields) == {"body", "note"}
    assert "U+0000 NUL" in refused.value.fields["body"]
    assert "U+0085" in refused.value.fields["note"]


@pytest.mark.parametrize(
    ("remote", "key"),
    [
        ("192.0.2.7", "192.0.2.7"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("::ffff:192.0.2.7", "192.0.2.7"),
        ("not an address", "not an address"),
    ],
)
def test_clients_are_counted_by_address_or_ipv6_network(remote: str, key: str) -> None:
    assert throttle.address_key(remote) == key
