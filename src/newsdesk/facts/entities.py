"""People, organisations and places: mentions with roles, and linking within a story.

Mentions come from spaCy's named entities (PERSON → person; ORG → organisation;
GPE, LOC, FAC → place), trimmed of a leading "the", of possessive "'s" and of
anything before a line break (the tagger sometimes runs a heading into a name).

Roles are read from the noun phrase around a person's name, as written:

* title before the name: "US special envoy Steve Witkoff", "Israeli Prime
  Minister Benjamin Netanyahu", "Vice President JD Vance" — the words to the left
  that modify the name in the parse;
* apposition either side: "Majed Al-Ansari, spokesperson for Qatar's foreign
  ministry", "a spokesperson for Qatar's foreign ministry, Majed Al-Ansari",
  "US special envoy for the Middle East, Steve Witkoff" — the phrase headed by a
  common noun, without its determiner and without the name itself.

What is not a name is left out: time zones ("GMT", "EST": :data:`TIME_ZONES`), words with no
capital ("grey", "west coast"), and a common word capitalised because it opens a sentence or a
heading ("Lorry drivers queued …": the article writes it in lower case elsewhere, or the tagger calls it
a common noun). What a name is comes from the tagger, corrected by the text: a title or a role before
a name the tagger called an organisation makes it a person's ("regional organiser Kasia Lindqvist",
"Spokesperson Yusuf Brennard"), and a last word that names a kind of place or organisation decides
those ("Marlow Lane", "Greaves Fibre": :data:`PLACE_WORDS`, :data:`ORGANISATION_WORDS`).

Linking (:func:`link`) joins the mentions of a story into entities: a person
mentioned by surname ("Netanyahu") joins the one full name that ends with it
("Benjamin Netanyahu"); a short form that fits several full names stays apart.
An organisation's short form ("Northway") joins the one longer organisation name
that starts with it ("Northway Lines"), unless it is also written as a place.
Other names join on their normalised form (case, "the", dots: "U.S." = "US") and a
small table of country aliases.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from .model import Mention, Sentence

LABELS = {
    "PERSON": "person",
    "ORG": "organisation",
    "GPE": "place",
    "LOC": "place",
    "FAC": "place",
}

# names that mean the same place; keys and values are normalised forms (see normalise_name)
ALIASES = {
    "us": "united states",
    "usa": "united states",
    "america": "united states",
    "uk": "united kingdom",
    "britain": "united kingdom",
    "great britain": "united kingdom",
    "un": "united nations",
    "eu": "european union",
}

# a role phrase is headed by a common noun; these heads are not roles
NOT_ROLE_HEADS = {"day", "week", "year", "time", "statement", "interview", "report", "people", "thing"}


def normalise_name(name: str) -> str:
    name = name.lower().replace(".", "").replace("’", "'")
    name = re.sub(r"^the\s+", "", name)
    name = re.sub(r"\s+", " ", name).strip()
    return ALIASES.get(name, name)


# titles the tagger sometimes takes into a person's name ("Spokesperson Mirela Sandqvist")
TITLES = {
    "spokesperson", "spokesman", "spokeswoman", "president", "minister", "mayor", "senator", "governor",
    "chairman", "chairwoman", "chair", "chief", "director", "secretary", "judge", "mediator", "envoy",
    "ambassador", "commissioner", "deputy", "general", "captain", "inspector", "officer", "professor",
    "mr", "mrs", "ms", "dr", "sir", "lord", "lady", "rep", "sen", "gov", "prime", "vice",
}


# time zones are not organisations: a class of abbreviations, matched as written
TIME_ZONES = {
    "gmt", "utc", "bst", "ist", "cet", "cest", "eet", "eest", "wet", "west", "msk", "est", "edt", "cst", "cdt",
    "mst", "mdt", "pst", "pdt", "akst", "akdt", "hst", "ast", "adt", "nst", "ndt", "jst", "kst", "hkt", "sgt",
    "aest", "aedt", "acst", "acdt", "awst", "nzst", "nzdt", "pht", "wib", "sast", "cat", "eat", "wat",
}
# last words that make a name an organisation's or a place's, whatever the tagger said
ORGANISATION_WORDS = {
    "ltd", "limited", "inc", "corp", "corporation", "company", "co", "plc", "llc", "group", "holdings", "capital",
    "partners", "bank", "council", "authority", "ministry", "department", "agency", "service", "services",
    "police", "party", "union", "association", "federation", "trust", "club", "society", "institute",
    "university", "college", "school", "hospital", "committee", "commission", "board", "office", "news", "times",
    "herald", "post", "wire", "ledger", "radio", "tv", "television", "ferries", "lines", "airlines", "airways",
    "logistics", "buses", "rail", "railways", "motors", "energy", "fibre", "fiber", "mills", "foods", "media",
    "press", "network", "alliance", "independents", "fc", "rovers", "united", "foundation", "coalition",
    "organisation", "organization", "army", "navy", "forces", "court", "senate", "parliament", "assembly",
}
PLACE_WORDS = {
    "road", "street", "lane", "way", "avenue", "boulevard", "drive", "park", "bridge", "quay", "square",
    "island", "islands", "river", "valley", "pier", "harbour", "harbor", "estate", "hill", "heights", "green",
    "market", "station", "airport", "port", "bay", "lake", "mountain", "county", "province", "district",
}
LOWER_WORD = re.compile(r"\b[a-z][a-z’'-]+\b")


def _kind_by_words(name: str, label: str) -> str:
    """The label a name's last word gives it ("Marlow Lane": a place; "Greaves Fibre": an organisation)."""
    words = re.findall(r"[\w’'.]+", name)
    if len(words) < 2:
        return label
    last = words[-1].lower().rstrip(".")
    if last in PLACE_WORDS and label != "organisation":
        return "place"
    if last in ORGANISATION_WORDS:
        return "organisation"
    if last in PLACE_WORDS:
        return "place"
    return label


