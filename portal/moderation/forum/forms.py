from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import Field, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ...forms import Form, PlainText, WholeNumber, choices, long_text
from ...forum.forms import title_field
from ...forum.models import Board, Moderation, WordAction
from ...i18n import LANGUAGES


class RejectForm(Form):
    reason = StringField(
        _l("Reason (shown to the writer if they have a forum code)"),
        validators=[
            Optional(),
            Length(max=500, message=_l("The reason can be at most %(max)d characters long.")),
            PlainText(),
        ],
    )


class RedactForm(Form):
    body = long_text(_l("Edited text"), InputRequired(message=_l("Please write something.")), rows=6)


class RedactThreadForm(RedactForm):
    """Editing the post that begins a thread: its title may identify someone too (issue 17 item 11)."""

    title = title_field(DataRequired)


class WordForm(Form):
    word = StringField(_l("Word or phrase"), validators=[InputRequired(), Length(max=80), PlainText()])
    action = SelectField(_l("What happens"), choices=choices(WordAction))


# The board form has a name field per language of the portal: name_sv, name_en, … A language
# added to portal.i18n.LANGUAGES needs its label here (and the label's translation).
NAME_LABELS = {"sv": _l("Name in Swedish"), "en": _l("Name in English")}
# Made before the class body's fields, so that they come first in the form (and its errors).
_NAME_FIELDS = {
    f"name_{code}": StringField(NAME_LABELS[code], validators=[InputRequired(), Length(max=80), PlainText()])
    for code in LANGUAGES
}


class BoardForm(Form):
    moderation = SelectField(_l("Moderation"), choices=choices(Moderation))
    slow_mode_seconds = WholeNumber(
        _l("Slow mode: seconds between two posts by the same writer (0 = off)"),
        # At most an hour: a slow-mode entry lives that long, and no entry may outlive the hourly
        # secret behind its key (docs/keys.md).
        validators=[InputRequired(), NumberRange(min=0, max=60 * 60)],
    )

    def name_fields(self) -> list[Field]:
        return [self[f"name_{code}"] for code in LANGUAGES]

    def names(self) -> dict[str, str]:
        """The names given, by language code."""
        return {code: self[f"name_{code}"].data or "" for code in LANGUAGES}

    @staticmethod
    def data_of(board: Board) -> dict[str, str]:
        """The board's names as the form's data (a language it has no name in starts empty)."""
        return {f"name_{code}": name for code, name in board.names().items()}


for _field_name, _field in _NAME_FIELDS.items():
    setattr(BoardForm, _field_name, _field)


class GateForm(Form):
    passphrase = PasswordField(
        _l("New forum passphrase (empty: no passphrase, the forum is open)"),
        validators=[Optional(), Length(min=8, max=200)],
    )
