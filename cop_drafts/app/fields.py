"""Form fields people know: dates as day/month/year and times on the 24-hour
clock in Brussels, typed as text (a browser's date picker follows its own
locale, e.g. mm/dd), parsed on the server with an error beside the field."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from markupsafe import Markup, escape
from wtforms import Field, StringField

from cop_drafts.services.errors import ValidationError
from cop_drafts.services.inputs import (
    CLOCK_EXAMPLE,
    DAY_EXAMPLE,
    parse_day,
    parse_day_time,
)

DAY_FORMAT, CLOCK_FORMAT = "%d/%m/%Y", "%H:%M"
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def _input(name: str, id: str, value: str, label: str, **attrs: Any) -> Markup:
    extra = "".join(f' {k.replace("_", "-")}="{escape(v)}"' for k, v in attrs.items())
    return Markup(
        f'<input type="text" name="{escape(name)}" id="{escape(id)}" '
        f'value="{escape(value)}" aria-label="{escape(label)}"{extra}>'
    )


class DayField(StringField):
    """A date typed as DD/MM/YYYY; `data` is a `date` or None when empty."""

    def __call__(self, **kwargs: Any) -> Markup:
        kwargs.setdefault("placeholder", "DD/MM/YYYY")
        kwargs.setdefault("inputmode", "numeric")
        kwargs.setdefault("size", 10)
        kwargs.setdefault("autocomplete", "off")
        return super().__call__(**kwargs)

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return self.data.strftime(DAY_FORMAT) if isinstance(self.data, date) else ""

    def process_formdata(self, valuelist: list[Any]) -> None:
        text = str(valuelist[0]).strip() if valuelist else ""
        if not text:
            self.data = None
            return
        try:
            self.data = parse_day(text, self.name)
        except ValidationError as error:
            raise ValueError(error.fields[self.name]) from error


class DayTimeField(Field):
    """A Brussels wall-clock time typed in two boxes sent under one name: the
    day (DD/MM/YYYY) and the time (HH:MM, 24-hour). `data` is a naive
    datetime, or None when both boxes are empty."""

    def __call__(self, **kwargs: Any) -> Markup:
        day, clock = self._texts()
        label = kwargs.pop("aria_label", None) or self.label.text
        field_id = str(kwargs.get("id", self.id))
        return (
            Markup('<span class="day-time">')
            + _input(
                self.name,
                field_id,
                day,
                f"{label}: day (DD/MM/YYYY)",
                placeholder="DD/MM/YYYY",
                inputmode="numeric",
                size="10",
                autocomplete="off",
            )
            + Markup(" at ")
            + _input(
                self.name,
                f"{field_id}-time",
                clock,
                f"{label}: time (HH:MM, 24-hour)",
                placeholder="HH:MM",
                inputmode="numeric",
                size="5",
                autocomplete="off",
            )
            + Markup(' <span class="muted small">Brussels time</span></span>')
        )

    def _texts(self) -> tuple[str, str]:
        if self.raw_data:
            texts = [str(v) for v in self.raw_data] + ["", ""]
            return texts[0], texts[1]
        if isinstance(self.data, datetime):
            return self.data.strftime(DAY_FORMAT), self.data.strftime(CLOCK_FORMAT)
        return "", ""

    def process_formdata(self, valuelist: list[Any]) -> None:
        texts = [str(v) for v in valuelist] + ["", ""]
        if len(valuelist) == 1 and _ISO.fullmatch(texts[0].strip()):
            # One ISO value (2026-03-24T10:00), as scripts and older pages
            # send it: split into the two boxes' texts.
            day, clock = texts[0].strip().split("T")
            year, month, dom = day.split("-")
            texts = [f"{dom}/{month}/{year}", clock]
        try:
            self.data = parse_day_time(texts[0], texts[1], self.name)
        except ValidationError as error:
            self.data = None
            raise ValueError(error.fields[self.name]) from error


HINT = (
    f"Day/month/year and the time on the 24-hour clock, Brussels time "
    f"(e.g. {DAY_EXAMPLE} at {CLOCK_EXAMPLE})."
)


def required(message: str) -> Any:
    """A validator: `message` when nothing was typed. Unlike DataRequired it
    keeps the parsing error of something typed wrong (which says more)."""
    from wtforms.validators import StopValidation

    def check(form: Any, field: Field) -> None:
        if field.data is None and not field.process_errors:
            raise StopValidation(message)

    return check
