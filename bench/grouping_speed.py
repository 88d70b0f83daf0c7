"""Figures for grouping similar comments: 20,000 comments of 20-200 words,
2,310 of them letters of 20 organised campaigns (2 to 800 letters each).

Run: .venv/bin/python bench/grouping_speed.py [--comments 20000] [--seed 7]

Text comes from ../shared/corpus/draft3/*.md when present (comments quote and
paraphrase the Code), else from made-up sentences. An unrelated comment is an
opening phrase and fragments of 5-16 words from random places of the corpus
until its length is reached; a campaign letter is its campaign's base letter
with the signing organisation's name, 0-3 changed or dropped words, maybe a
sentence of its own and maybe one sentence dropped. Each comment is anchored
on one to three sentences of a section (campaign letters on their campaign's
passage). Goal: text.similar.group on all of them < 5 s on this machine.

Printed: the total (wall clock and CPU, median of 3) and each stage's share;
then, from the text groups alone, how many campaign letters were grouped with
their campaign (and into how many pieces), and how many unrelated comments
were grouped by text (with the exact Jaccard that linked them, to tell
generator accidents from false matches). Last, with the corpus, the same
comments stored on a Code built from it (SQLite): services.grouping.groups
cold (query, grouping, authors) and again (the grouping kept in memory), and
group_of for one comment.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cop_drafts.text import similar  # noqa: E402
from cop_drafts.text.anchor import Anchor  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "draft3"
CAMPAIGN_SIZES = (2, 3, 5, 5, 8, 10, 12, 20, 25, 30, 40, 40, 60, 80, 120, 150, 200)
CAMPAIGN_SIZES += (300, 400, 800)  # 2,310 letters in 20 campaigns
OPENERS = (
    "We suggest that the Chairs reconsider this passage.",
    "This Measure should be clarified.",
    "Our members are concerned by the following.",
    "We welcome the direction but propose changes.",
    "The wording here is ambiguous.",
    "Please consider the proportionality of this commitment.",
    "We support this text with one reservation.",
    "This goes beyond what the AI Act requires.",
    "Small and medium enterprises cannot implement this.",
    "The definition used here differs from the Act.",
)


@dataclass(frozen=True, slots=True)
class Generated:
    items: list[similar.Item]
    campaign_of: dict[int, int]  # comment id -> campaign number


def _sections() -> dict[str, str]:
    found = {p.name: p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.md"))}
    if found:
        return found
    rng = random.Random(0)
    vocab = [
        "".join(rng.choice("abcdefghijklmnoprstuvw") for _ in range(rng.randint(2, 9)))
        for _ in range(4000)
    ]
    return {
        f"section-{n}.md": " ".join(
            " ".join(rng.choice(vocab) for _ in range(rng.randint(8, 30))) + "."
            for _ in range(600)
        )
        for n in range(5)
    }


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    return [
        (m.start(), m.end())
        for m in re.finditer(r"[^.!?\n]+[.!?]?", text)
        if len(m.group().split()) >= 4
    ]


class Generator:
    """Comments for the benchmark, all drawn from one seeded random source."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.sections = _sections()
        self.spans = {p: _sentence_spans(t) for p, t in self.sections.items()}
        self.words = [w for t in self.sections.values() for w in t.split()]
        self.sentences = [
            self.sections[p][s:e].strip() for p in self.spans for s, e in self.spans[p]
        ]

    def fragment(self, low: int = 5, high: int = 16) -> list[str]:
        n = self.rng.randint(low, high)
        start = self.rng.randrange(len(self.words) - n)
        return self.words[start : start + n]

    def unrelated(self, length: int) -> str:
        out = self.rng.choice(OPENERS).split()
        while len(out) < length:
            out += self.fragment()
        return " ".join(out[:length])

    def passage(self) -> tuple[str, int, int]:
        path = self.rng.choice(list(self.spans))
        spans = self.spans[path]
        first = self.rng.randrange(len(spans))
        last = min(len(spans) - 1, first + self.rng.choice((0, 0, 0, 1, 2)))
        return path, spans[first][0], spans[last][1]

    def base_letter(self, length: int) -> list[list[str]]:
        """A letter as sentences of words; '{org}' marks the signatory."""
        sentences = [["On", "behalf", "of", "{org}", "we", "write", "about", "this."]]
        while sum(map(len, sentences)) < length:
            sentences.append(self.rng.choice(self.sentences).split())
        return sentences

    def letter(self, base: list[list[str]], org: str) -> str:
        rng = self.rng
        sentences = [list(s) for s in base]
        if len(sentences) > 3 and rng.random() < 0.2:
            del sentences[rng.randrange(1, len(sentences))]
        if rng.random() < 0.4:
            sentences.insert(rng.randrange(1, len(sentences) + 1), self.fragment(8, 20))
        flat = [w for s in sentences for w in s]
        for _ in range(rng.randint(0, 3)):
            i = rng.randrange(len(flat))
            if rng.random() < 0.5:
                flat[i] = rng.choice(self.words)
            else:
                del flat[i]
        return " ".join(flat).replace("{org}", org)

    def comments(self, total: int) -> Generated:
        rng = self.rng
        items: list[similar.Item] = []
        campaign_of: dict[int, int] = {}
        next_id = iter(range(1, 10**9))
        for number, size in enumerate(CAMPAIGN_SIZES):
            base = self.base_letter(rng.randint(20, 190))
            path, start, end = self.passage()
            for n in range(size):
                org = f"Organisation {rng.choice(('Alpha', 'Nord', 'Sud'))} {n} e.V."
                cid = next(next_id)
                text = self.letter(base, org)
                items.append(similar.Item(cid, text, path, start, end))
                campaign_of[cid] = number
        while len(items) < total:
            path, start, end = self.passage()
            text = self.unrelated(rng.randint(20, 200))
            items.append(similar.Item(next(next_id), text, path, start, end))
        rng.shuffle(items)  # grouping must not depend on the order given
        return Generated(items[:total], campaign_of)


