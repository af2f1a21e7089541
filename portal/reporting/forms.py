from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    MultipleFileField,
    StringField,
)
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length

from ..forms import (
    Form,
    long_text,
)
from ..ids import parse_id
from ..report_form import ATTACHMENTS_HELP, text_field
from ..report_form import ReportForm as ReportForm  # the reporter's form, shared with moderators
from ..upload_spool import ArrivedWhole


class CodeForm(Form):
    code = StringField(
        _l("Your code"),
        description=_l("The 16 characters you got when you sent your report, e.g. K7QM-2XHD-9RTB-4WPA."),
        validators=[InputRequired(message=_l("Enter your code.")), Length(max=64)],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )


class ReplyForm(Form):
    message = text_field(_l("Your message"), _l("Only the moderators can read it."))
    attachments = MultipleFileField(
        _l("Attachments (optional)"), validators=[ArrivedWhole()], description=ATTACHMENTS_HELP
    )


class ReplyWithCodeForm(CodeForm, ReplyForm):
    """A reply whose session had ended, back with a field for the code: the code opens the case
    again and the reply is sent (issue 17, item 1)."""


class FilesForm(Form):
    # Shown on the case page beside the reply form's own "attachments": an id of its own, so
    # that each label (and each error-summary link) points at its field.
    attachments = MultipleFileField(
        _l("Add files"),
        validators=[InputRequired(message=_l("Choose at least one file.")), ArrivedWhole()],
        id="more-files",
        description=ATTACHMENTS_HELP,
    )


class ReplaceCodeForm(Form):
    # One click would end the code the reporter has and show a new one only once: a code lost
    # on the way cannot be recovered, so the click is confirmed first (a box: works without JS).
    confirm = BooleanField(
        _l("Yes, replace my code. I will write down the new one; the old one stops working at once."),
        validators=[InputRequired(message=_l("Tick the box to confirm that you want a new code."))],
    )


class StoredForm(Form):
    stored = BooleanField(
        _l("I have written down or stored my code"),
        validators=[InputRequired(message=_l("Tick the box once you have written down your code."))],
    )


# Answers to what a moderator asked (issue 15, part 1). Each names the minutes or the offer by its
# number in the case's own dialogue (``seq``): the session reaches only its own case, so the
# number points nowhere else.
class Answer(Form):
    seq = HiddenField(validators=[InputRequired()])

    def entry(self) -> int | None:
        return parse_id(self.seq.data)  # ASCII digits only: "²".isdigit() is true, int("²") fails


class ApproveMinutesForm(Answer):
    pass


class CorrectionForm(Answer):
    # Short is fine here ("four calls, not three"): no least length, unlike a report.
    correction = long_text(
        _l("Your correction"),
        DataRequired(message=_l("Write what should be changed in the minutes.")),
        rows=5,
        description=_l("Say what is wrong or missing in the minutes. The moderators read it beside them."),
    )


class MeetingAnswerForm(Answer):
    # Sent by the button pressed: "accept" or "decline" (two buttons, no script needed).
    answer = HiddenField(
        validators=[
            AnyOf(["accept", "decline"], message=_l("Choose whether you accept or decline the meeting."))
        ]
    )
