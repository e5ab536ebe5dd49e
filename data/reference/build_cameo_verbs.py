"""Rebuild ``cameo_verbs.csv`` from PETRARCH2's CAMEO verb dictionary (MIT, Open Event Data Alliance).

Usage (from the repository root)::

    python data/reference/build_cameo_verbs.py PATH/TO/CAMEO.2.0.txt [data/reference/cameo_verbs.csv]

The upstream file is https://github.com/openeventdata/petrarch2 (``petrarch2/data/dictionaries/
CAMEO.2.0.txt``); its licence is copied beside this script as ``LICENSE.petrarch2``.

What is kept, deterministically (same input, same bytes out):

- every verb of a block with a code of its own or of its block (``--- NAME [CODE] ---``), in
  every form: the irregular forms given in ``{...}``, else the regular ones (-s, -ed, -ing);
  multi-word verbs (``+MEET_WITH``) as phrases;
- the simple phrase patterns ``- * NOUN [CODE]`` and ``- * {TWO WORDS} [CODE]`` of a block (no
  synsets, prepositions or pre-verb nouns), as the contiguous phrase "verb form + noun" for each
  verb of the block ("cut aid", "held talks"), also with a determiner between ("issued an
  ultimatum", "cut the aid");
- the code's sign and weight by the QuadClass reading of CAMEO (what PLOVER's cooperation/conflict
  follows): 01 public statements say nothing (left out: the reporting verbs are ``cues.csv``'s);
  verbal cooperation 02-05 (appeal, consult, diplomatic cooperation) +0.5 (03, intent, +0.25: it
  mostly introduces the event it intends, "decided to invade"), material
  cooperation 06-08 (cooperation, aid, yielding) +1; verbal conflict 09-13 (investigate, demand,
  disapprove, reject, threaten) -0.5, material conflict 14-20 (protest, force posture, reduce
  relations, coerce, assault, fight, mass violence) -1;
- a form or phrase listed under codes of opposite signs is left out (ambiguous); otherwise the
  weight of its first listing in the file is kept.

Output columns: ``term,kind,weight,code`` (kind is always ``verb``), sorted by term.
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

# CAMEO root code (first two digits) -> weight by QuadClass: verbal cooperation (02-05) +0.5,
# material cooperation (06-08) +1, verbal conflict (09-13) -0.5, material conflict (14-20) -1;
# 01 (public statements) is left out, and 03 (intent: "decided", "prepare", "plan") counts +0.25,
# as such a verb mostly introduces the event it intends ("decided to invade").
ROOT_WEIGHTS = {
    **{f"{root:02d}": 0.5 for root in range(2, 6)},
    "03": 0.25,
    **{f"{root:02d}": 1.0 for root in range(6, 9)},
    **{f"{root:02d}": -0.5 for root in range(9, 14)},
    **{f"{root:02d}": -1.0 for root in range(14, 21)},
}
BLOCK = re.compile(r"^---\s+(\S+)\s+\[([^\]]*)\]\s+---")
CODE = re.compile(r"\[([^\]]*)\]")
FORMS = re.compile(r"\{([^}]*)\}")
SIMPLE_PATTERN = re.compile(r"^-\s+\*\s+(\{[A-Z ]+\}|[A-Z]+)\s+\[([^\]]*)\]\s*#\s*([A-Z+_]+)")
# Light verbs whose isolated CAMEO code is mostly wrong in news ("take" 171 seize, "go" 040):
# only their phrase patterns are kept ("held talks", "take hostage").
LIGHT_VERBS = frozenset(
    "make take give get go come put set keep hold let bring turn run look see leave move carry "
    "draw play pass show stand call".split()
)
VOWELS = set("AEIOU")
# A phrase pattern's noun is also read after one of these ("issued an ultimatum", "held the talks").
DETERMINERS = ("", "a ", "an ", "the ")  # "a" before a consonant, "an" before a vowel


def weight_of(code: str) -> float | None:
    """The weight of a CAMEO code ("042:043": its first part), None for the null code or 01."""
    head = code.split(":")[0].strip()
    if not head[:2].isdigit():
        return None
    return ROOT_WEIGHTS.get(head[:2])


def regular_forms(word: str) -> list[str]:
    """A regular English verb's forms: base, -s, -ed, -ing (PETRARCH's rules, roughly)."""
    if word.endswith("Y") and len(word) > 1 and word[-2] not in VOWELS:
        third, past = word[:-1] + "IES", word[:-1] + "IED"
    elif word.endswith(("SS", "SH", "CH", "X", "Z")):
        third, past = word + "ES", word + "ED"
    else:
        third, past = word + "S", word + ("D" if word.endswith("E") else "ED")
    ing = word[:-1] + "ING" if word.endswith("E") and not word.endswith("EE") else word + "ING"
    return [word, third, past, ing]


def verb_forms(line: str) -> list[str]:
    """The forms of one verb line (``WORD {FORMS} [CODE] # comment``), as lower-case phrases."""
    body = CODE.sub("", line.split("#")[0])
    irregular = FORMS.search(body)
    head = FORMS.sub("", body).split()
    if not head:
        return []
    primary = head[0]
    if irregular is not None:
        forms = [primary, *re.split(r"[\s,]+", irregular.group(1).strip())]
    elif "+" in primary:
        parts = primary.split("_")
        i = next(k for k, p in enumerate(parts) if p.startswith("+"))
        forms = ["_".join([*parts[:i], f, *parts[i + 1 :]]) for f in regular_forms(parts[i][1:])]
    else:
        forms = regular_forms(primary)
    return [f.replace("+", "").replace("_", " ").lower() for f in forms if f.strip("+_")]


def _lemma(line: str) -> str:
    """A verb line's primary verb as its patterns' comments name it ("+MEET_WITH" -> "MEET_WITH")."""
    words = FORMS.sub("", CODE.sub("", line.split("#")[0])).split()
    return words[0].replace("+", "") if words else ""


Verb = tuple[str, list[str], str]  # (lemma, forms, code)
Block = tuple[list[Verb], list[tuple[str, str, str]]]  # (verbs, [(verb lemma, noun phrase, code)])


def read_blocks(lines: list[str]) -> list[Block]:
    """Per verb block: its verbs (lemma, forms, own code or the block's) and simple patterns."""
    blocks: list[Block] = []
    block_code = "---"
    started = False
    for raw in lines:
        line = raw.rstrip()
        if line.startswith("####### VERB PATTERNS"):
            started = True
            continue
        if not started or not line.strip() or line.startswith(("#", "~")):
            continue
        header = BLOCK.match(line)
        if header is not None:
            block_code = header.group(2).strip()
            blocks.append(([], []))
            continue
        if not blocks:
            continue
        verbs, patterns = blocks[-1]
        if line.startswith("-"):
            simple = SIMPLE_PATTERN.match(line)
            if simple is not None:
                noun, code, lemma = simple.group(1).strip("{}").lower(), simple.group(2), simple.group(3)
                patterns.append((lemma.replace("+", ""), noun, code.strip()))
            continue
        own = CODE.search(line.split("#")[0])
        verbs.append((_lemma(line), verb_forms(line), own.group(1).strip() if own else block_code))
    return blocks


def build(lines: list[str]) -> list[tuple[str, float, str]]:
    """(term, weight, code) rows, sorted by term; ambiguous terms left out."""
    found: dict[str, tuple[float, str]] = {}
    ambiguous: set[str] = set()

    def add(term: str, code: str) -> None:
        weight = weight_of(code)
        if weight is None:
            return
        if term in found:
            if (found[term][0] > 0) != (weight > 0):
                ambiguous.add(term)
            return
        found[term] = (weight, code)

    for verbs, patterns in read_blocks(lines):
        forms_of = {lemma: forms for lemma, forms, _ in verbs}
        for lemma, forms, code in verbs:
            if lemma.lower() not in LIGHT_VERBS:
                for form in forms:
                    add(form, code)
        for lemma, noun, code in patterns:
            for form in forms_of.get(lemma, ()):
                for det in DETERMINERS:
                    if det.strip() != ("a" if noun[0] in "aeiou" else "an"):
                        add(f"{form} {det}{noun}", code)
    return sorted((t, w, c) for t, (w, c) in found.items() if t not in ambiguous)


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    source = Path(argv[1])
    out = Path(argv[2]) if len(argv) == 3 else Path(__file__).with_name("cameo_verbs.csv")
    rows = build(source.read_text(encoding="utf-8", errors="replace").splitlines())
    with out.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["term", "kind", "weight", "code"])
        for term, weight, code in rows:
            writer.writerow([term, "verb", weight, code])
    print(f"{out}: {len(rows)} terms")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
