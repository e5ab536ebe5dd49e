"""``sentences`` + ``paragraphs`` -> the ``attributions`` table.

Only English body sentences that ``cues.is_candidate`` lets through are parsed, in one
``nlp.pipe`` without the entity recogniser; the recogniser then runs only on the parsed
sentences that hold a statement (it costs as much as the rest of the pipeline and serves only
to name speakers). Each article is then read in order, so that a pronoun speaker takes the most
recent fitting name before it (``speakers.NameMemory``) and a continued quotation the speaker
of the one before.

A continued quotation: a sentence with no statement of its own that is all one quotation (it
opens with a quote mark, or closes one opened before), right after a sentence whose statement
was quoted (direct or mixed). It needs no parse. It is that speaker's: the row repeats the
speaker (text and raw offsets, which point back into the earlier sentence), has no cue (its
sentence holds none: the cue columns are null), ``continued_quote`` true, the quotation as its
content and kind ``direct``.

A cue that ends in a colon with nothing after it ("He said:") introduces the next sentence:
that sentence is the statement's content.

Offsets are into ``articles.raw_text``: paragraph ``raw_start`` + sentence ``char_start`` +
offset in the sentence.

A speaker's name gets its ``speaker_actor`` and ``speaker_role`` from a ``RoleLookup`` on the
article's day (its ``published_at`` date, else the run date): who Sergei Lavrov was in 1995 is
not who he is now.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:  # annotations only: importing stages never imports spaCy
    from spacy.language import Language
    from spacy.tokens import Doc

from stages.attribution.cues import is_candidate
from stages.attribution.extract import RELATIVE, Statement, noun_phrase, quotations, read
from stages.attribution.speakers import NameMemory, name_of, remember_entities
from stages.roles import Affiliation, RoleLookup
from stages.schemas import frame
from stages.stance import TAGGED_LANGUAGE

BATCH_SIZE = 128
# Sentences parsed, read and named before the next ones are parsed: bounds the docs held.
PARSE_BLOCK = 4 * BATCH_SIZE
# The pipeline component that names speakers, run after the parse on the sentences it serves.
RECOGNISER = "ner"
Resolver = Callable[[str], Affiliation | None]  # a name -> its affiliation on the article's day


@dataclass(frozen=True)
class _Sentence:
    article_id: str
    sentence_index: int
    text: str
    base: int  # raw offset of the sentence's first character


@dataclass(frozen=True)
class _Parsed:
    doc: Doc
    statements: list[Statement]


def _body(sentences: pd.DataFrame, paragraphs: pd.DataFrame) -> list[_Sentence]:
    """The English body sentences, in article and sentence order."""
    body = sentences[(sentences["language"] == TAGGED_LANGUAGE) & ~sentences["is_heading"].astype(bool)]
    starts: dict[tuple[str, int], int] = {
        (str(a), int(p)): int(r)
        for a, p, r in zip(
            paragraphs["article_id"], paragraphs["paragraph_index"], paragraphs["raw_start"], strict=True
        )
    }
    body = body.sort_values(["article_id", "sentence_index"])
    columns = ("article_id", "sentence_index", "paragraph_index", "text", "char_start")
    return [
        _Sentence(str(a), int(i), str(text), starts[(str(a), int(p))] + int(char_start))
        for a, i, p, text, char_start in zip(*(body[c] for c in columns), strict=True)
    ]


def _parse(nlp: Language, sentences: list[_Sentence]) -> Iterator[_Parsed]:
    """Each sentence parsed and read, in order; the recogniser run only where there is a
    statement. ``PARSE_BLOCK`` sentences at a time, so a chunk's docs are never all held."""
    later = [RECOGNISER] if RECOGNISER in nlp.pipe_names else []
    for first in range(0, len(sentences), PARSE_BLOCK):
        block = sentences[first : first + PARSE_BLOCK]
        docs = nlp.pipe((s.text for s in block), batch_size=BATCH_SIZE, disable=later)
        parsed = [_Parsed(doc, read(doc)) for doc in docs]
        if later:
            speaking = [p.doc for p in parsed if p.statements]
            recogniser: Any = nlp.get_pipe(RECOGNISER)  # a spaCy pipe; its stubs type it as a callable
            for _ in recogniser.pipe(speaking, batch_size=BATCH_SIZE):
                pass  # sets each doc's entities in place
        yield from parsed


def _is_whole_quote(text: str, quotes: list[tuple[int, int]]) -> tuple[int, int] | None:
    """The quotation that is all of ``text`` (bar punctuation around it), or None."""
    stripped = text.strip()
    if len(quotes) != 1 or not stripped:
        return None
    start, end = quotes[0]
    rest = (text[:start] + text[end:]).strip(" .,;:!?")
    return (start, end) if not rest else None


def _whole(text: str) -> tuple[int, int] | None:
    """All of ``text`` but the space around it, or None when it is blank."""
    stripped = text.strip()
    if not stripped:
        return None
    start = text.index(stripped)
    return start, start + len(stripped)


