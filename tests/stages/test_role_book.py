"""RoleBook: a name's affiliation and role on a day, from the PETRARCH2 dictionaries and the
hand lists; CAMEO codes read as actor + role."""

from __future__ import annotations

import time
from datetime import date

import pandas as pd
import pytest

from flows.resources import load_role_book
from flows.settings import PROJECT_ROOT
from stages.role_book import RoleBook, normalise, pick, prefer_actor, split_code
from stages.roles import ROLE_CODES, Affiliation

COUNTRIES = frozenset({"RUS", "USA", "SDN", "UKR"})


@pytest.fixture(scope="module")
def book() -> RoleBook:
    return load_role_book(PROJECT_ROOT / "data" / "reference")


# name, day, expected (actor, role) or None, why
CASES = [
    ("Sergey Lavrov", date(2021, 3, 1), ("RUS", "GOV"), "foreign minister since 2004 (RUSGOV >20040309)"),
    ("Sergei Lavrov", date(1995, 6, 1), ("RUS", "GOV"), "ambassador to the UN 1994-2004 (RUSGOV)"),
    ("Foreign Minister Sergei Lavrov", date(2021, 3, 1), ("RUS", "GOV"), "a leading title dropped"),
    ("Mr. Lavrov", date(2021, 3, 1), ("RUS", "GOV"), "the dictionary lists the surname as an alias"),
    ("Sergey Lavrov", date(1990, 1, 1), ("RUS", None), "before every period: the hand list's actor, no role"),
    ("Sergey Lavrov", date(1994, 9, 22), ("RUS", "GOV"), "a period's first day is in it"),
    ("Andrei Gromyko", date(1990, 1, 1), None, "dictionary only, a date outside his one period"),
    ("Andrei Gromyko", date(1970, 1, 1), ("RUS", "GOV"), "foreign minister 1957-1988"),
    ("Mikhail Gorbachev", date(2005, 1, 1), ("RUS", "ELI"), "no period holds: the undated code"),
    ("John Kerry", date(2010, 1, 1), ("USA", "LEG"), "senator: USAGOVLEG 850103-130201"),
    ("John Kerry", date(2014, 1, 1), ("USA", "GOV"), "secretary of state: USAGOV >130201"),
    ("Antony Blinken", date(2022, 1, 1), ("USA", "GOV"), "after his 2014 periods: the hand list's title"),
    ("Ukrainian Foreign Minister Dmytro Kuleba", date(2022, 1, 1), ("UKR", "GOV"), "demonym + agent"),
    ("Kremlin spokesman Dmitry Peskov", date(2022, 1, 1), ("RUS", "GOV"), "the Kremlin's role, not MED"),
    ("Kremlin spokesman Ivan Unknownov", date(2022, 1, 1), ("RUS", "GOV"), "an unknown name by its title"),
    ("Darfur rebels", date(2005, 1, 1), ("SDN", "REB"), "a place of Sudan + agent"),
    ("a human rights group", date(2022, 1, 1), (None, "HRI"), "an agent alone"),
    ("police", date(2022, 1, 1), (None, "COP"), "an agent alone, no plural"),
    ("Moscow police", date(2022, 1, 1), ("RUS", "COP"), "the agent's role beats the capital's GOV"),
    ("NATO", date(2022, 1, 1), ("NATO", "IGO"), "an organisation of the hand list"),
    ("U.N.", date(2022, 1, 1), ("UN", "IGO"), "dots dropped: the hand list's UN"),
    ("Congress", date(2022, 1, 1), ("USA", "LEG"), "an institution whose agent term is LEG"),
    ("Chad Wolf", date(2020, 1, 1), None, "a country before an unknown name is not enough"),
    ("Larry King", date(2016, 1, 1), None, "an agent after the name is part of it"),
    ("Ivanka Trump", date(2016, 1, 1), None, "a first name is not a title: not Donald Trump's"),
    ("Trump campaign", date(2016, 1, 1), None, "a person is never read as an affiliation"),
    ("Zero Hedge", date(2016, 1, 1), None, "a one-word dictionary place with a role is not enough"),
    ("27 companies", date(2016, 1, 1), (None, "BUS"), "numbers are read past"),
    ("New York judge", date(2016, 1, 1), ("USA", "JUD"), "a place of the USA + agent"),
    ("US President", date(2016, 1, 1), ("USA", "GOV"), "a dictionary title of several words"),
    ("Mr. Smith", date(2020, 1, 1), None, "a surname the dictionary does not list"),
    ("Zzyzx Qwerty", date(2020, 1, 1), None, "an unknown name"),
    ("", date(2020, 1, 1), None, "empty"),
    ("Mr.", date(2020, 1, 1), None, "only a title"),
]


