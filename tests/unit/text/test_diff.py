"""Block diff, word refinement, redline and source HTML, summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest

from cop_drafts.services.redline_document import document_html, standalone_html
from cop_drafts.text.diff import (
    DIFF_VERSION,
    Budget,
    ChangeKind,
    DiffResult,
    ItemChangeKind,
    PagePart,
    Shown,
    diff_texts,
    prefix_ids,
    source_html,
    summary_line,
)
from cop_drafts.text.render import RENDER_VERSION

# ---- a tiny DOM, so tests look at structure, not substrings -----------------

_VOID = {"br", "hr", "img", "col", "meta", "input", "link", "wbr"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    parent: Node | None = None
    children: list[Node | str] = field(default_factory=list)

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def iter(self, tag: str | None = None) -> list[Node]:
        found: list[Node] = []
        for child in self.children:
            if isinstance(child, Node):
                if tag is None or child.tag == tag:
                    found.append(child)
                found.extend(child.iter(tag))
        return found

    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def by_class(self, name: str) -> list[Node]:
        return [n for n in self.iter() if name in n.classes()]

    def by_id(self, id_: str) -> Node:
        (node,) = [n for n in self.iter() if n.attrs.get("id") == id_]
        return node


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {})
        self.current = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs}, self.current)
        self.current.children.append(node)
        if tag not in _VOID:
            self.current = node

    def handle_endtag(self, tag: str) -> None:
        node: Node | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        assert node is not None and node.parent is not None, f"stray </{tag}>"
        assert node is self.current, f"</{tag}> closes over <{self.current.tag}>"
        self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)


def dom(html: str) -> Node:
    builder = _Builder()
    builder.feed(html)
    builder.close()
    assert builder.current is builder.root, "unclosed element"
    return builder.root


def squash(text: str) -> str:
    return " ".join(text.split())


def block(result: DiffResult, change_id: str) -> Node:
    return dom(result.redline_html).by_id(change_id)


def words(nodes: list[Node]) -> list[str]:
    return [squash(n.text()) for n in nodes]


def kinds(result: DiffResult) -> list[ChangeKind]:
    return [b.kind for b in result.blocks]


def only(result: DiffResult, kind: ChangeKind) -> list[str]:
    return [b.change_id for b in result.blocks if b.kind is kind]


INTRO = "# Code\n\nIntro paragraph that stays exactly the same.\n\n"

# ---- words -------------------------------------------------------------------


def test_inserted_words_are_ins_inside_the_changed_paragraph() -> None:
    old = INTRO + "Signatories will assess the risk before release.\n"
    new = (
        INTRO + "Signatories will assess the systemic risk before and after release.\n"
    )
    result = diff_texts(old, new)
    assert kinds(result) == [ChangeKind.UNCHANGED] * 2 + [ChangeKind.CHANGED]
    (change,) = only(result, ChangeKind.CHANGED)
    node = block(result, change)
    (paragraph,) = node.iter("p")
    assert words(paragraph.iter("ins")) == ["systemic", "and after"]
    assert paragraph.iter("del") == []
    assert result.summary.words_added == 3 and result.summary.words_removed == 0


def test_deleted_words_are_del() -> None:
    old = INTRO + "Signatories will promptly and fully assess the risk.\n"
    new = INTRO + "Signatories will assess the risk.\n"
    result = diff_texts(old, new)
    node = block(result, only(result, ChangeKind.CHANGED)[0])
    assert words(node.iter("del")) == ["promptly and fully"]
    assert node.iter("ins") == []
    assert squash(node.text()) == "Signatories will promptly and fully assess the risk."


def test_rewording_reads_as_phrases_not_word_soup() -> None:
    old = INTRO + (
        "The Signatories will assess the risk of the model before release "
        "and report it to the AI Office.\n"
    )
    new = INTRO + (
        "The Signatories shall assess each systemic risk of the model before "
        "release and report it to the AI Office.\n"
    )
    node = block(
        result := diff_texts(old, new),
        only(diff_texts(old, new), ChangeKind.CHANGED)[0],
    )
    # "will assess the" -> "shall assess each systemic": the one-word island
    # "assess" between two changes is folded into a phrase.
    assert words(node.iter("del")) == ["will assess the"]
    assert words(node.iter("ins")) == ["shall assess each systemic"]
    assert result.blocks[-1].shown is Shown.WORDS


def test_heading_change_keeps_the_heading_element() -> None:
    old = "## Systemic risk assessment\n\nBody text stays.\n"
    new = "## Systemic risk identification\n\nBody text stays.\n"
    result = diff_texts(old, new)
    assert kinds(result) == [ChangeKind.CHANGED, ChangeKind.UNCHANGED]
    (heading,) = block(result, result.blocks[0].change_id).iter("h2")
    assert words(heading.iter("del")) == ["assessment"]
    assert words(heading.iter("ins")) == ["identification"]
    assert heading.attrs["id"] == "systemic-risk-identification"


def test_formatting_survives_inside_a_changed_paragraph() -> None:
    old = (
        INTRO + "The **Framework** must be *adopted* by [the board](https://x.eu/a).\n"
    )
    new = (
        INTRO
        + "The **Framework** must be *adopted* by [the management](https://x.eu/a).\n"
    )
    node = block(result := diff_texts(old, new), result.blocks[-1].change_id)
    assert [squash(n.text()) for n in node.iter("strong")] == ["Framework"]
    (link,) = node.iter("a")
    assert link.attrs["href"] == "https://x.eu/a"
    assert words(link.iter("del")) == ["board"] and words(link.iter("ins")) == [
        "management"
    ]


def test_heavy_rewrite_is_struck_whole_and_inserted_whole() -> None:
    old = (
        INTRO + "Providers keep records of training data for ten years after release.\n"
    )
    new = INTRO + (
        "Each signatory publishes a summary of its evaluations, "
        "updated whenever the model changes materially.\n"
    )
    result = diff_texts(old, new)
    node = dom(result.redline_html)
    deleted = node.iter("del")
    inserted = node.iter("ins")
    assert words(deleted) == [
        "Providers keep records of training data for ten years after release."
    ]
    assert words(inserted) == [
        "Each signatory publishes a summary of its evaluations, updated "
        "whenever the model changes materially."
    ]
    # not interleaved: the whole deletion comes before the whole insertion
    texts = [n.tag for n in node.iter() if n.tag in ("ins", "del")]
    assert texts == ["del", "ins"]


def test_whitespace_only_change_is_no_change() -> None:
    old = INTRO + "A paragraph  with\nsoft breaks and   spaces.\n"
    new = INTRO + "A paragraph with soft breaks and spaces.\n"
    result = diff_texts(old, new)
    assert not result.identical
    assert not result.has_changes
    assert set(kinds(result)) == {ChangeKind.UNCHANGED}
    assert dom(result.redline_html).iter("ins") == []
    assert result.summary_line().startswith("No changes")


# ---- blocks: moves, lists, tables ---------------------------------------------

PARAS = [
    f"Paragraph {name} talks about {topic} in some detail so it is unique."
    for name, topic in [
        ("alpha", "frameworks"),
        ("beta", "evaluations"),
        ("gamma", "incidents"),
        ("delta", "security"),
        ("epsilon", "reporting"),
    ]
]


def test_moved_paragraph_is_moved_not_deleted_and_inserted() -> None:
    old = "\n\n".join(PARAS) + "\n"
    new = "\n\n".join([PARAS[1], PARAS[2], PARAS[3], PARAS[0], PARAS[4]]) + "\n"
    result = diff_texts(old, new)
    assert ChangeKind.DELETED not in kinds(result)
    assert ChangeKind.INSERTED not in kinds(result)
    (moved,) = [b for b in result.blocks if b.kind is ChangeKind.MOVED]
    assert moved.old_lines == (1, 1) and moved.new_lines == (7, 7)
    tree = dom(result.redline_html)
    node = tree.by_id(moved.change_id)
    assert "rl-moved" in node.classes() and "rl-change" in node.classes()
    (label,) = node.by_class("rl-label")
    assert "Moved from line 1" in squash(label.text())
    (back,) = label.iter("a")
    stub = tree.by_id(back.attrs["href"][1:])
    assert "rl-stub" in stub.classes()
    assert stub.iter("a")[0].attrs["href"] == f"#{moved.change_id}"
    assert node.iter("ins") == [] and node.iter("del") == []
    assert result.summary.moved == 1 and result.summary.changes == 1


def test_moved_and_edited_paragraph() -> None:
    edited = PARAS[0].replace("some detail", "much greater detail")
    old = "\n\n".join(PARAS) + "\n"
    new = "\n\n".join([PARAS[1], PARAS[2], PARAS[3], edited, PARAS[4]]) + "\n"
    result = diff_texts(old, new)
    (moved,) = [b for b in result.blocks if b.kind is ChangeKind.MOVED_EDITED]
    node = block(result, moved.change_id)
    assert {"rl-moved", "rl-edited"} <= node.classes()
    assert words(node.iter("del")) == ["some"]
    assert words(node.iter("ins")) == ["much greater"]
    assert "and edited" in squash(node.by_class("rl-label")[0].text())


def test_list_renumbering_is_not_a_wall_of_changes() -> None:
    items = ["first duty", "second duty", "third duty", "fourth duty", "fifth duty"]
    old = "\n".join(f"{n}. {t}" for n, t in enumerate(items, 1)) + "\n"
    new = "\n".join(f"{n}. {t}" for n, t in enumerate(["new duty", *items], 1)) + "\n"
    result = diff_texts(old, new)
    assert kinds(result) == [ChangeKind.INSERTED] + [ChangeKind.RENUMBERED] * 5
    assert result.summary.changes == 1 and result.summary.renumbered == 5
    tree = dom(result.redline_html)
    assert len(tree.by_class("rl-change")) == 1
    assert words(tree.iter("ins")) == ["new duty"]
    # the renumbered items still show their new numbers
    starts = [ol.attrs.get("start") for ol in tree.iter("ol")]
    assert starts == ["1", "2", "3", "4", "5", "6"]


def test_table_cell_change_marks_only_that_cell() -> None:
    old = INTRO + "| Risk | Tier |\n|---|---|\n| CBRN | 2 |\n| Cyber | 3 |\n"
    new = INTRO + "| Risk | Tier |\n|---|---|\n| CBRN | 2 |\n| Cyber | 4 |\n"
    result = diff_texts(old, new)
    (table,) = block(result, result.blocks[-1].change_id).iter("table")
    cells = [squash(td.text()) for td in table.iter("td")]
    assert cells == ["CBRN", "2", "Cyber", "34"]
    (changed_cell,) = [td for td in table.iter("td") if td.iter("del")]
    assert words(changed_cell.iter("del")) == ["3"]
    assert words(changed_cell.iter("ins")) == ["4"]


def test_inserted_and_deleted_blocks_are_whole() -> None:
    old = "\n\n".join(PARAS[:3]) + "\n"
    new = "\n\n".join([PARAS[0], PARAS[2], "A brand new closing paragraph."]) + "\n"
    result = diff_texts(old, new)
    assert kinds(result) == [
        ChangeKind.UNCHANGED,
        ChangeKind.DELETED,
        ChangeKind.UNCHANGED,
        ChangeKind.INSERTED,
    ]
    tree = dom(result.redline_html)
    assert words(tree.iter("del")) == [PARAS[1]]
    assert words(tree.iter("ins")) == ["A brand new closing paragraph."]


def _footnote_marks(html: str) -> tuple[list[str], list[str]]:
    """The references' and the definitions' marks, in order."""
    root = dom(html)
    refs = [squash(n.text()) for n in root.by_class("footnote-ref")]
    labels = [squash(n.text()) for n in root.by_class("rl-fn-label")]
    return refs, labels


def test_footnotes_show_the_marks_of_the_section_page() -> None:
    old = "Intro.[^a] Then.[^b]\n\nKept.[^c]\n\n[^a]: A.\n\n[^b]: B.\n\n[^c]: C.\n"
    new = "Intro. Then more.[^b]\n\nKept.[^c]\n\n[^b]: B.\n\n[^c]: C.\n"
    result = diff_texts(old, new)
    refs, labels = _footnote_marks(result.redline_html)
    # [^a] was footnote 1 of the old text and is deleted; [^b] and [^c] are
    # footnotes 1 and 2 of the new one, as its section page numbers them.
    assert refs == ["[1]", "[1]", "[2]"]
    assert labels == ["[1]", "[1]", "[2]"]
    assert "[^" not in squash(dom(result.redline_html).text())
    (deleted,) = only(result, ChangeKind.DELETED)
    assert squash(block(result, deleted).text()) == "[1]A."


def test_deleted_footnote_reference_is_a_struck_mark_not_raw_text() -> None:
    result = diff_texts("Keep records.[^1]\n\n[^1]: See.\n", "Keep all records.\n")
    root = dom(result.redline_html)
    (ref,) = root.by_class("footnote-ref")
    assert [squash(n.text()) for n in ref.iter("del")] == ["[1]"]
    assert "[^1]" not in root.text()


def test_whole_text_added_and_removed() -> None:
    text = INTRO + "\n\n".join(PARAS) + "\n"
    added = diff_texts("", text)
    assert set(kinds(added)) == {ChangeKind.INSERTED}
    assert len(dom(added.redline_html).by_class("rl-inserted")) == 7
    assert added.summary.inserted == 7
    removed = diff_texts(text, "")
    assert set(kinds(removed)) == {ChangeKind.DELETED}
    assert len(dom(removed.redline_html).by_class("rl-deleted")) == 7
    assert removed.summary.words_added == 0 and removed.summary.words_removed > 50


def test_identical_texts_say_no_changes() -> None:
    text = INTRO + "\n\n".join(PARAS) + "\n"
    result = diff_texts(text, text)
    assert result.identical and not result.has_changes
    assert result.summary_line() == "No changes: the two versions are identical."
    tree = dom(result.redline_html)
    assert len(tree.by_class("rl-nochange")) == 1
    assert tree.by_class("rl-change") == []
    # the text is still there, folded
    (fold,) = tree.iter("details")
    summary = squash(fold.iter("summary")[0].text())
    assert summary == "7 unchanged paragraphs (lines 1–13) · § Code"


def test_long_unchanged_stretches_fold_with_context() -> None:
    many = [f"Unchanged paragraph number {n} with its own words." for n in range(10)]
    old = "\n\n".join([*many, "Tail sentence one."]) + "\n"
    new = "\n\n".join([*many, "Tail sentence two."]) + "\n"
    result = diff_texts(old, new)
    tree = dom(result.redline_html)
    (fold,) = tree.iter("details")
    assert "rl-fold" in fold.classes()
    assert squash(fold.iter("summary")[0].text()) == (
        "9 unchanged paragraphs (lines 1–17)"
    )
    assert len(fold.by_class("rl-unchanged")) == 9
    # one unchanged paragraph of context stays visible before the change
    redline = tree.by_class("redline")[0]
    visible = [c for c in redline.children if isinstance(c, Node)]
    assert [
        ("rl-fold" in v.classes(), "rl-changed" in v.classes()) for v in visible
    ] == [
        (True, False),
        (False, False),
        (False, True),
    ]


# ---- safety --------------------------------------------------------------------

HOSTILE = (
    "<script>alert(1)</script>\n\n"
    'A <img src=x onerror="alert(2)"> [click](javascript:alert(3)) '
    '<a href="javascript:alert(4)">x</a>.\n'
)


@pytest.mark.parametrize("side", ["old", "new", "both"])
def test_raw_html_and_javascript_links_are_inert(side: str) -> None:
    benign = INTRO + "Some ordinary text.\n"
    hostile = INTRO + HOSTILE
    old = hostile if side in ("old", "both") else benign
    new = hostile if side in ("new", "both") else benign
    if side == "both":
        new = new.replace("alert(3)", "alert(5)")
    result = diff_texts(old, new)
    pages = [result.redline_html, result.source_html("split")]
    pages += [result.source_html("unified")]
    pages += [standalone_html(old, new, title="t", old_label="a", new_label="b")[0]]
    for page in pages:
        tree = dom(page)
        assert tree.iter("script") == [] and tree.iter("img") == []
        for node in tree.iter():
            for name, value in node.attrs.items():
                assert not name.startswith("on")
                assert not value.strip().lower().startswith("javascript:")


def test_source_forged_markers_cannot_open_tags() -> None:
    old = INTRO + "Text with \ue000 forged \ue002 markers.\n"
    new = INTRO + "Text with \ue000 forged \ue002 markers, edited.\n"
    tree = dom(diff_texts(old, new).redline_html)
    assert words(tree.iter("ins")) == [", edited"] or words(tree.iter("ins")) == [
        "markers, edited."
    ]
    assert tree.iter("del") == [] or all(
        "forged" not in n.text() for n in tree.iter("del")
    )


# ---- budget ------------------------------------------------------------------


def test_pathological_block_falls_back_to_lines_with_a_note() -> None:
    line_old = " ".join(f"w{n}" for n in range(400))
    line_new = " ".join(f"w{n}" if n % 3 else f"x{n}" for n in range(400))
    old = INTRO + f"{line_old}\nsecond line stays\n"
    new = INTRO + f"{line_new}\nsecond line stays\n"
    result = diff_texts(old, new, budget=Budget(max_units=300))
    changed = result.blocks[-1]
    assert changed.kind is ChangeKind.CHANGED and changed.shown is Shown.LINES
    assert "line by line" in changed.note
    node = block(result, changed.change_id)
    assert "line by line" in squash(node.by_class("rl-label")[0].text())
    assert words(node.iter("del")) == [line_old]
    assert words(node.iter("ins")) == [line_new]


# ---- summary -----------------------------------------------------------------

CODE_OLD = """# Commitment 2 Risk

