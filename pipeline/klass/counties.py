"""County (KLASS 104) facts used when no KLASS 104 snapshot is at hand (shared/data holds only 131 files).

Stated in KLASS's own shape (codes on 1 January 2024 + codeChanges) so build_seeds treats them like a
fetched 104 snapshot. Sources: KLASS 104 versions 2015-2024 and the 2024 version text of 131 (splits of
30 Viken, 38 Vestfold og Telemark and 54 Troms og Finnmark).
"""

from __future__ import annotations

COUNTIES_2024: dict[str, str] = {
    "03": "Oslo", "11": "Rogaland", "15": "Møre og Romsdal", "18": "Nordland", "31": "Østfold",
    "32": "Akershus", "33": "Buskerud", "34": "Innlandet", "39": "Vestfold", "40": "Telemark", "42": "Agder",
    "46": "Vestland", "50": "Trøndelag", "55": "Troms", "56": "Finnmark",
}

_OLD = {
    "01": "Østfold", "02": "Akershus", "04": "Hedmark", "05": "Oppland", "06": "Buskerud", "07": "Vestfold",
    "08": "Telemark", "09": "Aust-Agder", "10": "Vest-Agder", "12": "Hordaland", "14": "Sogn og Fjordane",
    "16": "Sør-Trøndelag", "17": "Nord-Trøndelag", "19": "Troms", "20": "Finnmark",
    "30": "Viken", "34": "Innlandet", "38": "Vestfold og Telemark", "42": "Agder", "46": "Vestland",
    "50": "Trøndelag", "54": "Troms og Finnmark",
}

_MOVES = [  # (old, new, date)
    ("16", "50", "2018-01-01"), ("17", "50", "2018-01-01"),
    ("01", "30", "2020-01-01"), ("02", "30", "2020-01-01"), ("06", "30", "2020-01-01"),
    ("04", "34", "2020-01-01"), ("05", "34", "2020-01-01"), ("07", "38", "2020-01-01"),
    ("08", "38", "2020-01-01"), ("09", "42", "2020-01-01"), ("10", "42", "2020-01-01"),
    ("12", "46", "2020-01-01"), ("14", "46", "2020-01-01"), ("19", "54", "2020-01-01"),
    ("20", "54", "2020-01-01"),
    ("30", "31", "2024-01-01"), ("30", "32", "2024-01-01"), ("30", "33", "2024-01-01"),
    ("38", "39", "2024-01-01"), ("38", "40", "2024-01-01"), ("54", "55", "2024-01-01"),
    ("54", "56", "2024-01-01"),
]


def county_code_changes() -> list[dict]:
    """The county changes 2015-2024 as KLASS `codeChanges` entries."""
    names = {**_OLD, **COUNTIES_2024}
    out = []
    for old, new, when in _MOVES:
        new_name = COUNTIES_2024.get(new) if when.startswith("2024") else _OLD.get(new, names[new])
        out.append({"oldCode": old, "oldName": _OLD[old], "newCode": new, "newName": new_name,
                    "changeOccurred": when})
    return out


def county_codes_2024() -> list[dict]:
    return [{"code": c, "name": n} for c, n in sorted(COUNTIES_2024.items())]
