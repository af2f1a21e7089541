"""The audit trail: an enum taxonomy ``area:subject:action`` written through one function.

Each event carries its three parts (parsed from the stored value, as Warehouse's ``EventTagEnum``
does) and the words the audit log shows for it. The stored values never change: the log of past
years is read with the same names. Subjects are built here too, so that one kind of subject is
always written the same way and can be filtered on (``case:12``, ``user:3``).
"""

from __future__ import annotations

import enum

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from . import organisations, scoping
from .models import AuditEvent, User


class Event(enum.StrEnum):
    """``Event("case:message:sent")`` finds a member by its stored value."""

    label: LazyString

    # Only the members below are built here (``Event(value)`` looks one up); the default is
    # there for that look-up's signature, and a member without words is refused.
    def __new__(cls, value: str, label: LazyString | None = None) -> Event:
        if len(value.split(":")) != 3 or not all(value.split(":")):
            raise ValueError(f"an audit event is area:subject:action, not {value!r}")
        if label is None:
            raise ValueError(f"the audit event {value!r} has no words for the audit log")
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    LOGIN_SUCCEEDED = "auth:login:succeeded", _l("Logged in")
    LOGIN_FAILED = "auth:login:failed", _l("Log-in refused")
    LOGOUT = "auth:logout:done", _l("Logged out")
    PASSWORD_CHANGED = "auth:password:changed", _l("Own password changed")
    SETUP_COMPLETED = "setup:admin:created", _l("Portal set up with its first administrator")
    USER_CREATED = "user:account:created", _l("Account created")
    USER_DISABLED = "user:account:disabled", _l("Account disabled")
    USER_RESET = "user:account:reset", _l("Account reset")
    USER_ENABLED = "user:account:enabled", _l("Account enabled again, with a new key pair")
    USER_KEY_GRANTED = "user:orgkey:granted", _l("Access to reports granted")
    USER_ACCESS_PREPARED = "user:casekeys:sealed", _l("Case keys sealed for a moderator")
    USER_KEY_RECOVERED = "user:orgkey:recovered", _l("Access to reports restored with the recovery key")
    # Written by ``keys rotate``, no actor: the operator at the shell is not a portal user.
    ORG_KEY_ROTATED = "admin:orgkey:rotated", _l("Organisation key replaced and the recovery key renewed")
    USER_CHANGED = "user:account:changed", _l("Notice address changed")
    USER_INVITED = "user:invitation:issued", _l("Invitation to make an account issued")
    USER_INVITATION_WITHDRAWN = "user:invitation:withdrawn", _l("Invitation withdrawn")
    USER_RESET_LINK_ISSUED = "user:resetlink:issued", _l("Link for a new passphrase issued after a reset")
    USER_REENROLLED = "user:account:reenrolled", _l("New passphrase and app chosen after a reset")
    RECOVERY_KEY_REPLACED = (
        "admin:recoverykey:replaced",
        _l("A new recovery key made; the old one no longer works"),
    )
    CASE_VIEWED = "case:report:viewed", _l("Case read")
    CASE_FILE_DOWNLOADED = "case:file:downloaded", _l("File downloaded")
    CASE_MESSAGE_SENT = "case:message:sent", _l("Message sent to the reporter")
    CASE_FEEDBACK_GIVEN = "case:feedback:given", _l("Feedback given")
    CASE_ACKNOWLEDGED = "case:report:acknowledged", _l("Receipt acknowledged")
    CASE_NOTE_ADDED = "case:note:added", _l("Internal note added")
    CASE_STATUS_CHANGED = "case:status:changed", _l("Status changed")
    CASE_ASSIGNED = "case:assignee:changed", _l("Case officer changed")
    CASE_LABELS_CHANGED = "case:labels:changed", _l("Labels changed")
    CASE_RECLASSIFIED = "case:report:reclassified", _l("Classification changed")
    CASE_MEETING_OFFERED = "case:meeting:offered", _l("Meeting offered")
    # Issue 15 part 1: a report given by phone or in a meeting, written down by a moderator.
    CASE_RECORDED_ORALLY = "case:report:recorded", _l("Oral report recorded by a moderator")
    CASE_MINUTES_ADDED = "case:minutes:added", _l("Minutes of a meeting or call added")
    CASE_ERASED = "case:report:erased", _l("Case erased")
    # An admin put off a closed case's erasure (issue 15 part 4); the days and the reason are on the case.
    CASE_RETENTION_POSTPONED = "case:retention:postponed", _l("Erasure of a closed case postponed")
    # Access per case (issue 15): subject "case:<n>:user:<m>" names the moderator concerned.
    CASE_ACCESS_EXCLUDED = "case:access:excluded", _l("Moderator excluded from the case")
    CASE_ACCESS_INCLUDED = "case:access:included", _l("Exclusion from the case lifted")
    CASE_ACCESS_RESTRICTED = "case:access:restricted", _l("Case restricted to its case officer")
    CASE_ACCESS_OPENED = "case:access:opened", _l("Case open to every moderator again")
    CASE_ACCESS_GRANTED = "case:access:granted", _l("Moderator given the case key")
    CASE_ACCESS_WITHDRAWN = "case:access:withdrawn", _l("Moderator's case key withdrawn")
    # Exports with redaction (issue 15 part 3): subject "case:<n>:version:<v>", the version exported.
    CASE_EXPORTED_PDF = "case:export:pdf", _l("Case exported as a PDF")
    CASE_EXPORTED_ZIP = "case:export:zip", _l("Case exported as a zip with its files")
    CASE_MASK_ADDED = "case:mask:added", _l("Passage masked in the case's exports")
    CASE_MASK_REMOVED = "case:mask:removed", _l("Mask removed from the case's exports")
    CASE_FILE_MASKS_CHANGED = "case:filemasks:changed", _l("Files masked in the case's exports changed")
    # Written by every purge-expired run (even when nothing expired): proves the schedule runs.
    RETENTION_PURGE_RAN = "retention:purge:ran", _l("Retention purge ran")
    # An admin set the organisation's own retention period (subject: the days, or "default").
    RETENTION_PERIOD_CHANGED = "admin:retention:changed", _l("Retention period for closed cases changed")
    TEMPLATE_CHANGED = "admin:template:changed", _l("Quick reply saved or deleted")
    TEXTS_CHANGED = "admin:texts:changed", _l("The organisation's texts for reporters changed")
    BACKUP_CREATED = "admin:backup:created", _l("Backup created")
    BACKUP_RESTORED = "admin:backup:restored", _l("Backup restored")
    # The installation operator's work for an organisation, in that organisation's own log.
    ORGANISATION_CREATED = (
        "operator:organisation:created",
        _l("Organisation created by the installation operator"),
    )
    ORGANISATION_CHANGED = (
        "operator:organisation:changed",
        _l("Organisation's name or address changed by the installation operator"),
    )
    ENROLMENT_LINK_ISSUED = (
        "operator:enrolment:issued",
        _l("Enrolment link for the first administrator issued"),
    )
    # In the installation's own log, with the number of rows erased: the organisation's log went.
    ORGANISATION_LEFT = "admin:organisation:left", _l("An organisation left; its data and keys erased")
    NOTIFICATION_SENT = "notify:digest:sent", _l("E-mail notice sent")
    # A run in which the mail server refused or failed at least one moderator (`flask notify`
    # printed why): `status` reads the last of these two events as the last send's result.
    NOTIFICATION_FAILED = "notify:digest:failed", _l("E-mail notice not delivered to every moderator")
    FORUM_POST_APPROVED = "forum:post:approved", _l("Forum post published")
    FORUM_POST_REJECTED = "forum:post:rejected", _l("Forum post not published")
    FORUM_POST_REDACTED = "forum:post:redacted", _l("Forum post edited by a moderator")
    FORUM_THREAD_LOCKED = "forum:thread:locked", _l("Forum thread locked")
    FORUM_THREAD_UNLOCKED = "forum:thread:unlocked", _l("Forum thread unlocked")
    FORUM_THREAD_HIDDEN = "forum:thread:hidden", _l("Forum thread hidden")
    FORUM_THREAD_SHOWN = "forum:thread:shown", _l("Forum thread shown again")
    FORUM_WORD_CHANGED = "forum:word:changed", _l("Watched words changed")
    FORUM_BOARD_CHANGED = "forum:board:changed", _l("Forum board changed")
    FORUM_GATE_CHANGED = "forum:gate:changed", _l("Forum passphrase changed")
    # Which organisations take part in a board changed (in the log of each, before and after).
    FORUM_BOARD_SHARED = "forum:board:shared", _l("Forum board shared with other organisations")
    FORUM_MODERATOR_APPOINTED = "forum:moderator:appointed", _l("Moderator of shared forum boards changed")
    STATS_EXPORTED = "stats:table:exported", _l("Statistics exported")
    STATS_POOLING_CHANGED = "stats:pooling:changed", _l("Taking part in the pooled statistics changed")
    STATS_POOLED_EXPORTED = "stats:pooled:exported", _l("Pooled statistics exported")

    @property
    def area(self) -> str:
        """Who or what the event belongs to: ``auth``, ``case``, ``forum``…"""
        return self.value.split(":")[0]

    @property
    def subject_kind(self) -> str:
        """What the event is about: ``report``, ``message``, ``account``…"""
        return self.value.split(":")[1]

    @property
    def action(self) -> str:
        """What happened: ``viewed``, ``sent``, ``changed``…"""
        return self.value.split(":")[2]