## Measure 2.1 Planning

Plan the development of each model with care and foresight.

## Measure 2.2 Evaluations

Run evaluations of each model at appropriate times.

## Measure 2.3 Retired

This measure goes away entirely in the next draft.
"""
CODE_NEW = """# Commitment 2 Risk

## Measure 2.1 Forecasting

Forecast the capabilities of each upcoming model with care.

## Measure 2.2 Planning

Plan the development of each model with care and foresight.

## Measure 2.3 Evaluations

Run evaluations of each model at appropriate times, and document them.
"""


def test_summary_lists_renumbered_added_removed_and_changed_items() -> None:
    result = diff_texts(CODE_OLD, CODE_NEW)
    items = {(i.kind, i.label_old, i.label_new): i for i in result.summary.items}
    assert set(items) == {
        (ItemChangeKind.ADDED, "", "Measure 2.1"),
        (ItemChangeKind.RENUMBERED, "Measure 2.1", "Measure 2.2"),
        (ItemChangeKind.RENUMBERED, "Measure 2.2", "Measure 2.3"),
        (ItemChangeKind.REMOVED, "Measure 2.3", ""),
    }
    planning = items[ItemChangeKind.RENUMBERED, "Measure 2.1", "Measure 2.2"]
    assert planning.title == "Planning" and not planning.content_changed
    evaluations = items[ItemChangeKind.RENUMBERED, "Measure 2.2", "Measure 2.3"]
    assert evaluations.content_changed
    ids = {n.attrs.get("id") for n in dom(result.redline_html).iter()}
    assert all(item.change_id in ids for item in result.summary.items)


def test_summary_line_counts_changes_and_words() -> None:
    old = "\n\n".join(PARAS) + "\n"
    new = "\n\n".join([PARAS[0], PARAS[2] + " More.", PARAS[1], "New one here."]) + "\n"
    line = summary_line(old, new)
    # gamma moved before beta and gained a word; delta and epsilon are gone
    assert line == (
        "4 changes: 0 changed, 1 moved (1 edited), 1 inserted, 2 deleted; "
        "+4/\u221224 words"
    )


def test_change_ids_are_stable_unique_fragments() -> None:
    old = "\n\n".join(PARAS) + "\n"
    new = "\n\n".join([PARAS[4], PARAS[1], PARAS[2] + " Extra.", "New."]) + "\n"
    first, second = diff_texts(old, new), diff_texts(old, new)
    ids = [b.change_id for b in first.blocks if b.change_id]
    assert ids == [b.change_id for b in second.blocks if b.change_id]
    assert len(ids) == len(set(ids)) and all(i.startswith("c-") for i in ids)
    tree = dom(first.redline_html)
    assert [n.attrs["id"] for n in tree.by_class("rl-change")] == ids


# ---- source view, standalone page, versioning -----------------------------------


@pytest.mark.parametrize("mode", ["split", "unified"])
def test_source_view_numbers_lines_and_marks_words(mode: str) -> None:
    filler = [f"line {n} unchanged" for n in range(20)]
    old = "\n".join([*filler, "the risk is assessed yearly", *filler]) + "\n"
    new = "\n".join([*filler, "the risk is assessed monthly", *filler]) + "\n"
    tree = dom(diff_texts(old, new).source_html(mode))
    (change,) = tree.by_class("rl-change")
    assert change.attrs["id"] == "s-1"
    assert words(tree.iter("del")) == ["yearly"]
    assert words(tree.iter("ins")) == ["monthly"]
    numbers = [squash(td.text()) for td in change.by_class("sd-num")]
    assert "21" in numbers
    folds = tree.iter("details")
    assert len(folds) == 2
    assert squash(folds[0].iter("summary")[0].text()).startswith("17 unchanged lines")


def test_source_view_rejects_unknown_mode() -> None:
    with pytest.raises(ValueError):
        diff_texts("a", "b").source_html("sideways")


def test_standalone_document_has_summary_legend_and_no_script() -> None:
    page = standalone_html(
        CODE_OLD,
        CODE_NEW,
        title="Safety & Security",
        old_label="draft 2",
        new_label="3",
    )[0]
    assert page.startswith("<!DOCTYPE html>")
    tree = dom(page)
    assert squash(tree.iter("title")[0].text()) == "Safety & Security"
    (style,) = tree.iter("style")
    assert "@page" in style.text() and "line-through" in style.text()
    assert tree.iter("script") == []
    assert len(tree.by_class("rl-legend")) == 1
    summary = tree.by_class("doc-summary")[0]
    assert "Measure 2.1 → Measure 2.2" in squash(summary.text())
    assert len(tree.by_class("redline")) == 1


def test_prefix_ids_rewrites_every_id_and_in_page_link_but_no_text() -> None:
    old = "# Scope\n\nA note[^1] and [see](#scope).\n\n[^1]: Foot.\n\nGone.\n"
    new = 'A note[^1] and [see](#scope), id="x" stays.\n\n[^1]: Foot.\n'
    html = diff_texts(old, new).redline_html
    prefixed = prefix_ids(html, "s2--")
    before, after = dom(html), dom(prefixed)
    ids = [n.attrs["id"] for n in before.iter() if "id" in n.attrs]
    new_ids = [n.attrs["id"] for n in after.iter() if "id" in n.attrs]
    assert ids and new_ids == ["s2--" + i for i in ids]
    links = [n.attrs["href"] for n in after.iter("a")]
    assert links and all(h.startswith("#s2--") for h in links if h.startswith("#"))
    assert squash(after.text()) == squash(before.text())
    assert 'id="x" stays' in after.text()
    assert prefix_ids(html, "") == html


def test_redline_never_repeats_an_id() -> None:
    old = "Alpha[^1] one two three four.\n\nBeta[^1] five six.\n\n[^1]: Note.\n"
    new = "Alpha[^1] one two three FOUR.\n\nBeta[^1] five seven.\n\n[^1]: Note.\n"
    tree = dom(diff_texts(old, new).redline_html)
    ids = [n.attrs["id"] for n in tree.iter() if "id" in n.attrs]
    assert len(ids) == len(set(ids))


def test_source_html_of_two_texts_matches_the_result_view() -> None:
    result = diff_texts(CODE_OLD, CODE_NEW)
    for mode in ("split", "unified"):
        assert source_html(CODE_OLD, CODE_NEW, mode) == result.source_html(mode)
    with pytest.raises(ValueError):
        source_html("a", "b", "sideways")


def test_document_of_several_parts_keeps_ids_apart_and_opens_folds() -> None:
    parts = []
    for number, (old, new) in enumerate(((CODE_OLD, CODE_NEW), (CODE_OLD, CODE_NEW))):
        result = diff_texts(old, new)
        anchor = f"part{number}--"
        parts.append(
            PagePart(
                f"Part {number}",
                anchor,
                result.summary_line(),
                result.summary.items,
                prefix_ids(result.redline_html, anchor),
            )
        )
    page = document_html(parts, title="Both", old_label="a", new_label="b")
    tree = dom(page)
    titles = [h for h in tree.iter("h2") if "doc-section" in h.classes()]
    assert [squash(h.text()) for h in titles] == ["Part 0", "Part 1"]
    ids = [n.attrs["id"] for n in tree.iter() if "id" in n.attrs]
    assert len(ids) == len(set(ids))
    links = [a.attrs["href"][1:] for a in tree.iter("a") if a.attrs["href"][:1] == "#"]
    assert links and set(links) <= set(ids)
    assert all("open" in d.attrs for d in tree.iter("details"))
    assert tree.iter("script") == []


def test_diff_version_includes_render_version() -> None:
    assert RENDER_VERSION in DIFF_VERSION


_SEED_SCRIPT = """
import hashlib, pathlib, sys
from cop_drafts.text.diff import diff_texts
drafts = pathlib.Path(sys.argv[1])
digest = hashlib.sha1()
for name in ("risk-assessment.md", "risk-mitigation.md", "governance.md"):
    for old, new in (("draft-1", "draft-2"), ("draft-2", "draft-3")):
        result = diff_texts(
            (drafts / old / name).read_text("utf-8"),
            (drafts / new / name).read_text("utf-8"),
        )
        digest.update(result.redline_html.encode())
print(digest.hexdigest())
"""


def test_same_result_whatever_the_hash_seed() -> None:
    # Cached diffs are shared between worker processes, each with its own
    # string-hash seed: block pairing must not follow set iteration order.
    import os
    import subprocess
    import sys
    from pathlib import Path

    drafts = Path(__file__).resolve().parents[3] / "drafts"
    digests = set()
    for seed in ("1", "2"):
        done = subprocess.run(
            [sys.executable, "-c", _SEED_SCRIPT, str(drafts)],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        )
        digests.add(done.stdout.strip())
    assert len(digests) == 1
