"""The newsroom: what readers see (published briefs, corrections, search, entities) and what editors do.

The pipeline writes brief versions as drafts (or "needs review" when the gate
refused a line) and never publishes. An editor reviews the newest version:

    edit → (gate) → approve → publish → [edit → publish with a correction note] → unpublish

* **edit** writes a new version from the editor's headline, dek and Quick Take
  bullets, and, when given, body, differences, quotes and timeline
  (:mod:`.brief.editing`); evidence for each edited line is found in the articles
  it cites, and the edited lines go through the same gate as the pipeline's. A refusal is
  :class:`GateRefused` with the reasons, unless the editor gives an override
  reason, which is stored with the version and in the audit log.
* **publish** makes a version public (an approved one, or a draft that passed
  the gate or was overridden: approval is then implied and audited). When a
  version is already public, a correction note saying what changed is required;
  it is shown publicly, and the old version becomes "superseded".
* **reject** and **unpublish** need a reason.

Every write checks the state and writes in one transaction with an audit entry
holding the state before and after; errors are :class:`NewsroomError` with a
message naming the story, the version and the reason.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timezone
from typing import Any

from .auth import ROLES
from .brief.desk import BriefDesk, content_lines
from .brief.editing import DraftParts, EditError, edit_sections
from .brief.gate import summary
from .brief.llm_writer import evidence_for
from .brief.model import Evidence, Line, Verdict, independent_count
from .brief.versions import whats_new
from .brief.writer import HEADLINE_CHARS, Material, cited_label
from .facts import FACTS_VERSION
from .facts.entities import normalise_name as entity_key
from .facts.entities import link
from .facts.model import ArticleFacts
from .search import search as search_index
from .settings import Settings
from .store import AuditEntry, Publication, Store

REVIEWABLE = ("draft", "needs_review")
CARRIED = ("body_sentences", "differences", "developments", "quotes", "timeline")  # sections an edit keeps from its base unless sent
EDITABLE = (("headline", "headline"), ("dek", "dek"), ("Quick Take", "quick_take"), ("body", "body_sentences"),
            ("differences", "differences"), ("quotes", "quotes"), ("timeline", "timeline"))


class NewsroomError(Exception):
    """An editorial action cannot be done; the message says which story and version, and why."""


class GateRefused(NewsroomError):
    """An edit failed the gate and no override reason was given."""

    def __init__(self, message: str, reasons: list[str], content: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.reasons = reasons
        self.content = content  # the refused version: every line with the evidence found and its verdict


class Newsroom:
    """Reading and editing the briefs of one store."""

    def __init__(self, store: Store, settings: Settings, embedder=None) -> None:
        self.store = store
        self.settings = settings
        self._embedder = embedder

    @property
    def embedder(self):
        """The sentence embedder, loaded on the first edit (reading never needs it)."""
        if self._embedder is None:
            from .stories import make_embedder

            self._embedder = make_embedder(self.settings)
        return self._embedder

    # ------------------------------------------------------------------ reading (public)

    def front_page(self, limit: int = 30, offset: int = 0) -> list[dict[str, Any]]:
        """Published stories, newest published first."""
        return self.store.published_rows(limit=limit, offset=offset)

    def published(self, story_id: int) -> dict[str, Any] | None:
        """A story's published brief with its public corrections and the versions made public."""
        brief = self.store.published_brief(story_id)
        if brief is None:
            return None
        return {
            "story_id": story_id,
            "version": brief["version"],
            "published_at": brief["published_at"],
            "published_by": brief["published_by"],
            "content": brief["content"] | {"published_at": brief["published_at"]},
            "corrections": self.store.corrections(story_id=story_id, limit=1000),
            "entities": self.store.story_entities(story_id),
            "versions": self.store.published_versions(story_id),
        }

    def article(self, article_id: str) -> dict[str, Any] | None:
        """A stored article with its story (and whether that story is published)."""
        article = self.store.get_article(article_id)
        if article is None:
            return None
        story_id = self.store.story_of(article_id)
        published = story_id is not None and self.store.published_brief(story_id) is not None
        return article.as_dict() | {"story_id": story_id, "story_published": published,
                                    "origin": self.store.origin_of(article_id)}

    def corrections(self, limit: int = 50) -> list[dict[str, Any]]:
        return self.store.corrections(limit=limit)

    def search(self, query: str, limit: int = 20) -> dict[str, Any]:
        """Published stories and their articles matching every word of ``query`` (see :mod:`newsdesk.search`)."""
        return search_index(self.store, query, limit=limit)

    def entity(self, name: str) -> dict[str, Any] | None:
        """A person, organisation or place, and the published stories that mention it (None: none does).

        Any written form matches ("Netanyahu", "Benjamin Netanyahu", "U.S." = "US" = "United States");
        a single word also matches people of that surname when no form matches exactly.
        """
        key = entity_key((name or "").strip())
        if not key:
            return None
        rows = self.store.entity_mentions(key)
        rows = [r for r in rows if r["exact"]] or rows
        if not rows:
            return None
        display, label = Counter((r["name"], r["label"]) for r in rows).most_common(1)[0][0]
        story_ids = list(dict.fromkeys(r["story_id"] for r in rows))
        stories = self.store.published_rows(story_ids=story_ids, limit=len(story_ids))
        return {"name": display, "label": label, "stories": stories}

    # ------------------------------------------------------------------ editor: reading

    def queue(self) -> list[dict[str, Any]]:
        """Newest versions awaiting an editor: gate failures (without override) first, then newest first."""
        return self.store.review_queue()

    def draft(self, story_id: int) -> dict[str, Any] | None:
        """The newest version of a story's brief (any status), its lines the gate refused, and the
        number of the published version (None when nothing is published)."""
        brief = self.store.newest_brief(story_id)
        if brief is None:
            return None
        current = self.store.published_brief(story_id)
        return brief | {
            "failed_lines": self.store.failed_brief_lines(story_id, brief["version"]),
            "published_version": current["version"] if current else None,
        }

    def preview(self, story_id: int, version: int | None = None) -> dict[str, Any] | None:
        """A version of a story's brief (default: the newest) in the shape of :meth:`published`, as readers
        would see it were it published now: its entities, and itself listed among the public versions."""
        brief = self.store.get_brief(story_id, version) if version else self.store.newest_brief(story_id)
        if brief is None:
            return None
        if brief["status"] == "published":
            return self.published(story_id) | {"preview": False}
        previous = self.store.last_published_brief(story_id)
        entities: dict[tuple[str, str], int] = {}
        for name, label, _, _, mentions in self._entity_rows(brief["content"]):
            entities[(name, label)] = max(mentions, entities.get((name, label), 0))
        ranked = sorted(entities.items(), key=lambda item: (-item[1], item[0][0]))[:30]
        this = {"version": brief["version"], "status": brief["status"], "published_at": None, "published_by": None,
                "changes": whats_new(previous["content"] if previous else None, brief["content"])}
        return {
            "story_id": story_id,
            "version": brief["version"],
            "status": brief["status"],
            "published_at": None,
            "published_by": None,
            "content": brief["content"],
            "corrections": self.store.corrections(story_id=story_id, limit=1000),
            "entities": [{"name": name, "label": label, "mentions": n} for (name, label), n in ranked],
            "versions": [this, *self.store.published_versions(story_id)],
            "preview": True,
        }

    def audit(self, limit: int = 100, story_id: int | None = None) -> list[dict[str, Any]]:
        return self.store.audit_log(limit=limit, story_id=story_id)

    # ------------------------------------------------------------------ editor: writing

    def edit(self, user: dict, story_id: int, *, headline: str, dek: str, bullets: list[dict],
             parts: DraftParts | None = None, override: str | None = None,
             base_version: int | None = None) -> dict[str, Any]:
        """A new version (status needs_review, writer "editor:<name>") from the newest one, with the
        editor's headline, dek and Quick Take, and the sections of ``parts`` given (the others are
        carried over); returns it. ``base_version``: the version the editor edited, refused when a newer
        one was written since. See the module docstring for the gate."""
        editor = _editor(user, "edit a brief")
        base = self.store.newest_brief(story_id)
        if base is None:
            raise NewsroomError(f"story {story_id} has no brief to edit")
        if base_version is not None and base_version != base["version"]:
            raise NewsroomError(f"version {base['version']} of story {story_id} was written after version "
                                f"{base_version}, which you edited; reload the page and edit the newest version")
        headline, dek, override = _clean(headline), _clean(dek), _clean(override)
        bullets = _clean_bullets(bullets)
        _check_edit(story_id, headline, dek, bullets)
        lines, sections, verdict = self._gate_edit(story_id, base, headline, dek, bullets, parts or DraftParts())
        if verdict.passed:
            override = None  # nothing was overridden
        content, dropped = _edited_content(base, lines, sections, verdict.as_dict(), editor, override)
        if not verdict.passed and not override:
            raise GateRefused(
                f"the edit of story {story_id} (from version {base['version']}) failed the gate: "
                f"{len(verdict.reasons)} reason{'s' if len(verdict.reasons) != 1 else ''}; correct the lines "
                "or give an override reason", verdict.reasons, content)
        changes = _edit_changes(base, content, editor, dropped)
        content["whats_new"] = changes
        with self.store.transaction():
            version = self.store.save_brief(
                story_id, writer=content["writer"], signature=base["signature"], status="needs_review",
                content=content, changes=changes, note=_dropped_note(dropped), lines=_verdict_rows(content))
            if override:
                self.store.record_override(story_id, version, override)
            after = _summary(content) | {"version": version, "status": "needs_review", "override": override}
            self.store.add_audit(_entry(editor, "edit", story_id, version, before=_summary(base), after=after,
                                        reason=override))
        return self.store.get_brief(story_id, version)

    def approve(self, user: dict, story_id: int, version: int) -> None:
        """Mark a draft (or a version that needs review) fit to publish."""
        editor = _editor(user, "approve a brief")
        with self.store.transaction():
            brief = self._version(story_id, version)
            if brief["status"] == "approved":
                raise NewsroomError(f"version {version} of story {story_id} is already approved")
            if brief["status"] not in REVIEWABLE:
                raise NewsroomError(f"version {version} of story {story_id} is {_status(brief)}; only a draft "
                                    "or a version that needs review can be approved")
            _check_gate(brief)
            self.store.set_brief_status(story_id, version, "approved", _status_entry(editor, "approve", brief, "approved"),
                                        reviewed_by=editor["name"])

    def reject(self, user: dict, story_id: int, version: int, reason: str) -> None:
        """Turn a version down for good (it can no longer be published); a reason is required."""
        editor = _editor(user, "reject a brief")
        reason = _clean(reason)
        if not reason:
            raise NewsroomError(f"a reason is required to reject version {version} of story {story_id}")
        with self.store.transaction():
            brief = self._version(story_id, version)
            if brief["status"] == "published":
                raise NewsroomError(f"version {version} of story {story_id} is published; unpublish it instead")
            if brief["status"] not in (*REVIEWABLE, "approved"):
                raise NewsroomError(f"version {version} of story {story_id} is {_status(brief)}; it cannot be rejected")
            self.store.set_brief_status(story_id, version, "rejected",
                                        _status_entry(editor, "reject", brief, "rejected", reason),
                                        reviewed_by=editor["name"])

    def publish(self, user: dict, story_id: int, version: int, note: str | None = None) -> None:
        """Make a version the story's public brief (see the module docstring)."""
        editor = _editor(user, "publish a brief")
        note = _clean(note)
        with self.store.transaction():
            brief = self._version(story_id, version)
            _check_publishable(brief)
            current = self.store.published_brief(story_id)
            if current is not None and not note:
                raise NewsroomError(
                    f"story {story_id} has version {current['version']} published; publishing version {version} "
                    "needs a correction note telling readers what changed")
            if brief["status"] in REVIEWABLE:  # publishing a draft approves it
                self.store.set_brief_status(story_id, version, "approved",
                                            _status_entry(editor, "approve", brief, "approved", "approved on publishing"),
                                            reviewed_by=editor["name"])
            previous = self.store.last_published_brief(story_id)
            publication = Publication(
                by=editor["name"],
                changes=whats_new(previous["content"] if previous else None, brief["content"]),
                search=_search_text(brief["content"]),
                entities=self._entity_rows(brief["content"]),
                correction=note if previous is not None else None,
            )
            before = {"status": brief["status"], "published_version": current["version"] if current else None}
            after = {"status": "published", "published_version": version,
                     "superseded": current["version"] if current else None}
            self.store.publish_brief(story_id, version, publication,
                                     _entry(editor, "publish", story_id, version, before=before, after=after, reason=note))

    def unpublish(self, user: dict, story_id: int, reason: str) -> None:
        """Take a story off the public pages; a reason is required (it is kept in the audit log)."""
        editor = _editor(user, "unpublish a story")
        reason = _clean(reason)
        if not reason:
            raise NewsroomError(f"a reason is required to unpublish story {story_id}")
        with self.store.transaction():
            current = self.store.published_brief(story_id)
            if current is None:
                raise NewsroomError(f"story {story_id} is not published")
            entry = _status_entry(editor, "unpublish", current, "unpublished", reason)
            self.store.unpublish_brief(story_id, current["version"], entry)

    # ------------------------------------------------------------------ helpers

    def _gate_edit(self, story_id: int, base: dict[str, Any], headline: str, dek: str, bullets: list[dict],
                   parts: DraftParts) -> tuple[tuple[Line, Line, list[Line]], dict[str, list], Verdict]:
        """The edited headline, dek, bullets and other parts as lines with evidence, and the gate's verdict
        on them (the edited sections come back as content items with their verdicts)."""
        desk = BriefDesk(self.store, self.settings, self.embedder)
        material = desk.material(self.store.get_story(story_id))
        gate = desk.gate_for(material)
        lines = _edited_lines(material, gate, base["content"], headline, dek, bullets)
        try:
            sections = edit_sections(material, gate.embed, base["content"], parts)
        except EditError as exc:
            raise NewsroomError(f"the edit of story {story_id}: {exc}") from None
        gate.check_all([lines[0], lines[1], *lines[2], *(ln for _, group in sections.lines for ln in group)])
        verdict = summary([("headline", [lines[0]]), ("dek", [lines[1]]), ("quick take", lines[2]), *sections.lines])
        return lines, sections.finish(), verdict

    def _version(self, story_id: int, version: int) -> dict[str, Any]:
        brief = self.store.get_brief(story_id, version)
        if brief is None:
            raise NewsroomError(f"story {story_id} has no version {version}")
        return brief

    def _entity_rows(self, content: dict[str, Any]) -> list[tuple[str, str, str, str | None, int]]:
        """The people, organisations and places of a brief's articles, linked as the reconciler links
        them (:func:`newsdesk.facts.entities.link` over the stored facts), one row per written form."""
        ids = [a["id"] for a in content.get("articles", [])]
        stored = self.store.facts(ids, FACTS_VERSION)
        mentions = {aid: ArticleFacts.from_dict(json.loads(blob)).mentions for aid, blob in stored.items()}
        entities, _ = link(mentions)
        rows = []
        for entity in entities:
            words = entity_key(entity.name).split()
            surname = words[-1] if entity.label == "person" and len(words) > 1 else None
            for form in dict.fromkeys([entity.name, *entity.names]):
                if entity_key(form):
                    rows.append((entity.name, entity.label, entity_key(form), surname, entity.mentions))
        return rows


