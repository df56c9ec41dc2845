"""The demo snapshot: deterministic, in PxWebApi v2 shape, covering the catalog, labelled DEMO."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.catalog import ssb_catalog
from pipeline.demo import DEMO_LABEL, generate_demo_snapshot
from pipeline.demo.regions import municipalities_2024
from pipeline.snapshot import open_snapshot
from pipeline.ssb.jsonstat import read_jsonstat


def test_same_catalog_gives_same_bytes(tmp_path: Path) -> None:
    a = generate_demo_snapshot(tmp_path / "a")
    b = generate_demo_snapshot(tmp_path / "b")
    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files_a == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    for rel in files_a:
        assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel


def test_v2_shapes_and_coverage(tmp_path: Path) -> None:
    snap = open_snapshot(generate_demo_snapshot(tmp_path))
    catalog = ssb_catalog()
    assert snap.is_demo and snap.manifest["label"] == DEMO_LABEL
    assert sorted(snap.table_ids) == sorted(t.id for t in catalog.tables)
    assert "07459" in snap.table_ids and len(snap.table_ids) >= 4
    munis = set(municipalities_2024())
    assert len(munis) == 357
    for table in catalog.tables:
        entry = snap.entry(table.id)
        info = json.loads((snap.root / entry["table_info"]).read_text())
        assert {"id", "label", "updated", "firstPeriod", "lastPeriod", "variableNames"} <= set(info)
        assert info["firstPeriod"] == "2015" and info["lastPeriod"] == "2024"
        metadata = json.loads((snap.root / entry["metadata"]).read_text())
        assert metadata["version"] == "2.0" and metadata["class"] == "dataset" and metadata["value"] == []
        data = json.loads((snap.root / entry["data"][0]).read_text())
        assert data["id"][0] == table.region_dimension and data["id"][-2:] == ["ContentsCode", "Tid"]
        assert data["extension"]["px"]["tableid"] == table.id
        assert DEMO_LABEL in data["label"]
        frame = read_jsonstat(data)
        regions = {r.removeprefix("K-") for r in frame[table.region_dimension]}
        assert munis <= regions, f"{table.id}: municipalities missing"
        assert sorted(frame["Tid"].unique()) == [str(y) for y in range(2015, 2025)]
        assert set(frame["ContentsCode"]) == set(table.contents_codes)


def test_population_is_plausible(tmp_path: Path) -> None:
    frame = open_snapshot(generate_demo_snapshot(tmp_path)).read_table("07459")
    latest = frame[(frame["Tid"] == "2024") & (frame["Region"] != "0000")]
    total = latest["value"].sum()
    # demo population is drawn around the real 1 Jan 2024 figures (5.55 million)
    assert 5_300_000 < total < 5_800_000
    national = frame[(frame["Tid"] == "2024") & (frame["Region"] == "0000")]["value"].iloc[0]
    assert national == total


def test_stale_cached_demo_is_generated_again(tmp_path: Path) -> None:
    from pipeline.paths import Home
    from pipeline.snapshot import write_manifest
    from pipeline.sources import Source, resolve_snapshot

    home = Home(tmp_path).ensure()
    root = generate_demo_snapshot(home.demo_snapshot_dir)
    manifest = json.loads((root / "manifest.json").read_text())
    dropped = sorted(manifest["tables"])[0]
    del manifest["tables"][dropped]  # as if made by an older, smaller catalog
    manifest["fingerprint"] = "older-generator"
    write_manifest(root, manifest)

    messages: list[str] = []
    snapshot = resolve_snapshot(Source.parse("demo"), home, log=messages.append).snapshot

    assert dropped in snapshot.table_ids
    assert any("changed" in m for m in messages)
    # a current cache is reused as it is
    messages.clear()
    resolve_snapshot(Source.parse("demo"), home, log=messages.append)
    assert messages == []
