"""The comment story both the integration and the browser tests tell: three
passages of draft-3 are commented on, the Chairs rework main so that one stays,
one is reworded and one is removed, and draft-4 is published."""

from __future__ import annotations

from cop_drafts.store.repo import DraftStore, Person

S = "risk-assessment.md"
KEEP = "Signatories shall record each decision taken under this Measure"
REWORD = "Signatories shall document the size of each Safety Margin"
REWORDED = "Signatories shall record the size of every Safety Margin"
DROP = "Where the Systemic Risks are acceptable, taking the Safety Margins into account"


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
