"""0022 (exports with redaction) with rows in place: an organisation's texts keep their words and
get an empty secrecy marking (the default is printed), a report written by 0002 is masked and
exported after the upgrade; the downgrade drops the masks and the column and keeps the rest."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from portal.config import Config
from tests.accounts import AuthActions
from tests.csrf import csrf_from
from tests.export_helpers import pages_text
from tests.migration_helpers import (
    DESCRIPTION_0002,
    migrate,
    read,
    unmigrate,
    unmigrated_app,
    write_0001,
    write_0002_report,
)

INTRO = "Välkommen till kommunens visselblåsarkanal."
MASKED = "nämndens ordförande"


def _write_texts_0020(app: Flask) -> None:
    with app.extensions["portal.engine"].begin() as conn:
        organisation_id = conn.scalar(sa.text("SELECT id FROM organisations"))
        conn.execute(
            sa.text(
                "INSERT INTO organisation_texts (organisation_id, language, intro, contacts) "
                "VALUES (:o, 'sv', :intro, 'HR: 010-123 45 67')"
            ),
            {"o": organisation_id, "intro": INTRO},
        )


def _columns(app: Flask, table: str) -> set[str]:
    return {column["name"] for column in sa.inspect(app.extensions["portal.engine"]).get_columns(table)}


def test_0022_keeps_the_texts_and_a_case_written_before_it_is_masked_and_exported(config: Config) -> None:
    with unmigrated_app(config) as app:
        migrate(app, "0001")
        old = write_0001(app)
        migrate(app, "0002")
        old = write_0002_report(app, old)
        migrate(app, "0020")
        _write_texts_0020(app)

        migrate(app, "0022")
        assert read(app, "SELECT language, intro, secrecy_marking FROM organisation_texts") == [
            ("sv", INTRO, "")
        ]
        (report_id,) = read(app, "SELECT id FROM reports")[0]
        migrate(app)  # today's case page reads the columns of later migrations too
        client = app.test_client()
        assert AuthActions(client).login(old.account).status_code == 302
        page = client.get(f"/moderation/cases/{report_id}").get_data(as_text=True)
        token = csrf_from(page)
        masked = client.post(
            f"/moderation/cases/{report_id}/masks",
            data={"csrf_token": token, "target": "report", "passage": MASKED},
        )
        assert masked.status_code == 303
        exported = client.post(
            f"/moderation/cases/{report_id}/export", data={"csrf_token": token, "format": "pdf"}
        )
        assert exported.status_code == 200
        text = " ".join("\n".join(pages_text(exported.data)).split())
        assert text.startswith(
            "Sekretess enligt 17 kap. 3 b § och 32 kap. 3 b § offentlighets- och sekretesslagen"
        )
        assert DESCRIPTION_0002.replace(MASKED, "\u2588" * len(MASKED)) in text
        assert read(app, "SELECT count(*) FROM case_masks") == [(1,)]

        unmigrate(app, "0021")
        assert "case_masks" not in sa.inspect(app.extensions["portal.engine"]).get_table_names()
        assert "secrecy_marking" not in _columns(app, "organisation_texts")
        assert read(app, "SELECT language, intro FROM organisation_texts") == [("sv", INTRO)]
        assert read(app, "SELECT count(*) FROM reports") == [(1,)]
        migrate(app, "head")
        assert read(app, "SELECT count(*) FROM case_masks") == [(0,)]
