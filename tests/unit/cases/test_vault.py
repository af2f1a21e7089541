"""portal.cases.vault: the report key is reached by the code or by the organisation key, and by
nothing else; every text and file is ciphertext under it. Pure functions, no database."""

from __future__ import annotations

import json

import pytest

from portal.cases import vault
from portal.cases.uploads import CleanFile, Removal
from portal.domain import Kind
from portal.models import Attachment, Report
from portal.security import crypto

ORG = crypto.KeyPair.generate()
CODE_KEY = crypto.new_key()  # stands for the key a reporter's code derives
TEXT = "Min chef pressade mig att bevilja ett bistånd."


def _report() -> tuple[Report, bytes]:
    key, sealed, wrapped = vault.new_report_key(ORG.public, CODE_KEY)
    report = Report(
        kind=Kind.INFLUENCE, key_sealed=sealed, key_wrapped=wrapped, description=vault.encrypt(key, TEXT)
    )
    return report, key


def test_the_code_and_the_organisation_key_open_the_same_report_key() -> None:
    report, key = _report()
    assert vault.key_from_code(report, CODE_KEY) == key
    assert vault.key_from_org(report, ORG.private) == key
    assert vault.decrypt(key, report.description) == TEXT


def test_another_code_or_organisation_opens_nothing() -> None:
    report, _key = _report()
    with pytest.raises(crypto.DecryptionFailed):
        vault.key_from_code(report, crypto.new_key())
    with pytest.raises(crypto.DecryptionFailed):
        vault.key_from_org(report, crypto.KeyPair.generate().private)
    with pytest.raises(crypto.DecryptionFailed):
        vault.decrypt(crypto.new_key(), report.description)


def test_texts_are_stored_as_ciphertext_that_differs_each_time() -> None:
    _report_, key = _report()
    first, second = vault.encrypt(key, TEXT), vault.encrypt(key, TEXT)
    assert TEXT.encode() not in first and first != second  # a fresh nonce every time
    assert vault.decrypt(key, first) == vault.decrypt(key, second) == TEXT


def test_a_new_code_rewraps_the_same_report_key() -> None:
    report, key = _report()
    new_code_key = crypto.new_key()
    report.key_wrapped = vault.rewrap_for_code(key, new_code_key)
    assert vault.key_from_code(report, new_code_key) == key
    with pytest.raises(crypto.DecryptionFailed):
        vault.key_from_code(report, CODE_KEY)  # the old code no longer opens it


def test_a_file_keeps_name_type_content_and_what_cleaning_removed_encrypted() -> None:
    report, key = _report()
    clean = CleanFile(
        "intyg.pdf",
        "application/pdf",
        b"%PDF-1.7 innehall",
        frozenset({Removal.PROPERTIES, Removal.THUMBNAIL}),
    )
    vault.attach(report, key, [clean], message_seq=3)
    (item,) = report.attachments
    assert (item.message_seq, item.size) == (3, len(b"%PDF-1.7 innehall"))
    assert b"intyg" not in item.meta and b"innehall" not in item.content
    info = vault.file_info(key, item)
    assert (info.filename, info.media_type, info.removed) == (
        "intyg.pdf",
        "application/pdf",
        (Removal.PROPERTIES, Removal.THUMBNAIL),  # sorted by value
    )
    assert not info.is_image
    assert vault.file_content(key, item) == b"%PDF-1.7 innehall"


def test_a_file_stored_before_removals_were_recorded_says_none() -> None:
    _report_, key = _report()
    meta = json.dumps({"name": "gammal.png", "type": "image/png"}).encode()
    item = Attachment(meta=crypto.wrap(key, meta), content=crypto.wrap(key, b"png"), size=3)
    info = vault.file_info(key, item)
    assert (info.filename, info.removed, info.is_image) == ("gammal.png", None, True)
