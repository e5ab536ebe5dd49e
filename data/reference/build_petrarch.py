"""Convert the PETRARCH2 (Phoenix) actor and agent dictionaries into the compact CSVs here.

    python data/reference/build_petrarch.py --source ../shared/reference/petrarch2

reads ``Phoenix.Countries.actors.txt``, ``Phoenix.International.actors.txt``,
``Phoenix.MilNonState.actors.txt`` and ``Phoenix.agents.txt`` (TABARI format, described in
the source's ``dictionaries.rst``) and writes, next to this script:

- ``petrarch_actors.csv``: ``surface,name,code,start,end``, one row per surface form and code
  period. ``surface`` is the phrase as news writes it ("Sergey Lavrov"; matched
  case-insensitively), ``name`` the record's primary phrase, ``code`` the CAMEO actor code
  (``RUSGOV``), ``start``/``end`` ISO dates, both inclusive; empty means open. A row with
  both empty is the record's default code, used when no dated period holds the day.
- ``petrarch_agents.csv``: ``term,code``, one row per agent phrase (plurals and substitution
  sets expanded), lower case ("human rights group", ``HRI``), the code without its ``~``.

What is dropped (counted on stderr): comments, non-ASCII phrases (mojibake in a format that
is flat ASCII), phrases with a stray ``+`` or nothing left, codes that are not 3k capital
letters, dates that do not parse (a 7-digit "2004017") and ranges that end before they
start, and records that never get a code. The output depends only on the input: rerunning
writes identical bytes. Standard library only.
"""

from __future__ import annotations

import argparse
import collections
import csv
import datetime as dt
import io
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ACTOR_FILES = (
    "Phoenix.Countries.actors.txt",
    "Phoenix.International.actors.txt",
    "Phoenix.MilNonState.actors.txt",
)
AGENT_FILE = "Phoenix.agents.txt"
ACTORS_CSV = "petrarch_actors.csv"
AGENTS_CSV = "petrarch_agents.csv"
ACTOR_COLUMNS = ("surface", "name", "code", "start", "end")
AGENT_COLUMNS = ("term", "code")

# Words kept lower case inside a name ("Organization for Security and Cooperation in Europe").
SMALL_WORDS = frozenset("a an and at by de del der di du for in la le of on or the to van von y".split())
# Acronyms kept in capitals; so is any word of up to four letters without a vowel ("BBC", "FSB").
ACRONYMS = frozenset("UN US USA UK EU NATO UAE IMF OSCE IAEA ASEAN OPEC UNICEF UNESCO UNHCR".split())
CODE = re.compile(r"^(?:[A-Z]{3})+$")
BRACKET = re.compile(r"\[([^\]]*)\]")
PARENTHESES = re.compile(r"\([^)]*\)")

Period = tuple[str, str, str]  # code, start, end (ISO dates or "")


@dataclass
class _Record:
    surfaces: list[tuple[str, str]] = field(default_factory=list)  # (surface, canonical name)
    periods: list[Period] = field(default_factory=list)


def _yymmdd(text: str) -> str:
    """An ISO date from YYYYMMDD or YYMMDD (YY 00-30 -> 20YY, else 19YY, as in TABARI);
    raises ValueError on anything else."""
    if not text.isdigit() or len(text) not in (6, 8):
        raise ValueError(text)
    if len(text) == 6:
        text = ("20" if int(text[:2]) <= 30 else "19") + text
    return dt.date(int(text[:4]), int(text[4:6]), int(text[6:])).isoformat()


def parse_restriction(inside: str) -> Period:
    """``RUSGOV 19940922-20040712`` / ``RUSGOV >040309`` / ``RUSGOV <20040309`` / ``RUSGOV``
    -> (code, start, end); ValueError when it does not parse."""
    code, _, rest = inside.strip().partition(" ")
    rest = rest.strip().replace(" ", "")
    if not CODE.match(code):
        raise ValueError(code)
    if not rest:
        return code, "", ""
    if rest[0] in "<>":
        day = _yymmdd(rest[1:])
        return (code, "", day) if rest[0] == "<" else (code, day, "")
    first, dash, second = rest.partition("-")
    if not dash:
        raise ValueError(rest)
    start, end = _yymmdd(first), _yymmdd(second)
    if end < start:
        raise ValueError(rest)
    return code, start, end


def _word(word: str, first: bool) -> str:
    if "." in word:  # initials and abbreviations: "U.N.", "V."
        return word
    if word in ACRONYMS or (len(word) <= 4 and word.isalpha() and not set(word) & set("AEIOUY")):
        return word
    if not first and word.lower() in SMALL_WORDS:
        return word.lower()
    return "-".join(part[:1].upper() + part[1:].lower() for part in word.split("-"))


def display(phrase: str) -> str | None:
    """A TABARI phrase as news writes it ("SERGEY_V._LAVROV_" -> "Sergey V. Lavrov"), or None
    when it cannot serve (non-ASCII, a stray "+", nothing left)."""
    text = PARENTHESES.sub(" ", phrase.replace("_", " "))
    words = text.split()
    if not words or not text.isascii() or "+" in text or not any(c.isalpha() for c in text):
        return None
    return " ".join(_word(w, i == 0) for i, w in enumerate(words))


def _strip_comment(line: str) -> str:
    for mark in ("#", ";"):
        line = line.split(mark, 1)[0]
    return line.rstrip()


