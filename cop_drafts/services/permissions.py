"""Who may do what: the one place where the role table of docs/design.md lives.

Services check it (`require`), views ask it (`can`) only to decide what to
show; nothing else compares roles. Anonymous visitors are ``None``; the
operator at the command line is `SYSTEM`.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum, StrEnum
from typing import overload

from cop_drafts.db.models import (
    Category,
    Role,
    Round,
    User,
    WgRole,
    Workshop,
    WorkshopAudience,
)

from .errors import PermissionDenied


class Action(StrEnum):
    """Things a person may be allowed to do."""

    READ_DRAFTS = "read_drafts"
    EDIT_SECTION = "edit_section"
    CONSOLIDATE = "consolidate"
    CONFIGURE_CHECKS = "configure_checks"
    PUBLISH = "publish"
    MANAGE_USERS = "manage_users"
    MANAGE_ROUNDS = "manage_rounds"
    WRITE_NOTE = "write_note"
    SEE_ALL_COMMENTS = "see_all_comments"
    VIEW_AUDIT = "view_audit"
    DISPOSE = "dispose"
    SUBMIT_FOR_OTHERS = "submit_for_others"
    REVIEW_APPLICATIONS = "review_applications"
    APPOINT = "appoint"
    MANAGE_WORKSHOPS = "manage_workshops"
    READ_WORKSHOPS = "read_workshops"
    ATTEND_WORKSHOP = "attend_workshop"
    WRITE_MINUTES = "write_minutes"
    STATE_SIGNING = "state_signing"
    PUBLISH_STATEMENTS = "publish_statements"
    HARMONISE = "harmonise"
    COMMENT = "comment"
    READ_COMMENTS = "read_comments"


class System(Enum):
    """An actor that is no person: the operator running the command line,
    who has the server's files and database in hand anyway."""

    OPERATOR = "operator"


#: The operator at the command line (`cop-drafts users invite`, ...).
SYSTEM = System.OPERATOR
#: What the operator may do through a service: set up accounts.
_SYSTEM_ACTIONS = frozenset({Action.MANAGE_USERS})


def wg_role(user: User | None, wg: int) -> WgRole | None:
    """The person's role in Working Group `wg`, or None."""
    if user is None:
        return None
    return next((m.wg_role for m in user.memberships if m.wg == wg), None)


#: The posts in a Working Group that write its section and answer its comments.
CHAIR_POSTS = frozenset({WgRole.CHAIR, WgRole.VICE_CHAIR})


def is_wg_chair(user: User | None, wg: int) -> bool:
    """True for a Chair or Vice-Chair of Working Group `wg`."""
    return wg_role(user, wg) in CHAIR_POSTS


def is_coordinator(user: User | None) -> bool:
    """True for the coordinating Chair."""
    return user is not None and user.role is Role.COORDINATOR


def is_plenary_member(user: User | None, wg: int) -> bool:
    """True for a Plenary participant who is a plain member of Working Group
    `wg` (not its Chair, nor an observer, Office or Chair elsewhere): the
    public list names their organisation under the group."""
    return (
        user is not None
        and user.role is Role.PARTICIPANT
        and wg_role(user, wg) is WgRole.MEMBER
    )


def cv_may_be_public(user: User | None) -> bool:
    """True for a person whose CV the public list may show, with their consent:
    the coordinating Chair and the Chairs and Vice-Chairs of the Working
    Groups (the role appointing either gives)."""
    return user is not None and user.role in {Role.COORDINATOR, Role.CHAIR}


