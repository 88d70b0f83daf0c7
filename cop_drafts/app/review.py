"""The AI Office's review of expressions of interest: the queue per category,
one application with its checklist and decision, CVs, personal data, the
call's deadline, and appointments."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields import DateTimeLocalField
from wtforms.validators import Optional

from cop_drafts.db.models import ApplicationStatus, Category
from cop_drafts.services import (
    application_mail,
    applications,
    appointments,
    calls,
    privacy,
    review,
)
from cop_drafts.services import codes as code_service
from cop_drafts.services.errors import ValidationError
from cop_drafts.services.permissions import Action, require
from cop_drafts.services.rounds import BRUSSELS

from .participants import pdf_attachment
from .web import acting_user, db_session, settings, show_errors

bp = Blueprint("review", __name__, url_prefix="/review")


class EmptyForm(FlaskForm):
    """Only the CSRF token: for buttons that POST."""


class DecisionForm(FlaskForm):
    reason = TextAreaField("Reason or note for the applicant")
    # The checklist's boxes and the button pressed (save, approve, reject).
    checked = SelectMultipleField(validate_choice=False)
    # Not a HiddenField: hidden_tag() would write a second "action".
    action = StringField(default="save")


class AppointForm(FlaskForm):
    """The appointments board's rows: the post, the candidate's application
    and, for a Working Group post, the Working Group."""

    post = StringField(default="")
    application = StringField(default="")
    wg = StringField(default="")


class CallForm(FlaskForm):
    title = StringField("Title of the call")
    closes_at = DateTimeLocalField(
        "Deadline (Brussels time)", format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    retention_days = IntegerField(
        "Keep rejected applications for (days)", validators=[Optional()]
    )


def _cvs() -> Any:
    return settings().data_dir / "cvs"


def _enum(kind: type[Any], value: str | None, default: Any) -> Any:
    try:
        return kind(value) if value else default
    except ValueError:
        return default


@bp.get("")
@login_required
def index() -> Any:
    db = db_session()
    category = _enum(Category, request.args.get("category"), None)
    status = _enum(
        ApplicationStatus, request.args.get("status"), ApplicationStatus.SUBMITTED
    )
    queue = review.queue(db, acting_user(), calls.current_call(db), category, status)
    return render_template(
        "review/index.html",
        queue=queue,
        apply_url=_apply_url(),
        rules=applications.RULES,
        labels=review.STATUS_LABELS,
        reference=application_mail.reference,
    )


def _show(
    application_id: int,
    form: DecisionForm,
    status: int = 200,
    ticked: frozenset[str] | None = None,
) -> Any:
    page = review.review_page(db_session(), acting_user(), application_id)
    return render_template(
        "review/show.html",
        page=page,
        app=page.application,
        form=form,
        ticked=ticked,
        labels=review.STATUS_LABELS,
        evidence=applications.EVIDENCE_LABELS,
        candidacy=applications.CANDIDACY_LABELS,
        candidacies=applications.CANDIDACY_CHOICES,
        reference=application_mail.reference(page.application),
        delete_on=applications.delete_on(page.application),
    ), status


@bp.get("/applications/<int:application_id>")
@login_required
def show(application_id: int) -> Any:
    page = review.review_page(db_session(), acting_user(), application_id)
    return _show(application_id, DecisionForm(reason=page.application.reason))


@bp.post("/applications/<int:application_id>")
@login_required
def update(application_id: int) -> Any:
    form = DecisionForm()
    decision = review.Decision(
        action=form.action.data or "save",
        checked=frozenset(form.checked.data or ()),
        reason=form.reason.data or "",
    )
    try:
        review.decide(
            db_session(),
            acting_user(),
            application_id,
            decision,
            invitation_days=settings().invitation_days,
        )
    except ValidationError as error:
        db_session().rollback()
        show_errors(form, error)
        return _show(application_id, form, 400, decision.checked)
    done = {
        "approve": "Approved: the account is created and the invitation is on its way.",
        "reject": "Rejected: the applicant receives the reason.",
    }
    flash(done.get(decision.action, "The checklist is saved."), "info")
    return redirect(url_for("review.show", application_id=application_id))


@bp.post("/applications/<int:application_id>/invitation")
@login_required
def invite(application_id: int) -> Any:
    review.invite_again(
        db_session(), acting_user(), application_id, days=settings().invitation_days
    )
    flash("A new invitation link is on its way.", "info")
    return redirect(url_for("review.show", application_id=application_id))


@bp.get("/applications/<int:application_id>/cv")
@login_required
def cv(application_id: int) -> Any:
    application, path = review.cv_path(
        db_session(), acting_user(), application_id, _cvs()
    )
    return pdf_attachment(path, f"CV {application_mail.reference(application)}.pdf")


@bp.get("/applications/<int:application_id>/personal-data")
@login_required
def export(application_id: int) -> Any:
    name, data = privacy.export_application(
        db_session(), acting_user(), application_id, _cvs()
    )
    return Response(
        data,
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "private, no-store",
        },
    )


def _call_page(form: CallForm, status: int = 200) -> Any:
    db = db_session()
    require(acting_user(), Action.REVIEW_APPLICATIONS)
    call = calls.current_call(db)
    return render_template(
        "review/call.html",
        form=form,
        call=call,
        open=calls.is_open(call),
        apply_url=_apply_url(),
    ), status


def _apply_url() -> str:
    # The canonical address, as the call is announced: not the request's Host.
    return settings().base_url.rstrip("/") + url_for("apply.new")


@bp.get("/call")
@login_required
def edit_call() -> Any:
    require(acting_user(), Action.REVIEW_APPLICATIONS)
    call = calls.current_call(db_session())
    form = CallForm()
    if call is not None:
        form = CallForm(
            title=call.title,
            closes_at=call.closes_at.astimezone(BRUSSELS).replace(tzinfo=None),
            retention_days=call.retention_days,
        )
    return _call_page(form)


@bp.post("/call")
@login_required
def update_call() -> Any:
    require(acting_user(), Action.REVIEW_APPLICATIONS)
    form = CallForm()
    form.validate()
    db = db_session()
    closes: datetime | None = form.closes_at.data
    try:
        if closes is None:
            raise ValidationError(
                "No deadline.", {"closes_at": "Give the date and time."}
            )
        codes = code_service.list_codes(db)
        if not codes:
            raise ValidationError("There is no Code to take part in yet.")
        calls.save_call(
            db,
            acting_user(),
            codes[0].id,
            calls.CallInput(
                title=form.title.data or "",
                closes_at=closes.replace(tzinfo=BRUSSELS),
                retention_days=form.retention_days.data or 0,
            ),
        )
    except ValidationError as error:
        show_errors(form, error)
        return _call_page(form, 400)
    flash("The call is saved.", "info")
    return redirect(url_for("review.edit_call"))


@bp.get("/appointments")
@login_required
def appointments_board() -> Any:
    board = appointments.board(db_session(), acting_user())
    return render_template(
        "review/appointments.html",
        board=board,
        form=EmptyForm(),
        posts=list(appointments.Post),
        wgs=_wgs(),
        reference=application_mail.reference,
        candidacies=applications.CANDIDACY_CHOICES,
    )


def _wgs() -> tuple[tuple[int, str], ...]:
    call = calls.current_call(db_session())
    if call is None:
        return ()
    with code_service.open_store(settings(), call.code.slug) as store:
        return calls.working_groups(store)


@bp.post("/appointments")
@login_required
def appoint() -> Any:
    require(acting_user(), Action.APPOINT)
    form = AppointForm()
    wg, application = form.wg.data or "", form.application.data or ""
    user = appointments.appoint(
        db_session(),
        acting_user(),
        int(application) if application.isdigit() else 0,
        form.post.data or "",
        int(wg) if wg.isdigit() else None,
        tuple(n for n, _ in _wgs()),
    )
    flash(f"{user.name} is appointed; the audit log records it.", "info")
    return redirect(url_for("review.appointments_board"))
