from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from ..forms import Form, Honeypot, PlainText, choices, long_text
from .models import FlagReason
from .service import BODY_MIN, TITLE_MAX

BODY_HELP = _l(
    "Plain text. Do not write names, personal identity numbers, addresses, phone numbers or other "
    "details that could identify you or anyone else."
)


def body_field(label: object) -> TextAreaField:
    required = InputRequired(message=_l("Please write something."))
    return long_text(label, required, rows=10, description=BODY_HELP, min=BODY_MIN)


def title_field(required: type[InputRequired] | type[DataRequired] = InputRequired) -> StringField:
    """A thread's title: the writer's, and the moderator's when they edit details out of it
    (``DataRequired``: a title of spaces would leave the thread without one)."""
    return StringField(
        _l("Title"),
        validators=[
            required(message=_l("Give the thread a title.")),
            Length(max=TITLE_MAX),
            PlainText(),
        ],
        render_kw={"maxlength": TITLE_MAX},
    )


class ThreadForm(Form):
    title = title_field()
    body = body_field(_l("Your post"))
    website = Honeypot(_l("Leave empty"), render_kw={"autocomplete": "off", "tabindex": "-1"})


class ReplyForm(Form):
    body = body_field(_l("Your reply"))
    website = Honeypot(_l("Leave empty"), render_kw={"autocomplete": "off", "tabindex": "-1"})


class FlagForm(Form):
    reason = RadioField(
        _l("Why should a moderator look at this post?"), choices=choices(FlagReason), default="identifying"
    )


class ForumCodeForm(Form):
    code = StringField(
        _l("Your forum code"),
        validators=[InputRequired(message=_l("Enter your code.")), Length(max=64)],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )


class GateForm(Form):
    passphrase = PasswordField(
        _l("The organisation's forum passphrase"),
        description=_l("Your workplace gives it to staff. It keeps the forum among colleagues."),
        validators=[InputRequired(message=_l("Enter the passphrase.")), Length(max=200)],
    )
