"""Briefs and review: every version of a story's brief, its gate verdicts, review, publication, corrections."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from newsdesk.store.audit import AuditEntry
from newsdesk.store.backend import Dialect
from newsdesk.store.base import StoreBase, _iso, utcnow


@dataclass(slots=True)
class Publication:
    """What publishing a version writes besides its status."""

    by: str
    changes: dict[str, Any]  # what is new against the previous published version
    search: tuple[str, str, str]  # headline, dek, text for the search index
    entities: list[tuple[str, str, str, str | None, int]]  # name, label, key, surname, mentions
    correction: str | None = None



class BriefsStore(StoreBase):
    """Brief versions and their lines; review, publication and corrections. Every write here is part of
    the caller's transaction when one is open (``transaction`` nests), so that Newsroom can read, check
    and write in one transaction, with the audit entry written in the same one."""

    # -- briefs -----------------------------------------------------------------

    def latest_brief(self, story_id: int) -> dict[str, Any] | None:
        row = self.conn.execute(
            "SELECT * FROM briefs WHERE story_id = ? ORDER BY version DESC LIMIT 1", (story_id,)
        ).fetchone()
        return _brief(row) if row else None

    def brief_versions(self, story_id: int) -> list[dict[str, Any]]:
        """Every version of a story's brief, oldest first."""
        rows = self.conn.execute("SELECT * FROM briefs WHERE story_id = ? ORDER BY version", (story_id,))
        return [_brief(row) for row in rows]

    def save_brief(
        self,
        story_id: int,
        *,
        writer: str,
        signature: str,
        status: str,
        content: dict[str, Any],
        changes: dict[str, Any] | None,
        note: str | None,
        lines: list[tuple[str, int, str, bool, list[str]]],
    ) -> int:
        """Store a new version of a story's brief with its per-line verdicts; returns the version.
        Writers of one story's brief take their turns (SQLite: one writer at a time; PostgreSQL: the
        story's row is locked until the version is stored), so each gets the next version."""
        with self.transaction() as conn:
            if self.sql.postgres:
                conn.execute("SELECT id FROM stories WHERE id = ? FOR UPDATE", (story_id,))
            row = conn.execute("SELECT max(version) FROM briefs WHERE story_id = ?", (story_id,)).fetchone()
            version = (row[0] or 0) + 1
            content = content | {"version": version, "status": status}
            conn.execute(
                """INSERT INTO briefs (story_id, version, created_at, writer, signature, status, gate_passed, content,
                                       changes, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (story_id, version, _iso(utcnow()), writer, signature, status,
                 int(bool(content.get("gate", {}).get("passed"))), json.dumps(content, ensure_ascii=False),
                 json.dumps(changes, ensure_ascii=False) if changes is not None else None, note),
            )
            conn.executemany(
                "INSERT INTO brief_lines (story_id, version, section, position, text, passed, reasons)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(story_id, version, section, pos, text, int(ok), json.dumps(reasons, ensure_ascii=False))
                 for section, pos, text, ok, reasons in lines],
            )
        return version

    def failed_brief_lines(self, story_id: int, version: int) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT section, position, text, reasons FROM brief_lines WHERE story_id = ? AND version = ? AND passed = 0"
            " ORDER BY section, position", (story_id, version))
        return [{"section": r[0], "position": r[1], "text": r[2], "reasons": json.loads(r[3])} for r in rows]

    # review and publication

    def get_brief(self, story_id: int, version: int) -> dict[str, Any] | None:
        """One version of a story's brief, with who reviewed and published it and any override."""
        row = self.conn.execute("SELECT * FROM briefs WHERE story_id = ? AND version = ?", (story_id, version)).fetchone()
        return _reviewed_brief(row) if row else None

    def newest_brief(self, story_id: int) -> dict[str, Any] | None:
        """The newest version (``latest_brief``) with review and publication fields."""
        row = self.conn.execute(
            "SELECT * FROM briefs WHERE story_id = ? ORDER BY version DESC LIMIT 1", (story_id,)).fetchone()
        return _reviewed_brief(row) if row else None

    def published_brief(self, story_id: int) -> dict[str, Any] | None:
        row = self.conn.execute(
            "SELECT * FROM briefs WHERE story_id = ? AND status = 'published'", (story_id,)).fetchone()
        return _reviewed_brief(row) if row else None

    def last_published_brief(self, story_id: int) -> dict[str, Any] | None:
        """The version made public most recently, whatever became of it since (superseded, unpublished)."""
        row = self.conn.execute(
            "SELECT * FROM briefs WHERE story_id = ? AND published_at IS NOT NULL ORDER BY published_at DESC,"
            " version DESC LIMIT 1", (story_id,)).fetchone()
        return _reviewed_brief(row) if row else None

    def published_rows(self, *, limit: int = 30, offset: int = 0,
                       story_ids: list[int] | None = None) -> list[dict[str, Any]]:
        """Published briefs in brief (headline, dek, counts), newest published first."""
        sql = _published_row(self.sql) + " WHERE b.status = 'published'"
        params: list[Any] = []
        if story_ids is not None:
            sql += f" AND b.story_id IN ({','.join('?' * len(story_ids))})"
            params += story_ids
        sql += " ORDER BY b.published_at DESC, b.story_id DESC LIMIT ? OFFSET ?"
        rows = self.conn.execute(sql, (*params, limit, offset))
        return [dict(row) | {"updated": bool(row["updated"])} for row in rows]

    def published_versions(self, story_id: int) -> list[dict[str, Any]]:
        """Every version of a story that was made public, newest first."""
        rows = self.conn.execute(
            """SELECT version, status, published_at, published_by, published_changes FROM briefs
               WHERE story_id = ? AND published_at IS NOT NULL ORDER BY version DESC""", (story_id,))
        return [{"version": r[0], "status": r[1], "published_at": r[2], "published_by": r[3],
                 "changes": json.loads(r[4]) if r[4] else None} for r in rows]

    def review_queue(self, *, limit: int | None = None) -> list[dict[str, Any]]:
        """The newest version of each story when it awaits an editor (draft, needs review, approved):
        gate failures without an override first, then newest first."""
        rows = self.conn.execute(
            f"""SELECT b.story_id, b.version, {self.sql.json_text('b.content', 'headline')} AS headline, b.status,
                      b.gate_passed, {self.sql.json_text('b.content', 'gate', 'reasons')} AS reasons, b.created_at,
                      b.override_reason AS override,
                      (SELECT p.version FROM briefs p WHERE p.story_id = b.story_id AND p.status = 'published')
                        AS published_version, b.changes
               FROM briefs b JOIN stories s ON s.id = b.story_id AND s.merged_into IS NULL
               WHERE b.version = (SELECT max(x.version) FROM briefs x WHERE x.story_id = b.story_id)
                 AND b.status IN ('draft', 'needs_review', 'approved')
               ORDER BY (b.gate_passed = 0 AND b.override_reason IS NULL) DESC, b.created_at DESC, b.story_id DESC
               LIMIT ?""", (self.sql.unlimited if limit is None else limit,))
        return [dict(row) | {"gate_passed": bool(row["gate_passed"]), "reasons": json.loads(row["reasons"] or "[]"),
                             "changes": json.loads(row["changes"]) if row["changes"] else None} for row in rows]

    def set_brief_status(self, story_id: int, version: int, status: str, audit: AuditEntry, *,
                         reviewed_by: str | None = None) -> None:
        """Change a version's status (approve, reject), recording the reviewer and the audit entry."""
        with self.transaction() as conn:
            if reviewed_by is None:
                conn.execute("UPDATE briefs SET status = ? WHERE story_id = ? AND version = ?", (status, story_id, version))
            else:
                conn.execute("UPDATE briefs SET status = ?, reviewed_by = ?, reviewed_at = ? WHERE story_id = ? AND version = ?",
                             (status, reviewed_by, _iso(utcnow()), story_id, version))
            self._audit(conn, audit)

    def record_override(self, story_id: int, version: int, reason: str) -> None:
        """Why an editor kept a version whose lines the gate refused."""
        with self.transaction() as conn:
            conn.execute("UPDATE briefs SET override_reason = ? WHERE story_id = ? AND version = ?",
                         (reason, story_id, version))

    def publish_brief(self, story_id: int, version: int, publication: Publication, audit: AuditEntry) -> None:
        """Make a version the story's public one: the one published before is superseded, the correction
        (if any) is stored, the search and entity indexes are rewritten, the audit entry is written."""
        now = _iso(utcnow())
        with self.transaction() as conn:
            conn.execute("UPDATE briefs SET status = 'superseded' WHERE story_id = ? AND status = 'published'",
                         (story_id,))
            conn.execute(
                """UPDATE briefs SET status = 'published', published_at = ?, published_by = ?, published_changes = ?,
                   reviewed_by = coalesce(reviewed_by, ?), reviewed_at = coalesce(reviewed_at, ?)
                   WHERE story_id = ? AND version = ?""",
                (now, publication.by, json.dumps(publication.changes, ensure_ascii=False), publication.by, now,
                 story_id, version))
            if publication.correction:
                conn.execute("INSERT INTO corrections (story_id, version, at, user_name, note) VALUES (?, ?, ?, ?, ?)",
                             (story_id, version, now, publication.by, publication.correction))
            self._index_story(conn, story_id, publication.search, publication.entities)
            self._audit(conn, audit)

    def unpublish_brief(self, story_id: int, version: int, audit: AuditEntry) -> None:
        """Take a story's published version off the public pages, feeds and search."""
        with self.transaction() as conn:
            conn.execute("UPDATE briefs SET status = 'unpublished' WHERE story_id = ? AND version = ?",
                         (story_id, version))
            self._unindex_story(conn, story_id)
            self._audit(conn, audit)

    def corrections(self, *, limit: int = 50, story_id: int | None = None) -> list[dict[str, Any]]:
        """Public corrections, newest first, with the headline of the version each came with."""
        sql = f"""SELECT c.id, c.story_id, c.version, c.at, c.user_name AS user, c.note,
                        {self.sql.json_text('b.content', 'headline')} AS headline
                 FROM corrections c LEFT JOIN briefs b ON b.story_id = c.story_id AND b.version = c.version"""
        params: list[Any] = []
        if story_id is not None:
            sql += " WHERE c.story_id = ?"
            params.append(story_id)
        sql += " ORDER BY c.id DESC LIMIT ?"
        return [dict(row) for row in self.conn.execute(sql, (*params, limit))]


def _published_row(sql: Dialect) -> str:
    """A published brief in brief: what the front page and entity pages list."""
    return f"""SELECT b.story_id, b.version, {sql.json_text('b.content', 'headline')} AS headline,
       {sql.json_text('b.content', 'dek')} AS dek, {sql.json_length('b.content', 'articles')} AS articles,
       {sql.json_int('b.content', 'independent_origins')} AS origins,
       {sql.json_length('b.content', 'differences')} AS differences, b.published_at,
       (SELECT count(*) FROM briefs p WHERE p.story_id = b.story_id AND p.published_at IS NOT NULL) > 1 AS updated
FROM briefs b"""



def _reviewed_brief(row: sqlite3.Row) -> dict[str, Any]:
    """A stored brief (see ``_brief``) with its review and publication fields."""
    extra = {k: row[k] for k in ("reviewed_by", "reviewed_at", "override_reason", "published_at", "published_by")}
    extra["published_changes"] = json.loads(row["published_changes"]) if row["published_changes"] else None
    brief = _brief(row) | extra
    brief["content"]["status"] = row["status"]  # the content keeps the status it was written with
    return brief



def _brief(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "story_id": row["story_id"],
        "version": row["version"],
        "created_at": row["created_at"],
        "writer": row["writer"],
        "signature": row["signature"],
        "status": row["status"],
        "gate_passed": bool(row["gate_passed"]),
        "content": json.loads(row["content"]),
        "changes": json.loads(row["changes"]) if row["changes"] else None,
        "note": row["note"],
    }


