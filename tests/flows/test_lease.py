"""The single writer on S3: a lease object made by conditional PUT (moto on 127.0.0.1)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest

from flows.lease import Lease, LeaseLost
from flows.location import Location
from flows.storage import Warehouse, WarehouseBusy


@pytest.fixture
def root(s3_server: str) -> Iterator[str]:
    yield f"s3://stancewire-test/lease-{uuid.uuid4().hex[:8]}"


def test_one_writer_at_a_time_and_the_lease_is_deleted_on_exit(root: str) -> None:
    wh = Warehouse(root)
    with wh.lock("run-1"):
        holder = wh.write_lock.holder()
        assert holder is not None and holder["owner"] == "run-1"
        with pytest.raises(
            WarehouseBusy, match=r"another run \(run-1, pid \d+ on .*\) has been writing s3://"
        ):
            wh.ensure_free()
        with pytest.raises(WarehouseBusy, match="run-1"), Warehouse(root).lock("run-2"):
            pass
        assert wh.location.exists("_lease.json")
    assert not wh.location.exists("_lease.json"), "released on exit"
    wh.ensure_free()
    with Warehouse(root).lock("run-3"):
        assert json.loads(wh.location.read_bytes("_lease.json"))["owner"] == "run-3"


def test_an_expired_lease_is_taken_over_and_its_old_holder_cannot_commit(root: str) -> None:
    location = Location(root)
    old = Lease(location, ttl_seconds=1)
    with old.hold("killed-run"):
        record = json.loads(location.read_bytes("_lease.json"))
        # The holder stops renewing (a killed process): its lease runs out.
        location.write_bytes(
            "_lease.json", json.dumps({**record, "expires": "2000-01-01T00:00:00+00:00"}).encode()
        )
        new = Lease(location)
        with new.hold("next-run"):
            assert new.holder() is not None and new.holder()["owner"] == "next-run"  # type: ignore[index]
            with pytest.raises(LeaseLost, match="took it over"):
                old.assert_held()
            new.assert_held()  # near-miss: the new holder's lease is its own
        assert not location.exists("_lease.json")


def test_a_lease_nobody_renews_expires_and_a_damaged_one_holds_nobody(root: str) -> None:
    location = Location(root)
    location.write_bytes("_lease.json", b"not json")
    assert Lease(location).holder() is None
    location.write_bytes(
        "_lease.json", json.dumps({"owner": "x", "expires": "2000-01-01T00:00:00+00:00"}).encode()
    )
    Warehouse(root).ensure_free()
    with Warehouse(root).lock("after"):
        pass


def test_release_own_gives_the_lease_back_once(root: str) -> None:
    wh = Warehouse(root)
    with wh.lock("run"):
        wh.write_lock.release_own()
        assert not wh.location.exists("_lease.json")
        wh.write_lock.release_own()  # once only: nothing more happens
        with Warehouse(root).lock("another"):
            assert wh.location.exists("_lease.json")
