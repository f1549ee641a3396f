"""Briefs as Markdown: what ``digest --markdown`` and ``brief ID`` print.

Citations are shown as bracketed source numbers ([1], [2]) that refer to the
"Sources" list at the end, grouped by independent origin. Text from articles is
escaped for Markdown so that it cannot turn into links or markup.
"""

from __future__ import annotations

import re
from typing import Any

# Characters that make markup anywhere in a line. Brackets are escaped, so "(" can never open a
# link target and "!" never an image; "#", "+" and "-" only matter at the start of a line, and the
# text always follows a marker there ("- ", "# ").
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|])")


def escape_md(text: str) -> str:
    """One line of text that Markdown shows as written: no links, emphasis, HTML or tables."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def _numbers(content: dict[str, Any]) -> dict[str, int]:
    return {a["id"]: k for k, a in enumerate(content["articles"], 1)}


def _cite(numbers: dict[str, int], citations: list[str]) -> str:
    return "".join(f"[{numbers[c]}]" for c in citations if c in numbers)


def _flag(line: dict[str, Any]) -> str:
    gate = line.get("gate")
    if gate and not gate["passed"]:
        return " ⚠ *needs review: " + escape_md("; ".join(gate["reasons"])) + "*"
    return ""


def markdown(content: dict[str, Any]) -> str:
    n = _numbers(content)
    status = content.get("status")
    gate = content.get("gate", {})
    out = [f"# {escape_md(content['headline'])}", ""]
    if content.get("dek"):
        out += [f"*{escape_md(content['dek'])}*", ""]
    meta = f"Story {content['id']} · {len(content['articles'])} articles · {content['independent_origins']} independent origins"
    if content.get("version"):
        meta += f" · version {content['version']}"
    if status:
        meta += f" · {status.replace('_', ' ')}"
    meta += " · gate: " + ("passed" if gate.get("passed") else f"{len(gate.get('reasons', []))} problems")
    out += [meta, ""]

    new = content.get("whats_new") or {}
    if new and not new.get("first_version"):
        out += ["## What's new", ""] + [f"- {escape_md(s)}" for s in new.get("summary", [])]
        for fig in new.get("changed_figures", []):
            out.append(f"- {escape_md(fig['what'])}: {escape_md(', '.join(fig['before']))} → {escape_md(', '.join(fig['after']))}")
        out.append("")

    out += ["## Quick Take", ""]
    for line in content["quick_take"]:
        label = f" *({line['label']})*" if line.get("label") else ""
        out.append(f"- {escape_md(line['text'])}{label} {_cite(n, line['citations'])}{_flag(line)}")
    out.append("")

    if content.get("body_sentences"):
        out += ["## The story", ""]
        out.append(" ".join(f"{escape_md(s['text'])} {_cite(n, s['citations'])}{_flag(s)}" for s in content["body_sentences"]))
        out.append("")

    if content.get("differences"):
        out += ["## Where sources differ", ""]
        for d in content["differences"]:
            sides = "; ".join(f"{escape_md(side['value'])} {_cite(n, side['articles'])}" for side in d["sides"])
            out.append(f"- {escape_md(_topic(d))}: {sides}{_flag(d)}")
        out.append("")

    if content.get("developments"):
        out += ["## Developments", ""]
        for d in content["developments"]:
            steps = " → ".join(_step(n, v) for v in d["values"])
            out.append(f"- {escape_md(_topic(d))}: {steps}{_flag(d)}")
        out.append("")

    if content.get("quotes"):
        out += ["## Key quotes", ""]
        for q in content["quotes"]:
            out.append(f"- **{escape_md(q['speaker'])}**: “{escape_md(q['quote'].strip().rstrip(','))}” {_cite(n, q['citations'])}{_flag(q)}")
            for v in q.get("variants", []):
                kind = f" ({v['change']} change)" if v.get("change") else ""
                out.append(f"  - also quoted as: “{escape_md(v['text'].strip().rstrip(','))}”{kind} {_cite(n, v['articles'])}")
        out.append("")

    if content.get("timeline"):
        out += ["## Timeline", ""]
        for t in content["timeline"]:
            when = t["date"] or t["when"]
            out.append(f"- **{escape_md(when)}** — {escape_md(t['text'])} {_cite(n, t['citations'])}{_flag(t)}")
        out.append("")

    out += ["## Sources", ""]
    for k, group in enumerate(content.get("origins", []), 1):
        members = group["articles"]
        out.append(f"- Origin {k}" + (f" ({len(members)} articles: one report retold)" if len(members) > 1 else ""))
        by_id = {a["id"]: a for a in content["articles"]}
        for aid in members:
            a = by_id[aid]
            bits = [b for b in (a.get("source"), (a.get("published") or "")[:16].replace("T", " ")) if b]
            where = f" — {escape_md(' · '.join(bits))}" if bits else ""
            url = a.get("url") or ""
            link = f" <{url}>" if re.match(r"^https?://[^\s<>]+$", url) else ""
            out.append(f"  - [{n[aid]}] {escape_md(a.get('title') or aid)}{where}{link}")
    if content.get("note"):
        out += ["", f"*Note: {escape_md(content['note'])}*"]
    return "\n".join(out) + "\n"


def _step(numbers: dict[str, int], value: dict[str, Any]) -> str:
    """One value of a development: "120 flights (Tue 3 Mar) [1]", the latest one marked."""
    when = f" ({escape_md(value.get('when') or value['date'])})" if value.get("when") or value.get("date") else ""
    latest = " *(latest)*" if value.get("current") else ""
    return f"{escape_md(value['value'])}{when} {_cite(numbers, value['articles'])}{latest}"


def _topic(d: dict[str, Any]) -> str:
    topic = d["topic"]
    return topic[:1].upper() + topic[1:]
