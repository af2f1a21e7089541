"""The fault: PostgreSQL restarts while reporters send reports (issue 19 item 2).

A cluster of the test's own (``initdb`` as ``postgres``) serves a real gunicorn server with two
workers; threads send reports without pause while the test restarts the cluster (``pg_ctl
restart -m fast``: every connection is cut, open transactions roll back). Every answer must be
an acknowledged receipt (its code then opens the report, decrypted) or a 503 that gives the text
back; no other status, no dropped connection; no acknowledged report missing; and after the
restart every thread's next report goes through, on the same server processes.
"""

from __future__ import annotations

import html
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field

import pytest
from sqlalchemy import create_engine, func, select

from portal.config import Config
from portal.models import Report
from tests import live_server
from tests.csrf import csrf_from
from tests.faults import servers
from tests.live_client import RECEIPT_CODE, Visitor, open_report
from tests.settings import CHEAP_KDF

pytestmark = pytest.mark.slow

THREADS = 6
SECONDS_BEFORE = 2.0  # load before the restart
SECONDS_AFTER = 3.0  # load after pg_ctl has returned
RECEIPT_PATIENCE_SECONDS = 30.0  # a sent report's receipt page is asked for until it answers


@dataclass
class Tally:
    acknowledged: dict[str, str] = field(default_factory=dict)  # code -> description
    kept: int = 0  # POST answered 503 with the text given back
    form_unavailable: int = 0  # the empty form answered 503: nothing typed, nothing to keep
    wrong: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


@pytest.fixture
def portal(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[live_server.LiveServer, servers.PostgresCluster]]:
    logs = tmp_path_factory.mktemp("postgres-fault")
    with ExitStack() as stack:
        cluster = servers.or_skip(stack, servers.postgres_cluster())
        config = Config(
            secret_key="postgres-fault-" + uuid.uuid4().hex,
            instance_path=logs / "instance",
            database_url=cluster.url,
            limit_report_submit="100000 per hour",  # every thread is one client, 127.0.0.1
            limit_report_submit_installation="100000 per hour",
            limit_code_login="100000 per hour",
            limit_default="100000 per minute",
            **CHEAP_KDF,
        )
        server = stack.enter_context(live_server.installed(config, logs / "server.log", workers=2))
        yield server, cluster


def _send(server: live_server.LiveServer, tally: Tally) -> bool:
    """One reporter's try; True when acknowledged."""
    visitor = Visitor(server.base_url)
    description = f"Rapport {uuid.uuid4().hex} under omstarten: någon hotade min kollega."
    form = visitor.get("/report")
    if form.status == 503:
        with tally.lock:
            tally.form_unavailable += 1
        return False
    fields = {"kind": "influence", "category": "threats", "area": "income_support"}
    fields.update(description=description, csrf_token=csrf_from(form.body))
    sent = visitor.post("/report", fields)
    if sent.status == 503:
        kept = description in html.unescape(sent.body) and "Skicka igen" in sent.body  # "Send again"
        with tally.lock:
            tally.kept += kept
            tally.wrong += [] if kept else ["503 without the text"]
        return False
    if sent.status != 303:
        with tally.lock:
            tally.wrong.append(f"POST /report answered {sent.status}")
        return False
    deadline = time.monotonic() + RECEIPT_PATIENCE_SECONDS
    while (receipt := visitor.get(sent.location)).status == 503 and time.monotonic() < deadline:
        time.sleep(0.2)
    match = RECEIPT_CODE.search(receipt.body)
    with tally.lock:
        if receipt.status == 200 and match:
            tally.acknowledged[match.group(1)] = description
        else:
            tally.wrong.append(f"receipt answered {receipt.status}")
    return bool(match)


def _load(server: live_server.LiveServer, tally: Tally, stop: threading.Event, after: list[bool]) -> None:
    while not stop.is_set():
        _send(server, tally)
    after.append(_send(server, tally))  # once the restart is over: must go through


def test_a_restart_under_load_loses_no_acknowledged_report(
    portal: tuple[live_server.LiveServer, servers.PostgresCluster],
) -> None:
    server, cluster = portal
    tally, stop, after = Tally(), threading.Event(), list[bool]()
    threads = [threading.Thread(target=_load, args=(server, tally, stop, after)) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    time.sleep(SECONDS_BEFORE)
    acknowledged_before = len(tally.acknowledged)
    cluster.restart("fast")
    time.sleep(SECONDS_AFTER)
    stop.set()
    for thread in threads:
        thread.join(timeout=120)

    print(
        f"acknowledged {len(tally.acknowledged)}, kept {tally.kept}, empty form 503 {tally.form_unavailable}"
    )
    assert tally.wrong == []
    assert acknowledged_before > 0
    assert after == [True] * THREADS  # the pool recovered without restarting the portal
    assert server.process.poll() is None
    assert "Traceback" not in server.log()  # every failure was answered, none escaped
    # Every acknowledged report is stored and opens with its code, decrypted. A report may be
    # stored without its acknowledgement (the commit went through, the answer did not), never
    # the other way round.
    engine = create_engine(cluster.url)
    try:
        with engine.connect() as conn:
            stored = conn.scalar(select(func.count()).select_from(Report)) or 0
    finally:
        engine.dispose()
    print(f"stored {stored}: {stored - len(tally.acknowledged)} without their acknowledgement")
    assert len(tally.acknowledged) <= stored <= len(tally.acknowledged) + tally.kept
    for code, description in tally.acknowledged.items():
        assert description in open_report(Visitor(server.base_url), code)
