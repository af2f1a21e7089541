"""Who reads which case, over HTTP (issue 15, part 2): a plain moderator reads a case only through
its case key. The admin's grant on the users page seals them one for every case (an access job),
an exclusion takes one away, "only the case officer" keeps it with the assignee, and a report
sent later is sealed to every reader at once."""

from __future__ import annotations

import io
import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.accounts import service as accounts
from portal.cases import access_jobs
from portal.models import AccessJob, Attachment, CaseExclusion, CaseKey, Report, Role
from tests.accounts import Account, AccountFactory, AuthActions
from tests.csrf import get_csrf
from tests.moderation_helpers import act, case_html, events, report
from tests.reporting_helpers import report_and_get_code

TEXTS = (
    "Ordföranden ringde mig hemma om bygglovet på Storgatan.",
    "En klient sa att han vet var min dotter går i skolan.",
    "Chefen bad mig ändra beslutet om försörjningsstöd.",
)
FILE_TEXT = b"Protokoll fran motet, sidan 2\n"
ADMINS_READ_ALL = (
    "Administrators read every case: they hold the organisation key and cannot be kept out of a case."
)
EXCLUDED_ASSIGNEE = (
    "That moderator is kept out of this case. Choose someone else, or lift the exclusion first."
)
ASSIGNEE_NOT_EXCLUDABLE = (
    "The case officer cannot be kept out of the case. Assign the case to someone else first."
)


def _db(app: Flask) -> Session:
    return Session(app.extensions["portal.engine"])


def _id(app: Flask, username: str) -> int:
    with _db(app) as db:
        return accounts.find(db, username).id


def _client(app: Flask, account: Account) -> FlaskClient:
    client = app.test_client()
    client.set_cookie("lang", "en")  # the assertions read the English texts
    assert AuthActions(client).login(account).status_code == 302
    return client


def _cases(app: Flask, texts: tuple[str, ...] = TEXTS) -> list[int]:
    """One report per text, in order; the first carries a file. Their case numbers."""
    reporter = app.test_client()
    for number, text in enumerate(texts):
        files: dict[str, Any] = (
            {"attachments": (io.BytesIO(FILE_TEXT), "protokoll.txt")} if number == 0 else {}
        )
        report_and_get_code(reporter, description=text, **files)
    with _db(app) as db:
        return list(db.scalars(select(Report.id).order_by(Report.id)))[-len(texts) :]


def _file_id(app: Flask, report_id: int) -> int:
    with _db(app) as db:
        return db.scalars(select(Attachment.id).where(Attachment.report_id == report_id)).one()


def _holders(app: Flask, report_id: int) -> set[int]:
    with _db(app) as db:
        return set(db.scalars(select(CaseKey.user_id).where(CaseKey.report_id == report_id)))


def _grant_on_users_page(admin_client: FlaskClient, user_id: int) -> str:
    """The grant button of the users page; the page it leads to (with the flash)."""
    token = get_csrf(admin_client, "/moderation/users")
    granted = admin_client.post(f"/moderation/users/{user_id}/access", data={"csrf_token": token})
    assert granted.status_code == 303 and granted.location.endswith("/moderation/users")
    return admin_client.get(granted.location).get_data(as_text=True)


def _granted(app: Flask, admin_client: FlaskClient, username: str, account: Account) -> FlaskClient:
    _grant_on_users_page(admin_client, _id(app, username))
    access_jobs.wait()
    return _client(app, account)


def _queue(client: FlaskClient) -> str:
    response = client.get("/moderation/cases")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _listed(report_id: int) -> str:
    return f'href="/moderation/cases/{report_id}"'


def test_a_moderator_granted_on_the_users_page_reads_every_existing_case(
    app: Flask, admin: Account, moderator: AccountFactory
) -> None:
    report_ids = _cases(app)
    mona = moderator("mona")
    mona_id = _id(app, "mona")
    admin_client = _client(app, admin)

    page = _grant_on_users_page(admin_client, mona_id)
    assert "mona is being given the key of every case: they can read each one as soon as its key" in page
    access_jobs.wait()
    users_page = admin_client.get("/moderation/users").get_data(as_text=True)
    assert "mona: done, every case they may read is open to them." in users_page
    assert _holders(app, report_ids[0]) == _holders(app, report_ids[2]) == {mona_id}
    assert "user:casekeys:sealed" in events(app, f"user:{mona_id}")

    mona_client = _client(app, mona)
    queue = _queue(mona_client)
    for report_id, text in zip(report_ids, TEXTS, strict=True):
        assert _listed(report_id) in queue
        assert text in case_html(mona_client, report_id)
    download = mona_client.get(f"/moderation/cases/{report_ids[0]}/files/{_file_id(app, report_ids[0])}")
    assert download.status_code == 200 and download.data == FILE_TEXT


