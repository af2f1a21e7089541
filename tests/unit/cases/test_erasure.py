"""portal.cases.erasure: an erased case leaves nothing but its number in the audit log."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.cases import dialogue, erasure, vault
from portal.cases.uploads import CleanFile, Removal
from portal.models import Attachment, AuditEvent, Author, Message, Note, Report, User
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
    assert _case_events(db) == [("case:report:erased", admin_user.id, f"case:{erased_id}")]


def test_the_retention_purge_erases_without_an_actor(db: Session, new_report: ReportFactory) -> None:
    report_id = new_report().id
    erasure.erase(db, report_id, None)
    db.expire_all()
    assert _count(db, Report) == 0
    assert _case_events(db) == [("case:report:erased", None, f"case:{report_id}")]
