"""One language at a time: helpers the templates and figures use to carry bokmål and English side by side in the
file, while static/lang.js shows one of them (the reader's choice, remembered between pages).

Templates call `tx(nb, en)` for text and `ta(attr, nb, en)` for an attribute; figures hold `pair(nb, en)`
wherever Plotly wants a string, and report.js picks the page's language before drawing."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from markupsafe import Markup, escape

LANGUAGES = ("nb", "en")
ATTRIBUTES = {"title": "title", "aria-label": "label", "placeholder": "placeholder"}


# Cached: most texts are the same on every page (headings, goal names), and a report renders ~200,000 of them.
@lru_cache(maxsize=65536)
def tx(nb: Any, en: Any | None = None) -> Markup:
    """Both languages as two spans; the stylesheet hides the one that is not <html lang>."""
    en = nb if en is None else en
    return Markup(f'<span lang="nb">{escape(nb)}</span><span lang="en">{escape(en)}</span>')


@lru_cache(maxsize=65536)
def ta(attr: str, nb: Any, en: Any | None = None) -> Markup:
    """An attribute in bokmål (the default) plus both texts for lang.js: ta("title", "Mål", "Goal")."""
    key = ATTRIBUTES.get(attr)
    if key is None:
        raise ValueError(f"ta(): no translation for attribute {attr!r} (known: {', '.join(ATTRIBUTES)})")
    nb_e, en_e = escape(nb), escape(nb if en is None else en)
    return Markup(f' {attr}="{nb_e}" data-{key}-nb="{nb_e}" data-{key}-en="{en_e}"')


@lru_cache(maxsize=65536)
def tt(nb: Any, en: Any | None = None) -> Markup:
    """Element text lang.js replaces (for <option> and <title>, which cannot hold spans)."""
    return Markup(f' data-text-nb="{escape(nb)}" data-text-en="{escape(nb if en is None else en)}"')


def pair(nb: str, en: str) -> dict[str, str]:
    """A figure string in both languages (report.js replaces it with the page's language)."""
    return {"nb": nb, "en": en}
