"""Audit: the log of every editorial write."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from newsdesk.store.base import StoreBase, _iso, _json_or_none, utcnow


@dataclass(slots=True)
class AuditEntry:
    """One editorial write, as the audit log keeps it."""

    user_id: int | None
    user_name: str
    action: str  # edit | approve | reject | publish | unpublish
    story_id: int | None
    version: int | None
    before: Any = None  # JSON-able state before and after the write
    after: Any = None
    reason: str | None = None



class AuditStore(StoreBase):
    """Audit entries, written in the caller's transaction."""

    # audit log

    def add_audit(self, entry: AuditEntry) -> None:
        with self.transaction() as conn:
            self._audit(conn, entry)

    @staticmethod
    def _audit(conn: sqlite3.Connection, entry: AuditEntry) -> None:
        conn.execute(
            """INSERT INTO audit_log (at, user_id, user_name, action, story_id, version, before, after, reason)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (_iso(utcnow()), entry.user_id, entry.user_name, entry.action, entry.story_id, entry.version,
             _json_or_none(entry.before), _json_or_none(entry.after), entry.reason))

    def audit_log(self, *, limit: int = 100, story_id: int | None = None) -> list[dict[str, Any]]:
        """Audit entries, newest first."""
        sql = "SELECT id, at, user_name AS user, action, story_id, version, before, after, reason FROM audit_log"
        rows = self._newest(sql, "story_id", story_id, limit)
        return [dict(row) | {k: json.loads(row[k]) if row[k] else None for k in ("before", "after")} for row in rows]

