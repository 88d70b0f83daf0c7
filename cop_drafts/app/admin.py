"""The AI Office's pages: people, invitations, the audit log."""

from __future__ import annotations

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
from wtforms import (
    BooleanField,
    EmailField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from cop_drafts.db.models import (
    Category,
    Role,
    WgRole,
)
from cop_drafts.services import accounts, audit, sessions, statistics
from cop_drafts.services.errors import ValidationError
from cop_drafts.services.permissions import Action, require

from .fields import DayField
from .web import absolute_url, acting_user, db_session, settings, show_errors

bp = Blueprint("admin", __name__, url_prefix="/admin")

WG_CHOICES = [SelectChoice(str(n), f"Working Group {n}") for n in range(1, 5)]


class EndSessionsForm(FlaskForm):
    """Only the CSRF token: ending a person's sessions is a POST."""


class InviteForm(FlaskForm):
    email = EmailField(
        "E-mail",
        validators=[
            DataRequired("Give the address the invitation goes to."),
            Length(max=254),
        ],
    )
    name = StringField(
        "Name",
        validators=[DataRequired("Give the person's name."), Length(max=200)],
    )
    role = SelectField(
        "Role",
        choices=[SelectChoice(r.value, r.label) for r in Role],
        default=Role.PARTICIPANT.value,
    )
    wg_role = SelectField(
        "Role in the Working Groups",
        choices=[SelectChoice(r.value, r.label) for r in WgRole],
        default=WgRole.MEMBER.value,
    )
    category = SelectField(
        "Stakeholder category",
        choices=[SelectChoice("", "—")]
        + [SelectChoice(c.value, c.label) for c in Category],
        validators=[Optional()],
    )
    organisation = StringField("Organisation", validators=[Optional(), Length(max=200)])
    # Checkboxes, not a multiple select that needs Ctrl-click.
    wgs = SelectMultipleField(
        "Working Groups",
        choices=WG_CHOICES,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )


def _person(form: InviteForm) -> accounts.NewPerson:
    wg_role = WgRole(form.wg_role.data)
    return accounts.NewPerson(
        email=form.email.data or "",
        name=form.name.data or "",
        role=Role(form.role.data),
        category=Category(form.category.data) if form.category.data else None,
        organisation=form.organisation.data or None,
        memberships=tuple((int(wg), wg_role) for wg in form.wgs.data or []),
    )


def _users_page(form: InviteForm, link: str | None = None, status: int = 200) -> Any:
    db = db_session()
    users = accounts.list_users(db)
    ids = [u.id for u in users]
    return render_template(
        "admin/users.html",
        users=users,
        pending=accounts.pending_invitations(db, ids),
        open_sessions=sessions.count(db, ids),
        end_form=EndSessionsForm(formdata=None),
        form=form,
        link=link,
    ), status


@bp.get("/users")
@login_required
def index() -> Any:
    require(acting_user(), Action.MANAGE_USERS)
    return _users_page(InviteForm())


@bp.post("/invitations")
@login_required
def create() -> Any:
    require(acting_user(), Action.MANAGE_USERS)
    form = InviteForm()
    if not form.validate():
        return _users_page(form, status=400)
    try:
        user, token = accounts.invite(
            db_session(), acting_user(), _person(form), days=settings().invitation_days
        )
    except ValidationError as error:
        show_errors(form, error)
        return _users_page(form, status=400)
    # On the canonical URL: the link must not follow the Host this request named.
    link = absolute_url("auth.accept", token=token)
    return _users_page(
        InviteForm(formdata=None), link=f"{user.email}: {link}", status=201
    )


@bp.post("/users/<int:user_id>/sessions/end")
@login_required
def end_sessions(user_id: int) -> Any:
    require(acting_user(), Action.MANAGE_USERS)
    if not EndSessionsForm().validate():
        raise ValidationError("The form expired; reload the page and try again.")
    ended = sessions.end_all(db_session(), acting_user(), user_id)
    flash(f"{ended} session(s) ended: that person has to log in again.", "info")
    return redirect(url_for("admin.index"))


class AuditFilterForm(FlaskForm):
    """The audit log's filters: a GET form (it changes nothing), no token."""

    class Meta:
        csrf = False

    person = SelectField("Person", choices=[], validate_choice=False)
    action = SelectField("What happened", choices=[], validate_choice=False)
    since = DayField("From (day/month/year)")
    until = DayField("To (day/month/year)")
    logins = BooleanField("Include logins")


def _audit_filter() -> tuple[AuditFilterForm, audit.AuditFilter | None]:
    db = db_session()
    form = AuditFilterForm(request.args)
    form.person.choices = [SelectChoice("", "Anyone")] + [
        SelectChoice(str(u.id), f"{u.name} ({u.email})") for u in audit.actors(db)
    ]
    form.action.choices = [SelectChoice("", "Any action")] + [
        SelectChoice(a, audit.action_label(a)) for a in audit.actions(db)
    ]
    if not form.validate():
        return form, None
    person = form.person.data or ""
    try:
        filters = audit.AuditFilter(
            actor_id=int(person) if person.isdigit() else None,
            action=form.action.data or None,
            since=form.since.data,
            until=form.until.data,
            include_logins=bool(form.logins.data),
        )
        audit.search(db, acting_user(), filters)  # checks the range early
    except ValidationError as error:
        show_errors(form, error)
        return form, None
    return form, filters


@bp.get("/audit")
@login_required
def audit_log() -> Any:
    require(acting_user(), Action.VIEW_AUDIT)
    form, filters = _audit_filter()
    if filters is None:
        return _audit_page(form)
    page = request.args.get("page", "1")
    found = audit.search(
        db_session(), acting_user(), filters, int(page) if page.isdigit() else 1
    )
    return render_template(
        "admin/audit.html",
        form=form,
        found=found,
        query=_query(),
        audit_label=audit.action_label,
        summary_words=audit.summary_words,
    )


def _audit_page(form: AuditFilterForm) -> Any:
    """The log with the filters' errors beside them and no entries."""
    return render_template(
        "admin/audit.html",
        form=form,
        found=None,
        query=_query(),
        audit_label=str,
        summary_words=str,
    ), 400


def _query() -> dict[str, str]:
    """The filters asked for, to carry into page and CSV links."""
    return {k: v for k, v in request.args.items() if k != "page" and v}


@bp.get("/audit.csv")
@login_required
def audit_csv() -> Any:
    require(acting_user(), Action.VIEW_AUDIT)
    form, filters = _audit_filter()
    if filters is None:
        return _audit_page(form)
    rows = audit.export_rows(db_session(), acting_user(), filters)
    # Cells a spreadsheet would run as formulas are quoted by to_csv.
    data = statistics.to_csv(statistics.Table("audit", audit.CSV_COLUMNS, tuple(rows)))
    return Response(
        data,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="audit-log.csv"'},
    )
