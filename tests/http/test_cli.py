"""The operator's interface: ``flask users …``, ``keys recover``, ``setup-link`` and ``db upgrade``."""

from __future__ import annotations

import re

from click.testing import Result
from flask import Flask

from tests.accounts import PASSWORD


def _run(app: Flask, args: list[str], stdin: str | None = None) -> Result:
    return app.test_cli_runner().invoke(args=args, input=stdin)


def test_first_user_gets_org_and_recovery_key_later_users_wait(app: Flask) -> None:
    first = _run(app, ["users", "create", "ada", "--role", "admin", "--password-stdin"], PASSWORD + "\n")
    assert first.exit_code == 0, first.output
    assert re.search(r"^TOTP secret: [A-Z2-7]{32}$", first.output, re.M)
    assert re.search(r"^Recovery key: [A-Z2-7-]+$", first.output, re.M)
    second = _run(app, ["users", "create", "bo", "--role", "moderator", "--password-stdin"], PASSWORD + "\n")
    assert second.exit_code == 0 and "Recovery key" not in second.output
    listing = _run(app, ["users", "list"]).output
    assert "ada\tadmin\tactive\taccess" in listing
    assert "bo\tmoderator\tactive\tawaiting-grant" in listing


def test_cli_refuses_weak_password_duplicates_and_unknown_users(app: Flask) -> None:
    weak = _run(app, ["users", "create", "ada", "--password-stdin"], "short\n")
    assert weak.exit_code == 1 and "weak password" in weak.output
    _run(app, ["users", "create", "ada", "--password-stdin"], PASSWORD + "\n")
    again = _run(app, ["users", "create", "ada", "--password-stdin"], PASSWORD + "\n")
    assert again.exit_code == 1 and "exists" in again.output
    assert _run(app, ["users", "disable", "nobody"]).exit_code == 1
    assert _run(app, ["users", "reset", "nobody", "--password-stdin"], PASSWORD + "\n").exit_code == 1


def test_disable_and_reset(app: Flask) -> None:
    _run(app, ["users", "create", "ada", "--role", "admin", "--password-stdin"], PASSWORD + "\n")
    reset = _run(app, ["users", "reset", "ada", "--password-stdin"], "a whole new passphrase here\n")
    assert reset.exit_code == 0 and "TOTP secret:" in reset.output
    assert "awaiting-grant" in _run(app, ["users", "list"]).output
    assert _run(app, ["users", "disable", "ada"]).exit_code == 0
    assert "disabled" in _run(app, ["users", "list"]).output


def test_keys_recover_with_the_printed_recovery_key(app: Flask) -> None:
    created = _run(
        app, ["users", "create", "ada", "--role", "admin", "--password-stdin"], PASSWORD + "\n"
    ).output
    recovery = re.search(r"Recovery key: (\S+)", created)
    assert recovery
    _run(app, ["users", "reset", "ada", "--password-stdin"], "a whole new passphrase here\n")
    wrong = _run(app, ["keys", "recover", "ada"], "AAAA-BBBB\n")
    assert wrong.exit_code == 1
    right = _run(app, ["keys", "recover", "ada"], recovery.group(1) + "\n")
    assert right.exit_code == 0, right.output
    assert "ada\tadmin\tactive\taccess" in _run(app, ["users", "list"]).output


def test_setup_link_only_while_nobody_exists(app: Flask) -> None:
    assert "/setup?token=" in _run(app, ["setup-link"]).output
    _run(app, ["users", "create", "ada", "--password-stdin"], PASSWORD + "\n")
    assert "/setup?token=" not in _run(app, ["setup-link"]).output


def test_setup_link_then_log_in_link_are_whole_addresses_on_lines_of_their_own(app: Flask) -> None:
    # What `make run PORT=8123` prints (the Makefile gives PORTAL_BASE_URL the port).
    app.config["PORTAL"] = app.config["PORTAL"].replace(base_url="http://127.0.0.1:8123/")
    before = _run(app, ["setup-link"]).output.splitlines()
    assert before[0] == "No admin yet. Open this link to set up the portal (it stops working once done):"
    assert re.fullmatch(r"  http://127\.0\.0\.1:8123/setup\?token=[0-9a-f]{32}", before[1])
    assert before[2:] == ["Once it is set up, log in at:", "  http://127.0.0.1:8123/moderation/login"]
    _run(app, ["users", "create", "ada", "--password-stdin"], PASSWORD + "\n")
    after = _run(app, ["setup-link"]).output.splitlines()
    assert after == ["The portal is set up. Log in at:", "  http://127.0.0.1:8123/moderation/login"]


def test_dev_seed_writes_reports_and_refuses_production(app: Flask) -> None:
    from tests.reporting_helpers import report_count

    assert _run(app, ["dev", "seed", "--reports", "10"]).exit_code == 1  # no organisation key yet
    _run(app, ["users", "create", "ada", "--role", "admin", "--password-stdin"], PASSWORD + "\n")
    result = _run(app, ["dev", "seed", "--reports", "120"])
    assert result.exit_code == 0 and "120 synthetic" in result.output
    assert report_count(app) == 120
    production = app.config["PORTAL"].replace(env="production")
    app.config["PORTAL"] = production
    refused = _run(app, ["dev", "seed", "--reports", "10"])
    assert refused.exit_code == 1 and "production" in refused.output
    assert report_count(app) == 120
