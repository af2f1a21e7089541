"""Two organisations with a case each, and what each holds in every table, counted literally.

Each side has an admin and two plain moderators, both granted: one holds the case key of the
case, the other has been kept out of it (a case exclusion, and no case key).

For the tests of per-organisation backups and of leaving: the counts here are written query by
query, not derived from the foreign keys as ``portal.backup.ownership`` does, so that a wrong
derivation cannot pass by agreeing with itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from portal import organisations
from portal.accounts import service as accounts
from portal.backup.archive import ArchiveReader
from portal.cases import access, vault
from portal.cases.export import masks
from portal.cases.models import CaseMask
from portal.domain import Kind, today
from portal.models import (
    AccessJob,
    Attachment,
    AuditEvent,
    CaseExclusion,
    CaseKey,
    EnrolmentLink,
    ErasedCase,
    Label,
    Message,
    Note,
    Organisation,
    OrganisationText,
    ReplyTemplate,
    Report,
    RetentionPostponement,
    Role,
    ServerSession,
    User,
    report_labels,
)
from portal.notify.models import NotifyState
from portal.reporting import service as reporting
from portal.security.backup_cipher import open_stream
from tests.accounts import Account, grant, keyring_of, make_account
from tests.backup_helpers import PASSPHRASE
from tests.reporting_helpers import keep_out, moderator_answers

B_SLUG = "b-kommun"
FILE_BYTES = b"KANARIEFIL: protokollet fran motet\n" * 40


@dataclass
class Side:
    """One organisation: its admin, its plain moderator who reads the case (``reader``, the other
    one is kept out of it), its one case, and the ids a query after erasure needs."""

    prefix: str
    organisation_id: int
    admin: Account
    reader: Account
    code: str
    report_id: int
    user_ids: list[int] = field(default_factory=list)

    @property
    def description(self) -> str:
        return f"{self.prefix}-KANARIE: kommunalrådet hotade mig efter beslutet."


def _engine(app: Flask) -> Any:
    return app.extensions["portal.engine"]


def organisation_with_a_case(app: Flask, prefix: str, slug: str | None) -> Side:
    """``slug=None``: the installation's only organisation (made on first use)."""
    with app.app_context(), Session(_engine(app)) as db:
        row = organisations.only(db) if slug is None else organisations.create(db, slug, f"{prefix} kommun")
        db.commit()
        organisation_id = row.id
    name = prefix.lower()
    admin = make_account(app, f"{name}admin", Role.ADMIN, organisation_id=organisation_id)
    reader = make_account(app, f"{name}mod", organisation_id=organisation_id)
    kept_out = make_account(app, f"{name}jav", organisation_id=organisation_id)  # jäv: a conflict
    side = Side(prefix, organisation_id, admin, reader, "", 0)
    with app.test_request_context(), Session(_engine(app)) as db:
        files = [reporting.Upload("anteckning.txt", FILE_BYTES)]
        submission = reporting.Submission(kind=Kind.INFLUENCE, description=side.description, files=files)
        side.code = reporting.submit(db, organisation_id, submission, app.config["PORTAL"]).code
        db.commit()
        side.report_id = db.scalars(select(Report.id).where(Report.organisation_id == organisation_id)).one()
        side.user_ids = list(db.scalars(select(User.id).where(User.organisation_id == organisation_id)))
        kept_out_id = accounts.find(db, kept_out.username).id
    # Granted after the case came in: each one's access job seals its case key (an access_jobs row).
    grant(app, reader.username, by=admin)
    grant(app, kept_out.username, by=admin)
    keep_out(app, admin, side.report_id, kept_out_id)  # a case_exclusions row, and one key fewer
    moderator_answers(app, admin, side.report_id, f"{prefix}-SVAR: vi har tagit emot din anmälan.")
    _lists_and_a_note(app, side)
    return side


