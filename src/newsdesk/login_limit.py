"""The login limit: per user name and per client address, each attempt counted before its password is checked.

Every web process (``serve --workers N``) and every host sees the same counts: they are rows of the store
(``login_limits``, one per name and one per address), and an attempt reads and writes its two rows in one
transaction that holds them locked (a row lock on PostgreSQL, SQLite's single writer), so two attempts are
never counted as one. The order of a login:

1. :meth:`LoginLimit.attempt` counts the attempt against its name and its address, *then* the password
   is checked. A name that already has ``per_name.limit`` attempts in its window (checked or still being
   checked) is locked, and so is an address with ``per_address.limit``: the attempt is refused (429)
   without a password check. Sixty guesses sent at once get five checks, not sixty.
2. After a right password, :meth:`LoginLimit.succeeded` lets the login in unless the name was locked
   while the password was being checked (a burst of guesses: the right one among them is not let in
   either); it clears the name's count and takes the attempt off the address's.

A lock lasts ``window_s`` the first time and twice as long each time after, up to ``max_lock_s``; a name or
address quiet for a whole window after its lock ended starts again from one window. The address limit
is much higher than the name limit, so that one person guessing one editor's password locks out that
name, not every editor behind the same address (an office, a proxy).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from newsdesk.store import Store


@dataclass(frozen=True, slots=True)
class Rule:
    """At most ``limit`` attempts per ``window_s`` seconds."""

    limit: int
    window_s: float


PER_NAME = Rule(5, 900.0)
PER_ADDRESS = Rule(50, 900.0)
MAX_LOCK_S = 86_400.0


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a login is refused and for how long: ``by`` is "name" or "address"."""

    by: str
    wait_s: float

    @property
    def message(self) -> str:
        minutes = max(1, math.ceil(self.wait_s / 60))
        whose = "for this user name" if self.by == "name" else "from your address"
        return f"Too many failed logins {whose}. Wait {minutes} minute{'s' if minutes != 1 else ''} before trying again."


class LoginLimit:
    """The login limit of one store, shared by every process that uses it.

    ``store``: a callable giving the calling thread's store. ``clock``: wall-clock seconds (processes
    share no monotonic clock)."""

    def __init__(self, store: Callable[[], Store], *, per_name: Rule = PER_NAME, per_address: Rule = PER_ADDRESS,
                 max_lock_s: float = MAX_LOCK_S, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.rules = {"name": per_name, "address": per_address}
        self.max_lock_s = max_lock_s
        self.clock = clock

    def attempt(self, ip: str, name: str) -> Refusal | None:
        """Count an attempt at ``name`` from ``ip`` before its password is checked; a refusal when either is locked
        (a refused attempt is not counted: it checks no password)."""
        now = self.clock()
        keys = _keys(ip, name)
        with self.store().login_limits(list(keys.values()), now) as rows:
            counts = {kind: rows[key] for kind, key in keys.items()}
            for kind, count in counts.items():
                _new_window(count, now, self.rules[kind].window_s)
            refusals = [self._lock_if_full(kind, count, now) for kind, count in counts.items()]
            refusal = max((r for r in refusals if r), key=lambda r: r.wait_s, default=None)
            if refusal is None:
                for count in counts.values():
                    count["attempts"] += 1
            for kind, count in counts.items():
                _remember_until(count, self.rules[kind].window_s)
        return refusal

    def succeeded(self, ip: str, name: str) -> Refusal | None:
        """The password was right: None lets the login in (the name's count is cleared and this attempt taken
        off the address's); a refusal when the name was locked while its password was being checked."""
        now = self.clock()
        keys = _keys(ip, name)
        with self.store().login_limits(list(keys.values()), now) as rows:
            by_name, by_address = rows[keys["name"]], rows[keys["address"]]
            if by_name["locked_until"] > now:
                return Refusal("name", by_name["locked_until"] - now)
            by_name.update(attempts=0, lockouts=0, locked_until=0.0)
            by_address["attempts"] = max(0, by_address["attempts"] - 1)
            _remember_until(by_name, self.rules["name"].window_s)
            _remember_until(by_address, self.rules["address"].window_s)
        return None

    def _lock_if_full(self, kind: str, count: dict[str, Any], now: float) -> Refusal | None:
        if count["locked_until"] > now:
            return Refusal(kind, count["locked_until"] - now)
        rule = self.rules[kind]
        if count["attempts"] < rule.limit:
            return None
        lock_s = min(rule.window_s * 2 ** min(count["lockouts"], 32), self.max_lock_s)
        count.update(locked_until=now + lock_s, lockouts=count["lockouts"] + 1)
        return Refusal(kind, lock_s)


def _keys(ip: str, name: str) -> dict[str, str]:
    return {"name": "name:" + (name or "").strip().casefold(), "address": "address:" + (ip or "unknown")}


def _new_window(count: dict[str, Any], now: float, window_s: float) -> None:
    """A count whose window has passed starts a new one; one quiet for a window after its lock, from one lock."""
    if count["locked_until"] > now or now - count["window_start"] < window_s:
        return
    count.update(attempts=0, window_start=now)
    if count["locked_until"] and now - count["locked_until"] >= window_s:
        count.update(lockouts=0, locked_until=0.0)


def _remember_until(count: dict[str, Any], window_s: float) -> None:
    """When the row stops mattering (its window and lock over, and a quiet window after): it may be deleted."""
    count["forget_at"] = max(count["window_start"], count["locked_until"]) + window_s
