"""The statistics page and its CSV downloads, on the demo Code with comments
posted through the service during draft-3's round."""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from cop_drafts.db.models import (
    Code,
    Comment,
    CommentKind,
    Disposition,
    DispositionKind,
    Visibility,
    utcnow,
)
from cop_drafts.services import accounts, comments, demo, rounds, statistics
from cop_drafts.store.repo import DraftStore
from tests.story import (
    DROP,
    KEEP,
    REWORD,
    open_round_on_draft_3,
    post_comment,
    publish_through_form,
    rework_main,
)

from .html import Node, parse

AsUser = Callable[[str | None], FlaskClient]
STATS = "/c/gpai-code/statistics"
RISK = "risk-assessment.md"  # Working Group 2
TRANSPARENCY = "transparency-copyright.md"  # Working Group 1
GOVERNANCE = "governance.md"  # Working Group 4
LINES = re.compile(r"Lines (\d+)\u2013(\d+): ([\d,]+) comments?")


def _user(db: Session, key: str):
    user = accounts.find_user(db, f"{key}@{demo.DOMAIN}")
    assert user is not None
    return user


def _line(store: DraftStore, path: str, needle: str, rev: str = "draft-3") -> int:
    text = store.read(rev, path).text
    return text[: text.index(needle)].count("\n") + 1


def _nth_text_line(store: DraftStore, path: str, n: int) -> int:
    """The line number of the n-th non-blank line of `path` at draft-3."""
    lines = store.read("draft-3", path).text.split("\n")
    return [i for i, line in enumerate(lines, 1) if line.strip()][n]


def _post(
    db: Session,
    store: DraftStore,
    code: Code,
    key: str,
    path: str,
    line: int,
    kind: CommentKind = CommentKind.COMMENT,
) -> Comment:
    body = f"{key} on line {line}"
    return post_comment(
        db, store, code, key, path=path, line=line, body=body, kind=kind
    )


def _answer(db: Session, comment: Comment, kind, released: bool) -> None:
    db.add(
        Disposition(
            comment_id=comment.id,
            kind=kind,
            released_at=utcnow() if released else None,
        )
    )
    db.commit()


@pytest.fixture
def posted(db: Session, seeded: Code, seeded_store: DraftStore) -> dict[str, Comment]:
    """Eight counted comments on draft-3 (WG2: 5, WG1: 2, WG4: 1), a reply, a
    note and a withdrawn comment that are not, and some answers."""
    open_round_on_draft_3(db, seeded)
    s, c = seeded_store, seeded
    keep, reword, drop = (_line(s, RISK, q) for q in (KEEP, REWORD, DROP))
    wg1, wg4 = _nth_text_line(s, TRANSPARENCY, 3), _nth_text_line(s, GOVERNANCE, 5)
    made = {
        "keep": _post(db, s, c, "provider", RISK, keep),
        "reword": _post(db, s, c, "provider", RISK, reword),
        "drop": _post(db, s, c, "civil-society", RISK, drop),
        "keep2": _post(db, s, c, "civil-society", RISK, keep),
        "academic": _post(db, s, c, "academic", RISK, reword),
        "wg1": _post(db, s, c, "provider", TRANSPARENCY, wg1),
        "wg1b": _post(db, s, c, "rightsholder", TRANSPARENCY, wg1),
        "wg4": _post(db, s, c, "industry", GOVERNANCE, wg4),
    }
    chair = _user(db, "wg2-chair")
    comments.reply(db, c, chair, made["keep"].id, "Thank you.", uuid.uuid4().hex)
    _post(db, s, c, "wg2-chair", RISK, keep, CommentKind.NOTE)
    gone = _post(db, s, c, "academic", RISK, drop)
    comments.withdraw(db, c, _user(db, "academic"), gone.id)
    _answer(db, made["keep"], DispositionKind.ACCEPTED, released=True)
    _answer(db, made["drop"], DispositionKind.NOT_ACCEPTED, released=False)
    _answer(db, made["wg1"], DispositionKind.NOTED, released=True)
    _answer(db, made["wg4"], DispositionKind.PARTIAL, released=False)
    _answer(db, made["academic"], None, released=False)  # assigned, no answer yet
    return made


def _page(client: FlaskClient, query: str = "") -> Node:
    response = client.get(STATS + query)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return parse(response.get_data(as_text=True))


