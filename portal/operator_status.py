"""``flask --app wsgi status``: what an operator checks at a glance, as plain text.

Counts and dates only: no report content, no user names. The numbers are the dashboard's
(cases/overview.py) and the forum queue's, so the two can never disagree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from flask import current_app
from sqlalchemy.orm import Session

from . import retention
from .cases.clocks import SOON_DAYS, clocks, urgency
from .cases.overview import URGENT_LIMIT, overview
from .config import Config
from .domain import TIMEZONE
from .forum.moderation import queue_size
from .models import Report
from .production_checks import configuration_findings
from .security import failed_codes


def status_lines(
    db: Session, config: Config, environ: Mapping[str, str], today: dt.date, now: dt.datetime
) -> list[str]:
    seen = overview(db, today)
    counts = ", ".join(f"{status.value} {count}" for status, count in seen.by_status.items())
    lines = [
        f"Cases by status: {counts}",
        f"Waiting for a moderator's answer: {seen.awaiting_answer}",
        f"Deadlines: {seen.overdue} overdue; due by {today + dt.timedelta(days=SOON_DAYS)} "
        f"(at most {URGENT_LIMIT} shown):",
    ]
    lines += [f"  {_deadline(report, today)}" for report in seen.urgent] or ["  none"]
    lines.append(f"Forum posts waiting for a moderator: {queue_size(db)}")
    lines.append(_retention(db, config, now))
    lines += _failed_codes(config, now)
    lines.append(_redis())
    findings = configuration_findings(config, environ)
    problems = f"{len(findings)} problem(s), see: flask --app wsgi check-config" if findings else "ok"
    lines.append(f"Production configuration: {problems}")
    return lines


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


def _retention(db: Session, config: Config, now: dt.datetime) -> str:
    last_run = retention.last_purge(db)
    when = "never" if last_run is None else f"{last_run.astimezone(TIMEZONE):%Y-%m-%d %H:%M %Z}"
    late = f" (LATE: more than {retention.PURGE_MAX_AGE.days} days ago)"
    schedule = config.retention_schedule or "not set"
    return (
        f"Retention: closed cases erased after {config.retention_days} days; schedule: {schedule}; "
        f"purge-expired last ran: {when}{late if retention.purge_is_late(last_run, now) else ''}"
    )


def _redis() -> str:
    """Does Redis answer? The portal serves without it (issue 19), so only this line and
    /healthz's "degraded" tell."""
    client = current_app.extensions.get("portal.redis")
    if client is None:
        return "Redis: not configured (sessions in the database, rate limits per process)"
    try:
        client.ping()
    except Exception:  # redis.RedisError, OSError: whatever it is, it does not answer
        return (
            "Redis: NOT ANSWERING. The portal serves on: sessions in the database, rate limits per "
            'process (docs/deploy.md, "Redis is down")'
        )
    return "Redis: ok"


def _failed_codes(config: Config, now: dt.datetime) -> list[str]:
    """Failed codes of the last two clock hours, and a warning when one passed the threshold."""
    seen = failed_codes.recent(now)
    where = "" if config.redis_url else " [without Redis each process counts its own: see the dashboard]"
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
