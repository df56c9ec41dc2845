"""A real KLASS stand-in on 127.0.0.1 serving the recorded responses in shared/data/klass."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from pipeline.klass import counties
from pipeline.paths import SHARED_DATA_DIR

KLASS_DIR = SHARED_DATA_DIR / "klass"
SSB_DIR = SHARED_DATA_DIR / "ssb"


class _Handler(BaseHTTPRequestHandler):
    requests_seen: list[tuple[str, str]] = []

    def log_message(self, *args) -> None:  # quiet
        pass

    def _send(self, status: int, body: bytes, ctype: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        url = urlsplit(self.path)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        type(self).requests_seen.append((self.path, self.headers.get("Accept", "")))
        if "json" not in self.headers.get("Accept", ""):
            self._send(200, b"<?xml version='1.0'?><codeChanges/>", "application/xml")
            return
        path = url.path.removeprefix("/api/klass/v1/")
        if path == "boom":
            self._send(500, b'{"error":"Internal Server Error","message":"boom"}', "application/json")
            return
        if path == "html":
            self._send(200, b"<html>maintenance</html>", "text/html")
            return
        files = {
            "classifications/131": "131_classification.json",
            "versions/1710": "131_version_2024.json",
            "versions/1860": "131_version_2020.json",
        }
        if path in files:
            body = (KLASS_DIR / files[path]).read_bytes()
        elif path == "classifications/131/codesAt" and q.get("date") == "2026-01-01":
            body = (KLASS_DIR / "131_codesAt_2026-01-01.json").read_bytes()
        elif path == "classifications/131/codesAt" and q.get("date") == "2024-01-01":
            items = json.loads((KLASS_DIR / "131_version_2024.json").read_bytes())["classificationItems"]
            body = json.dumps({"codes": items}).encode()
        elif path == "classifications/131/changes":
            doc = json.loads((KLASS_DIR / "131_changes_1972-2024.json").read_bytes())
            lo, hi = q.get("from", "0000"), q.get("to", "9999")
            doc["codeChanges"] = [c for c in doc["codeChanges"] if lo <= c["changeOccurred"] <= hi]
            body = json.dumps(doc, ensure_ascii=False).encode()
        elif path == "classifications/131/codes":
            items = json.loads((KLASS_DIR / "131_version_2020.json").read_bytes())["classificationItems"]
            body = json.dumps({"codes": items}).encode()
        # shared/data holds no recorded 104 responses: serve the project's county facts in KLASS's shape
        elif path.startswith("classifications/104/codesAt"):
            body = json.dumps({"codes": counties.county_codes_2024()}).encode()
        elif path.startswith("classifications/104/changes"):
            body = json.dumps({"codeChanges": counties.county_code_changes()}).encode()
        else:
            self._send(404, b'{"error":"Not Found","message":"no such resource"}', "application/json")
            return
        self._send(200, body, "application/json;charset=UTF-8")


@pytest.fixture(scope="session")
def klass_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/klass/v1"
    finally:
        server.shutdown()
        server.server_close()
