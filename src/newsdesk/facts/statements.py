"""Statements: a sentence cut into its clauses, the units that claims are made of.

One sentence often says several things ("Netanyahu met Vance and visited Capitol
Hill, where he spoke with Johnson"), and two outlets rarely pack them the same way,
so claims are compared clause by clause. A clause is headed by the sentence's root,
by a verb coordinated with another clause's head (``conj``), by an adverbial clause
(``advcl``: "…, marking the second day") or by a relative clause (``relcl``: "…,
which did not include press coverage"). Its evidence span runs from its first to
its last token once the nested clauses are taken out, without edge punctuation or
conjunctions. A clause without its own subject (a coordinated verb, a participle)
records the subject of the clause it hangs on in ``subject``, so that "visited
Capitol Hill" is compared as "Netanyahu visited Capitol Hill".

Clauses of fewer than :data:`MIN_WORDS` words stay inside their parent clause.
"""

from __future__ import annotations

from .model import Sentence, Statement

CLAUSE_DEPS = {"conj", "advcl", "relcl"}
SUBJECT_DEPS = {"nsubj", "nsubjpass", "csubj", "expl"}
EDGE_WORDS = {"and", "but", "or", "while", "where", "which", "who", "that", "as", "so"}
MIN_WORDS = 5


def _is_clause_head(token) -> bool:
    if token.dep_ == "ROOT":
        return True
    if token.dep_ not in CLAUSE_DEPS or token.pos_ not in {"VERB", "AUX"}:
        return False
    if token.dep_ == "conj" and token.head.pos_ not in {"VERB", "AUX"}:
        return False
    words = sum(1 for t in token.subtree if t.is_alpha)
    return words >= MIN_WORDS


def _subject(token) -> str | None:
    """The subject of the clause headed by ``token``, looking up through coordinated heads."""
    seen = 0
    while token is not None and seen < 6:
        for child in token.children:
            if child.dep_ in SUBJECT_DEPS:
                if child.lower_ in {"which", "who", "that"} and token.dep_ == "relcl":
                    return token.head.text
                start = min(t.i for t in child.subtree)
                end = max(t.i for t in child.subtree) + 1
                return child.doc[start:end].text
        if token.dep_ in {"conj", "advcl", "relcl"} and token.head.i != token.i:
            if token.dep_ == "relcl":
                return token.head.text
            token = token.head
            seen += 1
            continue
        return None
    return None


def _parent_head(head, head_ids: set[int]) -> int | None:
    node = head
    while node.head.i != node.i:
        node = node.head
        if node.i in head_ids:
            return node.idx
    return None


def extract_statements(doc, sentences: list[Sentence]) -> list[Statement]:
    """The clauses of every sentence, in text order, with exact evidence spans."""
    statements: list[Statement] = []
    char_to_sentence = {s.start: i for i, s in enumerate(sentences)}
    sentence_starts = sorted(char_to_sentence)
    from bisect import bisect_right

    for sent in doc.sents:
        heads = [t for t in sent if _is_clause_head(t)]
        if not heads:
            continue
        owner: dict[int, int] = {}
        # assign each token to the nearest clause head above it
        head_ids = {h.i for h in heads}
        for token in sent:
            node = token
            while node.i not in head_ids and node.head.i != node.i:
                node = node.head
            owner[token.i] = node.i if node.i in head_ids else heads[0].i
        for head in heads:
            tokens = [sent.doc[i] for i, h in owner.items() if h == head.i]
            tokens.sort(key=lambda t: t.i)
            while tokens and (tokens[0].is_punct or tokens[0].is_space or tokens[0].lower_ in EDGE_WORDS):
                tokens.pop(0)
            while tokens and (tokens[-1].is_punct or tokens[-1].is_space or tokens[-1].lower_ in EDGE_WORDS):
                tokens.pop()
            if sum(1 for t in tokens if t.is_alpha) < 2:
                continue
            start, end = tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)
            has_subject = any(c.dep_ in SUBJECT_DEPS for c in head.children)
            index = max(0, bisect_right(sentence_starts, start) - 1)
            statements.append(
                Statement(
                    text=doc.text[start:end],
                    start=start,
                    end=end,
                    sentence=char_to_sentence[sentence_starts[index]] if sentence_starts else 0,
                    subject=None if has_subject else _subject(head),
                    head_start=head.idx,
                    head_end=head.idx + len(head.text),
                    parent=_parent_head(head, head_ids),
                )
            )
    statements.sort(key=lambda s: s.start)
    return statements
