"""Written submissions: the template, uploading it filled in (all rows or none,
with a report per row), hostile files, the AI Office on a participant's
behalf, and the command line (template, import, export)."""

from __future__ import annotations

import csv
import io
import re
import time
import zipfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cop_drafts.cli import main
from cop_drafts.db.models import (
    AuditEvent,
    Code,
    Comment,
    Disposition,
    DispositionKind,
    Submission,
    utcnow,
)
from cop_drafts.services import accounts, demo
from cop_drafts.services import submissions as service
from cop_drafts.store.repo import DraftStore
from tests.conftest import csrf_token
from tests.story import KEEP, open_round_on_draft_3

from .html import parse

AsUser = Callable[[str | None], FlaskClient]
URL = "/c/gpai-code/submissions"
RISK = "Risk identification and assessment"
HEADER = ("Section", "Quoted passage", "Lines", "Comment", "Proposed wording")
GOOD = [
    (RISK, KEEP, "", "Please define *decision*.", "each decision to proceed"),
    ("governance.md", "", "12-14", "These lines repeat Section 2.", ""),
    ("Risk-Assessment", "", "7", "A comment on one line.", ""),
]


def _email(key: str) -> str:
    return f"{key}@{demo.DOMAIN}"


def _xlsx(rows, header=HEADER, sheet: str = "Comments") -> bytes:
    book = Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _csv(rows, header=HEADER, delimiter: str = ",", bom: bool = True) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig" if bom else "utf-8")


def _upload(client: FlaskClient, name: str, data: bytes, **extra: str):
    form = {
        "csrf_token": csrf_token(client, f"{URL}?rev=draft-3"),
        "rev": "draft-3",
        "upload": (io.BytesIO(data), name),
        **extra,
    }
    response = client.post(URL, data=form, content_type="multipart/form-data")
    # The test client spools a large body to a temporary file it never closes.
    response.request.environ["wsgi.input"].close()
    return response


def _count(db: Session, model: type) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


def _problems(response) -> list[tuple[str, str]]:
    table = parse(response.get_data(as_text=True)).find(
        "table", data_testid="problem-table"
    )
    assert table is not None, response.get_data(as_text=True)[:2000]
    rows = table.find("tbody").find_all("tr")
    return [(r.attrs["data-row"], r.find_all("td")[1].text) for r in rows]


def _flash(client: FlaskClient, response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    page = parse(client.get(response.headers["Location"]).get_data(as_text=True))
    return " ".join(node.text for node in page.find_all("p", class_="flash"))


@pytest.fixture
def window(db: Session, seeded: Code):
    return open_round_on_draft_3(db, seeded)


# -- the template --------------------------------------------------------------
def test_templates_download_as_xlsx_and_csv(as_user: AsUser) -> None:
    client = as_user("provider")
    response = client.get(f"{URL}/template/draft-3.xlsx")
    assert response.status_code == 200
    assert "gpai-code-draft-3-comments.xlsx" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Comments", "Instructions", "Sections"]
    sheet = book["Comments"]
    assert tuple(c.value for c in sheet[1]) == HEADER
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["D"].width >= 60
    [choice] = sheet.data_validations.dataValidation
    assert choice.type == "list" and choice.formula1 == "=Sections!$A$2:$A$7"
    titles = [row[0] for row in book["Sections"].iter_rows(min_row=2, values_only=True)]
    assert RISK in titles and len(titles) == 6
    assert "draft-3" in book["Instructions"]["A1"].value
    # The same iteration gives the same bytes.
    assert client.get(f"{URL}/template/draft-3.xlsx").data == response.data
    text = client.get(f"{URL}/template/draft-3.csv").data
    assert text.startswith(b"\xef\xbb\xbf")
    assert next(csv.reader(io.StringIO(text.decode("utf-8-sig")))) == list(HEADER)
    assert client.get(f"{URL}/template/draft-9.xlsx").status_code == 404
    assert client.get(f"{URL}/template/draft-3.pdf").status_code == 404


# -- good files -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "build"),
    [
        ("comments.xlsx", lambda rows: _xlsx(rows)),
        ("comments.csv", lambda rows: _csv(rows)),
        ("semicolons.csv", lambda rows: _csv(rows, delimiter=";", bom=False)),
    ],
)
def test_a_good_file_becomes_anchored_comments(
    as_user: AsUser,
    window,
    db: Session,
    seeded_store: DraftStore,
    name: str,
    build: Callable[[list], bytes],
) -> None:
    client = as_user("provider")
    response = _upload(client, name, build(GOOD))
    assert "3 comments imported" in _flash(client, response)
    comments = list(db.scalars(select(Comment).order_by(Comment.id)))
    assert [c.path for c in comments] == [
        "risk-assessment.md",
        "governance.md",
        "risk-assessment.md",
    ]
    first, second, third = comments
    assert first.anchor["quote"] == KEEP
    text = seeded_store.read("draft-3", "risk-assessment.md").text
    assert first.line_start == text[: text.index(KEEP)].count("\n") + 1
    assert first.proposed_text == "each decision to proceed"
    assert first.body_html.count("<em>decision</em>") == 1
    assert (second.line_start, second.line_end) == (12, 14)
    governance = seeded_store.read("draft-3", "governance.md").text.split("\n")
    assert second.anchor["quote"] == "\n".join(governance[11:14])
    assert (third.line_start, third.line_end) == (7, 7)
    assert {c.tag for c in comments} == {"draft-3"}
    assert {c.round_id for c in comments} == {window.id}
    assert {c.author.email for c in comments} == {_email("provider")}
    assert all(c.client_token.startswith("sub-") for c in comments)
    submission = db.scalar(select(Submission))
    assert (submission.rows, submission.file_name, submission.tag) == (
        3,
        name,
        "draft-3",
    )
    assert submission.imported_by_id == submission.author_id
    event = db.scalar(
        select(AuditEvent).where(AuditEvent.action == "submission.import")
    )
    assert event is not None and "3 comments" in event.summary


