"""The form every audience's forms derive from, the validators and fields they share, and how a
choice is read from a request."""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from flask import request
from flask_babel import LazyString, format_number
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, IntegerField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from . import unavailable
from .domain import label
from .ids import MAX_ID
from .security.csrf import FormCSRF

E = TypeVar("E", bound=enum.Enum)

# Text people write: from a short sentence to a long account (DESIGN.md §4 asks for details).
# The most is room for an account pasted from months of notes; beyond it the text is refused
# with its length, never cut (issue 17). Swedish text is ~2 bytes a character: a full text is
# far below the 4 MB a form field may bring (MAX_FORM_MEMORY_SIZE in portal/__init__.py).
TEXT_MIN = 10  # characters
TEXT_MAX = 100_000  # characters


class Form(FlaskForm):
    """Every portal form: Flask-WTF's, with the session-less CSRF token (security/csrf.py).

    Flask-WTF's own token would put its secret in the session, and so give every visitor who only
    opens a form a server-side session (DESIGN.md §3)."""

    class Meta:
        csrf_class = FormCSRF

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unavailable.remember_form(self)


class PlainText:
    """Refuse characters that have no place in text: NUL and other C0 controls but tab/newline."""

    def __call__(self, form: Any, field: Field) -> None:
        value = field.data or ""
        if any(ord(ch) < 32 and ch not in "\t\r\n" for ch in value):
            raise ValidationError(str(_l("The text contains invalid characters. Remove them and try again.")))


class TextLength:
    """Refuse text shorter than ``min`` or longer than ``TEXT_MAX`` characters, and say how long
    it is: the form comes back with the text in it, to be shortened rather than typed again.

    A line break counts once, as the browser shows it, although the form sends it as CR LF."""

    def __init__(self, min: int = 0) -> None:
        self.min = min

    def __call__(self, form: Any, field: Field) -> None:
        length = len((field.data or "").replace("\r\n", "\n"))
        if length > TEXT_MAX:
            raise ValidationError(
                _(
                    "The text is %(length)s characters long; at most %(max)s fit. Shorten it and send "
                    "it again.",
                    length=format_number(length),
                    max=format_number(TEXT_MAX),
                )
            )
        if length < self.min:
            raise ValidationError(_("Write at least %(min)d characters.", min=self.min))


def _with_limit(description: object) -> str:
    limit = _("At most %(max)s characters.", max=format_number(TEXT_MAX))
    return f"{description} {limit}" if description else limit


def long_text(
    label: object, required: object, *, rows: int, description: object = None, min: int = 0
) -> TextAreaField:
    """A field for text people write, up to ``TEXT_MAX`` characters, its help text saying so.

    No ``maxlength``: a browser silently cuts a pasted text there, mid-word, and sends the rest
    (issue 17); :class:`TextLength` refuses it instead. ``required`` is the field's own check
    (``InputRequired`` or ``DataRequired``) with its message."""
    return TextAreaField(
        label,
        # Worded when the page is drawn, in its language.
        description=LazyString(_with_limit, description),
        validators=[required, TextLength(min), PlainText()],
        render_kw={"rows": rows},
    )


class WholeNumber(IntegerField):
    """An ``IntegerField`` that refuses numbers beyond ``MAX_ID`` with a message of its own.

    ``NumberRange`` compares through ``float``: from 309 digits on that overflows (a 500)."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        number: int | None = self.data  # type: ignore[has-type]  # wtforms leaves data untyped
        if number is not None and abs(number) > MAX_ID:
            self.data = None
            raise ValueError(str(_l("The number is too large.")))


class Honeypot(StringField):
    """A field people never see or fill in; automated posting does (then we refuse)."""

    def pre_validate(self, form: Any) -> None:
        if self.data:
            raise ValidationError(str(_l("Leave the field “Leave empty” empty.")))


def choices(
    enum_type: type[enum.StrEnum], words: Callable[[enum.StrEnum], LazyString] = label
) -> list[SelectChoice]:
    """The options of a vocabulary, labelled in the page's language (moderators' forms pass
    ``words=moderator_label``). The label is looked up when the page is rendered, not when the
    form class is defined: a package's vocabulary (the forum's) is added to the labels by
    ``create_app``, after its forms were imported."""
    return [SelectChoice(member.value, LazyString(words, member)) for member in enum_type]


def no_answer() -> list[SelectChoice]:
    return [SelectChoice("", _l("I would rather not say"))]


def parse_enum(enum_type: type[E], text: str | None) -> E | None:
    """The member whose value is ``text``; None for empty or unknown text, never an exception.

    For query strings, where a value we do not know (a stale or hand-edited link) means "no
    filter" rather than an error page. Form fields refuse such a value instead: :func:`enum_choice`.
    """
    if not text:
        return None
    try:
        return enum_type(text)
    except ValueError:
        return None


def coerce_choices(values: Mapping[str, object]) -> Callable[[Any], Any]:
    """A choice field's ``coerce``: the text of each option becomes the value the service takes,
    so that ``form.data`` needs no second conversion in the view.

    Text that is no option comes back unchanged, for the field to refuse as "Not a valid choice";
    raising here would show WTForms' "Invalid Choice: could not coerce" instead.
    """

    def coerce(value: Any) -> Any:
        return values.get(value, value) if isinstance(value, str) else value

    return coerce


def enum_choice(enum_type: type[enum.StrEnum]) -> Callable[[Any], Any]:
    """``coerce`` for a field over a vocabulary: a value is its member, "" (no answer) is None."""
    return coerce_choices({"": None, **{member.value: member for member in enum_type}})


def files_not_kept() -> list[str]:
    """The names of the files this POST brought (the ``files_not_kept()`` of templates): a form
    that comes back cannot hold them, so it says which to attach again."""
    if request.method != "POST":
        return []
    return [file.filename for _, file in request.files.items(multi=True) if file.filename]
