"""Safety helpers: file-name sanitising, spreadsheet-formula neutralising, size limits."""

from __future__ import annotations

import re
import unicodedata

# Limits (bytes/rows). Module constants so a deployment (or a test) can tighten them.
MAX_CSV_BYTES = 5 * 1024 * 1024
MAX_XLSX_BYTES = 10 * 1024 * 1024
MAX_XLSX_UNCOMPRESSED = 60 * 1024 * 1024  # sum of all zip members once expanded
MAX_XLSX_RATIO = 100  # uncompressed/compressed, per member and overall
MAX_XLSX_MEMBERS = 500
MAX_ROWS = 20_000
MAX_COMMENT_CHARS = 1000

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?\d+([.,]\d+)?([eE][+-]?\d+)?$")
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def neutralise(value: object) -> object:
    """Prefix text that a spreadsheet would run as a formula with an apostrophe (OWASP CSV injection).

    Plain numbers such as "-5" are left alone: they are data, not formulas.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.match(value.strip()):
        return "'" + value
    return value


def sanitise_filename(name: str, max_len: int = 80) -> str:
    """A safe base name: no directories, ASCII letters/digits/._- only (æøå transliterated), no leading dot."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = base.replace("æ", "ae").replace("Æ", "AE").replace("ø", "o").replace("Ø", "O").replace("å", "a")
    base = base.replace("Å", "A")
    base = "".join(ch for ch in unicodedata.normalize("NFKD", base) if unicodedata.category(ch) != "Mn")
    base = _UNSAFE_NAME.sub("_", base).strip("._-") or "file"
    if len(base) > max_len:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: max_len - len(ext) - 1] + "." + ext) if dot and len(ext) <= 8 else base[:max_len]
    return base


def file_extension(name: str) -> str:
    """Lower-case extension without the dot ('' if none)."""
    base = name.rsplit("/", 1)[-1]
    return base.rsplit(".", 1)[-1].lower() if "." in base.strip(".") else ""
