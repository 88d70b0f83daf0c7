"""The comment story both the integration and the browser tests tell: draft-3's
round opens, three passages are commented on, the Chairs rework main so that
one stays, one is reworded and one is removed, and draft-4 is published."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from cop_drafts.db.models import Code, Round, Visibility, utcnow
from cop_drafts.services import accounts, demo, rounds
from cop_drafts.store.repo import DraftStore, Person

S = "risk-assessment.md"
KEEP = "Signatories shall record each decision taken under this Measure"
REWORD = "Signatories shall document the size of each Safety Margin"
REWORDED = "Signatories shall record the size of every Safety Margin"
DROP = "Where the Systemic Risks are acceptable, taking the Safety Margins into account"


def open_round_on_draft_3(db: Session, code: Code) -> Round:
    """The AI Office opens draft-3's round: the Plenary was an hour ago, the
    window is open, comments visible to the Working Group."""
    office = accounts.find_user(db, f"ai-office@{demo.DOMAIN}")
    return rounds.open_round(
        db,
        code,
        office,
        rounds.RoundInput(
            tag="draft-3",
            plenary_at=utcnow() - timedelta(hours=1),
            visibility=Visibility.WORKING_GROUP,
            observers_may_comment=False,
        ),
    )


def rework_main(store: DraftStore) -> None:
    """Commit on main: REWORD becomes REWORDED, DROP's line goes."""
    text = store.read("main", S).text
    line_drop = next(line for line in text.splitlines() if DROP in line)
    text = text.replace(REWORD, REWORDED).replace(line_drop + "\n", "")
    store.save(
        "main",
        S,
        text,
        base=store.resolve("main"),
        author=Person("Coordinator", "c@example.org"),
        message="Rework",
    )
