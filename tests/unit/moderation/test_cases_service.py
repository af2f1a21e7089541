"""portal.moderation.cases.service without HTTP: versions, closing, clocks, assignment, the case file.

Each test calls the service with the test's session and reads the result back through it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts import service as accounts
from portal.cases.access import Keyring
from portal.config import Config
from portal.domain import Area, Category, Kind, Outcome, Status
from portal.models import AuditEvent, Author, Label, Note, Role, User
from portal.moderation.cases import service as cases
from tests.unit.conftest import ReportFactory

D = dt.date
Today = Callable[[dt.date], None]  # the on_day fixture


def _events(db: Session, subject: str) -> list[str]:
    query = select(AuditEvent.event).where(AuditEvent.subject == subject).order_by(AuditEvent.id)
    return list(db.scalars(query))


@pytest.fixture
def on_day(monkeypatch: pytest.MonkeyPatch) -> Today:
    """Makes the service's "today" a given date, so that dates can be stated literally."""

    def set_today(day: dt.date) -> None:
        monkeypatch.setattr(cases, "today", lambda: day)

    return set_today


def _other_moderator(db: Session, config: Config, username: str = "mona") -> User:
    return accounts.create_user(
        db, username, Role.MODERATOR, "sju blå hästar springer över isen", config
    ).user


# --- optimistic versioning -------------------------------------------------------------------------

VERSIONED: dict[str, Callable[[Session, int, User, int], None]] = {
    "status": lambda db, rid, user, v: cases.change_status(db, rid, user, v, Status.IN_PROGRESS, None),
    "assign": lambda db, rid, user, v: cases.assign(db, rid, Keyring(user.id), user, v, None),
    "labels": lambda db, rid, user, v: cases.set_labels(db, rid, user, v, ["hot"]),
    "reclassify": lambda db, rid, user, v: cases.reclassify(
        db, rid, user, v, Kind.WHISTLEBLOWING, Category.BRIBERY, Area.SCHOOLS
    ),
    "meeting": lambda db, rid, user, v: cases.record_meeting_offered(db, rid, user, v),
}


@pytest.mark.parametrize("action", sorted(VERSIONED))
def test_a_change_made_on_an_old_version_is_refused_and_changes_nothing(
    db: Session, new_report: ReportFactory, admin_user: User, action: str
) -> None:
    report = new_report()
    assert report.version == 1
    with pytest.raises(cases.StaleCase):
        VERSIONED[action](db, report.id, admin_user, 0)
    assert report.version == 1
    assert (report.status, report.assignee_id, report.labels) == (Status.NEW, None, [])
    assert (report.kind, report.category, report.area) == (Kind.INFLUENCE, Category.THREATS, Area.HOUSING)
    assert report.meeting_offered_on is None
    assert _events(db, f"case:{report.id}") == []


@pytest.mark.parametrize("action", sorted(VERSIONED))
def test_a_change_on_the_current_version_moves_the_version_on(
    db: Session, new_report: ReportFactory, admin_user: User, action: str
) -> None:
    report = new_report()
    VERSIONED[action](db, report.id, admin_user, 1)
    assert report.version == 2
    with pytest.raises(cases.StaleCase):  # the second moderator, who loaded version 1
        VERSIONED[action](db, report.id, admin_user, 1)
    assert report.version == 2


def test_a_message_moves_the_version_on_so_a_change_loaded_before_it_is_stale(
    db: Session, new_report: ReportFactory, admin_user: User, keys: Keyring
) -> None:
    report = new_report()
    cases.send_message(db, report.id, keys, admin_user, "Tack för din anmälan.")
    assert report.version == 2
    with pytest.raises(cases.StaleCase):
        cases.change_status(db, report.id, admin_user, 1, Status.IN_PROGRESS, None)


# --- status and outcome ----------------------------------------------------------------------------


