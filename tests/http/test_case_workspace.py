"""The case page as a workspace (issue 17 item 8), over HTTP: a refused action answers with one
error summary at the top of the page, which takes the focus, and the case's true status beside it;
long texts are folded; moderation.css is for moderator pages only."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.accounts import Account, AuthActions
from tests.csrf import csrf_from
from tests.moderation_helpers import act, case_html, report, version_of
from tests.reporting_helpers import only_report_id, report_and_get_code

LONG_REPORT = "\n".join(
    f"Rad {n}: chefen ringde igen och sa att jag skulle tänka på min familj." for n in range(40)
)


def _one_case(app: Flask, description: str = "Chefen hotade mig efter mötet om bygglovet.") -> int:
    report_and_get_code(app.test_client(), description=description)
    return only_report_id(app)


def _summaries(html: str) -> list[str]:
    """Every error summary's opening tag and text, in page order."""
    return re.findall(r'(<div class="error-summary"[^>]*>.*?</div>)', html, re.S)


def _refused(client: FlaskClient, report_id: int, action: str, **data: Any) -> tuple[str, str]:
    """A refused action on the case page: the page (400) and its one error summary."""
    refused = act(client, report_id, action, **data)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    [summary] = _summaries(html)
    return html, summary


def _before_the_workspace(html: str, needle: str) -> bool:
    return -1 < html.index(needle) < html.index('<div class="workspace">')


def test_closing_without_an_outcome_shows_the_summary_at_the_top_and_the_true_status(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions
) -> None:
    report_id = _one_case(app)
    auth.login(admin)
    html, summary = _refused(client, report_id, "status", status="closed", outcome="")
    assert summary.startswith('<div class="error-summary" role="alert" tabindex="-1" autofocus>')
    assert (
        '<a href="#outcome">Utfall (krävs när ärendet avslutas): Välj ett utfall när du avslutar ett ärende.</a>'
        in summary
    )
    assert "Inget ändrades: ärendets status är fortfarande ”Ny”." in summary
    assert _before_the_workspace(html, summary)
    # The top says what the case is now, not what the refused form asked for.
    assert '<p class="case-now" data-case-status="new">Status: <strong>Ny</strong>' in html
    assert html.index('class="case-now"') < html.index(summary)
    # What the moderator chose is still chosen, and the error stands at the field too.
    assert '<option selected value="closed">Avslutad</option>' in html
    assert '<p class="error" id="outcome-error">Välj ett utfall när du avslutar ett ärende. </p>' in html
    assert report(app, report_id).status.value == "new"


def test_a_page_without_refusal_has_no_summary_and_nothing_takes_the_focus(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions
) -> None:
    report_id = _one_case(app)
    auth.login(admin)
    html = case_html(client, report_id)
    assert _summaries(html) == [] and "autofocus" not in html


def test_a_refused_message_keeps_its_text_and_is_summed_up_at_the_top(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions
) -> None:
    report_id = _one_case(app)
    auth.login(admin)
    html, summary = _refused(client, report_id, "note", note="Ring HR\x00 på måndag.")
    assert "autofocus" in summary and '<a href="#note">' in summary
    assert _before_the_workspace(html, summary)
    note = re.search(r'<textarea[^>]* id="note"[^>]*>(.*?)</textarea>', html, re.S)
    assert note, html
    assert "Ring HR" in note.group(1) and "på måndag." in note.group(1)  # what was typed comes back


def test_someone_elses_change_is_summed_up_at_the_top_with_focus(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions
) -> None:
    report_id = _one_case(app)
    auth.login(admin)
    stale_html = case_html(client, report_id)
    stale = {"csrf_token": csrf_from(stale_html), "version": version_of(stale_html)}
    assert act(client, report_id, "status", status="in_progress").status_code == 303
    conflict = client.post(f"/moderation/cases/{report_id}/labels", data={**stale, "labels": "hot"})
    html = conflict.get_data(as_text=True)
    assert conflict.status_code == 409
    [summary] = _summaries(html)
    assert summary.startswith('<div class="error-summary" role="alert" tabindex="-1" autofocus>')
    assert "<h2>Inget ändrades</h2>" in summary
    assert "Någon annan har ändrat ärendet medan du tittade på det." in summary
    assert _before_the_workspace(html, summary)
    assert '<p class="case-now" data-case-status="in_progress">Status: <strong>Pågår</strong>' in html
    assert report(app, report_id).labels == []


def test_a_refused_mask_is_summed_up_at_the_top(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions
) -> None:
    report_id = _one_case(app)
    auth.login(admin)
    html, summary = _refused(client, report_id, "masks", target="report", passage="finns inte i texten")
    assert '<a href="#passage">' in summary and _before_the_workspace(html, summary)


def test_a_long_report_is_folded_and_a_short_one_is_not(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions
) -> None:
    report_id = _one_case(app, LONG_REPORT)
    auth.login(admin)
    html = case_html(client, report_id)
    section = html.split('id="report-heading"')[1].split("</section>")[0]
    preview = section.split('<div class="text-block preview">')[1].split("</div>")[0]
    assert preview.startswith("Rad 0: chefen ringde") and "Rad 6:" not in preview and preview.endswith("…")
    assert f'<span class="when-closed">Visa hela texten ({len(LONG_REPORT)} tecken)</span>' in section
    whole = section.split("<details>")[1].split("</details>")[0]
    assert "Rad 39: chefen ringde igen" in whole
    report_and_get_code(app.test_client(), description="Chefen hotade mig.")
    short = case_html(client, report_id + 1).split('id="report-heading"')[1].split("</section>")[0]
    assert "<details>" not in short and '<div class="text-block">Chefen hotade mig.</div>' in short


def test_only_moderator_pages_load_the_moderators_stylesheet(
    app: Flask, client: FlaskClient, admin: Account, auth: AuthActions
) -> None:
    for path in ("/", "/report", "/followup", "/forum/", "/moderation/login"):
        assert "moderation.css" not in app.test_client().get(path).get_data(as_text=True), path
    auth.login(admin)
    assert re.search(
        r'<link rel="stylesheet" href="/static/moderation.css\?v=[0-9a-f]{12}">',
        case_html(client, _one_case(app)),
    )
