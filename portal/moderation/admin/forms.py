"""Forms of the admin pages: accounts, quick-reply templates, the organisation's texts and
retention period, and the audit log's filters."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    Field,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp, ValidationError

from ... import organisation_texts, retention
from ...accounts.service import EMAIL_MAX, EMAIL_PATTERN
from ...audit import Event
from ...forms import Form, PlainText, WholeNumber, long_text
from ...i18n import LANGUAGE_NAMES
from ...models import Role
from ..forms import username_field
from . import audit_words
from .audit_log import AuditFilter

FIRST_DATE, LAST_DATE = dt.date(2000, 1, 1), dt.date(2099, 12, 31)  # the audit log's plausible dates
TITLE_MAX = 80  # the column's length: a title is picked from a list, not read
EMAIL_HELP = _l("Optional. Only “there is something to look at” notices go there, never case content.")


def _email() -> StringField:
    return StringField(
        _l("E-mail address for notices"),
        description=EMAIL_HELP,
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[
            Optional(),
            Length(max=EMAIL_MAX),
            Regexp(EMAIL_PATTERN, message=_l("Enter an e-mail address such as name@example.se.")),
        ],
        render_kw={"autocomplete": "off", "inputmode": "email"},
    )


class InvitationForm(Form):
    """Whom "Add moderator" invites: they choose their own passphrase through the link."""

    username = username_field()
    role = RadioField(
        _l("Role"),
        choices=[
            SelectChoice(Role.MODERATOR.value, _l("Moderator: works on cases")),
            SelectChoice(Role.ADMIN.value, _l("Administrator: also manages accounts and sees the audit log")),
        ],
        default=Role.MODERATOR.value,
    )
    notify_email = _email()


class NotifyForm(Form):
    email = _email()


class TemplateForm(Form):
    language = SelectField(
        _l("Language"), choices=[SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()]
    )
    title = StringField(
        _l("Title"),
        description=_l("What moderators pick from the list; at most 80 characters."),
        validators=[InputRequired(), Length(max=TITLE_MAX), PlainText()],
        render_kw={"maxlength": TITLE_MAX},
    )
    body = long_text(
        _l("Text"),
        InputRequired(message=_l("Please write something.")),
        rows=10,
        description=_l("Plain text. Moderators can change it before they send it."),
    )


class DeleteTemplateForm(Form):
    confirm = BooleanField(
        _l("Yes, delete this template"),
        validators=[InputRequired(message=_l("Tick the box to confirm that the template is to be deleted."))],
    )


def _sane_date(form: Form, field: DateField) -> None:
    # Year 1 or 9999 would overflow when turned into a moment in Swedish time.
    if field.data and not FIRST_DATE <= field.data <= LAST_DATE:
        raise ValidationError(str(_l("Enter a date between 2000 and 2099.")))


def _optional_choice(any_text: str) -> list[SelectChoice]:
    return [SelectChoice("", any_text)]


class AuditFilterForm(Form):
    """Filters read from the query string (GET, nothing changes, so no CSRF token)."""

    class Meta:
        csrf = False

    area = SelectField(_l("Area"), validators=[Optional()])
    event = SelectField(_l("Event"), validators=[Optional()])
    actor = SelectField(_l("By"), validators=[Optional()])
    subject = StringField(
        _l("Subject"),
        description=_l("As shown under each event's words, e.g. case:12 or user:3."),
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[Optional(), Length(max=64), PlainText()],
    )
    date_from = DateField(_l("From (date)"), validators=[Optional(), _sane_date])
    date_to = DateField(_l("To (date)"), validators=[Optional(), _sane_date])

    def validate_date_to(self, field: DateField) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(str(_l("The end date is before the start date.")))

    def set_choices(self, areas: list[str], actors: list[tuple[int, str]]) -> None:
        self.area.choices = _optional_choice(str(_l("All"))) + [
            SelectChoice(a, audit_words.area_words(a)) for a in sorted(areas, key=audit_words.area_words)
        ]
        # The events in words, grouped by their area, as the list below shows them.
        self.event.choices = _optional_choice(str(_l("All"))) + [
            SelectChoice(e.value, str(e.label), optgroup=audit_words.area_words(e.area))
            for e in sorted(Event, key=lambda e: (audit_words.area_words(e.area), str(e.label)))
        ]
        self.actor.choices = (
            _optional_choice(str(_l("Anyone")))
            + [SelectChoice("0", str(_l("Nobody (the system or an unknown user name)")))]
            + [SelectChoice(str(ident), name) for ident, name in actors]
        )

    def to_filter(self, before: int | None) -> AuditFilter:
        """Call after validate(): a refused filter is left out (the page says why), never a 500."""
        actor = _valid(self.actor)
        return AuditFilter(
            area=_valid(self.area),
            event=_valid(self.event),
            actor_id=int(actor) if actor is not None else None,
            subject=_valid(self.subject),
            date_from=_valid(self.date_from),
            date_to=_valid(self.date_to),
            before=before,
        )


def _valid(field: Field) -> Any:
    # Optional() clears the choice check's error for blank input ("actor= "): blank means no filter.
    blank = field.data is None or isinstance(field.data, str) and not field.data.strip()
    return None if field.errors or blank else field.data


class LocalTextsForm(Form):
    intro = TextAreaField(
        _l("Introduction on the start page"),
        description=_l("Plain text, at most 600 characters. Leave it empty to show none."),
        validators=[Length(max=organisation_texts.INTRO_MAX), PlainText()],
        render_kw={"rows": 4, "maxlength": organisation_texts.INTRO_MAX},
    )
    contacts = TextAreaField(
        _l("Who to contact and other ways to report"),
        description=_l(
            "Shown on the start page, the report form and the receipt. Plain text, at most 1000 characters."
        ),
        validators=[Length(max=organisation_texts.CONTACTS_MAX), PlainText()],
        render_kw={"rows": 6, "maxlength": organisation_texts.CONTACTS_MAX},
    )
    secrecy_marking = TextAreaField(
        _l("Secrecy marking on exported cases"),
        description=_l(
            "Printed at the top of every page of a case's PDF export. Plain text, at most 300 "
            "characters. Leave it empty for the standard marking (OSL 17 kap. 3 b § and 32 kap. 3 b §)."
        ),
        validators=[Length(max=organisation_texts.SECRECY_MAX), PlainText()],
        render_kw={"rows": 2, "maxlength": organisation_texts.SECRECY_MAX},
    )


class RetentionForm(Form):
    days = WholeNumber(
        _l("Days after closing"),
        description=_l(
            "From %(min)d to %(max)d days. Leave it empty to follow the installation's period.",
            min=retention.PERIOD_MIN,
            max=retention.PERIOD_MAX,
        ),
        validators=[
            Optional(),
            NumberRange(
                min=retention.PERIOD_MIN,
                max=retention.PERIOD_MAX,
                message=_l("A retention period is from %(min)d to %(max)d days."),
            ),
        ],
        render_kw={"inputmode": "numeric", "min": retention.PERIOD_MIN, "max": retention.PERIOD_MAX},
    )
