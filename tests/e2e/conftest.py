"""A real PxWebApi v2 test server on 127.0.0.1 for the live refreshes of this folder (no network needed)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pipeline.demo import generate_demo_snapshot
from testkit.pxweb_server import PxWebTestServer


@pytest.fixture(scope="module")
def ssb_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PxWebTestServer]:
    """Serves tables in SSB's format (the demo generator's cubes) over real sockets; a `live` refresh against
    it fetches them as SSB data, so its snapshot is of kind live."""
    snapshot = generate_demo_snapshot(tmp_path_factory.mktemp("ssb_origin"))
    server = PxWebTestServer(snapshot, calls=200, window_s=1.0)
    with server:
        yield server
    assert not server.violations, server.violations
