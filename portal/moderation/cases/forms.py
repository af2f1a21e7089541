"""Forms on the case page. Overwriting changes carry the version the moderator saw."""

from __future__ import annotations

from enum import StrEnum

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ...domain import Area, Category, Kind, Outcome, Status, moderator_label
from ...forms import Form, PlainText, WholeNumber, choices, enum_choice, long_text

# DataRequired: blanks alone are no message (InputRequired lets "   " through).
SOMETHING = DataRequired(message=_l("Please write something."))


def status_choices() -> list[SelectChoice]:
    return choices(Status, moderator_label)


# A moderator's lists never offer the reporter's "I would rather not say": a case has no outcome
# *yet*, and re-classifying is the moderator's decision, for which "Something else" and "Other
# area" exist. The empty option stands for a category or area the reporter did not give, and is
# refused when sent.
NOT_YET = [SelectChoice("", _l("No outcome yet"))]
CHOOSE = [SelectChoice("", _l("Choose…"))]


def classification(enum_type: type[StrEnum], label: object, refused: object) -> SelectField:
    return SelectField(
        label,
        choices=CHOOSE + choices(enum_type),
        coerce=enum_choice(enum_type),
        default="",
        validators=[InputRequired(message=refused)],
    )


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
        choices=NOT_YET + choices(Outcome),
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
    kind = SelectField(_l("Kind"), choices=choices(Kind, moderator_label), coerce=enum_choice(Kind))
    category = classification(Category, _l("Category"), _l("Choose a category."))
    area = classification(Area, _l("Area of work"), _l("Choose an area of work."))


class MeetingForm(Versioned):
    pass


class AccessForm(Versioned):
    """Who may read the case (admins only): moderators kept out, or the assignee alone."""

    exclude = SelectMultipleField(
        _l("Keep these moderators out of the case"),
        description=_l("For example someone who is close to the matter. They lose the case key at once."),
        choices=[],
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    only_assigned = BooleanField(_l("Only the case officer (and the administrators) may read this case"))


class EraseForm(Form):
    confirm_number = WholeNumber(
        _l("Type the case number to confirm"),
        validators=[InputRequired(message=_l("Type the case number.")), NumberRange(min=1)],
    )


# A postponement's reason: a sentence or a few, shown on the case (issue 15 part 4).
REASON_MAX = 1000


class PostponeForm(Form):
    """Postponing a closed case's erasure (admins only): by 1 to ``max_days`` days (the
    organisation's retention period, set on the form by whoever makes it), with a reason."""

    days = WholeNumber(
        _l("Postpone the erasure by (days)"),
        validators=[InputRequired(message=_l("Type a number of days."))],
    )
    reason = TextAreaField(
        _l("Reason"),
        description=_l("At most 1000 characters. Everyone who reads the case sees it."),
        validators=[
            DataRequired(message=_l("Write why the case is kept longer.")),
            PlainText(),
        ],
        render_kw={"rows": 3},
    )
    max_days = 0

    def validate_reason(self, field: TextAreaField) -> None:
        # Not Length: its maxlength attribute lets a browser cut a pasted text silently (issue 17).
        length = len((field.data or "").replace("\r\n", "\n"))
        if length > REASON_MAX:
            raise ValidationError(
                _(
                    "The reason is %(length)d characters long; at most %(max)d fit. Shorten it.",
                    length=length,
                    max=REASON_MAX,
                )
            )

    def validate_days(self, field: WholeNumber) -> None:
        if field.data is not None and not 1 <= field.data <= self.max_days:
            raise ValidationError(
                _("Postpone by 1 to %(max)d days: at most the retention period.", max=self.max_days)
            )
