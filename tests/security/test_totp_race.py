"""The attack: one TOTP code, seen over a moderator's shoulder (or phished in real time), posted by
several clients at the same instant. A code is accepted once (RFC 6238 §5.2), so exactly one of
them may log in, however close together they arrive (issue 13, item 4)."""

from __future__ import annotations

import threading

from flask import Flask

from tests.accounts import AccountFactory
from tests.csrf import get_csrf
from tests.settings import CLIENT_ADDRESS

CLIENTS = 6


def test_one_code_posted_by_six_clients_at_once_logs_in_exactly_one(
    app: Flask, moderator: AccountFactory
) -> None:
    account = moderator("mona")
    code = account.next_code()
    barrier = threading.Barrier(CLIENTS)
    answers: list[tuple[int, str]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def log_in() -> None:
        try:
            client = app.test_client()
            client.environ_base["REMOTE_ADDR"] = CLIENT_ADDRESS
            form = {
                "username": account.username,
                "password": account.password,
                "totp": code,
                "csrf_token": get_csrf(client, "/moderation/login"),
            }
            barrier.wait(timeout=30)  # every client has its form: fire together
            response = client.post("/moderation/login", data=form)
            with lock:
                answers.append((response.status_code, response.location or ""))
        except BaseException as error:  # a thread's failure must fail the test, not vanish
            with lock:
                errors.append(error)
            barrier.abort()

    threads = [threading.Thread(target=log_in) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert len(answers) == 6
    logged_in = [location for status, location in answers if status == 302]
    refused = [status for status, _location in answers if status != 302]
    assert len(logged_in) == 1, answers
    assert logged_in[0].endswith("/moderation/")
    assert refused == [401, 401, 401, 401, 401]
