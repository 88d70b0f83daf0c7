"""Charts as SVG drawn on the server: bars with their numbers written beside
them, stacked bars told apart by pattern, and density strips along a text.

Pure: values in, SVG text out. Every label is escaped here, so the result
can be placed in a page as it is. Nothing relies on colour alone: numbers
are written out, and the series of a stacked bar differ by pattern.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH = 360
FONT = 13
SMALL = 11
INK = "#1d2330"
MUTED = "#5b6475"
BAR = "#0b3d91"
LINE = "#b9c0cc"
_ID = re.compile(r"[a-z][a-z0-9-]{0,63}")
# XML 1.0 refuses these characters: a label carrying one would break the page.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar: its label and its number."""

    label: str
    value: int


@dataclass(frozen=True, slots=True)
class StackedBar:
    """One bar split into parts, one number per series."""

    label: str
    values: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Band:
    """Lines `line_start`..`line_end` of a text, its count, and where it links."""

    line_start: int
    line_end: int
    count: int
    href: str | None = None


@dataclass(frozen=True, slots=True)
class Strip:
    """A text `line_count` lines long, cut in bands; `note` is said under its
    label (default: "no comments" when no band has any)."""

    label: str
    line_count: int
    bands: tuple[Band, ...]
    note: str = ""


def _esc(value: object) -> str:
    return escape(_ILLEGAL.sub("", str(value)), quote=True)


def _num(value: int) -> str:
    return f"{value:,}"


def _plural(n: int, one: str, many: str) -> str:
    return f"{_num(n)} {one if n == 1 else many}"


def _fit(label: str, width: float, size: int = FONT) -> str:
    """`label` cut with an ellipsis to about `width` units at `size`."""
    room = max(4, int(width / (size * 0.56)))
    return label if len(label) <= room else label[: room - 1].rstrip() + "\u2026"


def _width(text: str, size: int) -> float:
    """A generous estimate of the width of `text` (digits, mostly)."""
    return len(text) * size * 0.62


def _text(
    x: float | str, y: float, content: str, *, size: int = FONT, **attrs: str
) -> str:
    """`x` in units, or a string such as "50%" (of a fluid chart's width)."""
    extra = "".join(f' {k.replace("_", "-")}="{_esc(v)}"' for k, v in attrs.items())
    where = x if isinstance(x, str) else f"{x:.1f}"
    return (
        f'<text x="{where}" y="{y:.1f}" font-size="{size}"{extra}>'
        f"{_esc(content)}</text>"
    )


def _open(
    chart_id: str, title: str, desc: str, height: float, role: str, fluid: bool = False
) -> str:
    """The opening of a chart WIDTH units wide that scales as a picture, or,
    when `fluid`, as wide as its container with text at its own size."""
    if not _ID.fullmatch(chart_id):
        raise ValueError(f"not a chart id: {chart_id!r}")
    size = (
        f'width="100%" height="{height:.0f}" class="chart fluid"'
        if fluid
        else f'viewBox="0 0 {WIDTH} {height:.0f}" width="{WIDTH}" '
        f'height="{height:.0f}" class="chart"'
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{chart_id}" {size} '
        f'role="{role}" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'font-family="system-ui, sans-serif" fill="{INK}">'
        f'<title id="{chart_id}-title">{_esc(title)}</title>'
        f'<desc id="{chart_id}-desc">{_esc(desc)}</desc>'
    )


def empty_chart(chart_id: str, title: str, message: str) -> str:
    """A chart with nothing to draw: its title and `message` in words.

    Raises ValueError (chart id not of a-z, 0-9, -).
    """
    return (
        _open(chart_id, title, message, 28, "img")
        + _text(0, 18, message, fill=MUTED)
        + "</svg>"
    )


def bar_chart(chart_id: str, title: str, bars: Sequence[Bar], *, lead: str = "") -> str:
    """Horizontal bars, each with its label above and its number beside it.

    `lead` opens the description read out instead of the picture.
    Raises ValueError (chart id not of a-z, 0-9, -).
    """
    if not bars:
        return empty_chart(chart_id, title, "Nothing to count yet.")
    top = max(max(b.value for b in bars), 1)
    room = WIDTH - 8 - _width(_num(top), FONT)
    row = 40
    desc = " ".join([lead, "; ".join(f"{b.label}: {_num(b.value)}" for b in bars)])
    parts = [_open(chart_id, title, desc.strip() + ".", len(bars) * row + 4, "img")]
    for i, bar in enumerate(bars):
        y = i * row
        label = _fit(bar.label, WIDTH)
        length = bar.value / top * room
        parts.append("<g>")
        if label != bar.label:
            parts.append(f"<title>{_esc(bar.label)}</title>")
        parts.append(_text(0, y + 14, label))
        parts.append(
            f'<rect x="0" y="{y + 20}" width="{max(length, 1.5):.1f}" height="14" '
            f'fill="{BAR if bar.value else MUTED}"/>'
        )
        parts.append(_text(length + 6, y + 32, _num(bar.value), font_weight="bold"))
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)


