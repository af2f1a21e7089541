"""A visitor over real HTTP, for crash tests and load benchmarks against ``tests/live_server.py``.

Standard library only. Each visitor keeps its own cookies (one browser, one session); redirects
are not followed, so every answer's status is seen. An optional ``recorder`` is told the method,
path, status and duration of each request (status 0 when the connection failed).
"""

from __future__ import annotations

import http.client
import http.cookiejar
import re
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from email.message import Message

from tests.csrf import csrf_from

Recorder = Callable[[str, str, int, float], None]
# (field name, file name, content) of one file in a multipart form.
FilePart = tuple[str, str, bytes]

RECEIPT_CODE = re.compile(r"data-receipt-code>([0-9A-Z-]+)<")
REQUEST_TIMEOUT_SECONDS = 30.0
# What a dropped connection looks like to urllib: refused, reset, cut mid-answer.
CONNECTION_ERRORS = (OSError, http.client.HTTPException)


class UnexpectedAnswer(Exception):
    def __init__(self, method: str, path: str, status: int) -> None:
        super().__init__(f"{method} {path} answered {status}")
        self.status = status


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Message
    body: str

    @property
    def location(self) -> str:
        return urllib.parse.urlsplit(self.headers.get("Location", "")).path


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def multipart(fields: Mapping[str, str], files: Sequence[FilePart]) -> tuple[bytes, str]:
    """A multipart/form-data body and its content type."""
    boundary = uuid.uuid4().hex
    chunks: list[bytes] = []
    for name, value in fields.items():
        chunks.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
        chunks.append(value.encode() + b"\r\n")
    for name, filename, content in files:
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        )
        chunks.append(head.encode() + content + b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


class Visitor:
    def __init__(self, base_url: str, recorder: Recorder | None = None) -> None:
        self.base_url = base_url
        self.recorder = recorder
        self._opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _KeepRedirects()
        )

    def get(self, path: str) -> Answer:
        return self._send(urllib.request.Request(self.base_url + path, method="GET"), path)

    def post(self, path: str, fields: Mapping[str, str], files: Sequence[FilePart] = ()) -> Answer:
        if files:
            body, kind = multipart(fields, files)
        else:
            body, kind = urllib.parse.urlencode(fields).encode(), "application/x-www-form-urlencoded"
        request = urllib.request.Request(
            self.base_url + path, data=body, headers={"Content-Type": kind}, method="POST"
        )
        return self._send(request, path)

    def expect(self, answer: Answer, method: str, path: str, status: int) -> Answer:
        if answer.status != status:
            raise UnexpectedAnswer(method, path, answer.status)
        return answer

    def page(self, path: str) -> str:
        """GET a page that must answer 200."""
        return self.expect(self.get(path), "GET", path, 200).body

    def _send(self, request: urllib.request.Request, path: str) -> Answer:
        started = time.perf_counter()
        status = 0
        try:
            try:
                with self._opener.open(request, timeout=REQUEST_TIMEOUT_SECONDS) as response:
                    answer = Answer(response.status, response.headers, response.read().decode())
            except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx, 5xx
                with error:
                    answer = Answer(error.code, error.headers, error.read().decode(errors="replace"))
            status = answer.status
            return answer
        finally:
            if self.recorder is not None:
                self.recorder(request.get_method(), path, status, time.perf_counter() - started)


def submit_report(visitor: Visitor, description: str, files: Sequence[FilePart] = (), **fields: str) -> str:
    """The reporter's path: the form, the POST, the receipt page; returns the code shown there."""
    token = csrf_from(visitor.page("/report"))
    data = {"kind": "influence", "category": "threats", "area": "income_support", "description": description}
    data.update(fields, csrf_token=token)
    sent = visitor.expect(visitor.post("/report", data, files), "POST", "/report", 303)
    page = visitor.page(sent.location)
    match = RECEIPT_CODE.search(page)
    if match is None:
        raise UnexpectedAnswer("GET", sent.location, 200)
    return match.group(1)


def open_report(visitor: Visitor, code: str) -> str:
    """Log in with a code at /followup; returns the case page."""
    token = csrf_from(visitor.page("/followup"))
    opened = visitor.expect(
        visitor.post("/followup", {"code": code, "csrf_token": token}), "POST", "/followup", 303
    )
    return visitor.page(opened.location)
