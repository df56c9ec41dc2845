"""The KLASS client against a real HTTP server on 127.0.0.1 serving recorded KLASS responses."""

from __future__ import annotations

import json

import pytest

from pipeline.klass import KlassClient, KlassError, snapshot_klass
from pipeline.klass.build_seeds import build
from pipeline.snapshot import sha256_bytes
from tests.klass.conftest import SSB_DIR, _Handler


def test_get_raw_asks_for_json_and_keeps_the_bytes(klass_server: str) -> None:
    client = KlassClient(klass_server)
    resp = client.get_raw("classifications/131/codesAt", {"date": "2026-01-01", "language": "nb"})
    codes = json.loads(resp.content)["codes"]
    assert len(codes) == 358 and {"0301", "1508", "1580"} <= {c["code"] for c in codes}
    assert resp.url.startswith(f"{klass_server}/classifications/131/codesAt?") and "date=2026-01-01" in resp.url
    changes = json.loads(client.get_raw("classifications/131/changes",
                                        {"from": "2024-01-01", "to": "2024-12-31"}).content)["codeChanges"]
    assert len(changes) == 118
    assert {"oldCode": "1507", "newCode": "1580"}.items() <= next(
        c for c in changes if c["newCode"] == "1580").items()
    assert json.loads(client.get_raw("versions/1710").content)["validFrom"] == "2024-01-01"
    assert all(accept == "application/json" for _, accept in _Handler.requests_seen)


@pytest.mark.parametrize(("path", "match"), [
    ("versions/999", r"HTTP 404 .*versions/999: no such resource"),
    ("boom", r"HTTP 500 .*boom"),
    ("html", r"text/html instead of JSON"),
])
def test_failures_raise_clear_errors(klass_server: str, path: str, match: str) -> None:
    with pytest.raises(KlassError, match=match) as info:
        KlassClient(klass_server).get_raw(path)
    assert klass_server in info.value.url


def test_unreachable_server_is_a_klass_error() -> None:
    with pytest.raises(KlassError, match="request failed"):
        KlassClient("http://127.0.0.1:9/api/klass/v1", timeout=2).get_raw("classifications/131")


def test_snapshot_stores_raw_bytes_with_sha256_and_builds_seeds(klass_server: str, tmp_path) -> None:
    dest = snapshot_klass(KlassClient(klass_server), tmp_path / "snap")
    manifest = json.loads((dest / "manifest.json").read_text())
    assert manifest["kind"] == "klass"
    for name, entry in manifest["files"].items():
        assert sha256_bytes((dest / name).read_bytes()) == entry["sha256"]
        assert entry["url"].startswith(klass_server)
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    counts = build(dest, SSB_DIR, seeds)
    assert counts["klass_crosswalk.csv"] > 4000
    assert "3201" in (seeds / "klass_municipality_versions.csv").read_text()
