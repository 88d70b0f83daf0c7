"""Figures for the statistics page with 20,000 comments in one round.

Run: .venv/bin/python bench/statistics_speed.py   (prints its numbers)

The demo Code gets 20,000 open comments on draft-3's round (on its own
lines), and 20,000 more on draft-2's round carried to draft-3 (relocation
rows, one in twenty on removed text); half of them have an answer, some not
yet released. Timed through the whole app on SQLite (server time, median of
20 requests): the page of each round as the coordinating Chair and as a
participant, and one CSV download.
"""

from __future__ import annotations

import os
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("COP_DRAFTS_FSYNC", "0")

from sqlalchemy import insert, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from cop_drafts.app import create_app  # noqa: E402
from cop_drafts.config import Settings, load_settings  # noqa: E402
from cop_drafts.db.models import (  # noqa: E402
    Code,
    Comment,
    CommentKind,
    Disposition,
    DispositionKind,
    Relocation,
    Round,
    User,
    utcnow,
)
from cop_drafts.db.session import make_engine, make_sessionmaker, upgrade  # noqa: E402
from cop_drafts.services import accounts, codes, demo  # noqa: E402
from cop_drafts.text.anchor import Anchor  # noqa: E402

PER_ROUND = 20_000
AUTHORS = ("provider", "downstream", "industry", "civil-society", "rightsholder")
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def setup(tmp: Path) -> tuple[Settings, Session]:
    """The demo Code in `tmp`, and a session on its database."""
    settings = load_settings({"data_dir": tmp, "testing": True})
    upgrade(settings.database_url)
    db = make_sessionmaker(make_engine(settings.database_url))()
    accounts.use_fast_hashing()
    demo.build_demo(db, settings, ROOT / "drafts")
    return settings, db


def _text_lines(text: str) -> list[int]:
    """Lines with text on them (a comment is on words, not on a blank line)."""
    lines = text.split("\n")
    return [i for i, line in enumerate(lines, 1) if line.strip()]


def populate(db: Session, settings: Settings, per_round: int, seed: int = 5) -> None:
    """`per_round` comments on draft-3's round, as many on draft-2's carried to
    draft-3, half of them answered; inserted in bulk, not one by one."""
    rng = random.Random(seed)
    code = db.scalar(select(Code))
    assert code is not None
    authors = [accounts.find_user(db, f"{key}@{demo.DOMAIN}") for key in AUTHORS]
    ids = [u.id for u in authors if isinstance(u, User)]
    by_tag = {r.tag: r for r in db.scalars(select(Round))}
    new, old = by_tag["draft-3"], by_tag["draft-2"]
    with codes.open_store(settings, demo.DEMO_SLUG) as store:
        sections = [s for s in store.sections(new.commit_id)]
        texts = {
            (rev, s.path): store.read(rev, s.path).text
            for rev in (new.commit_id, old.commit_id)
            for s in sections
        }
        lines = {key: _text_lines(text) for key, text in texts.items()}
    anchors: dict[tuple[str, str, int, int], dict[str, object]] = {}
    now = utcnow()
    for round_ in (new, old):
        rows = []
        for n in range(per_round):
            section = sections[rng.randrange(len(sections))]
            key = (round_.commit_id, section.path)
            start = rng.choice(lines[key])
            end = min(start + rng.choice((0, 0, 1, 3)), lines[key][-1])
            if (*key, start, end) not in anchors:
                anchor = Anchor.from_lines(texts[key], start, end)
                anchors[(*key, start, end)] = anchor.to_dict()
            rows.append(
                {
                    "code_id": code.id,
                    "round_id": round_.id,
                    "author_id": rng.choice(ids),
                    "kind": CommentKind.COMMENT,
                    "path": section.path,
                    "wg": section.wg,
                    "tag": round_.tag,
                    "commit_id": round_.commit_id,
                    "anchor": anchors[(*key, start, end)],
                    "line_start": start,
                    "line_end": end,
                    "body": f"Bench comment {n}",
                    "body_html": f"<p>Bench comment {n}</p>",
                    "client_token": f"stats-{round_.tag}-{n:06d}",
                    "created_at": now,
                    "updated_at": now,
                }
            )
        db.execute(insert(Comment), rows)
        made = db.execute(
            select(Comment.id, Comment.path)
            .where(Comment.client_token.like(f"stats-{round_.tag}-%"))
            .order_by(Comment.id)
        ).all()
        _answers(db, rng, [i for i, _path in made])
        if round_ is old:
            _relocations(db, rng, made, new, lines)
    db.commit()


def _answers(db: Session, rng: random.Random, ids: list[int]) -> None:
    kinds = list(DispositionKind)
    rows = [
        {
            "comment_id": i,
            "kind": rng.choice(kinds),
            "released_at": utcnow() if rng.random() < 0.6 else None,
        }
        for i in ids
        if rng.random() < 0.5
    ]
    db.execute(insert(Disposition), rows)


def _relocations(
    db: Session,
    rng: random.Random,
    made: list[tuple[int, str]],
    new: Round,
    lines: dict[tuple[str, str], list[int]],
) -> None:
    rows = []
    for comment_id, path in made:
        gone = rng.random() < 0.05
        line = None if gone else rng.choice(lines[(new.commit_id, path)])
        rows.append(
            {
                "comment_id": comment_id,
                "tag": new.tag,
                "commit_id": new.commit_id,
                "path": path,
                "status": "orphaned" if gone else "exact",
                "line_start": line,
                "line_end": line,
            }
        )
    db.execute(insert(Relocation), rows)


def _login(client, key: str) -> None:
    token = CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post(
        "/login",
        data={
            "email": f"{key}@{demo.DOMAIN}",
            "password": demo.DEMO_PASSWORD,
            "csrf_token": token,
        },
    )
    assert response.status_code == 302


def _time(client, url: str, runs: int = 20) -> tuple[float, float, int]:
    """Median wall and CPU milliseconds of GET `url`, and its size in bytes."""
    size = len(client.get(url).get_data())  # warm: templates, caches
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        assert response.status_code == 200, response.status_code
    return statistics.median(wall), statistics.median(cpu), size


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings, db = setup(Path(tmp))
        start = time.perf_counter()
        populate(db, settings, PER_ROUND)
        print(
            f"inserted {2 * PER_ROUND:,} comments with answers and relocations "
            f"in {time.perf_counter() - start:.1f} s"
        )
        db.close()
        app = create_app({"data_dir": Path(tmp), "testing": True})
        base = "/c/gpai-code/statistics"
        cases = [
            ("coordinator", f"{base}?round=draft-3", "draft-3 page, coordinator"),
            ("provider", f"{base}?round=draft-3", "draft-3 page, participant"),
            ("coordinator", f"{base}?round=draft-2", "draft-2 page (relocated)"),
            ("provider", f"{base}/answers.csv?round=draft-3", "answers CSV"),
        ]
        for key, url, label in cases:
            client = app.test_client()
            _login(client, key)
            wall, cpu, size = _time(client, url)
            print(
                f"{label:<44} median {wall:7.1f} ms wall {cpu:7.1f} ms CPU  "
                f"{size / 1024:6.1f} KB   goal < 300 ms"
            )


if __name__ == "__main__":
    main()
