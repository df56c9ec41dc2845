"""Errors of the SSB client and fetcher. Every message names the table, the request and what SSB said."""

from __future__ import annotations

import html
import json
import re


class SsbError(RuntimeError):
    """Base class: anything that went wrong talking to SSB or storing what it sent."""

    def __init__(self, message: str, *, table_id: str | None = None, url: str | None = None,
                 status: int | None = None, detail: str | None = None) -> None:
        super().__init__(message)
        self.table_id = table_id
        self.url = url
        self.status = status
        self.detail = detail


class SsbClientError(SsbError):
    """SSB refused the request (4xx other than 429); retrying would not help."""


class SsbBadRequest(SsbClientError):
    """400: a value code, codelist or variable SSB does not know."""


class SsbTooManyCells(SsbClientError):
    """403: the selection exceeds maxDataCells."""


class SsbNotFound(SsbClientError):
    """404: no such table, or (HTML body) a URL too long for SSB's web server."""


class SsbUnavailable(SsbError):
    """429, 5xx, timeouts or broken bodies that did not go away within the retry budget."""


class SsbSchemaError(SsbError):
    """The table no longer has the shape the catalog expects (renamed dimension, missing code)."""


class SsbEmptyData(SsbError):
    """A data response came back with every value missing: refuse to store it as the new truth."""


def error_detail(content: bytes, content_type: str = "") -> str:
    """SSB's explanation from an error body: problem+json `title`/`detail`, v0 `{"error":...}`, or HTML."""
    text = content.decode("utf-8", errors="replace").strip()
    if not text:
        return "(empty body)"
    if text.startswith("{"):
        try:
            doc = json.loads(text)
        except json.JSONDecodeError:
            doc = None
        if isinstance(doc, dict):
            if "detail" in doc or "title" in doc:
                parts = [str(doc[k]) for k in ("title", "detail") if doc.get(k)]
                errors = doc.get("errors")
                if isinstance(errors, dict):  # ASP.NET validation problems list field errors
                    parts += [f"{k}: {'; '.join(map(str, v))}" for k, v in errors.items()]
                return " - ".join(parts)
            if "error" in doc:  # PxWebApi v0
                return str(doc["error"])
    if "html" in content_type.lower() or text.lstrip().lower().startswith(("<!doctype", "<html")):
        m = re.search(r"<title>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
        title = html.unescape(m.group(1)).strip() if m else "HTML page"
        return f"HTML error page: {title}"
    return text[:300]
