"""One organisation's backup, its restore into a fresh or its own installation, and leaving
(issue 14, items 6 and 8; docs/backup.md, docs/deploy.md). Real files in ``tmp_path``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal import audit
from portal.backup import copying
from portal.forum.models import Board, BoardOrganisation, Post, PostStatus, Thread
from portal.models import AuditEvent, Installation, Organisation, Role, User
from tests.accounts import AuthActions, make_account
from tests.backup_helpers import Instance, passphrase_file, with_passphrase
from tests.moderation_helpers import case_html
from tests.organisation_backups import B_SLUG, Side, archive_rows, organisation_with_a_case, rows_of
from tests.reporting_helpers import case_page, open_with_code

# What each organisation holds after organisation_with_a_case (audit events vary, checked apart).
ONE_CASE = {
    "organisations": 1,
    "users": 3,  # the admin and two plain moderators
    "reports": 1,
    "labels": 1,
    "reply_templates": 1,
    "organisation_texts": 1,
    "enrolment_links": 0,  # made with organisations.create, which issues no link
    "messages": 1,
    "attachments": 1,
    "notes": 1,
    "report_labels": 1,
    "notify_state": 1,  # the marks of the organisation's last notice
    "case_keys": 1,  # the reader's (the admin reads with the organisation key)
    "case_exclusions": 1,  # the moderator kept out of the case
    "access_jobs": 2,  # one grant each
    "erased_cases": 1,  # the figures of a case erased earlier
    "retention_postponements": 1,
    "case_masks": 1,  # a passage masked in exports
}
NOTHING = dict.fromkeys([*ONE_CASE, "audit_events", "server_sessions"], 0)


def _without_audit(rows: dict[str, int]) -> dict[str, int]:
    return {table: count for table, count in rows.items() if table not in {"audit_events", "server_sessions"}}


def _two(app: Flask) -> tuple[Side, Side]:
    return organisation_with_a_case(app, "A", None), organisation_with_a_case(app, "B", B_SLUG)


def _backup_of_b(app: Flask, tmp_path: Path) -> Path:
    path = tmp_path / "b-kommun.tbak"
    created = with_passphrase(app, "create", path, "--organisation", B_SLUG)
    assert created.exit_code == 0, created.output
    return path


def _leave(app: Flask, path: Path, slug: str = B_SLUG, *extra: str) -> Any:
    args = ["organisations", "leave", slug, "--backup", str(path), *extra]
    args += ["--passphrase-file", str(passphrase_file(path.parent)), "--yes"]
    return app.test_cli_runner().invoke(args=args)


def _reads_its_case(app: Flask, side: Side) -> None:
    reporter = app.test_client()
    assert open_with_code(reporter, side.code).status_code == 303
    assert side.description in case_page(reporter)
    moderator = app.test_client()
    assert AuthActions(moderator).login(side.admin).status_code == 302
    assert side.description in case_html(moderator, side.report_id)
    reader = app.test_client()  # through the case key sealed to the plain moderator
    assert AuthActions(reader).login(side.reader).status_code == 302
    assert side.description in case_html(reader, side.report_id)


def _salt(app: Flask) -> bytes | None:
    with Session(app.extensions["portal.engine"]) as db:
        return db.scalar(select(Installation.code_salt))


def _organisations(app: Flask) -> list[str]:
    with Session(app.extensions["portal.engine"]) as db:
        return list(db.scalars(select(Organisation.slug).order_by(Organisation.id)))


def test_an_organisations_backup_holds_its_rows_and_none_of_anothers(
    instance: Instance, tmp_path: Path
) -> None:
    app = instance()
    a, b = _two(app)
    rows = archive_rows(_backup_of_b(app, tmp_path))

    assert list(rows)[0] == "installation" and len(rows["installation"]) == 1
    assert {table: len(found) for table, found in rows.items() if table != "audit_events"} == {
        "installation": 1,
        **ONE_CASE,
    }
    assert rows["audit_events"]  # the log of B's own admin and case
    assert [row["slug"] for row in rows["organisations"]] == [B_SLUG]
    for table, found in rows.items():
        for row in found:
            assert row.get("organisation_id", b.organisation_id) == b.organisation_id, table
            assert row.get("report_id", b.report_id) == b.report_id, table
            assert row.get("user_id", b.user_ids[0]) in b.user_ids, table
    assert [row["username"] for row in rows["users"]] == ["badmin", "bmod", "bjav"]
    assert [row["user_id"] for row in rows["case_keys"]] == [b.user_ids[1]]  # bmod's
    assert [row["user_id"] for row in rows["case_exclusions"]] == [b.user_ids[2]]  # bjav's
    assert sorted(row["user_id"] for row in rows["access_jobs"]) == b.user_ids[1:]
    # None of A's plain values (its user names, label, quick reply) is anywhere in B's backup.
    plain = repr(rows)
    assert "aadmin" not in plain and "A-etikett" not in plain and "A-mall" not in plain
    assert "amod" not in plain and "ajav" not in plain
    assert "A-intro" not in plain
    assert rows_of(app, a)["reports"] == 1  # A was only read


def test_restored_into_a_fresh_installation_b_opens_with_its_code_and_its_admin(
    instance: Instance, tmp_path: Path
) -> None:
    source = instance()
    _, b = _two(source)
    _operator_acts_in_the_log_of(source, b)
    path = _backup_of_b(source, tmp_path)
    target = instance()
    assert _salt(target) is None

    restored = with_passphrase(target, "restore", path)
    assert restored.exit_code == 0, restored.output
    assert _salt(target) == _salt(source)  # adopted: one argon2id of the same code finds the case
    assert _organisations(target) == [B_SLUG]
    assert _without_audit(rows_of(target, b)) == ONE_CASE
    with Session(target.extensions["portal.engine"]) as db:
        by_the_operator = db.scalars(
            select(AuditEvent.actor_id).where(AuditEvent.subject == "operator-was-here")
        )
        assert list(by_the_operator) == [None]  # the operator is the old installation's, not this one's
    _reads_its_case(target, b)


def _operator_acts_in_the_log_of(app: Flask, side: Side) -> None:
    make_account(app, "operatorn", Role.OPERATOR)
    with app.app_context(), Session(app.extensions["portal.engine"]) as db:
        operator = db.scalars(select(User).where(User.username == "operatorn")).one()
        audit.record(db, audit.Event.USER_CREATED, operator, "operator-was-here", side.organisation_id)
        db.commit()


def test_b_leaves_a_stays_and_b_comes_back_from_its_backup(instance: Instance, tmp_path: Path) -> None:
    app = instance()
    a, b = _two(app)
    logged_in = app.test_client()
    assert AuthActions(logged_in).login(b.admin).status_code == 302
    in_the_database = 0 if app.config["PORTAL"].redis_url else 1  # else the session is in Redis
    assert rows_of(app, b)["server_sessions"] == in_the_database
    a_before = rows_of(app, a)
    path = _backup_of_b(app, tmp_path)

    left = _leave(app, path)
    assert left.exit_code == 0, left.output
    assert rows_of(app, b) == NOTHING
    assert rows_of(app, a) == a_before
    assert logged_in.get("/moderation/").status_code == 302  # B's admin's session has ended
    report = Path(f"{path}.erased.txt").read_text(encoding="utf-8")
    sessions = f"  server_sessions: {in_the_database}"
    for line in ("  reports: 1", "  messages: 1", "  attachments: 1", "  users: 3", sessions):
        assert line in report and line in left.output
    for line in ("  case_keys: 1", "  case_exclusions: 1", "  access_jobs: 2"):
        assert line in report and line in left.output
    assert "Users erased: 3" in report and "Files erased: 1." in report and "key pair is gone" in report
    with Session(app.extensions["portal.engine"]) as db:
        trace = db.execute(
            select(AuditEvent.organisation_id, AuditEvent.subject).where(
                AuditEvent.event == "admin:organisation:left"
            )
        ).all()
    assert len(trace) == 1 and trace[0].organisation_id is None
    assert trace[0].subject.startswith(f"org:{B_SLUG}:rows:")

    back = with_passphrase(app, "restore", path)
    assert back.exit_code == 0, back.output
    assert _organisations(app) == ["org1", B_SLUG]
    assert _without_audit(rows_of(app, b)) == ONE_CASE
    _reads_its_case(app, b)
    _reads_its_case(app, a)


def test_a_restore_while_the_organisation_is_there_or_its_user_name_taken_is_refused(
    instance: Instance, tmp_path: Path
) -> None:
    app = instance()
    a, b = _two(app)
    path = _backup_of_b(app, tmp_path)
    still_here = with_passphrase(app, "restore", path)
    assert still_here.exit_code == 1 and "is still on this installation" in still_here.output

    assert _leave(app, path).exit_code == 0
    make_account(app, "badmin", organisation_id=a.organisation_id)  # A's new moderator takes the name
    taken = with_passphrase(app, "restore", path)
    assert taken.exit_code == 1, taken.output
    assert (
        "users.username 'badmin' is already taken" in taken.output and "Nothing was restored" in taken.output
    )
    assert _organisations(app) == ["org1"] and rows_of(app, b)["reports"] == 0


def test_a_restore_into_an_installation_with_another_code_salt_is_refused(
    instance: Instance, tmp_path: Path
) -> None:
    source = instance()
    _, b = _two(source)
    path = _backup_of_b(source, tmp_path)
    other = instance()
    organisation_with_a_case(other, "C", None)
    assert _salt(other) != _salt(source)

    refused = with_passphrase(other, "restore", path)
    assert refused.exit_code == 1 and "another code salt" in refused.output, refused.output
    assert _organisations(other) == ["org1"]
    with Session(other.extensions["portal.engine"]) as db:
        assert sorted(db.scalars(select(User.username))) == ["cadmin", "cjav", "cmod"]


def test_a_failure_halfway_through_a_restore_leaves_nothing(
    instance: Instance, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = instance()
    _, b = _two(source)
    path = _backup_of_b(source, tmp_path)
    target = instance()
    insert_batch = copying.insert_batch
    written: list[str] = []

    def fails_at_messages(conn: Any, table: Any, batch: Any) -> None:
        if table.name == "messages":
            raise OSError("disk full")
        insert_batch(conn, table, batch)
        written.append(table.name)

    monkeypatch.setattr(copying, "insert_batch", fails_at_messages)
    failed = with_passphrase(target, "restore", path)
    assert failed.exit_code == 1 and "Nothing was restored" in failed.output, failed.output
    assert {"installation", "organisations", "users", "reports"} <= set(written)
    assert _salt(target) is None and _organisations(target) == []
    assert rows_of(target, b) == NOTHING

    monkeypatch.setattr(copying, "insert_batch", insert_batch)
    assert with_passphrase(target, "restore", path).exit_code == 0
    _reads_its_case(target, b)


def test_leaving_needs_a_fresh_whole_backup_of_exactly_that_organisation(
    instance: Instance, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = instance()
    a, b = _two(app)
    before = rows_of(app, b)
    whole = tmp_path / "all.tbak"
    assert with_passphrase(app, "create", whole).exit_code == 0
    of_a = tmp_path / "a.tbak"
    assert with_passphrase(app, "create", of_a, "--organisation", "org1").exit_code == 0
    for wrong in (whole, of_a):
        refused = _leave(app, wrong)
        assert refused.exit_code == 1 and f"not of organisation '{B_SLUG}'" in refused.output

    path = _backup_of_b(app, tmp_path)
    organisation_with_a_case(app, "B2", "b2-kommun")  # does not touch B
    from portal import leaving
    from portal.db import utcnow

    later = utcnow() + leaving.MAX_BACKUP_AGE * 2
    monkeypatch.setattr(leaving, "utcnow", lambda: later)
    stale = _leave(app, path)
    assert stale.exit_code == 1 and "not made within the last hour" in stale.output
    monkeypatch.undo()

    with app.app_context():
        from tests.reporting_helpers import moderator_answers

        moderator_answers(app, b.admin, b.report_id, "Ett svar efter säkerhetskopian.")
    behind = _leave(app, path)
    assert (
        behind.exit_code == 1 and "the organisation has 2 rows in messages and the backup 1" in behind.output
    )
    assert "Nothing was erased" in behind.output
    after = rows_of(app, b)
    assert after["messages"] == 2 and _without_audit(after) == {**_without_audit(before), "messages": 2}
    assert not Path(f"{path}.erased.txt").exists()


def _board(app: Flask, slug: str, organisation_ids: list[int]) -> None:
    """A forum board run by these organisations, with a thread and a post."""
    today = dt.date(2026, 12, 1)
    with Session(app.extensions["portal.engine"]) as db:
        board = Board(slug=slug)
        db.add(board)
        db.flush()
        db.add_all(BoardOrganisation(board_id=board.id, organisation_id=id_) for id_ in organisation_ids)
        thread = Thread(board_id=board.id, title=f"Tråd på {slug}", created_on=today, last_activity_on=today)
        db.add(thread)
        db.flush()
        db.add(
            Post(
                thread_id=thread.id,
                seq=1,
                pseudonym="Skribent 1",
                body=f"Ett inlägg på {slug}.",
                status=PostStatus.APPROVED,
                created_on=today,
            )
        )
        db.commit()


def _boards(app: Flask) -> dict[str, int]:
    """Each board's slug with its number of posts."""
    with Session(app.extensions["portal.engine"]) as db:
        query = (
            select(Board.slug, func.count(Post.id))
            .outerjoin(Thread, Thread.board_id == Board.id)
            .outerjoin(Post, Post.thread_id == Thread.id)
            .group_by(Board.slug)
        )
        return {slug: count for slug, count in db.execute(query) if slug.startswith("b-")}


