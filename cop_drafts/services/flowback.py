"""Harmonisation flowing back: ``main`` merged into every Working Group
branch like any other change; a clash is recorded and left for the board.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.orm import Session

from cop_drafts.db.models import Code, User
from cop_drafts.store.errors import Conflict
from cop_drafts.store.refs import MAIN, wg_branch
from cop_drafts.store.repo import DraftStore
from cop_drafts.store.values import Person

from . import audit
from .conflicts import draft_name


class FlowStatus(StrEnum):
    """What bringing ``main`` into a Working Group branch did."""

    UP_TO_DATE = "up_to_date"
    FAST_FORWARD = "fast_forward"
    MERGED = "merged"
    CONFLICT = "conflict"


@dataclass(frozen=True, slots=True)
class FlowBackResult:
    """The outcome of bringing ``main`` into one Working Group branch."""

    wg: int
    branch: str
    status: FlowStatus
    commit_id: str = ""
    paths: tuple[str, ...] = ()


def clashes(store: DraftStore, branch: str) -> tuple[str, ...]:
    """The files where bringing ``main`` into `branch` now would conflict."""
    return tuple(side.path for side in store.preview_merge([MAIN], branch).conflicts)


def flow_back(
    db: Session, store: DraftStore, code: Code, actor: User, what: str
) -> tuple[FlowBackResult, ...]:
    """Bring ``main`` into every Working Group branch, merged like any change.

    A branch whose merge conflicts is left as it was; the conflict is
    recorded in the audit log and shown on the board. Commits its audit rows:
    a step of its own after the caller committed the change it brings back.
    Never raises Conflict.
    """
    author = Person(actor.name, actor.email)
    out = []
    for wg in store.manifest(MAIN).wgs():
        branch = wg_branch(wg)
        target = f"code:{code.slug}@{branch}"
        if store.find_commit_id(branch) is None:
            continue
        try:
            result = store.sync(
                branch,
                source=MAIN,
                author=author,
                message=f"Bring {what} into {draft_name(branch)}",
            )
        except Conflict as error:
            paths = tuple(side.path for side in error.sides)
            audit.record(
                db,
                actor,
                "branch.flow_back_conflict",
                target,
                f"main could not be merged into {branch} ({what}): conflicting "
                f"changes in {', '.join(paths)}; shown on the consolidation board",
                paths=list(paths),
            )
            out.append(FlowBackResult(wg, branch, FlowStatus.CONFLICT, "", paths))
            continue
        if result is None:
            out.append(FlowBackResult(wg, branch, FlowStatus.UP_TO_DATE))
            continue
        status = FlowStatus.MERGED if result.merged else FlowStatus.FAST_FORWARD
        audit.record(
            db,
            actor,
            "branch.flow_back",
            target,
            f"brought {what} from main into {branch} ({result.commit_id[:10]})",
            commit_id=result.commit_id,
            merged=result.merged,
        )
        out.append(FlowBackResult(wg, branch, status, result.commit_id))
    db.commit()
    return tuple(out)
