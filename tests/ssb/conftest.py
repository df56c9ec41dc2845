"""Fixtures for the SSB client tests: the demo snapshot, a real PxWebApi v2 test server and fast clients.

Every server made through `pxweb` fails the test at teardown if the client broke a limit (too many
cells, calls over the rate, a URL too long), unless the test set `server.expect_violations = True`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from pipeline.catalog import SsbCatalog, ssb_catalog
from pipeline.demo import generate_demo_snapshot
from pipeline.paths import SHARED_DATA_DIR
from pipeline.ssb.client import SsbClient
from testkit.pxweb_server import PxWebTestServer

SSB_DATA = SHARED_DATA_DIR / "ssb"
# A few tables covering the shapes the fetcher must handle: agg_KommSummer K- codes (07459, 10540, 06944),
# own region codes incl. pre-reform ones (12241, 01182, 09429), selection dimensions, several contents codes.
TEST_TABLES = ("07459", "12241", "10540", "01182", "06944", "09429")


def small_catalog() -> SsbCatalog:
    catalog = ssb_catalog()
    return replace(catalog, tables=tuple(t for t in catalog.tables if t.id in TEST_TABLES))


@pytest.fixture(scope="session")
def ssb_data() -> Path:
    assert SSB_DATA.is_dir(), f"real SSB reference responses missing at {SSB_DATA}"
    return SSB_DATA


@pytest.fixture(scope="session")
def demo_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo snapshot of TEST_TABLES (the generator's own output, as the lead ships it)."""
    return generate_demo_snapshot(tmp_path_factory.mktemp("demo_snapshot"), small_catalog())


@pytest.fixture(scope="session")
def full_demo_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo snapshot of the whole catalog."""
    return generate_demo_snapshot(tmp_path_factory.mktemp("full_demo_snapshot"))


@pytest.fixture
def pxweb(demo_snapshot: Path) -> Iterator[Callable[..., PxWebTestServer]]:
    """Factory: pxweb(**limits) starts a server over the demo snapshot (fast limits by default)."""
    servers: list[PxWebTestServer] = []

    def make(snapshot: Path | None = None, **kw) -> PxWebTestServer:
        kw.setdefault("calls", 30)
        kw.setdefault("window_s", 1.0)
        server = PxWebTestServer(snapshot or demo_snapshot, **kw)
        server.start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()
    for server in servers:
        if not server.expect_violations:
            assert not server.violations, f"the client broke a limit of the test server: {server.violations}"


def fast_client(base_url: str, **kw) -> SsbClient:
    """A client with test-sized backoff and timeouts (the policy is the same as in production)."""
    kw.setdefault("backoff_base_s", 0.02)
    kw.setdefault("backoff_cap_s", 0.2)
    kw.setdefault("timeout", (2.0, 1.0))
    kw.setdefault("max_attempts", 4)
    return SsbClient(base_url, **kw)


@pytest.fixture
def client_for() -> Callable[..., SsbClient]:
    return fast_client
