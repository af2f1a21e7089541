from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField
from wtforms.validators import DataRequired

from ..forms import Form
from ..moderation.forms import NewPassphraseForm, totp_field, username_field


class PassphraseForm(NewPassphraseForm):
    """Step 1 of an invitation: the user name is the invitation's."""


class AdminForm(NewPassphraseForm):
    username = username_field()


class TotpForm(Form):
    totp = totp_field()


class RecoveryStoredForm(Form):
    stored = BooleanField(
        _l("I have stored the recovery key in a safe place"),
        validators=[DataRequired(message=_l("Tick the box once you have stored the recovery key."))],
    )