def _text_only(items: list[similar.Item]) -> list[similar.Item]:
    return [similar.Item(i.id, i.text, i.path, None, None) for i in items]


def precision(gen: Generated, groups: list[similar.Group]) -> None:
    by_id = {item.id: item for item in gen.items}
    campaign_sizes = Counter(gen.campaign_of.values())
    pieces: dict[int, Counter[int]] = defaultdict(Counter)
    unrelated_grouped: list[similar.Group] = []
    mixed = 0
    for n, g in enumerate(groups):
        campaigns = {gen.campaign_of.get(i) for i in g.ids}
        if len(campaigns - {None}) > 1:
            mixed += 1
        for i in g.ids:
            if i in gen.campaign_of:
                pieces[gen.campaign_of[i]][n] += 1
        if None in campaigns:
            unrelated_grouped.append(g)
    letters = sum(campaign_sizes.values())
    together = sum(max(p.values()) for p in pieces.values())
    split = sum(1 for p in pieces.values() if len(p) > 1)
    lost = [c for c in campaign_sizes if c not in pieces]
    print(
        f"campaign letters grouped with their campaign: {together:,} of {letters:,} "
        f"({together / letters:.1%}); campaigns split in pieces: {split}; "
        f"campaigns not grouped at all: {len(lost)} of {len(campaign_sizes)}"
    )
    print(
        f"  at most possible at this threshold (components of all pairs with "
        f"exact Jaccard >= {similar.THRESHOLD} in each campaign): "
        f"{reachable(gen, by_id):,}"
    )
    print(f"groups mixing two campaigns: {mixed}")
    strays = sum(
        1 for g in unrelated_grouped for i in g.ids if i not in gen.campaign_of
    )
    unrelated = len(gen.items) - letters
    print(
        f"unrelated comments grouped by text: {strays} of {unrelated:,} "
        f"in {len(unrelated_grouped)} groups"
    )
    for g in unrelated_grouped[:5]:
        sets = [similar.shingles(similar.words(by_id[i].text)) for i in g.ids[:2]]
        print(
            f"  e.g. {len(g.ids)} comments, Jaccard of the first two "
            f"{similar.jaccard(*sets):.2f}: {by_id[g.ids[0]].text[:70]!r}"
        )


def reachable(gen: Generated, by_id: dict[int, similar.Item]) -> int:
    """Letters in the largest exact component of each campaign."""
    members: dict[int, list[int]] = defaultdict(list)
    for cid, number in gen.campaign_of.items():
        members[number].append(cid)
    total = 0
    for ids in members.values():
        sets = [similar.shingles(similar.words(by_id[i].text)) for i in ids]
        largest = _largest_component(sets, similar.THRESHOLD)
        total += largest if largest > 1 else 0
    return total


