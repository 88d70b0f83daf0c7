"""The drafting process at a glance: kick-off, each iteration and its round
(Plenary, comment deadline), the closing Plenary, and where things stand today.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum

from sqlalchemy.orm import Session

from cop_drafts.db.models import Code, Iteration, Round, utcnow
from cop_drafts.store.manifest import Manifest

from . import rounds


class Kind(StrEnum):
    """What a step of the process is."""

    MILESTONE = "milestone"
    PUBLISHED = "published"
    PLENARY = "plenary"
    DEADLINE = "deadline"
    TODAY = "today"


@dataclass(frozen=True, slots=True)
class Event:
    """One step on the timeline; `tag` links it to an iteration page."""

    when: datetime
    kind: Kind
    label: str
    tag: str | None
    is_past: bool
    has_time: bool


@dataclass(frozen=True, slots=True)
class Timeline:
    """Events in order with today among them, and a sentence on where we are."""

    events: tuple[Event, ...]
    status: str


def _day(day: date) -> datetime:
    return datetime.combine(day, time(12, 0), rounds.BRUSSELS)


def _status(
    visible: list[Iteration], round_list: list[Round], now: datetime, manifest: Manifest
) -> str:
    open_round = next((r for r in round_list if r.opens_at <= now < r.closes_at), None)
    if open_round is not None:
        return (
            f"Comments on {open_round.tag} are open until "
            f"{open_round.closes_at.astimezone(rounds.BRUSSELS):%-d %B %Y, %H:%M} "
            "Brussels time."
        )
    upcoming = next((r for r in round_list if now < r.opens_at), None)
    if upcoming is not None:
        return (
            f"The Plenary on {upcoming.tag} meets on "
            f"{upcoming.plenary_at.astimezone(rounds.BRUSSELS):%-d %B %Y}; "
            "comments open then."
        )
    if visible and visible[-1].tag == "final":
        return (
            "The final Code was published on "
            f"{visible[-1].published_at.astimezone(rounds.BRUSSELS):%-d %B %Y}."
        )
    ahead = [m for m in manifest.milestones if _day(m.day) > now]
    after = f" Next: {ahead[0].label}, {ahead[0].day:%-d %B %Y}." if ahead else ""
    if visible:
        return f"The Chairs are drafting the iteration after {visible[-1].tag}.{after}"
    return f"Drafting has begun; no iteration is published yet.{after}"


def timeline(
    db: Session,
    code: Code,
    manifest: Manifest,
    visible: list[Iteration],
    now: datetime | None = None,
) -> Timeline:
    """The process as the reader may see it: milestones of the manifest, the
    iterations in `visible` and their rounds, with today placed among them."""
    now = now or utcnow()
    tags = {it.tag for it in visible}
    events = [
        Event(_day(m.day), Kind.MILESTONE, m.label, None, _day(m.day) <= now, False)
        for m in manifest.milestones
    ]
    for it in visible:
        events.append(
            Event(
                it.published_at,
                Kind.PUBLISHED,
                f"{it.tag} published",
                it.tag,
                True,
                False,
            )
        )
    round_list = [r for r in rounds.list_rounds(db, code) if r.tag in tags]
    for r in round_list:
        events.append(
            Event(
                r.plenary_at,
                Kind.PLENARY,
                f"Plenary on {r.tag}",
                r.tag,
                r.plenary_at <= now,
                True,
            )
        )
        events.append(
            Event(
                r.closes_at,
                Kind.DEADLINE,
                f"Comments on {r.tag} close",
                r.tag,
                r.closes_at <= now,
                True,
            )
        )
    events.append(Event(now, Kind.TODAY, "Today", None, False, False))
    order = {Kind.MILESTONE: 0, Kind.PUBLISHED: 1, Kind.PLENARY: 2, Kind.DEADLINE: 3}
    events.sort(key=lambda e: (e.when, order.get(e.kind, 4)))
    return Timeline(tuple(events), _status(visible, round_list, now, manifest))
