"""Hypothesis strategies for hostile request bodies, built from a form's own fields.

A body is drawn in one of four shapes a browser never sends together: URL-encoded fields with
duplicates and strangers, multipart with files, JSON with values of every type, and multipart
that is broken on purpose. Values are plausible (so that the request reaches the service) or
hostile: any unicode, control characters, empty, huge, numbers where text belongs and the reverse.
"""

from __future__ import annotations

import io
import json
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from hypothesis import strategies as st
from PIL import Image

from tests.accounts import PASSWORD

TOKEN_FIELD = "csrf_token"
BOUNDARY = "fuzzboundary7MA4YWxkTrZu0gW"


@dataclass(frozen=True)
class FieldInfo:
    name: str
    kind: str  # the WTForms class name, e.g. "SelectField"
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Body:
    """One request body: what to send and how, with a readable description for failures."""

    content_type: str
    data: bytes
    headers: dict[str, str] = field(default_factory=dict)
    query: str = ""
    shape: str = ""
    fields: tuple[tuple[str, str], ...] = ()

    def __repr__(self) -> str:
        shown = [(k, v if len(v) < 80 else f"{v[:40]!r}…({len(v)} chars)") for k, v in self.fields]
        return f"Body(shape={self.shape}, fields={shown}, bytes={len(self.data)})"


