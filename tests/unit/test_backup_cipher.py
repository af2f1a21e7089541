"""The backup file's encryption: any change, cut or forged header is refused, not half-read."""

from __future__ import annotations

import io
import json
import secrets

import pytest

from portal.backup import service
from portal.config import Config
from portal.security import backup_cipher
from portal.security.backup_cipher import DamagedStream, EncryptingWriter, WrongPassphrase, open_stream
from portal.security.crypto import KdfCost

CHEAP = KdfCost(memory_kib=8, time_cost=1, parallelism=1)
PASSPHRASE = "en lång lösenfras för säkerhetskopior"
PLAINTEXT = secrets.token_bytes(3 * backup_cipher.FRAME_BYTES + 1234)  # four frames


def _encrypted(plaintext: bytes = PLAINTEXT) -> bytes:
    sink = io.BytesIO()
    writer = EncryptingWriter(sink, PASSPHRASE, CHEAP)
    for start in range(0, len(plaintext), 10_000):  # written in pieces that straddle frames
        writer.write(plaintext[start : start + 10_000])
    writer.close()
    return sink.getvalue()


def _decrypted(data: bytes, passphrase: str = PASSPHRASE) -> bytes:
    return b"".join(open_stream(io.BytesIO(data), passphrase))


def _header_end(data: bytes | bytearray) -> int:
    return len(backup_cipher.MAGIC) + 2 + int.from_bytes(data[8:10], "big")


def test_round_trip_in_frames() -> None:
    data = _encrypted()
    assert _decrypted(data) == PLAINTEXT
    assert _decrypted(_encrypted(b"")) == b""
    header = json.loads(data[10 : _header_end(data)])
    assert (header["memory_kib"], header["time_cost"], header["parallelism"]) == (8, 1, 1)


def test_wrong_passphrase_is_told_apart_from_damage() -> None:
    with pytest.raises(WrongPassphrase):
        open_stream(io.BytesIO(_encrypted()), "en annan lösenfras för säkerhetskopior")


@pytest.mark.parametrize("where", ["first frame", "middle frame", "last byte"])
def test_any_changed_byte_is_refused(where: str) -> None:
    data = bytearray(_encrypted())
    position = {
        "first frame": _header_end(data) + 30,
        "middle frame": len(data) // 2,
        "last byte": len(data) - 1,
    }[where]
    data[position] ^= 0x01
    with pytest.raises(DamagedStream):
        _decrypted(bytes(data))


def test_a_changed_header_is_refused() -> None:
    data = _encrypted()
    header = json.loads(data[10 : _header_end(data)])
    header["time_cost"] = 2  # a different cost gives a different key: the check value fails
    raw = json.dumps(header, sort_keys=True).encode()
    forged = backup_cipher.MAGIC + len(raw).to_bytes(2, "big") + raw + data[_header_end(data) :]
    with pytest.raises((WrongPassphrase, DamagedStream)):
        _decrypted(forged)


def test_cut_short_or_extended_files_are_refused() -> None:
    data = _encrypted()
    frame = 4 + backup_cipher.FRAME_BYTES + 17  # length prefix, a full frame, its tag
    without_final = data[: _header_end(data) + 3 * frame]
    for broken in (without_final, data[:-1], data + b"\0", data[:5], b"not a backup at all"):
        with pytest.raises(DamagedStream):
            _decrypted(broken)


def test_a_forged_header_cannot_demand_a_huge_key_derivation() -> None:
    header = {
        "format": 1,
        "kdf": "argon2id",
        "memory_kib": 1 << 40,
        "time_cost": 1,
        "parallelism": 1,
        "salt": "AAAAAAAAAAAAAAAAAAAAAA==",
        "check": "AAAA",
        "stream": "AAAA",
    }
    raw = json.dumps(header).encode()
    with pytest.raises(DamagedStream):
        open_stream(io.BytesIO(backup_cipher.MAGIC + len(raw).to_bytes(2, "big") + raw), PASSPHRASE)


def test_backups_cost_more_than_log_ins() -> None:
    """A stolen backup is attacked offline: at least 64 MiB and 3 passes with production settings."""
    cost = service.kdf_cost(Config())
    assert cost.memory_kib >= 64 * 1024 and cost.time_cost >= 3
