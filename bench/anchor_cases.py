"""Anchor relocation cases built by construction from real regulatory Markdown.

Each case is (old text, new text, anchors on the old text, what is right for
each anchor). The new text is described as pieces of the old text (kept,
possibly moved) and inserted strings (possibly replacing old text), so the
expected new span of every old span is known exactly. See anchor_accuracy.py
for what counts as right.
"""

from __future__ import annotations

import atexit
import difflib
import hashlib
import importlib
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "../shared/corpus"
# The last commit of the previous relocation code (token diff, verbatim
# search, fuzzy fit): the benchmarks load it from git to compare in one run.
OLD_REV = "a15946ad20c9bdc9436f4ad75372b84e8afd363d"
OLD_FILES = (
    "anchor",
    "_anchor_diff",
    "_anchor_index",
    "_anchor_match",
    "_anchor_pair",
    "_anchor_text",
)
BASE_FILES = [
    "draft3/safety-security.md",
    "draft2/safety-security.md",
    "final/safety-security.md",
    "draft2/copyright.md",
    "draft2/transparency.md",
    "draft2/front-matter.md",
    "draft3/copyright.md",
    "draft3/transparency.md",
    "draft3/front-matter.md",
    "draft3/companion-faq-explainer.md",
    "other/ai-act/regulation-eu-2024-1689.md",
    "other/nydfs-23-nycrr-500/v2017-original.md",
]
# A reworded expected span that keeps less than this share of the quote
# (difflib ratio) is not identifiable: orphan is right there too.
IDENTIFIABLE = 0.6
# A deleted quote at least this long that still occurs word for word in the
# new text may be reported as moved (that is what `moved` means).
LONG_QUOTE = 40
CONTEXT = 32
# Quotes with fewer words than this are short: their context identifies them.
SHORT_WORDS = 4

SPAN = "span"  # right = found span with Jaccard >= 0.8 against the expected
ORPHAN = "orphan"  # right = orphaned
EITHER = "either"  # right = orphaned, or the expected span (Jaccard >= 0.8)

WORD = re.compile(r"\w+")
SENTENCE = re.compile(r"[^\s][^.;:!?]*(?:[.;:!?]+|$)")


@dataclass(frozen=True)
class Keep:
    """Old text [start, end) kept in the new text at this point."""

    start: int
    end: int


@dataclass(frozen=True)
class Insert:
    """New text; `replaces` is the old range it stands for, if any."""

    text: str
    replaces: tuple[int, int] | None = None


Piece = Keep | Insert


@dataclass
class Expect:
    """One anchor and what is right for it."""

    start: int
    end: int
    klass: str
    expected: tuple[int, int] | None
    shape: str
    targeted: bool


@dataclass
class Case:
    """An old/new pair, built by an edit of `kind`, with its anchors."""

    kind: str
    source: str
    old: str
    new: str
    anchors: list[Expect] = field(default_factory=list)


# -- the previous implementation --------------------------------------------


