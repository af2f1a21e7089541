from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Regexp

from ..forms import Form
from ..moderation.forms import NewPassphraseForm, totp_field


class AdminForm(NewPassphraseForm):
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


class TotpForm(Form):
    totp = totp_field()


class RecoveryStoredForm(Form):
    stored = BooleanField(
        _l("I have stored the recovery key in a safe place"),
        validators=[DataRequired(message=_l("Tick the box once you have stored the recovery key."))],
    )
