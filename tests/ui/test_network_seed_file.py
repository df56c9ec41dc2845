"""The report reads the network seed only as a regular file: a link is refused, never followed."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.reports.data import Marts
from pipeline.reports.network import network_members


def test_seed_link_is_refused_and_missing_seed_is_no_network(tmp_path: Path) -> None:
    outside = tmp_path / "outside.csv"
    outside.write_text("member_code,member_name,member_kind,joined_year,source\n0301,Oslo,municipality,2020,x\n",
                       encoding="utf-8")
    marts = Marts(tmp_path / "none.duckdb", {}, {})
    assert network_members(marts, outside)[("municipality", "0301")].code == "0301"  # a regular file is read
    link = tmp_path / "sdg_network.csv"
    link.symlink_to(outside)
    with pytest.raises(ValueError, match="regular file"):
        network_members(marts, link)
    assert network_members(marts, tmp_path / "absent.csv") == {}
