"""The domain's vocabularies (DESIGN.md §4), with the words users see in both languages."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from zoneinfo import ZoneInfo

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

# Legal deadlines and reporters' dates follow Swedish time (lag 2021:890).
TIMEZONE = ZoneInfo("Europe/Stockholm")


def today() -> dt.date:
    """The date in Sweden: reporter-originated rows carry this, never a time of day."""
    return dt.datetime.now(TIMEZONE).date()


class Kind(enum.StrEnum):
    INFLUENCE = "influence"
    WHISTLEBLOWING = "whistleblowing"


class Category(enum.StrEnum):
    HARASSMENT = "harassment"
    THREATS = "threats"
    VIOLENCE = "violence"
    PROPERTY_DAMAGE = "property_damage"
    BRIBERY = "bribery"
    INFILTRATION = "infiltration"
    SOCIAL_PRESSURE = "social_pressure"
    SELF_CENSORSHIP = "self_censorship"
    SOCIAL_MEDIA = "social_media"
    SILENCE_CULTURE = "silence_culture"
    WELFARE_CRIME = "welfare_crime"
    OTHER = "other"


class Area(enum.StrEnum):
    INCOME_SUPPORT = "income_support"
    CHILDREN_FAMILIES = "children_families"
    ALCOHOL_LICENSING = "alcohol_licensing"
    HOUSING = "housing"
    ASSOCIATION_GRANTS = "association_grants"
    SCHOOLS = "schools"
    ELDERLY_DISABILITY = "elderly_disability"
    OTHER = "other"


class When(enum.StrEnum):
    THIS_WEEK = "this_week"
    THIS_MONTH = "this_month"
    EARLIER = "earlier"
    ONGOING = "ongoing"


class ExertedBy(enum.StrEnum):
    CLIENT = "client"
    RELATIVE = "relative"
    GROUP = "group"
    COLLEAGUE = "colleague"
    OTHER = "other"


class Support(enum.StrEnum):
    TALK = "talk"
    MEETING = "meeting"
    COUNT_ONLY = "count_only"


class Status(enum.StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    CLOSED = "closed"


class Outcome(enum.StrEnum):
    MEASURES_TAKEN = "measures_taken"
    REFERRED = "referred"
    SUPPORT_GIVEN = "support_given"
    NO_ACTION = "no_action"
    NOT_INVESTIGABLE = "not_investigable"
    COUNTED_ONLY = "counted_only"


class Channel(enum.StrEnum):
    """How a report came in. An oral one (by phone or in a meeting, directive 2019/1937 art. 9(2))
    is recorded by a moderator on the reporter's behalf."""

    ONLINE = "online"
    ORAL = "oral"


class EnumLabels:
    """The words shown for enum members, keyed by member *and* type: ``Category.OTHER`` and
    ``Area.OTHER`` are both ``"other"`` and would share one entry in a plain dict."""

    def __init__(self, pairs: Iterable[tuple[enum.StrEnum, LazyString]] = ()) -> None:
        self._words: dict[tuple[type[enum.StrEnum], str], LazyString] = {}
        self.update(pairs)

    def update(self, pairs: Iterable[tuple[enum.StrEnum, LazyString]]) -> None:
        for member, words in pairs:
            self._words[(type(member), member.value)] = words

    def __getitem__(self, member: enum.StrEnum) -> LazyString:
        return self._words[(type(member), member.value)]

    def __contains__(self, member: enum.StrEnum) -> bool:
        return (type(member), member.value) in self._words


