"""Who may do what: the one place where the role table of DESIGN.md lives.

Every view asks this policy; nothing else decides. Anonymous visitors are
represented by ``None``.
"""

from __future__ import annotations

from enum import StrEnum

from cop_drafts.db.models import Role, User, WgRole

from .errors import PermissionDenied


class Action(StrEnum):
    """Things a person may be allowed to do."""

    READ_DRAFTS = "read_drafts"
    EDIT_SECTION = "edit_section"
    CONSOLIDATE = "consolidate"
    PUBLISH = "publish"
    MANAGE_USERS = "manage_users"
    VIEW_AUDIT = "view_audit"


def wg_role(user: User | None, wg: int) -> WgRole | None:
    """The person's role in Working Group `wg`, or None."""
    if user is None:
        return None
    return next((m.wg_role for m in user.memberships if m.wg == wg), None)


def is_wg_chair(user: User | None, wg: int) -> bool:
    """True for a Chair or Vice-Chair of Working Group `wg`."""
    return wg_role(user, wg) in {WgRole.CHAIR, WgRole.VICE_CHAIR}


def can(user: User | None, action: Action, *, wg: int | None = None) -> bool:
    """True when `user` may do `action` (for Working Group `wg` where it matters)."""
    if user is None or not user.is_active:
        return False
    role = user.role
    match action:
        case Action.READ_DRAFTS:
            return True
        case Action.EDIT_SECTION:
            # A section with no Working Group (preamble, glossary) belongs to
            # the coordinating Chair alone.
            if role is Role.COORDINATOR:
                return True
            return wg is not None and is_wg_chair(user, wg)
        case Action.CONSOLIDATE:
            return role is Role.COORDINATOR
        case Action.PUBLISH:
            return role in {Role.AI_OFFICE, Role.COORDINATOR}
        case Action.MANAGE_USERS | Action.VIEW_AUDIT:
            return role is Role.AI_OFFICE
    return False


def require(user: User | None, action: Action, *, wg: int | None = None) -> None:
    """Raise PermissionDenied unless can(user, action, wg=wg)."""
    if not can(user, action, wg=wg):
        raise PermissionDenied(_DENIED.get(action, "You may not do this."))


_DENIED = {
    Action.READ_DRAFTS: "Log in to read drafts that are not published.",
    Action.EDIT_SECTION: "Only the Chairs of the Working Group that owns this "
    "section, and the coordinating Chair, may edit it.",
    Action.CONSOLIDATE: "Only the coordinating Chair consolidates the Code.",
    Action.PUBLISH: "Only the AI Office and the coordinating Chair publish.",
    Action.MANAGE_USERS: "Only the AI Office manages accounts.",
    Action.VIEW_AUDIT: "Only the AI Office reads the audit log.",
}