def _lists_and_a_note(app: Flask, side: Side) -> None:
    from portal.moderation.cases import service as cases

    with app.test_request_context(), Session(_engine(app)) as db:
        user = accounts.find(db, side.admin.username)
        keys = keyring_of(user, side.admin.password, app.config["PORTAL"])
        cases.add_note(db, side.report_id, keys, user, f"{side.prefix}-ANTECKNING")
        label = Label(organisation_id=side.organisation_id, name=f"{side.prefix}-etikett")
        db.add(label)
        db.add(
            OrganisationText(
                organisation_id=side.organisation_id, language="sv", intro=f"{side.prefix}-intro"
            )
        )
        db.add(
            ReplyTemplate(
                organisation_id=side.organisation_id, language="sv", title=f"{side.prefix}-mall", body="Tack."
            )
        )
        # The figures of a case erased earlier: they stay with the organisation (issue 15, part 4).
        db.add(
            ErasedCase(
                organisation_id=side.organisation_id,
                month=dt.date(2025, 1, 1),
                kind=Kind.INFLUENCE,
                record_key=7,
            )
        )
        # What its last notice announced (portal/notify/news.py): the organisation's too.
        db.add(NotifyState(organisation_id=side.organisation_id, reports=side.report_id))
        # A postponed erasure (issue 15 part 4), its reason under the report key like the note's.
        report = db.get(Report, side.report_id)
        assert report is not None
        reason = vault.encrypt(access.report_key(db, report, keys), f"{side.prefix}-SKAL: revision pågår")
        db.add(
            RetentionPostponement(
                report_id=side.report_id, user_id=user.id, days=10, reason=reason, created_on=today()
            )
        )
        # A passage masked in the case's exports (issue 15 part 3), sealed like the note.
        db.add(
            CaseMask(
                report_id=side.report_id,
                user_id=user.id,
                body=masks.seal(access.report_key(db, report, keys), masks.REPORT, [(0, 4)]),
                created_on=today(),
            )
        )
        db.flush()
        db.execute(insert(report_labels).values(report_id=side.report_id, label_id=label.id))
        db.commit()


def rows_of(app: Flask, side: Side) -> dict[str, int]:
    """The organisation's rows in every table that can hold one, by the ids remembered in ``side``."""
    reports = [side.report_id]
    questions = {
        "organisations": select(func.count()).where(Organisation.id == side.organisation_id),
        "users": select(func.count()).where(User.organisation_id == side.organisation_id),
        "reports": select(func.count()).where(Report.organisation_id == side.organisation_id),
        "labels": select(func.count()).where(Label.organisation_id == side.organisation_id),
        "reply_templates": select(func.count()).where(ReplyTemplate.organisation_id == side.organisation_id),
        "audit_events": select(func.count()).where(AuditEvent.organisation_id == side.organisation_id),
        "organisation_texts": select(func.count()).where(
            OrganisationText.organisation_id == side.organisation_id
        ),
        "enrolment_links": select(func.count()).where(EnrolmentLink.organisation_id == side.organisation_id),
        "messages": select(func.count()).where(Message.report_id.in_(reports)),
        "attachments": select(func.count()).where(Attachment.report_id.in_(reports)),
        "notes": select(func.count()).where(Note.report_id.in_(reports)),
        "report_labels": select(func.count())
        .select_from(report_labels)
        .where(report_labels.c.report_id.in_(reports)),
        "server_sessions": select(func.count()).where(ServerSession.user_id.in_(side.user_ids)),
        "notify_state": select(func.count()).where(NotifyState.organisation_id == side.organisation_id),
        "case_keys": select(func.count()).where(
            CaseKey.report_id.in_(reports) | CaseKey.user_id.in_(side.user_ids)
        ),
        "case_exclusions": select(func.count()).where(
            CaseExclusion.report_id.in_(reports) | CaseExclusion.user_id.in_(side.user_ids)
        ),
        "erased_cases": select(func.count()).where(ErasedCase.organisation_id == side.organisation_id),
        "retention_postponements": select(func.count()).where(RetentionPostponement.report_id.in_(reports)),
        "case_masks": select(func.count()).where(CaseMask.report_id.in_(reports)),
        "access_jobs": select(func.count()).where(
            (AccessJob.organisation_id == side.organisation_id) | AccessJob.user_id.in_(side.user_ids)
        ),
    }
    with Session(_engine(app)) as db:
        return {table: int(db.scalar(question) or 0) for table, question in questions.items()}


def archive_rows(path: Path) -> dict[str, list[dict[str, Any]]]:
    """Every row of a backup file, by table."""
    with path.open("rb") as handle:
        reader = ArchiveReader(open_stream(handle, PASSPHRASE))
        rows: dict[str, list[dict[str, Any]]] = {layout.name: [] for layout in reader.info.tables}
        for layout, row in reader.rows():
            rows[layout.name].append(row)
    return rows
