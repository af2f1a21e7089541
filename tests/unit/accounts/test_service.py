"""portal.accounts.service without HTTP: creating users, log-in and lock-out, password, reset, keys.

Accounts are made through the service in the test's own session; the TOTP codes come from the
secret the service hands back, as the authenticator app would show them.
"""

from __future__ import annotations

import datetime as dt

import pyotp
import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.accounts import grants, resets
from portal.accounts import service as accounts
from portal.cases import access, access_jobs, vault
from portal.config import Config
from portal.db import utcnow
from portal.models import AccessJob, AuditEvent, CaseKey, Organisation, Role, User
from portal.security import crypto, passwords, user_keys
from tests.accounts import keyring_of
from tests.unit.conftest import ReportFactory

PASSWORD = "sju blå hästar springer över isen"
NEW_PASSWORD = "fyra gröna ankor simmar i dimman"
SECOND = dt.timedelta(seconds=1)


def _events(db: Session, subject: str | None = None) -> list[tuple[str, int | None]]:
    query = select(AuditEvent.event, AuditEvent.actor_id).order_by(AuditEvent.id)
    if subject is not None:
        query = query.where(AuditEvent.subject == subject)
    return [(event, actor) for event, actor in db.execute(query)]


def _create(db: Session, config: Config, username: str, role: Role = Role.MODERATOR) -> accounts.NewAccount:
    return accounts.create_user(db, username, role, PASSWORD, config)


def _code(new: accounts.NewAccount, steps_ahead: int = 0) -> str:
    totp = pyotp.TOTP(new.totp_secret)
    return totp.at(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30 * steps_ahead))


# --- creating users --------------------------------------------------------------------------------


def test_the_first_account_creates_the_organisation_key_and_the_next_waits_for_a_grant(
    db: Session, config: Config
) -> None:
    first = _create(db, config, "ada", Role.ADMIN)
    assert first.recovery_key is not None and first.user.has_org_key
    row = db.get_one(Organisation, 1)
    assert row.public_key is not None
    # The recovery key opens the same organisation key the first account was given.
    from_recovery = user_keys.recover_org_key(first.recovery_key, row.private_key_recovery or b"")
    assert accounts.open_org_key(first.user, PASSWORD, config) == from_recovery
    second = _create(db, config, "bo")
    assert second.recovery_key is None and not second.user.has_org_key
    assert grants.awaiting_grant(db) == [second.user]
    assert _events(db) == [
        ("setup:admin:created", first.user.id),
        ("user:account:created", first.user.id),
        ("user:account:created", second.user.id),
    ]


def test_a_user_name_is_taken_once_and_compared_without_surrounding_spaces(
    db: Session, config: Config
) -> None:
    _create(db, config, "ada", Role.ADMIN)
    with pytest.raises(accounts.UsernameTaken):
        _create(db, config, "  ada ")
    assert db.scalar(select(func.count()).select_from(User)) == 1


@pytest.mark.parametrize(
    "password",
    ["kort", "123456789012", "aaaaaaaaaaaaaaaa", "mona mona mona mona 1", "abcdefghijklm"],
    ids=["short", "common", "one note", "contains the name", "one kind of character"],
)
def test_a_weak_password_is_refused_with_its_problems_and_nothing_is_stored(
    db: Session, config: Config, password: str
) -> None:
    with pytest.raises(accounts.WeakPassword) as refused:
        accounts.create_user(db, "mona", Role.MODERATOR, password, config)
    assert refused.value.problems
    assert db.scalar(select(func.count()).select_from(User)) == 0


def test_the_password_is_kept_as_a_cheap_test_argon2id_hash_only(db: Session, config: Config) -> None:
    user = _create(db, config, "ada", Role.ADMIN).user
    assert user.password_hash.startswith("$argon2id$v=19$m=8,t=1,p=1$")
    assert PASSWORD not in user.password_hash


# --- log-in ----------------------------------------------------------------------------------------


def test_the_right_factors_log_in_open_the_organisation_key_and_are_audited(
    db: Session, config: Config
) -> None:
    ada = _create(db, config, "ada", Role.ADMIN)
    logged_in = accounts.authenticate(db, "ada", PASSWORD, _code(ada), config)
    assert logged_in.user is ada.user
    assert logged_in.org_private_key == accounts.open_org_key(ada.user, PASSWORD, config)
    assert (ada.user.failed_logins, ada.user.locked_until) == (0, None)
    assert ada.user.totp_last_step > 0
    assert _events(db, f"user:{ada.user.id}")[-1] == ("auth:login:succeeded", ada.user.id)


