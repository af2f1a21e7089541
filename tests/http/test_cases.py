"""The moderator's work on a case, over HTTP: every action, its audit event, its clock."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.cases.access import Keyring
from portal.domain import today
from tests.accounts import Account, AccountFactory, AuthActions, grant
from tests.moderation_helpers import act, case_html, events, report
from tests.reporting_helpers import case_page, only_report_id, open_with_code, reply, report_and_get_code

SECRET_TEXT = "Han sa att han vet var min dotter går i skolan."


def _one_case(app: Flask) -> tuple[FlaskClient, str, int]:
    reporter = app.test_client()
    code = report_and_get_code(reporter, description=SECRET_TEXT, wants_acknowledgement="yes")
    return reporter, code, only_report_id(app)


def test_case_page_decrypts_and_the_view_is_audited(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions
) -> None:
    _, _, report_id = _one_case(app)
    auth.login(admin)
    html = case_html(client, report_id)
    assert SECRET_TEXT in html
    assert "case:report:viewed" in events(app, f"case:{report_id}")


def test_first_message_acknowledges_and_feedback_sets_its_clock(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions
) -> None:
    reporter, code, report_id = _one_case(app)
    assert report(app, report_id).due_on == today() + dt.timedelta(days=7)
    auth.login(admin)
    assert (
        act(client, report_id, "message", message="Tack, vi har tagit emot din anmälan.").status_code == 303
    )
    after_ack = report(app, report_id)
    assert after_ack.status.value == "acknowledged" and after_ack.acknowledged_on == today()
    assert after_ack.due_on is not None and after_ack.due_on > today() + dt.timedelta(days=80)
    act(client, report_id, "message", message="Vi har pratat med chefen och infört rutiner.", feedback="y")
    assert report(app, report_id).feedback_on == today() and report(app, report_id).due_on is None
    answered = report(app, report_id)  # what the handling statistics count: received, answered today
    assert (answered.days_to_acknowledgement, answered.days_to_feedback, answered.feedback_in_time) == (
        0,
        0,
        True,
    )
    subject_events = events(app, f"case:{report_id}")
    for expected in ["case:message:sent", "case:report:acknowledged", "case:feedback:given"]:
        assert expected in subject_events
    open_with_code(reporter, code)
    page = case_page(reporter)
    assert "Tack, vi har tagit emot" in page and "2 nya meddelanden" in page


def test_internal_notes_never_reach_the_reporter(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions
) -> None:
    reporter, code, report_id = _one_case(app)
    auth.login(admin)
    assert (
        act(client, report_id, "note", note="Intern: troligen samma person som i ärende 3.").status_code
        == 303
    )
    assert "troligen samma person" in case_html(client, report_id)
    open_with_code(reporter, code)
    assert "troligen samma person" not in case_page(reporter)


def test_closing_needs_an_outcome(app: Flask, client: FlaskClient, admin: Account, auth: AuthActions) -> None:
    _, _, report_id = _one_case(app)
    auth.login(admin)
    refused = act(client, report_id, "status", status="closed", outcome="")
    assert refused.status_code == 400
    assert report(app, report_id).status.value == "new"
    assert act(client, report_id, "status", status="closed", outcome="support_given").status_code == 303
    closed = report(app, report_id)
    assert closed.closed_on == today() and closed.due_on is None and closed.outcome.value == "support_given"  # type: ignore[union-attr]
    assert act(client, report_id, "status", status="in_progress").status_code == 303
    reopened = report(app, report_id)
    assert reopened.closed_on is None and reopened.outcome is None and reopened.due_on is not None


def test_two_moderators_do_not_silently_overwrite_each_other(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions
) -> None:
    from tests.csrf import csrf_from
    from tests.moderation_helpers import version_of

    _, _, report_id = _one_case(app)
    auth.login(admin)
    stale_html = case_html(client, report_id)
    stale = {"csrf_token": csrf_from(stale_html), "version": version_of(stale_html)}
    assert (
        act(client, report_id, "classify", kind="influence", category="bribery", area="housing").status_code
        == 303
    )
    conflict = client.post(
        f"/moderation/cases/{report_id}/classify",
        data={**stale, "kind": "influence", "category": "threats", "area": "housing"},
    )
    assert conflict.status_code == 409
    assert "Någon annan har ändrat" in conflict.get_data(as_text=True)
    assert report(app, report_id).category.value == "bribery"  # type: ignore[union-attr]


def test_labels_assignment_reclassify_and_meeting(
    app: Flask, client: FlaskClient, admin: Account, moderator: AccountFactory, auth: AuthActions
) -> None:
    _, _, report_id = _one_case(app)
    mona = moderator("mona")
    auth.login(admin)
    assert act(client, report_id, "labels", labels="hot, polis , hot").status_code == 303
    assert [label.name for label in report(app, report_id).labels] == ["hot", "polis"]
    from sqlalchemy.orm import Session

    from portal.accounts import service as accounts

    with Session(app.extensions["portal.engine"]) as db:
        mona_id = accounts.find(db, mona.username).id
    assert act(client, report_id, "assign", assignee=str(mona_id)).status_code == 303
    assert report(app, report_id).assignee_id == mona_id
    assert (
        act(
            client, report_id, "classify", kind="whistleblowing", category="welfare_crime", area="other"
        ).status_code
        == 303
    )
    changed = report(app, report_id)
    assert (
        changed.kind.value == "whistleblowing" and changed.area is not None and changed.area.value == "other"
    )
    assert act(client, report_id, "meeting").status_code == 303
    assert report(app, report_id).meeting_offered_on == today()
    logged = events(app, f"case:{report_id}")
    for expected in [
        "case:labels:changed",
        "case:assignee:changed",
        "case:report:reclassified",
        "case:meeting:offered",
    ]:
        assert expected in logged


def test_bad_values_change_nothing(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions
) -> None:
    _, _, report_id = _one_case(app)
    auth.login(admin)
    before = report(app, report_id).version
    assert act(client, report_id, "status", status="exploded").status_code == 400
    assert act(client, report_id, "classify", kind="nonsense").status_code == 400
    assert act(client, report_id, "assign", assignee="99999").status_code in (400, 404)
    assert act(client, report_id, "message", message="").status_code == 400
    assert act(client, report_id, "note", note="x\x00y").status_code == 400
    assert report(app, report_id).version == before
    assert client.get("/moderation/cases/424242").status_code == 404


def test_assigning_to_a_moderator_who_is_gone_is_a_clear_form_error(
    app: Flask,
    client: FlaskClient,
    admin: Account,
    moderator: AccountFactory,
    auth: AuthActions,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Deactivated after the form listed them (the list is read in the same request, so only a
    race gets here): the service says who is unknown, the form says so, nothing changes."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from portal.models import User
    from portal.moderation.cases import service as cases

    _, _, report_id = _one_case(app)
    moderator("gunnar")
    auth.login(admin)
    with Session(app.extensions["portal.engine"]) as db:
        gunnar = db.scalars(select(User).where(User.username == "gunnar")).one()
        gunnar.active = False
        gunnar_id = gunnar.id
        db.commit()
        with pytest.raises(cases.UnknownAssignee):
            cases.assign(db, report_id, Keyring(gunnar.id), gunnar, 1, 424242)
    monkeypatch.setattr(cases, "moderators", lambda db: list(db.scalars(select(User).order_by(User.id))))
    before = report(app, report_id).version
    refused = act(client, report_id, "assign", assignee=str(gunnar_id))
    assert refused.status_code == 400
    assert "Den moderatorn finns inte eller är inte längre aktiv." in refused.get_data(as_text=True)
    assert report(app, report_id).version == before and report(app, report_id).assignee_id is None


def test_files_decrypt_on_download_and_images_show_inline(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions
) -> None:
    from PIL import Image

    picture = io.BytesIO()
    Image.new("RGB", (20, 10), (0, 90, 80)).save(picture, "PNG")
    note = io.BytesIO(b"Anteckning om hotet\n")
    reporter = app.test_client()
    report_and_get_code(
        reporter, attachments=[(io.BytesIO(picture.getvalue()), "bild.png"), (note, "notes.txt")]
    )
    report_id = only_report_id(app)
    auth.login(admin)
    html = case_html(client, report_id)
    assert "bild.png" in html and "notes.txt" in html and "preview=" in html
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from portal.models import Attachment

    with Session(app.extensions["portal.engine"]) as db:
        image_id, text_id = db.scalars(select(Attachment.id).order_by(Attachment.id)).all()
    # The picture's own preview link (tests/http/test_case_file_audit.py: what is logged).
    src = re.search(r'<img class="attachment-preview" src="([^"]+)"', html)
    assert src
    inline = client.get(src.group(1).replace("&amp;", "&"))
    assert inline.status_code == 200 and inline.mimetype == "image/png"
    assert inline.headers["Content-Disposition"].startswith("inline")
    download = client.get(f"/moderation/cases/{report_id}/files/{text_id}")
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.data == b"Anteckning om hotet\n"
    assert "sandbox" in download.headers["Content-Security-Policy"]
    assert client.get(f"/moderation/cases/{report_id + 1}/files/{text_id}").status_code == 404
    assert "case:file:downloaded" in events(app, f"case:{report_id}")


def test_moderator_without_access_cannot_open_cases(
    app: Flask, client: FlaskClient, admin: Account, moderator: AccountFactory, auth: AuthActions
) -> None:
    _, _, report_id = _one_case(app)
    newcomer = moderator("nina")  # not yet granted: no case key, so no case exists for her
    auth.login(newcomer)
    queue = client.get("/moderation/cases")
    assert queue.status_code == 200
    assert f'href="/moderation/cases/{report_id}"' not in queue.get_data(as_text=True)  # lists nothing
    page = client.get(f"/moderation/cases/{report_id}")
    assert page.status_code == 404 and SECRET_TEXT not in page.get_data(as_text=True)
    assert client.get(f"/moderation/cases/{report_id + 1}").status_code == 404  # the same as none at all
    assert "case:report:viewed" not in events(app, f"case:{report_id}")
    # Once granted, her access job seals the case key and the case opens, in the same session.
    grant(app, "nina", by=admin)
    listed = client.get("/moderation/cases").get_data(as_text=True)
    assert f'href="/moderation/cases/{report_id}"' in listed
    assert SECRET_TEXT in case_html(client, report_id)


def test_erase_is_admin_only_two_step_and_leaves_no_number_in_the_audit_log(
    app: Flask, client: FlaskClient, admin: Account, moderator: AccountFactory, auth: AuthActions
) -> None:
    reporter, code, report_id = _one_case(app)
    mona = moderator("mona")
    other = app.test_client()
    AuthActions(other).login(mona)
    assert other.get(f"/moderation/cases/{report_id}/erase").status_code == 403
    auth.login(admin)
    from tests.csrf import get_csrf

    for language, words in [
        ("en", f"under a random code instead of case number {report_id}."),
        ("sv", f"under en slumpmässig kod i stället för ärendenummer {report_id}."),
    ]:
        client.set_cookie("lang", language)
        page = client.get(f"/moderation/cases/{report_id}/erase").get_data(as_text=True)
        assert words in page.replace("\n", " "), page
    token = get_csrf(client, f"/moderation/cases/{report_id}/erase")
    wrong = client.post(
        f"/moderation/cases/{report_id}/erase", data={"csrf_token": token, "confirm_number": report_id + 1}
    )
    assert wrong.status_code == 400
    done = client.post(
        f"/moderation/cases/{report_id}/erase", data={"csrf_token": token, "confirm_number": report_id}
    )
    assert done.status_code == 303
    assert client.get(f"/moderation/cases/{report_id}").status_code == 404
    assert events(app, f"case:{report_id}") == []  # the number is gone from the audit log
    assert open_with_code(app.test_client(), code).status_code == 401


def test_reporter_reply_marks_the_case_as_waiting(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions
) -> None:
    reporter, code, report_id = _one_case(app)
    open_with_code(reporter, code)
    reply(reporter, "Det har hänt igen i dag, samma person.")
    assert report(app, report_id).awaiting_moderator
    auth.login(admin)
    assert str(report_id) in client.get("/moderation/cases?awaiting=1").get_data(as_text=True)
    act(client, report_id, "message", message="Tack, vi hör av oss i morgon.")
    assert not report(app, report_id).awaiting_moderator


@pytest.mark.parametrize(("action", "field"), [("message", "message"), ("note", "note")])
def test_a_message_or_note_of_only_spaces_is_refused_and_nothing_is_sent(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions, action: str, field: str
) -> None:
    # A message of blanks went to the reporter as a "new message" with nothing in it, and
    # acknowledged the report (its first message starts the three-month clock).
    _, _, report_id = _one_case(app)
    auth.login(admin)
    refused = act(client, report_id, action, **{field: "   \n\t  "})
    assert refused.status_code == 400 and "Skriv något." in refused.get_data(as_text=True)
    after = report(app, report_id)
    assert after.status.value == "new" and after.acknowledged_on is None
    assert f"case:{action}" not in " ".join(events(app, f"case:{report_id}"))


def test_moderator_lists_never_offer_the_reporters_no_answer(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions
) -> None:
    report_and_get_code(app.test_client(), category="")  # the reporter would rather not say
    report_id = only_report_id(app)
    auth.login(admin)
    html = case_html(client, report_id)
    assert "Jag vill inte svara" not in html
    assert '<option selected value="">Inget utfall ännu</option>' in html
    assert '<select id="category" name="category" required><option selected value="">Välj…</option>' in html
    refused = act(client, report_id, "classify", kind="influence", category="", area="income_support")
    assert refused.status_code == 400
    assert "Välj en kategori." in refused.get_data(as_text=True)
    assert (
        act(client, report_id, "classify", kind="influence", category="threats", area="").status_code == 400
    )
    after = report(app, report_id)
    assert after.category is None and after.area is not None and after.area.value == "income_support"
    assert (
        act(client, report_id, "classify", kind="influence", category="other", area="other").status_code
        == 303
    )
    closing = act(client, report_id, "status", status="closed", outcome="")
    assert closing.status_code == 400
    assert "Välj ett utfall när du avslutar ett ärende." in closing.get_data(as_text=True)
    assert report(app, report_id).status.value == "new"


def test_the_case_and_queue_use_the_moderators_words(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions
) -> None:
    reporter = app.test_client()
    assert "Otillåten påverkan som jag har utsatts för" in reporter.get("/report").get_data(as_text=True)
    _, _, report_id = _one_case(app)
    auth.login(admin)
    html = case_html(client, report_id)
    assert "<dt>Typ</dt><dd>Upplevd otillåten påverkan</dd>" in html
    assert '<option selected value="influence">Upplevd otillåten påverkan</option>' in html
    queue = client.get("/moderation/cases").get_data(as_text=True)
    for page in (html, queue):
        assert "som jag har utsatts för" not in page
    assert "Upplevd otillåten påverkan" in queue