def can(
    user: User | System | None,
    action: Action,
    *,
    wg: int | None = None,
    round_: Round | None = None,
    workshop: Workshop | None = None,
) -> bool:
    """True when `user` may do `action` (for Working Group `wg`, in `round_`,
    at `workshop`, where it matters)."""
    if isinstance(user, System):
        return action in _SYSTEM_ACTIONS
    if user is None or not user.is_active:
        return False
    role = user.role
    match action:
        case Action.READ_DRAFTS:
            return True
        case Action.HARMONISE:
            # The coordinating Chair edits the consolidated text itself.
            return role is Role.COORDINATOR
        case Action.COMMENT:
            # The open window is checked by the comment service; this is who.
            if role in {Role.AI_OFFICE, Role.COORDINATOR}:
                return True
            if role is Role.OBSERVER:
                return round_ is not None and round_.observers_may_comment
            return is_member(user, wg)
        case Action.READ_COMMENTS:
            # Other people's comments on a section of `wg` (a round may still
            # keep them to the Chairs).
            if can(user, Action.SEE_ALL_COMMENTS, wg=wg):
                return True
            return role is Role.OBSERVER or is_member(user, wg)
        case Action.EDIT_SECTION:
            # A section with no Working Group (preamble, glossary) belongs to
            # the coordinating Chair alone.
            if role is Role.COORDINATOR:
                return True
            return wg is not None and is_wg_chair(user, wg)
        case Action.CONSOLIDATE | Action.CONFIGURE_CHECKS:
            return role is Role.COORDINATOR
        case Action.PUBLISH:
            return role in {Role.AI_OFFICE, Role.COORDINATOR}
        case Action.MANAGE_USERS | Action.VIEW_AUDIT | Action.MANAGE_ROUNDS:
            return role is Role.AI_OFFICE
        case Action.DISPOSE:
            # Answering comments is the synthesis of the Working Group's
            # Chairs and Vice-Chairs, and of the coordinating Chair
            # (dispositions.chairs lists them from the same two facts).
            if is_coordinator(user):
                return True
            return wg is not None and is_wg_chair(user, wg)
        case Action.SUBMIT_FOR_OTHERS:
            return role is Role.AI_OFFICE
        case (
            Action.REVIEW_APPLICATIONS
            | Action.APPOINT
            | Action.MANAGE_WORKSHOPS
            | Action.PUBLISH_STATEMENTS
        ):
            return role is Role.AI_OFFICE
        case Action.READ_WORKSHOPS:
            # Workshops and their published minutes are for everyone taking
            # part; the public does not learn of them.
            return True
        case Action.ATTEND_WORKSHOP:
            return workshop is not None and _invited(user, workshop)
        case Action.WRITE_MINUTES:
            if role in {Role.AI_OFFICE, Role.COORDINATOR}:
                return True
            return wg is not None and is_wg_chair(user, wg)
        case Action.STATE_SIGNING:
            # The closing statement is a provider organisation's: a Plenary
            # participant admitted as a general-purpose AI model provider.
            return (
                role is Role.PARTICIPANT
                and user.category is Category.MODEL_PROVIDER
                and user.organisation_id is not None
            )
        case Action.WRITE_NOTE | Action.SEE_ALL_COMMENTS:
            # Internal notes and every comment with its author: the Chairs
            # of the owning Working Group, the coordinating Chair, the Office.
            if role in {Role.AI_OFFICE, Role.COORDINATOR}:
                return True
            return wg is not None and is_wg_chair(user, wg)
    return False


def is_member(user: User | None, wg: int | None) -> bool:
    """True when `user` belongs to Working Group `wg` (any WG when None)."""
    if user is None:
        return False
    if wg is None:
        return bool(user.memberships)
    return wg_role(user, wg) is not None


def _invited(user: User, workshop: Workshop) -> bool:
    # The AI Office organises every workshop and the coordinating Chair
    # attends them all; the rest by the audience the Office chose.
    if user.role in {Role.AI_OFFICE, Role.COORDINATOR}:
        return True
    match workshop.audience:
        case WorkshopAudience.EVERYONE:
            return True
        case WorkshopAudience.WORKING_GROUP:
            return is_member(user, workshop.wg)
        case WorkshopAudience.PROVIDERS:
            # Providers of general-purpose AI models, with the Chairs (of
            # the workshop's Working Group when it has one).
            if user.role is Role.PARTICIPANT:
                return user.category is Category.MODEL_PROVIDER
            if workshop.wg is None:
                return user.role is Role.CHAIR
            return is_wg_chair(user, workshop.wg)
    return False


