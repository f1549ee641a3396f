"""Editor accounts: hashed passwords, sessions that expire, tokens kept hashed, the login limit, the users command."""

from __future__ import annotations

import hashlib
import json
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest
from typer.testing import CliRunner

from newsdesk import cli_users
from newsdesk.auth import Accounts, AuthError, hash_password, verify_password
from newsdesk.cli import app
from newsdesk.login_limit import LoginLimit, Rule
from newsdesk.store import Store

PASSWORD = "correct horse battery"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


def _stored_bytes(db_path) -> bytes:
    """Everything the store holds: SQLite's file and write-ahead log, or a dump of the PostgreSQL database."""
    if isinstance(db_path, str):
        return subprocess.run(["pg_dump", "--data-only", db_path], capture_output=True, check=True).stdout
    return b"".join(p.read_bytes() for p in db_path.parent.glob(db_path.name + "*"))


@pytest.fixture
def accounts(store):
    return Accounts(store)


# ------------------------------------------------------------------ passwords and accounts


def test_a_password_is_kept_as_an_argon2id_hash_that_verifies_only_the_right_password():
    hashed = hash_password(PASSWORD)
    assert PASSWORD not in hashed and hashed.startswith("$argon2id$")
    assert verify_password(hashed, PASSWORD)
    assert not verify_password(hashed, PASSWORD + "!")
    assert not verify_password("not a hash", PASSWORD)


def test_an_editor_signs_in_with_the_right_password_only(accounts, db_path):
    ann = accounts.add_user("ann", "editor", PASSWORD)
    assert ann["name"] == "ann" and ann["role"] == "editor" and ann["created_at"]
    assert accounts.authenticate("ann", PASSWORD) == ann
    assert accounts.authenticate("ann", "wrong password!") is None
    assert accounts.authenticate("nobody", PASSWORD) is None
    assert PASSWORD.encode() not in _stored_bytes(db_path)
    assert [u["name"] for u in accounts.list_users()] == ["ann"]


@pytest.mark.parametrize(
    "name, role, password, message",
    [
        ("ann", "editor", "short", "at least 10"),
        ("ann", "publisher", PASSWORD, "role 'publisher' is unknown"),
        ("ann smith", "editor", PASSWORD, "not allowed"),
        ("", "editor", PASSWORD, "not allowed"),
        ("<b>x</b>", "admin", PASSWORD, "not allowed"),
    ],
)
def test_a_bad_account_is_refused_with_the_reason(accounts, name, role, password, message):
    with pytest.raises(AuthError, match=message):
        accounts.add_user(name, role, password)
    assert accounts.list_users() == []


def test_a_name_is_taken_whatever_its_case(accounts):
    accounts.add_user("ann", "editor", PASSWORD)
    with pytest.raises(AuthError, match="already exists"):
        accounts.add_user("Ann", "admin", PASSWORD)
    assert len(accounts.list_users()) == 1


# ------------------------------------------------------------------ sessions and tokens


def test_a_session_knows_its_user_and_csrf_token_until_it_expires(store, db_path):
    clock = Clock(datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc))
    accounts = Accounts(store, session_hours=12, clock=clock)
    ann = accounts.add_user("ann", "editor", PASSWORD)
    token, csrf = accounts.start_session(ann["id"])
    assert token != csrf
    assert accounts.session(token) == {"user": ann, "csrf": csrf}
    stored = store.conn.execute("SELECT token_hash FROM sessions").fetchone()[0]
    assert stored == hashlib.sha256(token.encode()).hexdigest()
    assert token.encode() not in _stored_bytes(db_path)

    clock.now += timedelta(hours=11, minutes=59)
    assert accounts.session(token)["user"]["name"] == "ann"
    clock.now += timedelta(minutes=2)
    assert accounts.session(token) is None
    assert accounts.session("made-up") is None and accounts.session("") is None


def test_signing_out_ends_the_session(accounts):
    ann = accounts.add_user("ann", "editor", PASSWORD)
    token, _ = accounts.start_session(ann["id"])
    accounts.end_session(token)
    assert accounts.session(token) is None
    with pytest.raises(AuthError, match="no user with id 999"):
        accounts.start_session(999)