class _ArticleReader:
    """Reads one article's sentences in order into ``made`` (see the module doc)."""

    def __init__(self, resolve: Resolver | None) -> None:
        self.memory = NameMemory()
        self.resolve = resolve
        self.made: list[dict[str, Any]] = []
        self.previous: tuple[int, dict[str, Any]] | None = None  # last quoted row and its sentence
        self.introducing: tuple[int, dict[str, Any]] | None = None  # a "He said:" row waiting
        self.last_quote: tuple[int, dict[str, Any]] | None = None  # the sentence before, all a quote

    def read(self, sentence: _Sentence, parsed: _Parsed | None) -> None:
        quotes = quotations(sentence.text)
        whole = _is_whole_quote(sentence.text, quotes)
        introduced = self._introduced(sentence, whole)
        made = self._statements(sentence, parsed, quotes) if parsed is not None else []
        if introduced is not None and not made:
            made, self.previous = [], (sentence.sentence_index, introduced) if whole is not None else None
        elif not made:
            made = self._continued(sentence, whole)
        if made or introduced is None:
            quoted = [row for row in made if row["kind"] in ("direct", "mixed")]
            self.previous = (sentence.sentence_index, quoted[-1]) if quoted else None
        self.last_quote = (sentence.sentence_index, _piece("content", sentence, whole)) if whole else None
        self.made.extend(made)

    def _statements(
        self, sentence: _Sentence, parsed: _Parsed, quotes: list[tuple[int, int]]
    ) -> list[dict[str, Any]]:
        doc, made, cursor = parsed.doc, [], 0
        for statement in parsed.statements:
            if statement.speaker is not None and statement.speaker[0] > cursor:
                remember_entities(doc, self.memory, quotes, cursor, statement.speaker[0])
                cursor = statement.speaker[0]
            row = self._row(sentence, doc, statement)
            if statement.content_in == "previous" and not self._takes_previous(sentence, row):
                continue
            if statement.content_in == "next":
                self.introducing = (sentence.sentence_index, row)
            made.append(row)
        remember_entities(doc, self.memory, quotes, cursor, len(sentence.text))
        return made

    def _takes_previous(self, sentence: _Sentence, row: dict[str, Any]) -> bool:
        """Give ``row`` the sentence before as its content when that is all a quotation
        ('"We will win." / Trump said.'), taking it from a statement it was read to continue."""
        if self.last_quote is None or self.last_quote[0] != sentence.sentence_index - 1:
            return False
        row.update(self.last_quote[1], kind="direct")
        before = self.last_quote[0]
        self.made = [r for r in self.made if not (r["continued_quote"] and r["sentence_index"] == before)]
        return True

    def _introduced(self, sentence: _Sentence, whole: tuple[int, int] | None) -> dict[str, Any] | None:
        """The waiting "He said:" row, given this sentence as its content; None when none waits."""
        if self.introducing is None or self.introducing[0] != sentence.sentence_index - 1:
            self.introducing = None
            return None
        row, self.introducing = self.introducing[1], None
        row.update(_piece("content", sentence, whole or _whole(sentence.text)))
        row["kind"] = "direct" if whole is not None else "indirect"
        return row

    def _continued(self, sentence: _Sentence, whole: tuple[int, int] | None) -> list[dict[str, Any]]:
        if whole is None or self.previous is None or self.previous[0] != sentence.sentence_index - 1:
            return []
        row = dict(self.previous[1], sentence_index=sentence.sentence_index, kind="direct")
        row.update(_piece("cue", sentence, None), continued_quote=True)
        row.update(_piece("content", sentence, whole))
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
        found = self.resolve(name) if name is not None and self.resolve is not None else None
        row["speaker_actor"] = found.actor if found is not None else None
        row["speaker_role"] = found.role if found is not None else None
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


def _on_day(resolve: RoleLookup | None, day: Callable[[], dt.date]) -> Resolver | None:
    """``resolve`` on one article's day (asked for when first needed)."""
    if resolve is None:
        return None
    return lambda name: resolve(name, day())


def _read_all(
    body: list[tuple[_Sentence, bool]],
    parsed: Iterator[_Parsed],
    resolve: RoleLookup | None,
    day_of: Callable[[str], dt.date],
) -> list[dict[str, Any]]:
    """Read ``body`` (each sentence and whether it was parsed) in order; ``parsed`` gives the
    parsed ones, in the same order, as they come."""
    rows: list[dict[str, Any]] = []
    reader, article = _ArticleReader(None), None
    for sentence, is_parsed in body:
        if sentence.article_id != article:
            rows.extend(reader.made)
            article = sentence.article_id
            reader = _ArticleReader(_on_day(resolve, partial(day_of, article)))
        reader.read(sentence, next(parsed) if is_parsed else None)
    return rows + reader.made


def attributions(
    sentences: pd.DataFrame,
    paragraphs: pd.DataFrame,
    nlp: Language,
    resolve: RoleLookup | None = None,
    dates: Mapping[str, dt.date] | None = None,
    run_date: dt.date | None = None,
) -> pd.DataFrame:
    """The ``attributions`` rows of ``sentences`` (see the module doc); ``nlp`` is a spaCy
    pipeline with a parser and NER, ``resolve`` gives a speaker's name its affiliation on a
    day: the article's in ``dates`` (article_id -> its publication date), else ``run_date``
    (a ``ValueError`` when an article needs a day and has neither)."""

    def day_of(article_id: str) -> dt.date:
        day = (dates or {}).get(article_id, run_date)
        if day is None:
            raise ValueError(
                f"article {article_id}: no publication date and no run_date to resolve speakers on"
            )
        return day

    body = [(s, is_candidate(s.text)) for s in _body(sentences, paragraphs)]
    parsed = _parse(nlp, [s for s, is_parsed in body if is_parsed])
    return frame("attributions", _read_all(body, parsed, resolve, day_of))


__all__ = ["attributions"]