# ---------------------------------------------------------------------- checks


def _editor(user: dict | None, doing: str) -> dict[str, Any]:
    """The signed-in editor; every write needs one."""
    if not user or not user.get("name") or user.get("role") not in ROLES:
        raise NewsroomError(f"only a signed-in editor can {doing}")
    return user


def _status(brief: dict[str, Any]) -> str:
    return brief["status"].replace("_", " ")


def _check_gate(brief: dict[str, Any]) -> None:
    if brief["gate_passed"] or brief.get("override_reason"):
        return
    reasons = brief["content"].get("gate", {}).get("reasons", [])
    first = f" (first: {reasons[0]})" if reasons else ""
    raise NewsroomError(
        f"version {brief['version']} of story {brief['story_id']} failed the gate with {len(reasons)} "
        f"reason{'s' if len(reasons) != 1 else ''}{first} and has no override; edit it first")


def _check_publishable(brief: dict[str, Any]) -> None:
    where = f"version {brief['version']} of story {brief['story_id']}"
    if brief["status"] == "rejected":
        raise NewsroomError(f"{where} was rejected; it cannot be published")
    if brief["status"] == "published":
        raise NewsroomError(f"{where} is already published")
    _check_gate(brief)


def _check_edit(story_id: int, headline: str, dek: str, bullets: list[dict]) -> None:
    if not headline:
        raise NewsroomError(f"the edit of story {story_id} has no headline")
    if len(headline) > HEADLINE_CHARS:
        raise NewsroomError(f"the headline of story {story_id} is {len(headline)} characters long; "
                            f"{HEADLINE_CHARS} at most")
    if not dek:
        raise NewsroomError(f"the edit of story {story_id} has no dek")
    if not bullets:
        raise NewsroomError(f"the edit of story {story_id} has no Quick Take bullet")