# Subjects: what an event is about, written the same way wherever the event is recorded.


def case_subject(report_id: int) -> str:
    return f"case:{report_id}"


def status_subject(report_id: int, status: str) -> str:
    """A status change names the new status (plain metadata, as in the queue), so that the log
    can say "Status changed to Closed"; filtering on ``case:12`` still finds it."""
    return f"{case_subject(report_id)}:status:{status}"


def export_subject(report_id: int, version: int) -> str:
    return f"{case_subject(report_id)}:version:{version}"


def user_subject(user_id: int) -> str:
    return f"user:{user_id}"


def template_subject(template_id: int) -> str:
    return f"template:{template_id}"


def post_subject(post_id: int) -> str:
    return f"forum:post:{post_id}"


def thread_subject(thread_id: int) -> str:
    return f"forum:thread:{thread_id}"


def board_subject(board_id: int) -> str:
    return f"forum:board:{board_id}"


FORUM_WORDS_SUBJECT = "forum:words"  # the list of watched words as a whole
FORUM_GATE_SUBJECT = "forum:gate"
NEWS_SUBJECT = "notify:news"  # the "something to look at" notice
DEADLINES_SUBJECT = "notify:deadlines"  # the daily deadline reminder


def organisation_subject(slug: str) -> str:
    return f"org:{slug}"


