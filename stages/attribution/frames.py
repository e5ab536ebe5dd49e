"""``sentences`` + ``paragraphs`` -> the ``attributions`` table.

Only English body sentences that ``cues.is_candidate`` lets through are parsed (one
``nlp.pipe`` over all of them). Each article is then read in order, so that a pronoun
speaker takes the most recent fitting name before it (``speakers.NameMemory``) and a
continued quotation the speaker of the one before.

A continued quotation: a sentence with no cue of its own that is all one quotation (it
opens with a quote mark, or closes one opened before), right after a sentence whose
statement was quoted (direct or mixed). It is that speaker's: the row repeats the cue
and speaker (their text and raw offsets, which point back into the earlier sentence),
``continued_quote`` true and the quotation as its content, kind ``direct``. Repeating the
cue keeps the cue columns non-null and every offset true, and a reader can tell the row
from the one it continues by ``continued_quote``.

Offsets are into ``articles.raw_text``: paragraph ``raw_start`` + sentence ``char_start`` +
offset in the sentence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:  # annotations only: importing stages never imports spaCy
    from spacy.language import Language
    from spacy.tokens import Doc

from stages.attribution.cues import is_candidate
from stages.attribution.extract import RELATIVE, Statement, noun_phrase, quotations, read
from stages.attribution.speakers import NameMemory, name_of, remember_entities
from stages.schemas import frame
from stages.stance import TAGGED_LANGUAGE

BATCH_SIZE = 128
Resolver = Callable[[str], str | None]


@dataclass(frozen=True)
class _Sentence:
    article_id: str
    sentence_index: int
    text: str
    base: int  # raw offset of the sentence's first character


def _candidates(sentences: pd.DataFrame, paragraphs: pd.DataFrame) -> list[_Sentence]:
    """The English body sentences worth parsing, in article and sentence order."""
    body = sentences[(sentences["language"] == TAGGED_LANGUAGE) & ~sentences["is_heading"].astype(bool)]
    starts: dict[tuple[str, int], int] = {
        (str(a), int(p)): int(r)
        for a, p, r in zip(
            paragraphs["article_id"], paragraphs["paragraph_index"], paragraphs["raw_start"], strict=True
        )
    }
    body = body.sort_values(["article_id", "sentence_index"])
    found = []
    columns = ("article_id", "sentence_index", "paragraph_index", "text", "char_start")
    for article_id, index, paragraph, text, char_start in zip(*(body[c] for c in columns), strict=True):
        if is_candidate(str(text)):
            base = starts[(str(article_id), int(paragraph))] + int(char_start)
            found.append(_Sentence(str(article_id), int(index), str(text), base))
    return found


def _is_whole_quote(text: str, quotes: list[tuple[int, int]]) -> tuple[int, int] | None:
    """The quotation that is all of ``text`` (bar punctuation around it), or None."""
    stripped = text.strip()
    if len(quotes) != 1 or not stripped:
        return None
    start, end = quotes[0]
    rest = (text[:start] + text[end:]).strip(" .,;:!?")
    return (start, end) if not rest else None


class _ArticleReader:
    """Reads one article's parsed sentences in order into rows (see the module doc)."""

    def __init__(self, resolve: Resolver | None) -> None:
        self.memory = NameMemory()
        self.resolve = resolve
        self.previous: tuple[int, dict[str, Any]] | None = None  # last quoted row and its sentence

    def rows(self, sentence: _Sentence, doc: Doc) -> list[dict[str, Any]]:
        quotes = quotations(doc.text)
        statements = read(doc)
        made, cursor = [], 0
        for statement in statements:
            if statement.speaker is not None and statement.speaker[0] > cursor:
                remember_entities(doc, self.memory, quotes, cursor, statement.speaker[0])
                cursor = statement.speaker[0]
            made.append(self._row(sentence, doc, statement))
        remember_entities(doc, self.memory, quotes, cursor, len(doc.text))
        if not statements:
            made = self._continued(sentence, quotes)
        quoted = [row for row in made if row["kind"] in ("direct", "mixed")]
        self.previous = (sentence.sentence_index, quoted[-1]) if quoted else None
        return made

    def _continued(self, sentence: _Sentence, quotes: list[tuple[int, int]]) -> list[dict[str, Any]]:
        whole = _is_whole_quote(sentence.text, quotes)
        if whole is None or self.previous is None or self.previous[0] != sentence.sentence_index - 1:
            return []
        row = dict(self.previous[1], sentence_index=sentence.sentence_index, kind="direct")
        row.update(_piece("content", sentence, whole), continued_quote=True)
        return [row]

    def _name(self, doc: Doc, statement: Statement, speaker: str) -> str | None:
        if statement.speaker_head is None:
            return None
        if statement.speaker_is_pronoun:
            return self.memory.antecedent(speaker)
        head = doc[statement.speaker_head]
        if speaker.lower() in RELATIVE:  # "who": the noun it hangs on names it
            phrase = noun_phrase(doc, head)
            speaker = doc.text[phrase[0] : phrase[1]] if phrase is not None else head.text
        name, label = name_of(doc, head, speaker)
        name = self.memory.complete(name) if label in ("PERSON", "ORG", "GPE") else name
        label = self.memory.label(name, label)
        if label is not None:
            self.memory.add(label, name)
        return name

    def _row(self, sentence: _Sentence, doc: Doc, statement: Statement) -> dict[str, Any]:
        row: dict[str, Any] = {
            "article_id": sentence.article_id,
            "sentence_index": sentence.sentence_index,
            "kind": statement.kind,
            **_piece("speaker", sentence, statement.speaker),
            **_piece("cue", sentence, statement.cue),
            **_piece("content", sentence, statement.content),
            "speaker_is_pronoun": statement.speaker_is_pronoun,
            "continued_quote": False,
            "speaker_role": None,
        }
        name = self._name(doc, statement, row["speaker"]) if row["speaker"] is not None else None
        row["speaker_name"] = name
        row["speaker_actor"] = self.resolve(name) if name is not None and self.resolve is not None else None
        return row


def _piece(column: str, sentence: _Sentence, span: tuple[int, int] | None) -> dict[str, Any]:
    """``column``, ``column_start``, ``column_end`` of a sentence span, in raw offsets."""
    if span is None:
        return {column: None, f"{column}_start": None, f"{column}_end": None}
    start, end = span
    return {
        column: sentence.text[start:end],
        f"{column}_start": sentence.base + start,
        f"{column}_end": sentence.base + end,
    }


def _read_all(candidates: list[_Sentence], docs: Iterator[Doc], resolve: Resolver | None) -> list[dict]:
    rows: list[dict[str, Any]] = []
    reader, article = _ArticleReader(resolve), None
    for sentence, doc in zip(candidates, docs, strict=True):
        if sentence.article_id != article:
            reader, article = _ArticleReader(resolve), sentence.article_id
        rows.extend(reader.rows(sentence, doc))
    return rows


def attributions(
    sentences: pd.DataFrame,
    paragraphs: pd.DataFrame,
    nlp: Language,
    resolve: Resolver | None = None,
) -> pd.DataFrame:
    """The ``attributions`` rows of ``sentences`` (see the module doc); ``nlp`` is a spaCy
    pipeline with a parser and NER, ``resolve`` maps a speaker's name to an actor id."""
    candidates = _candidates(sentences, paragraphs)
    docs = nlp.pipe((s.text for s in candidates), batch_size=BATCH_SIZE)
    rows = _read_all(candidates, iter(docs), resolve)
    return frame("attributions", rows)


__all__ = ["attributions"]