def test_closing_without_an_outcome_is_refused_before_anything_changes(
    db: Session, new_report: ReportFactory, admin_user: User
) -> None:
    report = new_report()
    with pytest.raises(cases.OutcomeRequired):
        cases.change_status(db, report.id, admin_user, 1, Status.CLOSED, None)
    assert (report.status, report.version, report.closed_on, report.outcome) == (Status.NEW, 1, None, None)
    assert report.due_on == D(2026, 3, 9)


def test_closing_stops_the_clocks_and_reopening_starts_them_again(
    db: Session, new_report: ReportFactory, admin_user: User, on_day: Today
) -> None:
    report = new_report(created_on=D(2026, 3, 2))
    on_day(D(2026, 3, 20))
    cases.change_status(db, report.id, admin_user, 1, Status.CLOSED, Outcome.SUPPORT_GIVEN)
    assert (report.status, report.closed_on, report.outcome) == (
        Status.CLOSED,
        D(2026, 3, 20),
        Outcome.SUPPORT_GIVEN,
    )
    assert report.due_on is None
    on_day(D(2026, 3, 25))
    cases.change_status(db, report.id, admin_user, 2, Status.IN_PROGRESS, Outcome.SUPPORT_GIVEN)
    assert (report.status, report.closed_on, report.outcome) == (Status.IN_PROGRESS, None, None)
    assert report.due_on == D(2026, 3, 9)  # never acknowledged: the seven days run from receipt
    # The subject names the new status, so that the audit log can say "Status changed to Closed".
    assert _events(db, f"case:{report.id}:status:closed") == ["case:status:changed"]
    assert _events(db, f"case:{report.id}:status:in_progress") == ["case:status:changed"]


def test_closing_again_keeps_the_first_closing_date(
    db: Session, new_report: ReportFactory, admin_user: User, on_day: Today
) -> None:
    report = new_report()
    on_day(D(2026, 4, 1))
    cases.change_status(db, report.id, admin_user, 1, Status.CLOSED, Outcome.REFERRED)
    on_day(D(2026, 4, 8))
    cases.change_status(db, report.id, admin_user, 2, Status.CLOSED, Outcome.SUPPORT_GIVEN)
    assert (report.closed_on, report.outcome) == (D(2026, 4, 1), Outcome.SUPPORT_GIVEN)


# --- messages and the legal clocks -----------------------------------------------------------------


def test_the_first_message_acknowledges_and_the_feedback_clock_runs_from_it(
    db: Session, new_report: ReportFactory, admin_user: User, keys: Keyring, on_day: Today
) -> None:
    report = new_report(created_on=D(2026, 3, 2))
    assert report.due_on == D(2026, 3, 9)  # acknowledge within seven days
    on_day(D(2026, 3, 31))
    cases.send_message(db, report.id, keys, admin_user, "Vi har tagit emot din anmälan.")
    assert (report.status, report.acknowledged_on) == (Status.ACKNOWLEDGED, D(2026, 3, 31))
    assert report.due_on == D(2026, 6, 30)  # three months on; June has no 31st
    on_day(D(2026, 4, 2))
    cases.send_message(db, report.id, keys, admin_user, "En fråga till.")
    assert report.acknowledged_on == D(2026, 3, 31)  # only the first message acknowledges
    assert _events(db, f"case:{report.id}") == [
        "case:message:sent",
        "case:report:acknowledged",
        "case:message:sent",
    ]


def test_a_feedback_message_gives_feedback_once_and_ends_the_clocks(
    db: Session, new_report: ReportFactory, admin_user: User, keys: Keyring, on_day: Today
) -> None:
    report = new_report()
    on_day(D(2026, 3, 4))
    cases.send_message(db, report.id, keys, admin_user, "Tack.")
    on_day(D(2026, 5, 11))
    cases.send_message(db, report.id, keys, admin_user, "Så här gick det.", feedback=True)
    assert (report.feedback_on, report.due_on) == (D(2026, 5, 11), None)
    on_day(D(2026, 5, 20))
    cases.send_message(db, report.id, keys, admin_user, "Ett tillägg.", feedback=True)
    assert report.feedback_on == D(2026, 5, 11)
    assert _events(db, f"case:{report.id}").count("case:feedback:given") == 1