# Patterns tell the series of a stacked bar apart without colour: solid,
# stripes, cross-hatching, dots, blank. The colours only add to them.
_PATTERNS = (
    '<rect width="6" height="6" fill="#1f6b3a"/>',
    '<rect width="6" height="6" fill="#fff"/><path d="M0 6L6 0M-1 1L1 -1M5 7L7 5" '
    'stroke="#0b3d91" stroke-width="2"/>',
    '<rect width="6" height="6" fill="#fff"/><path d="M0 0L6 6M6 0L0 6" '
    'stroke="#a4262c" stroke-width="1.2"/>',
    '<rect width="6" height="6" fill="#fff"/><circle cx="3" cy="3" r="1.4" '
    'fill="#5a3d8a"/>',
    '<rect width="6" height="6" fill="#fff"/>',
)


def _defs(chart_id: str, count: int) -> str:
    return (
        "<defs>"
        + "".join(
            f'<pattern id="{chart_id}-p{i}" width="6" height="6" '
            f'patternUnits="userSpaceOnUse">{_PATTERNS[i]}</pattern>'
            for i in range(count)
        )
        + "</defs>"
    )


def _swatch(chart_id: str, i: int, x: float, y: float, size: int) -> str:
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{size}" height="{size}" '
        f'fill="url(#{chart_id}-p{i})" stroke="{INK}" stroke-width="1"/>'
    )


