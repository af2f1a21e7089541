"""The report form, which both audiences fill in: the reporter online, a moderator for a report
given by phone or in a meeting (``moderation/cases/oral_forms.py``, issue 15 part 1). Its fields
are named like :class:`portal.cases.intake.Submission`'s answers."""

from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, MultipleFileField, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from .cases.uploads.limits import MAX_FILE_MB, MAX_FILES
from .domain import Area, Category, ExertedBy, Kind, Support, When
from .forms import (
    TEXT_MIN,
    Form,
    Honeypot,
    choices,
    coerce_choices,
    enum_choice,
    long_text,
    no_answer,
)
from .upload_spool import ArrivedWhole


def _optional(enum_type: type[enum.StrEnum], label: object, description: object) -> RadioField:
    return RadioField(
        label,
        choices=no_answer() + choices(enum_type),
        coerce=enum_choice(enum_type),
        default="",
        description=description,
    )


def text_field(label: object, description: object) -> TextAreaField:
    required = InputRequired(message=_l("Please write something."))
    return long_text(label, required, rows=12, description=description, min=TEXT_MIN)


# Said before a file is chosen: what cleaning does, and what it costs the reporter as evidence.
# The limits come from the constants that enforce them (portal/cases/uploads/limits.py).
ATTACHMENTS_HELP = _l(
    "Up to %(files)d files of at most %(mb)d MB each: images (JPEG, PNG, WebP), PDF, office documents "
    "or text. Before a file is stored, the portal removes what can point to you: location and camera "
    "data, document properties, comments, tracked changes (deleted text is dropped, additions are "
    "kept), hidden parts and links. The text you can see stays as it is. A cleaned file no longer "
    "proves where it came from: keep the original yourself, somewhere safe.",
    files=MAX_FILES,
    mb=MAX_FILE_MB,
)


class ReportForm(Form):
    kind = RadioField(
        _l("What do you want to report?"),
        choices=choices(Kind),
        coerce=enum_choice(Kind),
        default=Kind.INFLUENCE.value,
        description=_l(
            "Whistleblowing reports follow the whistleblowing act (lag 2021:890) and its deadlines."
        ),
    )
    category = SelectField(
        _l("What kind of influence?"),
        choices=no_answer() + choices(Category),
        coerce=enum_choice(Category),
        default="",
        description=_l("Used to count reports by kind; choose the one that fits best."),
    )
    area = SelectField(
        _l("Area of work"),
        choices=no_answer() + choices(Area),
        coerce=enum_choice(Area),
        default="",
        description=_l(
            "Helps see where in the organisation pressure occurs. Choose “other” if few work in yours."
        ),
    )
    happened = _optional(
        When, _l("Roughly when?"), _l("Only roughly, so that the date does not point to you.")
    )
    exerted_by = _optional(
        ExertedBy, _l("Who exerted it?"), _l("A coarse answer is enough; do not name anyone here.")
    )
    reported_to_incident_system = BooleanField(_l("I have also reported it in the incident reporting system"))
    reported_to_police = BooleanField(_l("I have also reported it to the police"))
    support = _optional(
        Support, _l("What support do you want?"), _l("We use this to know how to answer you.")
    )
    # Radios rather than a checkbox: an unticked box is not sent at all, so "yes" could only be a
    # box ticked by default that a POST without it would untick. A radio left out keeps "yes".
    wants_acknowledgement = RadioField(
        _l("Do you want an acknowledgement of receipt?"),
        choices=[SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))],
        coerce=coerce_choices({"yes": True, "no": False}),
        default=True,
        description=_l("If you do, a moderator confirms within 7 days that the report was received."),
    )
    description = text_field(
        _l("What happened?"),
        _l(
            "Describe what happened and how it affected you or your work. Leave out names and details "
            "that could identify you or others, unless they are needed."
        ),
    )
    attachments = MultipleFileField(
        _l("Attachments (optional)"),
        validators=[ArrivedWhole()],
        description=ATTACHMENTS_HELP,
    )
    website = Honeypot(_l("Leave empty"), render_kw={"autocomplete": "off", "tabindex": "-1"})