def test_the_same_file_twice_imports_once(as_user: AsUser, window, db: Session) -> None:
    client = as_user("provider")
    data = _xlsx(GOOD)
    assert "3 comments imported" in _flash(client, _upload(client, "a.xlsx", data))
    again = _flash(client, _upload(client, "again.xlsx", data))
    assert "already imported on" in again and "nothing was added" in again
    assert _count(db, Comment) == 3 and _count(db, Submission) == 1
    # The upload page lists the file once.
    page = parse(client.get(f"{URL}?rev=draft-3").get_data(as_text=True))
    earlier = page.find("table", data_testid="earlier").find("tbody").find_all("tr")
    assert len(earlier) == 1 and "a.xlsx" in earlier[0].text


def test_empty_rows_are_skipped_and_rows_keep_their_numbers(
    as_user: AsUser, window, db: Session
) -> None:
    rows = [GOOD[0], ("", "", "", "", ""), (), GOOD[1], (RISK, "", "5", "", "")]
    response = _upload(as_user("provider"), "gaps.xlsx", _xlsx(rows))
    assert response.status_code == 400
    assert _problems(response) == [("6", "The comment is empty.")]
    good = _upload(as_user("provider"), "gaps.xlsx", _xlsx(rows[:4]))
    assert good.status_code == 302 and _count(db, Comment) == 2


def test_formulas_are_stored_as_their_text(
    as_user: AsUser, window, db: Session
) -> None:
    formula = '=HYPERLINK("https://example.org","click")'
    rows = [(RISK, "", "=1+1", formula, "=SUM(A1:A9)")]
    response = _upload(as_user("provider"), "formulas.xlsx", _xlsx(rows))
    assert response.status_code == 400  # "=1+1" is no line number, not 2
    assert "is not a line number" in _problems(response)[0][1]
    rows = [(RISK, "", "3", formula, "=SUM(A1:A9)")]
    assert _upload(as_user("provider"), "f.xlsx", _xlsx(rows)).status_code == 302
    comment = db.scalar(select(Comment))
    assert comment.body == formula and comment.proposed_text == "=SUM(A1:A9)"
    assert "<a" not in comment.body_html


