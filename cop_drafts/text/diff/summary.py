"""Summary of a diff: counts, words, and numbered items added, removed, renumbered."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from cop_drafts.text.diff.blocks import Block, BlockKind
from cop_drafts.text.diff.match import ChangeKind
from cop_drafts.text.diff.redline import Row
from cop_drafts.text.diff.words import count_words

_QUIET = (ChangeKind.UNCHANGED, ChangeKind.RENUMBERED)


class ItemChangeKind(StrEnum):
    """What happened to a numbered item (commitment, measure, KPI, appendix)."""

    ADDED = "added"
    REMOVED = "removed"
    RENUMBERED = "renumbered"
    CHANGED = "changed"


@dataclass(frozen=True, slots=True)
class ItemChange:
    """A numbered item that changed, with the change id to link to."""

    kind: ItemChangeKind
    label_old: str
    label_new: str
    title: str
    change_id: str
    content_changed: bool = False


@dataclass(frozen=True, slots=True)
class DiffSummary:
    """Counts of a diff: words, blocks by kind of change, numbered items."""

    words_added: int
    words_removed: int
    changed: int
    moved: int
    moved_edited: int
    inserted: int
    deleted: int
    renumbered: int
    items: tuple[ItemChange, ...]

    @property
    def changes(self) -> int:
        """Number of separate changes (renumbering alone is not one)."""
        return (
            self.changed + self.moved + self.moved_edited + self.inserted + self.deleted
        )

    def line(self) -> str:
        """One line for the command line, e.g. '3 changes: 2 changed, ...'."""
        if not self.changes:
            text = "No changes in wording"
            return text + (f"; {self.renumbered} renumbered" if self.renumbered else "")
        moved = self.moved + self.moved_edited
        parts = [f"{self.changed} changed", f"{moved} moved"]
        if self.moved_edited:
            parts[-1] += f" ({self.moved_edited} edited)"
        parts += [f"{self.inserted} inserted", f"{self.deleted} deleted"]
        noun = "change" if self.changes == 1 else "changes"
        text = (
            f"{self.changes} {noun}: {', '.join(parts)}; "
            f"+{self.words_added}/\u2212{self.words_removed} words"
        )
        if self.renumbered:
            text += f"; {self.renumbered} renumbered"
        return text


def _row_words(row: Row, old: Block | None, new: Block | None) -> tuple[int, int]:
    if row.step.away:
        return 0, 0
    if row.merge is not None:
        return row.merge.words_added, row.merge.words_removed
    if row.step.kind is ChangeKind.INSERTED and new is not None:
        return count_words(new.content), 0
    if row.step.kind is ChangeKind.DELETED and old is not None:
        return 0, count_words(old.content)
    return 0, 0


class _Items:
    """Walks the rows in reading order and tracks the open numbered item."""

    def __init__(self) -> None:
        self.items: list[ItemChange] = []
        self.open_level = 0  # heading level of the item whose section runs
        self.pending: ItemChange | None = None

    def close(self) -> None:
        if self.pending is not None:
            self.items.append(self.pending)
        self.pending = None
        self.open_level = 0

    def see(self, row: Row, old: Block | None, new: Block | None) -> None:
        step = row.step
        heading = new is not None and not step.away and new.kind is BlockKind.HEADING
        if heading and new is not None and (new.item or new.level <= self.open_level):
            self.close()
        if step.kind is ChangeKind.DELETED and old is not None and old.item:
            self.items.append(
                ItemChange(
                    ItemChangeKind.REMOVED, old.item, "", old.title, row.change_id
                )
            )
        elif not step.away and new is not None and new.item:
            self._start(row, old, new)
            return
        elif not step.away and old is not None and old.item and new is not None:
            self.items.append(
                ItemChange(
                    ItemChangeKind.REMOVED, old.item, "", old.title, row.change_id
                )
            )
        if self.pending is not None and step.kind not in _QUIET:
            self._mark_changed(row.change_id)

    def _start(self, row: Row, old: Block | None, new: Block) -> None:
        step = row.step
        title = new.title or " ".join(new.content.split())[:80]
        if old is None or not old.item:
            item = ItemChange(ItemChangeKind.ADDED, "", new.item, title, row.change_id)
            self.items.append(item)
            return
        kind = ItemChangeKind.CHANGED
        if old.item != new.item:
            kind = ItemChangeKind.RENUMBERED
        edited = step.kind not in _QUIET and step.kind is not ChangeKind.MOVED
        change_id = row.change_id if step.kind is not ChangeKind.UNCHANGED else ""
        self.pending = ItemChange(kind, old.item, new.item, title, change_id, edited)
        if new.kind is BlockKind.HEADING:
            self.open_level = new.level
        else:
            self.close()  # a KPI line or list item is its own section

    def _mark_changed(self, change_id: str) -> None:
        assert self.pending is not None
        item = self.pending
        self.pending = ItemChange(
            item.kind, item.label_old, item.label_new, item.title,
            item.change_id or change_id, True,
        )  # fmt: skip

    def result(self) -> tuple[ItemChange, ...]:
        self.close()
        return tuple(
            item
            for item in self.items
            if item.kind is not ItemChangeKind.CHANGED or item.content_changed
        )


def summarise(
    rows: Sequence[Row], old: Sequence[Block], new: Sequence[Block]
) -> DiffSummary:
    """Counts and numbered-item changes of aligned rows."""
    counts = dict.fromkeys(ChangeKind, 0)
    added = removed = 0
    items = _Items()
    for row in rows:
        old_block = old[row.step.old] if row.step.old is not None else None
        new_block = new[row.step.new] if row.step.new is not None else None
        if not row.step.away:
            counts[row.step.kind] += 1
        plus, minus = _row_words(row, old_block, new_block)
        added += plus
        removed += minus
        items.see(row, old_block, new_block)
    return DiffSummary(
        words_added=added,
        words_removed=removed,
        changed=counts[ChangeKind.CHANGED],
        moved=counts[ChangeKind.MOVED],
        moved_edited=counts[ChangeKind.MOVED_EDITED],
        inserted=counts[ChangeKind.INSERTED],
        deleted=counts[ChangeKind.DELETED],
        renumbered=counts[ChangeKind.RENUMBERED],
        items=items.result(),
    )
