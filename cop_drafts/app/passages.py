"""The form of a resolution view (a save that clashed, a merge on the board):
a choice and a wording per clashing passage, its fields made per request
from the passages on the page, under the names the page has always sent."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, TypeVar

from flask_wtf import FlaskForm
from wtforms import Field, HiddenField, RadioField, TextAreaField, ValidationError
from wtforms.fields.choices import SelectChoice

from cop_drafts.services.conflicts import (
    Choice,
    ConflictFile,
    choice_field,
    edit_field,
)

from .web import settings

CHOICES = [SelectChoice(c.value, c.label) for c in Choice]
_PASSAGE = re.compile(r"(?:choice|edit)-\d+-\d+")


class ResolutionForm(FlaskForm):
    """The fields every resolution view sends besides its passages."""

    message = TextAreaField()
    action = HiddenField()  # the button pressed: "preview" or "save"
    previewed = HiddenField()  # the digest of the text last shown

    def process(
        self,
        formdata: Any = None,
        obj: Any = None,
        data: Any = None,
        extra_filters: Any = None,
        **kwargs: Any,
    ) -> None:
        formdata = self.meta.wrap_formdata(self, formdata)
        # Kept to refuse choices for passages this page does not have.
        self.sent = tuple(formdata.keys()) if formdata is not None else ()
        super().process(formdata, obj, data=data, extra_filters=extra_filters, **kwargs)

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        unknown = [n for n in self.sent if _PASSAGE.fullmatch(n) and n not in self]
        if unknown:
            self.form_errors.append(
                "The choices sent name a passage this page does not have, so "
                "nothing was saved. Open the page again and choose once more."
            )
        return valid and not unknown

    @property
    def saving(self) -> bool:
        """True when the person pressed "Save this text"."""
        return self.action.data == "save"

    def choices(self) -> Mapping[str, str]:
        """The choice and the wording of every passage, by field name."""
        return {
            name: field.data or ""
            for name, field in self._fields.items()
            if _PASSAGE.fullmatch(name)
        }

    def summary(self) -> str:
        """Every message on the form, once each, for the top of the page."""
        messages = [m for errors in self.errors.values() for m in errors]
        return " ".join(dict.fromkeys(str(m) for m in messages))


Form = TypeVar("Form", bound=ResolutionForm)


def _within(limit: int, number: int) -> Any:
    """A validator: the wording of passage `number` is at most `limit` bytes
    (refused before a text is built from it and compared)."""

    def check(form: Any, field: Field) -> None:
        size = len((field.data or "").encode("utf-8"))
        if size > limit:
            raise ValidationError(
                f"Passage {number}: your wording is {size / 1024 / 1024:.1f} MB; "
                f"a section may be at most {limit / 1024 / 1024:.0f} MB. "
                "Nothing was saved."
            )

    return check


def passage_form(
    form: type[Form], files: tuple[ConflictFile, ...], **kwargs: Any
) -> Form:
    """`form` with a choice and a wording for each clashing passage of
    `files` (the page shows the person's own lines while no wording came);
    a wording is at most as long as a section may be."""
    limit = settings().max_upload_bytes
    fields: dict[str, Any] = {}
    for index, file in enumerate(files):
        for chunk in file.conflicts:
            n = chunk.number
            # Any value is taken: services.conflicts says in words what is wrong.
            fields[choice_field(index, n)] = RadioField(
                choices=CHOICES, validate_choice=False
            )
            fields[edit_field(index, n)] = TextAreaField(validators=[_within(limit, n)])
    made: type[Form] = type(form.__name__, (form,), fields)
    return made(**kwargs)