def test_an_excluded_moderator_loses_the_case_and_gets_it_back_when_the_exclusion_is_lifted(
    app: Flask, admin: Account, moderator: AccountFactory
) -> None:
    restricted, unrestricted, _ = _cases(app)
    mona = moderator("mona")
    mona_id = _id(app, "mona")
    admin_client = _client(app, admin)
    mona_client = _granted(app, admin_client, "mona", mona)
    file_url = f"/moderation/cases/{restricted}/files/{_file_id(app, restricted)}"
    assert mona_client.get(file_url).status_code == 200  # before: she reads it

    excluded = act(admin_client, restricted, "access", exclude=str(mona_id))
    assert excluded.status_code == 303
    with _db(app) as db:
        assert list(db.execute(select(CaseExclusion.report_id, CaseExclusion.user_id))) == [
            (restricted, mona_id)
        ]
    assert _holders(app, restricted) == set()
    assert _holders(app, unrestricted) == {mona_id}

    queue = _queue(mona_client)
    assert _listed(restricted) not in queue and _listed(unrestricted) in queue
    assert mona_client.get(f"/moderation/cases/{restricted}").status_code == 404
    assert mona_client.get(file_url).status_code == 404
    assert TEXTS[1] in case_html(mona_client, unrestricted)
    subject = f"case:{restricted}:user:{mona_id}"
    assert events(app, subject) == ["case:access:excluded", "case:access:withdrawn"]
    # The admin still reads it: an exclusion concerns the moderator named, nobody else.
    assert TEXTS[0] in case_html(admin_client, restricted)

    lifted = act(admin_client, restricted, "access")  # nobody ticked
    assert lifted.status_code == 303
    assert events(app, subject) == [
        "case:access:excluded",
        "case:access:withdrawn",
        "case:access:included",
        "case:access:granted",
    ]
    assert _holders(app, restricted) == {mona_id}
    assert _listed(restricted) in _queue(mona_client)
    assert TEXTS[0] in case_html(mona_client, restricted)
    assert mona_client.get(file_url).data == FILE_TEXT


def test_only_the_assignee_reads_a_case_kept_to_its_case_officer(
    app: Flask, admin: Account, moderator: AccountFactory
) -> None:
    (report_id,) = _cases(app, TEXTS[:1])
    mona, nils, olga = moderator("mona"), moderator("nils"), moderator("olga")
    mona_id, nils_id, olga_id = _id(app, "mona"), _id(app, "nils"), _id(app, "olga")
    admin_client = _client(app, admin)
    clients = {
        name: _granted(app, admin_client, name, account)
        for name, account in (("mona", mona), ("nils", nils), ("olga", olga))
    }
    assert _holders(app, report_id) == {mona_id, nils_id, olga_id}

    assert act(admin_client, report_id, "assign", assignee=str(mona_id)).status_code == 303
    assert act(admin_client, report_id, "access", only_assigned="y").status_code == 303
    assert report(app, report_id).only_assigned is True
    assert _holders(app, report_id) == {mona_id}
    assert TEXTS[0] in case_html(clients["mona"], report_id)
    assert clients["nils"].get(f"/moderation/cases/{report_id}").status_code == 404
    assert clients["olga"].get(f"/moderation/cases/{report_id}").status_code == 404
    assert "case:access:restricted" in events(app, f"case:{report_id}")

    # Re-assigning moves the key: the previous case officer is out, the new one in.
    assert act(admin_client, report_id, "assign", assignee=str(nils_id)).status_code == 303
    assert _holders(app, report_id) == {nils_id}
    assert clients["mona"].get(f"/moderation/cases/{report_id}").status_code == 404
    assert TEXTS[0] in case_html(clients["nils"], report_id)
    assert events(app, f"case:{report_id}:user:{mona_id}")[-1] == "case:access:withdrawn"
    assert events(app, f"case:{report_id}:user:{nils_id}")[-1] == "case:access:granted"

    # Olga is kept out: she cannot be made the case officer.
    assert act(admin_client, report_id, "access", exclude=str(olga_id), only_assigned="y").status_code == 303
    before = report(app, report_id)
    refused = act(admin_client, report_id, "assign", assignee=str(olga_id))
    assert refused.status_code == 400
    assert EXCLUDED_ASSIGNEE in refused.get_data(as_text=True)
    after = report(app, report_id)
    assert (after.assignee_id, after.version) == (nils_id, before.version)
    assert _holders(app, report_id) == {nils_id}

    # Nor can the case officer be kept out.
    refused = act(admin_client, report_id, "access", exclude=str(nils_id), only_assigned="y")
    assert refused.status_code == 400
    assert ASSIGNEE_NOT_EXCLUDABLE in refused.get_data(as_text=True)
    after = report(app, report_id)
    assert (after.assignee_id, after.version) == (nils_id, before.version)
    assert _holders(app, report_id) == {nils_id}
    with _db(app) as db:
        assert set(db.scalars(select(CaseExclusion.user_id))) == {olga_id}
    assert TEXTS[0] in case_html(clients["nils"], report_id)


