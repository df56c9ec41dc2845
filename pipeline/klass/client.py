"""KLASS (data.ssb.no/api/klass/v1) client for classifications 131 (municipalities) and 104 (counties).

KLASS answers XML unless asked for JSON, so every request sends `Accept: application/json`. Responses are
kept as raw bytes so a snapshot can store exactly what KLASS sent (plus its sha256).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import requests

BASE_URL = "https://data.ssb.no/api/klass/v1"
MUNICIPALITIES = 131
COUNTIES = 104


class KlassError(RuntimeError):
    """KLASS could not be reached or answered something other than the JSON we asked for."""

    def __init__(self, message: str, *, url: str, status: int | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.status = status


@dataclass(frozen=True)
class KlassResponse:
    url: str
    content: bytes


class KlassClient:
    """Thin GET wrapper: `get_raw` returns the exact bytes KLASS sent, checked to be JSON."""

    def __init__(self, base_url: str = BASE_URL, session: requests.Session | None = None,
                 timeout: float = 30.0, language: str = "nb") -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session or requests.Session()
        self.timeout = timeout
        self.language = language

    def get_raw(self, path: str, params: dict[str, str] | None = None) -> KlassResponse:
        url = f"{self.base_url}/{path.lstrip('/')}"
        try:
            resp = self.session.get(url, params=params, timeout=self.timeout,
                                    headers={"Accept": "application/json"})
        except requests.RequestException as exc:
            raise KlassError(f"KLASS request failed: GET {url}: {exc}", url=url) from exc
        full_url = resp.url or url
        if resp.status_code != 200:
            detail = resp.text[:300].strip() or "(empty body)"
            try:
                doc = resp.json()
                if isinstance(doc, dict):
                    detail = str(doc.get("message") or doc.get("error") or doc.get("detail") or detail)
            except ValueError:
                pass
            raise KlassError(f"KLASS answered HTTP {resp.status_code} for GET {full_url}: {detail}",
                             url=full_url, status=resp.status_code)
        ctype = resp.headers.get("Content-Type", "")
        if "json" not in ctype:
            raise KlassError(f"KLASS answered {ctype or 'no content type'} instead of JSON for GET {full_url}",
                             url=full_url, status=resp.status_code)
        try:
            json.loads(resp.content)
        except ValueError as exc:
            raise KlassError(f"KLASS sent a body that is not valid JSON for GET {full_url}: {exc}",
                             url=full_url, status=resp.status_code) from exc
        return KlassResponse(full_url, resp.content)


# -- snapshots -------------------------------------------------------------------------------------
def snapshot_klass(client: KlassClient, dest: Path, *, first_year: int = 2015, last_year: int = 2024) -> Path:
    """Fetch what build_seeds needs for 131 and 104 and store the raw bytes + sha256 under `dest`.

    Layout: `<dest>/manifest.json` {"format": 1, "kind": "klass", "created_at", "files": {name: {url, sha256,
    classification, endpoint}}} and one file per response (`131_codesAt_2024-01-01.json`, `131_changes.json`, ...).
    """
    from pipeline.snapshot import sha256_bytes, write_manifest

    dest.mkdir(parents=True, exist_ok=True)
    at = f"{last_year}-01-01"
    files: dict[str, dict] = {}
    for cid in (MUNICIPALITIES, COUNTIES):
        requests_ = {
            f"{cid}_codesAt_{at}.json": ("codesAt", f"classifications/{cid}/codesAt",
                                         {"date": at, "language": client.language}),
            f"{cid}_changes.json": ("changes", f"classifications/{cid}/changes",
                                    {"from": f"{first_year}-01-01", "to": f"{last_year}-12-31",
                                     "language": client.language}),
        }
        for name, (endpoint, path, params) in requests_.items():
            resp = client.get_raw(path, params)
            tmp = dest / (name + ".tmp")
            tmp.write_bytes(resp.content)
            tmp.replace(dest / name)
            files[name] = {"url": resp.url, "sha256": sha256_bytes(resp.content), "classification": cid,
                           "endpoint": endpoint}
    write_manifest(dest, {"format": 1, "kind": "klass", "first_year": first_year, "last_year": last_year,
                          "created_at": datetime.now(UTC).isoformat(timespec="seconds"), "tables": {},
                          "files": files})
    return dest

