"""``RoleBook``: a name's affiliation and role on a day, from the PETRARCH2 dictionaries
(``petrarch_actors.csv``, ``petrarch_agents.csv``) and the hand lists (``people.csv``,
``organizations.csv``, ``countries.csv``, ``institutions.csv``), which win where they overlap.

A CAMEO code splits into actor and role: ``RUSGOV`` -> (RUS, GOV), ``USAGOVLEG`` -> (USA,
LEG) (the legislative and judicial branches, ``GOVLEG``/``GOVJUD``, are not the executive),
``USAGOVBUS`` -> (USA, GOV) (a sector of government stays government), ``IGOWSTNAT`` ->
(NATO, IGO) (an organisation the hand list has, else ``IGO``), ``MNCUSA`` -> (USA, BUS),
``NGOUSAHRI`` -> (USA, NGO), a bare ``SDN`` -> (SDN, None), a region's ``MEAREB`` -> (None, REB).

``affiliation(name, day)``, in this order:

1. the whole name, normalised (case, accents, dots and apostrophes, other punctuation),
   in the hand lists, then in the dictionary: of a dictionary name's code periods, the
   first that holds the day, else its undated code, else none;
2. the name without its leading titles and affiliations, longest rest first ("Foreign
   Minister Sergei Lavrov" -> "sergei lavrov"; "Mr. Lavrov" -> "lavrov" because the
   dictionary lists "Lavrov" as an alias; a surname it does not list is not guessed);
3. what the words around an unknown name say: an affiliation (a country, capital, demonym,
   place, institution or organisation) and an agent ("Ukrainian Foreign Minister Dmytro
   Kuleba" -> UKR GOV, "Darfur rebels" -> SDN REB, "a human rights group" -> (None, HRI),
   "police" -> (None, COP)). The agent's role wins over the affiliation's own ("Moscow
   police" -> RUS COP); a bare spokesperson says nothing of a role ("Kremlin spokesman
   Dmitry Peskov" -> RUS GOV, the Kremlin's). Only the words before the name count: the
   reading stops at the first word that is no agent, affiliation or filler, so "Larry King"
   and "Howard Dean" are no king and no dean, and "Ivanka Trump" is not "Trump". A country
   or place alone is not enough ("Chad Wolf" is no one from Chad; people are never read as
   affiliations, "Trump campaign"); a title of several words the dictionary codes is ("US
   President" -> USA GOV).

Every step is a dict lookup: the words of a name are looked up as phrases of up to
``MAX_PHRASE_WORDS`` words, never matched against the dictionary by a pattern.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from stages.roles import ROLE_CODES, Affiliation, RoleLookup

# GOV followed by these is that branch, not the executive.
GOVERNMENT_BRANCHES = frozenset(("LEG", "JUD"))
# CAMEO codes that are not the ISO 3166-1 alpha-3 code the project uses.
CAMEO_COUNTRIES = {"KSV": "XKX", "TMP": "TLS", "USR": "SUN"}
# Former states CAMEO codes by their ISO 3166-3 code.
HISTORIC_COUNTRIES = frozenset(("DDR", "YUG", "SUN", "CSK", "SCG"))
# IGO codes (longest prefix first) of organisations in organizations.csv.
IGO_ORGANIZATIONS = (
    ("IGOUNODEVWBK", "WB"),
    ("IGOUNOIAE", "IAEA"),
    ("IGOBUSIMF", "IMF"),
    ("IGOWSTNAT", "NATO"),
    ("IGOEUREEC", "EU"),
    ("IGOSEAASN", "ASEAN"),
    ("IGOAFRAFU", "AU"),
    ("IGOUNO", "UN"),
)
# A bare spokesperson (PETRARCH: MED) speaks for someone else: no role of its own.
SPOKESPERSONS = frozenset(
    f"spokes{who}" for who in ("man", "men", "woman", "women", "person", "persons", "people")
)
# Words that open a name and say nothing about it.
LEADING_WORDS = frozenset("a an the mr mrs ms miss dr prof sir dame lord lady madam".split())
# Words read past among a name's leading words ("the Kremlin's spokesman", "spokesman for the").
NEUTRAL_WORDS = LEADING_WORDS | SPOKESPERSONS | frozenset("s for of at from in to and".split())
MAX_PHRASE_WORDS = 6
_NOT_WORD = re.compile(r"[^0-9a-z]+")

Period = tuple[dt.date | None, dt.date | None, Affiliation]


def normalise(name: str) -> str:
    """The lookup key of a name: lower case, accents off, dots and apostrophes dropped, other
    punctuation a space ("U.N." -> "un", "Ki-moon" -> "ki moon", "O'Brien" -> "obrien")."""
    if not name.isascii():
        name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    text = name.lower().replace(".", "").replace("'", "")
    return " ".join(_NOT_WORD.sub(" ", text).split())


def _split(value: Any) -> list[str]:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    return [a.strip() for a in str(value).split("|") if a.strip()]


def _date(value: str) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _role_of(pieces: list[str]) -> str | None:
    # A code's 3-letter pieces after its actor; the role is the first that is a role code.
    for i, piece in enumerate(pieces):
        if piece in ROLE_CODES:
            after = pieces[i + 1] if i + 1 < len(pieces) else None
            return after if piece == "GOV" and after in GOVERNMENT_BRANCHES else piece
        if piece == "MNC":
            return "BUS"
    return None


def split_code(code: str, countries: frozenset[str]) -> Affiliation | None:
    """A CAMEO actor code as (actor, role) (see the module doc); None when it says neither."""
    pieces = [code[i : i + 3] for i in range(0, len(code), 3)]
    head = CAMEO_COUNTRIES.get(pieces[0], pieces[0])
    if head == "IGO":
        org = next((org for prefix, org in IGO_ORGANIZATIONS if code.startswith(prefix)), "IGO")
        return Affiliation(org, "IGO")
    if head in countries or head in HISTORIC_COUNTRIES:
        return Affiliation(head, _role_of(pieces[1:]))
    actor = None
    if head in ("NGO", "NGM", "MNC"):
        actor = next((p for p in pieces[1:] if p in countries), None)
    role = _role_of(pieces)
    return Affiliation(actor, role) if actor is not None or role is not None else None


def pick(periods: Iterable[Period], on: dt.date) -> Affiliation | None:
    """The affiliation of the first dated period that holds ``on`` (both ends inclusive), else
    of the first undated one, else None."""
    default = None
    for start, end, affiliation in periods:
        if start is None and end is None:
            default = default or affiliation
        elif (start is None or start <= on) and (end is None or on <= end):
            return affiliation
    return default


@dataclass(frozen=True)
class _Entities:
    """Hand-list affiliations by key, and which of them may stand before a name."""

    names: dict[str, Affiliation]
    affiliating: dict[str, Affiliation]  # institutions and organisations: enough on their own


class RoleBook:
    """Names -> affiliation on a day (see the module doc); build with ``from_frames``."""

    def __init__(
        self,
        hand: dict[str, Affiliation],
        hand_affiliating: dict[str, Affiliation],
        book: _Dictionary,
        agents: dict[str, str],
    ) -> None:
        self._hand = hand
        self._book = book
        # What may stand before a name, and whether it is enough on its own: institutions and
        # organisations are, and a dictionary title of several words with a role ("US
        # President"); a country, capital, demonym or place is not ("Chad Wolf", "Paris Hilton").
        self._entities: dict[str, tuple[Affiliation, bool]] = {
            key: (a, a.role is not None and " " in key) for key, a in book.places.items()
        }
        for key, a in hand.items():
            self._entities[key] = (a, key in hand_affiliating)
        self._agents = agents

    def __len__(self) -> int:
        return len(self._hand) + len(self._book)

    @classmethod
    def from_frames(
        cls,
        actors: pd.DataFrame,
        agents: pd.DataFrame,
        countries: pd.DataFrame,
        organizations: pd.DataFrame,
        institutions: pd.DataFrame,
        people: pd.DataFrame,
    ) -> RoleBook:
        """From ``petrarch_actors.csv`` (surface, name, code, start, end), ``petrarch_agents.csv``
        (term, code) and the hand lists, as read from ``data/reference/`` (``countries`` with
        every ISO country, as ``flows.resources.country_frame`` gives it)."""
        country_ids = frozenset(str(c) for c in countries["actor_id"])
        agent_roles: dict[str, str] = {}
        roles = {
            code: _role_of([code[i : i + 3] for i in range(0, len(code), 3)]) for code in set(agents["code"])
        }
        for key, code in zip(normalise_all(agents["term"]).tolist(), agents["code"].tolist(), strict=True):
            role = roles[code]
            if role is not None and key and key not in SPOKESPERSONS:
                agent_roles.setdefault(key, role)
        book = _Dictionary(actors.reset_index(drop=True), country_ids)
        hand, affiliating = _hand_lists(countries, organizations, institutions, agent_roles)
        made = cls(hand, affiliating, book, agent_roles)
        for row in people.itertuples(index=False):  # a role from the title the list gives them
            described = made._scan(normalise(str(getattr(row, "role", "") or "")).split())[0]
            role = described.role if described is not None else None
            for surface in [str(row.name), *_split(row.aliases)]:  # people first, as in the gazetteer
                if normalise(surface):
                    hand[normalise(surface)] = Affiliation(str(row.actor_id), role)
        return made

    def affiliation(self, name: str, on: dt.date) -> Affiliation | None:
        """What ``name`` stands for on ``on`` (see the module doc), or None."""
        words = normalise(name).split()
        while words and words[0] in LEADING_WORDS:
            words = words[1:]
        for i in range(len(words)):
            described, read = self._scan(words[:i]) if i else (None, 0)
            if read < i:  # "Ivanka Trump" is not "Trump": only titles and affiliations go
                continue
            found = self._known(" ".join(words[i:]), on)
            # "Foreign Minister <known>": the title's role, where it agrees on the actor
            if (
                found is not None
                and found.role is None
                and described is not None
                and described.actor in (None, found.actor)
            ):
                return Affiliation(found.actor, described.role)
            if found is not None:
                return found
        return self._scan(words)[0]

    def _known(self, key: str, on: dt.date) -> Affiliation | None:
        """A listed name's affiliation. In a hand list: its actor, and the role of the
        dictionary's period that holds the day where the dictionary knows the name and agrees
        on the actor; before or between its periods no role; after all of them (the dictionary
        is from 2014) or where it knows nothing, the role of the title the hand list gives."""
        hand = self._hand.get(key)
        periods = self._book.get(key)
        dated = pick(periods, on) if periods else None
        if hand is None or periods is None:
            return hand or dated
        if dated is not None:
            return Affiliation(hand.actor, dated.role if dated.actor == hand.actor else hand.role)
        ended = all(end is not None and end < on for _, end, _ in periods)
        return Affiliation(hand.actor, hand.role if ended else None)

    def _phrase(self, words: list[str], i: int) -> tuple[int, str | None, tuple[Affiliation, bool] | None]:
        """The longest agent or affiliation phrase at ``words[i]``: its length (0: none), its
        agent role, its affiliation and whether that is enough on its own."""
        for n in range(min(MAX_PHRASE_WORDS, len(words) - i), 0, -1):
            phrase = " ".join(words[i : i + n])
            role, entity = self._agents.get(phrase), self._entities.get(phrase)
            if role is not None or entity is not None:
                return n, role, entity
        return 0, None, None

    def _scan(self, words: list[str]) -> tuple[Affiliation | None, int]:
        """What the leading words of a name say (step 3 of the module doc), and how many of
        them were read: agents, affiliations and neutral words, up to the first other word
        (the name itself; an agent after it is part of it: "Larry King", "Howard Dean")."""
        actor: Affiliation | None = None
        role: str | None = None
        enough = False  # an agent, an institution, an organisation or a coded title
        i = 0
        while i < len(words):
            n, agent, entity = self._phrase(words, i)
            if n == 0 and (words[i] in NEUTRAL_WORDS or words[i].isdigit()):
                n = 1
            elif n == 0:
                break
            if agent is not None and role is None:
                role, enough = agent, True
            elif entity is not None and actor is None:
                actor, enough = entity[0], enough or entity[1]
            i += n
        if not enough or (actor is None and role is None):
            return None, i
        if actor is None:
            return Affiliation(None, role), i
        return Affiliation(actor.actor, role or actor.role), i


class _Dictionary:
    """The dictionary's code periods by key, kept as the frame's columns and each key's row
    numbers (grouped by pandas, not by a loop over every row); a key's periods are made when
    it is looked up."""

    def __init__(self, actors: pd.DataFrame, countries: frozenset[str]) -> None:
        codes = {code: split_code(code, countries) for code in actors["code"].unique().tolist()}
        dates = {d: _date(d) for d in pd.concat([actors["start"], actors["end"]]).unique().tolist()}
        self._affiliations = [codes[c] for c in actors["code"].tolist()]
        self._starts = [dates[d] for d in actors["start"].tolist()]
        self._ends = [dates[d] for d in actors["end"].tolist()]
        self._rows: dict[str, list[int]] = {}
        for row, key in enumerate(normalise_all(actors["surface"]).tolist()):
            self._rows.setdefault(key, []).append(row)
        # Names with one undated code (countries, places, groups): what may stand before a name.
        self.places: dict[str, Affiliation] = {}
        for key, rows in self._rows.items():
            a = self._affiliations[rows[0]]
            if (
                len(rows) == 1
                and a is not None
                and self._starts[rows[0]] is None
                and self._ends[rows[0]] is None
            ):
                self.places[key] = a

    def __len__(self) -> int:
        return len(self._rows)

    def get(self, key: str) -> list[Period] | None:
        rows = self._rows.get(key)
        if rows is None:
            return None
        periods = [
            (self._starts[i], self._ends[i], a) for i in rows if (a := self._affiliations[i]) is not None
        ]
        return periods or None


def normalise_all(names: pd.Series) -> pd.Series:
    """``normalise`` of every name, vectorised (for the ASCII names; others one by one)."""
    text = names.str.lower().str.replace(r"[.']", "", regex=True)
    keys = text.str.replace(r"[^0-9a-z]+", " ", regex=True).str.strip()
    ascii_only = names.map(str.isascii).astype(bool)
    if not ascii_only.all():
        keys = keys.where(ascii_only, names.map(normalise))
    return keys


def _hand_lists(
    countries: pd.DataFrame,
    organizations: pd.DataFrame,
    institutions: pd.DataFrame,
    agents: dict[str, str],
) -> tuple[dict[str, Affiliation], dict[str, Affiliation]]:
    """Affiliations of the hand lists' names by key (institutions, organisations, countries,
    in that order of precedence; people are added over them by ``RoleBook.from_frames``), and
    those of institutions and organisations."""
    hand: dict[str, Affiliation] = {}
    affiliating: dict[str, Affiliation] = {}

    def add(surfaces: Iterable[str], affiliation: Affiliation, into: list[dict[str, Affiliation]]) -> None:
        for surface in surfaces:
            key = normalise(surface)
            for table in into:
                if key:
                    table.setdefault(key, affiliation)

    for row in institutions.itertuples(index=False):
        role = agents.get(normalise(str(row.name)).split()[-1], "GOV")  # "Congress" LEG, else GOV
        add([str(row.name)], Affiliation(str(row.actor_id), role), [hand, affiliating])
    for row in organizations.itertuples(index=False):
        org_role = None if str(row.actor_id) == "WEST" else "IGO"
        add(
            [str(row.name), *_split(row.aliases)],
            Affiliation(str(row.actor_id), org_role),
            [hand, affiliating],
        )
    for row in countries.itertuples(index=False):
        actor = str(row.actor_id)
        add([str(row.name), *_split(row.aliases), *_split(row.demonyms)], Affiliation(actor, None), [hand])
        add(_split(row.capitals), Affiliation(actor, "GOV"), [hand])
    return hand, affiliating


def prefer_actor(actor_of: Callable[[str], str | None], book: RoleLookup) -> RoleLookup:
    """A lookup that takes the actor from ``actor_of`` (the gazetteer: hand lists, custom
    actors, titled people) where it knows one, and the role from ``book`` when the book
    agrees on the actor (or knows only the role); else ``book``'s answer."""

    def lookup(name: str, on: dt.date) -> Affiliation | None:
        actor = actor_of(name)
        found = book(name, on)
        if actor is None:
            return found
        agrees = found is not None and found.actor in (actor, None)
        return Affiliation(actor, found.role if agrees and found is not None else None)

    return lookup


__all__ = ["RoleBook", "normalise", "pick", "prefer_actor", "split_code"]