def test_a_user_without_the_organisation_key_logs_in_without_it(db: Session, config: Config) -> None:
    _create(db, config, "ada", Role.ADMIN)
    bo = _create(db, config, "bo")
    assert accounts.authenticate(db, "bo", PASSWORD, _code(bo), config).org_private_key is None


def test_an_unknown_user_and_a_wrong_password_fail_alike_and_cost_the_same(
    db: Session, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    ada = _create(db, config, "ada", Role.ADMIN)
    verified: list[str] = []
    real_verify = passwords.verify

    def counting_verify(ph: PasswordHasher, stored_hash: str, password: str) -> bool:
        verified.append(password)
        return real_verify(ph, stored_hash, password)

    monkeypatch.setattr(passwords, "verify", counting_verify)
    failures = []
    for username, password in (("nobody", PASSWORD), ("ada", "fel lösenord helt och hållet")):
        with pytest.raises(accounts.LoginFailed) as failed:
            accounts.authenticate(db, username, password, _code(ada), config)
        failures.append((type(failed.value), failed.value.args, str(failed.value)))
    assert failures[0] == failures[1] == (accounts.LoginFailed, (), "")
    assert verified == [PASSWORD, "fel lösenord helt och hållet"]  # one argon2 check each
    assert _events(db)[-2:] == [("auth:login:failed", None), ("auth:login:failed", ada.user.id)]


def test_a_wrong_or_replayed_totp_code_fails(db: Session, config: Config) -> None:
    ada = _create(db, config, "ada", Role.ADMIN)
    with pytest.raises(accounts.LoginFailed):
        accounts.authenticate(db, "ada", PASSWORD, _code(ada, 10), config)  # five minutes off
    code = _code(ada)
    accounts.authenticate(db, "ada", PASSWORD, code, config)
    with pytest.raises(accounts.LoginFailed):
        accounts.authenticate(db, "ada", PASSWORD, code, config)


def test_a_disabled_account_cannot_log_in(db: Session, config: Config) -> None:
    ada = _create(db, config, "ada", Role.ADMIN)
    bo = _create(db, config, "bo")
    accounts.disable(db, bo.user, ada.user)
    assert not bo.user.active
    with pytest.raises(accounts.LoginFailed):
        accounts.authenticate(db, "bo", PASSWORD, _code(bo), config)
    assert ("user:account:disabled", ada.user.id) in _events(db, f"user:{bo.user.id}")


@pytest.fixture
def lock_rules(config: Config) -> Config:
    """Locked after 3 failures, for 30 s, doubling with each further failure, never over 100 s."""
    return config.replace(lockout_threshold=3, lockout_base_seconds=30, lockout_max_seconds=100)


def _fail(db: Session, rules: Config) -> tuple[dt.datetime, dt.datetime]:
    before = utcnow()
    with pytest.raises(accounts.LoginFailed):
        accounts.authenticate(db, "ada", "fel lösenord helt och hållet", "000000", rules)
    return before, utcnow()


def _locked_for(user: User, window: tuple[dt.datetime, dt.datetime], seconds: int) -> bool:
    assert user.locked_until is not None
    before, after = window
    return (
        before + dt.timedelta(seconds=seconds) - SECOND
        <= user.locked_until
        <= after + dt.timedelta(seconds=seconds)
    )


def _lock_state(user: User) -> tuple[int, dt.datetime | None]:
    return user.failed_logins, user.locked_until


def test_repeated_failures_lock_the_account_with_a_growing_capped_back_off(
    db: Session, lock_rules: Config
) -> None:
    ada = _create(db, lock_rules, "ada", Role.ADMIN)
    user = ada.user
    _fail(db, lock_rules)
    _fail(db, lock_rules)
    assert (user.failed_logins, user.locked_until) == (2, None)
    assert _locked_for(user, _fail(db, lock_rules), 30)
    for failures, seconds in ((4, 60), (5, 100), (6, 100)):
        user.locked_until = utcnow() - SECOND  # the lock ran out
        assert _locked_for(user, _fail(db, lock_rules), seconds)
        assert user.failed_logins == failures


def test_a_locked_account_refuses_even_the_right_factors_without_counting_them(
    db: Session, lock_rules: Config
) -> None:
    ada = _create(db, lock_rules, "ada", Role.ADMIN)
    for _ in range(3):
        _fail(db, lock_rules)
    locked_until = ada.user.locked_until
    with pytest.raises(accounts.LoginFailed):
        accounts.authenticate(db, "ada", PASSWORD, _code(ada), lock_rules)
    assert _lock_state(ada.user) == (3, locked_until)
    ada.user.locked_until = utcnow() - SECOND
    accounts.authenticate(db, "ada", PASSWORD, _code(ada, 1), lock_rules)
    assert _lock_state(ada.user) == (0, None)


def test_a_changed_secret_key_makes_the_second_factor_fail_like_any_other(
    db: Session, config: Config, caplog: pytest.LogCaptureFixture
) -> None:
    ada = _create(db, config, "ada", Role.ADMIN)
    moved = config.replace(secret_key="another-" + "k" * 40)
    with pytest.raises(accounts.LoginFailed):
        accounts.authenticate(db, "ada", PASSWORD, _code(ada), moved)
    assert "PORTAL_SECRET_KEY" in caplog.text


# --- password change, reset, disable ---------------------------------------------------------------


def test_a_password_change_keeps_the_organisation_key_open(db: Session, config: Config) -> None:
    ada = _create(db, config, "ada", Role.ADMIN)
    org_key = accounts.open_org_key(ada.user, PASSWORD, config)
    with pytest.raises(accounts.LoginFailed):
        accounts.change_password(db, ada.user, "inte det nuvarande lösenordet", NEW_PASSWORD, config)
    with pytest.raises(accounts.WeakPassword):
        accounts.change_password(db, ada.user, PASSWORD, "kort", config)
    accounts.authenticate(db, "ada", PASSWORD, _code(ada), config)  # both refusals changed nothing
    accounts.change_password(db, ada.user, PASSWORD, NEW_PASSWORD, config)
    assert accounts.open_org_key(ada.user, NEW_PASSWORD, config) == org_key
    with pytest.raises(crypto.DecryptionFailed):
        accounts.open_org_key(ada.user, PASSWORD, config)
    with pytest.raises(accounts.LoginFailed):
        accounts.authenticate(db, "ada", PASSWORD, _code(ada, 1), config)
    assert ("auth:password:changed", ada.user.id) in _events(db, f"user:{ada.user.id}")


def test_a_reset_gives_new_factors_and_takes_the_organisation_key_away(db: Session, config: Config) -> None:
    ada = _create(db, config, "ada", Role.ADMIN)
    bo = _create(db, config, "bo")
    grants.grant(db, bo.user, accounts.open_org_key(ada.user, PASSWORD, config), ada.user)
    secret = accounts.reset(db, bo.user, NEW_PASSWORD, config, ada.user)
    assert secret != bo.totp_secret and not bo.user.has_org_key
    assert grants.awaiting_grant(db) == [bo.user]
    with pytest.raises(accounts.LoginFailed):
        accounts.authenticate(db, "bo", PASSWORD, _code(bo), config)
    logged_in = accounts.authenticate(db, "bo", NEW_PASSWORD, pyotp.TOTP(secret).now(), config)
    assert logged_in.org_private_key is None
    assert ("user:account:reset", ada.user.id) in _events(db, f"user:{bo.user.id}")


def test_an_admin_cannot_disable_or_reset_their_own_account(db: Session, config: Config) -> None:
    ada = _create(db, config, "ada", Role.ADMIN)
    with pytest.raises(accounts.SelfChange):
        accounts.admin_disable(db, ada.user, ada.user)
    with pytest.raises(accounts.SelfChange):
        resets.reset(db, ada.user, config, ada.user)
    assert ada.user.active and ada.user.has_org_key


def test_unknown_users_are_named_as_such(db: Session) -> None:
    with pytest.raises(accounts.UnknownUser):
        accounts.find(db, "nobody")
    with pytest.raises(accounts.UnknownUser):
        accounts.get(db, 4711)


# --- key grant and recovery ------------------------------------------------------------------------


def test_a_grant_needs_the_granting_admin_s_open_key(
    db: Session, config: Config, admin_user: User, org_key: bytes, new_report: ReportFactory
) -> None:
    report = new_report()
    bo = _create(db, config, "bo")
    cy = _create(db, config, "cy", Role.ADMIN)
    for user in (bo.user, cy.user):
        with pytest.raises(accounts.NoAccess):
            grants.grant(db, user, None, admin_user)
    assert not bo.user.case_access and not cy.user.has_org_key
    assert db.scalars(select(AccessJob)).all() == []
    # An admin is given the organisation key itself.
    grants.grant(db, cy.user, org_key, admin_user)
    assert accounts.open_org_key(cy.user, PASSWORD, config) == org_key
    # A plain moderator never is: they may read cases, through case keys an access job seals once
    # the granting transaction has committed.
    grants.grant(db, bo.user, org_key, admin_user)
    assert bo.user.case_access and not bo.user.has_org_key and bo.user.org_key_sealed is None
    job = db.scalars(select(AccessJob)).one()
    assert (job.user_id, job.organisation_id, job.total, job.done, job.finished_at) == (
        bo.user.id,
        1,
        1,
        0,
        None,
    )
    assert db.scalars(select(CaseKey)).all() == []
    assert grants.awaiting_grant(db) == []
    db.commit()
    access_jobs.wait()
    db.expire_all()
    assert job.done == 1 and job.finished_at is not None
    sealed = db.scalars(select(CaseKey)).one()
    assert (sealed.report_id, sealed.user_id) == (report.id, bo.user.id)
    # The case key opens the same report key as the organisation key, with bo's own private key.
    assert access.report_key(db, report, keyring_of(bo.user, PASSWORD, config)) == vault.key_from_org(
        report, org_key
    )
    assert not bo.user.has_org_key
    assert _events(db, f"user:{bo.user.id}")[-2:] == [
        ("user:orgkey:granted", admin_user.id),
        ("user:casekeys:sealed", None),
    ]
    assert ("user:orgkey:granted", admin_user.id) in _events(db, f"user:{cy.user.id}")


def test_the_recovery_key_grants_without_any_admin_and_only_the_right_one(
    db: Session, config: Config
) -> None:
    ada = _create(db, config, "ada", Role.ADMIN)
    assert ada.recovery_key is not None
    org_key = accounts.open_org_key(ada.user, PASSWORD, config)
    accounts.reset(db, ada.user, NEW_PASSWORD, config)
    assert not ada.user.has_org_key
    wrong = crypto.format_recovery_key(crypto.new_key())
    with pytest.raises(crypto.DecryptionFailed):
        grants.recover(db, ada.user, wrong)
    assert not ada.user.has_org_key
    grants.recover(db, ada.user, ada.recovery_key.lower())  # typed in lower case, still accepted
    assert accounts.open_org_key(ada.user, NEW_PASSWORD, config) == org_key
    assert ("user:orgkey:recovered", None) in _events(db, f"user:{ada.user.id}")


def test_without_a_stored_recovery_blob_recovery_is_no_access(db: Session, config: Config) -> None:
    ada = _create(db, config, "ada", Role.ADMIN)
    assert ada.recovery_key is not None
    db.get_one(Organisation, 1).private_key_recovery = None
    with pytest.raises(accounts.NoAccess):
        grants.recover(db, ada.user, ada.recovery_key)


# --- notice address --------------------------------------------------------------------------------


@pytest.mark.parametrize("address", ["inte en adress", "a@b", "x" * 250 + "@kommun.se", "två@@kommun.se"])
def test_a_notice_address_that_is_not_one_is_refused(db: Session, config: Config, address: str) -> None:
    ada = _create(db, config, "ada", Role.ADMIN)
    with pytest.raises(accounts.InvalidEmail):
        accounts.set_notify_email(db, ada.user, address, ada.user)
    assert ada.user.notify_email is None


def test_a_notice_address_is_set_trimmed_cleared_and_audited_only_when_it_changes(
    db: Session, config: Config
) -> None:
    ada = _create(db, config, "ada", Role.ADMIN)

    def changed() -> int:
        return _events(db, f"user:{ada.user.id}").count(("user:account:changed", ada.user.id))

    accounts.set_notify_email(db, ada.user, "  ada@kommun.se ", ada.user)
    assert (ada.user.notify_email, changed()) == ("ada@kommun.se", 1)
    accounts.set_notify_email(db, ada.user, "ada@kommun.se", ada.user)
    assert changed() == 1
    accounts.set_notify_email(db, ada.user, "", ada.user)
    assert (ada.user.notify_email, changed()) == (None, 2)
    assert all("kommun" not in (subject or "") for subject in db.scalars(select(AuditEvent.subject)))
