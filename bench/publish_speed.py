"""Figures for publishing: a Code the size of the real third draft of the GPAI
Code with 5,000 open comments, published as the next iteration.

Run: .venv/bin/python bench/publish_speed.py   (prints its numbers)

The Code is built from ../shared/corpus/draft3 (front matter, transparency,
copyright, safety and security: 230 KB); 5,000 comments on passages of 3-10
words are spread over its sections in proportion to their size and belong to
the open round. The Chairs then replace the safety-and-security section with
the real final text (a real revision), and the AI Office publishes: the
review page's work, then publish() itself, which checks, carries every
comment, writes the record of the round (CSV, XLSX, Markdown) into a commit,
tags it, closes the round and stores the landings. Goal: publish < 10 s.
The stages are also timed on their own, in the same run, before publishing.
"""

from __future__ import annotations

import random
import re
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select  # noqa: E402

from cop_drafts.cache import FileCache  # noqa: E402
from cop_drafts.config import load_settings  # noqa: E402
from cop_drafts.db.models import Comment, CommentKind, Round, Visibility  # noqa: E402
from cop_drafts.db.session import make_engine, make_sessionmaker, upgrade  # noqa: E402
from cop_drafts.services import (  # noqa: E402
    accounts,
    codes,
    demo,
    publishing,
    reanchor,
    record,
    rounds,
)
from cop_drafts.store.repo import Person, set_durable  # noqa: E402
from cop_drafts.text.anchor import Anchor  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
SECTIONS = (
    ("front-matter.md", "Front matter", None),
    ("transparency.md", "Transparency", 1),
    ("copyright.md", "Copyright", 1),
    ("safety-security.md", "Safety and security", 2),
)
COMMENTS = 5_000
PARTICIPANTS = ("provider", "downstream", "industry", "civil-society", "academic")


def build_code(tmp: Path):
    folder = tmp / "folder"
    folder.mkdir()
    toml = ['title = "Bench Code"']
    for path, title, wg in SECTIONS:
        (folder / path).write_text((CORPUS / "draft3" / path).read_text())
        toml += ["", "[[sections]]", f'file = "{path}"', f'title = "{title}"']
        if wg:
            toml.append(f"wg = {wg}")
    (folder / "code.toml").write_text("\n".join(toml) + "\n")
    settings = load_settings({"data_dir": tmp / "data", "testing": True})
    upgrade(settings.database_url)
    db = make_sessionmaker(make_engine(settings.database_url))()
    accounts.use_fast_hashing()
    demo.seed_accounts(db, ROOT / "drafts")
    office = accounts.find_user(db, f"ai-office@{demo.DOMAIN}")
    when = datetime(2026, 3, 1, tzinfo=UTC)
    code = codes.create_code(
        db,
        settings,
        "bench",
        folder,
        author=Person("Chair", "chair@example.org", when),
        message="Third draft",
    )
    return settings, db, code, office


def add_comments(db, store, code, round_: Round) -> None:
    rng = random.Random(5)
    texts = {path: store.read("draft-3", path).text for path, _t, _w in SECTIONS}
    spans = {
        path: [m.span() for m in re.finditer(r"\S+(?:\s+\S+){2,9}", text)]
        for path, text in texts.items()
    }
    weights = [len(texts[path]) for path, _t, _w in SECTIONS]
    authors = [accounts.find_user(db, f"{k}@{demo.DOMAIN}") for k in PARTICIPANTS]
    rows = []
    for n in range(COMMENTS):
        path, _title, wg = rng.choices(SECTIONS, weights)[0]
        start, end = rng.choice(spans[path])
        anchor = Anchor.from_span(texts[path], start, end)
        rows.append(
            {
                "code_id": code.id,
                "round_id": round_.id,
                "author_id": rng.choice(authors).id,
                "kind": CommentKind.COMMENT,
                "path": path,
                "wg": wg,
                "tag": "draft-3",
                "commit_id": round_.commit_id,
                "anchor": anchor.to_dict(),
                "line_start": anchor.line_start,
                "line_end": anchor.line_end,
                "body": f"Comment {n}: please say who decides this.",
                "body_html": "<p>x</p>",
                "proposed_text": "A clearer wording." if n % 3 == 0 else None,
                "client_token": f"bench{n:06d}",
            }
        )
    db.execute(insert(Comment), rows)
    db.commit()


def timed(label: str, goal: str, action):
    start = time.perf_counter()
    result = action()
    elapsed = time.perf_counter() - start
    print(f"{label:<60} {elapsed * 1000:8.0f} ms   {goal}")
    return result


def main() -> None:
    if not (CORPUS / "final" / "safety-security.md").exists():
        print("corpus not found: nothing to measure")
        return
    set_durable(True)  # git writes fsynced, as served
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        settings, db, code, office = build_code(tmp)
        plenary = datetime.now(UTC) - timedelta(hours=2)
        with codes.open_store(settings, "bench") as store:
            publishing.publish(
                db,
                store,
                code,
                office,
                publishing.PublishInput(
                    tag="draft-3",
                    notes="Third draft",
                    next_round=rounds.RoundInput(
                        "draft-3", plenary, Visibility.WORKING_GROUP, False
                    ),
                    accept_errors=True,
                ),
            )
            round_ = db.scalar(select(Round))
            add_comments(db, store, code, round_)
            final = (CORPUS / "final" / "safety-security.md").read_text()
            store.save(
                "main",
                "safety-security.md",
                final,
                base=store.resolve("main"),
                author=Person("Chair", "chair@example.org"),
                message="Final text of safety and security",
            )
            size = sum(len(store.read("main", p).text) for p, _t, _w in SECTIONS)
            print(f"Code of {size / 1000:.0f} KB, {COMMENTS:,} open comments")
            cache = FileCache(tmp / "cache")
            data = publishing.PublishInput(
                tag="final", notes="The final Code", accept_errors=True
            )
            timed(
                "review page (checks, redline summary, counts)",
                "",
                lambda: publishing.review(db, store, cache, code, office, data),
            )
            base = store.resolve("main")
            carried = timed(
                "  stage: carry 5,000 comments (no writes)",
                "",
                lambda: reanchor.carry(db, store, code, base),
            )
            timed(
                "  stage: record of the round (CSV, XLSX, Markdown)",
                "",
                lambda: record.files(
                    db, store, code, round_, "final", base, carried, datetime.now(UTC)
                ),
            )
            db.rollback()
            done = timed(
                "publish (checks, carry, record, tag, round, landings)",
                "goal < 10,000 ms",
                lambda: publishing.publish(db, store, code, office, data),
            )
            print("    landings:", dict(sorted(done.carried.items())))
            files = dict(store.files("final"))
            for path in done.record_files:
                print(f"    {path}: {len(files[path]) / 1000:.0f} KB")
        db.close()


if __name__ == "__main__":
    main()
