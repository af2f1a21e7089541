"""A code as someone types it: the same keys however it is written, and the same work when it is
not a code at all (the reporter's and the forum's log-in both go through ``derive_typed``)."""

from __future__ import annotations

import pytest

from portal.security import codes, crypto

CHEAP = crypto.KdfCost(memory_kib=8, time_cost=1, parallelism=1)
SALT = b"s" * 16


def test_case_spaces_dashes_and_look_alike_letters_give_the_same_keys() -> None:
    written = codes.derive_typed("0123-4567-89AB-CDEF", SALT, CHEAP)
    assert codes.derive_typed(" o123 4567 89ab cdef ", SALT, CHEAP) == written
    assert codes.derive_typed("O123456789ABCDEF", SALT, CHEAP) == written
    assert codes.derive_typed("1123-4567-89AB-CDEF", SALT, CHEAP) != written


@pytest.mark.parametrize("typed", ["not a code", "", "0123-4567-89AB-CDE", "x" * 10_000])
def test_what_is_not_a_code_costs_one_argon2id_and_is_not_found(
    typed: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[bytes] = []

    def counting(secret: bytes, salt: bytes, cost: crypto.KdfCost) -> bytes:
        calls.append(secret)
        return crypto.derive_key(secret, salt, cost)

    monkeypatch.setattr(codes, "derive_key", counting)
    with pytest.raises(codes.CodeNotFound):
        codes.derive_typed(typed, SALT, CHEAP)
    assert calls == [b"0000000000000000"]
