"""Bytes -> text for CSV submissions, never guessing silently.

Accepted: UTF-8 (with or without BOM), Windows-1252 and ISO-8859-1 (latin1). The two single-byte
encodings differ only in bytes 0x80-0x9F, which latin1 uses for invisible control codes, so decoding as
cp1252 is right for both; we report `latin1` when no byte in that range occurs. Everything else
(UTF-16 "Unicode text", DOS/Mac code pages, mixed files, mojibake) is rejected with a finding, because
a wrong guess would silently corrupt names like Bærum or Tromsø.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.submissions.issues import FileRejected, issue

_UTF8_MULTIBYTE = re.compile(rb"[\xC2-\xF4][\x80-\xBF]+")
# UTF-8 bytes of æøåÆØÅ etc. read as cp1252/latin1 and saved again ("Ã¸" for "ø"), smart quotes ("â€"),
# a lost NBSP ("Â "), or the Unicode replacement character left by a lossy conversion.
_MOJIBAKE = re.compile("Ã[\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u02c6\u02dc\u2013-\u203a\u2122]"
                       "|â€|Â[\u00a0-\u00bf]|\ufffd")
# cp1252 characters that never touch a letter in Norwegian text, but are what DOS (cp865/cp850) and Mac
# Roman bytes for æ ø å turn into when read as cp1252.
_SUSPICIOUS = set("†‡ˆ‰Š‹ŒŽ•˜™š›œžŸ¡¢£¤¥¦¨©ª¬®¯±µ¶¸¹º¿")
_SIGNATURES = {
    b"%PDF": " (PDF)",
    b"PK\x03\x04": " (ZIP/xlsx – bruk filendelsen .xlsx / use the .xlsx extension)",
    b"\xd0\xcf\x11\xe0": " (gammelt Excel/Word-format / old Excel/Word format)",
}


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # utf-8 | utf-8-sig | cp1252 | latin1


def find_mojibake(text: str) -> str | None:
    """The first garbled fragment (with a little context), or None."""
    m = _MOJIBAKE.search(text)
    if not m:
        return None
    return text[max(0, m.start() - 8): m.end() + 8].replace("\n", " ").strip()


def decode_bytes(data: bytes, file: str) -> Decoded:
    """Decode CSV bytes or raise FileRejected naming why."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or _looks_utf16(data):
        raise FileRejected([issue("file.utf16", file)])
    if b"\x00" in data:
        detail = next((d for sig, d in _SIGNATURES.items() if data.startswith(sig)), "")
        raise FileRejected([issue("file.binary", file, detail=detail)])
    if data.startswith(b"\xef\xbb\xbf"):
        body, enc = data[3:], "utf-8-sig"
    else:
        body, enc = data, "utf-8"
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as e:
        if enc == "utf-8-sig" or _UTF8_MULTIBYTE.search(body):
            raise FileRejected([issue("file.mixed_encoding", file, position=e.start + len(data) - len(body))]) from e
        text, enc = _decode_single_byte(body, file)
    garbled = find_mojibake(text)
    if garbled:
        raise FileRejected([issue("file.mojibake", file, value=garbled)])
    return Decoded(text=text, encoding=enc)


def _decode_single_byte(body: bytes, file: str) -> tuple[str, str]:
    try:
        text = body.decode("cp1252")
    except UnicodeDecodeError as e:  # 0x81 0x8D 0x8F 0x90 0x9D: latin1 control codes, never text
        raise FileRejected([issue("file.encoding", file, detail=_guess(body, e.start))]) from e
    for i, ch in enumerate(text):
        if ch in _SUSPICIOUS and ((i > 0 and text[i - 1].isalpha()) or (i + 1 < len(text) and text[i + 1].isalpha())):
            frag = text[max(0, i - 8): i + 8].replace("\n", " ").strip()
            raise FileRejected([issue("file.encoding", file, value=frag, detail=_guess(body, None))])
    enc = "cp1252" if any(0x80 <= b <= 0x9F for b in body) else "latin1"
    return text, enc


def _guess(body: bytes, position: int | None) -> str:
    """A hint for the message: charset-normalizer's best guess, and where the bad byte is."""
    parts = []
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(body).best()
        if best is not None:
            parts.append(f"kanskje/maybe {best.encoding}")
    except Exception:  # noqa: BLE001 - a hint only
        pass
    if position is not None:
        parts.append(f"byte {position}")
    return ("; " + ", ".join(parts)) if parts else ""


def _looks_utf16(data: bytes) -> bool:
    """UTF-16 without a BOM: every other byte of ASCII text is NUL."""
    head = data[:200]
    return len(head) >= 8 and head[1::2].count(0) > 0.8 * len(head[1::2])
