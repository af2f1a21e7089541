"""Forms of oral reporting (issue 15, part 1): the report a moderator writes down on a reporter's
behalf, minutes of a meeting or call, and a meeting offered at a date and time."""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, ValidationError

from ...domain import Category, Kind, moderator_label
from ...forms import TEXT_MIN, Form, PlainText, choices, enum_choice, long_text, no_answer
from ...report_form import ReportForm
from .forms import SOMETHING


class OralReportForm(ReportForm):
    """The reporter's own form (the same answers, each optional but the account), in a moderator's
    words. No honeypot: only a logged-in moderator reaches it."""

    kind = RadioField(
        _l("Kind of report"),
        choices=choices(Kind, moderator_label),
        coerce=enum_choice(Kind),
        default=Kind.INFLUENCE.value,
        description=_l(
            "Whistleblowing reports follow the whistleblowing act (lag 2021:890) and its deadlines."
        ),
    )
    category = SelectField(
        _l("Category"),
        choices=no_answer() + choices(Category),
        coerce=enum_choice(Category),
        default="",
        description=_l("Used to count reports by kind; choose the one that fits best."),
    )
    description = long_text(
        _l("What the reporter told"),
        InputRequired(message=_l("Please write something.")),
        rows=12,
        min=TEXT_MIN,
        description=_l(
            "In the reporter's words as far as you can. Leave out their name and anything else that "
            "points to them: the portal stores nothing about who they are."
        ),
    )
    website = None  # type: ignore[assignment]  # no honeypot on a logged-in moderator's form


class MinutesForm(Form):
    minutes = long_text(
        _l("Minutes of a meeting or call"),
        SOMETHING,
        rows=8,
        description=_l(
            "The reporter reads them with their code and can approve them or propose a correction."
        ),
    )


def _parsed_date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((text or "").strip())
    except ValueError:
        return None


def _parsed_time(text: str | None) -> dt.time | None:
    try:
        parsed = dt.time.fromisoformat((text or "").strip())
    except ValueError:
        return None
    return parsed.replace(second=0, microsecond=0, tzinfo=None)


class MeetingOfferForm(Form):
    """A date and a time; the browser's date and time pickers send ISO text, which is all that is
    accepted (a moderator without them types 2026-12-10 and 14:30)."""

    date = StringField(
        _l("Date"),
        description=_l("For example 2026-12-10."),
        validators=[DataRequired(message=_l("Give the date of the meeting."))],
        render_kw={"type": "date"},
    )
    time = StringField(
        _l("Time"),
        description=_l("For example 14:30."),
        validators=[DataRequired(message=_l("Give the time of the meeting."))],
        render_kw={"type": "time"},
    )
    place = TextAreaField(
        _l("Where, or how (optional)"),
        description=_l("A place, or that you will call. Encrypted like every message."),
        validators=[PlainText()],
        render_kw={"rows": 3},
    )

    def validate_date(self, field: StringField) -> None:
        if field.data and _parsed_date(field.data) is None:
            raise ValidationError(_("Write the date as year-month-day, for example 2026-12-10."))

    def validate_time(self, field: StringField) -> None:
        if field.data and _parsed_time(field.data) is None:
            raise ValidationError(_("Write the time as hours:minutes, for example 14:30."))

    def validate_place(self, field: TextAreaField) -> None:
        if len(field.data or "") > PLACE_MAX:
            raise ValidationError(_("Write at most 1000 characters about where or how."))

    def meeting_at(self) -> dt.datetime:
        """The offered time (Swedish local time, as the moderator wrote it); only on a valid form."""
        day, time = _parsed_date(self.date.data), _parsed_time(self.time.data)
        assert day is not None and time is not None
        return dt.datetime.combine(day, time)


PLACE_MAX = 1000  # characters
