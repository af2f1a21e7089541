from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from ..forms import TEXT_MAX, PlainText, choices
from ..forum.models import Moderation, WordAction


class RejectForm(FlaskForm):
    reason = StringField(
        _l("Reason (shown to the writer if they have a forum code)"),
        validators=[Optional(), Length(max=500), PlainText()],
    )


class RedactForm(FlaskForm):
    body = TextAreaField(
        _l("Edited text"),
        validators=[InputRequired(message=_l("Please write something.")), Length(max=TEXT_MAX), PlainText()],
        render_kw={"rows": 6},
    )


class WordForm(FlaskForm):
    word = StringField(_l("Word or phrase"), validators=[InputRequired(), Length(max=80), PlainText()])
    action = SelectField(_l("What happens"), choices=choices(WordAction))


class BoardForm(FlaskForm):
    name_sv = StringField(_l("Name in Swedish"), validators=[InputRequired(), Length(max=80), PlainText()])
    name_en = StringField(_l("Name in English"), validators=[InputRequired(), Length(max=80), PlainText()])
    moderation = SelectField(_l("Moderation"), choices=choices(Moderation))
    slow_mode_seconds = IntegerField(
        _l("Slow mode: seconds between two posts by the same writer (0 = off)"),
        # At most an hour: a slow-mode entry lives that long, and no entry may outlive the hourly
        # secret behind its key (docs/keys.md).
        validators=[InputRequired(), NumberRange(min=0, max=60 * 60)],
    )


class GateForm(FlaskForm):
    passphrase = PasswordField(
        _l("New forum passphrase (empty: no passphrase, the forum is open)"),
        validators=[Optional(), Length(min=8, max=200)],
    )