def test_a_plain_moderator_cannot_change_who_reads_a_case(
    app: Flask, admin: Account, moderator: AccountFactory
) -> None:
    (report_id,) = _cases(app, TEXTS[:1])
    mona, nils = moderator("mona"), moderator("nils")
    nils_id = _id(app, "nils")
    admin_client = _client(app, admin)
    mona_client = _granted(app, admin_client, "mona", mona)
    _granted(app, admin_client, "nils", nils)
    html = case_html(mona_client, report_id)
    assert f'action="/moderation/cases/{report_id}/access"' not in html  # not offered to her
    before = report(app, report_id)
    logged = events(app)

    for fields in ({"exclude": str(nils_id)}, {"only_assigned": "y"}):
        refused = act(mona_client, report_id, "access", **fields)
        assert refused.status_code == 403

    after = report(app, report_id)
    assert (after.version, after.only_assigned) == (before.version, False)
    assert _holders(app, report_id) == {_id(app, "mona"), nils_id}
    with _db(app) as db:
        assert db.scalar(select(func.count()).select_from(CaseExclusion)) == 0
    assert [event for event in events(app) if event.startswith("case:access")] == [
        event for event in logged if event.startswith("case:access")
    ]


def test_the_admins_case_page_says_admins_cannot_be_kept_out(
    app: Flask, admin: Account, moderator: AccountFactory
) -> None:
    (report_id,) = _cases(app, TEXTS[:1])
    mona = moderator("mona")
    moderator("ada", Role.ADMIN)
    admin_client = _client(app, admin)
    _granted(app, admin_client, "mona", mona)
    html = case_html(admin_client, report_id)
    assert ADMINS_READ_ALL in html
    # Only the plain moderator is offered for exclusion; neither admin is.
    panel = html.split('id="access-heading"')[1]
    offered = re.findall(r'<input[^>]*name="exclude"[^>]*>', panel)
    assert [re.search(r'value="(\d+)"', box).group(1) for box in offered] == [str(_id(app, "mona"))]  # type: ignore[union-attr]


def test_a_report_sent_after_the_grant_is_sealed_to_the_moderator_at_submission(
    app: Flask, admin: Account, moderator: AccountFactory
) -> None:
    mona = moderator("mona")
    mona_id = _id(app, "mona")
    admin_client = _client(app, admin)
    mona_client = _granted(app, admin_client, "mona", mona)
    with _db(app) as db:
        jobs = db.scalar(select(func.count()).select_from(AccessJob))
        assert (
            db.scalar(select(func.count()).select_from(AccessJob).where(AccessJob.finished_at.is_(None))) == 0
        )

    (report_id,) = _cases(app, TEXTS[1:2])

    # No job ran for it: the report's key was sealed to her in the request that stored it.
    assert _holders(app, report_id) == {mona_id}
    with _db(app) as db:
        assert db.scalar(select(func.count()).select_from(AccessJob)) == jobs
    assert _listed(report_id) in _queue(mona_client)
    assert TEXTS[1] in case_html(mona_client, report_id)
