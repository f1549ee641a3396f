"""``newsdesk serve --workers 2`` on PostgreSQL: two processes behind one port that share sessions, CSRF
tokens and the login limit through the store, with one scheduler between them."""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import lxml.html
import pgsupport
import pytest
from websupport import free_port, serving

from newsdesk.auth import Accounts
from newsdesk.store import Store

PASSWORD = "correct horse battery staple"


def _csrf(html: str) -> str:
    return lxml.html.fromstring(html).xpath("//input[@name='csrf']/@value")[0]


@pytest.fixture
def served(tmp_path: Path):
    """The newsroom served by ``serve --workers 2`` on a fresh PostgreSQL database with an editor 'ed'."""
    with pgsupport.database() as url:
        with Store(url) as store:
            Accounts(store).add_user("ed", "editor", PASSWORD)
        with serving(tmp_path, url, "--workers", "2", "--scheduler-interval", "1") as base:
            yield base, url


def _client(base: str) -> httpx.Client:
    """A browser that opens a new connection for every request, so requests land on either process."""
    return httpx.Client(base_url=base, follow_redirects=False, timeout=10,
                        limits=httpx.Limits(max_keepalive_connections=0))


def _processes(base: str, *, want: int = 2, tries: int = 200) -> dict[int, dict]:
    """process id -> /healthz body, asking until ``want`` processes have answered."""
    seen: dict[int, dict] = {}
    with _client(base) as client:
        for _ in range(tries):
            body = client.get("/healthz").json()
            seen[body["process"]] = body
            if len(seen) >= want:
                break
    return seen


def test_two_workers_share_sessions_csrf_and_the_login_limit_and_run_one_scheduler(served):
    pgsupport.require()
    base, url = served
    processes = _processes(base)
    assert len(processes) == 2, f"only {list(processes)} answered: the requests did not reach both workers"

    with _client(base) as browser:
        form = browser.get("/login")
        login = browser.post("/login", data={"name": "ed", "password": PASSWORD, "csrf": _csrf(form.text)})
        assert login.status_code == 303, login.text  # the login form's token is accepted by whichever process
        answered = set()
        for _ in range(20):  # the session is known to both processes
            review = browser.get("/review")
            assert review.status_code == 200, review.headers.get("location")
            answered.add(browser.get("/healthz").json()["process"])
        token = _csrf(browser.get("/review").text)
        assert browser.post("/logout", data={"csrf": token}).status_code == 303  # the session's CSRF token too
        assert browser.get("/review").status_code == 303  # logged out everywhere
    assert len(answered) == 2

    with _client(base) as guesser:  # five failures, whichever process saw them, block the sixth try
        statuses = []
        for _ in range(6):
            form = guesser.get("/login")
            statuses.append(guesser.post("/login", data={"name": "ed", "password": "wrong password!",
                                                         "csrf": _csrf(form.text)}).status_code)
        assert statuses == [401] * 5 + [429]

    # one scheduler: the one process holding the lock runs the cycles, the other stands by
    time.sleep(3)
    states = {pid: body["scheduler"] for pid, body in _processes(base).items()}
    assert sorted(s["leading"] for s in states.values()) == [False, True], states
    (leader,) = [s for s in states.values() if s["leading"]]
    (standby,) = [s for s in states.values() if not s["leading"]]
    assert leader["cycles"] >= 1 and standby["cycles"] == 0
    with Store(url) as store:
        assert store.meta_value("scheduler_leader") is not None


BURST = 60


def test_a_burst_of_logins_at_once_logs_no_one_in_and_locks_out_no_other_editor(served):
    """Issue 22: 60 logins at once for one name, 59 wrong passwords and the right one last, across both processes.
    Each attempt is counted before its password is checked, so at most five passwords are checked and the right
    one is not let in; another editor at the same address still logs in."""
    pgsupport.require()
    base, url = served
    with Store(url) as store:
        Accounts(store).add_user("ann", "editor", PASSWORD)
    with _client(base) as browser:
        form = browser.get("/login")
        cookie, token = browser.cookies["newsdesk_login"], _csrf(form.text)
    with ThreadPoolExecutor(BURST) as pool:  # both processes, their threads and store connections, warmed up
        list(pool.map(lambda _: httpx.get(f"{base}/healthz", timeout=30).status_code, range(BURST)))
        ready = threading.Barrier(BURST)

        def attempt(password: str) -> int:
            with httpx.Client(base_url=base, timeout=120, cookies={"newsdesk_login": cookie},
                              limits=httpx.Limits(max_keepalive_connections=0)) as client:
                ready.wait()
                if password == PASSWORD:
                    time.sleep(0.01)  # the right one last
                return client.post("/login", data={"name": "ed", "password": password, "csrf": token}).status_code

        passwords = ["wrong password!"] * (BURST - 1) + [PASSWORD]
        statuses = Counter(pool.map(attempt, passwords))
    assert statuses[303] == 0, f"the burst logged in: {dict(statuses)}"
    assert statuses[401] <= 5 and statuses[429] >= BURST - 5, dict(statuses)  # five passwords checked at most
    with _client(base) as other:  # the same address, another editor
        form = other.get("/login")
        login = other.post("/login", data={"name": "ann", "password": PASSWORD, "csrf": _csrf(form.text)})
        assert login.status_code == 303, login.text


def test_several_workers_on_a_sqlite_store_are_refused_with_the_reason(cli):
    result = cli("serve", "--workers", "2", "--port", str(free_port()))
    assert result.exit_code == 2
    assert "needs a PostgreSQL store" in result.output and "newsdesk db copy" in result.output
