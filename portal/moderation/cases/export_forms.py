"""The case page's forms for exports (issue 15 part 3): masking a passage, masking files, removing a
mask, and the export itself. The choices of passages and files are the case's, set by the view."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ...cases.export.redaction import PASSAGE_MAX
from ...forms import Form, PlainText, WholeNumber

REGISTRATION_MAX = 60  # characters: "KS 2026/00123", "SN-2026-0456.12"
# Letters of any alphabet, digits, spaces and the separators registration numbers use.
_REGISTRATION = re.compile(r"[\w \-/.:()]*")
FORMATS = ("pdf", "zip")


# The choices of passages and files are not checked by WTForms: the case's texts and files are
# known once it is decrypted, in the service, which refuses what the case does not have.


class MaskForm(Form):
    target = SelectField(_l("Mask a passage in"), choices=[], validate_choice=False)
    passage = TextAreaField(
        _l("The passage to mask"),
        description=_l(
            "Copy it from the text above or type it exactly as it is written there, for example a name."
        ),
        validators=[DataRequired(message=_l("Paste or type the passage to mask.")), PlainText()],
        render_kw={"rows": 2},
    )
    occurrence = WholeNumber(
        _l("Only where it occurs for the nth time (optional)"),
        description=_l("Leave empty to mask the passage everywhere in that text. 1 is its first occurrence."),
        validators=[Optional(), NumberRange(min=1, message=_l("Count occurrences from 1."))],
    )

    def validate_passage(self, field: TextAreaField) -> None:
        length = len((field.data or "").replace("\r\n", "\n").strip())
        if length > PASSAGE_MAX:
            raise ValidationError(
                _(
                    "The passage is %(length)d characters long; mask at most %(max)d at a time.",
                    length=length,
                    max=PASSAGE_MAX,
                )
            )


class FileMasksForm(Form):
    files = SelectMultipleField(
        _l("Leave these files out of exports"),
        description=_l("A masked file is not in the zip; the PDF lists it only as masked."),
        choices=[],
        coerce=int,
        validate_choice=False,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )


class RemoveMaskForm(Form):
    pass


class ExportForm(Form):
    registration = StringField(
        _l("Registration number (diarienummer)"),
        description=_l("Optional. Printed on every page, for example KS 2026/123."),
        validators=[Optional()],
    )
    include_notes = BooleanField(_l("Include the internal notes"))
    format = StringField(_l("Export as"), validators=[AnyOf(FORMATS, message=_l("Choose PDF or zip."))])

    def validate_registration(self, field: StringField) -> None:
        value = (field.data or "").strip()
        if len(value) > REGISTRATION_MAX:
            raise ValidationError(
                _("A registration number has at most %(max)d characters.", max=REGISTRATION_MAX)
            )
        if not _REGISTRATION.fullmatch(value):
            raise ValidationError(
                _("A registration number has letters, digits, spaces and - / . : ( ) only.")
            )