def _common_noun(doc, start: int, end: int) -> bool:
    """A one-word "name" that is a common word written with a capital because it opens a sentence or a
    heading ("Lorry drivers queued …", "Hauliers said …"): the article writes it in lower case elsewhere,
    or the tagger calls it a common noun."""
    if end - start != 1:
        return False
    token = doc[start]
    initial = token.is_sent_start or start == 0 or doc[start - 1].text in {"\n", "\"", "“", "‘", "(", ":"} \
        or "\n" in doc[start - 1].whitespace_ or "\n" in doc[start - 1].text
    if not initial:
        return False
    if token.tag_ in {"NN", "NNS"} or not token.text[:1].isupper():
        return True
    return token.lower_ in {w.lower() for w in LOWER_WORD.findall(doc.text)}


def _trim_entity(ent) -> tuple[int, int] | None:
    """Token bounds of an entity without a leading line, "the", titles or a trailing "'s"."""
    start, end = ent.start, ent.end
    doc = ent.doc
    for i in range(end - 1, start - 1, -1):
        if "\n" in doc[i].text or "\n" in doc[i].whitespace_:
            start = i + 1
            break
    while start < end and (
        doc[start].lower_ == "the" or doc[start].is_space or doc[start].is_punct
        or doc[start].pos_ in {"VERB", "ADP", "ADV", "SCONJ", "CCONJ"}  # "Following Netanyahu"
    ):
        start += 1
    while end > start and (doc[end - 1].tag_ == "POS" or doc[end - 1].is_punct or doc[end - 1].is_space):
        end -= 1
    if ent.label_ == "PERSON":
        while end - start > 1 and doc[start].lower_.rstrip(".") in TITLES:
            start += 1
    return (start, end) if end > start else None


def _role_before(doc, start: int, end: int) -> tuple[int, int] | None:
    """Title words directly left of a name that modify it: "US special envoy [Steve Witkoff]"."""
    inside = set(range(start, end))
    i = start - 1
    first = start
    while i >= 0:
        token = doc[i]
        if token.text == "-" and i > 0:  # "Vice-President"
            i -= 1
            continue
        if token.dep_ not in {"compound", "amod", "nmod", "npadvmod"} or token.is_punct:
            break
        # the word must hang (directly or through other title words) on the name
        head = token.head
        while head.i not in inside and head.i < start and head.i > i:
            head = head.head
        if head.i not in inside:
            break
        if token.ent_type_ == "PERSON":
            break
        first = i
        i -= 1
    if first == start:
        return None
    if not any(doc[k].pos_ in {"NOUN", "PROPN"} and doc[k].ent_type_ not in {"GPE", "NORP"} for k in range(first, start)):
        return None
    return first, start


