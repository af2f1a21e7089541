"""Helpers for tests of oral reporting (issue 15, part 1): a moderator records a report given by
phone or in a meeting, prints its code, writes minutes and offers meetings."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

from tests.csrf import csrf_from, get_csrf

ORAL_TEXT = "Berättat vid mötet: nämndens ordförande ringde och krävde att beslutet om bidraget ändrades."
MINUTES_TEXT = "Protokoll från mötet: du berättade om tre samtal från ordföranden under november."
CORRECTION_TEXT = "Det var fyra samtal, inte tre, och det sista kom i december."
PLACE_TEXT = "Vi ses i rum Ekorren på stadshuset, ingång B."


def record_oral(client: FlaskClient, **fields: Any) -> Any:
    """The moderator's form at /moderation/cases/oral, with the reporter's answers."""
    data: dict[str, Any] = {
        "kind": "influence",
        "category": "threats",
        "area": "association_grants",
        "description": ORAL_TEXT,
        "csrf_token": get_csrf(client, "/moderation/cases/oral"),
    }
    data.update(fields)
    return client.post("/moderation/cases/oral", data=data)


def code_on(page: str) -> str:
    match = re.search(r"data-receipt-code>([0-9A-Z-]+)<", page)
    assert match, "no code on the page"
    return match.group(1)


def reporter_post(client: FlaskClient, path: str, **data: Any) -> Any:
    token = csrf_from(client.get("/followup/case").get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data})


def minutes_seq(page: str) -> str:
    """The number of the first minutes awaiting an answer on the reporter's page."""
    match = re.search(
        r'action="/followup/minutes/approve"[^>]*>\s*<input[^>]*>\s*<input type="hidden" name="seq" value="(\d+)"',
        page,
    )
    assert match, "no minutes to approve"
    return match.group(1)


def offer_seq(page: str) -> str:
    match = re.search(
        r'action="/followup/meeting/answer"[^>]*>\s*<input[^>]*>\s*<input type="hidden" name="seq" value="(\d+)"',
        page,
    )
    assert match, "no meeting offer to answer"
    return match.group(1)
