"""The operator's forms: a new organisation, its name, its host name."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

from ..forms import Form, PlainText
from ..organisations import HOST_PATTERN, NAME_MAX, SLUG_PATTERN


def _name_field() -> StringField:
    return StringField(
        _l("Name"),
        description=_l("As reporters see it, for example Exempelby kommun."),
        validators=[
            DataRequired(message=_l("Write the organisation's name.")),
            Length(max=NAME_MAX),
            PlainText(),
        ],
        # Blanks alone are no name: collapsed here, so that DataRequired says so.
        filters=[lambda value: " ".join(value.split()) if value else value],
    )


class OrganisationForm(Form):
    slug = StringField(
        _l("Short name in the address"),
        description=_l("Lower-case letters a–z, digits and hyphens: the address becomes /o/<short name>/."),
        validators=[
            InputRequired(),
            Length(max=40),
            Regexp(
                rf"^{SLUG_PATTERN}$",
                message=_l("Use lower-case letters a–z, digits and hyphens, not first or last."),
            ),
        ],
    )
    name = _name_field()


class NameForm(Form):
    name = _name_field()


class HostForm(Form):
    host = StringField(
        _l("Host name of its own"),
        description=_l(
            "Optional, for example visselblasare.exempelby.se; the proxy must send it to this server. "
            "Leave empty to use the installation's address only."
        ),
        validators=[
            Optional(),
            Length(max=253),
            Regexp(rf"^{HOST_PATTERN}$", message=_l("Write a host name such as visselblasare.exempelby.se.")),
        ],
        filters=[lambda value: value.strip().lower().rstrip(".") if value else value],
    )