def test_a_quote_across_a_heading_and_markup_is_found(
    as_user: AsUser, window, db: Session
) -> None:
    # As copied from the page: no "##", no "**", the line breaks as spaces.
    rows = [
        (RISK, "Recitals Signatories take into account", "", "x", ""),
        (RISK, "Explanatory note. The assessment described here", "", "y", ""),
    ]
    response = _upload(as_user("provider"), "q.csv", _csv(rows))
    assert response.status_code == 302, _problems(response)
    first, second = db.scalars(select(Comment).order_by(Comment.id))
    assert first.anchor["quote"].startswith("Recitals\n\nSignatories take")
    assert first.line_end == first.line_start + 2
    assert second.anchor["quote"].startswith("Explanatory note.**")


# -- bad rows ----------------------------------------------------------------------
def test_every_bad_row_is_reported_and_nothing_is_written(
    as_user: AsUser, window, db: Session
) -> None:
    rows = [
        GOOD[0],
        ("Chapter 9", KEEP, "", "Unknown section.", ""),
        (RISK, "words that are nowhere in the text", "", "Not found.", ""),
        (RISK, "Signatories shall", "", "Ambiguous.", ""),
        (RISK, KEEP, "", "   ", ""),
        (RISK, KEEP, "", "x" * 20_001, ""),
        (RISK, "", "twelve", "Bad lines.", ""),
        (RISK, "", "9000", "Outside.", ""),
        (RISK, "", "14-12", "Backwards.", ""),
        (RISK, "", "", "No passage.", ""),
        ("", KEEP, "", "No section.", ""),
        (RISK, KEEP, "1-3", "Quote not in those lines.", ""),
        ("Transparency and copyright", "", "3", "Not a member? yes", "y" * 20_001),
    ]
    response = _upload(as_user("academic"), "bad.xlsx", _xlsx(rows))
    assert response.status_code == 400
    problems = _problems(response)
    expected = [
        ("3", "There is no section “Chapter 9” in draft-3"),
        ("4", "The quoted passage was not found in this section"),
        ("5", "The quoted passage is found many times in this section"),
        ("6", "The comment is empty."),
        ("7", "The comment has 20,001 characters; at most 20,000"),
        ("8", "“twelve” is not a line number"),
        ("9", "Lines 9000 are not in this section, which has lines 1 to"),
        ("10", "The lines 14-12 run backwards: write 12-14."),
        ("11", "Say which passage: quote it, or give its line numbers."),
        ("12", "Say which section the comment is on."),
        ("13", "The quoted passage was not found in lines 1-3"),
        ("14", "Only members of Working Group 1 comment on this section."),
        ("14", "The proposed wording has 20,001 characters"),
    ]
    assert len(problems) == len(expected), problems
    for (row, message), (want_row, want) in zip(problems, expected, strict=True):
        assert row == want_row and message.startswith(want), (row, message)
    page = parse(response.get_data(as_text=True))
    assert "Nothing was imported" in page.find(data_testid="problems").text
    assert _count(db, Comment) == 0 and _count(db, Submission) == 0


def test_a_quote_found_twice_asks_for_more_words(
    as_user: AsUser, window, seeded_store: DraftStore
) -> None:
    text = seeded_store.read("draft-3", "risk-assessment.md").text
    words = "Signatories shall"
    times = text.count(words)
    assert times >= 10
    response = _upload(as_user("provider"), "a.csv", _csv([(RISK, words, "", "x", "")]))
    assert "found many times" in _problems(response)[0][1]
    # Within lines that hold it twice, it says twice.
    lines = text.split("\n")
    pairs = [
        n
        for n in range(len(lines) - 1)
        if "\n".join(lines[n : n + 2]).count(words) == 2
    ]
    start = pairs[0] + 1
    rows = [(RISK, words, f"{start}-{start + 1}", "x", "")]
    response = _upload(as_user("provider"), "b.csv", _csv(rows))
    assert "is found 2 times in lines" in _problems(response)[0][1]


# -- bad files ---------------------------------------------------------------------
def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _patched(data: bytes, part: str, change: Callable[[bytes], bytes]) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        entries = {i.filename: source.read(i) for i in source.infolist()}
    entries[part] = change(entries[part])
    return _zip(entries)


SHEET = "xl/worksheets/sheet1.xml"


