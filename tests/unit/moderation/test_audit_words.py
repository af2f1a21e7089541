"""Every subject the portal writes, in words (the stored subjects are written out literally: they
are what years of rows hold)."""

from __future__ import annotations

import pytest
from flask import Flask

from portal.audit import Event
from portal.moderation.admin import audit_words
from portal.moderation.admin.audit_words import AREAS, Detail

NAMES = {3: "mona"}


@pytest.mark.parametrize(
    ("subject", "shown"),
    [
        ("case:12", Detail("Case 12", 12)),
        ("case:12:user:3", Detail("Case 12, moderator mona", 12)),
        ("case:12:user:9", Detail("Case 12, account 9 (removed)", 12)),
        ("case:12:version:4", Detail("Case 12, as of version 4", 12)),
        ("case:12:status:closed", Detail("Case 12", 12)),
        ("case:erased-0123456789abcdef", Detail("An erased case")),
        ("case:erased-0123456789abcdef:user:3", Detail("An erased case, moderator mona")),
        ("user:3", Detail("moderator mona")),
        ("template:7", Detail("Quick reply 7")),
        ("invitation:2", Detail("Invitation 2")),
        ("forum:post:40", Detail("Forum post 40")),
        ("forum:thread:8", Detail("Forum thread 8")),
        ("forum:board:1", Detail("Forum board 1")),
        ("forum:words", Detail("The list of watched words")),
        ("forum:gate", Detail("The forum's passphrase")),
        ("notify:news", Detail("Notice of something new to look at")),
        ("notify:deadlines", Detail("Daily reminder of deadlines")),
        ("org:kommunen", Detail("Organisation kommunen")),
        ("org:kommunen:rows:130", Detail("Organisation kommunen, 130 rows erased")),
        ("texts:sv", Detail("The texts for reporters (Svenska)")),
        ("retention:730", Detail("730 days")),
        ("retention:default", Detail("The installation's period")),
        ("on", Detail("Taking part")),
        (
            "quarter_2026-01_2026-06_whistleblowing",
            Detail(
                "Reports by category and area of work, per quarter, 2026-01 to 2026-06, "
                "Whistleblowing report (e.g. suspected welfare crime)"
            ),
        ),
        (
            "handling_month_2026-01_2026-12_all",
            Detail("How reports are handled, per month, 2026-01 to 2026-12, all kinds"),
        ),
        ("something:new", Detail("something:new")),  # a newer portal's subject: as stored
    ],
)
def test_every_subject_reads_as_words(app: Flask, subject: str, shown: Detail) -> None:
    with app.test_request_context("/?lang=en"):
        assert audit_words.detail(subject, NAMES) == shown


def test_a_status_change_names_the_new_status_in_both_languages(app: Flask) -> None:
    with app.test_request_context("/?lang=sv"):
        assert (
            audit_words.event_words("case:status:changed", "case:5:status:closed")
            == "Status ändrad till Avslutad"
        )
        assert audit_words.event_words("case:status:changed", "case:5") == "Status ändrad"  # before issue 17
    with app.test_request_context("/?lang=en"):
        assert (
            audit_words.event_words("case:status:changed", "case:5:status:closed")
            == "Status changed to Closed"
        )
        assert audit_words.event_words("case:file:downloaded", "case:5") == "File downloaded"
        assert audit_words.event_words("case:report:flown", None) == "case:report:flown"


def test_every_area_of_the_taxonomy_has_words() -> None:
    assert {event.area for event in Event} == set(AREAS)
    assert audit_words.user_ids(["user:3", "case:1:user:4", "case:2", None, "template:5"]) == {3, 4}
