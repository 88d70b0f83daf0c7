"""The public call for expressions of interest: the form, the page that says
to check one's mail, and the applicant's status page (confirm, withdraw)."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice

from cop_drafts.db.models import utcnow
from cop_drafts.services import application_mail, applications, calls
from cop_drafts.services import codes as code_service
from cop_drafts.services.errors import ValidationError, WindowClosed

from .web import db_session, settings, show_errors

bp = Blueprint("apply", __name__)

#: Seconds a person needs at least to fill the form; faster is a robot.
MIN_SECONDS = 5
#: A form left open longer than this is sent again with a fresh stamp.
MAX_SECONDS = 24 * 3600


def _area(label: str) -> TextAreaField:
    return TextAreaField(label, validators=[])


class ApplyForm(FlaskForm):
    category = RadioField(
        "Stakeholder category",
        choices=[SelectChoice(c.value, c.label) for c in applications.RULES],
        validate_choice=False,
    )
    wgs = SelectMultipleField("Working Groups", choices=[], validate_choice=False)
    name = StringField("Your name")
    email = EmailField("E-mail address")
    phone = StringField("Telephone (optional)")
    organisation = StringField("Organisation")
    website = StringField("Organisation's website (optional)")
    register_number = StringField("EU Transparency Register number")
    operations = _area(applications.EVIDENCE_LABELS["operations"])
    interest = _area(applications.EVIDENCE_LABELS["interest"])
    representativeness = _area(applications.EVIDENCE_LABELS["representativeness"])
    provider_self_assessment = BooleanField(
        "We provide general-purpose AI models in the sense of the AI Act, or plan "
        "to place one on the EU market"
    )
    provider_evidence = _area(applications.EVIDENCE_LABELS["provider_evidence"])
    expertise = _area(applications.EVIDENCE_LABELS["expertise"])
    independence = _area(applications.EVIDENCE_LABELS["independence"])
    candidacy = RadioField(
        "Stand as a candidate",
        choices=[SelectChoice("", "No")]
        + [SelectChoice(k.value, v) for k, v in applications.CANDIDACY_CHOICES.items()],
        default="",
        validate_choice=False,
    )
    candidacy_expertise = _area(applications.CANDIDACY_LABELS["expertise"])
    candidacy_ability = _area(applications.CANDIDACY_LABELS["ability"])
    candidacy_independence = _area(applications.CANDIDACY_LABELS["independence"])
    candidacy_availability = _area(applications.CANDIDACY_LABELS["availability"])
    declaration = _area("Declaration of interests")
    cv = FileField("CV (PDF)")
    cv_kept = HiddenField()
    consent_listing = BooleanField(
        "Name my organisation (or me, as an expert) on the public list of participants"
    )
    consent_cv = BooleanField(
        "If I am appointed, publish my CV and declaration of interests on that list"
    )
    privacy = BooleanField(
        "I agree that the AI Office uses these details to assess my application "
        "and, if it is accepted, to organise my participation"
    )
    started = HiddenField()
    # A field people never see (hidden by CSS, skipped by keyboard and screen
    # readers) that robots fill in.
    url = StringField("Leave this empty")


def _signer() -> TimestampSigner:
    return TimestampSigner(current_app.config["SECRET_KEY"], salt="apply-form")


def _input(form: ApplyForm) -> applications.ApplicationInput:
    upload = form.cv.data  # a FileStorage when a file with a name was sent
    data = upload.read() if upload is not None and upload.filename else None
    evidence = {k: form[k].data or "" for k in applications.EVIDENCE_LABELS}
    answers = {
        k: form[f"candidacy_{k}"].data or "" for k in applications.CANDIDACY_LABELS
    }
    return applications.ApplicationInput(
        category=form.category.data or "",
        wgs=tuple(form.wgs.data or ()),
        name=form.name.data or "",
        email=form.email.data or "",
        phone=form.phone.data or "",
        organisation=form.organisation.data or "",
        website=form.website.data or "",
        register_number=form.register_number.data or "",
        provider_self_assessment=bool(form.provider_self_assessment.data),
        evidence=evidence,
        candidacy=form.candidacy.data or "",
        candidacy_answers=answers,
        declaration=form.declaration.data or "",
        cv=data,
        cv_kept=form.cv_kept.data or "",
        consent_listing=bool(form.consent_listing.data),
        consent_cv=bool(form.consent_cv.data),
        privacy=bool(form.privacy.data),
    )


def _too_fast(form: ApplyForm) -> str | None:
    """Why the form's time stamp refuses it, or None."""
    least = current_app.config.get("APPLY_MIN_SECONDS", MIN_SECONDS)
    try:
        _, signed_at = _signer().unsign(
            form.started.data or "", max_age=MAX_SECONDS, return_timestamp=True
        )
    except SignatureExpired:
        return "This form was open for more than a day. Check it and send it again."
    except BadSignature:
        return "Check your answers and send the form again."
    waited = (utcnow() - signed_at).total_seconds()
    if waited < least:
        return "That was very quick. Check your answers and send the form again."
    return None