def test_without_an_acknowledgement_feedback_is_due_three_months_after_the_seventh_day(
    db: Session, new_report: ReportFactory, admin_user: User, keys: Keyring
) -> None:
    report = new_report(created_on=D(2026, 3, 2), wants_acknowledgement=False)
    assert report.due_on == D(2026, 6, 9)
    cases.change_status(db, report.id, admin_user, 1, Status.IN_PROGRESS, None)
    cases.send_message(db, report.id, keys, admin_user, "Vi tittar på det.")
    assert report.status is Status.IN_PROGRESS  # only a new report becomes "acknowledged"


def test_a_message_answers_the_reporter_and_counts_for_their_news(
    db: Session, new_report: ReportFactory, admin_user: User, keys: Keyring
) -> None:
    report = new_report()
    report.awaiting_moderator = True
    cases.send_message(db, report.id, keys, admin_user, "Vi hör av oss.")
    assert not report.awaiting_moderator
    assert (report.last_seq, report.moderator_messages) == (1, 1)
    (message,) = report.messages
    assert (message.author, message.author_user_id, message.seq) == (Author.MODERATOR, admin_user.id, 1)
    assert b"Vi h" not in message.body  # stored encrypted


def test_without_the_organisation_key_nothing_is_opened_or_written(
    db: Session, new_report: ReportFactory, admin_user: User
) -> None:
    report = new_report()
    with pytest.raises(cases.NoOrgKey):
        cases.open_file(db, report.id, Keyring(admin_user.id), admin_user)
    with pytest.raises(cases.NoOrgKey):
        cases.send_message(db, report.id, Keyring(admin_user.id), admin_user, "Hej")
    with pytest.raises(cases.NoOrgKey):
        cases.add_note(db, report.id, Keyring(admin_user.id), admin_user, "Intern")
    assert (report.messages, report.notes, report.version) == ([], [], 1)
    assert _events(db, f"case:{report.id}") == []


def test_a_case_that_does_not_exist_is_case_not_found(db: Session, admin_user: User, keys: Keyring) -> None:
    with pytest.raises(cases.CaseNotFound):
        cases.open_file(db, 4711, keys, admin_user)
    with pytest.raises(cases.CaseNotFound):
        cases.change_status(db, 4711, admin_user, 1, Status.IN_PROGRESS, None)


# --- the case file ---------------------------------------------------------------------------------


def test_the_case_file_decrypts_everything_names_the_authors_and_is_audited(
    db: Session, new_report: ReportFactory, admin_user: User, keys: Keyring
) -> None:
    report = new_report("Han sa att han vet var jag bor.")
    cases.send_message(db, report.id, keys, admin_user, "Tack, vi har tagit emot den.")
    cases.add_note(db, report.id, keys, admin_user, "Samma person som i ärende 3?")
    opened = cases.open_file(db, report.id, keys, admin_user)
    assert opened.dialogue.description == "Han sa att han vet var jag bor."
    assert [(e.author, e.text) for e in opened.dialogue.entries] == [
        (Author.MODERATOR, "Tack, vi har tagit emot den.")
    ]
    assert opened.author_name(opened.dialogue.entries[0]) == "admin"
    assert [(n.author_name, n.text) for n in opened.notes] == [("admin", "Samma person som i ärende 3?")]
    stored_note = db.scalars(select(Note)).one()
    assert b"Samma person" not in stored_note.body
    assert _events(db, f"case:{report.id}")[-2:] == ["case:note:added", "case:report:viewed"]