def _png(width: int, height: int) -> bytes:
    """A PNG header claiming any size, with a tiny compressed body (a decompression bomb's shape)."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return (
            struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def _image(kind: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (3, 2), (200, 10, 10)).save(out, format=kind)
    return out.getvalue()


SAMPLE_FILES = (
    _image("PNG"),
    _image("JPEG"),
    _image("PNG")[:30],  # truncated
    _image("JPEG")[:40],
    _png(20_000, 20_000),  # 400 MP declared
    _png(9_500, 9_500),  # between Pillow's warning and error limits
    b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF",
    b"%PDF-1.7\n\x00\xff garbage",
    b"PK\x03\x04" + b"\x00" * 40,
    b"RIFF\x10\x00\x00\x00WEBPVP8 junk",
    b"\xff\xd8\xff\xe1\x00\x10Exif\x00\x00MM\x00*",
    "Vanlig text med åäö.\n".encode(),
    b"",
)
EXTENSIONS = ("", ".txt", ".png", ".jpg", ".pdf", ".docx", ".exe", ".PNG", ".tar.gz")

_any_char = st.characters(exclude_categories=["Cs"])  # lone surrogates cannot be UTF-8 encoded
_control = st.characters(max_codepoint=0x1F)
_odd = st.sampled_from(["\u202e", "\ufeff", "\u200b", "\u0301", "\uffff", "\U0001f4a9", "\x7f", "\x85"])
HOSTILE_TEXT = st.one_of(
    st.text(_any_char, max_size=120),
    st.text(st.one_of(_control, _odd, st.sampled_from("<>\"'&;%\\/")), min_size=1, max_size=40),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "\r\n",
            "0",
            "-1",
            "1e309",
            "NaN",
            "99999999999999999999",
            "9" * 40,
            "[]",
            "{}",
            "null",
            "true",
            "None",
            "%00",
            "../../etc/passwd",
            "2026-02-30",
            "0000-00-00",
            "-.1",
            "1.1",
        ]
    ),
    # Just past each length limit of the forms (80, 200, 400, 500 and 100 000 characters).
    st.builds(lambda ch, n: ch * n, _any_char, st.sampled_from([81, 201, 401, 501, 100_001])),
)
# URLs longer than a few kilobytes are cut off by every proxy and server before they reach the app.
HOSTILE_QUERY_TEXT = HOSTILE_TEXT.map(lambda text: text[:4000])
SENSIBLE_TEXT = st.text(st.characters(categories=["L", "N", "Zs", "Po"]), min_size=0, max_size=80)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)


def plausible(info: FieldInfo, hints: dict[str, st.SearchStrategy[str]]) -> st.SearchStrategy[str]:
    """A value the form could accept, so that some requests reach the service behind it."""
    if info.name in hints:
        return hints[info.name]
    if info.choices:
        return st.sampled_from(info.choices)
    by_kind: dict[str, st.SearchStrategy[str]] = {
        "BooleanField": st.sampled_from(["y", "", "on", "false"]),
        "IntegerField": st.integers(-3, 10**6).map(str),
        "HiddenField": st.integers(0, 40).map(str),
        "DateField": st.dates().map(lambda d: d.isoformat()),
        "PasswordField": st.sampled_from([PASSWORD, "short", "purple kettles hum beside quiet harbours"]),
        "Honeypot": st.just(""),
    }
    return by_kind.get(info.kind, SENSIBLE_TEXT | st.just("En saklig text om vad som hände på jobbet."))


@st.composite
def _files(draw: Callable[..., Any], name: str) -> list[tuple[str, str, bytes]]:
    count = draw(st.sampled_from([0, 1, 1, 2, 6]))
    return [
        (
            name,
            draw(st.text(_any_char, max_size=30)) + draw(st.sampled_from(EXTENSIONS)),
            draw(st.sampled_from(SAMPLE_FILES) | st.binary(max_size=300)),
        )
        for _ in range(count)
    ]


def _multipart(
    items: list[tuple[str, str]], files: list[tuple[str, str, bytes]], boundary: str = BOUNDARY
) -> bytes:
    out = io.BytesIO()
    for name, value in items:
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
        out.write(value.encode() + b"\r\n")
    for name, filename, content in files:
        disposition = f'form-data; name="{name}"; filename="{filename}"'
        out.write(f"--{boundary}\r\nContent-Disposition: {disposition}\r\n".encode())
        out.write(b"Content-Type: application/octet-stream\r\n\r\n" + content + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue()


BREAKAGES: dict[str, Callable[[bytes], tuple[str, bytes]]] = {
    "truncated": lambda b: (BOUNDARY, b[: max(1, len(b) * 2 // 3)]),
    "no closing boundary": lambda b: (BOUNDARY, b.rsplit(f"--{BOUNDARY}--".encode(), 1)[0]),
    "other boundary": lambda b: ("not-the-boundary", b),
    "empty boundary": lambda b: ("", b),
    "bare newlines": lambda b: (BOUNDARY, b.replace(b"\r\n", b"\n")),
    "garbage header": lambda b: (BOUNDARY, b.replace(b"Content-Disposition", b"Content-Dispositio\x00n", 1)),
    "huge header": lambda b: (BOUNDARY, f"--{BOUNDARY}\r\nX: {'a' * 70_000}\r\n\r\nx\r\n".encode() + b),
}


@st.composite
def bodies(
    draw: Callable[..., Any],
    fields: list[FieldInfo],
    token: str,
    hints: dict[str, st.SearchStrategy[str]],
    extras: dict[str, st.SearchStrategy[str]],
) -> Body:
    """A hostile body for a form with these fields, carrying a valid CSRF token."""
    items: list[tuple[str, str]] = [(TOKEN_FIELD, token)]
    files: list[tuple[str, str, bytes]] = []
    for info in fields:
        if info.kind == "MultipleFileField":
            files += draw(_files(info.name))
            continue
        value = plausible(info, hints) | HOSTILE_TEXT
        for _ in range(draw(st.sampled_from([1, 1, 1, 1, 0, 2]))):  # missing, once, or duplicated
            items.append((info.name, draw(value)))
    for name, value in extras.items():
        items.append((name, draw(value)))
    items += draw(st.lists(st.tuples(st.text(_any_char, max_size=8), HOSTILE_TEXT), max_size=2))
    shape = draw(st.sampled_from(["urlencoded", "urlencoded", "multipart", "multipart", "json", "broken"]))
    if shape == "urlencoded":
        return Body(
            "application/x-www-form-urlencoded", urlencode(items).encode(), shape=shape, fields=tuple(items)
        )
    if shape == "json":
        document = {name: draw(JSON_VALUES | st.just(value)) for name, value in items[1:]}
        top = draw(st.sampled_from(["object", "object", "list", "scalar"]))
        payload = (
            document if top == "object" else list(document.values()) if top == "list" else draw(JSON_VALUES)
        )
        headers = {"X-CSRFToken": token}
        return Body(
            "application/json", json.dumps(payload).encode(), headers, shape=shape, fields=tuple(items)
        )
    encoded = _multipart(items, files)
    if shape == "multipart":
        kind = f"multipart/form-data; boundary={BOUNDARY}"
        return Body(kind, encoded, shape=shape, fields=tuple(items))
    how = draw(st.sampled_from(sorted(BREAKAGES)))
    boundary, broken = BREAKAGES[how](encoded)
    return Body(
        f"multipart/form-data; boundary={boundary}", broken, shape=f"broken: {how}", fields=tuple(items)
    )


@st.composite
def queries(
    draw: Callable[..., Any], fields: list[FieldInfo], hints: dict[str, st.SearchStrategy[str]]
) -> Body:
    """A hostile query string for a GET form (filters): duplicates, strangers, any value."""
    items: list[tuple[str, str]] = []
    for info in fields:
        for _ in range(draw(st.sampled_from([1, 1, 0, 2]))):
            items.append((info.name, draw(plausible(info, hints) | HOSTILE_QUERY_TEXT)))
    items += draw(st.lists(st.tuples(st.text(_any_char, max_size=8), HOSTILE_QUERY_TEXT), max_size=2))
    return Body("", b"", query=urlencode(items), shape="query", fields=tuple(items))
