"""0021 with an operator's enrolment link in place: it stays a first admin's link (no user name,
no role) and keeps working; the downgrade drops the invitation columns and keeps the link."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from portal import enrolment
from portal.config import Config
from portal.db import new_session, utcnow
from tests.migration_helpers import migrate, read, unmigrate, unmigrated_app


def test_0021_keeps_a_first_admins_link_working(config: Config) -> None:
    with unmigrated_app(config) as app:
        migrate(app, "0020")
        expires = (utcnow() + dt.timedelta(hours=10)).replace(tzinfo=None)
        with app.extensions["portal.engine"].begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO organisations (slug, name, pooled, created_at) VALUES ('ny', 'Ny kommun', false, :c)"
                ),
                {"c": expires},
            )
            organisation_id = conn.execute(
                sa.text("SELECT id FROM organisations WHERE slug = 'ny'")
            ).scalar_one()
            conn.execute(
                sa.text(
                    "INSERT INTO enrolment_links (organisation_id, token_sha256, expires_at) VALUES (:o, :t, :e)"
                ),
                {"o": organisation_id, "t": enrolment._digest("gammal-länk"), "e": expires},
            )
        migrate(app, "0021")
        assert read(app, "SELECT username, role, notify_email FROM enrolment_links") == [(None, None, None)]
        with app.app_context(), new_session() as db:
            link = enrolment.open_link(db, "gammal-länk", utcnow())
            assert (link.is_invitation, link.organisation_id) == (False, organisation_id)
        unmigrate(app, "0020")
        assert read(app, "SELECT count(*) FROM enrolment_links") == [(1,)]
        migrate(app)
