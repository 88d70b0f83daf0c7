"""A person's choice of e-mail notifications: per kind, off, at once or daily."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from cop_drafts.db.models import NotificationKind
from cop_drafts.services import notifications as notification_service

from .web import acting_user, db_session

bp = Blueprint("notifications", __name__)

_CHOICES = [
    SelectChoice(value, label)
    for value, label in notification_service.DELIVERY_LABELS.items()
]


def _radio(kind: NotificationKind) -> RadioField:
    return RadioField(
        kind.label,
        choices=_CHOICES,
        validators=[InputRequired("Choose one.")],
    )


class SettingsForm(FlaskForm):
    reply = _radio(NotificationKind.REPLY)
    disposition = _radio(NotificationKind.DISPOSITION)
    iteration = _radio(NotificationKind.ITERATION)
    deadline = _radio(NotificationKind.DEADLINE)


def _page(form: SettingsForm, status: int = 200) -> Any:
    fields = [form[kind.value] for kind in notification_service.CHOSEN_KINDS]
    return render_template("notifications/settings.html", form=form, fields=fields), (
        status
    )


@bp.get("/settings/notifications")
@login_required
def edit() -> Any:
    user = acting_user()
    assert user is not None  # login_required
    chosen = notification_service.load_preferences(db_session(), user)
    return _page(SettingsForm(data={k.value: v for k, v in chosen.items()}))


@bp.post("/settings/notifications")
@login_required
def update() -> Any:
    form = SettingsForm()
    if not form.validate():
        return _page(form, 400)
    user = acting_user()
    assert user is not None  # login_required
    choices = {
        kind.value: form[kind.value].data for kind in notification_service.CHOSEN_KINDS
    }
    notification_service.save_preferences(db_session(), user, choices)
    flash("Your notification settings are saved.", "info")
    return redirect(url_for("notifications.edit"))
