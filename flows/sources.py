"""Where raw articles come from: a ``Source`` lists file names and reads their bytes.

``InboxSource`` is the real one (a folder on disk); ``SnapshotSource`` holds the
files in memory for tests (as Dagster's HNClient / HNSnapshotClient pair).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from stages.ingest import (
    DEFAULT_MAX_ARTICLE_BYTES,
    JSONL_EXTENSIONS,
    OUTSIDE_INBOX,
    TOO_LARGE,
    UNREADABLE,
    RawFile,
)


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
    """Files under a folder, recursively; hidden files and folders (``.name``) are skipped.

    A path that leads outside the folder (a symlink, say) is not followed, an unreadable
    file is not fatal, and a file over the article size limit is not read into memory
    (JSON-lines files are, to be judged line by line): each comes back as a ``RawFile``
    with a ``problem``, which ingest turns into a reject.
    """

    def __init__(self, root: Path, max_article_bytes: int = DEFAULT_MAX_ARTICLE_BYTES) -> None:
        self.root = root
        self.max_article_bytes = max_article_bytes

    @property
    def location(self) -> str:
        return str(self.root)

    def list(self) -> list[str]:
        names = []
        for path in self.root.rglob("*"):
            rel = path.relative_to(self.root)
            if (path.is_file() or path.is_symlink()) and not any(part.startswith(".") for part in rel.parts):
                names.append(rel.as_posix())
        return sorted(names)

    def read(self, name: str) -> RawFile:
        path = self.root / name
        resolved = path.resolve()
        if not resolved.is_relative_to(self.root.resolve()):
            return RawFile(
                name, b"", (OUTSIDE_INBOX, f"the path leads outside the inbox, to {resolved}; not followed")
            )
        try:
            size = resolved.stat().st_size
            if size > self.max_article_bytes and not name.lower().endswith(JSONL_EXTENSIONS):
                return RawFile(
                    name,
                    b"",
                    (TOO_LARGE, f"{size:,} bytes is over the {self.max_article_bytes:,}-byte limit"),
                )
            return RawFile(name, resolved.read_bytes())
        except OSError as err:
            return RawFile(name, b"", (UNREADABLE, f"cannot be read: {err.strerror or err}"))


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
