"""Tests for comment anchors and their relocation (cop_drafts.text.anchor)."""

from __future__ import annotations

import json
import random
import time

import pytest

from cop_drafts.text.anchor import (
    Anchor,
    AnchorStatus,
    Relocation,
    relocate,
    relocate_many,
)

SECTION = """\
## Commitment 4: Risk assessment

Signatories shall assess the systemic risks stemming from their models before \
placing them on the market, and again whenever a material change occurs.

### Measure 4.1 Scope of the assessment

The assessment shall cover the capabilities, propensities and affordances of \
the model, taking into account reasonably foreseeable misuse by third parties.

### Measure 4.2 Methods

Signatories shall use state-of-the-art evaluation methods, including \
structured red-teaming exercises carried out by qualified internal or \
external evaluators with adequate access to the model.

### Measure 4.3 Records

Signatories shall keep records of every assessment for at least ten years \
and make them available to the supervising authority upon request.

### Measure 4.4 Serious incidents

Signatories shall track serious incidents, document corrective measures and \
report them without undue delay to the supervising authority.
"""


def span_of(text: str, quote: str, occurrence: int = 0) -> tuple[int, int]:
    """Offsets of the n-th occurrence of `quote` in `text`."""
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(quote, start + 1)
    return start, start + len(quote)


def anchor_on(text: str, quote: str, occurrence: int = 0) -> Anchor:
    return Anchor.from_span(text, *span_of(text, quote, occurrence))


def assert_at(r: Relocation, new: str, quote: str, status: AnchorStatus) -> None:
    """Relocation `r` is `status` on exactly `quote` (unique in `new`)."""
    assert r.status is status, r
    assert (r.start, r.end) == span_of(new, quote), (r, new[r.start or 0 : r.end])
    assert r.quote == quote


# -- Anchor construction -------------------------------------------------


def test_from_span_records_quote_context_offsets_and_lines() -> None:
    start, end = span_of(SECTION, "capabilities, propensities and affordances")
    a = Anchor.from_span(SECTION, start, end)
    assert a.quote == "capabilities, propensities and affordances"
    assert a.prefix == SECTION[start - 32 : start]
    assert a.suffix == SECTION[end : end + 32]
    assert len(a.prefix) == len(a.suffix) == 32
    assert (a.start, a.end) == (start, end)
    assert a.line_start == a.line_end == 7


def test_from_span_multiline_and_short_context_at_edges() -> None:
    a = Anchor.from_span(SECTION, 0, SECTION.index("Signatories shall assess") + 11)
    assert a.prefix == ""
    assert (a.line_start, a.line_end) == (1, 3)
    b = Anchor.from_span(SECTION, len(SECTION) - 5, len(SECTION))
    assert b.suffix == ""
    assert b.line_start == b.line_end == SECTION.count("\n")  # last char is "\n"


