"""Who answers a Working Group's comments: the people dispositions.chairs
lists (the triage page's assignees) are those the rule book allows."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from cop_drafts.db.models import Code, User
from cop_drafts.services import demo, dispositions
from cop_drafts.services.permissions import Action, can
from cop_drafts.store.refs import MAIN
from cop_drafts.store.repo import DraftStore
from tests.story import person


def test_chairs_are_those_the_rule_book_lets_answer(
    db: Session, seeded: Code, seeded_store: DraftStore
) -> None:
    person(db, "wg3-vice").is_active = False  # a closed account answers nothing
    db.commit()
    everyone = list(db.scalars(select(User)))
    wgs: list[int | None] = [*seeded_store.manifest(MAIN).wgs(), None]
    assert wgs == [1, 2, 3, 4, None]
    for wg in wgs:
        listed = dispositions.chairs(db, wg)
        allowed = [u for u in everyone if can(u, Action.DISPOSE, wg=wg)]
        assert sorted(u.id for u in listed) == sorted(u.id for u in allowed), wg
        keys = {u.email.removesuffix(f"@{demo.DOMAIN}") for u in listed}
        mine = {f"wg{wg}-chair", f"wg{wg}-vice"} - {"wg3-vice"} if wg else set()
        assert keys == {"coordinator", *mine}, wg
        assert listed == sorted(listed, key=lambda u: (u.role, u.name))
