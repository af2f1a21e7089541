"""portal.cases.dialogue without HTTP: what either audience adds, both read back the same way."""

from __future__ import annotations

from flask import Flask
from sqlalchemy.orm import Session

from portal import organisations
from portal.accounts import service as accounts
from portal.cases import dialogue, vault
from portal.cases.uploads import CleanFile, Removal
from portal.domain import Kind, Status, today
from portal.models import Author, Report
from portal.security import crypto
from tests.accounts import Account

ORG = crypto.KeyPair.generate()
CODE_KEY = crypto.new_key()  # stands for the key a reporter's code derives


def _file(name: str) -> CleanFile:
    return CleanFile(name, "text/plain", name.encode(), frozenset({Removal.PROPERTIES}))


def _new_report(db: Session) -> tuple[int, bytes]:
    key, sealed, wrapped = vault.new_report_key(ORG.public, CODE_KEY)
    report = Report(
        organisation_id=organisations.only(db).id,
        lookup=crypto.new_key(),
        kind=Kind.INFLUENCE,
        status=Status.NEW,
        created_on=today(),
        key_sealed=sealed,
        key_wrapped=wrapped,
        description=vault.encrypt(key, "Det som hände"),
    )
    dialogue.add_files(report, key, [_file("sent-with-the-report.txt")])
    db.add(report)
    db.commit()
    return report.id, key


def test_both_keys_read_the_same_dialogue_with_each_message_s_files(app: Flask, admin: Account) -> None:
    engine = app.extensions["portal.engine"]
    with Session(engine) as db:
        moderator_id = accounts.find(db, admin.username).id
        report_id, key = _new_report(db)
        report = db.get_one(Report, report_id)
        dialogue.add_message(report, key, Author.MODERATOR, "Tack", author_user_id=moderator_id)
        dialogue.add_message(
            report, key, Author.REPORTER, "Två filer", files=[_file("a.txt"), _file("b.txt")]
        )
        dialogue.add_files(report, key, [_file("later.txt")])
        db.commit()
    with Session(engine) as db:
        report = db.get_one(Report, report_id)
        read = dialogue.decrypt(report, vault.key_from_code(report, CODE_KEY))
        assert read == dialogue.decrypt(report, vault.key_from_org(report, ORG.private))
    assert read.description == "Det som hände"
    assert [f.filename for f in read.first_files] == ["sent-with-the-report.txt", "later.txt"]
    assert [(e.seq, e.author, e.text) for e in read.entries] == [
        (1, Author.MODERATOR, "Tack"),
        (2, Author.REPORTER, "Två filer"),
    ]
    assert [e.author_user_id for e in read.entries] == [moderator_id, None]
    assert read.entries[0].files == []
    assert [(f.filename, f.removed) for f in read.entries[1].files] == [
        ("a.txt", (Removal.PROPERTIES,)),
        ("b.txt", (Removal.PROPERTIES,)),
    ]


def test_messages_are_counted_for_the_reporter_s_news_and_marked_as_feedback(app: Flask) -> None:
    with Session(app.extensions["portal.engine"]) as db:
        report_id, key = _new_report(db)
        report = db.get_one(Report, report_id)
        dialogue.add_message(report, key, Author.REPORTER, "Hej")
        dialogue.add_message(report, key, Author.MODERATOR, "Så här gick det", feedback=True)
        db.commit()
        assert (report.last_seq, report.moderator_messages) == (2, 1)
        assert [e.is_feedback for e in dialogue.decrypt(report, key).entries] == [False, True]