def test_from_span_empty_span_has_its_line() -> None:
    pos = SECTION.index("Measure 4.2")
    a = Anchor.from_span(SECTION, pos, pos)
    assert a.quote == ""
    assert a.line_start == a.line_end == 9


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [(5, 4, "after its end"), (-1, 3, "outside"), (0, 10_000, "outside")],
)
def test_from_span_rejects_bad_offsets(start: int, end: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Anchor.from_span(SECTION, start, end)


def test_from_lines_spans_whole_lines_without_final_newline() -> None:
    a = Anchor.from_lines(SECTION, 5, 7)
    assert (
        a.quote
        == "### Measure 4.1 Scope of the assessment\n\n" + SECTION.split("\n")[6]
    )
    assert (a.line_start, a.line_end) == (5, 7)
    last = Anchor.from_lines(SECTION, 19, 19)
    assert last.quote.startswith("Signatories shall track") and last.quote.endswith(".")
    assert last.suffix == "\n"


@pytest.mark.parametrize(("first", "last"), [(0, 1), (3, 2), (1, 20)])
def test_from_lines_rejects_lines_the_text_lacks(first: int, last: int) -> None:
    with pytest.raises(ValueError, match="outside the text"):
        Anchor.from_lines(SECTION, first, last)


def test_anchor_serialisation_round_trip_through_json() -> None:
    a = anchor_on(SECTION, "state-of-the-art evaluation methods")
    data = json.loads(json.dumps(a.to_dict()))
    assert Anchor.from_dict(data) == a
    assert set(data) == {
        "quote",
        "prefix",
        "suffix",
        "start",
        "end",
        "line_start",
        "line_end",
    }


@pytest.mark.parametrize(
    "change",
    [{"start": "3"}, {"quote": None}, {"end": 999}, {"line_start": 0}, {"start": True}],
)
def test_anchor_from_dict_rejects_bad_data(change: dict[str, object]) -> None:
    data = anchor_on(SECTION, "Records").to_dict()
    with pytest.raises(ValueError):
        Anchor.from_dict(data | change)
    with pytest.raises(ValueError, match="missing"):
        Anchor.from_dict({k: v for k, v in data.items() if k != next(iter(change))})


def test_relocation_serialisation_round_trip() -> None:
    new = SECTION.replace("ten years", "twelve years")
    found = relocate(anchor_on(SECTION, "at least ten years and"), SECTION, new)
    gone = relocate(anchor_on(SECTION, "Serious incidents"), SECTION, "")
    for r in (found, gone):
        assert Relocation.from_dict(json.loads(json.dumps(r.to_dict()))) == r
    with pytest.raises(ValueError):
        Relocation.from_dict({"status": "lost"})


# -- relocation: exact and moved -----------------------------------------


def test_identical_texts_are_exact_at_the_same_offsets() -> None:
    a = anchor_on(SECTION, "qualified internal or")
    r = relocate(a, SECTION, SECTION)
    assert r == Relocation(
        AnchorStatus.EXACT, a.start, a.end, a.line_start, a.line_end, a.quote, 1.0
    )


def test_insertion_before_is_exact_at_shifted_offsets() -> None:
    new = SECTION.replace(
        "### Measure 4.2", "A new paragraph about something else.\n\n### Measure 4.2"
    )
    r = relocate(anchor_on(SECTION, "structured red-teaming exercises"), SECTION, new)
    assert_at(r, new, "structured red-teaming exercises", AnchorStatus.EXACT)
    assert r.line_start == r.line_end == 13
    assert r.score == 1.0


def test_insertion_at_the_span_start_stays_outside_the_span() -> None:
    new = SECTION.replace(
        "structured red-teaming", "regular and structured red-teaming"
    )
    r = relocate(anchor_on(SECTION, "structured red-teaming"), SECTION, new)
    assert_at(r, new, "structured red-teaming", AnchorStatus.EXACT)


def test_insertion_inside_the_quote_is_fuzzy_and_covers_it() -> None:
    new = SECTION.replace("internal or external", "internal, independent or external")
    r = relocate(
        anchor_on(SECTION, "qualified internal or external evaluators"), SECTION, new
    )
    assert_at(
        r,
        new,
        "qualified internal, independent or external evaluators",
        AnchorStatus.FUZZY,
    )
    assert 0.8 < r.score < 1.0


def test_moved_paragraph_is_moved() -> None:
    records = (
        "### Measure 4.3 Records\n\nSignatories shall keep records of every "
        "assessment for at least ten years and make them available to the "
        "supervising authority upon request.\n\n"
    )
    new = SECTION.replace(records, "").replace(
        "### Measure 4.1", records + "### Measure 4.1"
    )
    assert new != SECTION and len(new) == len(SECTION)
    r = relocate(anchor_on(SECTION, "keep records of every assessment"), SECTION, new)
    assert_at(r, new, "keep records of every assessment", AnchorStatus.MOVED)
    assert r.line_start == 7


def test_renumbered_list_item_with_unchanged_quote_is_exact() -> None:
    old = "(1) Keep logs of training runs.\n(2) Review access rights monthly.\n"
    new = (
        "(1) Keep logs of training runs.\n(2) Encrypt backups.\n"
        "(3) Review access rights monthly.\n"
    )
    r = relocate(anchor_on(old, "Review access rights monthly."), old, new)
    assert_at(r, new, "Review access rights monthly.", AnchorStatus.EXACT)
    assert r.line_start == 3


# -- relocation: fuzzy ---------------------------------------------------


def test_typo_fix_is_fuzzy() -> None:
    old = SECTION.replace("adequate access", "adequate acess")
    r = relocate(
        anchor_on(old, "evaluators with adequate acess to the model"), old, SECTION
    )
    assert_at(
        r, SECTION, "evaluators with adequate access to the model", AnchorStatus.FUZZY
    )
    assert r.score > 0.95


def test_typo_fix_in_a_one_word_quote_is_fuzzy() -> None:
    old = SECTION.replace("adequate access", "adequate acess")
    r = relocate(anchor_on(old, "acess"), old, SECTION)
    assert_at(r, SECTION, "access", AnchorStatus.FUZZY)


def test_rewording_a_few_words_is_fuzzy() -> None:
    new = SECTION.replace(
        "keep records of every assessment", "retain documentation of each assessment"
    )
    r = relocate(
        anchor_on(
            SECTION,
            "Signatories shall keep records of every assessment for at least ten years",
        ),
        SECTION,
        new,
    )
    assert_at(
        r,
        new,
        "Signatories shall retain documentation of each assessment"
        " for at least ten years",
        AnchorStatus.FUZZY,
    )
    assert SECTION.count("retain") == 0


def test_renumbered_measure_inside_the_quote_is_fuzzy() -> None:
    new = SECTION.replace("Measure 4.3", "Measure 4.4", 1).replace(
        "Measure 4.4 Serious", "Measure 4.5 Serious"
    )
    r = relocate(anchor_on(SECTION, "Measure 4.3 Records"), SECTION, new)
    assert_at(r, new, "Measure 4.4 Records", AnchorStatus.FUZZY)
    # the old "Measure 4.4" heading is now 4.5: never confuse it with the new 4.4
    r = relocate(anchor_on(SECTION, "Measure 4.4 Serious incidents"), SECTION, new)
    assert_at(r, new, "Measure 4.5 Serious incidents", AnchorStatus.FUZZY)


def test_moved_and_reworded_paragraph_is_fuzzy_at_its_new_place() -> None:
    methods = SECTION[
        SECTION.index("Signatories shall use") : SECTION.index("### Measure 4.3")
    ]
    reworded = methods.replace("carried out by", "conducted by")
    new = SECTION.replace(methods, "").replace(
        "### Measure 4.4", reworded + "### Measure 4.4"
    )
    quote = "structured red-teaming exercises carried out by qualified internal"
    r = relocate(anchor_on(SECTION, quote), SECTION, new)
    assert_at(r, new, quote.replace("carried out", "conducted"), AnchorStatus.FUZZY)


def test_split_paragraph_is_fuzzy_across_the_break() -> None:
    old = (
        "Intro.\n\nProviders shall log incidents. They shall report monthly.\n\nEnd.\n"
    )
    new = old.replace("incidents. They", "incidents.\n\nThey")
    r = relocate(anchor_on(old, "log incidents. They shall report"), old, new)
    assert_at(r, new, "log incidents.\n\nThey shall report", AnchorStatus.FUZZY)
    assert (r.line_start, r.line_end) == (3, 5)


def test_merged_paragraphs_are_fuzzy_across_the_join() -> None:
    old = (
        "Intro.\n\nProviders shall log incidents.\n\nThey shall report monthly.\n\nEnd."
    )
    new = old.replace("incidents.\n\nThey", "incidents. They")
    r = relocate(Anchor.from_lines(old, 3, 5), old, new)
    assert_at(
        r,
        new,
        "Providers shall log incidents. They shall report monthly.",
        AnchorStatus.FUZZY,
    )
    assert r.line_start == r.line_end == 3


# -- relocation: orphans and ambiguity -----------------------------------


def test_deleted_paragraph_is_orphaned() -> None:
    para = SECTION[
        SECTION.index("The assessment shall cover") : SECTION.index("### Measure 4.2")
    ]
    new = SECTION.replace(para, "")
    r = relocate(anchor_on(SECTION, "reasonably foreseeable misuse"), SECTION, new)
    assert r == Relocation.orphaned("Measure 4.1 Scope of the assessment", 5)
    assert (r.status, r.start, r.end, r.line_start, r.quote, r.score) == (
        AnchorStatus.ORPHANED,
        None,
        None,
        None,
        None,
        0.0,
    )


def test_deleted_common_words_are_orphaned_not_attached_elsewhere() -> None:
    # "the supervising authority" occurs twice; the one commented on goes.
    new = SECTION.replace(
        " and make them available to the supervising authority upon request", ""
    )
    assert new.count("the supervising authority") == 1
    r = relocate(anchor_on(SECTION, "the supervising authority", 0), SECTION, new)
    assert r.status is AnchorStatus.ORPHANED


def test_replaced_section_is_orphaned() -> None:
    start = SECTION.index("### Measure 4.2")
    new = SECTION[:start] + (
        "### Measure 4.2 Fees\n\nAnnual fees are set by the committee and published "
        "in the register before the first of March.\n"
    )
    for quote in (
        "structured red-teaming exercises",
        "Records",
        "Signatories shall track",
    ):
        r = relocate(anchor_on(SECTION, quote), SECTION, new)
        assert r.status is AnchorStatus.ORPHANED, (quote, r)


def test_duplicated_passage_keeps_the_original() -> None:
    para = SECTION[
        SECTION.index("Signatories shall keep records") : SECTION.index(
            "### Measure 4.4"
        )
    ]
    new = SECTION.replace("### Measure 4.1", para + "### Measure 4.1")
    quote = "records of every assessment"
    r = relocate(anchor_on(SECTION, quote), SECTION, new)
    assert r.status is AnchorStatus.EXACT
    assert (r.start, r.end) == span_of(new, quote, 1)  # the original, not the copy


def test_two_copies_of_a_moved_passage_are_ambiguous_and_orphaned() -> None:
    para = SECTION[
        SECTION.index("Signatories shall keep records") : SECTION.index(
            "### Measure 4.4"
        )
    ]
    new = SECTION.replace(para, "").replace("### Measure 4.1", para + "### Measure 4.1")
    new = new.replace("### Measure 4.2", para + "### Measure 4.2")
    r = relocate(anchor_on(SECTION, "records of every assessment"), SECTION, new)
    assert r.status is AnchorStatus.ORPHANED


def test_heavily_reworded_passage_is_orphaned() -> None:
    old_para = (
        "Signatories shall keep records of every assessment for at least ten years"
    )
    new = SECTION.replace(
        old_para, "Archives are purged by the registry once a decade has elapsed"
    )
    r = relocate(anchor_on(SECTION, old_para), SECTION, new)
    assert r.status is AnchorStatus.ORPHANED


# -- edge cases ----------------------------------------------------------


def test_empty_span_follows_its_context() -> None:
    pos = SECTION.index("before placing")
    a = Anchor.from_span(SECTION, pos, pos)
    new = "Preamble.\n\n" + SECTION
    r = relocate(a, SECTION, new)
    assert (r.status, r.start, r.end, r.quote) == (
        AnchorStatus.EXACT,
        pos + 11,
        pos + 11,
        "",
    )
    gone = SECTION[: pos - 100] + SECTION[pos + 100 :]
    assert relocate(a, SECTION, gone).status is AnchorStatus.ORPHANED


def test_empty_span_in_a_moved_paragraph_is_moved() -> None:
    records = SECTION[
        SECTION.index("### Measure 4.3") : SECTION.index("### Measure 4.4")
    ]
    new = SECTION.replace(records, "").replace(
        "### Measure 4.1", records + "### Measure 4.1"
    )
    pos = SECTION.index("for at least")
    r = relocate(Anchor.from_span(SECTION, pos, pos), SECTION, new)
    at = new.index("for at least")
    assert (r.status, r.start, r.end, r.score) == (AnchorStatus.MOVED, at, at, 1.0)


def test_whole_document_span() -> None:
    a = Anchor.from_span(SECTION, 0, len(SECTION))
    same = relocate(a, SECTION, SECTION)
    assert (same.status, same.start, same.end) == (AnchorStatus.EXACT, 0, len(SECTION))
    new = SECTION.replace("ten years", "twelve years")
    r = relocate(a, SECTION, new)
    assert (r.status, r.start, r.end, r.quote) == (AnchorStatus.FUZZY, 0, len(new), new)
    assert r.score > 0.99
    assert (
        relocate(a, SECTION, "Something else entirely.\n").status
        is AnchorStatus.ORPHANED
    )


def test_empty_new_text_orphans_everything() -> None:
    anchors = [anchor_on(SECTION, "Methods"), Anchor.from_span(SECTION, 5, 5)]
    assert relocate_many(anchors, SECTION, "") == [Relocation.orphaned()] * 2


def test_empty_old_text() -> None:
    a = Anchor.from_span("", 0, 0)
    assert relocate(a, "", "").status is AnchorStatus.EXACT
    assert relocate(a, "", "New text.").status is AnchorStatus.ORPHANED


def test_unicode_offsets_are_string_indices() -> None:
    old = (
        "Salut 🙂\n\nLe « délégué » doit vérifier l’accès des modèles – sans délai 🚀."
    )
    new = "Préambule ✨ ajouté.\n\n" + old.replace("sans délai", "sans aucun délai")
    r = relocate(anchor_on(old, "« délégué » doit vérifier l’accès"), old, new)
    assert_at(r, new, "« délégué » doit vérifier l’accès", AnchorStatus.EXACT)
    r = relocate(anchor_on(old, "modèles – sans délai 🚀"), old, new)
    assert_at(r, new, "modèles – sans aucun délai 🚀", AnchorStatus.FUZZY)


def test_carriage_returns_are_ordinary_characters() -> None:
    # Texts are stored with LF line ends; a CR is just a character and lines
    # are counted on LF alone.
    old = "One line.\r\nTwo lines here.\r\nThree.\r\n"
    a = anchor_on(old, "Two lines here.\r")
    assert (a.line_start, a.line_end) == (2, 2)
    new = "Zero.\r\n" + old
    r = relocate(a, old, new)
    assert_at(r, new, "Two lines here.\r", AnchorStatus.EXACT)
    assert r.line_start == 3


def test_relocate_rejects_anchor_from_another_text() -> None:
    a = anchor_on(SECTION, "Records")
    with pytest.raises(ValueError, match="does not match old_text"):
        relocate(a, SECTION.replace("Records", "Archive"), SECTION)
    with pytest.raises(ValueError, match="outside"):
        relocate(a, "short", SECTION)


# -- many anchors --------------------------------------------------------


def _edited(text: str) -> str:
    """A mixed edit of SECTION: insertion, typo, rewording, move, deletion."""
    new = text.replace("### Measure 4.1", "A new opening paragraph.\n\n### Measure 4.1")
    new = new.replace("state-of-the-art", "state of the art").replace(
        "ten years", "twelve years"
    )
    incidents = new[new.index("### Measure 4.4") :]
    new = new.replace(incidents, "")
    new = new.replace("### Measure 4.2", incidents + "\n### Measure 4.2")
    return new.replace(
        " taking into account reasonably foreseeable misuse by third parties", ""
    )


def test_relocate_many_equals_relocate_per_anchor() -> None:
    new = _edited(SECTION)
    rng = random.Random(7)
    anchors = []
    for _ in range(60):
        a = rng.randrange(len(SECTION))
        anchors.append(
            Anchor.from_span(SECTION, a, min(len(SECTION), a + rng.randrange(0, 80)))
        )
    anchors += [Anchor.from_lines(SECTION, n, n) for n in range(1, 20)]
    many = relocate_many(anchors, SECTION, new)
    assert many == [relocate(a, SECTION, new) for a in anchors]
    statuses = {r.status for r in many}
    assert {AnchorStatus.EXACT, AnchorStatus.MOVED, AnchorStatus.ORPHANED} <= statuses
    for r in many:
        if r.status is not AnchorStatus.ORPHANED:
            assert r.quote == new[r.start : r.end]
            assert 0.0 < r.score <= 1.0


def test_relocate_many_accepts_no_anchors_and_checks_all_first() -> None:
    assert relocate_many([], SECTION, "x") == []
    good = anchor_on(SECTION, "Records")
    bad = Anchor.from_span("x" * 2000, 1500, 1510)
    with pytest.raises(ValueError):
        relocate_many([good, bad], SECTION, SECTION)


def test_large_text_stays_fast() -> None:
    # ~400 KB, every paragraph edited somewhere: bounded work, no quadratic blowup.
    rng = random.Random(3)
    words = [
        "risk",
        "model",
        "signatory",
        "assessment",
        "shall",
        "report",
        "the",
        "evaluation",
        "incident",
        "security",
        "of",
        "and",
        "market",
        "office",
    ]
    paras = [
        " ".join(rng.choice(words) + str(rng.randrange(500)) for _ in range(60))
        for _ in range(900)
    ]
    old = "\n\n".join(paras) + "\n"
    edited = [
        p.replace(p.split()[10], "changed") if i % 2 else p for i, p in enumerate(paras)
    ]
    rng.shuffle(edited[:50])
    new = "\n\n".join(edited) + "\n"
    anchors = []
    for _ in range(100):
        a = rng.randrange(len(old) - 100)
        anchors.append(Anchor.from_span(old, a, a + rng.randrange(1, 100)))
    began = time.perf_counter()
    results = relocate_many(anchors, old, new)
    assert time.perf_counter() - began < 2.5
    assert sum(r.status is not AnchorStatus.ORPHANED for r in results) > 80


def test_random_edits_keep_the_invariants() -> None:
    # Small random texts and edits: never an error, and every attachment is
    # a real span of the new text; exact and moved ones carry the quote.
    rng = random.Random(11)
    pieces = [
        "the",
        "risk",
        "model",
        "a",
        "\n",
        "\n\n",
        " ",
        ",",
        ".",
        "é",
        "🙂",
        "(1)",
        "2.3",
        "’",
        "shall",
    ]

    def text(n: int) -> str:
        return "".join(rng.choice(pieces) + " " * rng.randrange(2) for _ in range(n))

    for _ in range(150):
        old = text(rng.randrange(0, 50))
        cut = rng.randrange(len(old) + 1)
        new = old[:cut] + text(rng.randrange(0, 4)) + old[cut + rng.randrange(0, 15) :]
        anchors = []
        for _ in range(4):
            a = rng.randrange(len(old) + 1)
            anchors.append(
                Anchor.from_span(old, a, min(len(old), a + rng.randrange(30)))
            )
        for anchor, r in zip(anchors, relocate_many(anchors, old, new), strict=True):
            if r.status is AnchorStatus.ORPHANED:
                assert r == Relocation.orphaned()
                continue
            assert r.start is not None and r.end is not None
            assert 0 <= r.start <= r.end <= len(new)
            assert r.quote == new[r.start : r.end]
            assert 0.0 < r.score <= 1.0
            assert r.line_start == new.count("\n", 0, r.start) + 1
            if r.status in (AnchorStatus.EXACT, AnchorStatus.MOVED):
                assert r.quote == anchor.quote


def test_a_paragraph_moved_anywhere_is_found_whole() -> None:
    # Every move of every paragraph (heading or prose): the anchor on the
    # whole paragraph lands on exactly that paragraph, never on a neighbour.
    paras = [
        "## Risk tiers",
        "Signatories define risk tiers for each identified systemic risk.",
        "#### Commitment 11. Safety mitigations",
        "### TECHNICAL MITIGATION FOR PROVIDERS OF MODELS",
        "Mitigations are proportionate to the tier that was reached.",
        "Records of the mitigations are kept for ten years.",
    ]
    old = "\n\n".join(paras) + "\n"
    for i, para in enumerate(paras):
        for j in range(len(paras)):
            if j == i:
                continue
            moved = paras[:i] + paras[i + 1 :]
            moved.insert(j, para)
            new = "\n\n".join(moved) + "\n"
            r = relocate(Anchor.from_lines(old, 2 * i + 1, 2 * i + 1), old, new)
            assert r.status in (AnchorStatus.EXACT, AnchorStatus.MOVED), (i, j, r)
            assert (r.start, r.quote) == (new.index(para), para), (i, j, r)


def test_long_insertion_inside_a_short_quote_keeps_the_whole_span() -> None:
    old = "Intro.\n\nThe office assesses the risks of each model yearly.\n"
    new = old.replace("the risks", "the technical, legal and societal risks")
    r = relocate(anchor_on(old, "assesses the risks of each"), old, new)
    assert_at(
        r,
        new,
        "assesses the technical, legal and societal risks of each",
        AnchorStatus.FUZZY,
    )
