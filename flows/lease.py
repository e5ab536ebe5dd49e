"""The single-writer lock of a warehouse on object storage: a lease object, ``<prefix>/_lease.json``.

An object store has no ``flock`` and a pid means nothing on another host, so the writer holds a
*lease*: an object created with a conditional PUT (``If-None-Match: *``), which S3 lets exactly
one client win. It names its holder (owner, pid, host, start) and when it expires; the holder
renews it every ``ttl / 4`` seconds with ``If-Match`` on the ETag it wrote, so a holder that
lost it (another writer took it over after it expired) finds out at its next renewal and at the
check before each commit (``assert_held``). A writer that finds the lease expired takes it over
with ``If-Match`` on the expired lease's ETag (of two such writers, one wins). The holder deletes
it on exit (again ``If-Match``); a killed holder's lease simply expires.

The interface is ``flows.warehouse_lock.WriteLock``'s, which stays the lock of a local folder.
"""

from __future__ import annotations

import json
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any

from flows.location import Location
from flows.warehouse_lock import WarehouseBusy

LEASE_FILE = "_lease.json"
LEASE_SECONDS = 60
CONFLICT_CODES = frozenset({"PreconditionFailed", "ConditionalRequestConflict", "412", "409"})

# The leases this process holds: lease URI -> the holder's state (its ETag, renewal thread).
_held: dict[str, _Holding] = {}
_held_guard = threading.Lock()


class LeaseLost(WarehouseBusy):
    """This run's lease expired and another writer took it over: it must not commit."""


class _Holding:
    def __init__(self, etag: str, record: dict[str, Any]) -> None:
        self.etag = etag
        self.record = record
        self.lost = False
        self.released = False
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None
        self.guard = threading.Lock()