@pytest.mark.parametrize(("name", "day", "expected", "why"), CASES, ids=[c[0] or "empty" for c in CASES])
def test_affiliation(
    book: RoleBook, name: str, day: date, expected: tuple[str | None, str | None] | None, why: str
) -> None:
    found = book.affiliation(name, day)
    assert (None if found is None else (found.actor, found.role)) == expected, why


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("RUSGOV", ("RUS", "GOV")),
        ("USALEG", ("USA", "LEG")),
        ("USAGOVLEG", ("USA", "LEG")),  # the legislative branch
        ("USAGOVBUS", ("USA", "GOV")),  # a sector of government is government
        ("SDN", ("SDN", None)),
        ("IGOWSTNAT", ("NATO", "IGO")),
        ("IGOUNODEVWBK", ("WB", "IGO")),  # the longest known prefix
        ("IGOLAM", ("IGO", "IGO")),  # an organisation the hand list lacks
        ("MNCUSA", ("USA", "BUS")),
        ("NGOUSAHRI", ("USA", "NGO")),
        ("MEAREB", (None, "REB")),  # a region: no actor
        ("KSVGOV", ("XKX", "GOV")),  # CAMEO's Kosovo
        ("ZZZ", None),
    ],
)
def test_split_code(code: str, expected: tuple[str | None, str | None] | None) -> None:
    found = split_code(code, COUNTRIES | {"XKX"})
    assert (None if found is None else (found.actor, found.role)) == expected


def test_pick_prefers_a_dated_period_then_the_default() -> None:
    gov, eli = Affiliation("AFG", "GOV"), Affiliation("AFG", "ELI")
    periods = [(None, None, eli), (date(1933, 11, 8), date(1973, 7, 17), gov)]
    assert pick(periods, date(1950, 1, 1)) == gov
    assert pick(periods, date(1973, 7, 17)) == gov  # both ends inclusive
    assert pick(periods, date(1980, 1, 1)) == eli
    assert pick(periods[1:], date(1980, 1, 1)) is None


def test_normalise() -> None:
    assert normalise("  U.N.  Secretary-General Ban Ki-moon ") == "un secretary general ban ki moon"
    assert normalise("Sergéy O'Lavrov") == "sergey olavrov"


def test_tiny_frames() -> None:
    """Built from frames alone: the hand list's actor wins, the dictionary's dated role is kept."""
    actors = pd.DataFrame(
        {
            "surface": ["Ann Example", "Ann Example", "Ruritania"],
            "name": ["Ann Example", "Ann Example", "Ruritania"],
            "code": ["RUSLEG", "RUSGOV", "RUS"],
            "start": ["2000-01-01", "2010-01-01", ""],
            "end": ["2009-12-31", "", ""],
        }
    )
    agents = pd.DataFrame({"term": ["rebels", "spokesman"], "code": ["REB", "MED"]})
    countries = pd.DataFrame(
        {
            "actor_id": ["RUS"],
            "name": ["Russia"],
            "aliases": [""],
            "capitals": ["Moscow"],
            "demonyms": ["Russian"],
        }
    )
    organizations = pd.DataFrame({"actor_id": ["NATO"], "name": ["NATO"], "aliases": [""]})
    institutions = pd.DataFrame({"name": ["Kremlin"], "actor_id": ["RUS"]})
    people = pd.DataFrame(
        {"name": ["Ann Example"], "actor_id": ["RUS"], "aliases": ["Example"], "role": [""]}
    )
    book = RoleBook.from_frames(actors, agents, countries, organizations, institutions, people)
    assert book.affiliation("Ann Example", date(2005, 1, 1)) == Affiliation("RUS", "LEG")
    assert book.affiliation("Example", date(2015, 1, 1)) == Affiliation(
        "RUS", None
    )  # the alias is the hand list's
    assert book.affiliation("Ruritania rebels", date(2015, 1, 1)) == Affiliation("RUS", "REB")
    assert book.affiliation("a spokesman", date(2015, 1, 1)) is None  # a bare spokesperson says nothing
    assert book.affiliation("Kremlin spokesman Bob", date(2015, 1, 1)) == Affiliation("RUS", "GOV")


def test_prefer_actor_takes_the_gazetteer_actor_first() -> None:
    book = {"Sergei Lavrov": Affiliation("RUS", "GOV"), "police": Affiliation(None, "COP")}
    lookup = prefer_actor(
        {"Sergei Lavrov": "RUS", "Joe": "USA", "police": "GBR"}.get, lambda n, d: book.get(n)
    )
    day = date(2022, 1, 1)
    assert lookup("Sergei Lavrov", day) == Affiliation("RUS", "GOV")
    assert lookup("Joe", day) == Affiliation("USA", None)  # the book knows nothing
    assert lookup("police", day) == Affiliation("GBR", "COP")  # the book knows only the role
    assert lookup("nobody", day) is None


def test_built_fast_and_looked_up_fast(book: RoleBook) -> None:
    started = time.perf_counter()
    load_role_book(PROJECT_ROOT / "data" / "reference")
    assert time.perf_counter() - started < 3.0  # ~0.4 s measured; generous for a loaded CI machine
    started = time.perf_counter()
    for _ in range(1000):
        book.affiliation("Ukrainian Foreign Minister Dmytro Kuleba", date(2022, 1, 1))
    assert time.perf_counter() - started < 1.0  # ~15-25 µs a call measured


def test_every_role_the_dictionary_yields_is_a_role_code() -> None:
    actors = pd.read_csv(
        PROJECT_ROOT / "data" / "reference" / "petrarch_actors.csv", dtype=str, keep_default_na=False
    )
    roles = {a.role for code in set(actors["code"]) if (a := split_code(code, COUNTRIES)) is not None}
    assert roles - {None} <= set(ROLE_CODES)