@overload
def require(
    user: User | None,
    action: Action,
    *,
    wg: int | None = None,
    round_: Round | None = None,
    workshop: Workshop | None = None,
) -> User: ...


@overload
def require(
    user: User | System | None,
    action: Action,
    *,
    wg: int | None = None,
    round_: Round | None = None,
    workshop: Workshop | None = None,
) -> User | System: ...


def require(
    user: User | System | None,
    action: Action,
    *,
    wg: int | None = None,
    round_: Round | None = None,
    workshop: Workshop | None = None,
) -> User | System:
    """`user`, known to be allowed `action`; raise PermissionDenied unless
    can(user, action, wg=wg, round_=round_, workshop=workshop)."""
    if user is None or not can(user, action, wg=wg, round_=round_, workshop=workshop):
        raise PermissionDenied(_denied(user, action, wg))
    return user


def require_each(user: User | None, action: Action, wgs: Iterable[int | None]) -> User:
    """`user`, known to be allowed `action` for every Working Group of `wgs`
    (an anonymous visitor is refused even for none); raise PermissionDenied,
    with the message of the first one refused, unless each is allowed."""
    if user is None:
        raise PermissionDenied(_denied(user, action, None))
    for wg in wgs:
        require(user, action, wg=wg)
    return user


def _denied(user: User | System | None, action: Action, wg: int | None) -> str:
    if action is Action.COMMENT:
        if user is None or isinstance(user, System) or not user.is_active:
            return "Log in to comment."
        if user.role is Role.OBSERVER:
            return "Observers may read this round but not comment on it."
        if wg:
            return f"Only members of Working Group {wg} comment on this section."
        return "Only members of a Working Group comment on this section."
    return _DENIED.get(action, "You may not do this.")


_DENIED = {
    Action.READ_DRAFTS: "Log in to read drafts that are not published.",
    Action.EDIT_SECTION: "Only the Chairs of the Working Group that owns this "
    "section, and the coordinating Chair, may edit it.",
    Action.CONSOLIDATE: "Only the coordinating Chair consolidates the Code.",
    Action.CONFIGURE_CHECKS: "Only the coordinating Chair decides which checks "
    "block consolidation.",
    Action.PUBLISH: "Only the AI Office and the coordinating Chair publish.",
    Action.MANAGE_USERS: "Only the AI Office manages accounts.",
    Action.VIEW_AUDIT: "Only the AI Office reads the audit log.",
    Action.MANAGE_ROUNDS: "Only the AI Office opens and extends drafting rounds.",
    Action.WRITE_NOTE: "Internal notes are for the Chairs of this Working Group, "
    "the coordinating Chair and the AI Office.",
    Action.SEE_ALL_COMMENTS: "Only Chairs see every comment of this section.",
    Action.DISPOSE: "Only the Chairs and Vice-Chairs of this Working Group, and "
    "the coordinating Chair, answer its comments.",
    Action.SUBMIT_FOR_OTHERS: "Only the AI Office imports a submission on "
    "someone's behalf.",
    Action.REVIEW_APPLICATIONS: "Only the AI Office reviews expressions of interest.",
    Action.APPOINT: "Only the AI Office appoints Chairs and Vice-Chairs.",
    Action.MANAGE_WORKSHOPS: "Only the AI Office schedules workshops.",
    Action.READ_WORKSHOPS: "Log in to see the workshops.",
    Action.ATTEND_WORKSHOP: "This workshop is for another audience.",
    Action.WRITE_MINUTES: "Only the AI Office, the coordinating Chair and the "
    "Chairs of the workshop's Working Group write its minutes.",
    Action.STATE_SIGNING: "Only providers of general-purpose AI models taking "
    "part in the Plenary state whether they envisage signing the Code.",
    Action.PUBLISH_STATEMENTS: "Only the AI Office publishes the signing statements.",
    Action.HARMONISE: "Only the coordinating Chair edits the consolidated text.",
    Action.READ_COMMENTS: "Only the Working Group's members, observers and Chairs "
    "read the comments of this section.",
}