class Lease:
    """The lease object of the warehouse at ``location`` (an ``s3://`` prefix)."""

    def __init__(self, location: Location, ttl_seconds: int = LEASE_SECONDS) -> None:
        self.location = location
        self.ttl = ttl_seconds
        rest = str(location.root).removeprefix("s3://")
        self.bucket, _, prefix = rest.partition("/")
        self.key = f"{prefix}/{LEASE_FILE}" if prefix else LEASE_FILE
        self._holding: _Holding | None = None  # the lease this object took, if any

    @property
    def path(self) -> str:
        return self.location.uri(LEASE_FILE)

    @cached_property
    def _client(self) -> Any:
        import boto3

        return boto3.client("s3")

    # --- reading ---------------------------------------------------------------------------------
    def _read(self) -> tuple[dict[str, Any], str] | None:
        from botocore.exceptions import ClientError

        try:
            got = self._client.get_object(Bucket=self.bucket, Key=self.key)
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise
        try:
            record = json.loads(got["Body"].read())
        except ValueError:
            record = {}
        return (record if isinstance(record, dict) else {}), str(got["ETag"])

    def holder(self) -> dict[str, Any] | None:
        """Who holds the lease, or None when nobody does (absent, or expired)."""
        found = self._read()
        if found is None or _expired(found[0]):
            return None
        return found[0]

    def ensure_free(self) -> None:
        holder = self.holder()
        if holder is not None:
            raise self._busy(holder)

    # --- holding ---------------------------------------------------------------------------------
    @contextmanager
    def hold(self, owner: str) -> Iterator[None]:
        """Hold the lease for the block; ``WarehouseBusy`` at once when another writer holds it."""
        record = {
            "owner": owner,
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "since": _now().isoformat(),
        }
        holding = _Holding(self._acquire(record), record)
        self._holding = holding
        with _held_guard:
            _held[self.path] = holding
        holding.thread = threading.Thread(
            target=self._renew, args=(holding,), name="stancewire-lease", daemon=True
        )
        holding.thread.start()
        try:
            yield
        finally:
            self._release(holding)

    def assert_held(self) -> None:
        """Raise ``LeaseLost`` if the lease this object (else this process) took was taken over
        (checked before each commit)."""
        with _held_guard:
            holding = self._holding or _held.get(self.path)
        if holding is None:
            return
        if holding.lost or not self._renew_once(holding):
            raise LeaseLost(
                f"the write lease of {self.location} expired and another writer took it over; "
                "this run stops without publishing"
            )

    def release_own(self) -> None:
        """Give the lease back if this process holds it (a forced stop, ``flows.stopping``)."""
        with _held_guard:
            holding = _held.get(self.path)
        if holding is not None:
            self._release(holding)

    def _acquire(self, record: dict[str, Any]) -> str:
        """Create the lease (or take over an expired one); its ETag, or ``WarehouseBusy``."""
        body = self._body(record)
        try:
            return str(
                self._client.put_object(Bucket=self.bucket, Key=self.key, Body=body, IfNoneMatch="*")["ETag"]
            )
        except Exception as err:
            if not _is_conflict(err):
                raise
        found = self._read()
        if found is not None and not _expired(found[0]):
            raise self._busy(found[0])
        try:
            if found is None:  # released meanwhile
                put = self._client.put_object(Bucket=self.bucket, Key=self.key, Body=body, IfNoneMatch="*")
            else:  # expired: take it over, unless another writer does first
                put = self._client.put_object(Bucket=self.bucket, Key=self.key, Body=body, IfMatch=found[1])
        except Exception as err:
            if not _is_conflict(err):
                raise
            again = self._read()
            raise self._busy(again[0] if again else {}) from None
        return str(put["ETag"])

    def _body(self, record: dict[str, Any]) -> bytes:
        expires = _now() + timedelta(seconds=self.ttl)
        return json.dumps({**record, "expires": expires.isoformat()}).encode()

    def _renew_once(self, holding: _Holding) -> bool:
        """Push the lease's expiry on (If-Match on our ETag); False if it is no longer ours."""
        with holding.guard:
            if holding.lost or holding.released:
                return False
            try:
                put = self._client.put_object(
                    Bucket=self.bucket, Key=self.key, Body=self._body(holding.record), IfMatch=holding.etag
                )
            except Exception as err:
                if _is_conflict(err) or "NoSuchKey" in str(err):
                    holding.lost = True
                    return False
                return True  # a network error: the lease still has time; the next renewal retries
            holding.etag = str(put["ETag"])
            return True

    def _renew(self, holding: _Holding) -> None:
        while not holding.stop.wait(self.ttl / 4):
            if not self._renew_once(holding):
                return

    def _release(self, holding: _Holding) -> None:
        """Stop renewing and delete the lease if it is still ours; once only."""
        holding.stop.set()
        with _held_guard:
            if _held.get(self.path) is holding:
                del _held[self.path]
        if self._holding is holding:
            self._holding = None
        with holding.guard:
            if holding.lost or holding.released:
                return
            holding.released = True
            try:
                self._client.delete_object(Bucket=self.bucket, Key=self.key, IfMatch=holding.etag)
            except Exception as err:
                if not _is_conflict(err):
                    raise

    def _busy(self, holder: dict[str, Any]) -> WarehouseBusy:
        return WarehouseBusy(
            f"another run ({holder.get('owner', 'unknown')}, pid {holder.get('pid', -1)} on "
            f"{holder.get('host', '?')}) has been writing {self.location} since {holder.get('since', '?')} "
            f"(its lease runs to {holder.get('expires', '?')}); try again when it ends"
        )


def _now() -> datetime:
    return datetime.now(UTC)


def _expired(record: dict[str, Any]) -> bool:
    try:
        return datetime.fromisoformat(str(record["expires"])) <= _now()
    except (KeyError, ValueError):
        return True  # a damaged lease holds nobody


def _is_conflict(err: Exception) -> bool:
    response = getattr(err, "response", None)
    if not isinstance(response, dict):
        return False
    error = response.get("Error", {})
    status = str(response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))
    return str(error.get("Code")) in CONFLICT_CODES or status in ("409", "412")
