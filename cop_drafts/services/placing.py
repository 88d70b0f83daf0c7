"""Placing a carried comment by hand: a Chair shows where its passage is now.

Relocation finds a passage that was kept, moved or lightly reworded; one
restated in new words, or turned into another Measure's duty, it reports on
removed text rather than guess (a wrong place is worse than none). The
Chairs who answer a comment know where its concern went: they select the
new passage on the published draft, and the comment is shown there, marked
as placed by them. The next iteration carries it on from that passage.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from cop_drafts.db.models import Code, Relocation, User, utcnow
from cop_drafts.store.errors import NotFound
from cop_drafts.store.repo import DraftStore
from cop_drafts.text.anchor import Anchor, AnchorStatus

from . import audit, codes, notifications
from .comments import anchor_of, get_comment
from .errors import ValidationError
from .permissions import Action, require


def place(
    db: Session,
    store: DraftStore,
    code: Code,
    actor: User | None,
    comment_id: int,
    tag: str,
    lines: tuple[int | None, int | None],
    quote: str | None,
) -> Relocation:
    """Show comment `comment_id` on the passage chosen (lines, and the quote
    selected in them) of published iteration `tag`. Only those who answer
    the comment's Working Group's comments may (PermissionDenied); the
    comment must be carried to `tag` (ValidationError otherwise)."""
    comment = get_comment(db, code, comment_id)
    # Placing a comment is part of answering it: the same people judge both.
    placer = require(actor, Action.DISPOSE, wg=comment.wg)
    if comment.parent_id is not None:
        raise ValidationError("Replies follow their comment; place the comment.")
    iteration = codes.find_iteration(db, code, tag)
    if iteration is None:
        raise ValidationError("Comments are placed by hand on published drafts only.")
    landing = db.scalar(
        select(Relocation).where(
            Relocation.comment_id == comment.id,
            Relocation.commit_id == iteration.commit_id,
        )
    )
    if landing is None:
        raise ValidationError(f"This comment is not carried to {tag}.")
    try:
        text = store.read(iteration.commit_id, comment.path).text
    except NotFound as error:
        raise ValidationError(f"{tag} has no section {comment.path}.") from error
    anchor = anchor_of(text, *lines, quote)
    if not anchor.quote.strip():
        raise ValidationError("Choose a passage with words in it.")
    _land(landing, anchor, (comment.anchor or {}).get("quote"), placer)
    notifications.on_placed(db, comment, landing, placer)
    audit.record(
        db,
        placer,
        "comment.place",
        f"comment:{comment.id}",
        f"placed on {tag}, lines {anchor.line_start}-{anchor.line_end}",
    )
    db.commit()
    return landing


def _land(
    landing: Relocation, anchor: Anchor, written_on: str | None, placer: User
) -> None:
    """`landing` moved to `anchor`'s passage by `placer`: moved when its words
    are the ones the comment was written on, else reworded."""
    same = anchor.quote == written_on
    landing.status = (AnchorStatus.MOVED if same else AnchorStatus.FUZZY).value
    landing.start, landing.end = anchor.start, anchor.end
    landing.line_start, landing.line_end = anchor.line_start, anchor.line_end
    landing.quote = anchor.quote
    landing.score = 1.0
    landing.placed_by_id = placer.id
    landing.placed_at = utcnow()
