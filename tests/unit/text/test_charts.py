"""SVG charts: well-formed XML, labels escaped, numbers written, empty data."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from cop_drafts.text import charts
from cop_drafts.text.charts import Band, Bar, StackedBar, Strip

NS = "{http://www.w3.org/2000/svg}"
HOSTILE = "<script>alert(\"x\")</script> & 'quotes' \x07"


def _parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{NS}svg"
    return root


def _texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{NS}text")]


def _accessible(root: ET.Element, role: str = "img") -> None:
    """role, and aria-labelledby naming the <title> and <desc> inside."""
    assert root.get("role") == role
    ids = (root.get("aria-labelledby") or "").split()
    title, desc = root.find(f"{NS}title"), root.find(f"{NS}desc")
    assert title is not None and desc is not None
    assert ids == [title.get("id"), desc.get("id")]
    assert (title.text or "").strip() and (desc.text or "").strip()


def test_bar_chart_writes_every_label_and_number() -> None:
    bars = [Bar("Working Group 1", 12), Bar("Working Group 2", 1234), Bar("None", 0)]
    root = _parse(charts.bar_chart("chart-wg", "Comments per Working Group", bars))
    _accessible(root)
    texts = _texts(root)
    for bar in bars:
        assert bar.label in texts
    assert {"12", "1,234", "0"} <= set(texts)
    desc = root.find(f"{NS}desc")
    assert desc is not None and "Working Group 2: 1,234" in (desc.text or "")
    # The longest bar is the biggest number; a zero still shows a mark.
    widths = [float(r.get("width") or 0) for r in root.iter(f"{NS}rect")]
    assert widths.index(max(widths)) == 1 and 0 < widths[2] < widths[0]


def test_labels_are_escaped_and_stay_text() -> None:
    svg = charts.bar_chart("chart-x", HOSTILE, [Bar(HOSTILE, 3)], lead=HOSTILE)
    assert "<script" not in svg
    root = _parse(svg)
    assert root.find(f".//{NS}script") is None
    title = root.find(f"{NS}title")
    assert title is not None and title.text == HOSTILE.replace("\x07", "")
    assert any("<script>" in t for t in _texts(root))


def test_a_long_label_is_cut_and_kept_whole_in_its_tooltip() -> None:
    label = "A section title " * 10
    root = _parse(charts.bar_chart("chart-long", "T", [Bar(label, 2)]))
    shown = next(t for t in _texts(root) if t.startswith("A section"))
    assert shown.endswith("\u2026") and len(shown) < len(label)
    tips = [t.text for t in root.iter(f"{NS}title")]
    assert label in tips


@pytest.mark.parametrize(
    "svg",
    [
        charts.bar_chart("chart-empty", "Nothing", []),
        charts.stacked_chart("chart-empty", "Nothing", ["A", "B"], []),
        charts.density_chart("chart-empty", "Nothing", []),
    ],
)
def test_empty_data_says_so(svg: str) -> None:
    root = _parse(svg)
    _accessible(root)
    assert any(t.strip() for t in _texts(root))


def test_stacked_chart_has_a_pattern_per_series_and_every_number() -> None:
    series = ["Accepted", "Partially accepted", "Not accepted", "Noted", "Open"]
    bars = [
        StackedBar("Working Group 1", (3, 0, 2, 1, 4)),
        StackedBar("Working Group <2>", (0, 0, 0, 0, 0)),
    ]
    svg = charts.stacked_chart("chart-answers", "Answers", series, bars)
    root = _parse(svg)
    _accessible(root)
    patterns = [p.get("id") for p in root.iter(f"{NS}pattern")]
    assert patterns == [f"chart-answers-p{i}" for i in range(5)]
    texts = _texts(root)
    assert all(name in texts for name in series)
    assert "Working Group 1 \u00b7 10 comments" in texts
    assert "Working Group <2> \u00b7 0 comments" in texts
    # Under each bar, every series' number: 5 per bar.
    numbers = [t for t in texts if t.isdigit()]
    assert numbers == ["3", "0", "2", "1", "4", "0", "0", "0", "0", "0"]
    fills = {r.get("fill") for r in root.iter(f"{NS}rect")}
    assert {f"url(#chart-answers-p{i})" for i in range(5)} <= fills


def test_stacked_chart_refuses_mismatched_values() -> None:
    with pytest.raises(ValueError):
        charts.stacked_chart("chart-a", "T", ["A"], [StackedBar("x", (1, 2))])
    with pytest.raises(ValueError):
        charts.stacked_chart("chart-a", "T", list("ABCDEF"), [])


def test_chart_ids_are_checked() -> None:
    with pytest.raises(ValueError):
        charts.bar_chart('x" onload="alert(1)', "T", [Bar("a", 1)])


def test_density_strip_links_bands_with_comments_and_shades_by_count() -> None:
    strip = Strip(
        "Risk <assessment>",
        40,
        (
            Band(1, 10, 0, "/s?rev=d#line-1"),
            Band(11, 20, 5, "/s?rev=d&x=1#line-13"),
            Band(21, 30, 1, "/s?rev=d#line-22"),
            Band(31, 40, 0, None),
        ),
        note="2 more on removed text",
    )
    svg = charts.density_chart("chart-density", "Where comments cluster", [strip])
    root = _parse(svg)
    _accessible(root, role="group")
    links = [a.get("href") for a in root.iter(f"{NS}a")]
    assert links == ["/s?rev=d&x=1#line-13", "/s?rev=d#line-22"]
    labels = [a.get("aria-label") for a in root.iter(f"{NS}a")]
    assert labels[0] == "Lines 11\u201320: 5 comments. Open the passage."
    texts = _texts(root)
    assert {"Risk <assessment>", "5", "1", "line 1", "line 40"} <= set(texts)
    assert "2 more on removed text" in texts
    shades = [
        r.get("fill")
        for r in root.iter(f"{NS}rect")
        if (r.get("fill") or "").startswith("#")
    ]
    # Darker is more: the band with 5 is darkest, empty bands are white.
    assert shades[0] == shades[3] == "#ffffff"
    assert sum(int(shades[1][i : i + 2], 16) for i in (1, 3, 5)) < sum(
        int(shades[2][i : i + 2], 16) for i in (1, 3, 5)
    )
    desc = root.find(f"{NS}desc")
    assert desc is not None and "lines 11\u201320: 5" in (desc.text or "")


def test_density_strip_of_a_section_without_comments() -> None:
    strip = Strip("Glossary", 75, (Band(1, 75, 0, None),))
    root = _parse(charts.density_chart("chart-d", "T", [strip]))
    assert "no comments" in _texts(root)
    assert not list(root.iter(f"{NS}a"))


def test_long_numbers_take_turns_above_and_below_so_none_touch() -> None:
    bands = tuple(Band(i * 10 + 1, i * 10 + 10, 250 + i, None) for i in range(16))
    root = _parse(charts.density_chart("chart-d", "T", [Strip("S", 160, bands)]))
    numbers = [
        t for t in root.iter(f"{NS}text") if (t.text or "").replace(",", "").isdigit()
    ]
    assert [int(t.text or "") for t in numbers] == [250 + i for i in range(16)]
    rows = [t.get("y") for t in numbers]
    assert rows[0::2] == [rows[0]] * 8 and rows[1::2] == [rows[1]] * 8
    assert rows[0] != rows[1]
    few = tuple(Band(i * 10 + 1, i * 10 + 10, i + 1, None) for i in range(16))
    root = _parse(charts.density_chart("chart-d", "T", [Strip("S", 160, few)]))
    assert (
        len({t.get("y") for t in root.iter(f"{NS}text") if (t.text or "").isdigit()})
        == 1
    )
