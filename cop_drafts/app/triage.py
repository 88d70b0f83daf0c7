"""The Chairs' comment table, the answer to one or many comments, and a
participant's own comments with the answers they received."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import (
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from cop_drafts.db.models import DispositionKind
from cop_drafts.services import dispositions, outcomes, triage
from cop_drafts.services import rounds as round_service
from cop_drafts.services.errors import ValidationError

from .web import acting_user, current_code, current_store, db_session

bp = Blueprint("triage", __name__)

_FILTER_KEYS = (
    "wg", "path", "landing", "category", "round", "answer", "assignee",
    "organisation", "q", "commit", "group", "sort", "page",
)  # fmt: skip


class AnswerForm(FlaskForm):
    comment_ids = SelectMultipleField(coerce=int, validate_choice=False)
    kind = SelectField(
        "Disposition",
        choices=[SelectChoice("", "not decided yet")]
        + [SelectChoice(k.value, k.label) for k in DispositionKind],
        validate_choice=False,
    )
    response = TextAreaField("Response", validators=[Length(max=10_000)])
    commit = StringField("Change that implements it", validators=[Length(max=40)])
    assignee_id = SelectField("Handled by", validate_choice=False, coerce=str)
    action = HiddenField()
    back = HiddenField()


def filters_from(args: MultiDict[str, str]) -> triage.Filters:
    """Table filters from a query string; unknown values are ignored."""
    wg, page = args.get("wg", ""), args.get("page", "")
    sort = args.get("sort", "newest")
    return triage.Filters(
        wg=int(wg) if wg.isdigit() else None,
        path=args.get("path", "")[:512],
        landing=args.get("landing", ""),
        category=args.get("category", ""),
        round_tag=args.get("round", "")[:64],
        answer=args.get("answer", ""),
        assignee=args.get("assignee", "")[:12],
        organisation=args.get("organisation", "")[:100],
        q=args.get("q", "")[:200],
        commit=args.get("commit", "")[:40],
        group=int(args["group"]) if args.get("group", "").isdigit() else 0,
        sort=sort if sort in triage.SORTS else "newest",
        page=int(page) if page.isdigit() else 1,
    )


def _query(args: MultiDict[str, str], **changes: Any) -> str:
    kept = {k: args[k] for k in _FILTER_KEYS if args.get(k)}
    kept.update({k: v for k, v in changes.items() if v is not None})
    return urlencode({k: v for k, v in kept.items() if v != ""})


def _back(value: str | None) -> str:
    # Only a query string of this table: never an address elsewhere.
    value = (value or "").lstrip("?")
    return "?" + value if value and "/" not in value and "\\" not in value else ""


@bp.get("/c/<code_slug>/triage")
@login_required
def index(code_slug: str) -> Any:
    db, user, code = db_session(), acting_user(), current_code()
    store = current_store()
    table = triage.table(db, store, code, user, filters_from(request.args))
    opened = request.args.get("open", "")
    found = None
    if opened.isdigit():
        found = triage.detail(db, store, code, user, int(opened), table)
    form = AnswerForm(formdata=None)
    return render_template(
        "triage/index.html",
        code=code,
        table=table,
        detail=found,
        form=form,
        manifest=store.manifest("main"),
        rounds=[r.tag for r in round_service.list_rounds(db, code)],
        query=lambda **changes: _query(request.args, **changes),
        here=_query(request.args),
        LANDING_WORDS=triage.LANDING_WORDS,
        SORTS=triage.SORTS,
    )


@bp.post("/c/<code_slug>/triage/answer")
@login_required
def update(code_slug: str) -> Any:
    dispositions.require_answerer(acting_user())
    form = AnswerForm()
    if not form.validate():
        raise ValidationError("The answer could not be read: reload and try again.")
    db, code = db_session(), current_code()
    ids = list(form.comment_ids.data or [])
    assignee = form.assignee_id.data or ""
    data = dispositions.AnswerInput(
        kind=DispositionKind(form.kind.data) if form.kind.data else None,
        response=form.response.data or "",
        commit=form.commit.data or "",
        assignee_id=int(assignee) if assignee.isdigit() else None,
    )
    if form.action.data == "release-only":
        dispositions.release(db, code, acting_user(), ids)
        flash(f"Released the answers to {len(ids)} comment(s).", "info")
    else:
        release = form.action.data == "release"
        dispositions.answer(
            db, current_store(), code, acting_user(), ids, data, release=release
        )
        done = "Released" if release else "Saved as a draft"
        flash(f"{done}: the answer to {len(ids)} comment(s).", "info")
    back = _back(form.back.data)
    return redirect(url_for("triage.index", code_slug=code_slug) + back)


@bp.get("/c/<code_slug>/triage/similar")
@login_required
def similar(code_slug: str) -> Any:
    db, code = db_session(), current_code()
    store = current_store()
    wg = request.args.get("wg", "")
    found = triage.similar(
        db, store, code, acting_user(), int(wg) if wg.isdigit() else None
    )
    texts = triage.excerpts(db, [g.representative or g.ids[0] for g in found])
    return render_template("triage/similar.html", code=code, groups=found, texts=texts)


@bp.get("/c/<code_slug>/mine")
@login_required
def mine(code_slug: str) -> Any:
    db, code = db_session(), current_code()
    store = current_store()
    found = outcomes.mine(db, store, code, acting_user())
    titles = {s.path: s.title for s in store.manifest("main").sections}
    return render_template("triage/mine.html", code=code, items=found, titles=titles)
