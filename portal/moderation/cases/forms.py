"""Forms on the case page. Overwriting changes carry the version the moderator saw."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ...domain import STATUS_NAMES, Area, Category, Kind, Outcome, Status
from ...forms import Form, PlainText, WholeNumber, choices, enum_choice, long_text, no_answer

# DataRequired: blanks alone are no message (InputRequired lets "   " through).
SOMETHING = DataRequired(message=_l("Please write something."))


def status_choices() -> list[SelectChoice]:
    return [SelectChoice(s.value, STATUS_NAMES[s]) for s in Status]


class Versioned(Form):
    version = HiddenField(validators=[InputRequired()])

    def seen_version(self) -> int:
        try:
            return int(self.version.data or 0)
        except ValueError:
            return 0


class MessageForm(Form):
    message = long_text(_l("Message to the reporter"), SOMETHING, rows=8)
    feedback = BooleanField(
        _l("This message gives feedback on what has been done (whistleblowing act: within 3 months)")
    )


class NoteForm(Form):
    note = long_text(_l("Internal note (never shown to the reporter)"), SOMETHING, rows=4)


class StatusForm(Versioned):
    status = SelectField(_l("Status"), choices=status_choices, coerce=enum_choice(Status))
    outcome = SelectField(
        _l("Outcome (required when closing)"),
        choices=no_answer() + choices(Outcome),
        coerce=enum_choice(Outcome),
        default="",
        validators=[Optional()],
    )


class AssignForm(Versioned):
    assignee = SelectField(_l("Assigned to"), choices=[], validators=[Optional()])


class LabelsForm(Versioned):
    labels = StringField(
        _l("Labels"),
        description=_l("Separate with commas. New labels are created."),
        validators=[Length(max=400), PlainText()],
    )


class ClassifyForm(Versioned):
    kind = SelectField(_l("Kind"), choices=choices(Kind), coerce=enum_choice(Kind))
    category = SelectField(
        _l("Category"), choices=no_answer() + choices(Category), coerce=enum_choice(Category), default=""
    )
    area = SelectField(
        _l("Area of work"), choices=no_answer() + choices(Area), coerce=enum_choice(Area), default=""
    )


class MeetingForm(Versioned):
    pass


class EraseForm(Form):
    confirm_number = WholeNumber(
        _l("Type the case number to confirm"),
        validators=[InputRequired(message=_l("Type the case number.")), NumberRange(min=1)],
    )
