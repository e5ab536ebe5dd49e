"""Every regular expression the text stages use, compiled once, here (as textacy.preprocessing does).

Patterns that depend on reference data (the actor gazetteer, the cue lexicon) are
compiled by the objects built from that data (see ``stages.stance``), with ``trie_pattern``
from here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

# --- cleanup: whole lines that are scraper noise -------------------------------------------------
# One pattern, one named group per kind of noise; a line is noise only when it matches whole
# (``NOISE_LINE.fullmatch(text, line_start, line_end)``), and the group that matched is its kind.
_NOISE_KINDS = {
    # one or more bare URLs
    "url": r"(?:(?:https?://|www\.)\S+[ \t]*)+",
    # 'Related article: ...', 'Related: ...', 'Related stories: ...'
    "related_link": r"related(?:[ \t]+(?:articles?|story|stories|content|reading|coverage))?[ \t]*:.*",
    # 'Read more: ...', 'READ MORE: ...', 'Read also: ...', 'See also: ...', 'More on this: ...'
    "read_more": r"(?:read[ \t]+(?:more|also|next)|see[ \t]+also|more[ \t]+on[ \t]+this(?:[ \t]+story)?)"
    r"(?:[ \t]*[:»>|]+.*|[ \t]*$)",
    # buttons, prompts and furniture
    "promo": r"(?:advertisement|advertising|sponsored(?:[ \t]+content)?|story[ \t]+continues(?:[ \t]+below)?"
    r"|share[ \t]+(?:this|on)\b.*|(?:click[ \t]+here[ \t]+to[ \t]+)?subscribe\b.*"
    r"|sign[ \t]+up\b.*newsletters?\b.*|(?:get|join)[ \t]+our[ \t]+newsletter.*|follow[ \t]+us\b.*"
    r"|share|tweet|email|print|comments?|close|caption)[ \t]*",
    # photo credits, copyright lines, update notes, wire credits
    "credit": r"(?:\(?[ \t]*(?:reporting|writing|editing|additional[ \t]+reporting|compiled)[ \t]+by\b.*"
    r"|(?:photo|image|picture|video)s?[ \t]*(?:credit)?[ \t]*:.*|image[ \t]+\d+[ \t]+of[ \t]*/?[ \t]*\d+"
    r"|(?:©|\(c\)[ \t]|copyright[ \t]+(?:©|\(c\)|\d{4})).*"
    r"|this[ \t]+(?:article|story)[ \t]+(?:was|has[ \t]+been)[ \t]+(?:updated|amended|corrected)\b.*"
    r"|(?:updated|published|posted)(?:[ \t]*:?[ \t]+(?:at[ \t]+|on[ \t]+)?\d{1,2}[:.]\d{2}.*)?)",
}
NOISE_LINE = re.compile(
    r"[ \t]*(?:" + "|".join(f"(?P<{kind}>{body})" for kind, body in _NOISE_KINDS.items()) + r")[ \t\r]*",
    re.IGNORECASE,
)
# Page furniture of whole-page dumps: cookie banners and privacy prompts (boilerplate in dump mode).
COOKIE_BANNER = re.compile(
    r"\b(?:cookies?|privacy[ \t]+(?:policy|overview|settings|preferences)|accept[ \t]+all|consent)\b",
    re.IGNORECASE,
)
# Blank lines: what separates blocks of text.
BLANK_LINES = re.compile(r"\n(?:[ \t\r\f\v]*\n)+")
# A word broken by a hard wrap after its hyphen: "third-\\nparty" -> "third-party".
HYPHEN_WRAP = re.compile(r"(?<=\w-)[ \t]*\r?\n[ \t]*(?=\w)")
# Text that may hold mojibake or HTML entities, the only text worth handing to ftfy: a
# UTF-8 lead byte read as Latin-1/cp1252 followed by a continuation byte read the same way,
# C1 control characters, or an entity. The pattern opens with the one class of every first
# character (then tells the three apart by looking back at it): a pattern that opens with one
# character class is only tried where that class matches, and this one is searched in every
# article (measured: 3x faster than the plain alternation of the three).
MAYBE_MOJIBAKE = re.compile(
    "[\u0080-\u009f\u00c2-\u00f4&]"
    "(?:(?<=[\u0080-\u009f])"
    "|(?<=[\u00c2-\u00f4])[\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
    "|(?<=&)(?:#\\d+|#x[0-9a-fA-F]+|[A-Za-z]{2,8});)"
)

# --- cleanup: shape of kept text -----------------------------------------------------------------
WHITESPACE_RUN = re.compile(r"\s+")
# Final punctuation of a sentence-like line, and the closing quotes/brackets that may follow it
# (plain strings: the check looks at the end of a line only, see cleanup._ends_like_sentence).
SENTENCE_FINAL = ".!?:;,…—–。！？-"
CLOSING_MARKS = "\"'”’»)]"
# A line that reads as prose: ends like a sentence, or holds several inner stops and commas.
INNER_STOP = re.compile(r"[.!?。！？,，、;]")
# The label of a list item at the start of a line: "1. ", "b) ", "(iv) ".
LIST_LABEL = re.compile(r"^\(?(?:\d{1,2}|[A-Za-z]|[ivxIVX]{2,4})[.)]\)?\s+")
# Letters of scripts written without spaces between words (CJK): each counts as half a word.
CJK_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
# Surrounding quote marks of a heading like 'Nightmare scenario'.
WRAPPING_QUOTES = re.compile(r"^[\"'“‘](.*)[\"'”’]$")

# --- sentences: candidate boundaries -------------------------------------------------------------
# A run of sentence-final marks (or a spaced ellipsis ". . ."), any closing quotes/brackets after
# it, then whitespace: every sentence boundary is at the end of one of these.
TERMINAL = re.compile(
    r"(?P<term>(?:\.[ ]){2,}\.|[.!?…]+)(?P<close>[\"'”’»)\]]*)(?P<note>(?:\[\d{1,3}\])+|\d{1,3}(?: \d{1,3})*)?(?=\s)"
    r"|(?P<wide>[．。！？]+[」』”’)）]*)"
)
# The word after a candidate boundary (after the whitespace and any dash standing alone).
NEXT_WORD = re.compile(r"\s+(?:[-–—]+\s+)?(\S+)")
# Opening quotes and brackets before the first letter of a word; trailing clitics of a starter.
OPENERS = "\"'“‘«([{`"
CLITIC = re.compile(r"['’](?:s|m|re|ve|ll|d)$", re.IGNORECASE)
# Abbreviations written with inner periods: U.S, E.U, J.C, a.m, Ph.D (the final period is the candidate).
DOTTED_ABBREVIATION = re.compile(r"(?:[A-Za-z]{1,2}\.)+[A-Za-z]{1,2}")
# Quotations: "...", “...”, and '...'/‘...’ opened after a space and closed before one (not apostrophes).
QUOTATION = re.compile(
    r"\"[^\"]+\"|“[^”]+”|(?:(?<=\s)|^)['‘`](?=\w)(?:[^'’]|['’](?=\w))*['’](?=[\s,.;:!?)]|$)"
)
# Times of day: a sentence may end with them ("... at 8 p.m. Results are due ...").
TIME_OF_DAY = re.compile(r"[ap]\.m", re.IGNORECASE)
# List items: "1.", "2)", "3.)", "(a)", "b.", "C)" and bullets, at the start or after whitespace.
LIST_MARKER = re.compile(
    r"(?:(?<=\s)|^)(?P<bullet>[•⁃]\s*)?(?P<open>\()?(?P<label>\d{1,2}|[a-zA-Z]|[ivxIVX]{2,4})(?P<mark>\.\)|\)|\.)(?=\s)"
)
BULLET = re.compile(r"(?:(?<=\s)|^)[•⁃]")

# First characters of every match of TERMINAL and QUOTATION: ``scan`` tries those patterns only
# where one of these stands, which is several times faster than their own finditer.
TERMINAL_START = re.compile(r"[.!?…．。！？]")
QUOTATION_START = re.compile(r"[\"“'‘`]")
# A cheap test that a text may hold a LIST_MARKER: a "." or ")" before whitespace whose few
# preceding characters end like a list label (it accepts a few texts LIST_MARKER does not).
LIST_MARK_END = re.compile(r"[.)](?=\s)")
LIST_LABEL_TAIL = re.compile(r"(?:^|[\s(•⁃])\(?(?:\d{1,2}|[a-zA-Z]|[ivxIVX]{2,4})\.?[.)]$")


def scan(pattern: re.Pattern[str], starts: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """The matches of ``pattern.finditer(text)``, for a pattern whose every match begins with a
    character that ``starts`` matches: the pattern is only tried at those positions."""
    end = -1
    for candidate in starts.finditer(text):
        if candidate.start() < end:
            continue
        match = pattern.match(text, candidate.start())
        if match is not None:
            end = match.end()
            yield match


def may_hold_list_marker(text: str) -> bool:
    """False only when ``LIST_MARKER.search(text)`` finds nothing (a fast pre-check)."""
    for mark in LIST_MARK_END.finditer(text):
        at = mark.start()
        if LIST_LABEL_TAIL.search(text, max(0, at - 6), at + 1):
            return True
    return False


# --- stance: sentence structure ------------------------------------------------------------------
# Straight and curly double quotes; a quoted span is text between an opening and a closing one.
QUOTED_SPAN = re.compile(r"[\"“]([^\"“”]+)[\"”]")
# Clause boundaries: a new finite clause after a comma + conjunction, a semicolon, or a dash pair.
# A bare "while" starts one too ("Britain mobilized reservists while UN inspectors said ..."), but
# not "a while" or "worth while".
CLAUSE_BREAK = re.compile(
    r"(?:,\s+(?:as|while|whereas|but|and|although|though)\s+|;\s+|\s+but\s+|(?<!\ba)(?<!\bworth)\s+while\s+)",
    re.IGNORECASE,
)
# The capitalised word right after a name ("Canadian Press": Press).
CAPITALISED_WORD_AFTER = re.compile(r"\s+([A-Z][A-Za-z]*)")
# Doing as another actor did: "the US would follow suit".
FOLLOW_SUIT = re.compile(r"\bfollow(?:s|ed|ing)?\s+suit\b", re.IGNORECASE)
# A condition on an act makes it a threat (CAMEO 13): "will withdraw its force from Chad unless ...".
THREAT_CONDITION = re.compile(r"\bunless\b", re.IGNORECASE)
# Non-restrictive relative clauses ", which ... ," and ", who ... ," (their content is not the subject).
RELATIVE_CLAUSE = re.compile(r",\s+(?:which|who|whom|whose)\b[^,]*(?:,|$)", re.IGNORECASE)
# What stands between two co-ordinated actors: "The U.S., Russia and Ukraine".
COORDINATION = re.compile(r"\s*(?:,|,?\s+(?:and|or|&))\s*(?:the\s+)?", re.IGNORECASE)
# A title after an affiliation, then a name: "('s) Foreign Minister Dmytro Kuleba", " spokesman Dmitry Peskov".
TITLED_PERSON = re.compile(
    r"(?:['’]s)?\s+(?:(?:[A-Z][a-z]+|[a-z]+)\s+){0,2}?"
    r"(?i:president|prime\s+minister|premier|chancellor|(?:foreign|defen[cs]e|interior|finance)\s+minister|minister"
    r"|secretary(?:\s+of\s+state)?|secretary-general|spokes(?:man|woman|person)|ambassador|envoy|chief|leader"
    r"|general|gen\.|admiral|senator|sen\.|rep\.|governor|mayor)"
    r"\s+(?P<name>[A-Z][a-z]+(?:[-'’][A-Z]?[a-z]+)?(?:\s+[A-Z][a-z]+(?:[-'’][A-Z]?[a-z]+)?){1,2})"
)
# An appositive right after a name: ", president of the Chamber of Commerce," (no verb cue check: short).
APPOSITIVE = re.compile(r",\s+(?:a|an|the|[a-z][\w-]*)\b[^,;:\"“”]{0,80},\s*")
# A comma, then only lower-case words up to a verb: the noun phrase after the comma is the verb's
# subject ("..., a human rights group protested", "..., military sources said").
NEW_NOUN_PHRASE = re.compile(r",\s+[a-z][\w-]*(?:\s+[a-z][\w-]*)*\s*$")
# A modal of obligation right after a reported target ("that Libya| must hand over").
DEMAND_MODAL = re.compile(r"\s+(must|should|has to|have to|needs to|need to|ought to)\b", re.IGNORECASE)
# A preposition of place and "the" right before a name: a place ("groups in the United States").
LOCATIVE_THE = re.compile(
    r"\b(?:in|at|near|inside|outside|across|throughout|within|into)\s+the\s+$", re.IGNORECASE
)
# "a" or "an" right before a name ("a| United Nations appeal").
INDEFINITE_BEFORE = re.compile(r"\b(?:a|an)\s+$", re.IGNORECASE)
# A currency sign or name right after a country's name: money, not an actor ("US $50 million").
CURRENCY_AFTER = re.compile(r"\s?(?:\$|dollars?\b)")
# A capitalised word right after a name ("the West| Bank").
CAPITALISED_NEXT = re.compile(r" [A-Z][a-z]")
# "by" after a passive participle, possibly after "publicly", "strongly", ...
PASSIVE_BY = re.compile(r"\s+(?:[a-z]+ly\s+)?by\s+")
PRONOUN_SUBJECT = re.compile(r"\b(?:he|she)\b", re.IGNORECASE)
# Words as the stance rules count them: the word before or after an actor, before a cue ("Russia's"
# with a straight or curly apostrophe), the words between a subject and its verb, plain letters.
WORD = re.compile(r"[\w'-]+")
NEXT_WORD_AFTER = re.compile(r"\W*([\w'-]+)")
WORD_OR_POSSESSIVE = re.compile(r"[\w'’-]+")
COUNTED_WORD = re.compile(r"[A-Za-z0-9][\w'-]*")
LETTERS = re.compile(r"[A-Za-z]+")


# --- stance: names and cues of the reference data ------------------------------------------------
def trie_pattern(words: Iterable[str]) -> str:
    """One regex matching any of ``words``, built as a prefix tree ("U\\.S\\.(?:A\\.)?" for U.S. and
    U.S.A.): a flat alternation of thousands of names is tried name by name at every position,
    a tree only follows the characters that can still match. Longer words are tried first, and
    the engine backs off to a shorter one when what follows does not fit."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        branches = []
        for char, child in sorted(node.items()):
            if not char:
                continue
            run = [char]  # a chain of nodes with one way on is one escaped run: far fewer calls
            while len(child) == 1 and "" not in child:
                ((char, child),) = child.items()
                run.append(char)
            branches.append(re.escape("".join(run)) + emit(child))
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return "(?:" + emit(trie) + ")" if trie else "(?!)"  # no words: a pattern that never matches
