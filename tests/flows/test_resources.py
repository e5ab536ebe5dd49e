"""Reference data: country ids are ISO 3166-1, pycountry fills in the rest, users can add their own actors.
The parser loads with what attribution reads, and only a process that asks for it imports spaCy."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pycountry
import pytest

from flows.resources import country_frame, load_parser, load_tagger
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


@pytest.fixture(scope="module")
def parser() -> Any:
    return load_parser()


def test_the_parser_has_what_attribution_reads(parser: Any) -> None:
    assert parser.pipe_names == ["tok2vec", "tagger", "parser", "ner"]
    assert "senter" not in parser.component_names, "excluded: stancewire splits sentences itself"
    assert {"attribute_ruler", "lemmatizer"}.isdisjoint(parser.component_names), "excluded: not read"
    doc = parser("Ukrainian Foreign Minister Dmytro Kuleba said that Russia must withdraw its troops.")
    by_text = {token.text: token for token in doc}
    said, kuleba, withdraw = by_text["said"], by_text["Kuleba"], by_text["withdraw"]
    assert (kuleba.dep_, kuleba.head.i) == ("nsubj", said.i), "the speaker is the cue's subject"
    assert (withdraw.dep_, withdraw.head.i) == ("ccomp", said.i), "the content is its clausal complement"
    assert said.dep_ == "ROOT" and said.tag_ == "VBD", "a cue is known by its form and verb tag"
    assert not said.lemma_, "no lemmatizer: attribution does not read lemmas"
    assert ("Dmytro Kuleba", "PERSON") in {(ent.text, ent.label_) for ent in doc.ents}
    assert ("Russia", "GPE") in {(ent.text, ent.label_) for ent in doc.ents}


@pytest.mark.parametrize("module", ["flows.resources", "flows.nightly"])
def test_only_a_process_that_parses_imports_spacy(module: str) -> None:
    probe = f"import sys, {module}; print('spacy' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False", "spaCy (~1 s, 35-80 MB) is imported by load_parser() alone"
