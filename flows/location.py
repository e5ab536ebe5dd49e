"""Where a warehouse lives: a local folder or an object store prefix (``s3://bucket/prefix``).

``Location`` is the one place that turns a path inside the warehouse (``articles/run_date=…``)
into a file operation, through fsspec: the local file system for a folder, s3fs for ``s3://``.
Credentials, region and endpoint come from the standard AWS variables (``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY``, ``AWS_REGION``, ``AWS_ENDPOINT_URL``), read by botocore itself; the
Delta Lake writer (delta-rs) reads the same variables, and ``AWS_ALLOW_HTTP=true`` for an
endpoint without TLS.

A local write goes through a temporary file and one atomic rename; an object store PUT is
atomic by itself. Listings are never cached: stage workers in other processes write the files a
later listing must see.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from functools import cached_property
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

REMOTE_SCHEMES = ("s3://",)


def is_uri(root: str | Path) -> bool:
    """Whether ``root`` names an object store prefix rather than a local folder."""
    return isinstance(root, str) and root.startswith(REMOTE_SCHEMES)


def normalize(root: str | Path) -> str | Path:
    """A warehouse setting as ``Location`` takes it: a URI without its trailing ``/``, or an
    absolute local path."""
    if is_uri(root):
        return str(root).rstrip("/")
    if isinstance(root, str) and "://" in root:
        raise ValueError(f"unsupported warehouse URI {root!r}: use a local folder or s3://bucket/prefix")
    return Path(root).expanduser().resolve()


class Location:
    """A warehouse's root: a local folder (``Path``) or an ``s3://bucket/prefix`` URI."""

    def __init__(self, root: str | Path) -> None:
        self.root = normalize(root)

    @property
    def is_local(self) -> bool:
        return isinstance(self.root, Path)

    @property
    def local(self) -> Path:
        """The local folder (only for a local warehouse)."""
        if not isinstance(self.root, Path):
            raise TypeError(f"{self.root} is not a local folder")
        return self.root

    def __str__(self) -> str:
        return str(self.root)

    @cached_property
    def fs(self) -> Any:
        """The fsspec file system (s3fs for ``s3://``, made on first use)."""
        if self.is_local:
            from fsspec.implementations.local import LocalFileSystem

            return LocalFileSystem()
        import s3fs

        # No listing cache: a listing must see files other processes wrote since.
        return s3fs.S3FileSystem(use_listings_cache=False, skip_instance_cache=True)

    def path(self, rel: str = "") -> str:
        """``rel`` as a path of the file system (``bucket/prefix/rel`` or ``/abs/rel``)."""
        base = str(self.root).removeprefix("s3://") if not self.is_local else str(self.root)
        return f"{base}/{rel}" if rel else base

    def uri(self, rel: str = "") -> str:
        """``rel`` as a URI another library opens (``s3://bucket/prefix/rel``, or a local path)."""
        return f"{self.root}/{rel}" if rel else str(self.root)

    # --- files ---------------------------------------------------------------------------------
    def exists(self, rel: str) -> bool:
        return bool(self.fs.exists(self.path(rel)))

    def read_bytes(self, rel: str) -> bytes:
        """The file's bytes; ``FileNotFoundError`` when there is none."""
        return bytes(self.fs.cat_file(self.path(rel)))

    def write_bytes(self, rel: str, data: bytes) -> None:
        """Write a file whole: readers see the old one or the new one, never half of it."""
        if self.is_local:
            target = self.local / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{target.name}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, target)
        else:
            self.fs.pipe_file(self.path(rel), data)

    def delete(self, rel: str) -> None:
        """Remove a file if it is there."""
        with contextlib.suppress(FileNotFoundError):
            self.fs.rm_file(self.path(rel))

    def remove_tree(self, rel: str) -> None:
        """Remove a folder and everything under it, if it is there."""
        if self.is_local:
            shutil.rmtree(self.local / rel, ignore_errors=True)
            return
        with contextlib.suppress(FileNotFoundError):
            if self.fs.exists(self.path(rel)):
                self.fs.rm(self.path(rel), recursive=True)

    def glob(self, pattern: str) -> list[str]:
        """The files matching ``pattern`` (relative to the root), as relative paths, sorted."""
        base = self.path()
        found = self.fs.glob(self.path(pattern))
        return sorted(str(p).removeprefix(base).lstrip("/") for p in found)

    def move(self, src: str, dst: str) -> None:
        """Move a file within the warehouse (a rename on disk; a copy and delete on S3)."""
        if self.is_local:
            target = self.local / dst
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self.local / src, target)
        else:
            self.fs.mv(self.path(src), self.path(dst))

    def size(self, rel: str) -> int:
        return int(self.fs.size(self.path(rel)))

    # --- Parquet -------------------------------------------------------------------------------
    def write_parquet(self, rel: str, table: pa.Table) -> None:
        """Write a Parquet file whole (zstd)."""
        if self.is_local:
            target = self.local / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{target.name}.tmp")
            pq.write_table(table, tmp, compression="zstd")
            os.replace(tmp, target)
        else:
            with self.fs.open(self.path(rel), "wb") as out:
                pq.write_table(table, out, compression="zstd")

    def read_parquet(self, rel: str, columns: list[str] | None, schema: pa.Schema) -> pa.Table:
        if self.is_local:
            return pq.read_table(self.local / rel, columns=columns, schema=schema)
        with self.fs.open(self.path(rel), "rb") as src:
            return pq.read_table(src, columns=columns, schema=schema)

    def parquet_rows(self, rel: str) -> int:
        """Rows of a Parquet file, from its footer."""
        if self.is_local:
            return int(pq.ParquetFile(self.local / rel).metadata.num_rows)
        with self.fs.open(self.path(rel), "rb") as src:
            return int(pq.ParquetFile(src).metadata.num_rows)
