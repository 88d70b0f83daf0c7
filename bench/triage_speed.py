"""Figures for the Chairs' comment table: 20,000 comments, a filter plus a
full-text search, server time, on SQLite and (when DATABASE_URL names one) on
PostgreSQL.

Run: .venv/bin/python bench/triage_speed.py
     DATABASE_URL=postgresql+psycopg:///bench .venv/bin/python bench/triage_speed.py

The demo Code is built, then 20,000 comments on real passages of its draft-3
(3-10 words each, bodies made of sentences of the Code) are inserted in bulk
into its round, spread over the Working Groups and six authors; a fifth get
an answer, and the tables are analysed as autovacuum would. Timed (median
of 15, whole request through the app as the
coordinating Chair): the first page; a filter (Working Group 2, answers not
released) plus a full-text search of two words; a search alone. Goal: under
150 ms each.
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

from sqlalchemy import create_engine, insert, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from cop_drafts.app import create_app  # noqa: E402
from cop_drafts.config import load_settings  # noqa: E402
from cop_drafts.db.models import (  # noqa: E402
    Base,
    Code,
    Comment,
    CommentKind,
    Disposition,
    DispositionKind,
    Round,
    utcnow,
)
from cop_drafts.db.session import make_engine, make_sessionmaker, upgrade  # noqa: E402
from cop_drafts.services import accounts, codes, demo  # noqa: E402
from cop_drafts.store.repo import set_durable  # noqa: E402
from cop_drafts.text.anchor import Anchor  # noqa: E402

COUNT = 20_000
AUTHORS = ("provider", "downstream", "industry", "civil-society", "rightsholder")
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def fresh_database(url: str | None, tmp: Path) -> str:
    if not url:
        return f"sqlite:///{tmp / 'bench.db'}"
    engine = create_engine(url)
    with engine.begin() as connection:
        upgrade(url)
        names = ", ".join(t.name for t in Base.metadata.sorted_tables)
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return url


def fill(db, settings) -> None:
    code = db.scalar(select(Code))
    round_ = db.scalar(select(Round).where(Round.tag == "draft-3"))
    authors = [accounts.find_user(db, f"{k}@{demo.DOMAIN}") for k in AUTHORS]
    rng = random.Random(3)
    with codes.open_store(settings, demo.DEMO_SLUG) as store:
        sections = [
            (s.path, s.wg, store.read("draft-3", s.path).text)
            for s in store.manifest("draft-3").sections
        ]
    sentences = [
        s.strip()
        for _p, _w, t in sections
        for s in re.split(r"(?<=[.;])\s+", t)
        if 40 < len(s.strip()) < 300
    ]
    spans = {
        path: [m.span() for m in re.finditer(r"\S+(?:\s+\S+){2,9}", t)]
        for path, _w, t in sections
    }
    rows = []
    for n in range(COUNT):
        path, wg, textual = rng.choice(sections)
        start, end = rng.choice(spans[path])
        anchor = Anchor.from_span(textual, start, end)
        body = " ".join(rng.sample(sentences, 2))
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
                "body": body,
                "body_html": "<p>x</p>",
                "client_token": f"bench{n:06d}",
                "created_at": utcnow(),
                "updated_at": utcnow(),
            }
        )
    db.execute(insert(Comment), rows)
    ids = list(
        db.scalars(select(Comment.id).where(Comment.client_token.like("bench%")))
    )
    answers = [
        {
            "comment_id": comment_id,
            "kind": rng.choice(list(DispositionKind)),
            "response": "Thank you.",
            "released_at": utcnow() if rng.random() < 0.5 else None,
            "updated_at": utcnow(),
        }
        for comment_id in rng.sample(ids, COUNT // 5)
    ]
    db.execute(insert(Disposition), answers)
    db.commit()
    # A bulk load leaves the planner's statistics stale (autovacuum would
    # catch up in a live system): without them PostgreSQL misjudges the
    # search's selectivity and recomputes every comment's text vector.
    db.execute(text("ANALYZE"))
    db.commit()


def timed(client, url: str) -> tuple[float, int]:
    samples = []
    for _ in range(15):
        start = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
    assert response.status_code == 200, response.status_code
    found = re.search(r'data-testid="count"><strong>(\d+)', response.get_data(True))
    return statistics.median(samples), int(found.group(1)) if found else -1


def run(url: str | None) -> None:
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        db_url = fresh_database(url, tmp)
        settings = load_settings({"data_dir": tmp, "database_url": db_url})
        upgrade(db_url)
        db = make_sessionmaker(make_engine(db_url))()
        accounts.use_fast_hashing()
        demo.build_demo(db, settings, ROOT / "drafts")
        fill(db, settings)
        app = create_app({"data_dir": tmp, "database_url": db_url, "testing": True})
        client = app.test_client()
        token = CSRF.search(client.get("/login").get_data(True)).group(1)
        client.post(
            "/login",
            data={
                "email": f"coordinator@{demo.DOMAIN}",
                "password": demo.DEMO_PASSWORD,
                "csrf_token": token,
            },
        )
        backend = make_url(db_url).get_backend_name()
        base = "/c/gpai-code/triage"
        for label, query in (
            ("first page, no filter", ""),
            ("filter (WG 2, drafts) + search 'risk assessment'",
             "?wg=2&answer=draft&q=risk+assessment"),
            ("search 'serious incident'", "?q=serious+incident"),
            ("sorted by longest threads, page 40", "?sort=thread&page=40"),
        ):  # fmt: skip
            median, found = timed(client, base + query)
            print(
                f"{backend:<10} {label:<52} {median:7.1f} ms  "
                f"({found:,} comments)   goal < 150 ms"
            )
        db.close()


def main() -> None:
    set_durable(False)
    run(None)
    if os.environ.get("DATABASE_URL", "").startswith("postgresql"):
        run(os.environ["DATABASE_URL"])


if __name__ == "__main__":
    main()
