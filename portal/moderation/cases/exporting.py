"""A case exported for a hand-over (issue 15 part 3): the PDF, or a zip of the PDF and the files
that are not masked. Made in memory from the decrypted case, never written anywhere, and audited
with who exported which version of the case, and in which form.

What leaves the portal: the report's facts and text, the dialogue in order, the internal notes if
the moderator asks for them, and the list of files, with every masked passage blacked out (the
characters replaced before the PDF is written) and masked files named only as masked.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ... import audit, organisation_texts
from ...audit import Event
from ...cases import dialogue, vault
from ...cases.access import Keyring
from ...cases.dialogue import Dialogue, Entry
from ...cases.export import archive, masks, pdf, redaction
from ...cases.export.document import Document, Section
from ...cases.export.document import Entry as Block
from ...cases.vault import FileInfo
from ...domain import TIMEZONE, label, moderator_label, today
from ...models import Report, User
from . import service as cases

EVENTS = {"pdf": Event.CASE_EXPORTED_PDF, "zip": Event.CASE_EXPORTED_ZIP}
MEDIA_TYPES = {"pdf": "application/pdf", "zip": "application/zip"}


@dataclass(frozen=True)
class Export:
    filename: str
    media_type: str
    content: bytes


def _dash(value: object) -> str:
    return str(value) if value else "–"


def _facts(report: Report, user: User) -> list[tuple[str, str]]:
    also = [str(_("incident system"))] if report.reported_to_incident_system else []
    also += [str(_("police"))] if report.reported_to_police else []
    status = str(moderator_label(report.status))
    if report.outcome:
        status += f" – {label(report.outcome)}"
    return [
        (_("Status"), status),
        (_("Received"), report.created_on.isoformat()),
        (_("Kind"), str(moderator_label(report.kind))),
        (_("Category"), _dash(report.category and label(report.category))),
        (_("Area of work"), _dash(report.area and label(report.area))),
        (_("When"), _dash(report.happened and label(report.happened))),
        (_("Exerted by"), _dash(report.exerted_by and label(report.exerted_by))),
        (_("Also reported"), ", ".join(also) or "–"),
        (_("Acknowledgement"), _dash(report.acknowledged_on and report.acknowledged_on.isoformat())),
        (_("Feedback"), _dash(report.feedback_on and report.feedback_on.isoformat())),
        (_("Exported"), _("%(date)s by %(name)s", date=today().isoformat(), name=user.username)),
    ]


def _passages(read: Dialogue, found: list[masks.Mask]) -> list[str]:
    """Every passage masked in the report or a message, as written there."""
    passages = redaction.masked_passages(read.description, masks.spans_of(found, masks.REPORT))
    for entry in read.entries:
        spans = masks.spans_of(found, masks.message_target(entry.seq))
        passages += redaction.masked_passages(entry.text, spans)
    return passages


def _file_line(info: FileInfo, masked: set[int], passages: list[str]) -> str:
    if info.id in masked:
        return str(_("A file, masked (not exported)"))
    size = max(1, round(info.size / 1024))
    return f"{redaction.apply_passages(info.filename, passages)} ({info.media_type}, {size} kB)"


def _notes(report: Report, key: bytes, names: dict[int, str], passages: list[str]) -> list[Block]:
    return [
        Block(
            f"{names.get(n.author_user_id or 0, '–')} · {n.created_at.astimezone(TIMEZONE):%Y-%m-%d %H:%M}",
            redaction.apply_passages(vault.decrypt(key, n.body), passages),
        )
        for n in report.notes
    ]


def _sections(
    read: Dialogue, notes: list[Block] | None, found: list[masks.Mask], names: dict[int, str]
) -> list[Section]:
    masked = masks.masked_files(found)
    passages = _passages(read, found)

    def text(target: str, value: str) -> str:
        return redaction.apply(value, masks.spans_of(found, target))

    def author(entry: Entry) -> str:
        if entry.author_user_id is None:
            return str(_("Reporter") if entry.author.value == "reporter" else _("Moderator"))
        return names.get(entry.author_user_id) or str(_("Moderator"))

    entries = [
        Block(
            " · ".join(
                [str(n), author(entry), entry.created_on.isoformat()]
                + ([_("feedback")] if entry.is_feedback else [])
            ),
            text(masks.message_target(entry.seq), entry.text),
            [_file_line(info, masked, passages) for info in entry.files],
        )
        for n, entry in enumerate(read.entries, start=1)
    ]
    every_file = read.first_files + [info for entry in read.entries for info in entry.files]
    sections = [
        Section(
            _("The report"),
            [
                Block(
                    "",
                    text(masks.REPORT, read.description),
                    [_file_line(i, masked, passages) for i in read.first_files],
                )
            ],
        ),
        Section(_("Dialogue with the reporter"), entries, _("No messages.")),
    ]
    if notes is not None:
        sections.append(Section(_("Internal notes"), notes, _("No notes.")))
    files = [Block("", "", [_file_line(info, masked, passages) for info in every_file])] if every_file else []
    sections.append(Section(_("Files"), files, _("No files.")))
    return sections


def export(
    db: Session,
    report_id: int,
    keyring: Keyring,
    user: User,
    form: str,
    registration: str,
    include_notes: bool,
    language: str,
) -> Export:
    """The case as ``form`` ("pdf" or "zip"), audited; the registration number is printed, not kept."""
    report = cases.get(db, report_id)
    key = cases.report_key(db, report, keyring)
    read = dialogue.decrypt(report, key)
    found = masks.of(db, report.id, key)
    names = cases.author_names(db, report)
    passages = _passages(read, found)
    notes = _notes(report, key, names, passages) if include_notes else None
    number = _("Case %(n)d", n=report.id)
    head = _("%(case)s · Registration number: %(number)s", case=number, number=registration.strip() or "–")
    document = Document(
        title=number,
        secrecy=organisation_texts.secrecy_marking(db, report.organisation_id, language),
        running_head=head,
        page_label=_("Page %(page)s of %(total)s", page="{page}", total="{nb}"),
        facts=_facts(report, user),
        sections=_sections(read, notes, found, names),
    )
    content = pdf.render(document)
    name = f"case-{report.id}"
    if form == "zip":
        masked = masks.masked_files(found)
        files = [
            (
                redaction.apply_passages(vault.file_info(key, item).filename, passages),
                vault.file_content(key, item),
            )
            for item in report.attachments
            if item.id not in masked
        ]
        content = archive.build(f"{name}.pdf", content, files)
    audit.record(db, EVENTS[form], user, audit.export_subject(report.id, report.version))
    return Export(f"{name}.{form}", MEDIA_TYPES[form], content)
