"""The pages through the Flask test client, on the demo store and a real DB."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient

from cop_drafts.app import create_app, web
from cop_drafts.store.repo import DraftStore

from .html import parse

AsUser = Callable[[str | None], FlaskClient]
SECTION = "risk-assessment.md"


def test_code_overview_lists_sections_iterations_and_branches(as_user: AsUser) -> None:
    page = parse(as_user("provider").get("/c/gpai-code").get_data(as_text=True))
    sections = page.find("ol", data_testid="sections")
    assert sections is not None
    titles = [li.text for li in sections.find_all("li")]
    assert len(titles) >= 6
    assert any("Working Group 2" in t for t in titles)
    iterations = page.find("ul", data_testid="iterations")
    assert iterations is not None
    tags = [a.text for a in iterations.find_all("strong")]
    assert tags == ["draft-3", "draft-2", "draft-1"]
    branches = page.find("table", data_testid="branches")
    assert branches is not None
    names = [code.text for code in branches.find("tbody").find_all("code")][::2]
    assert names[:5] == ["main", "wg/1", "wg/2", "wg/3", "wg/4"]


def test_section_renders_blocks_with_line_ranges(
    as_user: AsUser, seeded_store: DraftStore
) -> None:
    response = as_user("provider").get(f"/c/gpai-code/s/{SECTION}?rev=draft-2")
    assert response.status_code == 200
    doc = parse(response.get_data(as_text=True)).find("article", data_testid="document")
    assert doc is not None
    assert doc.attrs["data-commit"] == seeded_store.resolve("draft-2")
    blocks = [n for n in doc.children if "data-line-start" in n.attrs]
    assert len(blocks) > 20
    source = seeded_store.read("draft-2", SECTION).text.splitlines()
    for block in blocks:
        start, end = (
            int(block.attrs["data-line-start"]),
            int(block.attrs["data-line-end"]),
        )
        assert 1 <= start <= end <= len(source) + 1
        assert source[start - 1].strip(), "a block starts on a blank line"
    assert doc.find("table") is not None
    assert doc.find("h1") is not None and doc.find("h1").attrs.get("id")


@pytest.mark.parametrize("rev", ["draft-1", "wg/2", "main"])
def test_version_picker_accepts_tags_branches(
    as_user: AsUser, rev: str, seeded_store: DraftStore
) -> None:
    page = parse(
        as_user("wg2-chair")
        .get(f"/c/gpai-code/s/{SECTION}?rev={rev}")
        .get_data(as_text=True)
    )
    assert page.find(data_testid="commit-id").text == seeded_store.resolve(rev)[:10]
    select = page.find("select", data_testid="rev-select")
    selected = [
        o.attrs["value"] for o in select.find_all("option") if "selected" in o.attrs
    ]
    assert selected == [rev]


def test_commit_ids_full_and_short_open(
    as_user: AsUser, seeded_store: DraftStore
) -> None:
    commit = seeded_store.history("main", SECTION)[-1].commit_id
    client = as_user("observer")
    for rev in (commit, commit[:8]):
        page = parse(
            client.get(f"/c/gpai-code/s/{SECTION}?rev={rev}").get_data(as_text=True)
        )
        assert page.find(data_testid="commit-id").text == commit[:10]


@pytest.mark.parametrize(
    "url",
    [
        f"/c/gpai-code/s/{SECTION}?rev=draft-9",
        f"/c/gpai-code/s/{SECTION}?rev=HEAD~1",
        f"/c/gpai-code/s/{SECTION}?rev=deadbeefdeadbeef",
        "/c/gpai-code/s/missing.md",
        "/c/gpai-code/s/..%2F..%2Fetc%2Fpasswd",
        "/c/gpai-code/s/code.toml",
        "/c/no-such-code",
        "/c/Bad_Slug!",
        f"/c/gpai-code/history/{SECTION}?rev=nope",
        "/c/gpai-code/blame/nope.md",
    ],
)
def test_unknown_things_answer_404_not_500(as_user: AsUser, url: str) -> None:
    response = as_user("provider").get(url)
    assert response.status_code == 404
    assert parse(response.get_data(as_text=True)).find(data_status="404") is not None


def test_history_lists_commits_with_authors_and_links(
    as_user: AsUser, seeded_store: DraftStore
) -> None:
    page = parse(
        as_user("provider")
        .get(f"/c/gpai-code/history/{SECTION}?rev=draft-3")
        .get_data(as_text=True)
    )
    items = page.find("ol", data_testid="history").find_all("li", class_="commit")
    expected = seeded_store.history("draft-3", SECTION)
    assert len(items) == len(expected) >= 4
    authors = {c.author_name for c in expected}
    assert len(authors) >= 2, "the demo history has several authors"
    first_link = items[0].find("a").attrs["href"]
    assert expected[0].commit_id in first_link


def test_blame_names_the_last_change_of_every_line(
    as_user: AsUser, seeded_store: DraftStore
) -> None:
    response = as_user("provider").get(f"/c/gpai-code/blame/{SECTION}?rev=draft-3")
    rows = (
        parse(response.get_data(as_text=True))
        .find("table", data_testid="blame")
        .find("tbody")
        .find_all("tr")
    )
    lines = seeded_store.read("draft-3", SECTION).text.splitlines()
    assert len(rows) == len(lines)
    # Each name opens that change ("change=") or the text at it ("rev=").
    queries = [
        parse_qs(urlsplit(a.attrs["href"]).query) for r in rows for a in r.find_all("a")
    ]
    commits = {(q.get("change") or q.get("rev") or [""])[0] for q in queries}
    assert len(commits - {""}) >= 2


def test_second_view_is_served_from_cache(app, as_user: AsUser, data_dir) -> None:
    client = as_user("provider")
    url = f"/c/gpai-code/s/{SECTION}?rev=draft-1"

    def document() -> str:
        page = parse(client.get(url).get_data(as_text=True))
        return page.find("article", data_testid="document").text

    first = document()
    cached = [p for p in (data_dir / "cache").rglob("*") if p.is_file()]
    assert cached, "the rendered section was not cached"
    for path in cached:  # the cache is what is served: mark it and see the mark
        path.write_text(path.read_text().replace("Risk identification", "CACHED"))
    second = document()
    assert "CACHED" in second and second != first


def test_public_visitor_sees_nothing_until_an_iteration_is_public(
    as_user: AsUser,
) -> None:
    visitor = as_user(None)
    page = parse(visitor.get("/c/gpai-code").get_data(as_text=True))
    assert page.find(data_testid="nothing-public") is not None
    assert visitor.get(f"/c/gpai-code/s/{SECTION}?rev=draft-2").status_code == 404
    assert visitor.get(f"/c/gpai-code/s/{SECTION}?rev=main").status_code == 404
    assert visitor.get(f"/c/gpai-code/history/{SECTION}").status_code == 302

    office = as_user("ai-office")
    from tests.conftest import csrf_token

    token = csrf_token(office, "/c/gpai-code")
    response = office.post(
        "/c/gpai-code/iterations/draft-2/visibility",
        data={"public": "1", "csrf_token": token},
    )
    assert response.status_code == 302

    page = parse(visitor.get("/c/gpai-code").get_data(as_text=True))
    assert [
        s.text for s in page.find("ul", data_testid="iterations").find_all("strong")
    ] == ["draft-2"]
    assert visitor.get(f"/c/gpai-code/s/{SECTION}?rev=draft-2").status_code == 200
    assert visitor.get(f"/c/gpai-code/s/{SECTION}?rev=draft-3").status_code == 404
    assert visitor.get(f"/c/gpai-code/s/{SECTION}?rev=wg/2").status_code == 404

    # Served again (now from the public page cache), then hidden: gone at once.
    assert visitor.get(f"/c/gpai-code/s/{SECTION}?rev=draft-2").status_code == 200
    token = csrf_token(office, "/c/gpai-code")
    office.post(
        "/c/gpai-code/iterations/draft-2/visibility",
        data={"public": "0", "csrf_token": token},
    )
    assert visitor.get(f"/c/gpai-code/s/{SECTION}?rev=draft-2").status_code == 404


def test_markdown_raw_html_and_scripts_render_inert(
    as_user: AsUser, seeded_store: DraftStore
) -> None:
    from cop_drafts.store.repo import Person

    evil = (
        "# Title\n\n<script>alert(1)</script>\n\n[click](javascript:alert(2))\n\n"
        '<img src=x onerror="alert(3)">\n'
    )
    base = seeded_store.resolve("wg/2")
    seeded_store.save(
        "wg/2",
        SECTION,
        evil,
        base=base,
        author=Person("X", "x@example.org"),
        message="evil",
    )
    html = (
        as_user("provider")
        .get(f"/c/gpai-code/s/{SECTION}?rev=wg/2")
        .get_data(as_text=True)
    )
    doc = parse(html).find("article", data_testid="document")
    assert doc.find("script") is None and doc.find("img") is None
    assert all(
        not a.attrs.get("href", "").startswith("javascript") for a in doc.find_all("a")
    )
    assert "<script>alert(1)</script>" in doc.text


def test_oversized_request_gets_a_clear_413(as_user: AsUser) -> None:
    response = as_user("provider").post(
        "/login", data={"email": "x" * (3 * 1024 * 1024)}
    )
    assert response.status_code == 413
    page = parse(response.get_data(as_text=True))
    assert "2 MB" in page.find(data_testid="error-message").text


def test_wrong_method_gets_405_page(as_user: AsUser) -> None:
    response = as_user("provider").post("/c/gpai-code")
    assert response.status_code == 405
    assert parse(response.get_data(as_text=True)).find(data_status="405") is not None


def test_security_headers(as_user: AsUser) -> None:
    response = as_user(None).get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_pages_cache_is_kept_within_its_setting(
    data_dir: Path, db_url: str
) -> None:
    app = create_app(
        {"data_dir": data_dir, "database_url": db_url, "testing": True}
        | {"cache_max_mb": 3}
    )
    with app.app_context():
        assert web.cache().max_bytes == 3 * 1024 * 1024
    app.extensions["cop_drafts.engine"].dispose()