def _phrase_bounds(token, skip: set[int]) -> tuple[int, int]:
    """The unbroken run of ``token``'s subtree around it, without ``skip`` and edge determiners."""
    inside = {t.i for t in token.subtree} - skip
    start = end = token.i
    while start - 1 in inside:
        start -= 1
    while end + 1 in inside:
        end += 1
    end += 1
    doc = token.doc
    while start < end and (doc[start].dep_ == "det" or doc[start].is_punct):
        start += 1
    while end > start and doc[end - 1].is_punct:
        end -= 1
    return start, end


def _role_apposition(doc, start: int, end: int) -> tuple[int, int] | None:
    """The appositive phrase around a name, headed by a common noun."""
    name_head = doc[end - 1]
    candidates = [child for child in name_head.children if child.dep_ == "appos"]
    if name_head.dep_ == "appos":
        candidates.append(name_head.head)
    for noun in candidates:
        if noun.pos_ != "NOUN" or noun.lemma_.lower() in NOT_ROLE_HEADS:
            continue
        skip = {t.i for t in name_head.subtree} if noun.i < start else set()
        # the appositive's own relative clauses ("who joined...") are not part of the role
        for child in noun.children:
            if child.dep_ in {"relcl", "acl", "appos"} and child.i != name_head.i:
                skip |= {t.i for t in child.subtree}
        bounds = _phrase_bounds(noun, skip | set(range(start, end)))
        if bounds[1] > bounds[0]:
            return bounds
    return None


def extract_mentions(doc, sentences: list[Sentence]) -> list[Mention]:
    """Named people, organisations and places, with roles for people where the text gives one."""
    starts = [s.start for s in sentences]
    mentions: list[Mention] = []
    for ent in doc.ents:
        label = LABELS.get(ent.label_)
        if label is None:
            continue
        bounds = _trim_entity(ent)
        if bounds is None:
            continue
        start, end = bounds
        span = doc[start:end]
        if not any(ch.isupper() for ch in span.text) or span.text.lower() in TIME_ZONES:
            continue  # a common word ("grey", "west coast") or a time zone ("GMT")
        if _common_noun(doc, start, end):
            continue
        if label != "person" and ent.label_ == "ORG":
            # a name the tagger called an organisation but written with a title ("Spokesperson Yusuf
            # Brennard") or a role before it ("regional organiser Kasia Lindqvist") is a person's
            titled = end - start > 1 and doc[start].lower_.rstrip(".") in TITLES
            if titled:
                start += 1
                span = doc[start:end]
            if titled or (end - start > 1 and _role_before(doc, start, end)
                          and _kind_by_words(span.text, label) == label):
                label = "person"
        label = _kind_by_words(span.text, label)
        role = None
        if label == "person":
            role = _role_apposition(doc, start, end) or _role_before(doc, start, end)
        mention = Mention(
            text=span.text,
            label=label,
            start=span.start_char,
            end=span.end_char,
            sentence=_sentence_index(starts, span.start_char),
        )
        if role is not None:
            role_span = doc[role[0]:role[1]]
            mention.role, mention.role_start, mention.role_end = role_span.text, role_span.start_char, role_span.end_char
        mentions.append(mention)
    return mentions


def _sentence_index(starts: list[int], char: int) -> int:
    from bisect import bisect_right

    return max(0, bisect_right(starts, char) - 1)


# --------------------------------------------------------------------------- linking


@dataclass
class Entity:
    """One person, organisation or place of a story, with every way it was written."""

    name: str
    label: str
    names: Counter = field(default_factory=Counter)
    roles: dict[str, set[str]] = field(default_factory=dict)  # role as written -> article ids
    articles: set[str] = field(default_factory=set)
    mentions: int = 0

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "label": self.label,
            "aliases": sorted(n for n in self.names if n != self.name),
            "roles": [{"role": role, "articles": sorted(ids)} for role, ids in sorted(self.roles.items())],
            "articles": sorted(self.articles),
            "mentions": self.mentions,
        }


