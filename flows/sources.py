"""Where raw articles come from: a ``Source`` lists file names and reads their bytes.

``InboxSource`` is the real one (a folder on disk); ``SnapshotSource`` holds the
files in memory for tests (as Dagster's HNClient / HNSnapshotClient pair).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from stages.ingest import RawFile


class Source(Protocol):
    """A set of named raw files."""

    @property
    def location(self) -> str:
        """Where the files are, for the runs table and messages."""
        ...

    def list(self) -> list[str]:
        """Names of the files, sorted, relative to the source."""
        ...

    def read(self, name: str) -> RawFile:
        """The bytes of one listed file."""
        ...


class InboxSource:
    """Files under a folder, recursively; hidden files and folders (``.name``) are skipped."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def location(self) -> str:
        return str(self.root)

    def list(self) -> list[str]:
        names = []
        for path in self.root.rglob("*"):
            rel = path.relative_to(self.root)
            if path.is_file() and not any(part.startswith(".") for part in rel.parts):
                names.append(rel.as_posix())
        return sorted(names)

    def read(self, name: str) -> RawFile:
        return RawFile(name, (self.root / name).read_bytes())


class SnapshotSource:
    """Files held in memory: ``{name: bytes}``."""

    def __init__(self, files: Mapping[str, bytes], location: str = "snapshot") -> None:
        self._files = dict(files)
        self._location = location

    @property
    def location(self) -> str:
        return self._location

    def list(self) -> list[str]:
        return sorted(self._files)

    def read(self, name: str) -> RawFile:
        return RawFile(name, self._files[name])
