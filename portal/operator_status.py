"""``flask --app wsgi status``: what an operator checks, as plain text or as one JSON document.

Both are written from the same :class:`~portal.operator_checks.Checks`, read once: counts and
states only, no report content, no user names. The numbers are the dashboard's
(cases/overview.py) and the forum queue's, so the two can never disagree. The JSON has no case
number either: a monitor needs to know *that* something needs attention, not which case.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from . import retention
from .cases.clocks import SOON_DAYS, clocks, urgency
from .cases.overview import URGENT_LIMIT
from .domain import TIMEZONE
from .models import Report
from .operator_checks import Checks, Disk, Notices, Stored

# The portal serves without Redis (issue 19): only this line and /healthz's "degraded" tell.
REDIS_LINES = {
    "ok": "Redis: ok",
    "off": "Redis: not configured (sessions in the database, rate limits per process)",
    "unreachable": "Redis: NOT ANSWERING. The portal serves on: sessions in the database, rate limits "
    'per process (docs/deploy.md, "Redis is down")',
}


def status_lines(checks: Checks, today: dt.date) -> list[str]:
    lines = _stored_lines(checks.stored, today) if checks.stored else []
    lines.append(_retention(checks))
    lines += _failed_codes(checks)
    lines += _parts(checks)
    problems = checks.configuration_problems
    lines.append(
        f"Production configuration: {problems} problem(s), see: flask --app wsgi check-config"
        if problems
        else "Production configuration: ok"
    )
    attention = checks.attention()
    lines.append(f"Needs attention: {', '.join(attention)}" if attention else "Needs attention: nothing")
    return lines


def _stored_lines(stored: Stored, today: dt.date) -> list[str]:
    seen = stored.cases
    counts = ", ".join(f"{status.value} {count}" for status, count in seen.by_status.items())
    lines = [
        f"Cases by status: {counts}",
        f"Waiting for a moderator's answer: {seen.awaiting_answer}",
        f"Deadlines: {seen.overdue} overdue; due by {today + dt.timedelta(days=SOON_DAYS)} "
        f"(at most {URGENT_LIMIT} shown):",
    ]
    lines += [f"  {_deadline(report, today)}" for report in seen.urgent] or ["  none"]
    lines.append(f"Forum posts waiting for a moderator: {stored.forum_queue}")
    return lines


def _parts(checks: Checks) -> list[str]:
    migrations = {None: "unknown", True: "at the newest", False: "BEHIND: run flask --app wsgi db upgrade"}
    database = "ok" if checks.database_error is None else f"UNREACHABLE ({checks.database_error})"
    lines = [
        f"Database: {database}; migrations: {migrations[checks.migrations_at_head]}",
        REDIS_LINES[checks.redis],
        _disk("Database disk", checks.database_disk),
        _disk("Upload spool", checks.spool_disk),
    ]
    stored = checks.stored
    if stored is not None:
        lines.append(_notices(stored.notices))
    return lines


def _disk(what: str, disk: Disk | None) -> str:
    if disk is None:
        return f"{what}: not a local file"
    low = " (LOW)" if disk.low else ""
    return (
        f"{what}: {disk.free_bytes // 2**20} MiB free of {disk.total_bytes // 2**20} MiB at {disk.path}{low}"
    )


def _notices(notices: Notices | None) -> str:
    if notices is None:
        return "E-mail notices: off (PORTAL_SMTP_HOST is empty)"
    if notices.settings_refused:
        return f"E-mail notices: SETTINGS REFUSED: {notices.settings_refused}"
    last = {None: "never ran", "sent": "sent", "failed": f"FAILED ({notices.failed_runs} run(s) in a row)"}
    waiting = [
        w
        for w, pending in (("news", notices.news_pending), ("deadline reminder", notices.reminder_pending))
        if pending
    ]
    return (
        f"E-mail notices: last run {last[notices.last_result]}; {notices.recipients} recipient(s); "
        f"waiting for the next run: {', '.join(waiting) or 'nothing'}"
    )


def status_document(checks: Checks) -> dict[str, Any]:
    """The JSON for a monitor: the same checks, as states and counts."""
    stored = checks.stored
    return {
        # As /healthz says it: unavailable without the database, degraded without Redis.
        "state": "unavailable"
        if checks.database_error
        else "degraded"
        if checks.redis == "unreachable"
        else "ok",
        "attention": checks.attention(),
        "database": {
            "state": "ok" if checks.database_error is None else "unreachable",
            "error": checks.database_error,
            "migrations_at_head": checks.migrations_at_head,
        },
        "redis": {"state": checks.redis},
        "disk": {
            "database": _disk_document(checks.database_disk),
            "spool": _disk_document(checks.spool_disk),
        },
        "notices": _notices_document(checks.config.smtp_host, stored),
        "retention": {
            "days": checks.config.retention_days,
            "organisations": None if stored is None else stored.own_retention,
            "schedule": checks.config.retention_schedule or None,
            "last_purge": None
            if stored is None or stored.last_purge is None
            else stored.last_purge.isoformat(),
            "late": None if stored is None else checks.purge_late,
        },
        "failed_codes": {
            "this_hour": checks.failed_codes.this_hour,
            "hour_before": checks.failed_codes.hour_before,
            "threshold": checks.failed_codes.threshold,
            "alarming": checks.failed_codes.alarming,
        },
        "cases": None if stored is None else _cases_document(stored),
        "configuration_problems": checks.configuration_problems,
    }


def _disk_document(disk: Disk | None) -> dict[str, Any] | None:
    if disk is None:
        return None
    return {
        "path": disk.path,
        "free_bytes": disk.free_bytes,
        "total_bytes": disk.total_bytes,
        "low": disk.low,
    }


def _notices_document(smtp_host: str, stored: Stored | None) -> dict[str, Any] | None:
    if not smtp_host:
        return {"state": "off"}
    if stored is None or stored.notices is None:
        return None  # the database did not answer
    notices = stored.notices
    state = "settings_refused" if notices.settings_refused else "failing" if notices.failing else "ok"
    return {
        "state": state,
        "last_result": notices.last_result,
        "failed_runs": notices.failed_runs,
        "recipients": notices.recipients,
        "news_pending": notices.news_pending,
        "reminder_pending": notices.reminder_pending,
    }


def _cases_document(stored: Stored) -> dict[str, Any]:
    seen = stored.cases
    return {
        "by_status": {status.value: count for status, count in seen.by_status.items()},
        "awaiting_answer": seen.awaiting_answer,
        "overdue": seen.overdue,
        "forum_queue": stored.forum_queue,
    }


def _deadline(report: Report, today: dt.date) -> str:
    due = report.due_on
    owed = clocks(
        report.status,
        report.created_on,
        report.wants_acknowledgement,
        report.acknowledged_on,
        report.feedback_on,
    )
    what = "acknowledgement" if due is not None and due == owed.acknowledge_by else "feedback"
    return f"case {report.id}: {what} due {due} ({urgency(due, today)})"


def _retention(checks: Checks) -> str:
    config = checks.config
    if checks.stored is None:
        when = "unknown (no database)"
    else:
        last_run = checks.stored.last_purge
        when = "never" if last_run is None else f"{last_run.astimezone(TIMEZONE):%Y-%m-%d %H:%M %Z}"
    late = f" (LATE: more than {retention.PURGE_MAX_AGE.days} days ago)"
    schedule = config.retention_schedule or "not set"
    own = checks.stored.own_retention if checks.stored else {}
    others = " (" + ", ".join(f"{slug}: {days} days" for slug, days in own.items()) + ")" if own else ""
    return (
        f"Retention: closed cases erased after {config.retention_days} days{others}; schedule: {schedule}; "
        f"purge-expired last ran: {when}{late if checks.purge_late else ''}"
    )


def _failed_codes(checks: Checks) -> list[str]:
    """Failed codes of the last two clock hours, and a warning when one passed the threshold."""
    seen = checks.failed_codes
    where = (
        "" if checks.config.redis_url else " [without Redis each process counts its own: see the dashboard]"
    )
    lines = [
        f"Failed codes and passphrases: {seen.this_hour} this hour, {seen.hour_before} the hour "
        f"before (warning above {seen.threshold}){where}"
    ]
    if seen.alarming:
        lines.append(
            f"WARNING: {seen.most} failed codes or passphrases in one hour (more than {seen.threshold}). "
            "Nothing is locked and guessing an 80-bit code does not succeed; look in the reverse "
            'proxy\'s logs for a flood (docs/deploy.md, "Failed codes").'
        )
    return lines
