"""0016 with rows in place: the installation's one notice state becomes the lowest organisation's,
or goes when there is no organisation; organisations get an empty retention period of their own.
Downgrade keeps the lowest organisation's state as the one row."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import Flask

from portal.config import Config
from tests.migration_helpers import migrate, read, unmigrate, unmigrated_app, write_0001

REMINDED_ON = dt.date(2026, 11, 30)


def _write(app: Flask, sql: str, **values: object) -> None:
    with app.extensions["portal.engine"].begin() as conn:
        conn.execute(sa.text(sql), values)


def test_0016_gives_the_notice_state_to_the_lowest_organisation_and_takes_it_back(config: Config) -> None:
    with unmigrated_app(config) as app:
        migrate(app, "0001")
        write_0001(app)
        migrate(app, "0015")  # 0011 made the installation organisation 1
        _write(
            app,
            "INSERT INTO organisations (slug, name, pooled, created_at) VALUES ('kommun-b', 'Kommun B', :no, :at)",
            no=False,
            at=dt.datetime(2026, 12, 1, 9, 0),
        )
        _write(
            app,
            "INSERT INTO notify_state (id, reports, reporter_messages, reporter_files, meeting_requests, "
            "deadlines_sent_on) VALUES (1, 7, 3, 2, 1, :day)",
            day=REMINDED_ON,
        )
        migrate(app, "0016")
        assert read(app, "SELECT id, slug, retention_days FROM organisations ORDER BY id") == [
            (1, "org1", None),
            (2, "kommun-b", None),
        ]
        state = read(
            app,
            "SELECT id, organisation_id, reports, reporter_messages, reporter_files, meeting_requests "
            "FROM notify_state",
        )
        assert state == [(1, 1, 7, 3, 2, 1)]
        assert [str(day) for (day,) in read(app, "SELECT deadlines_sent_on FROM notify_state")] == [
            "2026-11-30"
        ]
        _write(
            app,
            "INSERT INTO notify_state (organisation_id, reports, reporter_messages, reporter_files, "
            "meeting_requests) VALUES (2, 9, 0, 0, 0)",
        )
        unmigrate(app, "0015")
        assert read(
            app, "SELECT id, reports, reporter_messages, reporter_files, meeting_requests FROM notify_state"
        ) == [(1, 7, 3, 2, 1)]
        columns = {
            column["name"]
            for column in sa.inspect(app.extensions["portal.engine"]).get_columns("organisations")
        }
        assert "retention_days" not in columns


def test_0016_drops_the_state_of_an_installation_without_organisations(config: Config) -> None:
    with unmigrated_app(config) as app:
        migrate(app, "0015")
        _write(
            app,
            "INSERT INTO notify_state (id, reports, reporter_messages, reporter_files, meeting_requests) "
            "VALUES (1, 0, 0, 0, 0)",
        )
        migrate(app)
        assert read(app, "SELECT count(*) FROM notify_state") == [(0,)]
