"""The Code page's home for each role: what the person needs to act on, in
the words of the process (rounds, comments, working drafts, the consolidated
text), computed here so that the page only renders."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cop_drafts.db.models import Code, Comment, CommentStatus, Round, User, utcnow
from cop_drafts.store.errors import StoreError
from cop_drafts.store.manifest import Manifest, SectionSpec
from cop_drafts.store.refs import MAIN, wg_branch
from cop_drafts.store.repo import DraftStore
from cop_drafts.store.values import CommitInfo

from . import accounts, comments, consistency, rounds, triage
from . import codes as code_service
from .consolidation import changes_between
from .errors import PermissionDenied, WindowClosed
from .permissions import Action, can, is_member

#: How many changes a list shows before "and N more".
SHOWN = 3


@dataclass(frozen=True, slots=True)
class RoundNow:
    """The round that is open or about to open, and how long is left."""

    round: Round
    state: rounds.WindowState
    left: str  # "4 days 6 hours", "35 minutes"


@dataclass(frozen=True, slots=True)
class Changes:
    """Changes on one text that another does not hold: how many, the newest."""

    count: int
    newest: tuple[CommitInfo, ...]


@dataclass(frozen=True, slots=True)
class WorkingDraft:
    """A Working Group's working draft against the consolidated text."""

    wg: int
    branch: str
    own: Changes  # its changes not yet in the consolidated text
    waiting: int  # changes of the consolidated text it does not have yet


@dataclass(frozen=True, slots=True)
class SectionRule:
    """One section and whether the reader may comment on it now, and why not."""

    section: SectionSpec
    mine: bool  # of one of the reader's Working Groups
    may_comment: bool
    reason: str


@dataclass(frozen=True, slots=True)
class Home:
    """What the Code page shows first to the person logged in."""

    role: str  # "office", "coordinator", "chair", "participant"
    round: RoundNow | None
    drafts: tuple[WorkingDraft, ...]
    unread: frozenset[str] = frozenset()
    # AI Office
    counts: rounds.RoundCounts | None = None
    pending_invitations: int = 0
    to_publish: Changes | None = None
    last_published: str | None = None
    # coordinating Chair
    failing_checks: tuple[tuple[str, int], ...] = ()
    # Chair
    chair_wgs: tuple[int, ...] = ()
    chair_sections: tuple[SectionSpec, ...] = ()
    awaiting_answer: dict[int, int] = field(default_factory=dict)
    # participant (and Chairs: their own comments)
    rules: tuple[SectionRule, ...] = ()
    own_comments: int = 0


def time_left(until: datetime, now: datetime) -> str:
    """How long until `until`, in the two largest units: "3 days 4 hours"."""
    seconds = max(0, int((until - now).total_seconds()))
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes = rest // 60
    parts = [(days, "day"), (hours, "hour"), (minutes, "minute")]
    shown = [f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in parts if n][:2]
    return " ".join(shown) or "less than a minute"


def round_now(db: Session, code: Code, now: datetime) -> RoundNow | None:
    """The open (or next) round and the time left until it closes (or opens)."""
    found = rounds.open_now(db, code, now)
    if found is None:
        return None
    state = rounds.state(found, now)
    until = found.opens_at if state is rounds.WindowState.UPCOMING else found.closes_at
    return RoundNow(found, state, time_left(until, now))


def comment_rule(
    user: User | None, round_: Round | None, wg: int | None, now: datetime
) -> tuple[bool, str]:
    """Whether `user` may comment on a section of `wg` now, and the reason
    in the words the comment service refuses with."""
    try:
        comments.check_may_comment(user, round_, wg, now)
    except (PermissionDenied, WindowClosed) as refusal:
        return False, str(refusal)
    return True, "You may comment on this section."


def _changes(store: DraftStore, rev: str, hide: str) -> Changes:
    try:
        found = changes_between(store, rev, hide)
    except StoreError:
        return Changes(0, ())
    return Changes(len(found), found[:SHOWN])


