"""The fault lab: each fault module gets its own, a copy of the run's shared demo refresh (tests/conftest.py), so
its scenarios start from a published warehouse without a refresh of their own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from testkit.faults.lab import Lab
from testkit.shared_demo import PublishedDemo, copy_home


@pytest.fixture(scope="module")
def lab(published_demo: PublishedDemo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """A lab on a copy of the run's shared demo refresh (its baseline publish)."""
    root = tmp_path_factory.mktemp("fault_lab")
    copy_home(published_demo, root / "home")
    lab = Lab(root / "home")
    assert lab.ensure_published() is None  # published already: no refresh here
    yield lab
