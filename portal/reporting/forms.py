from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    MultipleFileField,
    StringField,
)
from wtforms.fields import Field
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, StopValidation

from ..forms import TEXT_MIN, Form, long_text
from ..ids import parse_id
from ..report_form import ATTACHMENTS_HELP
from ..report_form import ReportForm as ReportForm  # the reporter's form, shared with moderators
from ..upload_spool import ArrivedWhole, has_files


class CodeForm(Form):
    code = StringField(
        _l("Your code"),
        description=_l("The 16 characters you got when you sent your report, e.g. K7QM-2XHD-9RTB-4WPA."),
        validators=[InputRequired(message=_l("Enter your code.")), Length(max=64)],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )


# The reply is the one place on the case page to add files (issue 17 item 7): a message, files,
# or both. Spaces and line breaks alone are no message.
NOTHING_TO_SEND = _l(
    "Write a message, or choose files to send without one. Spaces and line breaks alone are not sent."
)


class MessageOrFiles:
    """The message's check in place of ``InputRequired``: with files chosen the message may be
    empty (its other checks are skipped); with neither, one sentence says what to do. Not a
    ``required`` field, so the page does not claim that it is."""

    def __call__(self, form: Form, field: Field) -> None:
        if (field.data or "").strip():
            return
        if has_files(form["attachments"].data):
            raise StopValidation()  # no message, no error: the files go alone
        raise StopValidation(str(NOTHING_TO_SEND))


class ReplyForm(Form):
    message = long_text(
        _l("Your message"),
        MessageOrFiles(),
        rows=12,
        description=_l("Only the moderators can read it. To send only files, leave it empty."),
        min=TEXT_MIN,
    )
    attachments = MultipleFileField(
        _l("Attachments (optional)"), validators=[ArrivedWhole()], description=ATTACHMENTS_HELP
    )


class ReplyWithCodeForm(CodeForm, ReplyForm):
    """A reply whose session had ended, back with a field for the code: the code opens the case
    again and the reply is sent (issue 17, item 1)."""


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
