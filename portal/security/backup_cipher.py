"""Passphrase-encrypted streams for backups (DESIGN.md §2, threat 6: a stolen backup).

Layout of a file::

    MAGIC (8 bytes) | header length (2 bytes, big-endian) | header (JSON) | frame | frame | ...
    frame = ciphertext length (4 bytes, big-endian) | XChaCha20-Poly1305 secretstream message

The header holds what is needed to derive the key (argon2id cost and salt), a check value that
tells a wrong passphrase from a damaged file, and the secretstream header. Every frame carries
the header bytes as associated data, so a changed header fails like a changed frame; the last
frame is tagged FINAL, so a file cut short is refused as surely as an altered one. Plaintext is
only ever handed out frame by frame *after* that frame's tag has been checked.
"""

from __future__ import annotations

import base64
import hmac
import json
import struct
from collections.abc import Iterator
from typing import Any, BinaryIO

from argon2.exceptions import Argon2Error
from nacl import bindings as sodium
from nacl.exceptions import CryptoError

from .crypto import KdfCost, derive_key, new_salt, subkey

MAGIC = b"TBBACKUP"
FORMAT = 1
FRAME_BYTES = 64 * 1024  # plaintext per frame: bounded memory whatever the backup's size
_HEADER_LENGTH = struct.Struct(">H")
_FRAME_LENGTH = struct.Struct(">I")
_ABYTES = sodium.crypto_secretstream_xchacha20poly1305_ABYTES
_TAG_MESSAGE = sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE
_TAG_FINAL = sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL
# A header can be forged by anyone; refuse costs that would make reading it a denial of service.
MAX_MEMORY_KIB = 4 * 1024 * 1024  # 4 GiB
MAX_TIME_COST = 64
MAX_PARALLELISM = 64


class WrongPassphrase(Exception):
    """The passphrase does not open this backup."""


class DamagedStream(Exception):
    """Not a backup, or one that was altered or cut short; nothing in it can be trusted."""


def _keys(passphrase: str, salt: bytes, cost: KdfCost) -> tuple[bytes, bytes]:
    """(stream key, check value) from one argon2id computation."""
    master = derive_key(passphrase.encode(), salt, cost)
    return subkey(master, "portal:backup:stream"), subkey(master, "portal:backup:check")


class EncryptingWriter:
    """A write-only binary sink that encrypts into ``sink``; :meth:`close` writes the final frame."""

    def __init__(self, sink: BinaryIO, passphrase: str, cost: KdfCost) -> None:
        salt = new_salt()
        key, check = _keys(passphrase, salt, cost)
        self._state = sodium.crypto_secretstream_xchacha20poly1305_state()
        stream_header = sodium.crypto_secretstream_xchacha20poly1305_init_push(self._state, key)
        header = json.dumps(
            {
                "format": FORMAT,
                "kdf": "argon2id",
                "memory_kib": cost.memory_kib,
                "time_cost": cost.time_cost,
                "parallelism": cost.parallelism,
                "salt": base64.b64encode(salt).decode(),
                "check": base64.b64encode(check).decode(),
                "stream": base64.b64encode(stream_header).decode(),
            },
            sort_keys=True,
        ).encode()
        self._ad = MAGIC + _HEADER_LENGTH.pack(len(header)) + header
        self._sink = sink
        self._sink.write(self._ad)
        self._pending = bytearray()

    def write(self, data: bytes) -> None:
        self._pending += data
        while len(self._pending) >= FRAME_BYTES:
            self._frame(bytes(self._pending[:FRAME_BYTES]), _TAG_MESSAGE)
            del self._pending[:FRAME_BYTES]

    def close(self) -> None:
        self._frame(bytes(self._pending), _TAG_FINAL)
        self._pending.clear()

    def _frame(self, plaintext: bytes, tag: int) -> None:
        ciphertext = sodium.crypto_secretstream_xchacha20poly1305_push(self._state, plaintext, self._ad, tag)
        self._sink.write(_FRAME_LENGTH.pack(len(ciphertext)) + ciphertext)


def _read_exactly(source: BinaryIO, size: int) -> bytes:
    data = source.read(size)
    if len(data) != size:
        raise DamagedStream("the file ends too early")
    return data


def _parse_header(source: BinaryIO) -> tuple[bytes, dict[str, Any]]:
    if source.read(len(MAGIC)) != MAGIC:
        raise DamagedStream("this is not a backup of the portal")
    (length,) = _HEADER_LENGTH.unpack(_read_exactly(source, _HEADER_LENGTH.size))
    raw = _read_exactly(source, length)
    try:
        header = json.loads(raw)
        if header["format"] != FORMAT or header["kdf"] != "argon2id":
            raise DamagedStream("this backup was written in a format this version cannot read")
    except (ValueError, TypeError, KeyError) as exc:
        raise DamagedStream("the backup's header is damaged") from exc
    return MAGIC + _HEADER_LENGTH.pack(length) + raw, header


def _cost(header: dict[str, Any]) -> KdfCost:
    cost = KdfCost(int(header["memory_kib"]), int(header["time_cost"]), int(header["parallelism"]))
    if not (
        0 < cost.memory_kib <= MAX_MEMORY_KIB
        and 0 < cost.time_cost <= MAX_TIME_COST
        and 0 < cost.parallelism <= MAX_PARALLELISM
    ):
        raise DamagedStream("the backup's key derivation parameters are out of range")
    return cost


def open_stream(source: BinaryIO, passphrase: str) -> Iterator[bytes]:
    """Check the passphrase now; return the authenticated plaintext, frame by frame.

    Raises :class:`WrongPassphrase` or :class:`DamagedStream` before anything is returned;
    the iterator raises :class:`DamagedStream` at the first frame that does not verify, and
    at the end unless the FINAL frame was the last thing in the file.
    """
    ad, header = _parse_header(source)
    try:
        salt, check, stream_header = (
            base64.b64decode(header[name], validate=True) for name in ("salt", "check", "stream")
        )
        key, expected = _keys(passphrase, salt, _cost(header))
    except (ValueError, TypeError, KeyError, Argon2Error) as exc:
        raise DamagedStream("the backup's header is damaged") from exc
    if not hmac.compare_digest(check, expected):
        raise WrongPassphrase
    state = sodium.crypto_secretstream_xchacha20poly1305_state()
    try:
        sodium.crypto_secretstream_xchacha20poly1305_init_pull(state, stream_header, key)
    except CryptoError as exc:
        raise DamagedStream("the backup's header is damaged") from exc
    return _frames(source, state, ad)


def _frames(source: BinaryIO, state: Any, ad: bytes) -> Iterator[bytes]:
    while True:
        prefix = source.read(_FRAME_LENGTH.size)
        if not prefix:
            raise DamagedStream("the backup is incomplete (cut short)")
        (length,) = _FRAME_LENGTH.unpack(prefix + _read_exactly(source, _FRAME_LENGTH.size - len(prefix)))
        if not _ABYTES <= length <= FRAME_BYTES + _ABYTES:
            raise DamagedStream("the backup is damaged or was altered")
        try:
            plaintext, tag = sodium.crypto_secretstream_xchacha20poly1305_pull(
                state, _read_exactly(source, length), ad
            )
        except CryptoError as exc:
            raise DamagedStream("the backup is damaged or was altered") from exc
        yield plaintext
        if tag == _TAG_FINAL:
            if source.read(1):
                raise DamagedStream("the backup has data after its end")
            return