def _clean(text: str | None) -> str | None:
    """Text with runs of white space made one space; None when nothing is left."""
    if text is None:
        return None
    return " ".join(str(text).split()) or None


def _clean_bullets(bullets: list[dict]) -> list[dict[str, Any]]:
    out = []
    for b in bullets or []:
        text = _clean(b.get("text"))
        if text:
            cited = b.get("citations") or []
            if isinstance(cited, str):  # "id1, id2" as typed in a form
                cited = cited.split(",")
            citations = [str(c).strip() for c in cited if str(c).strip()]
            out.append({"text": text, "citations": list(dict.fromkeys(citations))})
    return out


# ---------------------------------------------------------------------- the edited version


def _edited_lines(material: Material, gate, base: dict[str, Any], headline: str, dek: str,
                  bullets: list[dict]) -> tuple[Line, Line, list[Line]]:
    """Headline, dek and bullets as gate lines. A line the editor left as it was keeps its evidence;
    a new or changed bullet gets evidence from each article it cites (the sentences most alike it)."""
    before = {(b["text"], frozenset(b["citations"])): b for b in base.get("quick_take", [])}  # ticked in any order
    lines = [_bullet_line(material, gate, before.get((b["text"], frozenset(b["citations"]))), b) for b in bullets]
    cited = list(dict.fromkeys(a for line in lines for a in line.citations if a in material.sources))
    context = [Evidence(a, 0, len(material.sources[a].title), material.sources[a].title, "title")
               for a in cited if material.sources[a].title]
    context += [e for line in lines for e in line.evidence]
    return (_title_line(headline, base.get("headline_source"), cited, context),
            _title_line(dek, base.get("dek_source"), cited, context), lines)


