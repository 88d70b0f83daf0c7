"""Iteration pages, downloads anyone can verify, the whole Code as one page, the
public landing page and ``cop-drafts export``."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import docx
import pypdf
from click.testing import CliRunner
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from cop_drafts.cli import main
from cop_drafts.db.models import Code
from cop_drafts.services import accounts, codes, demo
from cop_drafts.store.repo import DraftStore
from tests.story import open_round_on_draft_3

from .html import parse

AsUser = Callable[[str | None], FlaskClient]
C = "/c/gpai-code"


def _in_order(text: str, titles: list[str]) -> bool:
    """Each title found after the one before it."""
    at = -1
    for title in titles:
        at = text.find(title, at + 1)
        if at < 0:
            return False
    return True


def _make_public(db: Session, code: Code, *tags: str) -> None:
    office = accounts.find_user(db, f"ai-office@{demo.DOMAIN}")
    for tag in tags:
        codes.set_public(db, code, office, tag, True)


def test_iteration_page_lists_downloads_with_their_hashes(
    as_user: AsUser, db: Session, seeded: Code, seeded_store: DraftStore
) -> None:
    open_round_on_draft_3(db, seeded)
    client = as_user("provider")
    page = parse(client.get(f"{C}/iterations/draft-3").get_data(as_text=True))
    assert page.find(data_testid="iteration-name").text == "draft-3"
    assert page.find(data_testid="commit-id").text == seeded_store.resolve("draft-3")
    titles = [a.text for a in page.find("ol", data_testid="sections").find_all("a")]
    assert titles[0] == "Preamble" and len(titles) == 6
    assert "since draft-2" in page.find(data_testid="change-summary").text.lower()
    assert page.find(data_testid="round-total").text.startswith("0 comments")

    table = page.find("table", data_testid="downloads")
    listed = {
        row.attrs["data-format"]: row.find("code", class_="hash").text
        for row in table.find_all("tr")
        if "data-format" in row.attrs
    }
    assert set(listed) == {"pdf", "docx", "html", "md", "zip", "redline-pdf"}
    for fmt, sha in listed.items():
        response = client.get(f"{C}/iterations/draft-3/download/{fmt}")
        assert response.status_code == 200, fmt
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith('attachment; filename="gpai-code-draft-3')
        # What is served is what the page lists, and the same every time.
        assert hashlib.sha256(response.data).hexdigest() == sha, fmt
        again = client.get(f"{C}/iterations/draft-3/download/{fmt}")
        assert again.data == response.data

    # The record of draft-2's round travels with draft-3's tag.
    record = page.find_all(data_testid="record-csv")
    assert record
    csv_file = client.get(record[0].attrs["href"])
    assert csv_file.status_code == 200
    assert csv_file.headers["Content-Disposition"].startswith("attachment")
    assert (
        csv_file.data
        == dict(seeded_store.files("draft-3"))["reports/draft-2/comments.csv"]
    )


def test_downloads_read_back_with_their_own_readers(
    as_user: AsUser, seeded_store: DraftStore
) -> None:
    client = as_user("provider")
    titles = [s.title for s in seeded_store.manifest("draft-3").sections]

    pdf = pypdf.PdfReader(
        io.BytesIO(client.get(f"{C}/iterations/draft-3/download/pdf").data)
    )
    pages = [p.extract_text() for p in pdf.pages]
    assert all("draft-3" in text for text in pages)
    assert _in_order("\n".join(pages[2:]), titles)

    word = docx.Document(
        io.BytesIO(client.get(f"{C}/iterations/draft-3/download/docx").data)
    )
    headings = [p.text for p in word.paragraphs if p.style.name == "Heading 1"]
    assert headings[: len(titles)] == titles or all(t in headings for t in titles)

    archive = zipfile.ZipFile(
        io.BytesIO(client.get(f"{C}/iterations/draft-3/download/zip").data)
    )
    inside = {
        name.split("/", 1)[1]: archive.read(name)
        for name in archive.namelist()
        if not name.endswith("/")
    }
    assert inside == dict(seeded_store.files("draft-3"))


def test_private_iterations_and_their_files_are_404_to_the_public(
    as_user: AsUser, db: Session, seeded: Code
) -> None:
    visitor = as_user(None)
    urls = [
        f"{C}/iterations/draft-2",
        f"{C}/iterations/draft-2/download/pdf",
        f"{C}/iterations/draft-3/reports/draft-2/comments.csv",
        f"{C}/document?rev=draft-2",
    ]
    assert [visitor.get(url).status_code for url in urls] == [404] * 4
    _make_public(db, seeded, "draft-2")
    assert visitor.get(urls[0]).status_code == 200
    assert visitor.get(urls[1]).status_code == 200
    assert visitor.get(urls[2]).status_code == 404  # draft-3 is still private
    assert visitor.get(urls[3]).status_code == 200
    # The redline of draft-2 against a private draft-1 is not offered.
    page = parse(visitor.get(urls[0]).get_data(as_text=True))
    formats = [
        r.attrs["data-format"] for r in page.find_all("tr") if "data-format" in r.attrs
    ]
    assert "redline-pdf" not in formats
    assert (
        visitor.get(f"{C}/iterations/draft-2/download/redline-pdf").status_code == 404
    )
    # Unknown iterations, formats, record files: 404, never 500.
    for url in (
        f"{C}/iterations/draft-9",
        f"{C}/iterations/draft-2/download/exe",
        f"{C}/iterations/draft-2/reports/draft-1/comments.csv",
        f"{C}/iterations/..%2Fmain/download/md",
    ):
        assert visitor.get(url).status_code == 404, url


def test_whole_code_is_one_page_with_unique_anchors(
    as_user: AsUser, seeded_store: DraftStore
) -> None:
    page = parse(
        as_user("observer").get(f"{C}/document?rev=draft-3").get_data(as_text=True)
    )
    body = page.find("article", data_testid="whole-body")
    ids = [n.attrs["id"] for n in body.iter() if "id" in n.attrs]
    assert len(ids) == len(set(ids))
    links = [
        a.attrs["href"][1:]
        for a in page.find(data_testid="whole-contents").find_all("a")
    ]
    assert links and set(links) <= set(ids)
    titles = [s.title for s in seeded_store.manifest("draft-3").sections]
    assert _in_order(body.text, titles)
    assert "draft-3" in page.find(data_testid="whole-version").text


def test_public_landing_page(as_user: AsUser, db: Session, seeded: Code) -> None:
    _make_public(db, seeded, "draft-1", "draft-2")
    page = parse(as_user(None).get(C).get_data(as_text=True))
    cards = page.find("ul", data_testid="iterations")
    assert [s.text for s in cards.find_all("strong")] == ["draft-2", "draft-1"]
    assert "voluntary Code of Practice" in page.find(data_testid="purpose").text
    kinds = [
        li.attrs["data-kind"] for li in page.find(data_testid="timeline").find_all("li")
    ]
    assert kinds[0] == "milestone" and "today" in kinds and "published" in kinds
    assert "draft-2" in page.find(data_testid="status").text
    assert page.find(data_testid="branches") is None


def test_export_command_gives_the_same_bytes_twice(
    seeded: Code, data_dir: Path, db_url: str, tmp_path: Path
) -> None:
    runner = CliRunner()
    env = {"DATABASE_URL": db_url}
    outputs = []
    for n in range(2):
        target = tmp_path / f"code-{n}.md"
        result = runner.invoke(
            main,
            [
                "--data", str(data_dir), "export", "--code", "gpai-code",
                "--iteration", "draft-3", "--format", "md", "-o", str(target),
            ],
            env=env,
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        outputs.append(result.output)
        assert hashlib.sha256(target.read_bytes()).hexdigest() in result.output
    assert outputs[0] == outputs[1]
    bad = runner.invoke(
        main,
        [
            "--data", str(data_dir), "export", "--code", "gpai-code",
            "--iteration", "draft-9", "--format", "pdf", "-o", str(tmp_path / "x"),
        ],
        env=env,
    )  # fmt: skip
    assert bad.exit_code == 1 and "no published iteration draft-9" in bad.output
