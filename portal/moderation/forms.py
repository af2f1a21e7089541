from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import EqualTo, InputRequired, Length, Regexp

from ..forms import Form

TOTP_HELP = _l("The six digits your authenticator app shows now.")
PASSWORD_HELP = _l("At least 12 characters; four or more unrelated words work well.")


def totp_field() -> StringField:
    """The six-digit authenticator code, as log-in and TOTP enrolment ask for it."""
    return StringField(
        _l("One-time code"),
        description=TOTP_HELP,
        validators=[InputRequired(), Regexp(r"^\s*\d{3}\s?\d{3}\s*$", message=_l("Enter six digits."))],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


def username_field() -> StringField:
    """A new account's user name: the same rule in the set-up wizard, an enrolment link and the
    users page (issue 17, part 14). No @: a user name is not an e-mail address."""
    return StringField(
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


class LoginForm(Form):
    username = StringField(_l("User name"), validators=[InputRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=1024)])
    totp = totp_field()
    # A message or note written while the session ran out, sealed (moderation/drafts.py).
    draft = HiddenField()


class DraftForm(Form):
    """The button after a log-in that takes the carried text back to its case."""

    draft = HiddenField(validators=[InputRequired()])


class NewPassphraseForm(Form):
    """A new passphrase typed twice: the set-up wizard's admin, a new account, a reset."""

    password = PasswordField(
        _l("Passphrase"),
        description=PASSWORD_HELP,
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


class PasswordChangeForm(Form):
    current = PasswordField(
        _l("Current password"),
        validators=[InputRequired(), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )
    new = PasswordField(
        _l("New password"),
        validators=[InputRequired(), Length(max=1024)],
        description=PASSWORD_HELP,
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[InputRequired(), EqualTo("new", message=_l("The two passwords are not the same."))],
        render_kw={"autocomplete": "new-password"},
    )


class ActionForm(Form):
    """A button that changes something: carries only the CSRF token."""