def _bullet_line(material: Material, gate, prior: dict | None, bullet: dict) -> Line:
    if prior is not None:
        return Line.from_dict(prior | {"gate": None})
    cites = bullet["citations"]
    evidence = [e for a in cites if a in material.sources for e in evidence_for(material, a, bullet["text"], gate.embed)]
    consensus = independent_count(material.sources, cites) >= 2
    return Line(bullet["text"], cites, evidence, consensus=consensus, label=None if consensus else cited_label(material.sources, cites))


def _title_line(text: str, prior: dict | None, cited: list[str], context: list[Evidence]) -> Line:
    """A headline or dek: as the writer had it when unchanged, else checked like an LLM's (its numbers,
    names and quotes must be in the titles of the cited articles or the bullets' evidence)."""
    if prior is not None and prior.get("text") == text:
        return Line.from_dict(prior | {"gate": None})
    return Line(text, list(cited), list(context), prose=False)


def _edited_content(base: dict[str, Any], lines: tuple[Line, Line, list[Line]], sections: dict[str, list],
                    gate: dict[str, Any], editor: dict, override: str | None) -> tuple[dict[str, Any], list[str]]:
    """The new version's content and which carried lines were left out because the gate refused them
    (only sections the editor did not send are carried)."""
    headline, dek, bullets = lines
    content = dict(base["content"]) | sections
    dropped: list[str] = []
    for key in CARRIED:
        if key in sections:
            continue
        kept = [item for item in content.get(key, []) if (item.get("gate") or {}).get("passed")]
        dropped += [f"{key.replace('_sentences', '')} {i}" for i, item in enumerate(content.get(key, []), 1)
                    if item not in kept]
        content[key] = kept
    content["body"] = " ".join(item["text"] for item in content.get("body_sentences", []))
    content.update({
        "headline": headline.text, "dek": dek.text,
        "headline_source": headline.as_dict(), "dek_source": dek.as_dict(),
        "quick_take": [ln.as_dict() | {"status": "consensus" if ln.consensus else "single-source"} for ln in bullets],
        "gate": gate,
        "writer": f"editor:{editor['name']}",
        "edited": {"by": editor["name"], "from_version": base["version"], "override": override, "dropped": dropped},
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    })
    return content, dropped


