"""The reference snapshot the Dask workers load: written once per content, read back the same on
either store, refused when incomplete or changed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from flows.location import Location
from flows.reference_snapshot import (
    MANIFEST,
    SnapshotError,
    open_snapshot,
    publish_snapshot,
    snapshot_files,
)
from flows.resources import ModelError, load_resources
from flows.settings import PROJECT_ROOT

REFERENCE = PROJECT_ROOT / "data" / "reference"
MODEL = PROJECT_ROOT / "data" / "models" / "stance_minilm"


def reference_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "reference"
    shutil.copytree(REFERENCE, copy)
    return copy


def test_a_snapshot_holds_the_reference_files_and_the_models_named_files() -> None:
    files = snapshot_files(REFERENCE, MODEL)
    assert {f"reference/{p.name}" for p in REFERENCE.iterdir() if p.is_file()} <= set(files)
    model = sorted(name for name in files if name.startswith("stance_minilm/"))
    assert model == ["stance_minilm/card.json", "stance_minilm/model.onnx", "stance_minilm/tokenizer.json"]
    assert "stance_minilm/model.fp32.onnx" not in files, "only what the card names, not a training leftover"
    assert not any(n.startswith("stance_minilm/") for n in snapshot_files(REFERENCE, None)), "--tagger fast"


def test_a_snapshot_is_written_once_per_content_and_read_back_whole(
    store_root: str | Path, tmp_path: Path
) -> None:
    reference = reference_copy(tmp_path)
    first = publish_snapshot(store_root, reference, MODEL)
    location = Location(store_root)
    manifest = location.read_bytes(f"{first.rel}/{MANIFEST}")
    assert publish_snapshot(store_root, reference, MODEL) == first, "same content, same snapshot"
    assert location.read_bytes(f"{first.rel}/{MANIFEST}") == manifest, "not written again"

    folder, model = open_snapshot(first, tmp_path / "scratch")
    assert model is not None
    for name in json.loads(manifest):
        source = (reference if name.startswith("reference/") else MODEL) / name.split("/", 1)[1]
        copy = (folder if name.startswith("reference/") else model) / name.split("/", 1)[1]
        assert copy.read_bytes() == source.read_bytes(), name
    if location.is_local:
        assert folder.is_relative_to(location.local), "a local warehouse's snapshot is read where it is"
    else:
        assert folder.is_relative_to(tmp_path / "scratch"), "an S3 snapshot is downloaded to the worker"
        assert open_snapshot(first, tmp_path / "scratch") == (folder, model), "downloaded once"
    resources = load_resources(folder, sentence_model_dir=model)
    assert resources.tagger.gazetteer.actor_of("Russia") is not None, "the resources load from the copy"

    (reference / "custom_actors.csv").write_text("name,actor\nAcme Corp,ACME\n")
    changed = publish_snapshot(store_root, reference, MODEL)
    assert changed.digest != first.digest, "changed reference data is a new snapshot"
    assert publish_snapshot(store_root, reference, None).has_model is False


def test_an_incomplete_or_changed_snapshot_is_refused(store_root: str | Path, tmp_path: Path) -> None:
    snapshot = publish_snapshot(store_root, reference_copy(tmp_path), None)
    location = Location(store_root)
    if not location.is_local:
        bad = f"{snapshot.rel}/reference/cues.csv"
        location.write_bytes(bad, location.read_bytes(bad) + b"tampered,1\n")
        with pytest.raises(SnapshotError, match="not the file its manifest names"):
            open_snapshot(snapshot, tmp_path / "scratch")
        assert not (tmp_path / "scratch" / snapshot.digest).exists(), "nothing half-downloaded is kept"
    location.delete(f"{snapshot.rel}/{MANIFEST}")
    with pytest.raises(SnapshotError, match="incomplete"):
        open_snapshot(snapshot, tmp_path / "scratch-2")
    again = publish_snapshot(store_root, reference_copy(tmp_path / "again"), None)
    assert again == snapshot and open_snapshot(again, tmp_path / "scratch-3"), "a run copies it again"


def test_a_changed_model_is_refused_before_it_is_copied(tmp_path: Path) -> None:
    model = tmp_path / "stance_minilm"
    shutil.copytree(MODEL, model, ignore=shutil.ignore_patterns("model.fp32.onnx"))
    (model / "tokenizer.json").write_text("{}")
    with pytest.raises(ModelError, match="is not the file"):
        publish_snapshot(tmp_path / "wh", REFERENCE, model)
    assert not (tmp_path / "wh").exists()
    with pytest.raises(SnapshotError, match="is not a folder"):
        publish_snapshot(tmp_path / "wh", tmp_path / "no-such-reference", None)
