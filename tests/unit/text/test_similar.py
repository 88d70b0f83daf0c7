"""Grouping similar comments: campaigns of near-identical letters, comments on
the same passage, and nothing else."""

from __future__ import annotations

import random
import zlib

import pytest

from cop_drafts.text.similar import (
    BINS,
    Group,
    Item,
    Reason,
    group,
    jaccard,
    shingles,
    signature,
    words,
)
from tests.unit.export.reproduce import outputs_elsewhere

LETTER = (
    "On behalf of {org}, we ask the Chairs to reconsider Measure {n}. The "
    "obligation to publish a summary of the training content should not "
    "require providers to disclose trade secrets, and the template should "
    "allow a narrative description of the data sources instead of a list of "
    "every domain name. Small providers in particular cannot maintain such a "
    "list, and it would add nothing for rightsholders that the opt-out "
    "protocols do not already give them. We therefore propose that the "
    "second paragraph be deleted and that the AI Office publish guidance."
)
ORGS = [f"the {name} Association" for name in ("Northern", "Southern", "Eastern")]
OWN = (
    "Our members, most of them small firms, would face costs they cannot bear.",
    "We also refer to our earlier submission on the second draft.",
)
UNRELATED = (
    "The definition of serious incident should follow Article 3 of the Act and "
    "cover near misses that did not cause harm but could have.",
    "Model evaluations by independent third parties are essential for systemic "
    "risk assessment; the Code should say who pays for them.",
    "Copyright policies must be published in full, not summarised, so that "
    "authors can check how their works were used in training.",
    "Please align the reporting timelines with the incident reporting "
    "deadlines in the Cybersecurity Act to avoid two parallel processes.",
    "The glossary uses the term provider inconsistently: sometimes it means "
    "the developer, sometimes whoever places the model on the market.",
    "We welcome the commitment to whistleblower protection and ask that the "
    "Code name a channel at the AI Office that accepts anonymous reports.",
)


def campaign(n: int = 30, seed: int = 3, first_id: int = 100) -> list[Item]:
    """`n` letters from one template: each its own organisation and measure
    number, a word changed or dropped, some with a sentence of their own."""
    rng = random.Random(seed)
    items = []
    for k in range(n):
        org = f"{rng.choice(ORGS)} of {rng.choice(['Lyon', 'Graz', 'Porto'])}"
        text = LETTER.format(org=org, n=rng.randint(1, 9))
        tokens = text.split()
        tokens[rng.randrange(10, len(tokens))] = rng.choice(["kindly", "really"])
        del tokens[rng.randrange(10, len(tokens))]
        if k % 3 == 0:
            tokens.insert(rng.randrange(10, len(tokens)), rng.choice(OWN))
        items.append(Item(first_id + k, " ".join(tokens), f"s{k % 4}.md", None, None))
    return items


def unrelated(first_id: int = 1) -> list[Item]:
    return [
        Item(first_id + k, text, "s.md", None, None) for k, text in enumerate(UNRELATED)
    ]


def test_a_campaign_of_near_identical_letters_is_one_group() -> None:
    letters = campaign(30)
    (found,) = group(letters + unrelated())
    ids = tuple(item.id for item in letters)
    assert found.ids == ids
    assert found.reason is Reason.TEXT
    assert found.near_identical == ids
    assert found.representative in ids


def test_two_campaigns_stay_apart_and_the_larger_comes_first() -> None:
    other = [
        Item(
            500 + k,
            f"We, {org}, support the opt-out protocol of Measure 1.3 and ask that "
            "robots.txt be honoured for every crawl, including crawls made "
            "before the Code applies, as our members have demanded since 2023.",
            "s.md",
            None,
            None,
        )
        for k, org in enumerate(["the Guild", "PubCo", "AuthorsNet", "the Union"])
    ]
    found = group(other + campaign(12) + unrelated())
    assert [len(g.ids) for g in found] == [12, 4]
    assert found[1].ids == (500, 501, 502, 503)


def test_different_comments_are_not_grouped() -> None:
    assert group(unrelated()) == []


def test_a_comment_quoting_the_letter_with_its_own_argument_stays_out() -> None:
    reply = Item(
        1,
        "The letter says the template should allow a narrative description of "
        "the data sources. We disagree: without a list of domain names no "
        "rightsholder can find out whether their site was crawled, and the "
        "opt-out protocols only help those who know they were.",
        "s.md",
        None,
        None,
    )
    (found,) = group([reply, *campaign(5)])
    assert 1 not in found.ids


def test_comments_on_the_same_passage_are_grouped() -> None:
    items = [
        Item(1, "Too vague.", "a.md", 100, 200),
        Item(2, "Delete this.", "a.md", 110, 210),  # overlap 90 of 110
        Item(3, "Agree.", "a.md", 100, 200),
        Item(4, "Other passage.", "a.md", 400, 480),
        Item(5, "Same offsets, other section.", "b.md", 100, 200),
        Item(6, "Same offsets, other version.", "a.md", 100, 200, version="x"),
        Item(7, "No passage.", "a.md", None, None),
        Item(8, "A sentence of the paragraph.", "a.md", 120, 150),
    ]
    (found,) = group(items)
    assert found == Group((1, 2, 3), Reason.PASSAGE, None, ())


