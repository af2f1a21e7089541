"""0024 with rows in place: an erased case's row left before it says nothing of the incident
system or the police (NULL, "not known" on the handling page), the handling index is made, and
downgrade drops both again with the row kept."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import Flask

from portal.config import Config
from tests.migration_helpers import (
    CREATED_ON,
    migrate,
    read,
    unmigrate,
    unmigrated_app,
    write_0001,
    write_0002_report,
)


def _indexes(app: Flask) -> set[str]:
    return {index["name"] for index in sa.inspect(app.extensions["portal.engine"]).get_indexes("reports")}


def test_0024_leaves_old_erased_rows_not_known(config: Config) -> None:
    with unmigrated_app(config) as app:
        migrate(app, "0001")
        old = write_0001(app)
        migrate(app, "0002")
        write_0002_report(app, old)  # received 15 January 2026
        migrate(app, "0023")
        with app.extensions["portal.engine"].begin() as conn:
            # Acknowledged after 3 days, feedback on 18 April: three months after 18 January, in time.
            conn.execute(
                sa.text("UPDATE reports SET acknowledged_on = :ack, feedback_on = :answered"),
                {"ack": CREATED_ON + dt.timedelta(days=3), "answered": dt.date(2026, 4, 18)},
            )
        with app.extensions["portal.engine"].begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO erased_cases (id, organisation_id, month, kind, outcome, "
                    "weeks_to_acknowledgement, record_key) VALUES (77, 1, :month, 'influence', 'referred', 0, 41)"
                ),
                {"month": dt.date(2025, 3, 1)},
            )
        migrate(app, "0024")
        assert read(
            app,
            "SELECT id, outcome, weeks_to_acknowledgement, reported_to_incident_system, reported_to_police "
            "FROM erased_cases",
        ) == [(77, "referred", 0, None, None)]
        assert "ix_reports_org_created_on_handling" in _indexes(app)
        # The report there was gets its durations worked out, as clocks.record_handling would.
        assert read(
            app, "SELECT days_to_acknowledgement, days_to_feedback, feedback_in_time FROM reports"
        ) == [(3, 93, True)]
        unmigrate(app, "0023")
        assert read(app, "SELECT id, outcome, record_key FROM erased_cases") == [(77, "referred", 41)]
        assert "ix_reports_org_created_on_handling" not in _indexes(app)
