"""Pages that explain the tool: the glossary of the few terms that remain."""

from __future__ import annotations

from flask import Blueprint, render_template

from cop_drafts.services.glossary import TERMS

bp = Blueprint("help", __name__)


@bp.get("/glossary")
def glossary() -> str:
    """The glossary: public, like the published drafts it explains."""
    return render_template("help/glossary.html", terms=TERMS)