def _person_key(name: str) -> tuple[str, ...]:
    return tuple(w for w in re.split(r"[\s]+", normalise_name(name)) if w)


def link(mentions_by_article: dict[str, list[Mention]]) -> tuple[list[Entity], dict[tuple[str, int], Entity]]:
    """Entities of a story, most mentioned first, and the entity of each (article, mention start)."""
    mentions_by_article = {aid: [m for m in mentions if normalise_name(m.text) not in TIME_ZONES]
                           for aid, mentions in mentions_by_article.items()}
    labels: dict[str, Counter] = defaultdict(Counter)
    for mentions in mentions_by_article.values():
        for m in mentions:
            labels[normalise_name(m.text)][_kind_by_words(m.text, m.label)] += 1
    label_of = {name: counts.most_common(1)[0][0] for name, counts in labels.items()}
    surnames = {name for name, label in label_of.items() if label == "person" and len(_person_key(name)) == 1}
    for name, counts in labels.items():
        # "Tomasz Reyhill" tagged a place three times and a person once, "Reyhill" a person: a person
        if counts["person"] and len(_person_key(name)) > 1 and _person_key(name)[-1] in surnames:
            label_of[name] = "person"

    persons = {name for name, label in label_of.items() if label == "person"}
    full = [name for name in persons if len(_person_key(name)) > 1]
    canonical: dict[str, str] = {}
    for name in persons:
        words = _person_key(name)
        if len(words) == 1:
            fits = [f for f in full if _person_key(f)[-1] == words[0]]
            canonical[name] = fits[0] if len(fits) == 1 else name
        else:
            longer = [f for f in full if f != name and _person_key(f)[-len(words):] == words]
            canonical[name] = max(longer, key=len) if len(longer) == 1 else name
    # an organisation's short form ("Northway") joins the one longer name that starts with it ("Northway Lines")
    organisations = [name for name, label in label_of.items() if label == "organisation"]
    for name in organisations:
        if labels[name]["place"]:
            continue  # "Brenmoor" the city is not "Brenmoor City Council"
        words = _person_key(name)
        longer = [o for o in organisations if o != name and _person_key(o)[:len(words)] == words]
        if len(longer) == 1:
            canonical[name] = longer[0]
    # a lone word the tagger did not call a person ("Lindqvist said") that ends one person's full name,
    # and names no organisation of the story, is that person
    for name, label in label_of.items():
        words = _person_key(name)
        if label == "person" or name in canonical or len(words) != 1 or labels[name]["place"]:
            continue
        fits = [f for f in full if _person_key(f)[-1] == words[0]]
        if len(fits) == 1:
            canonical[name] = fits[0]
    for name in label_of:
        canonical.setdefault(name, name)

    entities: dict[str, Entity] = {}
    of_mention: dict[tuple[str, int], Entity] = {}
    for article_id, mentions in mentions_by_article.items():
        for m in mentions:
            key = canonical[normalise_name(m.text)]
            entity = entities.get(key)
            if entity is None:
                entity = entities[key] = Entity(name=m.text, label=label_of[key])
            entity.names[m.text] += 1
            entity.articles.add(article_id)
            entity.mentions += 1
            if m.role:
                entity.roles.setdefault(m.role, set()).add(article_id)
            of_mention[(article_id, m.start)] = entity
    for entity in entities.values():
        # the display name is the longest form written, among the most used ones
        entity.name = max(entity.names, key=lambda n: (len(_person_key(n)), entity.names[n], n))
    ranked = sorted(entities.values(), key=lambda e: (-len(e.articles), -e.mentions, e.name))
    return ranked, of_mention


def same_person(a: str, b: str) -> bool:
    """Whether two written names can be one person: equal, or one is the other's ending ("Netanyahu")."""
    ka, kb = _person_key(a), _person_key(b)
    if not ka or not kb:
        return False
    short, long_ = sorted((ka, kb), key=len)
    return long_[-len(short):] == short
