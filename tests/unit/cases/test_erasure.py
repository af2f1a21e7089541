"""portal.cases.erasure: an erased case leaves its events under a random token, never its number."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal import audit
from portal.audit import Event
from portal.cases import dialogue, erasure, vault
from portal.cases.uploads import CleanFile, Removal
from portal.domain import Area, Category, ExertedBy, Kind, Outcome
from portal.models import Attachment, AuditEvent, Author, ErasedCase, Message, Note, Report, User
from tests.unit.conftest import ReportFactory


def _count(db: Session, table: type[object]) -> int:
    return int(db.scalar(select(func.count()).select_from(table)) or 0)


def _case_events(db: Session) -> list[tuple[str, int | None, str | None]]:
    query = select(AuditEvent.event, AuditEvent.actor_id, AuditEvent.subject).where(
        AuditEvent.subject.like("case:%")
    )
    return [(event, actor, subject) for event, actor, subject in db.execute(query.order_by(AuditEvent.id))]


def test_erasing_removes_the_report_with_its_dialogue_notes_and_files_and_nothing_else(
    db: Session, new_report: ReportFactory, org_key: bytes, admin_user: User
) -> None:
    erased, kept = new_report("Det här ska bort."), new_report("Det här ska finnas kvar.")
    for report in (erased, kept):
        key = vault.key_from_org(report, org_key)
        dialogue.add_message(
            report,
            key,
            Author.REPORTER,
            "Ett meddelande med fil.",
            files=[CleanFile("a.txt", "text/plain", b"a", frozenset({Removal.PROPERTIES}))],
        )
        report.notes.append(Note(author_user_id=admin_user.id, body=vault.encrypt(key, "Intern anteckning")))
    db.flush()
    erased_id, kept_id = erased.id, kept.id
    erasure.erase(db, erased_id, admin_user)
    db.expire_all()  # the delete ran in SQL: read the rows again
    assert list(db.scalars(select(Report.id))) == [kept_id]
    assert (_count(db, Message), _count(db, Attachment), _count(db, Note)) == (1, 1, 1)
    assert db.scalars(select(Message.report_id)).one() == kept_id
    [(event, actor, subject)] = _case_events(db)
    assert (event, actor) == ("case:report:erased", admin_user.id)
    assert subject is not None and re.fullmatch(r"case:erased-[0-9a-f]{16}", subject)


def test_the_retention_purge_erases_without_an_actor(db: Session, new_report: ReportFactory) -> None:
    report_id = new_report().id
    erasure.erase(db, report_id, None)
    db.expire_all()
    assert _count(db, Report) == 0
    [(event, actor, subject)] = _case_events(db)
    assert (event, actor) == ("case:report:erased", None) and subject != f"case:{report_id}"


def _subjects(db: Session) -> list[str]:
    return [s for s in db.scalars(select(AuditEvent.subject).order_by(AuditEvent.id)) if s is not None]


def test_an_erased_case_leaves_its_figures_and_its_events_under_a_token_and_no_number(
    db: Session, new_report: ReportFactory, admin_user: User
) -> None:
    reports = [new_report() for _ in range(12)]
    assert [report.id for report in reports] == list(range(1, 13))  # 1 is a prefix of 12
    twelve, five = reports[11], reports[4]
    twelve.kind, twelve.category, twelve.area = Kind.WHISTLEBLOWING, Category.BRIBERY, Area.SCHOOLS
    twelve.exerted_by, twelve.outcome, twelve.record_key = ExertedBy.RELATIVE, Outcome.REFERRED, 123456
    twelve.created_on = dt.date(2025, 11, 28)
    twelve.acknowledged_on = dt.date(2025, 12, 12)  # 14 days: 2 weeks
    twelve.feedback_on = dt.date(2026, 2, 26)  # 90 days: 12 whole weeks and 6 days
    twelve.reported_to_police = True  # the handling statistics count it after erasure too
    five.record_key = 777  # never acknowledged, no feedback
    for subject in ("case:12", "case:1", "case:12:user:3", "case:120", "case:1:user:12", "case:12"):
        audit.record(db, Event.CASE_VIEWED, admin_user, subject)
    db.flush()
    erasure.erase(db, 12, admin_user)
    erasure.erase(db, 5, None)
    db.expire_all()

    subjects = _subjects(db)
    assert [s for s in subjects if s == "case:12" or s.startswith("case:12:")] == []
    assert [s for s in subjects if "case:12" in s] == ["case:120"]  # another case's number stays
    assert [s for s in subjects if s.startswith("case:") and not s.startswith("case:erased-")] == [
        "case:1",
        "case:120",
        "case:1:user:12",
    ]
    erasures = db.execute(
        select(AuditEvent.actor_id, AuditEvent.subject).where(AuditEvent.event == "case:report:erased")
    )
    by_actor = {actor: subject for actor, subject in erasures}
    token, other = by_actor[admin_user.id], by_actor[None]  # case 12's (an admin's) and case 5's
    assert token and other and token != other
    assert re.fullmatch(r"case:erased-[0-9a-f]{16}", token) and re.fullmatch(
        r"case:erased-[0-9a-f]{16}", other
    )
    # Every event of case 12, its erasure too, under the one token.
    named = db.execute(select(AuditEvent.event, AuditEvent.subject).order_by(AuditEvent.id))
    assert [(e, s) for e, s in named if s and s.startswith(token)] == [
        ("case:report:viewed", token),
        ("case:report:viewed", token + ":user:3"),
        ("case:report:viewed", token),
        ("case:report:erased", token),
    ]

    organisation_id = admin_user.organisation_id
    rows = db.execute(
        select(
            ErasedCase.organisation_id,
            ErasedCase.month,
            ErasedCase.kind,
            ErasedCase.category,
            ErasedCase.area,
            ErasedCase.exerted_by,
            ErasedCase.outcome,
            ErasedCase.weeks_to_acknowledgement,
            ErasedCase.weeks_to_feedback,
            ErasedCase.reported_to_incident_system,
            ErasedCase.reported_to_police,
            ErasedCase.record_key,
        ).order_by(ErasedCase.record_key)
    ).all()
    assert [tuple(row) for row in rows] == [
        (
            organisation_id,
            dt.date(2026, 3, 1),
            Kind.INFLUENCE,
            Category.THREATS,
            Area.HOUSING,
            None,
            None,
            None,
            None,
            False,
            False,
            777,
        ),
        (
            organisation_id,
            dt.date(2025, 11, 1),
            Kind.WHISTLEBLOWING,
            Category.BRIBERY,
            Area.SCHOOLS,
            ExertedBy.RELATIVE,
            Outcome.REFERRED,
            2,
            12,
            False,
            True,
            123456,
        ),
    ]
    ids = list(db.scalars(select(ErasedCase.id)))
    assert sorted(ids) != [1, 2]  # drawn at random: not in the order the log's erasures stand in