def _edit_changes(base: dict[str, Any], content: dict[str, Any], editor: dict, dropped: list[str]) -> dict[str, Any]:
    """What's new: the edit (which parts the editor changed) and any change of the facts since the base."""
    changes = whats_new(base["content"], content)
    edited = [part for part, key in EDITABLE if _texts(base["content"].get(key)) != _texts(content.get(key))]
    said = [f"edited by {editor['name']}: {', '.join(edited) or 'nothing changed'}"]
    if dropped:
        said.append(_dropped_note(dropped))
    facts = [s for s in changes.get("summary", []) if s != "no change in the facts"]
    return changes | {"edited": edited, "summary": said + facts}


def _texts(value: Any) -> Any:
    """What an editor changes of a part: its text, and a line's citations (and a difference's sides)."""
    if not isinstance(value, list):
        return value
    return [(b["text"], tuple(b.get("citations", [])), tuple((s["value"], tuple(s["articles"])) for s in b.get("sides", [])))
            for b in value]


def _dropped_note(dropped: list[str]) -> str | None:
    return f"left out {len(dropped)} line(s) the gate refused: {', '.join(dropped)}" if dropped else None


def _verdict_rows(content: dict[str, Any]) -> list[tuple[str, int, str, bool, list[str]]]:
    """Per line of a brief: the gate's verdict, as ``Store.save_brief`` keeps it."""
    return [(section, pos, line["text"], bool(line["gate"] and line["gate"]["passed"]),
             line["gate"]["reasons"] if line["gate"] else ["not checked"])
            for section, pos, line in content_lines(content)]