def test_overlap_is_a_share_of_the_union() -> None:
    half = [Item(1, "x", "a.md", 0, 100), Item(2, "y", "a.md", 50, 150)]
    assert group(half) == []  # 50 of 150
    assert [g.ids for g in group(half, overlap=0.3)] == [(1, 2)]


def test_a_chain_of_overlapping_selections_does_not_sweep_the_section() -> None:
    # Each window overlaps the next by 90 of 110 characters; the most
    # commented window leads and takes those close enough to it.
    chain = [Item(k, "z", "a.md", 10 * k, 10 * k + 100) for k in range(1, 9)]
    chain += [Item(20 + k, "again", "a.md", 60, 160) for k in range(2)]
    found = group(chain)
    assert [g.ids for g in found] == [(3, 4, 5, 6, 7, 8, 20, 21), (1, 2)]
    assert [g.ids for g in group(chain[:5])] == [(1, 2, 3, 4)]


def test_short_comments_are_not_grouped_by_text_but_by_passage() -> None:
    short = [
        Item(k, "I agree with the previous comment.", "a.md", None, None)
        for k in (1, 2, 3)
    ]
    assert group(short) == []
    on_passage = [Item(k, "Fully agree.", "a.md", 5, 40) for k in (4, 5)]
    assert [(g.ids, g.reason) for g in group(short + on_passage)] == [
        ((4, 5), Reason.PASSAGE)
    ]
    assert [g.ids for g in group(short, min_words=3)] == [(1, 2, 3)]


def test_text_and_passage_links_make_one_group_of_both() -> None:
    letters = campaign(6)
    on_it = [Item(1, "Agreed.", "s0.md", 0, 50), Item(2, "No.", "s0.md", 0, 50)]
    placed = [Item(letters[0].id, letters[0].text, "s0.md", 0, 50), *letters[1:]]
    (found,) = group(placed + on_it)
    assert found.ids == (1, 2, *(item.id for item in letters))
    assert found.reason is Reason.BOTH
    assert found.near_identical == tuple(item.id for item in letters)
    assert found.representative in found.near_identical


def test_order_of_the_items_does_not_matter() -> None:
    items = campaign(30) + unrelated() + [Item(900, "x", "s0.md", 3, 9)]
    expected = group(items)
    rng = random.Random(1)
    for _ in range(5):
        rng.shuffle(items)
        assert group(items) == expected


def _fingerprint() -> str:
    """What grouping a campaign and a mix gives, as one printable line."""
    items = campaign(30) + campaign(8, seed=9, first_id=300) + unrelated()
    sig = signature(shingles(words(LETTER)))
    return repr((group(items), sum(sig) % 1_000_003))


def test_the_same_groups_in_every_process() -> None:
    here = _fingerprint()
    code = (
        "from tests.unit.text.test_similar import _fingerprint; print(_fingerprint())"
    )
    assert outputs_elsewhere(code) == {here}


def test_shingles_are_stable_hashes_of_normalised_words() -> None:
    assert words("The AI-Office’s 2nd  draft (v3.1)!") == [
        "the",
        "ai",
        "office",
        "s",
        "nd",
        "draft",
        "v",
    ]
    assert words("ＡＢＣ Ǆ") == ["abc", "dž"]  # NFKC, then case folded
    assert shingles(["a", "b", "c", "d"]) == {
        zlib.crc32(b"a b c"),
        zlib.crc32(b"b c d"),
    }
    assert shingles(["a", "b"]) == {zlib.crc32(b"a b")}
    assert shingles([]) == set()


def test_signatures_estimate_jaccard() -> None:
    a = set(range(0, 3000))
    b = set(range(1000, 4000))  # Jaccard 0.5
    sa, sb = signature(a), signature(b)
    assert len(sa) == BINS
    agree = sum(x == y for x, y in zip(sa, sb, strict=True)) / BINS
    assert abs(agree - jaccard(a, b)) < 0.2
    assert signature({7}) == signature({7})
    with pytest.raises(ValueError):
        signature(set())


def test_empty_input_and_bad_arguments() -> None:
    assert group([]) == []
    with pytest.raises(ValueError, match="unique"):
        group([Item(1, "a", "a.md", 0, 1), Item(1, "b", "a.md", 0, 1)])
    with pytest.raises(ValueError):
        group([], threshold=0)
    with pytest.raises(ValueError):
        group([], overlap=1.5)


def test_a_large_campaign_is_checked_in_linear_time() -> None:
    letters = campaign(2000, seed=5)
    timings: dict[str, float] = {}
    (found,) = group(letters, timings=timings)
    assert len(found.ids) == 2000
    assert set(timings) == {
        "shingling", "minhash", "lsh", "verification", "passages", "assembling"
    }  # fmt: skip