def test_a_file_is_fetched_only_through_its_own_case(
    db: Session, new_report: ReportFactory, admin_user: User, org_key: bytes, keys: Keyring
) -> None:
    from portal.cases import dialogue, vault
    from portal.cases.uploads import CleanFile, Removal

    report, other = new_report(), new_report()
    key = vault.key_from_org(report, org_key)
    dialogue.add_files(
        report, key, [CleanFile("intyg.txt", "text/plain", b"innehall", frozenset({Removal.PROPERTIES}))]
    )
    db.flush()
    (item,) = report.attachments
    info, content = cases.download(db, report.id, item.id, keys, admin_user)
    assert (info.filename, info.media_type, content) == ("intyg.txt", "text/plain", b"innehall")
    with pytest.raises(cases.CaseNotFound):
        cases.download(db, other.id, item.id, keys, admin_user)
    assert _events(db, f"case:{report.id}") == ["case:file:downloaded"]


# --- assignment, labels, classification, meeting ---------------------------------------------------


def test_a_case_is_assigned_to_an_active_moderator_and_unassigned_again(
    db: Session, new_report: ReportFactory, admin_user: User, config: Config
) -> None:
    report = new_report()
    mona = _other_moderator(db, config)
    cases.assign(db, report.id, Keyring(admin_user.id), admin_user, 1, mona.id)
    assert report.assignee_id == mona.id
    cases.assign(db, report.id, Keyring(admin_user.id), admin_user, 2, None)
    assert report.assignee_id is None
    assert _events(db, f"case:{report.id}") == ["case:assignee:changed", "case:assignee:changed"]


def test_a_disabled_or_unknown_assignee_is_refused_and_changes_nothing(
    db: Session, new_report: ReportFactory, admin_user: User, config: Config
) -> None:
    report = new_report()
    mona = _other_moderator(db, config)
    accounts.disable(db, mona, admin_user)
    # An assignee the service cannot use is named as such (the form says so beside the field).
    with pytest.raises(cases.UnknownAssignee):
        cases.assign(db, report.id, Keyring(admin_user.id), admin_user, 1, mona.id)
    with pytest.raises(cases.UnknownAssignee):
        cases.assign(db, report.id, Keyring(admin_user.id), admin_user, 1, 4711)
    assert (report.assignee_id, report.version) == (None, 1)
    assert [user.username for user in cases.moderators(db)] == ["admin"]


def test_labels_are_trimmed_deduplicated_sorted_and_shared_between_cases(
    db: Session, new_report: ReportFactory, admin_user: User
) -> None:
    first, second = new_report(), new_report()
    cases.set_labels(db, first.id, admin_user, 1, [" polis", "hot", "hot ", "", "   ", "x" * 50])
    assert [label.name for label in first.labels] == ["hot", "polis", "x" * 40]
    cases.set_labels(db, second.id, admin_user, 1, ["hot"])
    db.flush()
    assert [label.name for label in db.scalars(select(Label).order_by(Label.name))] == [
        "hot",
        "polis",
        "x" * 40,
    ]
    assert second.labels[0] is first.labels[0]
    cases.set_labels(db, first.id, admin_user, 2, [])
    assert first.labels == []
    assert [label.name for label in cases.all_labels(db)] == [
        "hot",
        "polis",
        "x" * 40,
    ]  # labels stay to reuse


def test_reclassifying_and_offering_a_meeting(
    db: Session, new_report: ReportFactory, admin_user: User, on_day: Today
) -> None:
    report = new_report()
    cases.reclassify(db, report.id, admin_user, 1, Kind.WHISTLEBLOWING, Category.WELFARE_CRIME, None)
    assert (report.kind, report.category, report.area) == (Kind.WHISTLEBLOWING, Category.WELFARE_CRIME, None)
    on_day(D(2026, 3, 12))
    cases.record_meeting_offered(db, report.id, admin_user, 2)
    assert report.meeting_offered_on == D(2026, 3, 12)
    assert _events(db, f"case:{report.id}") == ["case:report:reclassified", "case:meeting:offered"]