# ---------------------------------------------------------------------- audit and indexes


def _entry(editor: dict, action: str, story_id: int, version: int | None, *, before: Any = None, after: Any = None,
           reason: str | None = None) -> AuditEntry:
    return AuditEntry(editor.get("id"), editor["name"], action, story_id, version, before, after, reason)


def _status_entry(editor: dict, action: str, brief: dict[str, Any], status: str, reason: str | None = None) -> AuditEntry:
    return _entry(editor, action, brief["story_id"], brief["version"], before={"status": brief["status"]},
                  after={"status": status}, reason=reason)


def _summary(brief_or_content: dict[str, Any]) -> dict[str, Any]:
    """What the audit log keeps of a version: its number, status and the editable text."""
    content = brief_or_content.get("content", brief_or_content)
    out = {"version": brief_or_content.get("version"), "status": brief_or_content.get("status"),
           "headline": content.get("headline"), "dek": content.get("dek")}
    for _, key in EDITABLE[2:]:
        out[key] = [{"text": b["text"], "citations": b.get("citations", [])} for b in content.get(key, [])]
    return out


def _search_text(content: dict[str, Any]) -> tuple[str, str, str]:
    """Headline, dek, and the rest of a brief's text (Quick Take and body) for the search index."""
    bullets = " ".join(b["text"] for b in content.get("quick_take", []))
    return content.get("headline") or "", content.get("dek") or "", f"{bullets} {content.get('body') or ''}".strip()
