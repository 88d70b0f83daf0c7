"""The words the pages use, in one place.

`TERMS` is the glossary shown to everyone (`/glossary`): the few process words
that remain once git's are gone. `GIT_WORDS` are the words of the machinery
underneath; a page shows them only inside its "Advanced" disclosure
(``<details class="advanced">``), and a test scans every page type for them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    """One glossary entry: the word and what it means here."""

    word: str
    meaning: str


TERMS: tuple[Term, ...] = (
    Term(
        "Published draft",
        "A version of the whole Code made public by the AI Office at the end of a "
        "drafting round (draft-1, draft-2, …, final). It never changes once "
        "published; every later change makes a new draft.",
    ),
    Term(
        "Iteration",
        "Another word for a published draft, used in the process documents.",
    ),
    Term(
        "Working draft",
        "The text a Working Group's Chairs and Vice-Chairs are writing now for "
        "their section. Only they can change it; the coordinating Chair brings "
        "it into the consolidated text.",
    ),
    Term(
        "Consolidated text",
        "The whole Code as the coordinating Chair has put it together from the "
        "Working Groups' drafts. The next published draft is made from it.",
    ),
    Term(
        "Change",
        "One saved edit: who made it, when, and the reason they gave. Every "
        "page's history lists the changes, and each opens what it did.",
    ),
    Term(
        "Round (comment window)",
        "The period after a Plenary during which participants comment on a "
        "published draft, usually two weeks. Comments sent after it closes are "
        "refused.",
    ),
    Term(
        "Carried comment",
        "A comment made on an earlier draft and shown on the current one: on the "
        "same words, on words that moved, on reworded words (with the old "
        "words beside them), or on text that was removed.",
    ),
    Term(
        "Disposition",
        "The Chairs' answer to a comment: accepted, partly accepted, not "
        "accepted, noted or out of scope, with a reason, and where it applies "
        "the change that acted on it.",
    ),
    Term(
        "Plenary",
        "The meeting of all participants at which a draft is presented; the "
        "comment window opens with it.",
    ),
    Term(
        "Who wrote this line",
        "For each line of a section, the change that last touched it, so a "
        "reader can see who wrote it and why.",
    ),
)

# Words of version control that stay out of plain view. Checked whole-word
# and case-insensitively, except "HEAD" (an ordinary word in lower case).
GIT_WORDS: tuple[str, ...] = (
    "branch",
    "branches",
    "commit",
    "commits",
    "committed",
    "blame",
    "main",
    "rebase",
    "fast-forward",
    "cherry-pick",
    "checkout",
    "repository",
)
_WORDS = re.compile(
    r"\b(?:" + "|".join(re.escape(w) for w in GIT_WORDS) + r")\b", re.IGNORECASE
)
_CASED = re.compile(r"\bHEAD\b|\bwg/\d\b|<{7}|>{7}")
# A commit id as git prints it: 7 to 40 hex digits with a letter and a digit.
_HASH = re.compile(r"\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*[0-9])[0-9a-f]{7,40}\b")


def git_words(text: str) -> list[str]:
    """The git words and commit ids in `text`, in order."""
    found = [
        (m.start(), m.group(0))
        for pattern in (_WORDS, _CASED, _HASH)
        for m in pattern.finditer(text)
    ]
    return [word for _, word in sorted(found)]