def test_leaving_erases_the_boards_it_ran_alone_only_when_told_and_keeps_the_shared_ones(
    instance: Instance, tmp_path: Path
) -> None:
    app = instance()
    a, b = _two(app)
    _board(app, "b-egen", [b.organisation_id])
    _board(app, "b-delad", [a.organisation_id, b.organisation_id])
    path = _backup_of_b(app, tmp_path)
    refused = _leave(app, path)
    assert refused.exit_code == 1
    assert "alone runs the forum boards b-egen, which its backup does not hold" in refused.output
    assert _boards(app) == {"b-egen": 1, "b-delad": 1} and _organisations(app) == ["org1", B_SLUG]

    left = _leave(app, path, B_SLUG, "--erase-own-boards")
    assert left.exit_code == 0, left.output
    assert _boards(app) == {"b-delad": 1}
    assert (
        "Forum boards it ran alone, erased with their threads and posts (not in the backup): b-egen."
        in left.output
    )
    for line in ("  forum_boards: 1", "  forum_threads: 1", "  forum_posts: 1"):
        assert line in left.output
    with Session(app.extensions["portal.engine"]) as db:
        shared = db.scalars(
            select(BoardOrganisation.organisation_id)
            .join(Board, Board.id == BoardOrganisation.board_id)
            .where(Board.slug == "b-delad")
        ).all()
    assert shared == [a.organisation_id]  # the shared board stays, A's alone now
