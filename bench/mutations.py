"""Mutation check: does each guarantee have a test that fails when the guarantee is weakened?

Copies the working tree to a temporary folder, then, one NAMED mutation at a time, applies a
small edit that weakens one guarantee (a looser CSP, a rate-limit key made with a fixed HMAC key,
no ``secure_delete`` …), runs only the tests that guard it (``MUTATIONS`` below) and restores the
file. A mutation is *killed* when those tests fail; one that *survives* is a missing test. First
the guarding tests run once unmutated, so that a failure means the mutation and not the machine.

    .venv/bin/python -m bench.mutations [--only NAME ...] [--list] [--jobs N]

Two mutations run at once by default (each on a copy of its own): the guarding runs are mostly
pytest's start-up and the app's creation, one core each.

Exit status 0 when every mutation is killed, 1 otherwise. The backends are those of the test
suite: with ``PORTAL_TEST_DATABASE_URL`` and ``PORTAL_TEST_REDIS_URL`` set, the guarding tests
run on PostgreSQL + Redis too. ``tests/unit/test_mutations.py`` tries each mutation as a slow test
of its own (``make test``), without the unmutated run: the suite around it runs those tests.

This is a script in ``bench/`` and not a pytest file because it runs pytest itself, many times,
on a copy: it is a tool measured by its wall time, like the benchmarks (docs/development.md).
"""

from __future__ import annotations

import argparse
import os
import queue
import shutil
import subprocess  # noqa: S404 - runs pytest on a copy of this repository, nothing else
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIP = shutil.ignore_patterns(".git", ".venv", "instance", "__pycache__", ".pytest_cache", "*.pyc")


@dataclass(frozen=True)
class Mutation:
    name: str
    path: str  # relative to the repository
    old: str  # must occur exactly once in the file
    new: str
    tests: tuple[str, ...]  # the pytest targets that guard it
    needs_redis: bool = False  # guarded only by the PostgreSQL + Redis run of those tests


HEADERS = "tests/security/test_headers_and_errors.py"
KEYS = "tests/security/test_rate_limit_keys.py"

MUTATIONS = (
    Mutation(
        "csp-script-src-https-data",
        "portal/security/headers.py",
        "\"script-src 'self'\",",
        "\"script-src 'self' https: data:\",",
        (HEADERS,),
    ),
    Mutation(
        "client-key-fixed-hmac-key",
        "portal/security/client_key.py",
        # The hour's keys are still made (and still change), but the address is hashed with a
        # fixed key per purpose: what "the secret changes" tests alone cannot see.
        "hmac.new(k, address.encode(), hashlib.sha256)",
        'hmac.new(b"portal-ratelimit:" + p.value.encode(), address.encode(), hashlib.sha256)',
        (KEYS,),
    ),
    Mutation(
        "client-key-address-kept",
        "portal/security/client_key.py",
        'environ["REMOTE_ADDR"] = PLACEHOLDER_ADDRESS',
        "pass",
        (KEYS, "tests/security/test_no_address_stored.py"),
    ),
    Mutation(
        "no-referrer-policy-loosened",
        "portal/security/headers.py",
        '"Referrer-Policy": "no-referrer",',
        '"Referrer-Policy": "strict-origin-when-cross-origin",',
        (HEADERS,),
    ),
    Mutation(
        "pages-cacheable",
        "portal/security/headers.py",
        'response.headers["Cache-Control"] = "no-store"',
        'response.headers["Cache-Control"] = "private"',
        (HEADERS,),
    ),
    Mutation(
        "sqlite-no-secure-delete",
        "portal/db.py",
        'cursor.execute("PRAGMA secure_delete=ON")',
        'cursor.execute("PRAGMA secure_delete=OFF")',
        ("tests/security/test_erasure_at_rest.py",),
    ),
    Mutation(
        "access-log-keeps-address",
        "portal/logs.py",
        'record.msg = ACCESS_LINE.sub("- - - [", record.msg)',
        "pass",
        ("tests/security/test_no_address_stored.py", "tests/security/test_server_log.py"),
    ),
    Mutation(
        "codes-shorter",
        "portal/security/codes.py",
        "GROUPS = 4\n",
        "GROUPS = 3\n",
        ("tests/unit/test_codes.py",),
    ),
    Mutation(
        "session-cookie-not-httponly",
        "portal/security/sessions.py",
        '"httponly": True,',
        '"httponly": False,',
        ("tests/security/test_sessions.py",),
    ),
    Mutation(
        "csrf-check-skipped",
        "portal/security/csrf.py",
        "            check(self._get_csrf_token())\n",
        "            pass\n",
        ("tests/security/test_csrf.py", "tests/security/test_csrf_without_session.py"),
    ),
    Mutation(
        "rate-limit-window-expire-not-expireat",
        "portal/security/clock_windows.py",
        'redis.call("expireat", KEYS[1], ARGV[1])',
        'redis.call("expire", KEYS[1], 86400)',
        ("tests/unit/test_clock_windows.py", KEYS),
        needs_redis=True,
    ),
    Mutation(
        "pip-without-require-hashes",
        "Makefile",
        "$(BIN)/pip install --quiet --require-hashes -r requirements.txt",
        "$(BIN)/pip install --quiet -r requirements.txt",
        ("tests/unit/test_requirements.py",),
    ),
    Mutation(
        "part-down-answers-500",
        "portal/errors.py",
        "        if unavailable.is_unavailable(error):",
        "        if False:",
        ("tests/http/test_unavailable.py",),
    ),
    Mutation(
        "typed-password-given-back",
        "portal/unavailable.py",
        # Both walls at once (the secret field names and the form's PasswordField): either alone holds.
        "def _secret(name: str, field: Field | None) -> bool:\n",
        'def _secret(name: str, field: Field | None) -> bool:\n    return name == "csrf_token"\n',
        ("tests/http/test_unavailable.py",),
    ),
    Mutation(
        "notices-to-every-organisation",
        "portal/notify/service.py",
        # Issue 14's leak: one organisation's report mailed to every organisation's moderators.
        "            User.organisation_id == organisation_id,\n",
        "",
        ("tests/http/test_notifications_organisations.py",),
    ),
    Mutation(
        "purge-with-one-period",
        "portal/retention.py",
        "            days = period(row, default_days)\n",
        "            days = default_days\n",
        ("tests/http/test_retention.py",),
    ),
)