def _bad_files() -> list[tuple[str, bytes, str]]:
    good = _xlsx(GOOD)
    return [
        ("empty.csv", b"", "empty.csv is empty."),
        ("notes.pdf", b"%PDF-1.7 ...", "is not a file we can read"),
        ("fake.xlsx", b"Section,Comment\n", "is not an Excel workbook, although"),
        ("fake.csv", good, "is not a CSV text file, although"),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "older Excel"),
        ("old.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "older Excel"),
        ("sheet.ods", _zip({"mimetype": b"x"}), "OpenDocument"),
        ("zip.xlsx", _zip({"a.txt": b"hello"}), "is a zip file but not an Excel"),
        ("cut.xlsx", good[: len(good) // 2], "is damaged or is not an Excel"),
        (
            "broken.xlsx",
            _patched(good, SHEET, lambda x: x[: len(x) // 2]),
            "is damaged or is not an Excel",
        ),
        (
            "dtd.xlsx",
            _patched(
                good,
                "xl/workbook.xml",
                lambda x: b'<!DOCTYPE x [<!ENTITY a "aaaa">]>' + x,
            ),
            "never write (a DTD)",
        ),
        (
            "latin1.csv",
            _csv([(RISK, "", "3", "Très bien", "")], bom=False)
            .decode("utf-8")
            .encode("latin-1"),
            "is not UTF-8 text: byte 0xE8 on line 2",
        ),
        ("utf16.csv", "Section,Comment".encode("utf-16"), "is UTF-16 text"),
        ("nohead.csv", b"a,b,c\n1,2,3\n", "The first row must hold the template's"),
        ("head.csv", _csv([]), "The file has no comments"),
        (
            "huge.csv",
            _csv([(RISK, "", "3", "x" * 1000, "")] * 2040),
            "is 2.03 MB; a file may be at most 2 MB",
        ),
    ]


@pytest.mark.parametrize(
    ("name", "data", "message"), _bad_files(), ids=[f[0] for f in _bad_files()]
)
def test_bad_files_are_refused_with_a_plain_message(
    as_user: AsUser, window, db: Session, name: str, data: bytes, message: str
) -> None:
    response = _upload(as_user("provider"), name, data)
    assert response.status_code == 400
    [(row, text)] = _problems(response)
    assert row == "" and message in text, text
    assert _count(db, Comment) == 0 and _count(db, Submission) == 0


def test_spreadsheet_bombs_are_refused_quickly(as_user: AsUser, window) -> None:
    client = as_user("provider")
    good = _xlsx(GOOD)
    declared = _patched(
        good,
        SHEET,
        lambda x: re.sub(
            rb'<dimension ref="[^"]+"/>', b'<dimension ref="A1:XFD1048576"/>', x
        ),
    )
    # A real row far down, no dimension: read rows stop at the cap.
    far = _patched(
        good,
        SHEET,
        lambda x: re.sub(rb"<dimension[^>]*/>", b"", x).replace(
            b"</sheetData>",
            b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c>'
            b"</row></sheetData>",
        ),
    )
    # Huge shared strings: 60 MB of text that compresses to almost nothing.
    with zipfile.ZipFile(io.BytesIO(good)) as source:
        entries = {i.filename: source.read(i) for i in source.infolist()}
    entries["xl/sharedStrings.xml"] = (
        b"<sst><si><t>" + b"a" * 60_000_000 + b"</t></si></sst>"
    )
    inflated = _zip(entries)
    many = _xlsx([(RISK, "", "3", f"Comment {n}", "") for n in range(3000)])
    cells = _patched(
        good,
        SHEET,
        lambda x: x.replace(
            b"</sheetData>",
            b'<row r="20">' + b"<c/>" * 600_000 + b"</row></sheetData>",
        ),
    )
    cases = [
        (declared, "1,048,576 rows and 16,384 columns"),
        (far, "goes on past row 10,000"),
        (inflated, "unpacks to"),
        (many, "more than 2,000 rows"),
        (cells, "holds 600,"),
    ]
    for data, message in cases:
        assert len(data) < 2 * 1024 * 1024
        started = time.perf_counter()
        response = _upload(client, "bomb.xlsx", data)
        took = time.perf_counter() - started
        assert response.status_code == 400
        [(_row, text)] = _problems(response)
        assert message in text, text
        assert took < 3, (message, took)


# -- who may, and when ---------------------------------------------------------------
def test_closed_window_refuses_the_upload(
    as_user: AsUser, db: Session, seeded: Code, window
) -> None:
    window.closes_at = utcnow() - timedelta(minutes=1)
    db.commit()
    client = as_user("provider")
    page = parse(client.get(f"{URL}?rev=draft-3").get_data(as_text=True))
    assert page.find("form", data_testid="upload-form") is None
    assert "closed on" in page.find(data_testid="no-upload").text
    response = _upload(client, "late.xlsx", _xlsx(GOOD))
    assert response.status_code == 403
    assert "closed on" in parse(response.get_data(as_text=True)).text
    # Without any round the page says so too.
    other = parse(client.get(f"{URL}?rev=draft-2").get_data(as_text=True))
    assert "Comments are taken on published iterations" in other.text
    assert _count(db, Comment) == 0


def test_observers_and_non_members_are_refused(
    as_user: AsUser, window, db: Session
) -> None:
    response = _upload(as_user("observer"), "obs.xlsx", _xlsx(GOOD))
    assert response.status_code == 403
    assert (
        "Observers may read this round" in parse(response.get_data(as_text=True)).text
    )
    assert _count(db, Comment) == 0


def test_the_ai_office_imports_on_behalf_of_a_participant(
    as_user: AsUser, window, db: Session
) -> None:
    office = as_user("ai-office")
    page = parse(office.get(f"{URL}?rev=draft-3").get_data(as_text=True))
    select_ = page.find("select", data_testid="author")
    emails = [o.attrs["value"] for o in select_.find_all("option")]
    assert _email("provider") in emails and emails[0] == ""
    response = _upload(office, "mailed.xlsx", _xlsx(GOOD), author=_email("provider"))
    assert "3 comments imported" in _flash(office, response)
    provider = accounts.find_user(db, _email("provider"))
    office_user = accounts.find_user(db, _email("ai-office"))
    assert {c.author_id for c in db.scalars(select(Comment))} == {provider.id}
    submission = db.scalar(select(Submission))
    assert submission.author_id == provider.id
    assert submission.imported_by_id == office_user.id
    unknown = _upload(office, "m.xlsx", _xlsx(GOOD), author="nobody@example.org")
    assert unknown.status_code == 400
    assert "no account with the e-mail" in parse(unknown.get_data(as_text=True)).text
    # The participant's own page lists it among their files.
    mine = parse(as_user("provider").get(f"{URL}?rev=draft-3").get_data(as_text=True))
    assert "mailed.xlsx" in mine.find("table", data_testid="earlier").text


def test_a_participant_cannot_import_for_someone_else(
    as_user: AsUser, window, db: Session
) -> None:
    client = as_user("provider")
    page = parse(client.get(f"{URL}?rev=draft-3").get_data(as_text=True))
    assert page.find("select", data_testid="author") is None
    response = _upload(client, "x.xlsx", _xlsx(GOOD), author=_email("civil-society"))
    assert response.status_code == 403
    assert _count(db, Comment) == 0 and _count(db, Submission) == 0


def test_the_comment_window_links_to_the_upload_page(as_user: AsUser, window) -> None:
    html = (
        as_user("provider")
        .get("/c/gpai-code/s/risk-assessment.md?rev=draft-3")
        .get_data(as_text=True)
    )
    link = parse(html).find("a", data_testid="spreadsheet-link")
    assert link is not None
    assert link.attrs["href"] == f"{URL}?rev=draft-3"
    page = parse(as_user("provider").get(link.attrs["href"]).get_data(as_text=True))
    assert page.find(data_testid="window").text.startswith("The comment window is open")
    assert page.find("form", data_testid="upload-form") is not None


# -- the service directly ----------------------------------------------------------
def test_parse_reads_columns_by_name_and_cleans_cells() -> None:
    header = ("Comment", "Notes", "SECTION", "Line numbers", "Quote")
    data = _csv([("  text\r\nmore ", "ignored", "preamble.md", "3", "")], header)
    [row] = service.parse("x.csv", data)
    assert row == service.Row(2, "preamble.md", "", "3", "text\nmore", "")


# -- the command line --------------------------------------------------------------
def _run(db_url: str, data: Path, *args: str):
    return CliRunner().invoke(
        main,
        ["--data", str(data), *args],
        env={"DATABASE_URL": db_url},
        catch_exceptions=False,
    )


def test_command_line_template_import_and_export(
    db_url: str, data_dir: Path, db: Session, seeded: Code, window, tmp_path: Path
) -> None:
    code = ["--code", "gpai-code"]
    xlsx, csv_file = tmp_path / "t.xlsx", tmp_path / "t.csv"
    result = _run(
        db_url,
        data_dir,
        "comments",
        "template",
        *code,
        "--iteration",
        "draft-3",
        "-o",
        str(xlsx),
    )
    assert result.exit_code == 0, result.output
    assert load_workbook(xlsx).sheetnames[0] == "Comments"
    result = _run(
        db_url,
        data_dir,
        "comments",
        "template",
        *code,
        "--iteration",
        "draft-3",
        "-o",
        str(csv_file),
    )
    assert result.exit_code == 0 and csv_file.read_bytes().startswith(b"\xef\xbb\xbf")
    bad = _run(
        db_url,
        data_dir,
        "comments",
        "template",
        *code,
        "--iteration",
        "draft-9",
        "-o",
        str(xlsx),
    )
    assert bad.exit_code == 1 and "no published iteration draft-9" in bad.output

    wrong = tmp_path / "wrong.xlsx"
    wrong.write_bytes(_xlsx([GOOD[0], ("Chapter 9", "", "3", "x", "")]))
    args = ["comments", "import", *code, "--iteration", "draft-3"]
    refused = _run(db_url, data_dir, *args, str(wrong), "--as", _email("provider"))
    assert refused.exit_code == 1
    assert "row 3: There is no section “Chapter 9”" in refused.output
    assert "Nothing was imported" in refused.output
    assert _count(db, Comment) == 0

    good = tmp_path / "good.xlsx"
    good.write_bytes(_xlsx(GOOD))
    done = _run(db_url, data_dir, *args, str(good), "--as", _email("provider"))
    assert done.exit_code == 0, done.output
    assert "3 comments imported for provider@" in done.output
    again = _run(db_url, data_dir, *args, str(good), "--as", _email("provider"))
    assert again.exit_code == 0 and "already imported" in again.output
    assert _count(db, Comment) == 3
    submission = db.scalar(select(Submission))
    assert submission.imported_by_id is None
    nobody = _run(db_url, data_dir, *args, str(good), "--as", "nobody@example.org")
    assert nobody.exit_code == 1 and "no account" in nobody.output

    first = db.scalar(select(Comment).order_by(Comment.id))
    db.add(
        Disposition(
            comment_id=first.id,
            kind=DispositionKind.ACCEPTED,
            response="We define it in the Glossary.",
        )
    )
    db.commit()
    out_csv, out_xlsx = tmp_path / "all.csv", tmp_path / "all.xlsx"
    for fmt, out in (("csv", out_csv), ("xlsx", out_xlsx)):
        result = _run(
            db_url,
            data_dir,
            "comments",
            "export",
            *code,
            "--format",
            fmt,
            "-o",
            str(out),
        )
        assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out_csv.read_bytes().decode("utf-8-sig"))))
    # By section in the Code's order, then by line.
    assert [(r["Section"], r["Place"][:8]) for r in rows] == [
        (RISK, "line 7, "),
        (RISK, "line 149"),
        ("Internal risk management and governance", "lines 12"),
    ]
    answered = rows[1]
    assert answered["Passage"] == KEEP
    assert answered["Disposition"] == "Accepted [not released]"
    assert answered["Response"] == "We define it in the Glossary."
    assert answered["Organisation"] == "Northwind Models SE"
    assert answered["Where it landed"] == "Written on draft-3"
    assert rows[0]["Disposition"] == rows[0]["Response"] == ""
    sheet = load_workbook(out_xlsx).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][-2:] == ("Disposition", "Response") and len(values) == 4
    assert values[2][-2] == "Accepted [not released]"
    assert values[2][3] == KEEP
