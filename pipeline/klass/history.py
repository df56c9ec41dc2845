"""Rebuild the code list of every year from one code list plus the KLASS change list.

KLASS `changes` lists every code change (`oldCode -> newCode` on `changeOccurred`; a municipality that absorbs
others is listed as `X -> X`). Walking backwards from a known year gives the structure on 1 January of each
earlier year; the real 2019 and 2020 lists in shared/data/klass check the walk (tests/klass).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Change:
    old_code: str | None
    old_name: str | None
    new_code: str | None
    new_name: str | None
    change_occurred: date

    @property
    def effective_year(self) -> int:
        """The first 1 January structure that shows the change."""
        d = self.change_occurred
        return d.year if (d.month, d.day) == (1, 1) else d.year + 1


def parse_changes(code_changes: list[dict]) -> list[Change]:
    """KLASS `codeChanges` entries (camelCase) -> Change, sorted by date."""
    out = [
        Change(c.get("oldCode") or None, c.get("oldName") or None, c.get("newCode") or None,
               c.get("newName") or None, date.fromisoformat(c["changeOccurred"][:10]))
        for c in code_changes
    ]
    return sorted(out, key=lambda c: (c.change_occurred, c.old_code or "", c.new_code or ""))


def structures_by_year(codes_last: dict[str, str], last_year: int, changes: list[Change],
                       first_year: int) -> dict[int, dict[str, str]]:
    """{year: {code: name}} on 1 January of first_year..last_year, walking back from `codes_last`."""
    out = {last_year: dict(codes_last)}
    current = dict(codes_last)
    for year in range(last_year, first_year, -1):
        batch = [c for c in changes if c.effective_year == year]
        olds = {c.old_code for c in batch if c.old_code}
        previous = dict(current)
        for c in batch:
            if c.new_code and c.new_code not in olds:
                previous.pop(c.new_code, None)
        for c in batch:
            if c.old_code:
                previous[c.old_code] = c.old_name or current.get(c.old_code, c.old_code)
        out[year - 1] = previous
        current = previous
    return dict(sorted(out.items()))


def version_rows(structures: dict[int, dict[str, str]], last_change_before: dict[str, date]) -> list[dict]:
    """Spells (code, name, valid_from, valid_to) from yearly structures; valid_to is exclusive, '' = still valid.

    A spell that starts in the first reconstructed year gets its valid_from from the change list (the last
    change that created the code or gave it that name), or '' when the code is older than the list.
    """
    years = sorted(structures)
    rows: list[dict] = []
    open_: dict[tuple[str, str], int] = {}
    for i, y in enumerate(years):
        for code, name in structures[y].items():
            open_.setdefault((code, name), y)
        nxt = structures[years[i + 1]] if i + 1 < len(years) else None
        for (code, name), start in list(open_.items()):
            if nxt is not None and nxt.get(code) == name:
                continue
            if nxt is None:
                continue
            rows.append(_row(code, name, start, f"{years[i + 1]}-01-01", years[0], last_change_before))
            del open_[(code, name)]
    for (code, name), start in open_.items():
        rows.append(_row(code, name, start, "", years[0], last_change_before))
    return sorted(rows, key=lambda r: (r["code"], r["valid_from"]))


def _row(code: str, name: str, start: int, valid_to: str, first_year: int,
         last_change_before: dict[str, date]) -> dict:
    if start > first_year:
        valid_from = f"{start}-01-01"
    else:
        d = last_change_before.get(code)
        valid_from = d.isoformat() if d else ""
    return {"code": code, "name": name, "valid_from": valid_from, "valid_to": valid_to}


def valid_codes(rows: list[dict], year: int) -> dict[str, str]:
    """{code: name} valid on 1 January `year` from version rows."""
    at = f"{year}-01-01"
    return {r["code"]: r["name"] for r in rows
            if (not r["valid_from"] or r["valid_from"] <= at) and (not r["valid_to"] or at < r["valid_to"])}
