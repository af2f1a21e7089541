"""An excluded moderator cannot read the case offline either (issue 15, part 2).

The attack: a moderator kept out of a case (a conflict of interest) takes what they hold, their
passphrase, so their own private key, and the installation's secret key, to a copy of the
database, and tries every key on every wrap and seal in it (``read_offline``, the operator's
attack of ``test_operator_blind.py``), case keys included. Their case key for the case was deleted
with the exclusion, and scrubbed out of the files after the commit (the SQLite ``-wal``, a dead
tuple on PostgreSQL): nothing opens it. The controls: the same call opens the case they were not
kept out of, the admin's account opens both, and before the exclusion the byte search finds the
case key it then proves gone.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts import service as accounts
from portal.config import Config
from portal.installation import kdf_cost
from portal.models import CaseKey, Report
from tests import stored_bytes
from tests.accounts import Account, AccountFactory, AuthActions, grant
from tests.moderation_helpers import act
from tests.reporting_helpers import moderator_answers, report_and_get_code
from tests.security.test_operator_blind import read_offline
from tests.settings import CLIENT_ADDRESS

RESTRICTED = "Min chef, som är gift med nämndens ordförande, bad mig stoppa ärendet."
UNRESTRICTED = "En klient sa att han vet var min dotter går i skolan."
ANSWER = "Tack, vi har tagit emot din anmälan och utreder den."
FILE_TEXT = b"Mejlet fran chefen, utskrivet\n"
CASE_KEY_TABLES = ("case_keys",)


@pytest.fixture
def config(config: Config, backend: str) -> Iterator[Config]:
    """On PostgreSQL a database of its own, for the byte search (see ``tests/stored_bytes.py``)."""
    with stored_bytes.database_of_its_own(config, backend) as own:
        yield own


def _db(app: Flask) -> Session:
    return Session(app.extensions["portal.engine"])


def _logged_in(app: Flask, account: Account) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = CLIENT_ADDRESS
    assert AuthActions(client).login(account).status_code == 302
    return client


def _two_cases(app: Flask, admin: Account) -> tuple[int, int]:
    reporter = app.test_client()
    report_and_get_code(reporter, description=RESTRICTED, attachments=(io.BytesIO(FILE_TEXT), "mejl.txt"))
    report_and_get_code(reporter, description=UNRESTRICTED)
    with _db(app) as db:
        restricted, unrestricted = db.scalars(select(Report.id).order_by(Report.id))
    moderator_answers(app, admin, restricted, ANSWER)
    return restricted, unrestricted


def test_the_excluded_moderators_own_keys_and_the_database_do_not_open_the_case(
    app: Flask, admin: Account, moderator: AccountFactory
) -> None:
    restricted, unrestricted = _two_cases(app, admin)
    mona = moderator("mona")
    grant(app, "mona", by=admin)
    with _db(app) as db:
        mona_id = accounts.find(db, "mona").id
        rows = db.execute(select(CaseKey.report_id, CaseKey.sealed).where(CaseKey.user_id == mona_id))
        held = {report_id: bytes(sealed) for report_id, sealed in rows}
    assert set(held) == {restricted, unrestricted}
    config = app.config["PORTAL"]
    url, cost = config.sqlalchemy_url, kdf_cost(config)
    secrets = [config.secret_key.encode()]
    # Before: her keys open both cases offline (the attack works when there is a key to find).
    before = read_offline(url, secrets, [mona], cost)
    assert {RESTRICTED.encode(), ANSWER.encode(), FILE_TEXT, UNRESTRICTED.encode()} <= set(before)
    needles = stored_bytes.needles({"mona's case key": held[restricted]})
    found = {entry.split(" in ")[0] for entry in stored_bytes.where_found(app, needles, CASE_KEY_TABLES)}
    assert found == set(needles)

    admin_client = _logged_in(app, admin)
    assert act(admin_client, restricted, "access", exclude=str(mona_id)).status_code == 303

    opened = read_offline(url, secrets, [mona], cost)
    for secret in (RESTRICTED.encode(), ANSWER.encode(), FILE_TEXT):
        assert secret not in opened
    assert opened == [UNRESTRICTED.encode()]  # the control: the case she was not kept out of
    by_admin = read_offline(url, secrets, [admin], cost)
    assert {RESTRICTED.encode(), ANSWER.encode(), FILE_TEXT, UNRESTRICTED.encode()} <= set(by_admin)
    # Nor is the deleted case key left in the files, where a copy would still find it.
    stored_bytes.assert_gone(app, needles, CASE_KEY_TABLES)