def working_drafts(store: DraftStore, manifest: Manifest) -> tuple[WorkingDraft, ...]:
    """Every Working Group's draft: its own changes not yet in the
    consolidated text and how many of the consolidated text's it lacks."""
    out = []
    for wg in manifest.wgs():
        branch = wg_branch(wg)
        if store.find_commit_id(branch) is None:
            continue
        own = _changes(store, branch, MAIN)
        waiting = _changes(store, MAIN, branch).count
        out.append(WorkingDraft(wg, branch, own, waiting))
    return tuple(out)


def _role(user: User) -> str:
    # Each home is the desk of a duty in the rule book: running the rounds,
    # consolidating the Code, answering a Working Group's comments.
    if can(user, Action.MANAGE_ROUNDS):
        return "office"
    if can(user, Action.CONSOLIDATE):
        return "coordinator"
    if any(can(user, Action.DISPOSE, wg=m.wg) for m in user.memberships):
        return "chair"
    return "participant"


def home(
    db: Session,
    store: DraftStore,
    code: Code,
    user: User | None,
    unread: set[str] | None = None,
    now: datetime | None = None,
) -> Home | None:
    """The home of `user` on the Code page; None for visitors not logged in."""
    if user is None:
        return None
    now = now or utcnow()
    manifest = store.manifest(MAIN)
    role = _role(user)
    base = Home(
        role,
        round_now(db, code, now),
        working_drafts(store, manifest),
        frozenset(unread or ()),
    )
    if role == "office":
        return _office(db, store, code, base)
    if role == "coordinator":
        return _coordinator(db, store, code, base)
    extra = _reader(db, code, user, manifest, base, now)
    if role == "chair":
        return _chair(db, store, code, user, manifest, extra)
    return extra


def _office(db: Session, store: DraftStore, code: Code, base: Home) -> Home:
    published = code_service.iterations_all(db, code)
    last = published[-1] if published else None
    to_publish = _changes(store, MAIN, last.commit_id) if last else None
    ids = list(db.scalars(select(User.id)))
    return _with(
        base,
        counts=rounds.counts(db, base.round.round) if base.round else None,
        pending_invitations=len(accounts.pending_invitations(db, ids)),
        to_publish=to_publish,
        last_published=last.tag if last else None,
    )


def _coordinator(db: Session, store: DraftStore, code: Code, base: Home) -> Home:
    report = consistency.check_report(db, store, code)
    failing = tuple((row.title, row.count) for row in report.rows if row.count)
    return _with(base, failing_checks=failing)


def _reader(
    db: Session, code: Code, user: User, manifest: Manifest, base: Home, now: datetime
) -> Home:
    round_ = base.round.round if base.round else None
    rules = []
    for section in manifest.sections:
        may, reason = comment_rule(user, round_, section.wg, now)
        mine = section.wg is not None and is_member(user, section.wg)
        rules.append(SectionRule(section, mine, may, reason))
    rules.sort(key=lambda r: not r.mine)
    own = db.scalar(
        select(func.count(Comment.id)).where(
            Comment.code_id == code.id,
            Comment.author_id == user.id,
            Comment.parent_id.is_(None),
            Comment.status == CommentStatus.OPEN,
        )
    )
    return _with(base, rules=tuple(rules), own_comments=own or 0)


def _chair(
    db: Session,
    store: DraftStore,
    code: Code,
    user: User,
    manifest: Manifest,
    base: Home,
) -> Home:
    wgs = tuple(wg for wg in manifest.wgs() if can(user, Action.EDIT_SECTION, wg=wg))
    awaiting = {}
    for wg in wgs:
        found = triage.table(
            db, store, code, user, triage.Filters(wg=wg, answer="none")
        )
        awaiting[wg] = found.total
    return _with(
        base,
        chair_wgs=wgs,
        chair_sections=tuple(s for s in manifest.sections if s.wg in wgs),
        awaiting_answer=awaiting,
    )


def _with(base: Home, **changes: object) -> Home:
    return replace(base, **changes)  # type: ignore[arg-type]


def window_words(found: RoundNow) -> str:
    """'open until …' or 'opens …' for a round, in Brussels time."""
    when = found.round.closes_at
    if found.state is rounds.WindowState.UPCOMING:
        when = found.round.opens_at
    local = when.astimezone(rounds.BRUSSELS)
    return f"{local:%A} {local.day} {local:%B %Y, %H:%M} Brussels time"
