"""Publishing an iteration: tag main, then carry every open comment to it."""

from __future__ import annotations

from collections import Counter

from sqlalchemy.orm import Session

from cop_drafts.db.models import Code, Iteration, User
from cop_drafts.store.refs import is_branch_name, is_hex_rev, is_tag_name
from cop_drafts.store.repo import DraftStore, Person

from . import audit, codes, consistency, reanchor
from .errors import ValidationError
from .permissions import Action, require


def publish(
    db: Session,
    store: DraftStore,
    code: Code,
    actor: User | None,
    tag: str,
    message: str,
    *,
    tagger: Person | None = None,
) -> tuple[Iteration, Counter[str]]:
    """Tag ``main`` as iteration `tag` and re-anchor every open comment once.

    Raises PermissionDenied, ValidationError, TagExists.
    """
    require(actor, Action.PUBLISH)
    tag, message = tag.strip(), message.strip()
    if not is_tag_name(tag) or is_branch_name(tag) or is_hex_rev(tag):
        raise ValidationError(
            "Bad name.",
            {
                "tag": "Use lower-case letters, digits and dashes, "
                "e.g. draft-4 or final."
            },
        )
    if not message:
        raise ValidationError(
            "Message missing.", {"message": "Say what this iteration is."}
        )
    blocking = consistency.check_report(db, store, code).blocking
    if blocking:
        # Checks inform; the coordinating Chair may set some to block, and
        # then they block publishing as they block consolidation.
        first = blocking[0]
        raise ValidationError(
            f"{len(blocking)} finding(s) of checks set to block must be fixed on "
            f"main first, e.g. {first.path} line {first.line_start}: {first.message}"
        )
    iteration = codes.publish(db, store, code, actor, tag, message, tagger=tagger)
    counts = reanchor.reanchor(db, store, code, iteration.commit_id, tag)
    audit.record(
        db,
        actor,
        "comments.reanchor",
        f"code:{code.slug}@{tag}",
        "carried comments: "
        + (
            ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
            or "none open"
        ),
        **counts,
    )
    db.commit()
    return iteration, counts