LABELS = EnumLabels(
    [
        (Kind.INFLUENCE, _l("Unlawful influence I experienced")),
        (Kind.WHISTLEBLOWING, _l("Whistleblowing report (e.g. suspected welfare crime)")),
        (Category.HARASSMENT, _l("Harassment")),
        (Category.THREATS, _l("Threats")),
        (Category.VIOLENCE, _l("Violence")),
        (Category.PROPERTY_DAMAGE, _l("Damage to property")),
        (Category.BRIBERY, _l("Improper offers or bribes")),
        (Category.INFILTRATION, _l("Infiltration")),
        (Category.SOCIAL_PRESSURE, _l("Social pressure")),
        (Category.SELF_CENSORSHIP, _l("Self-censorship or an avoided decision")),
        (Category.SOCIAL_MEDIA, _l("Exposure on social media")),
        (Category.SILENCE_CULTURE, _l("Culture of silence at work")),
        (Category.WELFARE_CRIME, _l("Suspected welfare crime")),
        (Category.OTHER, _l("Something else")),
        (Area.INCOME_SUPPORT, _l("Income support")),
        (Area.CHILDREN_FAMILIES, _l("Children and families (incl. LVU)")),
        (Area.ALCOHOL_LICENSING, _l("Alcohol licensing")),
        (Area.HOUSING, _l("Housing")),
        (Area.ASSOCIATION_GRANTS, _l("Grants to associations")),
        (Area.SCHOOLS, _l("Schools")),
        (Area.ELDERLY_DISABILITY, _l("Elderly and disability care")),
        (Area.OTHER, _l("Other area")),
        (When.THIS_WEEK, _l("This week")),
        (When.THIS_MONTH, _l("This month")),
        (When.EARLIER, _l("Earlier")),
        (When.ONGOING, _l("It is still going on")),
        (ExertedBy.CLIENT, _l("A client")),
        (ExertedBy.RELATIVE, _l("A client's relative")),
        (ExertedBy.GROUP, _l("A group or network")),
        (ExertedBy.COLLEAGUE, _l("A colleague or manager")),
        (ExertedBy.OTHER, _l("Someone else")),
        (Support.TALK, _l("I would like to talk to someone")),
        (Support.MEETING, _l("I would like a meeting")),
        (Support.COUNT_ONLY, _l("Only count it: I do not need anything")),
        (Status.NEW, _l("Received, not yet read")),
        (Status.ACKNOWLEDGED, _l("Received and read")),
        (Status.IN_PROGRESS, _l("Being looked into")),
        (Status.CLOSED, _l("Closed")),
        (Outcome.MEASURES_TAKEN, _l("Measures were taken")),
        (Outcome.REFERRED, _l("Referred on (e.g. police, HR, safety representative)")),
        (Outcome.SUPPORT_GIVEN, _l("Support was given")),
        (Outcome.NO_ACTION, _l("No action was needed")),
        (Outcome.NOT_INVESTIGABLE, _l("Could not be investigated")),
        (Outcome.COUNTED_ONLY, _l("Counted in the statistics only")),
        (Channel.ONLINE, _l("Online")),
        (Channel.ORAL, _l("Orally (by phone or in a meeting)")),
    ]
)


def add_labels(labels: Mapping[enum.StrEnum, LazyString]) -> None:
    """Other vocabularies (the forum's) add their words here, from ``create_app`` only."""
    LABELS.update(labels.items())


def label(value: enum.StrEnum) -> LazyString:
    return LABELS[value]


def swedish_time(moment: dt.datetime) -> str:
    """The ``|swedish_time`` filter: a moment (a moderator's, never a reporter's) to the minute."""
    return moment.astimezone(TIMEZONE).strftime("%Y-%m-%d %H:%M")


def or_dash(value: enum.StrEnum | None) -> LazyString | str:
    """The ``|or_dash`` filter: a value's label, or a dash where nothing was chosen."""
    return label(value) if value else "–"


# What moderators call what the reporter sees in plainer or their own words (LABELS): the
# statuses, and the kind a reporter chose as "unlawful influence I experienced".
MODERATOR_LABELS = EnumLabels(
    [
        (Status.NEW, _l("New")),
        (Status.ACKNOWLEDGED, _l("Acknowledged")),
        (Status.IN_PROGRESS, _l("In progress")),
        (Status.CLOSED, _l("Closed")),
        (Kind.INFLUENCE, _l("Experienced unlawful influence")),
    ]
)


def moderator_label(value: enum.StrEnum) -> LazyString:
    """A value in a moderator's words: their own where LABELS has the reporter's, else the same."""
    return MODERATOR_LABELS[value] if value in MODERATOR_LABELS else label(value)
