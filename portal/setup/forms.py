from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, Regexp

from ..moderation.forms import TOTP_HELP


class AdminForm(FlaskForm):
    username = StringField(
        _l("User name"),
        description=_l(
            "Letters, digits, dot, dash or underscore; 3 to 64 characters. Not your e-mail address."
        ),
        validators=[
            InputRequired(),
            Length(min=3, max=64),
            Regexp(
                r"^[A-Za-z0-9._-]+$", message=_l("Use only letters a–z, digits, dot, dash or underscore.")
            ),
        ],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Passphrase"),
        description=_l("At least 12 characters; four or more unrelated words work well."),
        validators=[InputRequired(), Length(max=1024)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the passphrase"),
        validators=[
            InputRequired(),
            EqualTo("password", message=_l("The two passphrases are not the same.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class TotpForm(FlaskForm):
    totp = StringField(
        _l("One-time code"),
        description=TOTP_HELP,
        validators=[InputRequired(), Regexp(r"^\s*\d{3}\s?\d{3}\s*$", message=_l("Enter six digits."))],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class RecoveryStoredForm(FlaskForm):
    stored = BooleanField(
        _l("I have stored the recovery key in a safe place"),
        validators=[DataRequired(message=_l("Tick the box once you have stored the recovery key."))],
    )
