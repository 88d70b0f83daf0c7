"""The standalone redline document: the template, the app's CSS, nothing fetched."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from cop_drafts.config import shipped
from cop_drafts.services.redline_document import document_html, standalone_html
from cop_drafts.text.diff import PagePart, diff_texts

OLD = "# Scope\n\nProviders keep records for five years.\n\nGone soon.\n"
NEW = "# Scope\n\nProviders keep records for ten years.\n"


def test_document_inlines_the_apps_redline_css_and_fetches_nothing() -> None:
    page, line = standalone_html(
        OLD, NEW, title="Scope & <more>", old_label="draft 2", new_label="3"
    )
    assert line == diff_texts(OLD, NEW).summary_line()
    head, body = page.split("</head>", 1)
    redline_css = (shipped("web") / "static/css/redline.css").read_text()
    assert redline_css.split("*/", 1)[1].strip()[:200] in head
    assert "--font-doc" in head  # app.css's variables, which the frame uses
    assert "default-src 'none'" in head and "<script" not in page
    assert not re.search(r"url\(|<link|<img|@import|src=", page, re.I)
    assert "<title>Scope &amp; &lt;more&gt;</title>" in head
    assert "<b>draft 2</b> to <b>3</b>" in body
    assert "<del>five</del>" in body and "<ins>ten</ins>" in body
    frame = (shipped("web") / "static/css/redline-document.css").read_text()
    assert "@page { size: A4" in frame and frame.split("*/", 1)[1].strip() in head


def test_items_link_to_their_changes_and_folds_open() -> None:
    old = "# A\n\n" + "".join(f"Line {n} stays.\n\n" for n in range(30))
    new = old.replace("Line 20 stays.", "Line 20 changed.")
    result = diff_texts(old + "Measure 1.1 X\n", new)
    part = PagePart(
        "Part <1>", "p1--", "sum", result.summary.items, result.redline_html
    )
    page = document_html([part], title="t", old_label="a", new_label="b")
    assert '<h2 class="doc-section" id="p1--">Part &lt;1&gt;</h2>' in page
    assert '<details class="rl-fold">' not in page
    assert '<details class="rl-fold" open>' in page


def test_the_web_folder_named_is_the_one_read(tmp_path: Path) -> None:
    web = tmp_path / "web"
    shutil.copytree(shipped("web") / "templates", web / "templates")
    (web / "static/css").mkdir(parents=True)
    (web / "static/css/app.css").write_text(":root { --ink: #123456; }\nbody {}\n")
    (web / "static/css/redline.css").write_text(".redline { color: red; } </style>")
    (web / "static/css/redline-document.css").write_text("h1 { color: blue; }")
    page, _ = standalone_html(
        OLD, NEW, title="t", old_label="a", new_label="b", web_dir=web
    )
    assert ":root { --ink: #123456; }" in page and "body {}" not in page
    assert "h1 { color: blue; }" in page
    # A stylesheet cannot close the <style> element early.
    assert ".redline { color: red; } <\\/style>" in page
    assert page.count("</style>") == 1
