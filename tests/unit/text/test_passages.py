"""Changed words of a clashing passage, marked line by line and inert."""

from __future__ import annotations

from cop_drafts.text.diff import marked_lines


def test_reworded_words_are_marked_on_each_side() -> None:
    old = ["Signatories shall report within 30 days", "to the AI Office."]
    new = ["Signatories shall report within 15 days", "to the AI Office."]
    before, after = marked_lines(old, new)
    assert before == ["Signatories shall report within <del>30</del> days", old[1]]
    assert after == ["Signatories shall report within <ins>15</ins> days", new[1]]


def test_added_lines_and_words_keep_their_lines() -> None:
    before, after = marked_lines(
        ["Keep the record of every decision."],
        ["Keep the full record of every decision.", "Publish a summary."],
    )
    assert before == ["Keep the record of every decision."]
    assert after == [
        "Keep the <ins>full</ins> record of every decision.",
        "<ins>Publish a summary.</ins>",
    ]


def test_text_is_escaped_and_only_our_tags_remain() -> None:
    before, after = marked_lines(
        ["A <b>bold</b> claim"], ["A <script>x</script> claim"]
    )
    assert "<b>" not in before[0] and "<script>" not in after[0]
    assert "&lt;script&gt;" in after[0]


def test_a_rewrite_or_an_empty_side_comes_back_plain() -> None:
    rewrite = marked_lines(["One two three four."], ["Entirely new words here."])
    assert rewrite == (["One two three four."], ["Entirely new words here."])
    assert marked_lines([], ["New <line>."]) == ([], ["New &lt;line&gt;."])


def test_joined_lines_are_never_shown_shifted() -> None:
    old = ["first half of a sentence", "second half"]
    new = ["first half of a sentence second half"]
    assert marked_lines(old, new) == (old, new)