def old_anchor(rev: str = OLD_REV) -> ModuleType | None:
    """The `anchor` module as it was at `rev`, loaded from git into a
    temporary package (nothing is copied into the repository); None when
    git or the revision is not available."""
    folder = Path(tempfile.mkdtemp(prefix="anchor-old-"))
    atexit.register(shutil.rmtree, folder, True)
    package = folder / "anchor_old"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    for name in OLD_FILES:
        try:
            source = subprocess.run(
                ["git", "show", f"{rev}:cop_drafts/text/{name}.py"],
                cwd=ROOT,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        except (OSError, subprocess.CalledProcessError):
            return None
        source = source.replace("cop_drafts.text.", "anchor_old.")
        (package / f"{name}.py").write_text(source, encoding="utf-8")
    sys.path.insert(0, str(folder))
    try:
        return importlib.import_module("anchor_old.anchor")
    finally:
        sys.path.remove(str(folder))


# -- the judged real revisions -----------------------------------------------

JUDGED = Path(__file__).resolve().parent / "anchor_judged.json"


@dataclass(frozen=True)
class Judged:
    """A passage of a real iteration, judged by hand: where it is in the
    next iteration (`expected`, or None: gone; `also`: other acceptable
    spans), `either`: orphan is right too (no unambiguous successor)."""

    id: str
    old: str
    new: str
    start: int
    end: int
    shape: str
    kind: str
    expected: tuple[int, int] | None
    also: tuple[tuple[int, int], ...]
    either: bool
    reason: str


def load_judged(
    path: Path = JUDGED, corpus: Path = CORPUS
) -> tuple[list[Judged], dict[str, str]] | str:
    """The judged cases and the corpus texts they refer to, or why they
    cannot be used (corpus absent, a file missing or not the judged one)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    root = corpus.resolve()
    if not root.is_dir():
        return f"corpus not found at {root}"
    texts = {}
    for name, digest in data["files"].items():
        file = root / name
        if not file.is_file():
            return f"{file} is missing"
        raw = file.read_bytes()
        if hashlib.sha256(raw).hexdigest() != digest:
            return f"{file} is not the judged version (SHA-256 differs)"
        texts[name] = raw.decode("utf-8")
    cases = [
        Judged(
            c["id"],
            c["old"],
            c["new"],
            c["start"],
            c["end"],
            c["shape"],
            c["kind"],
            tuple(c["expected"]) if c["expected"] else None,
            tuple(tuple(x) for x in c["also"]),
            c["either"],
            c["reason"],
        )
        for c in data["cases"]
    ]
    return cases, texts


def _mid_word(text: str, start: int, end: int) -> bool:
    """Whether [start, end) starts or ends inside a word of `text`."""
    inside = [p for p in (start, end) if 0 < p < len(text)]
    return any(text[p - 1].isalnum() and text[p].isalnum() for p in inside)


def _covers(text: str, found: tuple[int, int], want: tuple[int, int]) -> bool:
    """Whether `found` holds every word of `want`."""
    words = [m.span() for m in WORD.finditer(text, *want)]
    return all(found[0] <= a and b <= found[1] for a, b in words)


def verdict_judged(
    case: Judged, new_text: str, found: tuple[int, int] | None
) -> tuple[str, bool, bool]:
    """('right' | 'wrong' | 'missed', covers the whole passage, mid-word).

    Right passage: a gone passage is orphaned; a surviving one lands on a
    span that overlaps the judged span (or an accepted alternative) by at
    least half of the shorter of the two, and neither starts nor ends in the
    middle of a word; orphaning it is right only where the judge allowed
    either. Covers: every word of the judged span is inside the landed
    span (reported, not required for right)."""
    if found is None:
        ok = case.expected is None or case.either
        return ("right" if ok else "missed"), False, False
    if case.expected is None:
        return "wrong", False, False
    mid = _mid_word(new_text, *found)
    for want in (case.expected, *case.also):
        inter = min(found[1], want[1]) - max(found[0], want[0])
        shorter = min(found[1] - found[0], want[1] - want[0])
        if inter >= 0.5 * shorter and not mid:
            return "right", _covers(new_text, found, want), False
    return "wrong", False, mid


# -- text helpers ---------------------------------------------------------


def load_corpus() -> dict[str, str] | None:
    """The corpus files that exist, or None when the corpus is absent."""
    root = CORPUS.resolve()
    if not root.is_dir():
        return None
    texts = {}
    for name in BASE_FILES:
        path = root / name
        if path.is_file():
            texts[name] = path.read_text(encoding="utf-8")
    return texts or None


def sections(
    texts: dict[str, str], low: int = 4000, high: int = 40000
) -> list[tuple[str, str]]:
    """Cut texts at '## ' headings into sections of roughly low..high chars."""
    out: list[tuple[str, str]] = []
    for name, text in texts.items():
        cuts = [m.start() for m in re.finditer(r"(?m)^#{1,3} ", text)] + [len(text)]
        start = 0
        for cut in cuts:
            if cut - start >= low:
                while cut - start > high:
                    nl = text.rfind("\n\n", start, start + high)
                    nl = nl + 2 if nl > start else start + high
                    out.append((f"{name}@{start}", text[start:nl]))
                    start = nl
                out.append((f"{name}@{start}", text[start:cut]))
                start = cut
        if len(text) - start >= 1000:
            out.append((f"{name}@{start}", text[start:]))
    return out


def blocks(text: str) -> list[tuple[int, int]]:
    """Paragraph-like blocks: runs of non-empty lines, end without newline."""
    return [
        (m.start(), m.end()) for m in re.finditer(r"(?m)^[^\n]+(?:\n[^\n]+)*", text)
    ]


def prose(text: str, min_words: int = 12) -> list[tuple[int, int]]:
    """Blocks with enough words to hold anchors, tables excluded."""
    return [
        (s, e)
        for s, e in blocks(text)
        if len(WORD.findall(text, s, e)) >= min_words and not text.startswith("|", s)
    ]


def words_in(text: str, s: int, e: int) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in WORD.finditer(text, s, e)]


def sentences_in(text: str, s: int, e: int) -> list[tuple[int, int]]:
    out = []
    for m in SENTENCE.finditer(text, s, e):
        a, b = m.start(), m.end()
        while b > a and text[b - 1].isspace():
            b -= 1
        if len(WORD.findall(text, a, b)) >= 3:
            out.append((a, b))
    return out


# -- anchors --------------------------------------------------------------


def anchor_in(
    rng: random.Random, text: str, s: int, e: int, shape: str | None = None
) -> tuple[int, int, str] | None:
    """A random anchor span inside block [s, e): words, sentence, line or small."""
    shape = shape or rng.choice(["words", "words", "sentence", "line", "small"])
    ws = words_in(text, s, e)
    if not ws:
        return None
    if shape == "line":
        lines = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text[s:e])]
        a, b = rng.choice(lines)
        return s + a, s + b, shape
    if shape == "sentence":
        sents = sentences_in(text, s, e)
        if sents:
            a, b = rng.choice(sents)
            return a, b, shape
        shape = "words"
    k = rng.randint(1, 3) if shape == "small" else rng.randint(4, 20)
    k = min(k, len(ws))
    i = rng.randrange(0, len(ws) - k + 1)
    return ws[i][0], ws[i + k - 1][1], shape


def covering_anchor(
    rng: random.Random, text: str, s: int, e: int, a: int, b: int
) -> tuple[int, int, str]:
    """A words anchor inside block [s, e) that covers old range [a, b)."""
    ws = words_in(text, s, e)
    before = [w for w in ws if w[1] <= a]
    after = [w for w in ws if w[0] >= b]
    left = rng.randint(0, min(6, len(before)))
    right = rng.randint(0, min(6, len(after)))
    start = before[-left][0] if left else a
    end = after[right - 1][1] if right else b
    return start, end, "words"


# -- pieces ---------------------------------------------------------------


def build(old: str, pieces: list[Piece]) -> tuple[str, list[tuple[Piece, int]]]:
    """New text of `pieces`, and each piece with its new start offset."""
    out, placed, pos = [], [], 0
    for piece in pieces:
        text = old[piece.start : piece.end] if isinstance(piece, Keep) else piece.text
        placed.append((piece, pos))
        out.append(text)
        pos += len(text)
    return "".join(out), placed


def replacements(
    old: str, edits: list[tuple[int, int, str]], tracked: bool = True
) -> list[Piece]:
    """Pieces for non-overlapping in-place replacements (a, b, new_text).
    `tracked`: the new text stands for the old text it replaces (a rewording),
    rather than being unrelated text put in its place."""
    pieces: list[Piece] = []
    pos = 0
    for a, b, text in sorted(edits):
        if a < pos:
            raise ValueError("overlapping edits")
        if a > pos:
            pieces.append(Keep(pos, a))
        if text:
            pieces.append(Insert(text, (a, b) if b > a and tracked else None))
        pos = b
    if pos < len(old):
        pieces.append(Keep(pos, len(old)))
    return pieces


def map_pos(placed: list[tuple[Piece, int]], p: int, start: bool) -> int | None:
    """New offset of old `p` as a span start (right-biased) or end (left)."""
    for piece, at in placed:
        if isinstance(piece, Keep):
            a, b = piece.start, piece.end
            size = None
        elif piece.replaces is not None:
            a, b = piece.replaces
            size = len(piece.text)
        else:
            continue
        inside = a <= p < b if start else a < p <= b
        if inside:
            if size is None:
                return at + p - a
            return at if start else at + size
    return None


def expected_span(
    placed: list[tuple[Piece, int]], s: int, e: int
) -> tuple[int, int] | None | str:
    """Expected new span of old [s, e); None if deleted; 'torn' if split up."""
    covered = False
    for piece, _ in placed:
        if isinstance(piece, Keep):
            a, b = piece.start, piece.end
        elif piece.replaces is not None:
            a, b = piece.replaces
        else:
            continue
        if a < e and s < b:
            covered = True
    if not covered:
        return None
    ns, ne = map_pos(placed, s, True), map_pos(placed, e, False)
    if ns is None or ne is None or ne < ns:
        return "torn"
    # Every kept old piece inside the new span must come from [s, e), in order.
    last = s
    for piece, at in placed:
        if not isinstance(piece, Keep):
            continue
        lo, hi = max(at, ns), min(at + piece.end - piece.start, ne)
        if lo >= hi:
            continue
        old_lo, old_hi = piece.start + lo - at, piece.start + hi - at
        if old_lo < last or old_hi > e:
            return "torn"
        last = old_hi
    return ns, ne


def classify(old: str, new: str, s: int, e: int, span: tuple[int, int] | None) -> str:
    """What is right for old [s, e) whose expected new span is `span`."""
    quote = old[s:e]
    if span is None:
        if len(quote) >= LONG_QUOTE and quote in new:
            return EITHER
        return ORPHAN
    ns, ne = span

    found = new[ns:ne]
    if found != quote:
        ratio = difflib.SequenceMatcher(None, quote, found, autojunk=False).ratio()
        if ratio < IDENTIFIABLE:
            return EITHER
    pre, post = old[max(0, s - CONTEXT) : s], old[e : e + CONTEXT]
    # A short quote (1-3 words) is known by its context: if that was
    # rewritten, the quote alone does not identify the place.
    if len(WORD.findall(quote)) < SHORT_WORDS:
        got = new[max(0, ns - CONTEXT) : ns] + "|" + new[ne : ne + CONTEXT]
        kept = difflib.SequenceMatcher(None, pre + "|" + post, got, autojunk=False)
        if kept.ratio() < IDENTIFIABLE:
            return EITHER
    # Ambiguous if a verbatim copy elsewhere has context at least as close
    # as the expected place (renumbered 4.5/4.6 headings, copied paragraphs).

    def agreement(q: int) -> int:
        return _fuzzy_agreement(pre, post, new, q, q + len(quote))

    mine = _fuzzy_agreement(pre, post, new, ns, ne)
    q = new.find(quote)
    seen = 0
    while q >= 0 and seen < 500:
        if q != ns and agreement(q) >= mine:
            return EITHER
        q = new.find(quote, q + 1)
        seen += 1
    return SPAN


def _fuzzy_agreement(pre: str, post: str, new: str, ns: int, ne: int) -> int:
    """Context characters agreeing around a reworded expected span."""
    got_pre = new[max(0, ns - len(pre)) : ns]
    got_post = new[ne : ne + len(post)]
    k = 0
    while k < min(len(pre), len(got_pre)) and pre[-1 - k] == got_pre[-1 - k]:
        k += 1
    j = 0
    while j < min(len(post), len(got_post)) and post[j] == got_post[j]:
        j += 1
    return k + j


# -- edits ----------------------------------------------------------------

Edit = Callable[
    [random.Random, str, "Pools"], tuple[list[Piece], list[tuple[int, int, str]]] | None
]


@dataclass
class Pools:
    """Material for edits: sentences and words from the whole corpus."""

    sentences: list[str]
    words: list[str]

    def sentence(self, rng: random.Random) -> str:
        return rng.choice(self.sentences)

    def phrase(self, rng: random.Random, n: int) -> str:
        return " ".join(rng.choice(self.words) for _ in range(n))


def make_pools(texts: dict[str, str]) -> Pools:
    sents, words = [], set()
    for text in texts.values():
        for s, e in prose(text):
            sents.extend(
                text[a:b] for a, b in sentences_in(text, s, e) if 40 <= b - a <= 300
            )
        words.update(w for w in WORD.findall(text) if w.isalpha() and len(w) >= 3)
    return Pools(sents, sorted(words))


def _pick_block(
    rng: random.Random, text: str, min_words: int = 12
) -> tuple[int, int] | None:
    ps = prose(text, min_words)
    return rng.choice(ps) if ps else None


def _anchored_block(
    rng: random.Random, text: str, min_words: int = 12
) -> tuple[int, int, tuple[int, int, str]] | None:
    """A prose block (start, end) and an anchor inside it, or None."""
    blk = _pick_block(rng, text, min_words)
    if blk is None:
        return None
    anchor = anchor_in(rng, text, *blk)
    return None if anchor is None else (*blk, anchor)


def edit_insert_before(rng, text, pools):
    found = _anchored_block(rng, text)
    if found is None:
        return None
    s, e, anchor = found
    a, b, shape = anchor
    choice = rng.random()
    if choice < 0.25:  # a new paragraph that repeats the quoted words
        at = s
        ins = pools.sentence(rng) + " " + text[a:b] + " " + pools.sentence(rng) + "\n\n"
    elif choice < 0.5:  # a new paragraph before the block
        at, ins = s, pools.sentence(rng) + "\n\n"
    else:  # words or a sentence just before the anchor
        at = a
        ins = (
            pools.sentence(rng)
            if rng.random() < 0.5
            else pools.phrase(rng, rng.randint(1, 5))
        ) + " "
    return replacements(text, [(at, at, ins)]), [(a, b, shape)]


def edit_insert_inside(rng, text, pools):
    blk = _pick_block(rng, text)
    if blk is None:
        return None
    s, e = blk
    anchor = anchor_in(rng, text, s, e, rng.choice(["words", "sentence", "line"]))
    if anchor is None:
        return None
    a, b, shape = anchor
    inner = [w[0] for w in words_in(text, a, b)][1:]
    if not inner:
        return None
    at = rng.choice(inner)
    n = rng.choice([1, 2, 3, 5, 8])
    return replacements(text, [(at, at, pools.phrase(rng, n) + " ")]), [(a, b, shape)]


def _typo(rng: random.Random, word: str) -> str:
    i = rng.randrange(len(word) - 1)
    op = rng.choice(["swap", "drop", "double", "replace"])
    if op == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if op == "drop":
        return word[:i] + word[i + 1 :]
    if op == "double":
        return word[: i + 1] + word[i] + word[i + 1 :]
    return word[:i] + rng.choice("aeiourstn") + word[i + 1 :]


def edit_typo(rng, text, pools):
    """A typo fix: the OLD text has 1-3 typos that the new text corrects."""
    found = _anchored_block(rng, text)
    if found is None:
        return None
    s, e, anchor = found
    a, b, shape = anchor
    cands = [
        w
        for w in words_in(text, a, b)
        if w[1] - w[0] >= 4 and text[w[0] : w[1]].isalpha()
    ]
    if not cands:
        return None
    chosen = sorted(rng.sample(cands, min(len(cands), rng.randint(1, 3))))
    typos = [(x, y, _typo(rng, text[x:y])) for x, y in chosen]
    # Build the typo'd text as OLD; the clean base text is NEW.
    old_pieces = replacements(text, typos)
    old, placed = build(text, old_pieces)
    a2, b2 = map_pos(placed, a, True), map_pos(placed, b, False)
    fixes = []
    for piece, at in placed:
        if isinstance(piece, Insert) and piece.replaces:
            fixes.append(
                (at, at + len(piece.text), text[piece.replaces[0] : piece.replaces[1]])
            )
    return ("swap", old, replacements(old, fixes)), [(a2, b2, shape)]


def edit_reword(rng, text, pools):
    found = _anchored_block(rng, text)
    if found is None:
        return None
    s, e, anchor = found
    a, b, shape = anchor
    ws = words_in(text, a, b)
    n = rng.randint(1, min(3, len(ws)))
    i = rng.randrange(len(ws) - n + 1)
    x, y = ws[i][0], ws[i + n - 1][1]
    return replacements(text, [(x, y, pools.phrase(rng, rng.randint(1, n + 1)))]), [
        (a, b, shape)
    ]


def edit_heavy_reword(rng, text, pools):
    found = _anchored_block(rng, text, 20)
    if found is None:
        return None
    s, e, anchor = found
    share = rng.uniform(0.6, 0.95)
    edits = [
        (x, y, rng.choice(pools.words))
        for x, y in words_in(text, s, e)
        if rng.random() < share
    ]
    return replacements(text, edits), [anchor]


NUMBER = re.compile(
    r"\b(?:[IVX]+\.)?\d+(?:\.\d+)+\b|\((?:\d+|[a-z])\)"
    r"|\b(?:Measure|Commitment|Article|Section) \d+"
)


def edit_renumber(rng, text, pools):
    """Renumber: bump the last number of every identifier of one family."""
    found = list(NUMBER.finditer(text))
    if not found:
        return None
    pick = rng.choice(found).group()
    m = re.search(r"(\d+|[a-z])(\)?)$", pick)
    if m is None:
        return None
    family = pick[: m.start()]

    edits = []
    for mm in NUMBER.finditer(text):
        tok = mm.group()
        if tok.startswith(family) and re.fullmatch(
            re.escape(family) + r"(\d+|[a-z])\)?", tok
        ):
            # Only the number itself changes (so spans may start inside it).
            at = mm.start() + len(family)
            v = re.match(r"\d+|[a-z]", text[at:])
            assert v
            nv = (
                str(int(v.group()) + 1)
                if v.group().isdigit()
                else chr(ord(v.group()) + 1)
            )
            edits.append((at, at + len(v.group()), nv))
    if not edits:
        return None
    x, y, _ = rng.choice(edits)
    blk = next(((s, e) for s, e in blocks(text) if s <= x < e), None)
    if blk is None:
        return None
    s, e = blk
    if rng.random() < 0.7:
        a, b, shape = covering_anchor(rng, text, s, e, x, y)
    else:
        got = anchor_in(rng, text, s, e)
        if got is None:
            return None
        a, b, shape = got
    return replacements(text, edits), [(a, b, shape)]


def _move(rng: random.Random, text: str, s: int, e: int) -> list[Piece] | None:
    """Pieces moving block [s, e) (with its blank line) elsewhere."""
    bl = blocks(text)
    if (s, e) not in bl or text[e : e + 2] != "\n\n":
        return None
    i = bl.index((s, e))
    targets = [k for k in range(len(bl)) if abs(k - i) >= 2]
    if not targets:
        return None
    k = rng.choice(targets)
    ts = bl[k][0]
    end = e + 2
    if ts < s:
        return [Keep(0, ts), Keep(s, end), Keep(ts, s), Keep(end, len(text))]
    return [Keep(0, s), Keep(end, ts), Keep(s, end), Keep(ts, len(text))]


def edit_move(rng, text, pools):
    blk = _pick_block(rng, text, 6)
    if blk is None:
        return None
    s, e = blk
    pieces = _move(rng, text, s, e)
    anchor = anchor_in(rng, text, s, e)
    if pieces is None or anchor is None:
        return None
    return pieces, [anchor]


def edit_move_reword(rng, text, pools):
    found = _anchored_block(rng, text)
    if found is None:
        return None
    s, e, anchor = found
    a, b, shape = anchor
    ws = words_in(text, a, b) if rng.random() < 0.7 else words_in(text, s, e)
    n = rng.randint(1, min(3, len(ws)))
    i = rng.randrange(len(ws) - n + 1)
    x, y = ws[i][0], ws[i + n - 1][1]
    # Reword first (tracked), then move the reworded block.
    p1 = replacements(text, [(x, y, pools.phrase(rng, rng.randint(1, n + 1)))])
    mid, placed = build(text, p1)
    s2, e2 = map_pos(placed, s, True), map_pos(placed, e, False)
    moved = _move(rng, mid, s2, e2)
    if moved is None:
        return None
    return ("chain", p1, moved), [(a, b, shape)]


def edit_split(rng, text, pools):
    blk = _pick_block(rng, text, 20)
    if blk is None:
        return None
    s, e = blk
    sents = sentences_in(text, s, e)
    if len(sents) < 2:
        return None
    k = rng.randrange(1, len(sents))
    gap_a, gap_b = sents[k - 1][1], sents[k][0]
    edits = [(gap_a, gap_b, "\n\n")]
    if rng.random() < 0.5:
        a, b, shape = covering_anchor(rng, text, s, e, gap_a, gap_b)
    else:
        a, b, shape = s, e, "line"
    return replacements(text, edits), [(a, b, shape)]


def edit_merge(rng, text, pools):
    ps = prose(text)
    pairs = [
        (p, q) for p, q in zip(ps, ps[1:], strict=False) if text[p[1] : q[0]] == "\n\n"
    ]
    if not pairs:
        return None
    (s1, e1), (s2, e2) = rng.choice(pairs)
    choice = rng.random()
    if choice < 0.4:
        a, b, shape = covering_anchor(rng, text, s1, e2, e1, s2)
    elif choice < 0.7:
        a, b, shape = s1, e2, "line"
    else:
        got = (
            anchor_in(rng, text, s1, e1)
            if rng.random() < 0.5
            else anchor_in(rng, text, s2, e2)
        )
        if got is None:
            return None
        a, b, shape = got
    return replacements(text, [(e1, s2, " ")]), [(a, b, shape)]


def edit_delete(rng, text, pools):
    blk = _pick_block(rng, text, 6)
    if blk is None:
        return None
    s, e = blk
    if rng.random() < 0.5:
        sents = sentences_in(text, s, e)
        if len(sents) >= 2:
            s, e = rng.choice(sents)
    anchor = anchor_in(rng, text, s, e)
    if anchor is None:
        return None
    end = (
        e + 2 if text[e : e + 2] == "\n\n" else (e + 1 if text[e : e + 1] == " " else e)
    )
    return replacements(text, [(s, end, "")]), [anchor]


def edit_replace_section(rng, text, pools):
    bl = blocks(text)
    if len(bl) < 3:
        return None
    i = rng.randrange(len(bl))
    j = min(len(bl), i + rng.randint(1, 4))
    s, e = bl[i][0], bl[j - 1][1]
    other = "\n\n".join(
        pools.sentence(rng) + " " + pools.sentence(rng) for _ in range(j - i)
    )
    targets = [b for b in bl[i:j] if WORD.search(text, b[0], b[1])]
    if not targets:
        return None
    ts, te = rng.choice(targets)
    anchor = anchor_in(rng, text, ts, te)
    if anchor is None:
        return None
    return replacements(text, [(s, e, other)], tracked=False), [anchor]


def edit_duplicate(rng, text, pools):
    blk = _pick_block(rng, text)
    if blk is None:
        return None
    s, e = blk
    bl = blocks(text)
    k = rng.randrange(len(bl))
    at = bl[k][0]
    if at == s:
        return None
    anchor = anchor_in(rng, text, s, e)
    if anchor is None:
        return None
    pieces: list[Piece] = [Keep(0, at), Insert(text[s:e] + "\n\n"), Keep(at, len(text))]
    return pieces, [anchor]


KINDS: dict[str, Edit] = {
    "insert_before": edit_insert_before,
    "insert_inside": edit_insert_inside,
    "typo_fix": edit_typo,
    "reword": edit_reword,
    "heavy_reword": edit_heavy_reword,
    "renumber": edit_renumber,
    "move": edit_move,
    "move_reword": edit_move_reword,
    "split": edit_split,
    "merge": edit_merge,
    "delete": edit_delete,
    "replace_section": edit_replace_section,
    "duplicate": edit_duplicate,
}


def _compose(text: str, first: list[Piece], second: list[Piece]) -> list[Piece]:
    """Pieces of `second` (over the text of `first`) over the original text."""
    mid, placed = build(text, first)
    out: list[Piece] = []
    for piece in second:
        if isinstance(piece, Insert):
            out.append(piece)
            continue
        for src, at in placed:
            size = src.end - src.start if isinstance(src, Keep) else len(src.text)
            lo, hi = max(piece.start, at), min(piece.end, at + size)
            if lo >= hi:
                continue
            if isinstance(src, Keep):
                out.append(Keep(src.start + lo - at, src.start + hi - at))
            else:
                whole = lo == at and hi == at + size
                out.append(Insert(mid[lo:hi], src.replaces if whole else None))
    return out


def make_case(
    rng: random.Random,
    kind: str,
    source: str,
    text: str,
    pools: Pools,
    controls: int = 2,
) -> Case | None:
    """One case of `kind` on `text`, or None when the text does not suit."""
    got = KINDS[kind](rng, text, pools)
    if got is None:
        return None
    plan, targets = got
    old = text
    if isinstance(plan, tuple) and plan[0] == "swap":
        _, old, pieces = plan
    elif isinstance(plan, tuple) and plan[0] == "chain":
        pieces = _compose(text, plan[1], plan[2])
    else:
        pieces = plan
    new, placed = build(old, pieces)
    if new == old:
        return None
    case = Case(kind, source, old, new)
    for a, b, shape in targets:
        _add(case, placed, a, b, shape, True)
    for _ in range(controls):
        blk = _pick_block(rng, old)
        got_anchor = anchor_in(rng, old, *blk) if blk else None
        if got_anchor:
            a, b, shape = got_anchor
            _add(case, placed, a, b, shape, False)
    return case if any(x.targeted for x in case.anchors) else None


def _add(case: Case, placed, a: int, b: int, shape: str, targeted: bool) -> None:
    if not (0 <= a < b <= len(case.old)):
        return
    span = expected_span(placed, a, b)
    if span == "torn":
        return
    if not targeted:
        # Controls are anchors the edit did not touch.
        if span is None or case.new[span[0] : span[1]] != case.old[a:b]:
            return
    klass = classify(case.old, case.new, a, b, span)  # type: ignore[arg-type]
    case.anchors.append(Expect(a, b, klass, span, shape, targeted))  # type: ignore[arg-type]


def generate(
    seed: int = 1, per_kind: int = 60, kinds: list[str] | None = None
) -> list[Case]:
    """`per_kind` cases of each kind, reproducible from `seed`."""
    texts = load_corpus()
    if texts is None:
        return []
    pools = make_pools(texts)
    secs = sections(texts)
    whole = [(n, t) for n, t in texts.items() if 50000 <= len(t) <= 200000]
    rng = random.Random(seed)
    cases = []
    for kind in kinds or list(KINDS):
        made, tries = 0, 0
        while made < per_kind and tries < per_kind * 20:
            tries += 1
            source, text = (
                rng.choice(whole) if whole and rng.random() < 0.1 else rng.choice(secs)
            )
            case = make_case(rng, kind, source, text, pools)
            if case is not None:
                cases.append(case)
                made += 1
    return cases