def _csv(client: FlaskClient, chart: str, query: str = "") -> list[list[str]]:
    response = client.get(f"{STATS}/{chart}.csv{query}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def _svg_texts(page: Node, chart: str) -> list[str]:
    svg = page.find("svg", id=f"chart-{chart}")
    assert svg is not None
    assert svg.attrs["role"] in ("img", "group")
    assert svg.find("title") is not None and svg.find("desc") is not None
    return [t.text for t in svg.find_all("text")]


def _bars(page: Node, chart: str) -> list[tuple[str, int]]:
    """(label, number) of each bar of a bar chart, as drawn."""
    svg = page.find("svg", id=f"chart-{chart}")
    assert svg is not None
    out = []
    for group in svg.find_all("g"):
        label, value = (t.text for t in group.find_all("text"))
        out.append((label, int(value.replace(",", ""))))
    return out


def _table(page: Node, chart: str) -> list[list[str]]:
    table = page.find("table", data_testid=f"table-{chart}")
    assert table is not None
    return [[cell.text for cell in tr.find_all("td")] for tr in table.find_all("tr")][
        1:
    ]


def test_counts_per_working_group_section_and_category(
    as_user: AsUser, posted: dict[str, Comment]
) -> None:
    client = as_user("observer")
    page = _page(client)
    assert page.find(data_testid="total").text == "8"
    wgs = dict(_bars(page, "working-groups"))
    assert wgs == {
        "Working Group 1": 2,
        "Working Group 2": 5,
        "Working Group 3": 0,
        "Working Group 4": 1,
        "Coordinating Chair's sections": 0,
    }
    sections = _bars(page, "sections")
    assert [label for label, _n in sections][:3] == [
        "Preamble",
        "Transparency and copyright",
        "Risk identification and assessment",
    ]
    assert dict(sections)["Risk identification and assessment"] == 5
    assert sum(n for _label, n in sections) == 8
    categories = _bars(page, "categories")
    assert categories[0] == ("General-purpose AI model provider", 3)
    assert dict(categories)["Civil society organisation"] == 2
    assert dict(categories)["Member State or public body"] == 0
    assert sum(n for _label, n in categories) == 8
    # The plain table says the same as the picture.
    assert [(a, int(b)) for a, b in _table(page, "working-groups")] == list(wgs.items())


@pytest.mark.parametrize("chart", ["working-groups", "sections", "categories"])
def test_csv_numbers_equal_the_chart(
    as_user: AsUser, posted: dict[str, Comment], chart: str
) -> None:
    client = as_user("provider")
    drawn = _bars(_page(client), chart)
    rows = _csv(client, chart)
    assert rows[0][0] in ("Working Group", "Section", "Stakeholder category")
    assert [(row[0], int(row[-1])) for row in rows[1:]] == drawn


def _answers(page: Node) -> dict[str, list[int]]:
    """Per Working Group, the five numbers drawn under its bar."""
    texts = _svg_texts(page, "answers")[len(statistics.ANSWERS) :]
    out = {}
    for i in range(0, len(texts), 6):
        label = texts[i].split(" \u00b7 ")[0]
        out[label] = [int(n) for n in texts[i + 1 : i + 6]]
    return out


def test_participants_count_released_answers_only(
    as_user: AsUser, posted: dict[str, Comment]
) -> None:
    # Accepted, Partially, Not accepted, Noted, Not yet answered
    page = _page(as_user("provider"))
    drawn = _answers(page)
    assert drawn["Working Group 2"] == [1, 0, 0, 0, 4]
    assert drawn["Working Group 1"] == [0, 0, 0, 1, 1]
    assert drawn["Working Group 4"] == [0, 0, 0, 0, 1]
    assert (
        "Only answers the Chairs have released"
        in page.find(data_testid="answers-note").text
    )
    rows = {
        row[0]: [int(n) for n in row[1:]]
        for row in _csv(as_user("provider"), "answers")[1:]
    }
    assert rows["Working Group 2"] == [1, 0, 0, 0, 4, 5]


def test_chairs_count_their_own_draft_answers(
    as_user: AsUser, posted: dict[str, Comment]
) -> None:
    chair = _answers(_page(as_user("wg2-chair")))
    assert chair["Working Group 2"] == [1, 0, 1, 0, 3]
    assert chair["Working Group 4"] == [0, 0, 0, 0, 1]  # not their group
    coordinator = _answers(_page(as_user("coordinator")))
    assert coordinator["Working Group 2"] == [1, 0, 1, 0, 3]
    assert coordinator["Working Group 4"] == [0, 1, 0, 0, 0]
    rows = _csv(as_user("wg2-chair"), "answers")
    assert rows[0] == [
        "Working Group",
        "Accepted",
        "Partially accepted",
        "Not accepted",
        "Noted",
        "Not yet answered",
        "Comments",
    ]
    assert [int(n) for n in rows[2][1:]] == [1, 0, 1, 0, 3, 5]


def _links(page: Node) -> list[tuple[str, int, int, int, int]]:
    """(path, rev-less line, band start, band end, count) of every strip link."""
    svg = page.find("svg", id="chart-density")
    assert svg is not None and svg.attrs["role"] == "group"
    out = []
    for a in svg.find_all("a"):
        href = a.attrs["href"]
        match = re.fullmatch(r"/c/gpai-code/s/([\w.-]+)\?rev=([\w-]+)#line-(\d+)", href)
        assert match, href
        start, end, n = LINES.match(a.attrs["aria-label"]).groups()
        out.append(
            (f"{match[1]}@{match[2]}", int(match[3]), int(start), int(end), int(n))
        )
    return out


def test_density_links_open_the_commented_lines(
    as_user: AsUser, posted: dict[str, Comment], seeded_store: DraftStore
) -> None:
    page = _page(as_user("academic"))
    links = _links(page)
    lines = {
        path: sorted(c.line_start for c in posted.values() if c.path == path)
        for path in (RISK, TRANSPARENCY, GOVERNANCE)
    }
    assert {link[0] for link in links} == {f"{p}@draft-3" for p in lines}
    for where, line, start, end, n in links:
        on = [x for x in lines[where.split("@")[0]] if start <= x <= end]
        # The link opens the first commented line of its band, and the band
        # counts the comments on it.
        assert line == on[0] and n == len(on)
    keep = _line(seeded_store, RISK, KEEP)
    # Two comments on KEEP's line: its band counts both.
    [band] = [link for link in links if link[2] <= keep <= link[3]]
    assert band[4] >= 2
    # The table beside it links the same passages.
    table = page.find("table", data_testid="table-density")
    hrefs = [a.attrs["href"] for a in table.find_all("a")]
    assert len(hrefs) == len(links)
    assert all(
        h.endswith(f"#line-{link[1]}") for h, link in zip(hrefs, links, strict=True)
    )


def test_density_csv_equals_the_strip(
    as_user: AsUser, posted: dict[str, Comment], seeded_store: DraftStore
) -> None:
    client = as_user("coordinator")
    svg = _page(client).find("svg", id="chart-density")
    drawn = [
        tuple(int(x.replace(",", "")) for x in LINES.match(t.text).groups())
        for t in svg.find_all("title")
        if LINES.match(t.text)
    ]
    rows = _csv(client, "density")
    assert rows[0] == list(statistics.DENSITY_COLUMNS)
    assert [(int(r[3]), int(r[4]), int(r[5])) for r in rows[1:]] == drawn
    risk = [r for r in rows[1:] if r[1] == RISK]
    # The bands run from the first line to the last.
    lines = seeded_store.read("draft-3", RISK).text.count("\n")
    assert risk[0][3] == "1" and risk[-1][4] == str(lines)


def test_density_on_the_next_iteration_uses_where_comments_landed(
    as_user: AsUser, posted: dict[str, Comment], seeded_store: DraftStore
) -> None:
    rework_main(seeded_store)
    _review, confirm = publish_through_form(as_user("ai-office"))
    assert confirm is not None and confirm.status_code == 302
    client = as_user("civil-society")
    page = _page(client, "?round=draft-3")
    risk = [link for link in _links(page) if link[0] == f"{RISK}@draft-4"]
    keep = _line(seeded_store, RISK, KEEP, rev="draft-4")
    assert any(line == keep for _w, line, _s, _e, _n in risk)
    # The dropped passage's comment is on removed text, said and counted.
    strip_texts = _svg_texts(page, "density")
    assert any(t.endswith(" \u00b7 1 more on removed text") for t in strip_texts)
    rows = _csv(client, "density", "?round=draft-3")
    assert [r for r in rows if r[2] == statistics.REMOVED] == [
        ["Risk identification and assessment", RISK, "On removed text", "", "", "1"]
    ]
    placed = sum(
        int(r[5]) for r in rows[1:] if r[1] == RISK and r[2] != "On removed text"
    )
    assert placed >= 4


def test_a_round_kept_to_the_chairs_still_counts(
    as_user: AsUser, db: Session, seeded: Code, seeded_store: DraftStore
) -> None:
    rounds.open_round(
        db,
        seeded,
        _user(db, "ai-office"),
        rounds.RoundInput(
            tag="draft-3",
            plenary_at=utcnow() - timedelta(hours=1),
            visibility=Visibility.CHAIRS,
            observers_may_comment=False,
        ),
    )
    _post(
        db, seeded_store, seeded, "civil-society", RISK, _line(seeded_store, RISK, KEEP)
    )
    page = _page(as_user("academic"))
    assert page.find(data_testid="total").text == "1"
    assert dict(_bars(page, "working-groups"))["Working Group 2"] == 1


def test_no_round_yet_and_unknown_names(as_user: AsUser) -> None:
    client = as_user("observer")
    page = _page(client)
    assert page.find(data_testid="no-round") is not None
    assert page.find("svg") is None
    assert _csv(client, "sections") == [["Section", "File", "Comments"]]
    assert client.get(f"{STATS}?round=draft-1").status_code == 404
    assert client.get(f"{STATS}/nothing.csv").status_code == 404


def test_public_visitors_get_404(as_user: AsUser, posted: dict[str, Comment]) -> None:
    visitor = as_user(None)
    assert visitor.get(STATS).status_code == 404
    for chart in statistics.CHARTS:
        assert visitor.get(f"{STATS}/{chart}.csv").status_code == 404
    front = parse(visitor.get("/c/gpai-code").get_data(as_text=True))
    assert front.find(data_testid="statistics-link") is None
    front = parse(as_user("observer").get("/c/gpai-code").get_data(as_text=True))
    link = front.find("a", data_testid="statistics-link")
    assert link is not None and link.attrs["href"] == STATS
