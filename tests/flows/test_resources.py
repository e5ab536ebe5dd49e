"""Reference data: country ids are ISO 3166-1, pycountry fills in the rest, users can add their own actors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pycountry
import pytest

from flows.resources import country_frame, load_tagger
from flows.settings import PROJECT_ROOT

REFERENCE = PROJECT_ROOT / "data" / "reference"


def test_country_ids_are_iso_alpha3_and_pycountry_fills_the_rest() -> None:
    frame = country_frame(REFERENCE)
    ids = set(frame["actor_id"])
    assert ids - {c.alpha_3 for c in pycountry.countries} == {"XKX"}, (
        "Kosovo's user-assigned code is the only other"
    )
    assert {"HKG", "PRI", "GRL"} <= ids, "territories come from pycountry"
    assert "JEY" not in ids, "'Jersey' would match New Jersey"
    assert frame["actor_id"].is_unique


def test_users_can_add_their_own_actors(tmp_path: Path) -> None:
    reference = tmp_path / "reference"
    shutil.copytree(REFERENCE, reference)
    (reference / "custom_actors.csv").write_text(
        "surface,actor_id,kind,name\nAcme Party,XAP,organization,Acme Party\nBlinken,GBR,person,Someone Else\n"
    )
    tagger = load_tagger(reference)
    found = {(m.surface, m.actor) for m in tagger.gazetteer.find("The Acme Party and Blinken met.")}
    assert found == {("Acme Party", "XAP"), ("Blinken", "GBR")}, "custom entries are added and win"
    (reference / "custom_actors.csv").write_text("surface,actor_id,kind,name\nX,XXX,planet,X\n")
    with pytest.raises(ValueError, match="kind must be one of"):
        load_tagger(reference)