def stacked_chart(
    chart_id: str,
    title: str,
    series: Sequence[str],
    bars: Sequence[StackedBar],
    *,
    lead: str = "",
) -> str:
    """Bars split into up to five series, with a legend of patterns on top and,
    under each bar, every series' pattern with its number.

    Raises ValueError (more than five series, a bar with another number of
    values, chart id not of a-z, 0-9, -).
    """
    if not 0 < len(series) <= len(_PATTERNS):
        raise ValueError(f"between 1 and {len(_PATTERNS)} series, not {len(series)}")
    if any(len(b.values) != len(series) for b in bars):
        raise ValueError("every bar needs one value per series")
    if not bars:
        return empty_chart(chart_id, title, "Nothing to count yet.")
    legend_rows = math.ceil(len(series) / 2)
    head, row = legend_rows * 20 + 10, 74
    top = max(max(sum(b.values) for b in bars), 1)
    desc = " ".join(
        [
            lead,
            "; ".join(
                f"{b.label}: "
                + ", ".join(
                    f"{s} {_num(v)}" for s, v in zip(series, b.values, strict=True)
                )
                for b in bars
            ),
        ]
    )
    height = head + len(bars) * row
    parts = [_open(chart_id, title, desc.strip() + ".", height, "img")]
    parts.append(_defs(chart_id, len(series)))
    for i, name in enumerate(series):
        x, y = (i % 2) * (WIDTH / 2), (i // 2) * 20
        parts.append(_swatch(chart_id, i, x + 1, y + 2, 14))
        parts.append(_text(x + 22, y + 14, _fit(name, WIDTH / 2 - 24, SMALL + 1)))
    step = WIDTH / len(series)
    for n, bar in enumerate(bars):
        y = head + n * row
        total = sum(bar.values)
        label = _fit(
            f"{bar.label} \u00b7 {_plural(total, 'comment', 'comments')}", WIDTH
        )
        parts.append(_text(0, y + 14, label))
        x = 0.0
        for i, value in enumerate(bar.values):
            if value:
                length = value / top * (WIDTH - 1)
                parts.append(
                    f'<rect x="{x + 0.5:.1f}" y="{y + 20}" width="{length:.1f}" '
                    f'height="20" fill="url(#{chart_id}-p{i})" stroke="{INK}" '
                    'stroke-width="1"/>'
                )
                x += length
        if not total:
            parts.append(
                f'<rect x="0" y="{y + 20}" width="1.5" height="20" fill="{MUTED}"/>'
            )
        for i, value in enumerate(bar.values):
            parts.append(_swatch(chart_id, i, i * step + 1, y + 47, 12))
            parts.append(_text(i * step + 18, y + 58, _num(value), size=SMALL + 1))
    parts.append("</svg>")
    return "".join(parts)


def _shade(level: float) -> str:
    """White to BAR's dark blue: darker is more, in grey as in colour."""
    r, g, b = (int(BAR[i : i + 2], 16) for i in (1, 3, 5))
    mix = [round(255 + (c - 255) * level) for c in (r, g, b)]
    return "#" + "".join(f"{c:02x}" for c in mix)


#: The narrowest a fluid chart is drawn (a phone): a band's number is written
#: only when it fits at this width.
NARROWEST = 330


def _labels(bands: Sequence[Band], y: float) -> list[tuple[int, float] | None]:
    """(font size, baseline) of each band's number, or None where it cannot
    be written (the band's tooltip and the table beside the chart say it).

    Numbers sit mid-band; when one would touch its neighbours they take turns
    above and below the middle, so each has two bands' room. The bands of a
    strip differ by a line at most: each gets the same room.
    """
    room = NARROWEST / max(len(bands), 1)
    widest = max((_width(_num(b.count), SMALL) for b in bands if b.count), default=0)
    if widest <= room - 3:
        return [(SMALL, y + 19) if b.count else None for b in bands]
    size = SMALL - 1
    return [
        (size, y + (13 if i % 2 == 0 else 26))
        if b.count and _width(_num(b.count), size) <= 2 * room - 4
        else None
        for i, b in enumerate(bands)
    ]


def _band(
    band: Band, line_count: int, top: int, y: float, label: tuple[int, float] | None
) -> str:
    # In per cent of the chart's width: the strip spans whatever room it has.
    x = (band.line_start - 1) / line_count * 100
    width = (band.line_end - band.line_start + 1) / line_count * 100
    level = 0.0 if not band.count else 0.15 + 0.85 * band.count / top
    said = (
        f"Lines {band.line_start}\u2013{band.line_end}: "
        f"{_plural(band.count, 'comment', 'comments')}"
    )
    shape = (
        f'<rect x="{x:.3f}%" y="{y}" width="{width:.3f}%" height="30" '
        f'fill="{_shade(level)}" stroke="{LINE}" stroke-width="1"/>'
    )
    if label is not None:
        size, baseline = label
        shape += _text(
            f"{x + width / 2:.3f}%",
            baseline,
            _num(band.count),
            size=size,
            text_anchor="middle",
            font_weight="bold",
            fill="#fff" if level > 0.55 else INK,
        )
    if band.href is None or not band.count:
        return f"<g><title>{_esc(said)}</title>{shape}</g>"
    said += ". Open the passage."
    return (
        f'<a href="{_esc(band.href)}" aria-label="{_esc(said)}">'
        f"<title>{_esc(said)}</title>{shape}</a>"
    )


def density_chart(
    chart_id: str, title: str, strips: Sequence[Strip], *, lead: str = ""
) -> str:
    """A strip along each text: darker bands have more comments, each band
    with comments shows its number and links to its passage.

    The chart is as wide as its container (text keeps its size). It holds
    links, so it is a group rather than an image for assistive technology.
    Raises ValueError (chart id not of a-z, 0-9, -).
    """
    if not strips:
        return empty_chart(chart_id, title, "No text to show.")
    top = max([b.count for s in strips for b in s.bands] + [1])
    busiest = sorted(
        ((b.count, s.label, b) for s in strips for b in s.bands if b.count),
        key=lambda item: -item[0],
    )[:3]
    said = "; ".join(
        f"{label}, lines {b.line_start}\u2013{b.line_end}: {_num(n)}"
        for n, label, b in busiest
    )
    desc = " ".join(
        [lead, f"Busiest passages: {said}." if said else "No comments placed."]
    )
    row = 94
    parts = [_open(chart_id, title, desc.strip(), len(strips) * row, "group", True)]
    for n, strip in enumerate(strips):
        y = n * row
        total = sum(b.count for b in strip.bands)
        note = strip.note or ("" if total else "no comments")
        parts.append("<g>")
        parts.append(_text(0, y + 14, _fit(strip.label, NARROWEST), font_weight="600"))
        parts.append(_text(0, y + 31, _fit(note, NARROWEST, SMALL), size=SMALL))
        lines = max(strip.line_count, 1)
        for band, label in zip(strip.bands, _labels(strip.bands, y + 38), strict=True):
            parts.append(_band(band, lines, top, y + 38, label))
        parts.append(_text(0, y + 82, "line 1", size=SMALL, fill=MUTED))
        end = f"line {_num(strip.line_count)}"
        parts.append(
            _text("100%", y + 82, end, size=SMALL, fill=MUTED, text_anchor="end")
        )
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)