def test_an_api_token_is_shown_once_and_stored_only_as_a_hash(accounts, store, db_path):
    ann = accounts.add_user("ann", "editor", PASSWORD)
    token = accounts.issue_token("ann", "wire script")
    assert token.startswith("nd_") and len(token) > 30
    assert accounts.token_user(token) == ann
    assert accounts.token_user(token + "x") is None and accounts.token_user("") is None
    assert token.encode() not in _stored_bytes(db_path)
    (label,) = store.conn.execute("SELECT label FROM api_tokens").fetchone()
    assert label == "wire script"


def test_a_revoked_token_is_refused_and_the_list_says_when_each_was_last_used(store):
    clock = Clock(datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc))
    accounts = Accounts(store, clock=clock)
    accounts.add_user("ann", "editor", PASSWORD)
    wire, unused = accounts.issue_token("ann", "wire script"), accounts.issue_token("ann", "old laptop")
    assert accounts.token_user(wire)["name"] == "ann"
    listed = {t["label"]: t for t in accounts.tokens("ann")}
    assert listed["wire script"]["last_used_at"].startswith("2026-01-05T09:00")
    assert listed["old laptop"]["last_used_at"] is None
    assert all(wire not in json.dumps(t) and unused not in json.dumps(t) for t in listed.values())
    accounts.revoke_token(listed["old laptop"]["id"])
    assert accounts.token_user(unused) is None
    assert accounts.token_user(wire)["name"] == "ann"  # the other token still works
    with pytest.raises(AuthError, match="no API token with id"):
        accounts.revoke_token(listed["old laptop"]["id"])


def test_a_token_needs_a_known_user_and_a_label(accounts):
    accounts.add_user("ann", "editor", PASSWORD)
    with pytest.raises(AuthError, match="no user named 'bob'"):
        accounts.issue_token("bob", "x")
    with pytest.raises(AuthError, match="label"):
        accounts.issue_token("ann", "  ")


# ------------------------------------------------------------------ the login limit


@pytest.fixture
def clock():
    return Clock(1000.0)


@pytest.fixture
def limit(store, clock):
    """The login limit on the test's store, on the test's clock: 5 attempts a name, 50 an address, per 900 s."""
    return LoginLimit(lambda: store, per_name=Rule(5, 900), per_address=Rule(50, 900), max_lock_s=86_400, clock=clock)


def test_the_sixth_attempt_within_the_window_is_refused_before_any_password_check_and_freed_after_it(limit, clock):
    for _ in range(5):
        assert limit.attempt("10.0.0.1", "ann") is None  # counted before its password is checked
    refused = limit.attempt("10.0.0.1", "ann")
    assert refused.by == "name" and refused.wait_s == 900
    assert "for this user name" in refused.message and "15 minutes" in refused.message
    assert limit.attempt("10.9.9.9", " ANN ").by == "name"  # the name, from any address, however written
    clock.now += 899
    assert limit.attempt("10.0.0.1", "ann") is not None
    clock.now += 2
    assert limit.attempt("10.0.0.1", "ann") is None


def test_one_name_locked_out_does_not_lock_out_another_editor_at_the_same_address(limit):
    for _ in range(6):
        limit.attempt("10.0.0.1", "ann")
    assert limit.attempt("10.0.0.1", "ann") is not None
    assert limit.attempt("10.0.0.1", "bob") is None
    assert limit.succeeded("10.0.0.1", "bob") is None


def test_an_address_trying_many_names_is_locked_out_at_a_far_higher_count(limit):
    for k in range(50):
        assert limit.attempt("10.6.6.6", f"name{k}") is None, k
    refused = limit.attempt("10.6.6.6", "zed")
    assert refused.by == "address" and "from your address" in refused.message
    assert limit.attempt("10.0.0.1", "zed") is None  # the name itself is not locked


def test_each_lockout_lasts_twice_as_long_as_the_one_before_until_a_quiet_window(limit, clock):
    waits = []
    for _ in range(3):
        *allowed, refused = [limit.attempt("10.0.0.1", "ann") for _ in range(6)]
        assert allowed == [None] * 5
        waits.append(refused.wait_s)
        clock.now += refused.wait_s + 1
    assert waits == [900, 1800, 3600]
    clock.now += 900  # quiet for a whole window after the lock ended
    for _ in range(5):
        assert limit.attempt("10.0.0.1", "ann") is None
    assert limit.attempt("10.0.0.1", "ann").wait_s == 900