def _largest_component(sets: list[set[int]], threshold: float) -> int:
    parent = list(range(len(sets)))

    def find(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for x in range(len(sets)):
        for y in range(x + 1, len(sets)):
            if find(x) != find(y) and similar.jaccard(sets[x], sets[y]) >= threshold:
                parent[find(y)] = find(x)
    return max(Counter(find(i) for i in range(len(sets))).values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--comments", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    gen = Generator(args.seed).comments(args.comments)
    words = sum(len(i.text.split()) for i in gen.items)
    print(
        f"{len(gen.items):,} comments, {words:,} words, "
        f"{len(gen.campaign_of):,} campaign letters in {len(CAMPAIGN_SIZES)} "
        f"campaigns; corpus: {'draft3' if CORPUS.exists() else 'made-up'}"
    )
    runs = []
    for _ in range(3):
        timings: dict[str, float] = {}
        start, cpu = time.perf_counter(), time.process_time()
        groups = similar.group(gen.items, timings=timings)
        elapsed = time.perf_counter() - start
        runs.append((elapsed, time.process_time() - cpu, timings, groups))
    total, cpu, timings, groups = sorted(runs, key=lambda r: r[0])[len(runs) // 2]
    print(f"group(): {total:.2f} s, CPU {cpu:.2f} s (median of 3; goal < 5 s)")
    for stage, seconds in timings.items():
        print(f"  {stage:<13} {seconds:6.2f} s  {seconds / total:6.1%}")
    reasons = Counter(g.reason.value for g in groups)
    largest = max((len(g.ids) for g in groups), default=0)
    passage = [len(g.ids) for g in groups if g.reason is similar.Reason.PASSAGE]
    print(
        f"{len(groups):,} groups ({dict(reasons)}), largest {largest}; "
        f"largest of the same passage only: {max(passage, default=0)}"
    )
    text_groups = similar.group(_text_only(gen.items))
    print(f"by text alone: {len(text_groups):,} groups")
    precision(gen, text_groups)
    if CORPUS.exists():
        service(gen)


def service(gen: Generated) -> None:
    """The same comments stored on a Code made of the corpus, grouped by
    services.grouping (cold, then kept), and one comment's group."""
    import tempfile
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import insert, select

    from cop_drafts.config import load_settings
    from cop_drafts.db.models import Comment, CommentKind, Round, Visibility
    from cop_drafts.db.session import make_engine, make_sessionmaker, upgrade
    from cop_drafts.services import accounts, codes, demo, grouping, publishing
    from cop_drafts.services import rounds as round_service
    from cop_drafts.store.repo import Person

    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        source = tmp / "code"
        source.mkdir()
        toml = ['title = "Bench Code"']
        for n, path in enumerate(sorted(p.name for p in CORPUS.glob("*.md"))):
            (source / path).write_text((CORPUS / path).read_text(encoding="utf-8"))
            toml += ["", "[[sections]]", f'file = "{path}"', f'title = "{path}"']
            toml.append(f"wg = {n % 4 + 1}")
        (source / "code.toml").write_text("\n".join(toml) + "\n")
        settings = load_settings({"data_dir": tmp / "data", "testing": True})
        upgrade(settings.database_url)
        db = make_sessionmaker(make_engine(settings.database_url))()
        accounts.use_fast_hashing()
        demo.seed_accounts(db, ROOT / "drafts")
        office = accounts.find_user(db, f"ai-office@{demo.DOMAIN}")
        when = datetime(2026, 3, 1, tzinfo=UTC)
        author = Person("Chair", "chair@example.org", when)
        code = codes.create_code(
            db, settings, "bench", source, author=author, message="Draft"
        )
        plenary = datetime.now(UTC) - timedelta(hours=2)
        with codes.open_store(settings, "bench") as store:
            next_round = round_service.RoundInput(
                "draft-3", plenary, Visibility.WORKING_GROUP, False
            )
            publishing.publish(
                db,
                store,
                code,
                office,
                publishing.PublishInput(
                    tag="draft-3",
                    notes="Draft",
                    next_round=next_round,
                    accept_errors=True,
                ),
            )
            round_ = db.scalar(select(Round))
            assert round_ is not None
            keys = ("provider", "downstream", "civil-society", "academic")
            people = [accounts.find_user(db, f"{k}@{demo.DOMAIN}") for k in keys]
            texts = {p: store.read("draft-3", p).text for p in store_paths(gen)}
            rng = random.Random(3)
            rows = []
            for item in gen.items:
                assert item.start is not None and item.end is not None
                anchor = Anchor.from_span(texts[item.path], item.start, item.end)
                rows.append(
                    {
                        "code_id": code.id,
                        "round_id": round_.id,
                        "author_id": rng.choice(people).id,  # type: ignore[union-attr]
                        "kind": CommentKind.COMMENT,
                        "path": item.path,
                        "wg": 1,
                        "tag": "draft-3",
                        "commit_id": round_.commit_id,
                        "anchor": anchor.to_dict(),
                        "line_start": anchor.line_start,
                        "line_end": anchor.line_end,
                        "body": item.text,
                        "body_html": "",
                        "client_token": f"bench{item.id:07d}",
                    }
                )
            db.execute(insert(Comment), rows)
            db.commit()
            for label in ("cold", "again (kept)"):
                start = time.perf_counter()
                found = grouping.groups(db, store, code)
                seconds = time.perf_counter() - start
                print(
                    f"services.grouping.groups, {len(rows):,} stored comments, "
                    f"{label}: {seconds:.2f} s, {len(found):,} groups"
                )
            one = found[0].ids[-1]
            start = time.perf_counter()
            mine = grouping.group_of(db, store, code, one)
            seconds = time.perf_counter() - start
            assert mine is not None
            print(
                f"services.grouping.group_of one comment (kept): "
                f"{seconds * 1000:.0f} ms, its group {mine.size} comments, "
                f"{mine.organisations} organisations"
            )
            db.close()


def store_paths(gen: Generated) -> set[str]:
    return {item.path for item in gen.items}


if __name__ == "__main__":
    main()
