"""Which tables an organisation's backup and leaving cover, derived from the foreign keys."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, MetaData, Table

import portal.forum.models  # noqa: F401  (every table in the metadata)
import portal.notify.models  # noqa: F401
from portal.backup import ownership
from portal.db import Base


def _paths(tables: list[Table]) -> dict[str, str | None]:
    return {
        name: None if reach.parent is None else f"{reach.column} -> {reach.parent.name}"
        for name, reach in ownership.reaches(tables).items()
    }


def test_every_table_belongs_to_an_organisation_or_to_the_installation() -> None:
    """A new table must be reachable from ``organisations`` (ON DELETE CASCADE) or be named
    installation-wide in portal/backup/ownership.py: else an organisation's backup would miss it,
    and leaving would leave its rows behind."""
    assert ownership.unowned(Base.metadata.sorted_tables) == []
    owned = set(ownership.reaches(Base.metadata.sorted_tables))
    assert not owned & ownership.INSTALLATION_WIDE  # a table is one or the other, never both


def test_the_paths_from_an_organisation_to_its_rows() -> None:
    assert _paths(Base.metadata.sorted_tables) == {
        "organisations": None,
        "users": "organisation_id -> organisations",
        "reports": "organisation_id -> organisations",
        "labels": "organisation_id -> organisations",
        "reply_templates": "organisation_id -> organisations",
        "audit_events": "organisation_id -> organisations",
        "organisation_texts": "organisation_id -> organisations",
        "enrolment_links": "organisation_id -> organisations",
        "forum_board_organisations": "organisation_id -> organisations",
        "forum_watched_words": "organisation_id -> organisations",
        "notify_state": "organisation_id -> organisations",
        "access_jobs": "organisation_id -> organisations",
        "erased_cases": "organisation_id -> organisations",
        "messages": "report_id -> reports",
        "attachments": "report_id -> reports",
        "notes": "report_id -> reports",
        "report_labels": "label_id -> labels",
        # Also on users.id (CASCADE): the first such key by name is the path; both reach one organisation.
        "case_keys": "report_id -> reports",
        "case_exclusions": "report_id -> reports",
        "retention_postponements": "report_id -> reports",
        "case_masks": "report_id -> reports",
        "server_sessions": "user_id -> users",
    }
    archived = [reach.name for reach in ownership.archived(Base.metadata.sorted_tables)]
    assert "server_sessions" not in archived and not [name for name in archived if name.startswith("forum_")]


def _with(extra: Table) -> list[Table]:
    metadata = MetaData()
    for table in Base.metadata.sorted_tables:
        table.to_metadata(metadata)
    extra.to_metadata(metadata)
    return metadata.sorted_tables


def test_a_new_table_is_found_by_its_cascade_or_refused_without_one() -> None:
    cascading = Table(
        "report_markers",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("report_id", ForeignKey("reports.id", ondelete="CASCADE")),
    )
    assert _paths(_with(cascading))["report_markers"] == "report_id -> reports"
    only_a_reference = Table(
        "case_bookmarks",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("report_id", ForeignKey("reports.id", ondelete="SET NULL"), nullable=True),
    )
    assert ownership.unowned(_with(only_a_reference)) == ["case_bookmarks"]


def test_a_condition_reaches_through_reports_to_the_organisation() -> None:
    messages = ownership.reaches(Base.metadata.sorted_tables)["messages"]
    sql = " ".join(str(messages.condition(7)).split())
    assert sql == (
        "messages.report_id IN (SELECT reports.id FROM reports WHERE reports.organisation_id = :organisation_id_1)"
    )