def client_key(remote_addr: str) -> str:
    """The sender's address as the rate limit counts it: keyed, so the
    database holds no address."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, remote_addr.encode(), hashlib.sha256).hexdigest()


def _page(form: ApplyForm, status: int = 200, **extra: Any) -> Any:
    db = db_session()
    call = calls.current_call(db)
    wgs: tuple[tuple[int, str], ...] = ()
    if call is not None:
        with code_service.open_store(settings(), call.code.slug) as store:
            wgs = calls.working_groups(store)
    form.started.data = _signer().sign("apply").decode()
    page = {
        "form": form,
        "call": call,
        "open": calls.is_open(call),
        "wgs": wgs,
        "chosen": set(form.wgs.data or ()),
        "rules": applications.RULES,
        "limit": settings().max_upload_bytes,
        "message": None,
        **extra,
    }
    return render_template("apply/new.html", **page), status


@bp.get("/apply")
def new() -> Any:
    return _page(ApplyForm())


@bp.post("/apply")
def create() -> Any:
    form = ApplyForm()
    if not form.validate():
        return _page(form, 400)
    if form.url.data:
        return redirect(url_for("apply.sent"))  # a robot: nothing is kept
    db = db_session()
    call = calls.current_call(db)
    if call is None or not calls.is_open(call):
        return _page(form, 403)  # the page says the call is closed, and when
    why = _too_fast(form)
    if why is not None:
        return _page(form, 400, message=why)
    data = _input(form)
    try:
        with code_service.open_store(settings(), call.code.slug) as store:
            applications.submit(
                db,
                store,
                call,
                data,
                cv_folder=settings().data_dir / "cvs",
                cv_limit=settings().max_upload_bytes,
                client_key=client_key(request.remote_addr or ""),
                per_hour=current_app.config.get(
                    "APPLY_PER_HOUR", applications.PER_HOUR
                ),
            )
    except applications.ApplicationRefused as error:
        show_errors(form, error)
        form.cv_kept.data = error.cv_kept
        return _page(form, 400)
    except applications.TooManyApplications as error:
        return _page(form, 429, message=str(error))
    except WindowClosed as error:
        return _page(form, 403, message=str(error))
    flash(f"We sent a link to {data.email.strip()} to confirm your address.", "info")
    return redirect(url_for("apply.sent"))


@bp.get("/apply/sent")
def sent() -> Any:
    return render_template("apply/sent.html", days=applications.CONFIRM_DAYS)


class StatusForm(FlaskForm):
    sure = BooleanField("Yes, withdraw my application and delete what I sent")


def _status(token: str, form: StatusForm | None = None, status: int = 200) -> Any:
    application = applications.find(db_session(), token)
    if application is None:
        return render_template("apply/unknown.html"), 404
    html = render_template(
        "apply/show.html",
        application=application,
        token=token,
        form=form or StatusForm(),
        delete_on=applications.delete_on(application),
        labels=applications.STATUS_LABELS,
        candidacies=applications.CANDIDACY_CHOICES,
        reference=application_mail.reference(application),
    )
    # The address is a key to someone's application: never cached or indexed.
    headers = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}
    return html, status, headers


@bp.get("/apply/status/<token>")
def show(token: str) -> Any:
    return _status(token)


@bp.post("/apply/status/<token>/confirm")
def confirm(token: str) -> Any:
    form = StatusForm()
    if not form.validate():
        return _status(token, form, 400)
    applications.confirm(db_session(), token)
    flash("Thank you: your address is confirmed and a receipt is on its way.", "info")
    return redirect(url_for("apply.show", token=token))


@bp.post("/apply/status/<token>/withdraw")
def withdraw(token: str) -> Any:
    form = StatusForm()
    if not form.validate() or not form.sure.data:
        form.sure.errors = ["Tick the box to confirm that you want to withdraw."]
        return _status(token, form, 400)
    try:
        applications.withdraw(
            db_session(), token, cv_folder=settings().data_dir / "cvs"
        )
    except ValidationError as error:
        show_errors(form, error)
        return _status(token, form, 400)
    return render_template("apply/withdrawn.html")