def test_a_successful_login_clears_the_attempts_against_that_name(limit):
    for _ in range(4):
        limit.attempt("10.0.0.1", "ann")
    limit.attempt("10.0.0.1", "ann")
    assert limit.succeeded("10.0.0.1", "ann") is None
    for _ in range(5):
        assert limit.attempt("10.0.0.1", "ann") is None


def test_a_right_password_is_not_let_in_when_its_name_was_locked_while_it_was_checked(limit):
    """A burst of guesses: the right one counted first is still refused once the others lock the name."""
    assert limit.attempt("10.0.0.1", "ann") is None  # the right password, being checked…
    for _ in range(5):
        limit.attempt("10.0.0.1", "ann")  # …while the others arrive
    assert limit.succeeded("10.0.0.1", "ann").by == "name"
    assert limit.attempt("10.0.0.1", "ann") is not None  # and the name stays locked


def test_attempts_made_at_once_by_many_connections_are_each_counted(db_path):
    """The count and the check are one step: 30 attempts at once, each on its own connection, let 5 through."""
    ready = threading.Barrier(30)

    def attempt(_):
        with Store(db_path) as store:
            ready.wait()
            return LoginLimit(lambda: store).attempt("10.0.0.1", "ann")

    with ThreadPoolExecutor(30) as threads:
        results = list(threads.map(attempt, range(30)))
    assert sum(result is None for result in results) == 5


def test_rows_of_names_and_addresses_that_no_longer_matter_are_deleted(limit, store, clock):
    for k in range(20):
        limit.attempt(f"10.0.0.{k}", f"name{k}")
    assert store.conn.execute("SELECT count(*) FROM login_limits").fetchone()[0] == 40
    clock.now += 901
    limit.attempt("10.0.0.1", "ann")
    assert store.conn.execute("SELECT count(*) FROM login_limits").fetchone()[0] == 2


# ------------------------------------------------------------------ newsdesk users


@pytest.fixture
def users_cli(cli, db_path):
    """Run ``newsdesk users ...`` in-process with text on standard input (``cli`` sets up the environment)."""
    runner = CliRunner()

    def run(*args: str, input: str | None = None):
        return runner.invoke(app, ["--db", str(db_path), "users", *args], input=input, catch_exceptions=False)

    return run


def test_users_add_reads_the_password_from_standard_input(users_cli, db_path):
    result = users_cli("add", "ann", "--role", "editor", input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "added editor ann" in result.output
    with Store(db_path) as store:
        assert Accounts(store).authenticate("ann", PASSWORD)["role"] == "editor"


def test_users_add_at_a_terminal_asks_for_the_password_twice(users_cli, db_path, monkeypatch):
    monkeypatch.setattr(cli_users, "_stdin_is_terminal", lambda: True)
    result = users_cli("add", "bea", "--role", "admin", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "Repeat for confirmation" in result.output and PASSWORD not in result.output
    with Store(db_path) as store:
        assert Accounts(store).authenticate("bea", PASSWORD)["role"] == "admin"


def test_users_add_refuses_a_short_password_and_says_why(users_cli):
    result = users_cli("add", "ann", input="short\n")
    assert result.exit_code == 1
    assert "it needs at least 10" in result.output


def test_users_list_and_token(users_cli, db_path):
    users_cli("add", "ann", input=PASSWORD + "\n")
    listed = users_cli("list", "--json")
    assert [u["name"] for u in json.loads(listed.stdout)] == ["ann"]
    result = users_cli("token", "ann", "--label", "wire script")
    assert result.exit_code == 0
    token = result.stdout.strip()
    assert token.startswith("nd_") and "shown only now" in result.output
    with Store(db_path) as store:
        assert Accounts(store).token_user(token)["name"] == "ann"
    assert token.encode() not in _stored_bytes(db_path)


def test_users_tokens_lists_and_revoke_token_revokes(users_cli, db_path):
    users_cli("add", "ann", input=PASSWORD + "\n")
    token = users_cli("token", "ann", "--label", "wire script").stdout.strip()
    (listed,) = json.loads(users_cli("tokens", "ann", "--json").stdout)
    assert listed["label"] == "wire script" and listed["user"] == "ann" and token not in json.dumps(listed)
    result = users_cli("revoke-token", str(listed["id"]))
    assert result.exit_code == 0 and f"revoked API token {listed['id']}" in result.output
    with Store(db_path) as store:
        assert Accounts(store).token_user(token) is None
    missing = users_cli("revoke-token", str(listed["id"]))
    assert missing.exit_code == 1 and "no API token" in missing.output
