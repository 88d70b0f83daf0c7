"""Enums carry the words people read for them (db.models.LabelledEnum)."""

from __future__ import annotations

import pytest

from cop_drafts.db.models import (
    CATEGORY_LABELS,
    DISPOSITION_LABELS,
    ROLE_LABELS,
    WG_ROLE_LABELS,
    Category,
    DispositionKind,
    LabelledEnum,
    NotificationKind,
    Role,
    SigningIntent,
    WgRole,
    WorkshopAudience,
)
from cop_drafts.services.appointments import Post


@pytest.mark.parametrize(
    "kind",
    [
        Role,
        WgRole,
        Category,
        DispositionKind,
        NotificationKind,
        WorkshopAudience,
        SigningIntent,
        Post,
    ],
)
def test_every_member_has_words_and_is_found_by_its_value(
    kind: type[LabelledEnum],
) -> None:
    for member in kind:
        assert member.label and member.label != member.value
        assert kind(member.value) is member
        assert member == member.value and str(member) == member.value
    with pytest.raises(ValueError):
        kind("no such value")


def test_labels() -> None:
    assert Role.AI_OFFICE.label == "AI Office"
    assert WgRole.VICE_CHAIR.label == "Vice-Chair"
    assert Category.ACADEMIA.label == "Academia or independent expert"
    assert DispositionKind.PARTIAL.label == "Partially accepted"
    # A post is named as the role it gives.
    assert Post.VICE_CHAIR.label == WgRole.VICE_CHAIR.label
    assert Post.COORDINATOR.label == Role.COORDINATOR.label


def test_the_mappings_follow_the_enums_in_order() -> None:
    for mapping, kind in [
        (ROLE_LABELS, Role),
        (WG_ROLE_LABELS, WgRole),
        (CATEGORY_LABELS, Category),
        (DISPOSITION_LABELS, DispositionKind),
    ]:
        assert list(mapping.items()) == [(m, m.label) for m in kind]
