"""The reference data and sentence model a run's stage workers load, copied into the warehouse.

A Dask worker may run on another host than the flow, where the flow's ``data/reference/`` (or
the folder ``STANCEWIRE_REFERENCE`` names) and its models do not exist, or exist in another
version. So the flow publishes what the workers need into the warehouse, which every worker
reaches (a shared folder or ``s3://``), and the workers load that copy:

    _reference/<digest>/reference/<file>        every file of the reference folder
    _reference/<digest>/stance_minilm/<file>    the sentence model's card and the files it names
    _reference/<digest>/snapshot.json           written last: each file's SHA-256

``<digest>`` is the SHA-256 of the names and contents, so a snapshot is written once per
version of the data and never changed after: a rerun with the same data copies nothing, and
a long-lived worker never mixes two versions. A worker on another host downloads an S3
snapshot into its own scratch folder once and checks every file's hash; a local warehouse's
snapshot is read where it is.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

from flows.location import Location
from flows.resources import file_sha256, sentence_model_files

SNAPSHOTS = "_reference"
MANIFEST = "snapshot.json"
REFERENCE, MODEL = "reference", "stance_minilm"


class SnapshotError(RuntimeError):
    """A snapshot that is incomplete or whose files are not the ones its manifest names."""


@dataclass(frozen=True)
class Snapshot:
    """Where a snapshot is: the warehouse's root and the snapshot's digest."""

    warehouse: str  # a local folder or an s3:// URI (picklable, for the workers)
    digest: str
    has_model: bool

    @property
    def rel(self) -> str:
        return f"{SNAPSHOTS}/{self.digest}"


def snapshot_files(reference_dir: Path, model_dir: Path | None) -> dict[str, Path]:
    """What a worker needs, by its name inside a snapshot: every file at the top of
    ``reference_dir`` and, with a ``model_dir``, its ``card.json`` and the files the card names
    (checked against their hashes first: a changed model is refused here, not on a worker)."""
    if not reference_dir.is_dir():
        raise SnapshotError(f"reference folder {reference_dir} is not a folder")
    files = {f"{REFERENCE}/{p.name}": p for p in sorted(reference_dir.iterdir()) if p.is_file()}
    if model_dir is not None:
        names = ["card.json", *sentence_model_files(model_dir)]
        files.update({f"{MODEL}/{name}": model_dir / name for name in names})
    return files


def publish_snapshot(warehouse: str | Path, reference_dir: Path, model_dir: Path | None) -> Snapshot:
    """Copy the reference data (and the sentence model in ``model_dir``) into ``warehouse``,
    unless a snapshot of the same contents is already there; the snapshot."""
    files = snapshot_files(reference_dir, model_dir)
    hashes = {name: file_sha256(path) for name, path in files.items()}
    digest = hashlib.sha256(json.dumps(hashes, sort_keys=True).encode()).hexdigest()[:32]
    location = Location(warehouse)
    snapshot = Snapshot(str(location.root), digest, model_dir is not None)
    if not location.exists(f"{snapshot.rel}/{MANIFEST}"):
        for name, path in files.items():
            location.write_bytes(f"{snapshot.rel}/{name}", path.read_bytes())
        # Last: a snapshot without its manifest is one a run stopped copying, and is copied again.
        location.write_bytes(f"{snapshot.rel}/{MANIFEST}", json.dumps(hashes, indent=1).encode())
    return snapshot


def open_snapshot(snapshot: Snapshot, scratch: Path) -> tuple[Path, Path | None]:
    """The local folders of a snapshot's reference data and model (None without one): where they
    are, for a local warehouse; for S3, downloaded into ``scratch`` once (checked file by file
    against the manifest, then renamed into place whole)."""
    location = Location(snapshot.warehouse)
    if location.is_local:
        root = location.local / snapshot.rel
        if not (root / MANIFEST).is_file():
            raise SnapshotError(f"reference snapshot {root} is incomplete (no {MANIFEST})")
    else:
        root = scratch / snapshot.digest
        if not (root / MANIFEST).is_file():
            _download(location, snapshot, root)
    return root / REFERENCE, (root / MODEL if snapshot.has_model else None)


def _download(location: Location, snapshot: Snapshot, root: Path) -> None:
    try:
        manifest = location.read_bytes(f"{snapshot.rel}/{MANIFEST}")
    except FileNotFoundError:
        raise SnapshotError(f"reference snapshot {location.uri(snapshot.rel)} is incomplete") from None
    hashes: dict[str, str] = json.loads(manifest)
    tmp = root.with_name(f".{root.name}.{uuid.uuid4().hex[:8]}")
    try:
        for name, digest in hashes.items():
            data = location.read_bytes(f"{snapshot.rel}/{name}")
            if hashlib.sha256(data).hexdigest() != digest:
                raise SnapshotError(f"{location.uri(snapshot.rel)}/{name} is not the file its manifest names")
            target = tmp / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        (tmp / MANIFEST).write_bytes(manifest)
        root.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.rename(tmp, root)
        except OSError:  # another worker of this host renamed its copy first
            if not (root / MANIFEST).is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
