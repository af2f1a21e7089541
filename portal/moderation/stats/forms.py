"""The statistics filters, read from the query string (GET, nothing changes, so no CSRF token)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional, ValidationError

from ...domain import Kind, moderator_label
from ...forms import Form, choices, enum_choice
from .service import MAX_PERIODS, Period, StatsFilter, default_months

MONTH = re.compile(r"(\d{4})-(\d{1,2})", re.ASCII)
FIRST_YEAR, LAST_YEAR = 2000, 2099  # plausible years of a report


def parse_month(text: str) -> dt.date:
    """``2025-03`` as the first day of the month; ValueError for anything else."""
    match = MONTH.fullmatch(text.strip())
    if not match or not FIRST_YEAR <= int(match.group(1)) <= LAST_YEAR or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(text)
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def _month(form: Any, field: StringField) -> None:
    if field.data:
        try:
            parse_month(field.data)
        except ValueError:
            raise ValidationError(
                str(_l("Enter a month as year and month, e.g. 2025-03 (years 2000 to 2099)."))
            ) from None


def _month_field(text: str) -> StringField:
    return StringField(
        text,
        description=_l("Year and month, e.g. 2025-03."),
        # Optional() passes blank text on without the month check: blank must become empty.
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[Optional(), _month],
        render_kw={"type": "month", "placeholder": "YYYY-MM"},
    )


class StatsForm(Form):
    class Meta:
        csrf = False

    period = SelectField(
        _l("Period"),
        choices=[
            SelectChoice(Period.MONTH.value, _l("Month")),
            SelectChoice(Period.QUARTER.value, _l("Quarter")),
            SelectChoice(Period.YEAR.value, _l("Year")),
        ],
        coerce=enum_choice(Period),
        default=Period.MONTH.value,
    )
    date_from = _month_field(_l("From month"))
    date_to = _month_field(_l("To month"))
    kind = SelectField(
        _l("Kind"),
        choices=[SelectChoice("", _l("All")), *choices(Kind, moderator_label)],
        coerce=enum_choice(Kind),
        default="",
    )

    def to_filter(self, today: dt.date) -> StatsFilter:
        """Call after a successful validate(); an empty month means the default range's."""
        first, last = default_months(today)
        return StatsFilter(
            period=self.period.data,
            first_month=parse_month(self.date_from.data) if self.date_from.data else first,
            last_month=parse_month(self.date_to.data) if self.date_to.data else last,
            kind=self.kind.data,
        )

    def validate_range(self, today: dt.date) -> bool:
        """validate(), then the checks that need both months: order and the number of periods."""
        if not self.validate():
            return False
        f = self.to_filter(today)
        if f.last_month < f.first_month:
            self.date_to.errors = [str(_l("The last month is before the first month."))]
            return False
        if len(f.periods) > MAX_PERIODS:
            self.date_to.errors = [
                str(
                    _l(
                        "That is more than %(max)d columns. Choose a shorter range, or quarters or years.",
                        max=MAX_PERIODS,
                    )
                )
            ]
            return False
        return True
