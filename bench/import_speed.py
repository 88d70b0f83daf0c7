"""Figures for written submissions: a 2,000-row spreadsheet of comments.

Run: .venv/bin/python bench/import_speed.py   (prints its numbers)

On the demo Code (SQLite, in a temporary folder), with draft-3's round open,
a participant's XLSX of 2,000 comments: half quote a passage (unique in its
section, some across a line break), half give line numbers, all with a
comment of about 500 characters, a third with proposed wording.

1. The template (XLSX) for draft-3.
2. Reading the file alone (service parse: type and bomb checks, openpyxl
   read-only).
3. The whole import through the service: reading, finding every passage,
   the window and membership checks, 2,000 comments written in one
   transaction. Goal: under 10 s.
4. The same file again (a no-op: found by its digest).
5. The same import as an upload through the app (full request), on a fresh
   Code, as the CSV version of the file.
"""

from __future__ import annotations

import csv
import io
import random
import re
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from openpyxl import Workbook  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from cop_drafts.app import create_app  # noqa: E402
from cop_drafts.config import load_settings  # noqa: E402
from cop_drafts.db.models import Code, Comment, Visibility, utcnow  # noqa: E402
from cop_drafts.db.session import make_engine, make_sessionmaker, upgrade  # noqa: E402
from cop_drafts.services import accounts, codes, demo, rounds  # noqa: E402
from cop_drafts.services import submissions as service  # noqa: E402

ROWS = 2_000
TAG = "draft-3"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def setup(tmp: Path):
    settings = load_settings({"data_dir": tmp, "testing": True})
    upgrade(settings.database_url)
    db = make_sessionmaker(make_engine(settings.database_url))()
    accounts.use_fast_hashing()
    demo.build_demo(db, settings, ROOT / "drafts", in_progress=False)
    demo.seed_accounts(db, ROOT / "drafts")
    code = db.scalar(select(Code))
    store = codes.open_store(settings, demo.DEMO_SLUG)
    commit_id = store.resolve(TAG)
    if rounds.find_round(db, code, commit_id) is None:
        office = accounts.find_user(db, f"ai-office@{demo.DOMAIN}")
        rounds.open_round(
            db,
            code,
            office,
            rounds.RoundInput(
                TAG, utcnow() - timedelta(hours=1), Visibility.WORKING_GROUP, False
            ),
        )
    round_ = rounds.find_round(db, code, commit_id)
    # Inside the window, whatever the demo's dates.
    now = max(
        round_.opens_at + timedelta(hours=1),
        min(utcnow(), round_.closes_at - timedelta(hours=1)),
    )
    return settings, db, code, store, now


def rows(store) -> list[tuple[str, str, str, str, str]]:
    rng = random.Random(2026)
    manifest = store.manifest(TAG)
    texts = {s.path: store.read(TAG, s.path).text for s in manifest.sections}
    quotes = []
    for spec in manifest.sections:
        text = texts[spec.path]
        words = text.split(" ")
        for start in range(0, len(words) - 12, 3):
            quote = " ".join(words[start : start + 9])
            if "\n\n" in quote or any(c in quote for c in "*_[]|#>`"):
                continue
            if text.count(quote) == 1:
                quotes.append((spec.title, quote.replace("\n", " ")))
    rng.shuffle(quotes)
    out = []
    filler = "The Working Group should explain how this applies to smaller providers. "
    for n in range(ROWS):
        body = f"Comment {n}. " + filler * 7
        proposal = f"Proposed text {n}." if n % 3 == 0 else ""
        if n % 2 == 0:
            title, quote = quotes[n // 2 % len(quotes)]
            out.append((title, quote, "", body, proposal))
        else:
            spec = manifest.sections[n % len(manifest.sections)]
            count = texts[spec.path].count("\n")
            line = 1 + n % (count - 3)
            out.append((spec.path, "", f"{line}-{line + 2}", body, proposal))
    return out


def xlsx(data: list[tuple[str, ...]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Comments"
    sheet.append(service.COLUMNS)
    for row in data:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def as_csv(data: list[tuple[str, ...]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(service.COLUMNS)
    writer.writerows(data)
    return buffer.getvalue().encode("utf-8-sig")


def timed(label: str, goal: str, action):
    start = time.perf_counter()
    result = action()
    took = time.perf_counter() - start
    print(f"{label:<62} {took:7.2f} s   goal {goal}")
    return result


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        settings, db, code, store, now = setup(Path(folder))
        data = rows(store)
        quoted = sum(1 for r in data if r[1])
        book = xlsx(data)
        print(f"{ROWS:,} rows ({quoted:,} by quote, {ROWS - quoted:,} by lines); "
              f"XLSX {len(book) / 1024:.0f} KB")  # fmt: skip
        timed(
            "template (XLSX) for draft-3",
            "-",
            lambda: service.template(store, code, TAG, "xlsx"),
        )
        timed(
            "read the file (parse, 2,000 rows)",
            "-",
            lambda: service.parse("c.xlsx", book),
        )
        author = accounts.find_user(db, f"provider@{demo.DOMAIN}")
        result = timed(
            "import 2,000 rows (service: read, anchor, check, write)",
            "< 10 s",
            lambda: service.import_submission(
                db, store, code, author, author, TAG, "c.xlsx", book, now
            ),
        )
        assert result.count == ROWS and not result.already
        written = db.scalar(select(func.count()).select_from(Comment))
        again = timed(
            "the same file again (no-op)",
            "-",
            lambda: service.import_submission(
                db, store, code, author, author, TAG, "c.xlsx", book, now
            ),
        )
        assert (
            again.already
            and db.scalar(select(func.count()).select_from(Comment)) == written
        )
        store.close()
        db.close()
    if now < utcnow() - timedelta(hours=1):
        print("(the demo's draft-3 window is closed: no upload through the app)")
        return
    with tempfile.TemporaryDirectory() as folder:
        settings, db, code, store, now = setup(Path(folder))
        store.close()
        body = as_csv(rows(codes.open_store(settings, demo.DEMO_SLUG)))
        app = create_app({"data_dir": Path(folder), "testing": True})
        client = app.test_client()
        token = CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
        client.post(
            "/login",
            data={
                "email": f"provider@{demo.DOMAIN}",
                "password": demo.DEMO_PASSWORD,
                "csrf_token": token,
            },
        )
        page = client.get(f"/c/gpai-code/submissions?rev={TAG}").get_data(as_text=True)
        form = {
            "csrf_token": CSRF.search(page).group(1),
            "rev": TAG,
            "upload": (io.BytesIO(body), "c.csv"),
        }
        response = timed(
            "upload the CSV version through the app (full request)",
            "< 10 s",
            lambda: client.post(
                "/c/gpai-code/submissions",
                data=form,
                content_type="multipart/form-data",
            ),
        )
        response.request.environ["wsgi.input"].close()
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        db.close()


if __name__ == "__main__":
    main()
