"""Every regular expression the text stages use, compiled once, here (as textacy.preprocessing does).

Patterns that depend on reference data (the actor gazetteer, the cue lexicon) are
compiled by the objects built from that data (see ``stages.stance``), not here.
"""

from __future__ import annotations

import re

# --- cleanup: whole lines that are scraper noise -------------------------------------------------
# A line that is only one or more bare URLs.
URL_LINE = re.compile(r"^\s*(?:(?:https?://|www\.)\S+\s*)+$", re.IGNORECASE)
# 'Related article: ...', 'Read more: ...', 'READ MORE: ...', 'Read also: ...', 'See also: ...'
RELATED_LINE = re.compile(
    r"^\s*(?:related(?:\s+(?:article|story|stories|content|reading))?)\s*:", re.IGNORECASE
)
READ_MORE_LINE = re.compile(
    r"^\s*(?:read\s+(?:more|also|next)|see\s+also|more\s+on\s+this)\b\s*:?", re.IGNORECASE
)
PROMO_LINE = re.compile(
    r"^\s*(?:advertisement|advertising|sponsored(?:\s+content)?|share\s+(?:this|on)\b.*"
    r"|(?:click\s+here\s+to\s+)?subscribe\b.*|sign\s+up\s+(?:for|to)\b.*newsletter.*"
    r"|follow\s+us\b.*|share|tweet|email|print)\s*$",
    re.IGNORECASE,
)
CREDIT_LINE = re.compile(
    r"^\s*(?:\(?\s*(?:reporting|writing|editing|additional\s+reporting)\s+by\b.*"
    r"|(?:photo|image|picture)\s*(?:credit)?\s*:.*"
    r"|(?:©|\(c\)\s|copyright\s+(?:©|\(c\)|\d{4})).*"
    r"|this\s+(?:article|story)\s+(?:was|has\s+been)\s+(?:updated|amended|corrected)\b.*)$",
    re.IGNORECASE,
)

# --- cleanup: shape of kept text -----------------------------------------------------------------
WHITESPACE_RUN = re.compile(r"\s+")
# Final punctuation of a sentence-like line, ignoring closing quotes/brackets after it.
ENDS_LIKE_SENTENCE = re.compile(r"[.!?:;,…—–-][\"'”’)\]]*$")
WORD = re.compile(r"\S+")
# Surrounding quote marks of a heading like 'Nightmare scenario'.
WRAPPING_QUOTES = re.compile(r"^[\"'“‘](.*)[\"'”’]$")

# --- stance: sentence structure ------------------------------------------------------------------
# Straight and curly double quotes; a quoted span is text between an opening and a closing one.
QUOTED_SPAN = re.compile(r"[\"“]([^\"“”]+)[\"”]")
# Clause boundaries: a new finite clause after a comma + conjunction, a semicolon, or a dash pair.
CLAUSE_BREAK = re.compile(
    r"(?:,\s+(?:as|while|whereas|but|and|although|though)\s+|;\s+|\s+but\s+)", re.IGNORECASE
)
# Non-restrictive relative clauses ", which ... ," and ", who ... ," (their content is not the subject).
RELATIVE_CLAUSE = re.compile(r",\s+(?:which|who|whom|whose)\b[^,]*(?:,|$)", re.IGNORECASE)
TOKEN = re.compile(r"[A-Za-z][A-Za-z'’.-]*|\d+|[^\sA-Za-z\d]")
# What stands between two co-ordinated actors: "The U.S., Russia and Ukraine".
COORDINATION = re.compile(r"\s*(?:,|,?\s+(?:and|or|&))\s*(?:the\s+)?", re.IGNORECASE)
PRONOUN_SUBJECT = re.compile(r"\b(?:he|she)\b", re.IGNORECASE)