class _ActorReader:
    """Reads one actor file into records, counting what it drops."""

    def __init__(self, dropped: collections.Counter[str]) -> None:
        self.dropped = dropped
        self.records: list[_Record] = []
        self.current = _Record()
        self.name: str | None = None

    def _codes(self, text: str) -> None:
        for inside in BRACKET.findall(text):
            try:
                self.current.periods.append(parse_restriction(inside))
            except ValueError:
                self.dropped["code or date that does not parse"] += 1

    def _surface(self, phrase: str) -> None:
        surface = display(phrase)
        if surface is None or self.name is None:
            self.dropped["phrase that cannot serve"] += 1
            return
        self.current.surfaces.append((surface, self.name))

    def line(self, raw: str) -> None:
        line = _strip_comment(raw)
        if not line.strip():
            return
        if line[0] in " \t":  # a date restriction
            self._codes(line)
        elif line[0] == "+":  # a synonym of the current primary phrase
            self._surface(line[1:].split("[", 1)[0])
            self._codes(line)
        else:  # a primary phrase; a record without codes yet takes it in (as PETRARCH does)
            if self.current.periods:
                self.finish()
            phrase = line.split("[", 1)[0]
            self.name = display(phrase)
            self._surface(phrase)
            self._codes(line)

    def finish(self) -> None:
        if self.current.surfaces and self.current.periods:
            self.records.append(self.current)
        elif self.current.surfaces:
            self.dropped["record without a code"] += len(self.current.surfaces)
        self.current = _Record()


def read_actors(lines: Iterable[str], dropped: collections.Counter[str]) -> list[_Record]:
    """The records of one TABARI actor file."""
    reader = _ActorReader(dropped)
    for raw in lines:
        reader.line(raw)
    reader.finish()
    return reader.records


def actor_rows(records: Iterable[_Record]) -> Iterator[tuple[str, str, str, str, str]]:
    """(surface, name, code, start, end) rows, in file order, without exact duplicates."""
    seen: set[tuple[str, str, str, str, str]] = set()
    for record in records:
        periods = list(dict.fromkeys(record.periods))
        for surface, name in dict.fromkeys(record.surfaces):
            for code, start, end in periods:
                row = (surface, name, code, start, end)
                if row not in seen:
                    seen.add(row)
                    yield row


def _plural(phrase: str) -> str:
    """The regular English plural of a phrase's last word."""
    if phrase.endswith("Y") and phrase[-2:-1] not in tuple("AEIOU"):
        return phrase[:-1] + "IES"
    if phrase.endswith(("S", "SH", "CH", "X")):
        return phrase + "ES"
    return phrase + "S"


def _agent_forms(phrase: str, substitutions: dict[str, list[str]]) -> list[str] | None:
    """The phrases one agent line stands for (its plural, its substitution set), or None."""
    plural: str | None = None
    if "{" in phrase:
        phrase, _, braces = phrase.partition("{")
        if "}" not in braces:
            return None
        plural = braces.split("}", 1)[0].strip()
    phrase = phrase.strip()
    marker = re.search(r"!(\w+)!", phrase)
    if marker is not None:
        if marker.group(1) not in substitutions:
            return None
        return [phrase.replace(marker.group(0), item) for item in substitutions[marker.group(1)]]
    if plural is None:
        plural = _plural(phrase)
    return [phrase, plural] if plural else [phrase]


def read_agents(lines: Iterable[str], dropped: collections.Counter[str]) -> list[tuple[str, str]]:
    """(term, code) rows of a TABARI agents file, in file order, first code of a term kept."""
    substitutions: dict[str, list[str]] = {}
    rows: dict[str, str] = {}
    for raw in lines:
        line = _strip_comment(raw).strip()
        if not line or line.startswith("<"):
            continue
        definition = re.match(r"^!(\w+)!\s*=(.*)$", line)
        if definition is not None:
            substitutions[definition.group(1)] = [
                w.strip() for w in definition.group(2).split(",") if w.strip()
            ]
            continue
        phrase, bracket, rest = line.partition("[")
        code = rest.split("]", 1)[0].strip().replace("~", "")
        forms = _agent_forms(phrase, substitutions) if bracket and CODE.match(code) else None
        if forms is None:
            dropped["agent line that does not parse"] += 1
            continue
        for form in forms:
            term = " ".join(form.replace("_", " ").split()).lower()
            if not term or not term.isascii() or "!" in term:
                dropped["agent phrase that cannot serve"] += 1
            else:
                rows.setdefault(term, code)
    return list(rows.items())


def _lines(path: Path) -> list[str]:
    # The files are meant to be flat ASCII; a stray byte becomes U+FFFD and its phrase is dropped.
    return path.read_bytes().decode("utf-8", errors="replace").splitlines()


def _csv(header: tuple[str, ...], rows: Iterable[tuple[str, ...]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def build(source: Path, target: Path) -> dict[str, int]:
    """Write both CSVs from the dictionaries in ``source`` into ``target``; the counts of rows
    written and of what was dropped."""
    dropped: collections.Counter[str] = collections.Counter()
    records = [r for name in ACTOR_FILES for r in read_actors(_lines(source / name), dropped)]
    actors = list(actor_rows(records))
    agents = read_agents(_lines(source / AGENT_FILE), dropped)
    (target / ACTORS_CSV).write_bytes(_csv(ACTOR_COLUMNS, actors))
    (target / AGENTS_CSV).write_bytes(_csv(AGENT_COLUMNS, agents))
    return {ACTORS_CSV: len(actors), AGENTS_CSV: len(agents), **dict(sorted(dropped.items()))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--source", type=Path, required=True, help="the petrarch2 dictionaries folder")
    parser.add_argument("--target", type=Path, default=Path(__file__).resolve().parent)
    args = parser.parse_args(argv)
    for key, value in build(args.source, args.target).items():
        print(f"{key}: {value}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