def left_subject(slug: str, rows: int) -> str:
    """An organisation that left, with the number of its rows erased (slugs are 40 characters
    at most, so this fits the 64 of a subject)."""
    return f"org:{slug}:rows:{rows}"


def record(
    db: Session,
    event: Event,
    actor: User | None = None,
    subject: str | None = None,
    organisation_id: int | None = None,
    *,
    installation_wide: bool = False,
) -> None:
    """Add an event to the caller's transaction: it commits or rolls back with the change.

    The event goes into the log of ``organisation_id``, by default the actor's organisation, else
    the one the session is scoped to; an operator's event about an organisation names it, so
    that it stands in that organisation's own log (issue 14). An event of nobody in particular (a
    log-in under an unknown name, a timer's run) is the installation's, which with a single
    organisation is that organisation's log, as before there were several.
    ``installation_wide=True`` writes to the installation's own log (organisation NULL) whatever
    the number of organisations (an organisation leaving)."""
    if organisation_id is None and not installation_wide:
        if actor is not None:
            organisation_id = actor.organisation_id
        elif scoping.is_scoped(db):
            organisation_id = scoping.current(db)
        else:
            single = organisations.single(db)
            organisation_id = single.id if single is not None else None
    db.add(
        AuditEvent(
            event=str(event),
            actor_id=actor.id if actor else None,
            subject=subject,
            organisation_id=organisation_id,
        )
    )
