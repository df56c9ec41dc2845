"""The reference year of an SSB time code (dimension `Tid`).

SSB time codes start with a year: `2024` (year), `2024K1` (quarter), `2024M01` (month), `2024H1` (half
year), `2024U01` (week). A period spanning years, `2020-2022` (three-year averages such as 12944's
persistent low income) or `2022-2023` (school years), is keyed by its END year: a value published for
2020-2022 describes the situation up to 2022 and is compared with the single years of 2022 (the
period's last year is when SSB publishes it, and a trend from it must not run ahead of its data).
"""

from __future__ import annotations

import re

_PERIOD = re.compile(r"(\d{4})-(\d{4})")
_YEAR_FIRST = re.compile(r"(\d{4})(?:[KMHU]\d{1,2})?")


def period_year(code: str) -> int:
    """The year a time code is keyed to: its year, or a multi-year period's end year.

    Raises ValueError for a code that is neither (the caller names the file and table).
    """
    code = code.strip()
    if m := _PERIOD.fullmatch(code):
        start, end = int(m.group(1)), int(m.group(2))
        if end < start:
            raise ValueError(f"time code {code!r}: the period ends before it starts")
        return end
    if m := _YEAR_FIRST.fullmatch(code):
        return int(m.group(1))
    raise ValueError(f"time code {code!r} is not a year, a sub-year period (2024K1, 2024M01) or a "
                     "period of years (2020-2022)")