def _pytest(copy: Path, targets: tuple[str, ...]) -> tuple[int, float, str]:
    started = time.monotonic()
    run = subprocess.run(  # noqa: S603 - our own interpreter on our own test files
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *targets],
        cwd=copy,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        check=False,
    )
    lines = (run.stdout + run.stderr).strip().splitlines()
    return run.returncode, time.monotonic() - started, lines[-1] if lines else ""


def _apply(copy: Path, mutation: Mutation) -> str:
    target = copy / mutation.path
    original = target.read_text()
    if original.count(mutation.old) != 1:
        raise SystemExit(f"{mutation.name}: the text to mutate is not once in {mutation.path}")
    target.write_text(original.replace(mutation.old, mutation.new))
    return original


def copy_repository(destination: Path) -> Path:
    """A copy of the working tree to mutate, sharing this checkout's virtual environment."""
    shutil.copytree(ROOT, destination, ignore=SKIP)
    (destination / ".venv").symlink_to(ROOT / ".venv")
    return destination


def try_mutation(copy: Path, mutation: Mutation) -> tuple[int, float, str]:
    """Apply ``mutation`` to ``copy``, run its guarding tests, restore the file: pytest's exit
    status (1, tests failed, is a kill; 0 a survivor; 2 to 5 a broken run), seconds, summary."""
    original = _apply(copy, mutation)
    try:
        return _pytest(copy, mutation.tests)
    finally:
        (copy / mutation.path).write_text(original)


def _killed(copies: queue.Queue[Path], mutation: Mutation) -> bool:
    """Try ``mutation`` on a free copy and say what happened."""
    copy = copies.get()
    try:
        code, seconds, summary = try_mutation(copy, mutation)
    finally:
        copies.put(copy)
    verdict = "killed" if code == 1 else "SURVIVED" if code == 0 else f"ERROR ({code})"
    print(f"{verdict:9} {mutation.name:40} {seconds:5.0f} s  {summary}", flush=True)
    return code == 1


def run(selected: tuple[Mutation, ...], jobs: int) -> int:
    started = time.monotonic()
    if not os.environ.get("PORTAL_TEST_REDIS_URL"):
        for mutation in (m for m in selected if m.needs_redis):
            print(f"skipped   {mutation.name:40} (guarded on Redis: set PORTAL_TEST_REDIS_URL)")
        selected = tuple(m for m in selected if not m.needs_redis)
    with tempfile.TemporaryDirectory(prefix="portal-mutations-") as tmp:
        # One copy per job: a mutation is applied to a copy no other run reads meanwhile.
        copies: queue.Queue[Path] = queue.Queue()
        for n in range(jobs):
            copies.put(copy_repository(Path(tmp) / f"repo-{n}"))
        every = tuple(dict.fromkeys(t for m in selected for t in m.tests))
        code, seconds, summary = _pytest(copies.queue[0], every)
        print(f"unmutated: {summary} ({seconds:.0f} s)")
        if code != 0:
            print("the guarding tests fail without any mutation: fix that first")
            return 2
        with ThreadPoolExecutor(jobs) as pool:
            killed = list(pool.map(partial(_killed, copies), selected))
    survivors = [m.name for m, k in zip(selected, killed, strict=True) if not k]
    total = time.monotonic() - started
    print(f"{len(selected) - len(survivors)} of {len(selected)} killed in {total:.0f} s ({jobs} at a time)")
    if survivors:
        print(f"survived: {', '.join(survivors)}")
    return 1 if survivors else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these mutations")
    parser.add_argument("--list", action="store_true", help="list the mutations and exit")
    parser.add_argument(
        "--jobs", type=int, default=min(2, os.cpu_count() or 1), help="mutations run at once (default: 2)"
    )
    args = parser.parse_args()
    if args.list:
        for m in MUTATIONS:
            print(f"{m.name:40} {m.path:36} {' '.join(m.tests)}")
        return
    names = {m.name for m in MUTATIONS}
    unknown = set(args.only or ()) - names
    if unknown:
        raise SystemExit(f"unknown mutation(s): {', '.join(sorted(unknown))}")
    selected = tuple(m for m in MUTATIONS if not args.only or m.name in args.only)
    sys.exit(run(selected, max(1, args.jobs)))


if __name__ == "__main__":
    main()
