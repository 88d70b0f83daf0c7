"""Statistics of a round of comments: charts drawn on the server, and each
chart's numbers as a CSV download. For people taking part, never public."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, render_template, request, url_for
from markupsafe import Markup

from cop_drafts.services import statistics
from cop_drafts.text import charts

from .web import acting_user, current_code, current_store, db_session

bp = Blueprint("statistics", __name__)


@bp.get("/c/<code_slug>/statistics")
def show(code_slug: str) -> Any:
    db, code = db_session(), current_code()
    found = statistics.page(
        db, current_store(), code, acting_user(), request.args.get("round")
    )
    return render_template(
        "statistics/show.html",
        code=code,
        stats=found,
        svg=_charts(code, found),
        answer_labels=statistics.ANSWERS,
    )


@bp.get("/c/<code_slug>/statistics/<chart>.csv")
def download(code_slug: str, chart: str) -> Any:
    db, code = db_session(), current_code()
    found = statistics.page(
        db,
        current_store(),
        code,
        acting_user(),
        request.args.get("round"),
        charts=(chart,),
    )
    data = statistics.to_csv(statistics.table(found, chart))
    round_ = found.scope.round
    name = f"{code.slug}-{round_.tag if round_ else 'no-round'}-{chart}.csv"
    response = Response(data, mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def passage(code_slug: str, tag: str, path: str, line: int | None) -> str | None:
    """The section page at `tag`, scrolled to `line` (None: no link)."""
    if line is None:
        return None
    url = url_for("sections.show", code_slug=code_slug, path=path, rev=tag)
    return f"{url}#line-{line}"


def _placed(strip: statistics.Density) -> str:
    said = f"{strip.placed:,} comment{'s' if strip.placed != 1 else ''}"
    return said + (
        f" \u00b7 {strip.removed:,} more on removed text" if strip.removed else ""
    )


def _charts(code: Any, found: statistics.Statistics) -> dict[str, Markup]:
    """The SVG of every chart. text.charts escapes every label and number it
    writes, so its output goes into the page as it is."""
    iteration = found.scope.iteration
    strips = [
        charts.Strip(
            d.title,
            d.line_count,
            tuple(
                charts.Band(
                    b.line_start,
                    b.line_end,
                    b.comments,
                    passage(code.slug, iteration.tag, d.path, b.first_line)
                    if iteration
                    else None,
                )
                for b in d.bands
            ),
            _placed(d),
        )
        for d in found.density
    ]
    series = [label for _key, label in statistics.ANSWERS]
    svg = {
        "working-groups": charts.bar_chart(
            "chart-working-groups",
            "Comments per Working Group",
            [charts.Bar(c.label, c.value) for c in found.by_wg],
        ),
        "sections": charts.bar_chart(
            "chart-sections",
            "Comments per section",
            [charts.Bar(c.label, c.value) for c in found.by_section],
        ),
        "categories": charts.bar_chart(
            "chart-categories",
            "Comments by stakeholder category",
            [charts.Bar(c.label, c.value) for c in found.by_category],
        ),
        "answers": charts.stacked_chart(
            "chart-answers",
            "Answers so far per Working Group",
            series,
            [charts.StackedBar(a.label, a.counts) for a in found.answers],
        ),
        "density": charts.density_chart(
            "chart-density", "Where comments cluster in each section", strips
        ),
    }
    return {name: Markup(text) for name, text in svg.items()}
