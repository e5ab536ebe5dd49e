"""data/reference/build_petrarch.py: TABARI actor and agent files -> the two CSVs, and the
committed CSVs themselves."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest

from flows.settings import PROJECT_ROOT

REFERENCE = PROJECT_ROOT / "data" / "reference"


def _converter() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_petrarch", REFERENCE / "build_petrarch.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["build_petrarch"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


build_petrarch = _converter()

COUNTRIES = """\
# a comment line
SERGEY_LAVROV_  # CountryInfo.txt
+LAVROV
+FOREIGN_MINISTER_SERGEY_V._LAVROV
\t[RUSGOV 19940922-20040712] # Amb. to UN
\t[RUSGOV >040309]  # Foreign Minister
JOHN_KERRY_ # just KERRY is somewhat vague...
+SENATOR_JOHN_KERRY_
\t[USAGOVLEG 850103-130201]
\t[USAGOV >130201]
SUDAN_  [SDN]
+DARFUR_
BROKEN_DATES_
\t[RUSGOV 2004017-20061201]
\t[RUSGOV 20100101-20090101]
\t[RUSELI]
U.N._
UN_SECURITY_COUNCIL_
\t[IGOUNO]
NO_CODE_AT_THE_END_
"""
INTERNATIONAL = """\
JAVIER_SOLANA_\t[IGOEUREEC 950701-951231][IGOWSTNAT 951205-991006] # two on one line
BAN_KI-MOON_
+ARMY_OF_X+_Y_
\t[IGOUNO <20161231]
"""
AGENTS = """\
!PERSON! = MAN, WOMAN
POLICE {} [~COP] # no plural
HUMAN_RIGHTS_GROUP [~HRI]
ATTORNEY_GENERAL {ATTORNEYS_GENERAL} [~GOVATG]
SPOKES!PERSON!  [~MED]
PARTY [~PTY]
NO_CODE_HERE
"""


@pytest.fixture
def built(tmp_path: Path) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, int]]:
    source = tmp_path / "petrarch2"
    source.mkdir()
    (source / "Phoenix.Countries.actors.txt").write_text(COUNTRIES, encoding="utf-8")
    (source / "Phoenix.International.actors.txt").write_text(INTERNATIONAL, encoding="utf-8")
    (source / "Phoenix.MilNonState.actors.txt").write_text("", encoding="utf-8")
    (source / "Phoenix.agents.txt").write_text(AGENTS, encoding="utf-8")
    counts = build_petrarch.build(source, tmp_path)
    first = {name: (tmp_path / name).read_bytes() for name in ("petrarch_actors.csv", "petrarch_agents.csv")}
    build_petrarch.build(source, tmp_path)
    for name, data in first.items():
        assert (tmp_path / name).read_bytes() == data, "a rerun writes identical bytes"
    read = {name: pd.read_csv(tmp_path / name, dtype=str, keep_default_na=False) for name in first}
    return read["petrarch_actors.csv"], read["petrarch_agents.csv"], counts


def test_actor_rows_are_surface_by_period(built: tuple[pd.DataFrame, pd.DataFrame, dict[str, int]]) -> None:
    actors, _, _ = built
    rows = [tuple(r) for r in actors.itertuples(index=False)]
    assert rows[:6] == [
        # the primary phrase, then each synonym, times each period; YYMMDD 04 -> 2004
        ("Sergey Lavrov", "Sergey Lavrov", "RUSGOV", "1994-09-22", "2004-07-12"),
        ("Sergey Lavrov", "Sergey Lavrov", "RUSGOV", "2004-03-09", ""),
        ("Lavrov", "Sergey Lavrov", "RUSGOV", "1994-09-22", "2004-07-12"),
        ("Lavrov", "Sergey Lavrov", "RUSGOV", "2004-03-09", ""),
        ("Foreign Minister Sergey V. Lavrov", "Sergey Lavrov", "RUSGOV", "1994-09-22", "2004-07-12"),
        ("Foreign Minister Sergey V. Lavrov", "Sergey Lavrov", "RUSGOV", "2004-03-09", ""),
    ]
    # YY 85 -> 1985, 13 -> 2013
    assert ("Senator John Kerry", "John Kerry", "USAGOVLEG", "1985-01-03", "2013-02-01") in rows
    # a code on the primary line is the undated default; "<d" is open at the start
    assert ("Darfur", "Sudan", "SDN", "", "") in rows
    assert ("Ban Ki-Moon", "Ban Ki-Moon", "IGOUNO", "", "2016-12-31") in rows


def test_several_codes_on_a_line_and_codeless_primaries(
    built: tuple[pd.DataFrame, pd.DataFrame, dict[str, int]],
) -> None:
    actors, _, _ = built
    solana = actors[actors["name"] == "Javier Solana"][["code", "start", "end"]].values.tolist()
    assert solana == [["IGOEUREEC", "1995-07-01", "1995-12-31"], ["IGOWSTNAT", "1995-12-05", "1999-10-06"]]
    # a primary phrase without a code shares the next record's codes (as PETRARCH reads it)
    un = actors[actors["code"] == "IGOUNO"]
    assert {"U.N.", "UN Security Council"} <= set(un["surface"])


def test_what_cannot_serve_is_dropped(built: tuple[pd.DataFrame, pd.DataFrame, dict[str, int]]) -> None:
    actors, agents, counts = built
    broken = actors[actors["name"] == "Broken Dates"]
    assert broken[["code", "start", "end"]].values.tolist() == [["RUSELI", "", ""]]  # the two bad ranges gone
    assert "No Code at the End" not in set(actors["surface"])
    assert not actors["surface"].str.contains(r"\+").any()  # "ARMY_OF_X+_Y_"
    assert counts["code or date that does not parse"] == 2
    assert counts["record without a code"] == 1
    assert counts["phrase that cannot serve"] == 1
    assert counts["agent line that does not parse"] == 1
    assert "no code here" not in set(agents["term"])


def test_agent_terms(built: tuple[pd.DataFrame, pd.DataFrame, dict[str, int]]) -> None:
    _, agents, _ = built
    assert [tuple(r) for r in agents.itertuples(index=False)] == [
        ("police", "COP"),  # {}: no plural
        ("human rights group", "HRI"),
        ("human rights groups", "HRI"),  # the regular plural
        ("attorney general", "GOVATG"),
        ("attorneys general", "GOVATG"),  # the plural given in {...}
        ("spokesman", "MED"),  # the substitution set, no plurals
        ("spokeswoman", "MED"),
        ("party", "PTY"),
        ("parties", "PTY"),
    ]


def test_committed_csvs_parse_with_their_columns() -> None:
    actors = pd.read_csv(REFERENCE / "petrarch_actors.csv", dtype=str, keep_default_na=False)
    agents = pd.read_csv(REFERENCE / "petrarch_agents.csv", dtype=str, keep_default_na=False)
    assert list(actors.columns) == ["surface", "name", "code", "start", "end"]
    assert list(agents.columns) == ["term", "code"]
    assert len(actors) > 40_000 and len(agents) > 5_000
    assert actors["code"].str.fullmatch(r"(?:[A-Z]{3})+").all()
    assert agents["code"].str.fullmatch(r"(?:[A-Z]{3})+").all()
    for column in ("start", "end"):
        dated = actors.loc[actors[column] != "", column]
        assert pd.to_datetime(dated, format="%Y-%m-%d").notna().all()
    closed = actors[(actors["start"] != "") & (actors["end"] != "")]
    assert (closed["start"] <= closed["end"]).all()
    assert (actors["surface"] != "").all() and not actors.duplicated().any()
    assert not agents["term"].duplicated().any()
    assert (REFERENCE / "LICENSE.petrarch2").read_text(encoding="utf-8").startswith("The MIT License")
